"""The four tokenisers of chapter 9 (attnlab.tokenizers) on the book's corpus: what
they cut, that they give the text back where they promise it, and a vocabulary over
their tokens."""

import io
import sys

import pytest

from attnlab import ReaderError, set_language
from attnlab.corpus import book_pairs
from attnlab.tokenizers import (
    SPACE,
    Characters,
    Morphemes,
    Subwords,
    TokenVocab,
    Words,
)
from attnlab.vocab import UNK

SENTENCE = "어제 친구랑 도서관에서 공부했어요."


@pytest.fixture(scope="module")
def korean():
    """The Korean sentences of the training and test splits."""
    return {split: [k for k, _ in book_pairs(split)] for split in ("train", "test")}


@pytest.fixture(scope="module")
def subwords(korean):
    return Subwords(korean["train"], vocab_size=1000)


@pytest.fixture(scope="module")
def morphemes():
    return Morphemes()


def test_characters_and_words_cut_where_they_say():
    assert Characters().tokenize("나는 간다") == ["나", "는", SPACE, "간", "다"]
    assert Words().tokenize(SENTENCE) == ["어제", "친구랑", "도서관에서", "공부했어요."]


def test_morphemes_split_particles_and_endings_and_mark_word_starts(morphemes):
    tokens = morphemes.tokenize(SENTENCE)
    assert "▁도서관/NNG" in tokens and "에서/JKB" in tokens  # the particle on its own
    assert sum(t.startswith(SPACE) for t in tokens) == len(SENTENCE.split())
    assert all("/" in t for t in tokens)


@pytest.mark.parametrize("make", [Characters, Words], ids=["characters", "words"])
def test_characters_and_words_give_every_test_sentence_back(korean, make):
    tokenizer = make()
    for text in korean["test"]:
        assert tokenizer.detokenize(tokenizer.tokenize(text)) == text


def test_subwords_give_every_test_sentence_back(korean, subwords):
    for text in korean["test"]:
        assert subwords.detokenize(subwords.tokenize(text)) == text


def test_morphemes_give_most_sentences_back(korean, morphemes):
    """Kiwi rebuilds a word from its morphemes; it promises no exact round trip."""
    texts = korean["test"]
    back = sum(morphemes.detokenize(morphemes.tokenize(t)) == t for t in texts)
    assert back / len(texts) >= 0.9, back


def test_subwords_are_learned_the_same_way_every_time_and_quietly(korean, capfd):
    first = Subwords(korean["train"][:500], vocab_size=1000)
    second = Subwords(korean["train"][:500], vocab_size=1000, model_type="bpe")
    again = Subwords(korean["train"][:500], vocab_size=1000)
    text = korean["test"][0]
    assert first.tokenize(text) == again.tokenize(text) != second.tokenize(text)
    assert first.processor.get_piece_size() == 1000
    assert capfd.readouterr().err == ""  # the trainer's log is silenced


def test_subwords_need_no_file_descriptor_behind_sys_stderr(korean, monkeypatch):
    """A Jupyter kernel started from within pytest (the site build in `make test`)
    does not watch its file descriptors, and its sys.stderr.fileno() raises: the
    trainer must not ask for it."""

    class KernelStream(io.StringIO):
        def fileno(self):
            raise io.UnsupportedOperation("fileno")

    monkeypatch.setattr(sys, "stderr", KernelStream())
    pieces = Subwords(korean["train"][:500], vocab_size=1000)
    assert pieces.processor.get_piece_size() == 1000
    assert sys.stderr.getvalue() == ""


def test_a_token_vocabulary_encodes_and_decodes_through_its_tokenizer(korean, subwords):
    vocab = TokenVocab(korean["train"], subwords)
    known = [t for t in korean["test"] if UNK not in vocab.encode(t)]
    assert len(known) > len(korean["test"]) / 2
    for text in known:
        ids = vocab.encode(text)
        assert len(ids) == len(subwords.tokenize(text)) + 1  # and <eos>
        assert vocab.decode(ids) == text
    words = TokenVocab(korean["train"], Words())
    unknown = sum(i == UNK for t in korean["test"] for i in words.encode(t))
    assert unknown > 0  # many test words were never seen: chapter 9's point


def test_an_unknown_subword_model_type_gets_a_message(korean):
    set_language("ko")
    try:
        with pytest.raises(ReaderError, match='"unigram"이나 "bpe"'):
            Subwords(korean["train"][:100], vocab_size=100, model_type="wordpiece")
    finally:
        set_language("en")


@pytest.mark.parametrize("name", ["characters", "words", "morphemes", "subwords"])
def test_every_token_knows_its_word(korean, subwords, morphemes, name):
    tokenizer = {
        "characters": Characters(),
        "words": Words(),
        "morphemes": morphemes,
        "subwords": subwords,
    }[name]
    for text in korean["test"]:
        ids = tokenizer.word_ids(text)
        assert len(ids) == len(tokenizer.tokenize(text))
        words = [i for i in ids if i is not None]
        assert words == sorted(words)  # in order
        assert set(words) == set(range(len(text.split())))  # every word, no other


def test_pooling_token_attention_into_word_attention():
    from attnlab.tokenizers import pool_by_words

    weights = [[0.5, 0.25, 0.25, 0.0], [0.0, 0.0, 0.5, 0.5]]  # 2 rows, 4 columns
    pooled = pool_by_words(weights, [0, 0], [0, 0, None, 1])
    assert pooled.tolist() == [[0.375, 0.25]]  # mean of rows, sum of columns
    pooled = pool_by_words(weights, [0, 1], [0, 1, 1, 1])
    assert pooled.sum(dim=1).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("size", [50, 100_000], ids=["too small", "too large"])
def test_a_vocabulary_the_texts_cannot_fill_gets_a_message(korean, size):
    with pytest.raises(ReaderError, match=f"cannot make a vocabulary of {size} pieces"):
        Subwords(korean["train"][:200], vocab_size=size)


def test_english_words_split_off_punctuation_and_know_their_words():
    from attnlab.tokenizers import EnglishWords

    english = EnglishWords()
    assert english.tokenize("I'm home, finally!") == [
        "I", "'", "m", "home", ",", "finally", "!"
    ]  # fmt: skip
    assert english.word_ids("I'm home, finally!") == [0, 0, 0, 1, 1, 2, 2]
    for _, text in book_pairs("test"):
        tokens = english.tokenize(text)
        assert english.detokenize(tokens) == " ".join(tokens)
        ids = english.word_ids(text)
        assert len(ids) == len(tokens) and ids == sorted(ids)
        assert set(ids) == set(range(len(text.split())))


def test_a_vocabulary_with_min_count_keeps_only_tokens_seen_that_often():
    texts = ["a b a", "c a b", "d"]
    every = TokenVocab(texts, Words())
    twice = TokenVocab(texts, Words(), min_count=2)
    assert every.itos[4:] == ["a", "b", "c", "d"]
    assert twice.itos[4:] == ["a", "b"]  # c and d were seen once
    assert twice.encode("a c d", eos=False) == [twice.stoi["a"], UNK, UNK]
    assert twice.decode(twice.encode("b a")) == "b a"


def test_word_alignment_accuracy_is_the_argmax_over_words_when_tokens_are_words():
    """Pooling tokens into words changes nothing when every token is a word: on
    chapter 4's grammar corpus the measure is the share of gold words that are the
    argmax of the attention over the source words (<eos> left out), which is at least
    chapter 5's alignment_accuracy (where <eos> can take the argmax)."""
    import torch

    from attnlab.alignment import (
        alignment_accuracy,
        attention_weights,
        encode_pairs,
        word_alignment_accuracy,
    )
    from attnlab.attention import AttentionSeq2Seq
    from attnlab.grammar import make_grammar_splits

    train, test = make_grammar_splits(sizes=(300, 40), seed=0)
    src = TokenVocab([k for k, _, _ in train], Words())
    tgt = TokenVocab([e for _, e, _ in train], Words())
    torch.manual_seed(0)
    model = AttentionSeq2Seq(len(src), len(tgt), 8, 16)
    triples = [t for t in test if UNK not in src.encode(t[0]) + tgt.encode(t[1])]
    assert len(triples) > 10
    weights = attention_weights(model, *encode_pairs(triples, src, tgt))
    hits = [
        weights[n, j, : len(korean.split())].argmax().item() == i
        for n, (korean, _, gold) in enumerate(triples)
        for j, i in enumerate(gold)
        if i is not None
    ]
    pooled = word_alignment_accuracy(model, triples, src, tgt)
    assert abs(pooled - sum(hits) / len(hits)) < 1e-12
    assert pooled >= alignment_accuracy(model, triples, src, tgt)
