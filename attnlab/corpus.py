"""The book's Korean–English corpus, and a loader for sentence-pair files (chapter 9).

The corpus (``attnlab/data/koen/``) was written for this book: everyday Korean
sentences with their English translations, in fixed train, validation and test
splits, and gold word alignments for test pairs (see its ``DATASHEET.md``).

Its files use a common tab-separated format for sentence pairs, one pair per line:
``English<TAB>Korean`` with an optional third column (an attribution). A reader with a
network can load a bigger public file in the same format with ``load_pairs``; without
one, ``load_pairs`` says so in the reader's language and falls back to the book's
corpus. Nothing is downloaded unless a reader asks for it.
"""

import io
import json
import re
import urllib.request
import zipfile
from importlib import resources
from pathlib import Path

from attnlab.i18n import ReaderError, tr

SPLITS = ("train", "valid", "test")


def corpus_file(name):
    """The path of one of the corpus's files, e.g. ``corpus_file("train.tsv")``."""
    return Path(str(resources.files("attnlab") / "data" / "koen" / name))


def parse_pairs(text, source="?"):
    """``(korean, english)`` pairs from the text of a sentence-pair file.

    Each line is ``English<TAB>Korean`` or ``English<TAB>Korean<TAB>attribution``.
    Blank lines are skipped; any other line that breaks the format raises a
    ``ReaderError`` that names the line.
    """
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) not in (2, 3):
            raise ReaderError(
                ko=f"{source} {number}번째 줄: 탭으로 나뉜 칸이 {len(fields)}개입니다. "
                "'영어<탭>한국어' 또는 '영어<탭>한국어<탭>출처'여야 합니다.",
                en=f"{source}, line {number}: {len(fields)} tab-separated fields; "
                "expected 'English<TAB>Korean' or 'English<TAB>Korean<TAB>source'.",
            )
        english, korean = fields[0].strip(), fields[1].strip()
        if not english or not korean:
            raise ReaderError(
                ko=f"{source} {number}번째 줄: 영어나 한국어 문장이 비어 있습니다.",
                en=f"{source}, line {number}: the English or the Korean is empty.",
            )
        pairs.append((korean, english))
    if not pairs:
        raise ReaderError(
            ko=f"{source}에 문장 쌍이 하나도 없습니다.",
            en=f"{source} holds no sentence pairs.",
        )
    return pairs


def decode_text(data, source="?"):
    """The bytes of a pair file as text: UTF-8 (with or without a byte-order mark), or
    a ``ReaderError`` naming the first line that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReaderError(
            ko=f"{source} {line}번째 줄이 UTF-8이 아닙니다. "
            "파일을 UTF-8로 저장해 주세요.",
            en=f"{source}, line {line}, is not UTF-8: save the file as UTF-8.",
        ) from None


def read_pairs(path):
    """``(korean, english)`` pairs from a sentence-pair file on disk (``.tsv``/``.txt``,
    or a ``.zip`` holding one such ``.txt`` file)."""
    path = Path(path)
    if not path.exists():
        raise ReaderError(
            ko=f"파일이 없습니다: {path}", en=f"There is no file at {path}."
        )
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        data = text_from_zip(data, path.name)
    return parse_pairs(decode_text(data, path.name), path.name)


def text_from_zip(data, source):
    """The bytes of the one ``.txt`` or ``.tsv`` file inside a zip archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.endswith((".txt", ".tsv"))]
        if len(names) != 1:
            raise ReaderError(
                ko=f"{source} 안에 .txt 파일이 하나만 있어야 합니다 ({len(names)}개).",
                en=f"{source} should hold exactly one .txt file, not {len(names)}.",
            )
        return archive.read(names[0])


def word_set(sentence):
    """A sentence's words, lower-cased and without punctuation: what two
    near-duplicate sentences share."""
    return frozenset(re.findall(r"\w+", sentence.lower()))


def near_duplicates(first, second, threshold=0.7):
    """Index pairs ``(i, j)`` where sentence ``first[i]`` and sentence ``second[j]``
    share most of their words: the Jaccard similarity of their word sets (shared
    words over all words) is at least ``threshold``. Exact duplicates score 1."""
    second_words = [word_set(sentence) for sentence in second]
    found = []
    for i, sentence in enumerate(first):
        words = word_set(sentence)
        for j, other in enumerate(second_words):
            union = len(words | other)
            if union and len(words & other) / union >= threshold:
                found.append((i, j))
    return found


def book_pairs(split):
    """The book's corpus: the ``(korean, english)`` pairs of one split."""
    if split not in SPLITS:
        raise ReaderError(
            ko=f"split은 {', '.join(SPLITS)} 가운데 하나여야 합니다 "
            f"(받은 값: {split!r}).",
            en=f"split must be one of {', '.join(SPLITS)}, not {split!r}.",
        )
    return read_pairs(corpus_file(f"{split}.tsv"))


def gold_alignments():
    """Test pairs with gold word alignments: ``(korean, english, alignment)`` triples
    as in chapter 4's corpus, where ``alignment[j]`` is the index of the Korean word
    (space-separated) that English word ``j`` translates, or None."""
    triples = []
    with open(corpus_file("test_alignments.jsonl"), encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            triples.append((row["korean"], row["english"], tuple(row["alignment"])))
    return triples


def load_pairs(url, path, timeout=10):
    """A bigger corpus for readers with a network: download ``url`` to ``path`` (once)
    and read it. Without a network, or if the download fails, say so in the reader's
    language and return the book's training pairs instead. Returns ``(pairs,
    downloaded)``."""
    path = Path(path)
    if not path.exists():
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                data = response.read()
        except (OSError, ValueError) as error:  # no network, refused, bad address
            print(
                tr(
                    ko=f"내려받지 못했습니다({error}). 이 책의 말뭉치를 대신 씁니다.",
                    en=f"Could not download ({error}); using the book's corpus.",
                )
            )
            return book_pairs("train"), False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return read_pairs(path), True
