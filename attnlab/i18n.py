"""The reader's language: plot labels and error messages in Korean or English.

The setup cell of every chapter calls ``attnlab.setup(lang=...)``; that is the only
place where the two editions' code differs. Everything the reader sees afterwards
(axis labels, table headers, messages about bad input) asks this module which
language to speak.
"""

LANGUAGES = ("ko", "en")

_current = {"lang": "en"}


def set_language(lang):
    """Make ``lang`` ("ko" or "en") the language of labels and messages."""
    if lang not in LANGUAGES:
        raise ValueError(
            f"lang must be one of {LANGUAGES}, got {lang!r} / "
            f"lang은 {LANGUAGES} 중 하나여야 합니다."
        )
    _current["lang"] = lang


def get_language():
    """The language chosen by the last ``set_language`` (English by default)."""
    return _current["lang"]


def tr(ko, en):
    """Pick the Korean or the English text, following the reader's language.

    >>> set_language("en"); tr(ko="정확도", en="accuracy")
    'accuracy'
    """
    return ko if get_language() == "ko" else en


class ReaderError(ValueError):
    """An error caused by the reader's input, explained in the reader's language.

    Inside a notebook prepared by ``attnlab.setup`` it is shown as one short
    message instead of a traceback.
    """

    def __init__(self, ko, en):
        self.ko = ko
        self.en = en
        super().__init__(tr(ko=ko, en=en))
