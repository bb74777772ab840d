"""Short restaurant reviews with a label, generated from a small grammar (chapter 1).

Every review exists in Korean and in English with the same meaning and the same label,
so both editions of the book run the same code on data in the reader's language.

A review has one to three clauses about different aspects, such as "the food was
really tasty". A clause is positive or negative; "not" flips it; a clause after "but"
counts double. The label is
1 (positive) when the weighted sum is above zero and 0 (negative) when below; ties are
dropped. A small share of labels is flipped on purpose: real annotators make mistakes,
and a model that reproduces those mistakes has memorised, not learned.
"""

import random

from attnlab.i18n import get_language

# aspect: (Korean subject, English subject, positive words, negative words)
# A word is (Korean stem for negation, Korean past form, English adjective).
ASPECTS = {
    "food": (
        "음식이",
        "the food was",
        [("맛있", "맛있었어요", "tasty"), ("신선하", "신선했어요", "fresh")],
        [("짜", "짰어요", "salty"), ("차갑", "차가웠어요", "cold")],
    ),
    "service": (
        "서비스가",
        "the service was",
        [("친절하", "친절했어요", "friendly"), ("빠르", "빨랐어요", "quick")],
        [("불친절하", "불친절했어요", "rude"), ("느리", "느렸어요", "slow")],
    ),
    "place": (
        "가게가",
        "the place was",
        [("깨끗하", "깨끗했어요", "clean"), ("조용하", "조용했어요", "quiet")],
        [("더럽", "더러웠어요", "dirty"), ("시끄럽", "시끄러웠어요", "noisy")],
    ),
    "price": (
        "가격이",
        "the price was",
        [("저렴하", "저렴했어요", "fair"), ("적당하", "적당했어요", "reasonable")],
        [("비싸", "비쌌어요", "steep"), ("부담스럽", "부담스러웠어요", "high")],
    ),
}

INTENSIFIERS = [("", ""), ("정말", "really"), ("아주", "very")]


def _clause(rng, aspect):
    """One clause about ``aspect``: (Korean text, English text, polarity +1 or -1)."""
    subject_ko, subject_en, positives, negatives = ASPECTS[aspect]
    polarity = rng.choice([+1, -1])
    stem, past, adjective = rng.choice(positives if polarity > 0 else negatives)
    if rng.random() < 0.3:  # negated: "was not tasty" / "맛있지 않았어요"
        polarity = -polarity
        return (
            f"{subject_ko} {stem}지 않았어요",
            f"{subject_en} not {adjective}",
            polarity,
        )
    adverb_ko, adverb_en = rng.choice(INTENSIFIERS)
    ko = " ".join(f"{subject_ko} {adverb_ko} {past}".split())
    en = " ".join(f"{subject_en} {adverb_en} {adjective}".split())
    return ko, en, polarity


def _join_ko(clause, ending):
    """Turn a clause ending in "-어요"/"-아요" into one ending in "-고" or "-지만"."""
    return clause[: -len("어요")] + ending


def _review(rng):
    """One review of 1–3 clauses: (Korean, English, label), or None for a tie."""
    n_clauses = rng.choices([1, 2, 3], weights=[4, 4, 2])[0]
    aspects = rng.sample(sorted(ASPECTS), n_clauses)
    ko, en, score, contrasted, previous = [], [], 0, False, None
    for i, aspect in enumerate(aspects):
        clause_ko, clause_en, polarity = _clause(rng, aspect)
        weight = 1
        if i > 0:
            turn = polarity != previous and not contrasted and rng.random() < 0.7
            if turn:  # "but": the clause after it weighs double
                contrasted, weight = True, 2
                ko[-1], clause_en = _join_ko(ko[-1], "지만"), "but " + clause_en
            else:
                ko[-1], clause_en = _join_ko(ko[-1], "고"), "and " + clause_en
        score += weight * polarity
        previous = polarity
        ko.append(clause_ko)
        en.append(clause_en)
    if score == 0:
        return None
    text_en = " ".join(en)
    return " ".join(ko) + ".", text_en[0].upper() + text_en[1:] + ".", int(score > 0)


def make_reviews(n, seed=0, noise=0.05, lang=None):
    """``n`` labelled reviews as a list of ``(text, label)`` pairs (chapter 1).

    ``lang`` is "ko" or "en" (default: the reader's language); the same seed gives
    the same reviews, with the same labels, in both languages. A share ``noise`` of
    the labels is flipped, as a careless annotator would.
    """
    lang = lang or get_language()
    rng = random.Random(seed)
    reviews = []
    while len(reviews) < n:
        review = _review(rng)
        if review is None:
            continue
        ko, en, label = review
        if rng.random() < noise:
            label = 1 - label
        reviews.append((ko if lang == "ko" else en, label))
    return reviews


def _korean_forms():
    """(word start, polarity) for the Korean forms of the grammar's adjectives: the
    past form's stem ("맛있었") and the negated form ("맛있지", as in
    "맛있지 않았어요"). No form starts another, so a word matches at most one.
    """
    forms = []
    for _, _, positives, negatives in ASPECTS.values():
        for polarity, words in [(+1, positives), (-1, negatives)]:
            for stem, past, adjective in words:
                forms += [(past[: -len("어요")], polarity), (stem + "지", -polarity)]
    return forms


def feature_polarity(feature):
    """+1 or -1 when a feature names a positive or negative judgement of the grammar,
    0 when it names none (chapter 1 uses it to read a model's weights). An English
    adjective counts with its sign, flipped after "not"; a Korean word by its start.

    >>> feature_polarity("not tasty"), feature_polarity("맛있었고 서비스가")
    (-1, 1)
    """
    english = {
        a: p
        for _, _, pos, neg in ASPECTS.values()
        for p, words in [(+1, pos), (-1, neg)]
        for _, _, a in words
    }
    korean = _korean_forms()
    words, total = feature.split(), 0
    for i, word in enumerate(words):
        if word in english:
            negated = i > 0 and words[i - 1] == "not"
            total += -english[word] if negated else english[word]
        else:
            total += next((p for start, p in korean if word.startswith(start)), 0)
    return (total > 0) - (total < 0)
