"""A small Korean–English corpus from a grammar, with gold word alignments (chapter 4).

Sentences are built from clauses "subject verb object" in English and "subject-particle
object-particle verb" in Korean (SOV), so word order changes between the languages.
Noun phrases grow with adjectives, a prepositional phrase ("in the house" → "집 안의")
and relative clauses ("that sees the dog" → "개를 보는"); clauses are joined with
"and" / "but" (Korean verb endings -고 / -지만). Particles follow Korean's rules: 이/가,
을/를, depending on whether the noun ends in a consonant.

Every pair comes with its **gold alignment**: for each English word, the position of
the Korean word it translates, or None for words Korean does not write ("a", "that").
"the" is written with the demonstrative 그, so that the English can always be told from
the Korean. Chapter 5 compares attention weights with it.
"""

import random

NOUNS = {
    "cat": "고양이",
    "dog": "개",
    "bird": "새",
    "child": "아이",
    "teacher": "선생님",
    "student": "학생",
    "farmer": "농부",
    "doctor": "의사",
    "rabbit": "토끼",
    "bear": "곰",
    "fox": "여우",
    "horse": "말",
    "friend": "친구",
    "baker": "제빵사",
    "king": "왕",
}
PLACES = {
    "house": "집",
    "park": "공원",
    "garden": "정원",
    "forest": "숲",
    "school": "학교",
    "river": "강",
    "market": "시장",
    "library": "도서관",
    "village": "마을",
}
ADJECTIVES = {
    "small": "작은",
    "big": "큰",
    "old": "늙은",
    "young": "어린",
    "happy": "행복한",
    "quiet": "조용한",
    "clever": "영리한",
    "tired": "피곤한",
    "brave": "용감한",
}
PREPOSITIONS = {"in": "안의", "near": "근처의", "behind": "뒤의", "from": "출신의"}
# English verb: (Korean sentence-final, before "and", before "but", before a noun)
VERBS = {
    "sees": ("본다", "보고", "보지만", "보는"),
    "likes": ("좋아한다", "좋아하고", "좋아하지만", "좋아하는"),
    "helps": ("돕는다", "돕고", "돕지만", "돕는"),
    "follows": ("따라간다", "따라가고", "따라가지만", "따라가는"),
    "finds": ("찾는다", "찾고", "찾지만", "찾는"),
    "meets": ("만난다", "만나고", "만나지만", "만나는"),
    "calls": ("부른다", "부르고", "부르지만", "부르는"),
    "teaches": ("가르친다", "가르치고", "가르치지만", "가르치는"),
}
CONJUNCTIONS = {"and": 1, "but": 2}  # which Korean verb form the conjunction asks for


def has_final_consonant(word):
    """True if the last Hangul syllable of ``word`` ends in a consonant (받침)."""
    code = ord(word[-1]) - 0xAC00
    return 0 <= code < 11172 and code % 28 != 0


def with_particle(noun, role):
    """``noun`` with its subject (이/가) or object (을/를) particle attached."""
    consonant = has_final_consonant(noun)
    if role == "subject":
        return noun + ("이" if consonant else "가")
    return noun + ("을" if consonant else "를")


class Phrase:
    """Parallel words: English tokens, Korean tokens, and for each English token the
    index of its Korean token within this phrase (or None)."""

    def __init__(self, english, korean, links):
        self.english, self.korean, self.links = english, korean, links

    def __add__(self, other):
        shift = len(self.korean)
        links = self.links + [None if i is None else i + shift for i in other.links]
        return Phrase(self.english + other.english, self.korean + other.korean, links)


def noun_phrase(rng, role, depth, nouns=NOUNS):
    """A noun phrase as a ``Phrase`` in both languages.

    English "the [adj]* noun [PP] [that ...]",
    Korean "[that ...] [PP] [adj]* noun-particle".
    ``role`` is "subject", "object" or "plain" (no particle); ``depth`` limits nesting.
    """
    english_noun = rng.choice(sorted(nouns))
    adjectives = rng.sample(sorted(ADJECTIVES), k=rng.choice([0, 0, 1, 1, 2]))
    korean_noun = (
        nouns[english_noun]
        if role == "plain"
        else with_particle(nouns[english_noun], role)
    )
    # Korean order: modifiers first, then the noun.
    before = Phrase([], [], [])
    extra = rng.random() if depth > 0 else 1.0
    if extra < 0.3:  # prepositional phrase: "in the house" -> "집 안의"
        place = noun_phrase(rng, "plain", depth=0, nouns=PLACES)
        preposition = rng.choice(sorted(PREPOSITIONS))
        before = place + Phrase([], [PREPOSITIONS[preposition]], [])
        tail_english = [preposition] + place.english
        tail_links = [len(place.korean)] + place.links
    elif extra < 0.5:  # relative clause: "that sees the dog" -> "개를 보는"
        verb = rng.choice(sorted(VERBS))
        obj = noun_phrase(rng, "object", depth=depth - 1)
        before = obj + Phrase([], [VERBS[verb][3]], [])
        tail_english = ["that", verb] + obj.english
        tail_links = [None, len(obj.korean)] + obj.links
    else:
        tail_english, tail_links = [], []
    article = "the" if rng.random() < 0.6 else "a"
    # "the" is written 그; "a" is not written
    demonstrative = ["그"] if article == "the" else []
    head = Phrase(
        [], demonstrative + [ADJECTIVES[a] for a in adjectives] + [korean_noun], []
    )
    shift = len(before.korean)
    start = shift + len(demonstrative)
    following = (adjectives + [english_noun])[0]
    if article == "a" and following[0] in "aeiou":
        article = "an"
    english = [article] + adjectives + [english_noun] + tail_english
    links = (
        [shift if demonstrative else None]
        + [start + i for i in range(len(adjectives))]
        + [start + len(adjectives)]
        + tail_links
    )
    return Phrase(english, before.korean + head.korean, links)


def clause(rng, form, depth):
    """English "S V O", Korean "S-가 O-를 V", the verb in the given ``form`` (0–2)."""
    subject = noun_phrase(rng, "subject", depth)
    obj = noun_phrase(rng, "object", depth)
    verb = rng.choice(sorted(VERBS))
    korean = subject + obj + Phrase([], [VERBS[verb][form]], [])
    verb_at = len(korean.korean) - 1
    english = subject.english + [verb] + obj.english
    shift = len(subject.korean)
    links = (
        subject.links
        + [verb_at]
        + [None if i is None else i + shift for i in obj.links]
    )
    return Phrase(english, korean.korean, links)


def make_sentence(rng, clauses, depth=2):
    """One sentence pair of ``clauses`` clauses joined by "and"/"but"."""
    conjunctions = [rng.choice(sorted(CONJUNCTIONS)) for _ in range(clauses - 1)] + [
        None
    ]
    sentence = Phrase([], [], [])
    for conjunction in conjunctions:
        form = 0 if conjunction is None else CONJUNCTIONS[conjunction]
        part = clause(rng, form, depth)
        # "and" translates the verb ending: align it to the verb
        if conjunction is not None:
            verb_at = len(part.korean) - 1
            part = Phrase(
                part.english + [conjunction], part.korean, part.links + [verb_at]
            )
        sentence = sentence + part
    return sentence


def make_grammar_pairs(n, seed=0, min_len=3, max_len=40):
    """``n`` distinct ``(korean, english, alignment)`` with English lengths in range.

    Lengths are spread out by drawing the number of clauses (1–4) and the nesting
    depth at random. ``alignment[j]`` is the Korean word index of English word j, or
    None. Same seed, same corpus.
    """
    rng = random.Random(seed)
    pairs, seen = [], set()
    while len(pairs) < n:
        sentence = make_sentence(
            rng, clauses=rng.choice([1, 1, 2, 2, 3, 4]), depth=rng.choice([0, 1, 2])
        )
        korean, english = " ".join(sentence.korean), " ".join(sentence.english)
        if min_len <= len(sentence.english) <= max_len and korean not in seen:
            seen.add(korean)
            pairs.append((korean, english, tuple(sentence.links)))
    return pairs


def make_grammar_splits(sizes=(20000, 1000, 1000), seed=0, min_len=3, max_len=40):
    """Train, validation and test triples; no Korean sentence is in two splits."""
    pairs = make_grammar_pairs(sum(sizes), seed=seed, min_len=min_len, max_len=max_len)
    splits, start = [], 0
    for size in sizes:
        splits.append(pairs[start : start + size])
        start += size
    return splits
