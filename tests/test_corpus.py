"""The loader of sentence-pair files (attnlab.corpus): the common tab-separated format,
zip archives, clear messages for malformed files, and the offline fallback."""

import re
import zipfile

import pytest

from attnlab import ReaderError, set_language
from attnlab.corpus import load_pairs, parse_pairs, read_pairs


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("en")


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_two_and_three_columns_give_korean_english_pairs(tmp_path):
    path = write(
        tmp_path / "kor.txt",
        "Go.\t가.\tCC-BY 2.0 (France) Attribution: example\n"
        "I am a student.\t저는 학생이에요.\n",
    )
    assert read_pairs(path) == [("가.", "Go."), ("저는 학생이에요.", "I am a student.")]


def test_blank_lines_and_a_byte_order_mark_are_accepted(tmp_path):
    path = write(tmp_path / "kor.txt", "\ufeffHi.\t안녕.\n\n   \nBye.\t잘 가.\n\n")
    assert read_pairs(path) == [("안녕.", "Hi."), ("잘 가.", "Bye.")]


@pytest.mark.parametrize(
    "text,message",
    [
        ("Hi.\t안녕.\nonly one column\n", "line 2: 1 tab-separated fields"),
        ("Hi.\t안녕.\ta\tb\n", "line 1: 4 tab-separated fields"),
        ("Hi.\t\n", "line 1: the English or the Korean is empty"),
        ("\n\n", "holds no sentence pairs"),
    ],
)
def test_a_malformed_file_gets_a_message_naming_the_line(tmp_path, text, message):
    with pytest.raises(ReaderError, match=message):
        read_pairs(write(tmp_path / "bad.txt", text))


def test_mixed_encodings_are_refused_with_the_line(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("Hi.\t안녕.\n".encode() + "Bye.\t잘 가.\n".encode("euc-kr"))
    with pytest.raises(ReaderError, match="line 2, is not UTF-8"):
        read_pairs(path)


def test_messages_follow_the_readers_language(tmp_path):
    set_language("ko")
    with pytest.raises(ReaderError, match="2번째 줄: 탭으로 나뉜 칸이 1개"):
        parse_pairs("Hi.\t안녕.\nno tab\n", "kor.txt")
    with pytest.raises(ReaderError, match="파일이 없습니다"):
        read_pairs(tmp_path / "missing.txt")


def test_a_zip_with_one_text_file_is_read(tmp_path):
    archive = tmp_path / "kor-eng.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("kor.txt", "Hi.\t안녕.\tsource\n")
        z.writestr("_about.md", "not pairs")
    assert read_pairs(archive) == [("안녕.", "Hi.")]
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as z:
        z.writestr("a.txt", "Hi.\t안녕.\n")
        z.writestr("b.txt", "Hi.\t안녕.\n")
    with pytest.raises(ReaderError, match="exactly one .txt file, not 2"):
        read_pairs(tmp_path / "two.zip")


def test_load_pairs_reads_a_local_url_in_the_same_format(tmp_path):
    source = write(tmp_path / "kor.txt", "Hi.\t안녕.\tsource\nBye.\t잘 가.\tsource\n")
    saved = tmp_path / "downloads" / "kor.txt"
    pairs, downloaded = load_pairs(source.as_uri(), saved)
    assert downloaded and pairs == [("안녕.", "Hi."), ("잘 가.", "Bye.")]
    assert saved.read_bytes() == source.read_bytes()  # kept: not fetched again
    source.unlink()
    assert load_pairs(source.as_uri(), saved) == (pairs, True)


def test_without_a_network_load_pairs_says_so_and_falls_back(tmp_path, capsys):
    set_language("ko")
    # port 9 (discard) on this machine: refused at once, nothing leaves the machine
    pairs, downloaded = load_pairs(
        "http://127.0.0.1:9/kor-eng.zip", tmp_path / "kor.zip", timeout=2
    )
    assert not downloaded and pairs == book_train()
    assert "내려받지 못했습니다" in capsys.readouterr().out
    assert not (tmp_path / "kor.zip").exists()


def book_train():
    from attnlab.corpus import book_pairs

    return book_pairs("train")


# ------------------------------------------------------------------ the book's corpus

SPLIT_SIZES = {"train": 2582, "valid": 200, "test": 300}


@pytest.fixture(scope="module")
def splits():
    from attnlab.corpus import SPLITS, book_pairs

    return {split: book_pairs(split) for split in SPLITS}


def topics(split):
    """The topic of each pair of a split, from its third column."""
    from attnlab.corpus import corpus_file

    lines = corpus_file(f"{split}.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[2].removeprefix("CC BY 4.0; topic: ") for line in lines]


def test_the_splits_have_the_datasheets_sizes(splits):
    assert {split: len(pairs) for split, pairs in splits.items()} == SPLIT_SIZES
    assert sum(SPLIT_SIZES.values()) >= 2000


def test_the_splits_share_no_sentence_and_no_near_duplicate(splits):
    from attnlab.corpus import near_duplicates

    names = list(splits)
    for a, first in enumerate(names):
        for second in names[a + 1 :]:
            for side in (0, 1):  # Korean, then English
                found = near_duplicates(
                    [pair[side] for pair in splits[first]],
                    [pair[side] for pair in splits[second]],
                )
                assert not found, (first, second, side, found[:3])


def test_no_sentence_appears_twice_in_the_whole_corpus(splits):
    every = [pair for pairs in splits.values() for pair in pairs]
    assert len({k for k, _ in every}) == len({e for _, e in every}) == len(every)


def test_sentence_lengths_are_within_the_brief(splits):
    every = [pair for pairs in splits.values() for pair in pairs]
    korean = [len(k.split()) for k, _ in every]
    english = [len(e.split()) for _, e in every]
    assert min(korean) >= 3 and max(korean) == 20  # "the longest has 20"
    assert min(english) >= 3 and max(english) <= 25
    # the datasheet: 9.5 and 15.1 words on average, 20% questions
    assert f"{sum(korean) / len(korean):.1f}" == "9.5"
    assert f"{sum(english) / len(english):.1f}" == "15.1"
    questions = sum(k.endswith("?") for k, _ in every) / len(every)
    assert round(100 * questions) == 20


def test_the_datasheets_topic_table_counts_the_files():
    from attnlab.corpus import corpus_file

    sheet = corpus_file("DATASHEET.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([a-z ]+) \| (\d+) \| (\d+) \| (\d+) \|$", sheet, re.M)
    assert len(rows) == 8
    for topic, *counts in rows:
        found = [topics(split).count(topic) for split in ("train", "valid", "test")]
        assert found == [int(c) for c in counts], topic
    for split, size in SPLIT_SIZES.items():
        assert f"| `{split}.tsv` | {size:,} pairs" in sheet


def test_gold_alignments_cover_the_first_test_pairs_and_fit_them(splits):
    from attnlab.corpus import gold_alignments

    triples = gold_alignments()
    assert len(triples) == 200 >= 150
    assert [(k, e) for k, e, _ in triples] == splits["test"][:200]
    nulls = tokens = unpointed = korean_words = 0
    for korean, english, alignment in triples:
        assert len(alignment) == len(english.split())
        words = len(korean.split())
        assert all(i is None or 0 <= i < words for i in alignment)
        nulls += alignment.count(None)
        tokens += len(alignment)
        unpointed += words - len({i for i in alignment if i is not None})
        korean_words += words
    assert f"{100 * nulls / tokens:.1f}" == "19.6"  # the datasheet's figure
    assert 0.08 <= unpointed / korean_words <= 0.12  # "about 10%"


def test_an_unknown_split_gets_a_message():
    from attnlab.corpus import book_pairs

    with pytest.raises(ReaderError, match="split must be one of train, valid, test"):
        book_pairs("dev")
