"""What is a token in Korean? Four ways to cut a sentence, and a vocabulary over any
of them (chapter 9).

- ``Characters``: every character, a space written ▁;
- ``Words``: the space-separated words (어절), particles and endings attached;
- ``Morphemes``: the morphemes found by the analyser Kiwi (``kiwipiepy``), each with
  its part-of-speech tag, ▁ marking the first morpheme of a word;
- ``Subwords``: pieces learned from the training sentences by SentencePiece (Kudo and
  Richardson 2018), unigram or BPE.

Each has ``tokenize(text) -> list of str`` and ``detokenize(tokens) -> str``.
Characters, words (for text with single spaces) and subwords give back the text they
cut; morphemes do not always: Kiwi rebuilds each word from its morphemes, and may
write a contraction out (되었어요 for 됐어요, or the other way round).
"""

import io
import re
from collections import Counter

import torch

from attnlab.i18n import ReaderError
from attnlab.vocab import EOS, PAD, SOS, SPECIALS, Vocab

SPACE = "▁"  # U+2581, as in SentencePiece


class Characters:
    """Every character is a token; a space is written ▁."""

    name = "characters"

    def tokenize(self, text):
        return [SPACE if c == " " else c for c in text]

    def detokenize(self, tokens):
        return "".join(" " if t == SPACE else t for t in tokens)

    def word_ids(self, text):
        """For each token, the index of the word it is part of (None for a space)."""
        ids, word = [], 0
        for token in self.tokenize(text):
            ids.append(None if token == SPACE else word)
            word += token == SPACE
        return ids


class Words:
    """The space-separated words (어절): 학교에서 is one token."""

    name = "words"

    def tokenize(self, text):
        return text.split()

    def detokenize(self, tokens):
        return " ".join(tokens)

    def word_ids(self, text):
        return list(range(len(self.tokenize(text))))


class EnglishWords:
    """English words with punctuation as tokens of their own: I'm -> I ' m. Joined
    back with spaces, so detokenize(tokenize(text)) gives the tokens, not the text."""

    name = "English words"

    def tokenize(self, text):
        return re.findall(r"\w+|[^\w\s]", text)

    def detokenize(self, tokens):
        return " ".join(tokens)

    def word_ids(self, text):
        """For each token, the index of the space-separated word it is part of."""
        return [w for w, word in enumerate(text.split()) for _ in self.tokenize(word)]


class Morphemes:
    """Morphemes with their tags from Kiwi, e.g. 갔어요 -> ▁가/VV, 었/EP, 어요/EF."""

    name = "morphemes"

    def __init__(self):
        from kiwipiepy import Kiwi

        self.kiwi = Kiwi()

    def tokenize(self, text):
        tokens, end = [], None
        for morpheme in self.kiwi.tokenize(text):
            starts_word = end is None or morpheme.start > end  # a space before it
            mark = SPACE if starts_word else ""
            tokens.append(f"{mark}{morpheme.form}/{morpheme.tag}")
            end = morpheme.start + morpheme.len
        return tokens

    def detokenize(self, tokens):
        words = []
        for token in tokens:
            form, tag = token.removeprefix(SPACE).rsplit("/", 1)
            if token.startswith(SPACE) or not words:
                words.append([])
            words[-1].append((form, tag))
        # a word has no spaces inside: Kiwi would put some between nouns
        return " ".join(self.kiwi.join(word).replace(" ", "") for word in words)

    def word_ids(self, text):
        return starts_to_word_ids(self.tokenize(text))


class Subwords:
    """Pieces learned from ``texts`` by SentencePiece: ``vocab_size`` pieces (with
    <unk>), ``model_type`` "unigram" or "bpe". No normalisation, so that
    detokenize(tokenize(text)) == text for text with single spaces."""

    name = "subwords"

    def __init__(self, texts, vocab_size=2000, model_type="unigram"):
        import sentencepiece

        if model_type not in ("unigram", "bpe"):
            raise ReaderError(
                ko=f'model_type은 "unigram"이나 "bpe"여야 합니다 '
                f"(받은 값: {model_type!r}).",
                en=f'model_type must be "unigram" or "bpe", not {model_type!r}.',
            )
        model = io.BytesIO()
        try:
            train_pieces(sentencepiece, texts, model, vocab_size, model_type)
        except RuntimeError as error:  # a vocabulary the texts cannot fill
            raise ReaderError(
                ko=f"이 문장들로는 조각 {vocab_size}개짜리 어휘를 만들 수 "
                f"없습니다. vocab_size를 바꿔 보세요. (SentencePiece: {error})",
                en=f"These texts cannot make a vocabulary of {vocab_size} pieces: "
                f"try another vocab_size. (SentencePiece: {error})",
            ) from None
        self.processor = sentencepiece.SentencePieceProcessor(
            model_proto=model.getvalue()
        )

    def tokenize(self, text):
        return self.processor.encode(text, out_type=str)

    def detokenize(self, tokens):
        return self.processor.decode_pieces(list(tokens))

    def word_ids(self, text):
        return starts_to_word_ids(self.tokenize(text))


def train_pieces(sentencepiece, texts, model, vocab_size, model_type):
    """Learn SentencePiece pieces from ``texts`` into ``model`` (a binary stream).

    The trainer logs every step to the process's standard error unless told not to;
    ``minloglevel=2`` keeps it quiet. (Its ``logstream`` option would need
    ``sys.stderr.fileno()``, which a Jupyter kernel does not always have.)"""
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=model,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,  # every character of the training text
        normalization_rule_name="identity",
        num_threads=1,  # the same pieces on every run
        minloglevel=2,  # errors only: no log of each step
    )


def starts_to_word_ids(tokens):
    """Word indices of tokens where a token starting with ▁ starts a new word (a lone
    ▁ starts the word that the next tokens continue)."""
    ids, word, lone = [], 0, False
    for n, token in enumerate(tokens):
        if n and token.startswith(SPACE) and not lone:
            word += 1
        lone = token == SPACE
        ids.append(word)
    return ids


def pool_by_words(weights, row_words, column_words):
    """Attention between tokens turned into attention between words: ``weights``
    (rows, columns), and each row's and column's word index (None: no word). A word
    of the rows gets the mean of its rows; a word of the columns the sum of its
    columns. Returns (row words, column words); rows that summed to 1 still do,
    less the weight on columns of no word."""
    weights = torch.as_tensor(weights, dtype=torch.float32)
    rows = max(i for i in row_words if i is not None) + 1
    columns = max(i for i in column_words if i is not None) + 1
    by_column = torch.zeros(weights.size(0), columns)
    for c, word in enumerate(column_words):
        if word is not None:
            by_column[:, word] += weights[:, c]
    pooled = torch.zeros(rows, columns)
    counts = torch.zeros(rows, 1)
    for r, word in enumerate(row_words):
        if word is not None:
            pooled[word] += by_column[r]
            counts[word] += 1
    return pooled / counts.clamp(min=1)


class TokenVocab(Vocab):
    """Chapter 2's vocabulary over the tokens of any of these tokenisers; with
    ``min_count``, only the tokens seen at least that often (the rest are <unk>)."""

    def __init__(self, texts, tokenizer, min_count=1):
        self.tokenizer, self.words = tokenizer, False
        counts = Counter(token for text in texts for token in self.split(text))
        kept = sorted(token for token, count in counts.items() if count >= min_count)
        self.itos = SPECIALS + kept  # id -> token
        self.stoi = {token: i for i, token in enumerate(self.itos)}  # token -> id

    def split(self, text):
        return self.tokenizer.tokenize(text)

    def decode(self, ids):  # up to the first <eos>; <pad> and <sos> are left out
        ids = [int(i) for i in ids] + [EOS]
        tokens = [self.itos[i] for i in ids[: ids.index(EOS)] if i not in (PAD, SOS)]
        return self.tokenizer.detokenize(tokens)
