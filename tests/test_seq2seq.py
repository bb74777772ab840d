"""Unit tests of the sequence-to-sequence part of attnlab (chapters 2 and 3).

Dates, vocabulary, batches, the GRU encoder–decoder, teacher forcing and greedy
decoding, training, metrics, the decoding stepper and the explorer helpers.
"""

import datetime
import inspect
import json
import re
import types
from collections import Counter

import ipywidgets as widgets
import pytest
import torch

from attnlab import ReaderError, get_language, set_language
from attnlab.batches import make_batches
from attnlab.dates import (
    FIRST_DAY,
    FORMATS,
    LAST_DAY,
    all_dates,
    english_date,
    korean_date,
    make_date_splits,
)
from attnlab.explorer import (
    STATIC_ENV,
    escape,
    json_for_script,
    static_block,
    static_mode,
)
from attnlab.metrics import (
    bleu,
    date_fields,
    exact_match,
    field_accuracy,
    first_error,
    teacher_forced_texts,
    token_accuracy,
    translate_pairs,
)
from attnlab.seq2seq import (
    Encoder,
    Seq2Seq,
    decode,
    decode_with_ratio,
    encode_sentence,
    greedy_decode,
    translate,
)
from attnlab.stepper import DecodingStepper, decoding_steps, steps_table
from attnlab.training import train, with_ratio
from attnlab.vocab import EOS, PAD, SOS, SPECIALS, UNK, Vocab, check_text

pytestmark = pytest.mark.usefixtures("one_torch_thread")


HANGUL = re.compile("[\uac00-\ud7a3]")
WEEKDAYS = "월화수목금토일"  # Monday first, like date.weekday()
MONTHS = (
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
)
FIXED_DATES = [
    datetime.date(2026, 11, 24),
    datetime.date(1950, 1, 1),
    datetime.date(2049, 12, 31),
    datetime.date(1984, 7, 22),
    datetime.date(2007, 3, 5),
    datetime.date(2000, 2, 29),
]
KOREAN_PATTERNS = [
    re.compile(
        r"(?P<y>\d{4}|\d{2})년 (?P<m>\d{1,2})월 (?P<d>\d{1,2})일"
        r"(?: (?P<w1>[월화수목금토일])요일| \((?P<w2>[월화수목금토일])\))?"
    ),
    re.compile(r"(?P<y>\d{4}|\d{2})\. (?P<m>\d{1,2})\. (?P<d>\d{1,2})\."),
    re.compile(r"(?P<y>\d{4})(?P<sep>[./-])(?P<m>\d{2})(?P=sep)(?P<d>\d{2})"),
    re.compile(r"(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})"),
]


def read_korean_date(text):
    """An independent reading of a Korean date form (two-digit years: 50–99 → 19yy)."""
    for pattern in KOREAN_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year = int(match["y"])
            if len(match["y"]) == 2:
                year += 1900 if year >= 50 else 2000
            date = datetime.date(year, int(match["m"]), int(match["d"]))
            weekday = match.groupdict().get("w1") or match.groupdict().get("w2")
            if weekday:
                assert WEEKDAYS.index(weekday) == date.weekday(), text
            return date
    raise AssertionError(f"not a known Korean date form: {text!r}")


def read_english_date(text):
    match = re.fullmatch(r"([A-Z][a-z]+) (\d{1,2}), (\d{4})", text)
    assert match, text
    return datetime.date(int(match[3]), MONTHS.index(match[1]) + 1, int(match[2]))


def two_digit_forms():
    """Form numbers that write the year with two digits."""
    probe = datetime.date(1984, 7, 22)
    return [
        form for form in range(len(FORMATS)) if "1984" not in korean_date(probe, form)
    ]


def all_widgets(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from all_widgets(child)


@pytest.fixture(autouse=True)
def restore_language():
    """Every test leaves the reader's language as it found it."""
    before = get_language()
    yield
    set_language(before)


@pytest.fixture(scope="module")
def dates():
    """A small date data set and its vocabularies."""
    train_pairs, valid, test = make_date_splits(sizes=(1000, 100, 100), seed=0)
    return types.SimpleNamespace(
        train=train_pairs,
        valid=valid,
        test=test,
        src_vocab=Vocab([s for s, _ in train_pairs]),
        tgt_vocab=Vocab([t for _, t in train_pairs]),
    )


@pytest.fixture
def tiny_model(dates):
    """An untrained, small Seq2Seq with fixed weights."""
    torch.manual_seed(0)
    return Seq2Seq(
        len(dates.src_vocab), len(dates.tgt_vocab), embed_size=8, hidden_size=16
    )


@pytest.fixture
def mixed_batch(dates):
    """One batch of sources of very different lengths (all forms of a few dates)."""
    pairs = [
        (korean_date(d, form), english_date(d))
        for d in FIXED_DATES[:3]
        for form in range(len(FORMATS))
    ]
    (batch,) = make_batches(
        pairs, dates.src_vocab, dates.tgt_vocab, batch_size=len(pairs), shuffle=False
    )
    assert batch.src_lengths.min() < batch.src_lengths.max()
    return batch


@pytest.fixture(scope="module")
def trained():
    """A model trained well enough to translate most dates (shared by many tests)."""
    train_pairs, valid, test = make_date_splits(sizes=(5000, 300, 300), seed=0)
    src_vocab = Vocab([s for s, _ in train_pairs])
    tgt_vocab = Vocab([t for _, t in train_pairs])
    torch.manual_seed(0)
    model = Seq2Seq(len(src_vocab), len(tgt_vocab), hidden_size=64)
    train(
        model,
        make_batches(train_pairs, src_vocab, tgt_vocab),
        steps=250,
        lr=1e-2,
        show_progress=False,
    )
    model.eval()
    return types.SimpleNamespace(
        model=model,
        src_vocab=src_vocab,
        tgt_vocab=tgt_vocab,
        train=train_pairs,
        valid=valid,
        test=test,
    )


# -------------------------------------------------------------------------- dates


def test_make_date_splits_returns_the_requested_sizes():
    splits = make_date_splits(sizes=(120, 30, 7), seed=3)
    assert [len(split) for split in splits] == [120, 30, 7]
    for split in splits:
        for source, target in split:
            assert isinstance(source, str) and source
            assert isinstance(target, str) and target


def test_date_splits_never_share_a_calendar_date():
    splits = make_date_splits(sizes=(3000, 500, 500), seed=1)
    days = [[read_english_date(target) for _, target in split] for split in splits]
    for split_days in days:
        assert len(set(split_days)) == len(split_days)  # no date twice within a split
    assert not set(days[0]) & set(days[1])
    assert not set(days[0]) & set(days[2])
    assert not set(days[1]) & set(days[2])


def test_date_splits_are_deterministic_for_a_seed():
    sizes = (200, 20, 20)
    assert make_date_splits(sizes=sizes, seed=5) == make_date_splits(
        sizes=sizes, seed=5
    )


def test_date_splits_differ_between_seeds():
    sizes = (200, 20, 20)
    assert make_date_splits(sizes=sizes, seed=5) != make_date_splits(
        sizes=sizes, seed=6
    )


def test_every_form_of_november_24_2026_is_written_as_expected():
    date = datetime.date(2026, 11, 24)  # a Tuesday
    assert [korean_date(date, form) for form in range(len(FORMATS))] == [
        "2026년 11월 24일",
        "2026년 11월 24일 화요일",
        "2026년 11월 24일 (화)",
        "26년 11월 24일",
        "26. 11. 24.",
        "2026. 11. 24.",
        "2026.11.24",
        "2026-11-24",
        "2026/11/24",
        "261124",
    ]
    assert english_date(date) == "November 24, 2026"


@pytest.mark.parametrize("date", FIXED_DATES, ids=str)
def test_every_korean_form_of_a_date_means_that_date(date):
    forms = [korean_date(date, form) for form in range(len(FORMATS))]
    assert len(set(forms)) == len(FORMATS)
    for text in forms:
        assert read_korean_date(text) == date
        assert str(date.day) in text or f"{date.day:02d}" in text
        assert str(date.month) in text or f"{date.month:02d}" in text
    assert english_date(date) == f"{MONTHS[date.month - 1]} {date.day}, {date.year}"
    assert read_english_date(english_date(date)) == date


def test_two_digit_years():
    forms = two_digit_forms()
    assert len(forms) == 3
    for form in forms:
        assert korean_date(datetime.date(1984, 7, 22), form).startswith("84")
        assert korean_date(datetime.date(2007, 3, 5), form).startswith("07")
        assert korean_date(datetime.date(1950, 1, 1), form).startswith("50")
        assert korean_date(datetime.date(2049, 12, 31), form).startswith("49")
    for form in set(range(len(FORMATS))) - set(forms):
        assert korean_date(datetime.date(2007, 3, 5), form).startswith("2007")


def test_every_generated_pair_is_a_correct_translation_within_the_range():
    forms_seen = set()
    for split in make_date_splits(sizes=(2000, 200, 200), seed=2):
        for source, target in split:
            date = read_english_date(target)
            assert FIRST_DAY <= date <= LAST_DAY
            assert read_korean_date(source) == date, (source, target)
            assert english_date(date) == target
            forms_seen.update(
                f for f in range(len(FORMATS)) if korean_date(date, f) == source
            )
    assert forms_seen == set(range(len(FORMATS)))


def test_all_dates_runs_from_first_to_last_day_one_day_at_a_time():
    days = all_dates()
    assert days[0] == FIRST_DAY == datetime.date(1950, 1, 1)
    assert days[-1] == LAST_DAY == datetime.date(2049, 12, 31)
    assert len(days) == (LAST_DAY - FIRST_DAY).days + 1
    assert all(b - a == datetime.timedelta(days=1) for a, b in zip(days, days[1:]))


# -------------------------------------------------------------------------- vocab


def test_special_tokens_take_ids_0_to_3(dates):
    assert (PAD, SOS, EOS, UNK) == (0, 1, 2, 3)
    for vocab in (dates.src_vocab, dates.tgt_vocab):
        assert vocab.itos[:4] == SPECIALS == ["<pad>", "<sos>", "<eos>", "<unk>"]
        assert [vocab.stoi[token] for token in SPECIALS] == [0, 1, 2, 3]
        assert vocab.itos[4:] == sorted(vocab.itos[4:])
        assert len(vocab) == len(vocab.itos) == len(vocab.stoi)


def test_vocab_knows_every_training_character(dates):
    characters = set("".join(s for s, _ in dates.train))
    assert set(dates.src_vocab.itos[4:]) == characters
    assert {"년", "월", "일", ".", "-", "/", "0", "9"} <= characters


def test_encode_decode_round_trip_on_training_text(dates):
    for source, target in dates.train:
        ids = dates.src_vocab.encode(source)
        assert ids[-1] == EOS and len(ids) == len(source) + 1
        assert UNK not in ids
        assert dates.src_vocab.decode(ids) == source
        assert dates.tgt_vocab.decode(dates.tgt_vocab.encode(target)) == target
        assert dates.src_vocab.encode(source, eos=False) == ids[:-1]


def test_unknown_characters_encode_as_unk(dates):
    vocab = dates.src_vocab
    ids = vocab.encode("1☃z", eos=False)
    assert ids == [vocab.stoi["1"], UNK, UNK]
    assert vocab.decode(ids) == "1<unk><unk>"


def test_decode_stops_at_eos_and_drops_pad_and_sos(dates):
    vocab = dates.tgt_vocab
    a, b, c = vocab.stoi["M"], vocab.stoi["a"], vocab.stoi["y"]
    assert vocab.decode([SOS, a, PAD, b, c, EOS, a, a]) == "May"
    assert vocab.decode(torch.tensor([SOS, a, b, c, EOS, PAD, PAD])) == "May"
    assert vocab.decode([EOS, a]) == ""
    assert vocab.decode([a, b, c]) == "May"


def test_unknown_lists_unknown_characters_once_in_order(dates):
    assert dates.src_vocab.unknown("2020년 1월 1일") == []
    assert dates.src_vocab.unknown("z2☃0zq☃") == ["q", "z", "☃"]


# ------------------------------------------------------------------- bad input

BAD_TEXTS = {
    "empty": "",
    "blank": "   \t ",
    "unknown latin": "zzz",
    "unknown symbols": "ⓧⓨ",
    "too long": "2" * 500,
    "not a string": 42,
}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("bad", list(BAD_TEXTS.values()), ids=list(BAD_TEXTS))
def test_bad_input_is_refused_in_the_reader_language(dates, tiny_model, bad, lang):
    set_language(lang)
    for refuse in (
        lambda: check_text(bad, dates.src_vocab, max_chars=60),
        lambda: translate(tiny_model, bad, dates.src_vocab, dates.tgt_vocab),
    ):
        with pytest.raises(ReaderError) as info:
            refuse()
        message = str(info.value)
        assert message
        if lang == "ko":
            assert HANGUL.search(message) and message == info.value.ko
        else:
            assert not HANGUL.search(message) and message == info.value.en
        assert HANGUL.search(info.value.ko) and not HANGUL.search(info.value.en)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_too_long_message_names_the_length(dates, tiny_model, lang):
    set_language(lang)
    with pytest.raises(ReaderError, match="500"):
        translate(tiny_model, "2" * 500, dates.src_vocab, dates.tgt_vocab)


def test_text_with_some_unknown_characters_is_translated(dates, tiny_model):
    text = "2020년 1월 1일 ☃"
    assert check_text(text, dates.src_vocab, max_chars=60) is None
    assert isinstance(
        translate(tiny_model, text, dates.src_vocab, dates.tgt_vocab), str
    )


# ------------------------------------------------------------------------ batches


def test_batch_shapes(dates):
    batches = make_batches(dates.train, dates.src_vocab, dates.tgt_vocab, batch_size=64)
    assert len(batches) == -(-len(dates.train) // 64)
    assert sorted(b.src.size(0) for b in batches)[1:] == [64] * (len(batches) - 1)
    for batch in batches:
        size = batch.src.size(0)
        assert batch.src.dim() == 2
        assert batch.src_lengths.shape == (size,)
        assert batch.tgt_in.dim() == 2 and batch.tgt_in.size(0) == size
        assert batch.tgt_in.shape == batch.tgt_out.shape


def test_src_lengths_count_the_real_tokens_of_each_row(dates):
    for batch in make_batches(
        dates.train, dates.src_vocab, dates.tgt_vocab, batch_size=50
    ):
        assert torch.equal(batch.src_lengths, (batch.src != PAD).sum(dim=1))
        assert batch.src_lengths.max() == batch.src.size(1)  # no column of padding only
        for row, length in zip(batch.src, batch.src_lengths):
            assert row[length - 1] == EOS
            assert (row[:length] != PAD).all() and (row[length:] == PAD).all()


def test_tgt_in_is_sos_then_tgt_out_shifted_right(dates):
    for batch in make_batches(
        dates.train, dates.src_vocab, dates.tgt_vocab, batch_size=50
    ):
        assert (batch.tgt_in[:, 0] == SOS).all()
        shifted = batch.tgt_out[:, :-1]
        # tgt_out's <eos> is never fed in: in tgt_in it becomes padding.
        assert torch.equal(
            batch.tgt_in[:, 1:], torch.where(shifted == EOS, PAD, shifted)
        )
        real = batch.tgt_out != PAD
        assert torch.equal(real, batch.tgt_in != PAD)
        last = real.sum(dim=1) - 1
        assert (batch.tgt_out[torch.arange(len(last)), last] == EOS).all()
        assert ((batch.tgt_out == EOS).sum(dim=1) == 1).all()


def test_every_pair_appears_exactly_once_across_batches(dates):
    batches = make_batches(dates.train, dates.src_vocab, dates.tgt_vocab, batch_size=64)
    found = Counter(
        (dates.src_vocab.decode(src), dates.tgt_vocab.decode(tgt))
        for batch in batches
        for src, tgt in zip(batch.src.tolist(), batch.tgt_out.tolist())
    )
    assert found == Counter(dates.train)


def test_unshuffled_batches_are_sorted_by_source_length(dates):
    batches = make_batches(
        dates.train, dates.src_vocab, dates.tgt_vocab, batch_size=64, shuffle=False
    )
    lengths = [n for batch in batches for n in batch.src_lengths.tolist()]
    assert lengths == sorted(lengths)


def test_shuffle_is_deterministic_by_seed_and_only_reorders_batches(dates):
    args = (dates.train, dates.src_vocab, dates.tgt_vocab)
    first = make_batches(*args, batch_size=64, seed=4)
    again = make_batches(*args, batch_size=64, seed=4)
    other = make_batches(*args, batch_size=64, seed=5)
    plain = make_batches(*args, batch_size=64, shuffle=False)

    def key(batch):
        return tuple(tuple(t.flatten().tolist()) + tuple(t.shape) for t in batch)

    assert [key(b) for b in first] == [key(b) for b in again]
    assert [key(b) for b in first] != [key(b) for b in other]
    assert Counter(key(b) for b in first) == Counter(key(b) for b in plain)


# ------------------------------------------------------------------- model shapes


def test_encoder_shapes_zero_padding_and_context_is_last_real_state(dates, mixed_batch):
    torch.manual_seed(0)
    encoder = Encoder(len(dates.src_vocab), embed_size=8, hidden_size=16)
    outputs, context = encoder(mixed_batch.src, mixed_batch.src_lengths)
    size, src_len = mixed_batch.src.shape
    assert outputs.shape == (size, src_len, 16)
    assert context.shape == (size, 16)
    for i, length in enumerate(mixed_batch.src_lengths.tolist()):
        assert (outputs[i, length:] == 0).all()
        assert (outputs[i, :length] != 0).any(dim=-1).all()
        torch.testing.assert_close(context[i], outputs[i, length - 1])


def test_encoder_output_of_a_sentence_does_not_depend_on_its_batch(dates, mixed_batch):
    torch.manual_seed(0)
    encoder = Encoder(len(dates.src_vocab), embed_size=8, hidden_size=16)
    outputs, context = encoder(mixed_batch.src, mixed_batch.src_lengths)
    i = int(mixed_batch.src_lengths.argmin())
    length = int(mixed_batch.src_lengths[i])
    alone, alone_context = encoder(
        mixed_batch.src[i : i + 1, :length], mixed_batch.src_lengths[i : i + 1]
    )
    torch.testing.assert_close(alone[0], outputs[i, :length])
    torch.testing.assert_close(alone_context[0], context[i])


def test_seq2seq_forward_and_greedy_decode_shapes(dates, tiny_model, mixed_batch):
    size, tgt_len = mixed_batch.tgt_in.shape
    logits = tiny_model(mixed_batch.src, mixed_batch.src_lengths, mixed_batch.tgt_in)
    assert logits.shape == (size, tgt_len, len(dates.tgt_vocab))
    for max_len in (1, 5, 30):
        ids = greedy_decode(
            tiny_model, mixed_batch.src, mixed_batch.src_lengths, max_len=max_len
        )
        assert ids.dim() == 2 and ids.size(0) == size
        assert 1 <= ids.size(1) <= max_len
        assert (
            ids.dtype == torch.long
            and ((ids >= 0) & (ids < len(dates.tgt_vocab))).all()
        )


def test_encode_gives_the_context_vector_as_hidden_state_and_context(
    tiny_model, mixed_batch
):
    hidden, context = tiny_model.encode(mixed_batch.src, mixed_batch.src_lengths)
    _, expected = tiny_model.encoder(mixed_batch.src, mixed_batch.src_lengths)
    torch.testing.assert_close(hidden, expected)
    torch.testing.assert_close(context, expected)


# ---------------------------------------------------------------- teacher forcing


def manual_decode(model, batch, feed_reference):
    """The decoding loop written out: feed tgt_in (teacher forcing) or the argmax."""
    state = model.encode(batch.src, batch.src_lengths)
    token = batch.tgt_in[:, 0]
    all_logits = []
    for t in range(batch.tgt_in.size(1)):
        logits, state = model.decode_step(token, state)
        all_logits.append(logits)
        if t + 1 < batch.tgt_in.size(1):
            token = batch.tgt_in[:, t + 1] if feed_reference else logits.argmax(dim=-1)
    return torch.stack(all_logits, dim=1)


@torch.no_grad()
def test_ratio_one_feeds_the_reference_tokens(tiny_model, mixed_batch):
    logits = decode_with_ratio(
        tiny_model,
        mixed_batch.src,
        mixed_batch.src_lengths,
        mixed_batch.tgt_in,
        teacher_forcing_ratio=1.0,
    )
    torch.testing.assert_close(
        logits, manual_decode(tiny_model, mixed_batch, feed_reference=True)
    )


@torch.no_grad()
def test_forward_is_teacher_forced(tiny_model, mixed_batch):
    """Chapter 2's model takes no ratio: its forward always feeds the reference."""
    assert list(inspect.signature(tiny_model.forward).parameters) == [
        "src",
        "src_lengths",
        "tgt_in",
    ]
    logits = tiny_model(mixed_batch.src, mixed_batch.src_lengths, mixed_batch.tgt_in)
    torch.testing.assert_close(
        logits, manual_decode(tiny_model, mixed_batch, feed_reference=True)
    )


@torch.no_grad()
def test_ratio_zero_feeds_back_the_models_own_predictions(tiny_model, mixed_batch):
    logits = decode_with_ratio(
        tiny_model,
        mixed_batch.src,
        mixed_batch.src_lengths,
        mixed_batch.tgt_in,
        teacher_forcing_ratio=0.0,
    )
    torch.testing.assert_close(
        logits, manual_decode(tiny_model, mixed_batch, feed_reference=False)
    )
    # An untrained model's predictions differ from the reference, so the two
    # loops differ.
    forced = manual_decode(tiny_model, mixed_batch, feed_reference=True)
    assert not torch.allclose(logits, forced)


@torch.no_grad()
def test_ratio_zero_never_reads_the_reference_after_sos(tiny_model, mixed_batch, dates):
    src, lengths, tgt_in = mixed_batch.src, mixed_batch.src_lengths, mixed_batch.tgt_in
    scrambled = tgt_in.clone()
    scrambled[:, 1:] = torch.randint(4, len(dates.tgt_vocab), scrambled[:, 1:].shape)
    assert not torch.equal(scrambled, tgt_in)
    free = decode_with_ratio(
        tiny_model, src, lengths, tgt_in, teacher_forcing_ratio=0.0
    )
    assert torch.equal(
        free, decode_with_ratio(tiny_model, src, lengths, scrambled, 0.0)
    )
    forced = tiny_model(src, lengths, tgt_in)
    assert not torch.equal(forced, tiny_model(src, lengths, scrambled))


@torch.no_grad()
def test_ratio_one_changing_one_input_token_changes_only_later_positions(
    tiny_model, mixed_batch, dates
):
    src, lengths, tgt_in = mixed_batch.src, mixed_batch.src_lengths, mixed_batch.tgt_in
    changed = tgt_in.clone()
    # another real token
    changed[:, 3] = 4 + (changed[:, 3] - 3) % (len(dates.tgt_vocab) - 4)
    assert (changed[:, 3] != tgt_in[:, 3]).all()
    before = tiny_model(src, lengths, tgt_in)
    after = tiny_model(src, lengths, changed)
    assert torch.equal(before[:, :3], after[:, :3])
    # (batch, tgt_len - 3)
    difference = (before[:, 3:] - after[:, 3:]).abs().amax(dim=-1)
    assert (difference > 0).all()


# ----------------------------------------------------------------- greedy decoding


@torch.no_grad()
def test_greedy_decode_feeds_back_its_own_predictions(
    tiny_model, mixed_batch, monkeypatch
):
    fed, predicted = [], []
    original = tiny_model.decode_step

    def spy(token, state):
        logits, state = original(token, state)
        fed.append(token.clone())
        predicted.append(logits.argmax(dim=-1))
        return logits, state

    monkeypatch.setattr(tiny_model, "decode_step", spy)
    ids = greedy_decode(
        tiny_model, mixed_batch.src, mixed_batch.src_lengths, max_len=12
    )
    assert len(fed) == ids.size(1)
    assert (fed[0] == SOS).all()
    for t in range(len(fed) - 1):
        assert torch.equal(fed[t + 1], predicted[t])
    assert torch.equal(ids, torch.stack(predicted, dim=1))


@torch.no_grad()
def test_the_decoding_loop_feeds_back_what_pick_chooses(
    dates, tiny_model, mixed_batch, monkeypatch
):
    """``decode`` is the one loop: whatever ``pick`` returns is the next input."""
    fed, original = [], tiny_model.decode_step

    def spy(token, state):
        fed.append(token.clone())
        return original(token, state)

    monkeypatch.setattr(tiny_model, "decode_step", spy)
    size = mixed_batch.src.size(0)

    def always_seven(logits, state):
        return torch.full((size,), 7), state

    steps = list(
        decode(
            tiny_model,
            mixed_batch.src,
            mixed_batch.src_lengths,
            max_len=5,
            pick=always_seven,
        )
    )
    assert len(steps) == 5 and len(fed) == 5
    assert (fed[0] == SOS).all() and all((token == 7).all() for token in fed[1:])
    assert all(logits.shape == (size, len(dates.tgt_vocab)) for _, logits, _ in steps)
    # The loop stops once every sentence has produced <eos>.
    ending = list(
        decode(
            tiny_model,
            mixed_batch.src,
            mixed_batch.src_lengths,
            max_len=9,
            pick=lambda logits, state: (torch.full((size,), EOS), state),
        )
    )
    assert len(ending) == 1


def test_encode_sentence_gives_a_batch_of_one_on_the_models_device(dates, tiny_model):
    src, src_lengths = encode_sentence(tiny_model, "2026년 11월 24일", dates.src_vocab)
    assert src.shape == (1, src_lengths.item()) and src.device == src_lengths.device
    assert src.device == next(tiny_model.parameters()).device
    assert src[0].tolist() == dates.src_vocab.encode("2026년 11월 24일")


def test_greedy_decode_takes_no_reference():
    assert list(inspect.signature(greedy_decode).parameters) == [
        "model",
        "src",
        "src_lengths",
        "max_len",
    ]


@torch.no_grad()
def test_greedy_decode_equals_free_running_forward(tiny_model, mixed_batch):
    ids = greedy_decode(
        tiny_model, mixed_batch.src, mixed_batch.src_lengths, max_len=30
    )
    free = decode_with_ratio(
        tiny_model,
        mixed_batch.src,
        mixed_batch.src_lengths,
        mixed_batch.tgt_in,
        teacher_forcing_ratio=0.0,
    ).argmax(dim=-1)
    steps = min(ids.size(1), free.size(1))
    assert steps >= 5
    assert torch.equal(ids[:, :steps], free[:, :steps])


@torch.no_grad()
def test_greedy_decode_stops_once_every_sentence_has_ended(trained):
    batch = make_batches(
        trained.test[:64],
        trained.src_vocab,
        trained.tgt_vocab,
        batch_size=64,
        shuffle=False,
    )[0]
    ids = greedy_decode(trained.model, batch.src, batch.src_lengths, max_len=30)
    assert ids.size(1) < 30
    ended = ids == EOS
    assert ended.any(dim=1).all()
    first_eos = ended.int().argmax(dim=1)
    assert first_eos.max() == ids.size(1) - 1


# ----------------------------------------------------------------------- training


@pytest.fixture(scope="module")
def train_batches(dates):
    return make_batches(dates.train, dates.src_vocab, dates.tgt_vocab, batch_size=64)


def small_model(dates, seed=0):
    torch.manual_seed(seed)
    return Seq2Seq(
        len(dates.src_vocab), len(dates.tgt_vocab), embed_size=16, hidden_size=32
    )


def test_training_is_reproducible_for_a_seed(dates, train_batches):
    first = train(
        small_model(dates, seed=0), train_batches, steps=30, show_progress=False
    )
    again = train(
        small_model(dates, seed=0), train_batches, steps=30, show_progress=False
    )
    other = train(
        small_model(dates, seed=1), train_batches, steps=30, show_progress=False
    )
    assert len(first["loss"]) == 30
    assert first["loss"] == again["loss"]
    assert first["loss"] != other["loss"]


def test_training_loss_decreases(dates, train_batches):
    history = train(small_model(dates), train_batches, steps=150, show_progress=False)
    losses = history["loss"]
    assert all(torch.isfinite(torch.tensor(losses)))
    assert sum(losses[-10:]) / 10 < 0.5 * sum(losses[:10]) / 10


def test_train_calls_a_ratio_schedule_with_every_step_number(dates, train_batches):
    calls = []

    def schedule(step):
        calls.append(step)
        return 1.0

    scheduled = train(
        small_model(dates),
        train_batches,
        steps=12,
        scores=with_ratio(schedule),
        show_progress=False,
    )
    assert calls == list(range(1, 13))
    constant = train(
        small_model(dates),
        train_batches,
        steps=12,
        scores=with_ratio(1.0),
        show_progress=False,
    )
    assert scheduled["loss"] == constant["loss"]  # the value returned is the ratio used
    forced = train(small_model(dates), train_batches, steps=12, show_progress=False)
    assert forced["loss"] == constant["loss"]  # the default is teacher forcing
    free = train(
        small_model(dates),
        train_batches,
        steps=12,
        scores=with_ratio(lambda s: 0.0),
        show_progress=False,
    )
    assert free["loss"][1:] != constant["loss"][1:]


def test_train_evaluates_every_few_steps_and_at_the_end(dates, train_batches):
    seen = []

    def evaluate(model):
        seen.append(model)
        return len(seen) * 10

    model = small_model(dates)
    history = train(
        model, train_batches, steps=25, evaluate=evaluate, every=10, show_progress=False
    )
    assert set(history) == {"loss", "step", "score", "seconds"}
    assert history["step"] == [10, 20, 25]
    assert history["score"] == [10, 20, 30]
    assert all(m is model for m in seen)
    assert len(history["loss"]) == 25
    assert isinstance(history["seconds"], float) and history["seconds"] >= 0
    no_eval = train(small_model(dates), train_batches, steps=5, show_progress=False)
    assert no_eval["step"] == [] and no_eval["score"] == []


@pytest.mark.parametrize("lang, word", [("ko", "단계"), ("en", "step")])
def test_train_progress_line_follows_the_language(
    dates, train_batches, capsys, lang, word
):
    set_language(lang)
    train(small_model(dates), train_batches, steps=3, show_progress=True)
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"{word} 3/3")
    assert len(out.splitlines()) == 1


# ------------------------------------------------------------------------ metrics


def test_exact_match_on_hand_made_strings():
    assert exact_match(["a", "b", "c"], ["a", "x", "c"]) == pytest.approx(2 / 3)
    assert exact_match(["May 1, 2000"], ["May 1, 2000"]) == 1
    assert exact_match(["May 1, 2000", "x"], ["May 1, 2001", "y"]) == 0


def test_token_accuracy_on_hand_made_strings():
    assert token_accuracy(["abc", "xy"], ["abd", "xyz"]) == pytest.approx(4 / 6)
    assert token_accuracy(["abcdef"], ["abc"]) == 1  # extra characters do not count
    assert token_accuracy(["bc"], ["abc"]) == 0  # position by position
    assert token_accuracy(["", "ab"], ["ab", "ab"]) == pytest.approx(0.5)


def test_bleu_is_100_for_identical_and_lower_for_wrong_translations():
    references = [
        "November 24, 2026",
        "May 1, 2000",
        "January 12, 1984",
        "March 5, 2007",
    ]
    assert bleu(references, references) == pytest.approx(100)
    wrong = ["November 2, 2026", "May 1, 2001", "July 12, 1984", "March 5, 2007"]
    assert bleu(wrong, references) < 100
    assert bleu(["x y z w"] * 4, references) < bleu(wrong, references)


def test_first_error_on_hand_made_strings():
    assert first_error("May 25, 2035", "May 25, 2035") is None
    # a wrong first character
    assert first_error("May 25, 2035", "January 25, 2035") == 0
    assert first_error("July 2, 2035", "June 2, 2035") == 2
    assert first_error("May 2", "May 25, 2035") == 5  # stopped early
    assert first_error("May 25, 20355", "May 25, 2035") == 12  # went on too long


def test_date_fields_and_field_accuracy_on_hand_made_strings():
    assert date_fields("November 24, 2026") == {
        "month": "November",
        "day": "24",
        "year": "2026",
    }
    assert date_fields("May") == {"month": "May", "day": "", "year": ""}
    references = ["January 25, 2035", "July 2, 1984", "May 1, 2000", "March 5, 2007"]
    # A wrong month shifts every later character, yet day and year can still be right.
    predictions = ["May 25, 2035", "July 2, 1948", "May 11, 2000", "March 5, 2007"]
    assert token_accuracy(predictions[:1], references[:1]) < 0.2
    assert field_accuracy(predictions, references) == {
        "month": 0.75,
        "day": 0.75,
        "year": 0.75,
    }
    assert field_accuracy(references, references) == {"month": 1, "day": 1, "year": 1}


@torch.no_grad()
def test_teacher_forced_texts_are_the_forced_argmax_in_input_order(dates, tiny_model):
    pairs = dates.test[:40]
    texts = teacher_forced_texts(tiny_model, pairs, dates.src_vocab, dates.tgt_vocab)
    assert [len(t) for t in texts] == [len(target) for _, target in pairs]
    backwards = teacher_forced_texts(
        tiny_model, pairs[::-1], dates.src_vocab, dates.tgt_vocab
    )
    assert backwards == texts[::-1]
    for i in (0, 13, 39):
        one = make_batches(
            pairs[i : i + 1], dates.src_vocab, dates.tgt_vocab, shuffle=False
        )[0]
        best = manual_decode(tiny_model, one, feed_reference=True).argmax(dim=-1)[0]
        spelled = [
            dates.tgt_vocab.itos[j] if j > UNK else "□" for j in best[:-1].tolist()
        ]
        assert texts[i] == "".join(spelled)


def test_translate_pairs_keeps_the_input_order(trained):
    pairs = trained.test[:80]
    outputs = translate_pairs(
        trained.model, pairs, trained.src_vocab, trained.tgt_vocab
    )
    assert len(outputs) == len(pairs) and all(isinstance(o, str) for o in outputs)
    backwards = translate_pairs(
        trained.model, pairs[::-1], trained.src_vocab, trained.tgt_vocab
    )
    assert backwards == outputs[::-1]
    small = translate_pairs(
        trained.model, pairs, trained.src_vocab, trained.tgt_vocab, batch_size=7
    )
    assert small == outputs
    for i in (0, 17, 79):
        assert outputs[i] == translate(
            trained.model, pairs[i][0], trained.src_vocab, trained.tgt_vocab
        )


def test_trained_model_translates_most_test_dates(trained):
    outputs = translate_pairs(
        trained.model, trained.test, trained.src_vocab, trained.tgt_vocab
    )
    references = [target for _, target in trained.test]
    assert exact_match(outputs, references) > 0.5
    assert token_accuracy(outputs, references) > 0.8
    assert bleu(outputs, references) > 50


def test_teacher_forced_exact_match_equals_free_running_exact_match(trained):
    """Up to its first error, free running is fed what teacher forcing is fed."""
    pairs = trained.test
    references = [target for _, target in pairs]
    forced = teacher_forced_texts(
        trained.model, pairs, trained.src_vocab, trained.tgt_vocab
    )
    free = translate_pairs(trained.model, pairs, trained.src_vocab, trained.tgt_vocab)
    assert token_accuracy(forced, references) > 0.9
    assert token_accuracy(forced, references) >= token_accuracy(free, references)
    for f, r, reference in zip(forced, free, references):
        assert (f == reference) == (r == reference)
        # the first error of free running is a teacher-forced error too
        if r != reference:
            i = first_error(r, reference)
            assert i < len(reference) and f[i] != reference[i] or i == len(reference)


# ------------------------------------------------------------------------ stepper


def test_teacher_forced_steps_feed_sos_then_the_reference(trained, tiny_model, dates):
    # The untrained model predicts wrong tokens: it must still be fed the reference.
    for model, src_vocab, tgt_vocab, (source, reference) in (
        (trained.model, trained.src_vocab, trained.tgt_vocab, trained.test[0]),
        (tiny_model, dates.src_vocab, dates.tgt_vocab, dates.test[0]),
    ):
        steps = decoding_steps(
            model,
            src_vocab,
            tgt_vocab,
            source,
            reference=reference,
            teacher_forced=True,
            max_len=3,
        )
        assert len(steps) == len(reference) + 1
        assert [s["fed"] for s in steps] == ["<sos>"] + list(reference)
        assert [s["expected"] for s in steps] == list(reference) + ["<eos>"]
    assert [s["predicted"] for s in steps] != list(reference) + ["<eos>"]


def test_free_running_steps_feed_back_predictions_and_stop_at_eos(trained):
    source, reference = trained.test[1]
    steps = decoding_steps(trained.model, trained.src_vocab, trained.tgt_vocab, source)
    fed = [s["fed"] for s in steps]
    predicted = [s["predicted"] for s in steps]
    assert fed[0] == "<sos>"
    assert fed[1:] == predicted[:-1]
    assert predicted[-1] == "<eos>" and "<eos>" not in predicted[:-1]
    assert all(s["expected"] is None for s in steps)
    assert "".join(predicted[:-1]) == translate(
        trained.model, source, trained.src_vocab, trained.tgt_vocab
    )


def test_free_running_steps_stop_at_max_len(trained):
    source, reference = trained.test[2]
    steps = decoding_steps(
        trained.model,
        trained.src_vocab,
        trained.tgt_vocab,
        source,
        reference=reference,
        max_len=3,
    )
    assert len(steps) == 3
    assert [s["fed"] for s in steps][1:] == [s["predicted"] for s in steps][:-1]
    assert [s["expected"] for s in steps] == list(reference[:3])


@pytest.mark.parametrize("teacher_forced", [True, False])
def test_top_k_probabilities_are_sorted_and_sum_to_at_most_one(
    trained, tiny_model, dates, teacher_forced
):
    for model, src_vocab, tgt_vocab, (source, reference) in (
        (trained.model, trained.src_vocab, trained.tgt_vocab, trained.test[3]),
        (tiny_model, dates.src_vocab, dates.tgt_vocab, dates.test[3]),
    ):
        steps = decoding_steps(
            model,
            src_vocab,
            tgt_vocab,
            source,
            reference=reference,
            teacher_forced=teacher_forced,
            k=4,
            max_len=8,
        )
        for s in steps:
            probabilities = [p for _, p in s["top"]]
            assert len(s["top"]) == 4
            assert probabilities == sorted(probabilities, reverse=True)
            assert all(0 <= p <= 1 for p in probabilities)
            assert sum(probabilities) <= 1 + 4 * 5e-5  # each is rounded to 4 decimals
            assert s["predicted"] == s["top"][0][0]
            assert len({token for token, _ in s["top"]}) == 4


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_teacher_forcing_without_reference_is_refused(trained, lang):
    set_language(lang)
    for reference in (None, ""):
        with pytest.raises(ReaderError) as info:
            decoding_steps(
                trained.model,
                trained.src_vocab,
                trained.tgt_vocab,
                "2020년 1월 1일",
                reference=reference,
                teacher_forced=True,
            )
        assert bool(HANGUL.search(str(info.value))) == (lang == "ko")
    with pytest.raises(ReaderError):
        decoding_steps(trained.model, trained.src_vocab, trained.tgt_vocab, "zzz")


def test_steps_table_shows_rows_up_to_the_chosen_step(trained):
    source, reference = trained.test[0]
    steps = decoding_steps(
        trained.model,
        trained.src_vocab,
        trained.tgt_vocab,
        source,
        reference=reference,
        teacher_forced=True,
    )
    table = steps_table(steps, step=2)
    assert len(re.findall(r"<tr data-step=", table)) == 3
    assert table.count("ax-current") == 1
    assert '<tr data-step="2" class="ax-current">' in table
    full = steps_table(steps)
    assert len(re.findall(r"<tr data-step=", full)) == len(steps)
    assert "ax-current" not in full


@pytest.fixture
def stepper(trained):
    return DecodingStepper(
        trained.model, trained.src_vocab, trained.tgt_vocab, examples=trained.test[:2]
    )


def test_stepper_html_is_one_self_contained_explorer_with_every_view(stepper):
    page = stepper.to_html()
    assert page.count('data-explorer="stepper"') == 1
    assert "http://" not in page and "https://" not in page
    assert re.findall(r'data-ax-view="([^"]+)"', page) == [
        "0-teacher_forced",
        "0-free_running",
        "1-teacher_forced",
        "1-free_running",
    ]
    assert page.count("<option ") == 2
    for source, _ in stepper.examples:
        assert escape(source) in page


def test_stepper_html_escapes_example_text(trained):
    source = "2020년 1월 1일<script>alert(1)</script>"
    reference = "January 1, 2020<img src=x onerror=alert(2)>"
    page = DecodingStepper(
        trained.model,
        trained.src_vocab,
        trained.tgt_vocab,
        examples=[(source, reference)],
    ).to_html()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_stepper_html_is_deterministic(trained):
    def build():
        return DecodingStepper(
            trained.model,
            trained.src_vocab,
            trained.tgt_vocab,
            examples=trained.test[:2],
        ).to_html()

    assert build() == build()


def test_stepper_needs_examples(trained):
    with pytest.raises(ReaderError):
        DecodingStepper(
            trained.model, trained.src_vocab, trained.tgt_vocab, examples=[]
        )


def find_controls(view):
    found = list(all_widgets(view))
    html = [w for w in found if isinstance(w, widgets.HTML)]
    pane = [w for w in html if w.value.startswith('<div class="attn-explorer"')]
    style = [w for w in html if w.value.startswith("<style>")]
    message = [w for w in html if w not in pane and w not in style]
    assert len(pane) == len(style) == len(message) == 1
    single = {}
    for kind in (
        widgets.Dropdown,
        widgets.ToggleButtons,
        widgets.IntSlider,
        widgets.Text,
    ):
        matches = [w for w in found if type(w) is kind]
        assert len(matches) == 1, kind
        single[kind] = matches[0]
    return types.SimpleNamespace(
        example=single[widgets.Dropdown],
        mode=single[widgets.ToggleButtons],
        step=single[widgets.IntSlider],
        typed=single[widgets.Text],
        pane=pane[0],
        message=message[0],
    )


def test_stepper_widget_slider_moves_the_current_row(stepper):
    view = stepper.widget()
    assert isinstance(view, widgets.VBox)
    controls = find_controls(view)
    assert controls.step.max >= 1
    before = controls.pane.value
    assert '<tr data-step="0" class="ax-current">' in before
    controls.step.value = 1
    assert controls.pane.value != before
    assert '<tr data-step="1" class="ax-current">' in controls.pane.value


def test_stepper_widget_modes_show_different_tables(stepper):
    controls = find_controls(stepper.widget())
    controls.mode.value = "teacher_forced"
    forced = controls.pane.value
    controls.mode.value = "free_running"
    assert controls.pane.value != forced
    assert controls.message.value == ""


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_stepper_widget_typed_sentence_shows_a_warning_or_a_table(stepper, lang):
    set_language(lang)
    controls = find_controls(stepper.widget())
    controls.example.value = -1
    controls.typed.value = "2020년 1월 1일"
    assert "<table" in controls.pane.value
    assert "⚠" not in controls.message.value
    controls.typed.value = ""
    assert "⚠" in controls.message.value
    assert "<table" not in controls.pane.value
    assert bool(HANGUL.search(controls.message.value)) == (lang == "ko")
    controls.typed.value = "zzz"
    assert "⚠" in controls.message.value
    controls.typed.value = "2007-03-05"
    assert "<table" in controls.pane.value and "⚠" not in controls.message.value
    controls.example.value = 0
    assert "<table" in controls.pane.value and controls.message.value == ""


# ----------------------------------------------------------------------- explorer


def test_static_mode_follows_the_environment_variable(monkeypatch):
    assert STATIC_ENV == "ATTNLAB_STATIC_EXPLORERS"
    monkeypatch.setenv(STATIC_ENV, "1")
    assert static_mode() is True
    monkeypatch.setenv(STATIC_ENV, "0")
    assert static_mode() is False
    monkeypatch.delenv(STATIC_ENV, raising=False)
    assert static_mode() is False


def test_explorer_displays_static_html_or_a_widget_by_mode(stepper, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    monkeypatch.setenv(STATIC_ENV, "1")
    stepper._ipython_display_()
    monkeypatch.delenv(STATIC_ENV)
    stepper._ipython_display_()
    assert isinstance(shown[0], IPython.display.HTML)
    assert shown[0].data == stepper.to_html()
    assert isinstance(shown[1], widgets.VBox)


def test_json_for_script_cannot_close_the_script_element():
    data = {"text": "</script><script>alert(1)</script> & <!--", "ko": "2026년"}
    text = json_for_script(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data
    assert "2026년" in text  # not ASCII-escaped


def test_static_block_id_follows_the_content():
    first = static_block("demo", "<p>a</p>", "")
    assert first == static_block("demo", "<p>a</p>", "")
    assert first != static_block("demo", "<p>b</p>", "")
    assert re.search(r'id="ax-demo-[0-9a-f]{10}"', first)
