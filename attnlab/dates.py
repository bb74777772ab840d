"""Korean dates in many written forms, and their English translation (chapter 2).

The running example of chapters 2, 3 and 5: translate ``2026년 11월 24일 화요일`` or
``26. 11. 24.`` into ``November 24, 2026``. The data is generated, so it is free, as
large as we like, and every answer is known. Dates run from 1950 to 2049; a two-digit
year ``yy`` means 19yy when ``yy >= 50`` and 20yy otherwise, so every form has exactly
one correct translation.
"""

import datetime
import random

FIRST_DAY = datetime.date(1950, 1, 1)
LAST_DAY = datetime.date(2049, 12, 31)

# Monday first, like date.weekday()
WEEKDAYS_KO = ["월", "화", "수", "목", "금", "토", "일"]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _formats():
    """Written forms of a Korean date: each turns a ``datetime.date`` into a string."""

    def weekday(d):
        return WEEKDAYS_KO[d.weekday()]

    return [
        lambda d: f"{d.year}년 {d.month}월 {d.day}일",
        lambda d: f"{d.year}년 {d.month}월 {d.day}일 {weekday(d)}요일",
        lambda d: f"{d.year}년 {d.month}월 {d.day}일 ({weekday(d)})",
        lambda d: f"{d.year % 100:02d}년 {d.month}월 {d.day}일",
        lambda d: f"{d.year % 100:02d}. {d.month}. {d.day}.",
        lambda d: f"{d.year}. {d.month}. {d.day}.",
        lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
        lambda d: f"{d.year}-{d.month:02d}-{d.day:02d}",
        lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
        lambda d: f"{d.year % 100:02d}{d.month:02d}{d.day:02d}",
    ]


FORMATS = _formats()


def korean_date(date, form):
    """``date`` written in Korean in form number ``form`` (0 … len(FORMATS) - 1)."""
    return FORMATS[form](date)


def english_date(date):
    """The translation we want: ``November 24, 2026``."""
    return f"{MONTHS_EN[date.month - 1]} {date.day}, {date.year}"


def all_dates():
    """Every day from FIRST_DAY to LAST_DAY, in order."""
    days = (LAST_DAY - FIRST_DAY).days + 1
    return [FIRST_DAY + datetime.timedelta(days=i) for i in range(days)]


def make_date_splits(sizes=(20000, 1000, 1000), seed=0):
    """Train, validation and test pairs ``(korean, english)`` on disjoint dates.

    Distinct calendar dates are drawn without replacement and dealt out to the
    splits, so a date in the test set never appears in training, in any form.
    Each example's written form is drawn at random. Same seed, same data.
    """
    rng = random.Random(seed)
    dates = rng.sample(all_dates(), k=sum(sizes))
    splits, start = [], 0
    for size in sizes:
        part = dates[start : start + size]
        start += size
        splits.append(
            [
                (korean_date(d, rng.randrange(len(FORMATS))), english_date(d))
                for d in part
            ]
        )
    return splits
