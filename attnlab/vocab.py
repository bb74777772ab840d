"""Vocabulary: characters to numbers and back, with four special tokens (chapter 2).

Written out and explained in chapter 2, "Sequence to sequence".
"""

from attnlab.i18n import ReaderError

PAD, SOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ["<pad>", "<sos>", "<eos>", "<unk>"]


class Vocab:
    """Token ids for training texts: characters, or words with ``words=True``."""

    def __init__(self, texts, words=False):
        self.words = words
        tokens = sorted(set(token for text in texts for token in self.split(text)))
        self.itos = SPECIALS + tokens  # id -> token
        self.stoi = {token: i for i, token in enumerate(self.itos)}  # token -> id

    def __len__(self):
        return len(self.itos)

    def split(self, text):
        return text.split() if self.words else list(text)

    def encode(self, text, eos=True):  # unknown tokens become <unk>
        ids = [self.stoi.get(token, UNK) for token in self.split(text)]
        return ids + [EOS] if eos else ids

    def decode(self, ids):  # up to the first <eos>; <pad> and <sos> are left out
        ids = [int(i) for i in ids] + [EOS]
        tokens = [self.itos[i] for i in ids[: ids.index(EOS)] if i not in (PAD, SOS)]
        return (" " if self.words else "").join(tokens)

    def unknown(self, text):  # the tokens of text that the vocabulary lacks, sorted
        return sorted({token for token in self.split(text) if token not in self.stoi})


def check_text(text, vocab, max_chars):
    """Refuse input that a model cannot translate, with a message for the reader."""
    if not isinstance(text, str):
        raise ReaderError(
            ko=f"문자열을 입력하세요 (받은 값의 타입: {type(text).__name__}).",
            en=f"Please give a string (got a {type(text).__name__}).",
        )
    if not text.strip():
        raise ReaderError(
            ko="빈 문장은 번역할 수 없습니다. 번역할 문장을 입력해 보세요.",
            en="There is nothing to translate: the text is empty.",
        )
    if len(text) > max_chars:
        raise ReaderError(
            ko=f"입력이 너무 깁니다: {len(text)}자입니다. "
            f"{max_chars}자 이하로 입력하세요.",
            en=f"The text is too long: {len(text)} characters; "
            f"the limit is {max_chars}.",
        )
    unknown = set(vocab.unknown(text))
    if all(token in unknown for token in vocab.split(text) if not token.isspace()):
        ko, en = ("단어", "words") if vocab.words else ("문자", "characters")
        raise ReaderError(
            ko=f"모델이 아는 {ko}가 하나도 없습니다. "
            f"훈련 데이터에 있던 {ko}를 써 보세요.",
            en=f"The model knows none of these {en}. "
            f"Try the {en} of the training data.",
        )
