"""Unit tests of the attnlab package: the code the chapters teach and reuse."""

import random
import re
import warnings
from collections import Counter

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import attnlab  # noqa: E402
from attnlab import (  # noqa: E402
    ReaderError,
    get_language,
    set_language,
    set_seed,
    setup,
    tr,
)
from attnlab.plotting import korean_font_files  # noqa: E402
from attnlab.reviews import ASPECTS, feature_polarity, make_reviews  # noqa: E402
from attnlab.supervised import (  # noqa: E402
    BagOfWordsClassifier,
    Memorizer,
    accuracy,
    check_review,
    count_features,
    explain,
    random_split,
    split_by_text,
    words_and_pairs,
)

HANGUL = re.compile("[\uac00-\ud7a3]")
POSITIVE_EN = {word[2] for _, _, positives, _ in ASPECTS.values() for word in positives}
NEGATIVE_EN = {word[2] for _, _, _, negatives in ASPECTS.values() for word in negatives}


@pytest.fixture(autouse=True)
def restore_language():
    """Every test leaves the reader's language as it found it."""
    before = get_language()
    yield
    set_language(before)


@pytest.fixture
def book_style():
    """Run setup (which changes matplotlib's rcParams) and undo the style afterwards."""
    with matplotlib.rc_context():
        device = setup(lang="ko", seed=0)
        yield device
    plt.close("all")


@pytest.fixture(scope="module")
def review_splits():
    pairs = make_reviews(600, seed=0, noise=0.0, lang="en")
    return split_by_text(pairs, fractions=(0.7, 0.15, 0.15), seed=0)


@pytest.fixture(scope="module")
def trained(review_splits):
    train, _, _ = review_splits
    set_seed(0)
    return BagOfWordsClassifier().fit(train, steps=100)


# --------------------------------------------------------------------------- i18n


def test_set_language_rejects_unknown_language_and_keeps_the_old_one():
    set_language("en")
    with pytest.raises(ValueError):
        set_language("fr")
    with pytest.raises(ValueError):
        set_language("KO")
    assert get_language() == "en"


def test_set_language_and_get_language_round_trip():
    set_language("ko")
    assert get_language() == "ko"
    set_language("en")
    assert get_language() == "en"


def test_tr_picks_the_text_of_the_current_language():
    set_language("ko")
    assert tr(ko="정확도", en="accuracy") == "정확도"
    set_language("en")
    assert tr(ko="정확도", en="accuracy") == "accuracy"


def test_reader_error_is_a_value_error_carrying_both_messages():
    error = ReaderError(ko="비어 있습니다", en="It is empty")
    assert isinstance(error, ValueError)
    assert error.ko == "비어 있습니다"
    assert error.en == "It is empty"


def test_reader_error_message_follows_the_current_language():
    set_language("ko")
    assert str(ReaderError(ko="비어 있습니다", en="It is empty")) == "비어 있습니다"
    set_language("en")
    assert str(ReaderError(ko="비어 있습니다", en="It is empty")) == "It is empty"


def test_reader_error_can_be_caught_as_value_error():
    with pytest.raises(ValueError):
        raise ReaderError(ko="가", en="a")


# ------------------------------------------------------------------------ runtime


def test_set_seed_makes_all_three_generators_reproducible():
    set_seed(123)
    first = (torch.rand(5), np.random.rand(5), [random.random() for _ in range(5)])
    set_seed(123)
    second = (torch.rand(5), np.random.rand(5), [random.random() for _ in range(5)])
    assert torch.equal(first[0], second[0])
    assert np.array_equal(first[1], second[1])
    assert first[2] == second[2]


def test_different_seeds_give_different_numbers():
    set_seed(1)
    a = torch.rand(5)
    set_seed(2)
    b = torch.rand(5)
    assert not torch.equal(a, b)


def test_setup_sets_language_and_returns_the_gpu_if_there_is_one(book_style):
    assert get_language() == "ko"
    assert isinstance(book_style, torch.device)
    assert book_style.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert attnlab.pick_device() == book_style


def test_setup_twice_is_safe_and_reproducible():
    with matplotlib.rc_context():
        device1 = setup(lang="en", seed=7)
        first = (torch.rand(4), np.random.rand(4), random.random())
        device2 = setup(lang="ko", seed=7)
        second = (torch.rand(4), np.random.rand(4), random.random())
    assert device1 == device2
    assert get_language() == "ko"
    assert torch.equal(first[0], second[0])
    assert np.array_equal(first[1], second[1])
    assert first[2] == second[2]


def test_setup_rejects_unknown_language():
    with pytest.raises(ValueError):
        setup(lang="de")


def test_copy_model_is_independent_and_flattens_every_rnn(monkeypatch):
    from torch import nn

    model = nn.Sequential(nn.GRU(3, 4), nn.Linear(4, 2), nn.LSTM(2, 2))
    flattened = []
    original = nn.RNNBase.flatten_parameters

    def spy(self):
        flattened.append(self)
        return original(self)

    monkeypatch.setattr(nn.RNNBase, "flatten_parameters", spy)
    copied = attnlab.copy_model(model)
    assert sorted(type(m).__name__ for m in flattened) == ["GRU", "LSTM"]
    assert all(any(m is c for c in copied.modules()) for m in flattened)  # the copy's
    for a, b in zip(model.parameters(), copied.parameters()):
        assert torch.equal(a, b) and a.data_ptr() != b.data_ptr()


# ----------------------------------------------------------------------- plotting


def test_korean_font_files_are_found():
    files = korean_font_files()
    assert files
    assert all("NanumGothic" in f and f.endswith(".ttf") for f in files)
    assert not any("Coding" in f for f in files)


def test_book_style_turns_off_unicode_minus(book_style):
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert matplotlib.rcParams["font.sans-serif"][0] == "NanumGothic"


def test_korean_text_and_minus_signs_draw_without_missing_glyphs(book_style):
    fig, ax = plt.subplots()
    ax.plot([-3, -1, 0, 2], [-0.5, 0.2, -1.5, 1.0], label="손실")
    ax.set_title("훈련 손실과 정확도")
    ax.set_xlabel("단계")
    ax.set_ylabel("손실")
    ax.set_xticks([-3, -2, -1, 0, 1, 2])
    ax.set_xticklabels(["-3", "-2", "-1", "영", "하나", "둘"])
    ax.legend()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages
    plt.close(fig)


def test_a_log_axis_below_one_draws_without_missing_glyphs(book_style, caplog):
    """10^-1 in mathtext needs a U+2212 that NanumGothic lacks; plain_log_axis
    labels the ticks 0.01, 0.1, 1, ... instead."""
    from attnlab.plotting import plain_log_axis

    for plain in (False, True):
        caplog.clear()
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [0.05, 1.0, 20.0])
        ax.set_yscale("log")
        if plain:
            plain_log_axis(ax.yaxis)
        with caplog.at_level("WARNING"):
            fig.canvas.draw()
        missing = [r.getMessage() for r in caplog.records if "glyph" in r.getMessage()]
        assert bool(missing) != plain, (
            missing
        )  # without the helper, the glyph is missing
        if plain:
            labels = [t.get_text() for t in ax.get_yticklabels()]
            assert "0.1" in labels and "10" in labels, labels
        plt.close(fig)


# ------------------------------------------------------------------------ reviews


def test_make_reviews_returns_n_text_label_pairs():
    reviews = make_reviews(50, seed=0, lang="en")
    assert len(reviews) == 50
    for text, label in reviews:
        assert isinstance(text, str) and text
        assert label in (0, 1)


def test_make_reviews_is_deterministic_for_a_seed():
    assert make_reviews(100, seed=3, lang="en") == make_reviews(100, seed=3, lang="en")


def test_make_reviews_differs_between_seeds():
    assert make_reviews(100, seed=3, lang="en") != make_reviews(100, seed=4, lang="en")


def test_korean_and_english_reviews_share_labels_and_scripts_differ():
    ko = make_reviews(300, seed=5, lang="ko")
    en = make_reviews(300, seed=5, lang="en")
    assert [label for _, label in ko] == [label for _, label in en]
    assert all(HANGUL.search(text) for text, _ in ko)
    assert not any(HANGUL.search(text) for text, _ in en)


def test_make_reviews_defaults_to_the_current_language():
    set_language("ko")
    assert make_reviews(20, seed=1) == make_reviews(20, seed=1, lang="ko")
    set_language("en")
    assert make_reviews(20, seed=1) == make_reviews(20, seed=1, lang="en")


def test_simple_positive_review_is_labelled_positive_without_noise():
    singles = [
        (text, label)
        for text, label in make_reviews(2000, seed=0, noise=0.0, lang="en")
        if " and " not in text
        and " but " not in text
        and " not " not in text
        and text.rstrip(".").split()[-1] in POSITIVE_EN
    ]
    assert len(singles) > 50
    assert all(label == 1 for _, label in singles), singles[:5]
    assert ("The food was tasty.", 1) in singles


def test_simple_negative_and_negated_reviews_follow_the_rule_without_noise():
    reviews = make_reviews(2000, seed=0, noise=0.0, lang="en")
    one_clause = [
        (t, label) for t, label in reviews if " and " not in t and " but " not in t
    ]
    negative = [
        label
        for t, label in one_clause
        if " not " not in t and t.rstrip(".").split()[-1] in NEGATIVE_EN
    ]
    negated_positive = [
        label
        for t, label in one_clause
        if " not " in t and t.rstrip(".").split()[-1] in POSITIVE_EN
    ]
    negated_negative = [
        label
        for t, label in one_clause
        if " not " in t and t.rstrip(".").split()[-1] in NEGATIVE_EN
    ]
    assert negative and negated_positive and negated_negative
    assert set(negative) == {0}
    assert set(negated_positive) == {0}
    assert set(negated_negative) == {1}


def _score_english(text):
    """The grammar read independently: +-1 a clause, "not" flips, "but" doubles."""
    score = 0
    for clause in re.split(r" (?=and |but )", text.rstrip(".").lower()):
        adjective = clause.split()[-1]
        polarity = 1 if adjective in POSITIVE_EN else -1
        assert adjective in POSITIVE_EN | NEGATIVE_EN, clause
        if " not " in f" {clause} ":
            polarity = -polarity
        score += (2 if clause.startswith("but ") else 1) * polarity
    return score


def test_every_noiseless_label_follows_the_weighted_rule():
    for text, label in make_reviews(1000, seed=2, noise=0.0, lang="en"):
        score = _score_english(text)
        assert score != 0, text
        assert label == int(score > 0), text


def test_noise_flips_about_its_share_of_labels_and_keeps_texts():
    clean = make_reviews(2000, seed=0, noise=0.0, lang="en")
    noisy = make_reviews(2000, seed=0, noise=0.05, lang="en")
    assert [t for t, _ in clean] == [t for t, _ in noisy]
    flipped = sum(a != b for (_, a), (_, b) in zip(clean, noisy)) / 2000
    assert 0.02 < flipped < 0.09


def test_labels_are_roughly_balanced():
    reviews = make_reviews(2000, seed=0, lang="en")
    share = sum(label for _, label in reviews) / len(reviews)
    assert 0.35 <= share <= 0.65


# --------------------------------------------------------------------- supervised


def test_random_split_covers_every_item_once_with_the_given_sizes():
    items = list(range(100))
    parts = random_split(items, fractions=(0.7, 0.15, 0.15), seed=0)
    assert [len(p) for p in parts] == [70, 15, 15]
    assert sorted(x for p in parts for x in p) == items
    assert items == list(range(100))  # the input is not shuffled in place


def test_random_split_last_part_takes_the_rest():
    parts = random_split(range(10), fractions=(0.5, 0.5), seed=1)
    assert [len(p) for p in parts] == [5, 5]
    parts = random_split(range(7), fractions=(0.3, 0.3, 0.4), seed=1)
    assert sum(len(p) for p in parts) == 7
    assert sorted(x for p in parts for x in p) == list(range(7))


def test_random_split_is_deterministic_by_seed_and_shuffles():
    a = random_split(range(100), seed=0)
    assert a == random_split(range(100), seed=0)
    assert a != random_split(range(100), seed=1)
    assert a[0] != list(range(70))


def test_split_by_text_never_puts_a_text_in_two_parts():
    pairs = make_reviews(600, seed=0, lang="en")
    assert len({t for t, _ in pairs}) < len(pairs)  # there are repeated texts
    parts = split_by_text(pairs, seed=0)
    texts = [{t for t, _ in part} for part in parts]
    assert not texts[0] & texts[1]
    assert not texts[0] & texts[2]
    assert not texts[1] & texts[2]
    assert Counter(p for part in parts for p in part) == Counter(pairs)


def test_split_by_text_is_deterministic_and_roughly_follows_fractions():
    pairs = make_reviews(600, seed=0, lang="en")
    parts = split_by_text(pairs, seed=4)
    assert parts == split_by_text(pairs, seed=4)
    assert len(parts) == 3
    assert len(parts[0]) > len(parts[1]) and len(parts[0]) > len(parts[2])


def test_memorizer_returns_stored_labels_and_majority_for_unseen():
    model = Memorizer().fit([("good", 1), ("bad", 0), ("great", 1), ("fine", 1)])
    assert model.predict(["bad", "good", "never seen"]) == [0, 1, 1]
    model = Memorizer().fit([("a", 0), ("b", 0), ("c", 1)])
    assert model.predict(["c", "zzz"]) == [1, 0]


def test_words_and_pairs_exact_example():
    assert words_and_pairs("The food was tasty.") == [
        "the",
        "food",
        "was",
        "tasty",
        "the food",
        "food was",
        "was tasty",
    ]


def test_words_and_pairs_single_word_and_empty():
    assert words_and_pairs("Tasty.") == ["tasty"]
    assert words_and_pairs("") == []


class _FixedModel:
    def __init__(self, answers):
        self.answers = answers

    def predict(self, texts):
        return [self.answers[text] for text in texts]


def test_accuracy_on_a_tiny_model():
    model = _FixedModel({"a": 1, "b": 1, "c": 0, "d": 0})
    assert accuracy(model, [("a", 1), ("b", 0), ("c", 0), ("d", 0)]) == pytest.approx(
        0.75
    )
    assert accuracy(model, [("a", 0), ("b", 0)]) == 0
    assert accuracy(model, [("a", 1)]) == 1


def test_memorizer_is_perfect_on_its_training_texts():
    pairs = [("x", 1), ("y", 0), ("z", 0)]
    assert accuracy(Memorizer().fit(pairs), pairs) == 1


def test_bag_of_words_reaches_good_test_accuracy(trained, review_splits):
    _, _, test = review_splits
    assert accuracy(trained, test) >= 0.8


def test_bag_of_words_losses_decrease(trained):
    losses = trained.losses
    assert len(losses) == 100
    assert losses[-1] < losses[0]
    assert losses[-1] < 0.9 * losses[0]
    assert all(np.isfinite(losses))


def test_bag_of_words_features_count_known_features(trained):
    X = count_features(["The food was tasty.", "zzz qqq"], trained.vocab)
    assert X.shape == (2, len(trained.vocab))
    assert X[0, trained.vocab["tasty"]] == 1
    assert X[0, trained.vocab["the food"]] == 1
    assert X[1].sum() == 0


def test_explain_returns_probability_and_recognised_features(trained):
    p, known = explain(trained, "The food was tasty.")
    assert 0.0 <= p <= 1.0
    assert "tasty" in known and "was tasty" in known
    assert set(known) <= set(trained.vocab)
    assert set(known) <= set(words_and_pairs("The food was tasty."))


def test_explain_leaves_out_unknown_words(trained):
    _, known = explain(trained, "The food was tasty xyzzy.")
    assert "xyzzy" not in known
    assert "tasty" in known


def test_explain_probability_points_the_right_way(trained):
    positive, _ = explain(trained, "The food was really tasty.")
    negative, _ = explain(trained, "The service was very rude.")
    assert positive > 0.5 > negative


BAD_INPUTS = {
    "empty": "",
    "blank": "   ",
    "too long": ("tasty " * 100)[:500],
    "unknown words": "xyzzy plugh frobnicate",
}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("bad", list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
def test_explain_rejects_bad_input_in_the_reader_language(trained, bad, lang):
    set_language(lang)
    with pytest.raises(ReaderError) as info:
        explain(trained, bad)
    message = str(info.value)
    assert message
    if lang == "ko":
        assert HANGUL.search(message)
        assert message == info.value.ko
    else:
        assert not HANGUL.search(message)
        assert message == info.value.en
    assert HANGUL.search(info.value.ko) and not HANGUL.search(info.value.en)


def test_explain_too_long_message_names_the_length(trained):
    set_language("en")
    with pytest.raises(ReaderError, match="500"):
        explain(trained, "a" * 500)


def test_explain_rejects_non_text(trained):
    with pytest.raises(ReaderError):
        explain(trained, None)


def test_count_features_counts_repeats_and_ignores_unknown_features():
    vocab = {"tasty": 0, "was": 1, "not tasty": 2}
    X = count_features(["Tasty tasty.", "The food was not tasty.", ""], vocab)
    assert X.tolist() == [[2, 0, 0], [1, 1, 1], [0, 0, 0]]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_check_review_returns_known_features_or_explains_in_the_reader_language(lang):
    set_language(lang)
    vocab = {"tasty": 0, "the food": 1}
    assert check_review("The food was tasty.", vocab) == ["tasty", "the food"]
    with pytest.raises(ReaderError, match="60") as info:
        check_review("tasty " * 10, vocab, max_chars=30)  # 60 characters
    assert bool(HANGUL.search(str(info.value))) == (lang == "ko")
    for bad in [None, 3, "", "  ", "xyzzy"]:
        with pytest.raises(ReaderError):
            check_review(bad, vocab)


def test_split_by_text_gives_both_editions_the_same_split():
    pairs = {lang: make_reviews(600, seed=0, lang=lang) for lang in ("ko", "en")}
    rows = {}
    for lang, reviews in pairs.items():
        index = {pair: i for i, pair in enumerate(reviews)}  # a pair's first row
        rows[lang] = [
            sorted({index[pair] for pair in part})
            for part in split_by_text(reviews, seed=0)
        ]
    assert rows["ko"] == rows["en"]


def test_feature_polarity_reads_the_grammar_in_both_languages():
    from attnlab.reviews import _korean_forms

    starts = [start for start, _ in _korean_forms()]
    assert not [(a, b) for a in starts for b in starts if a != b and b.startswith(a)]
    assert feature_polarity("tasty") == feature_polarity("not salty") == 1
    assert feature_polarity("not tasty") == feature_polarity("was rude") == -1
    assert feature_polarity("the food") == feature_polarity("was not") == 0
    assert (
        feature_polarity("맛있었고 서비스가") == feature_polarity("짜지 않았어요") == 1
    )
    assert feature_polarity("맛있지 않았어요") == feature_polarity("불친절했어요") == -1
    assert feature_polarity("음식이 정말") == 0
    for lang in ("ko", "en"):  # a one-clause review's words carry its label's sign
        for text, label in make_reviews(200, seed=3, noise=0.0, lang=lang):
            words = text.rstrip(".").split()
            if any(joint in text for joint in (" and ", " but ", "고 ", "지만 ")):
                continue
            signs = {feature_polarity(" ".join(pair)) for pair in zip(words, words[1:])}
            assert signs - {0} == {1 if label else -1}, text
