#!/usr/bin/env python3
"""What chapter 9 can afford on the book's Korean–English corpus (its design).

    python3 benchmarks/korean_budget.py --output KOREAN_BUDGET.md

For each way of cutting the Korean (``attnlab.tokenizers``: characters, words,
morphemes, subwords) it measures, on the book's corpus (``attnlab.corpus``), the
vocabulary of the training split, the share of unknown tokens and the mean length on
the test split, and the time to cut the whole corpus; then it trains chapter 5's
attention model on each, with the same English tokens (words, punctuation apart), for
a fixed number of steps, and reports training time, BLEU and chrF (sacrebleu) of
greedy translations of the test split. Torch's default threads (the chapters'
"defaults" in RESULTS.md).
"""

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import sacrebleu  # noqa: E402
from run import machine_info, machine_markdown  # noqa: E402

import attnlab  # noqa: E402
from attnlab.alignment import word_alignment_accuracy  # noqa: E402
from attnlab.attention import AttentionSeq2Seq  # noqa: E402
from attnlab.batches import make_batches  # noqa: E402
from attnlab.corpus import book_pairs, gold_alignments  # noqa: E402
from attnlab.metrics import translate_pairs  # noqa: E402
from attnlab.tokenizers import (  # noqa: E402
    Characters,
    EnglishWords,
    Morphemes,
    Subwords,
    TokenVocab,
    Words,
)
from attnlab.training import train  # noqa: E402
from attnlab.vocab import UNK  # noqa: E402


def chrf(model, pairs, src, tgt):
    english = EnglishWords()
    predictions = translate_pairs(model, pairs, src, tgt, max_len=40)
    references = [english.detokenize(english.tokenize(e)) for _, e in pairs]
    return sacrebleu.corpus_chrf(predictions, [references]).score


def install_sizes(names=("kiwipiepy", "kiwipiepy_model", "sentencepiece")):
    """Megabytes that each installed distribution takes on disk (its RECORD files)."""
    from importlib.metadata import distribution

    sizes = {}
    for name in names:
        files = [f.locate() for f in distribution(name).files or []]
        sizes[name] = sum(f.stat().st_size for f in files if f.exists()) / 1e6
    return sizes


def measure(name, tokenizer, pairs, steps, sizes, embed, hidden, min_count):
    """One tokeniser: its numbers, and the scores of models trained on it."""
    train_pairs, test_pairs = pairs
    begin = time.perf_counter()
    src = TokenVocab([k for k, _ in train_pairs], tokenizer)
    encoded = [src.encode(k, eos=False) for k, _ in test_pairs]
    cut_seconds = time.perf_counter() - begin
    tokens = sum(len(ids) for ids in encoded)
    row = {
        "tokenizer": name,
        "vocabulary": len(src),
        "unknown": sum(i == UNK for ids in encoded for i in ids) / tokens,
        "mean length": tokens / len(encoded),
        "cut (s)": cut_seconds,
    }
    english = EnglishWords()
    tgt = TokenVocab([e for _, e in train_pairs], english, min_count=min_count)
    references = [english.detokenize(english.tokenize(e)) for _, e in test_pairs]
    for size in sizes:
        attnlab.set_seed(0)
        model = AttentionSeq2Seq(
            len(src), len(tgt), embed_size=embed, hidden_size=hidden
        )
        batches = make_batches(train_pairs[:size], src, tgt, batch_size=32, seed=0)
        history = train(model, batches, steps=steps, lr=5e-3, show_progress=False)
        predictions = translate_pairs(model, test_pairs, src, tgt, max_len=40)
        row[f"train s, {size}"] = history["seconds"]
        row[f"BLEU, {size}"] = sacrebleu.corpus_bleu(
            predictions, [references], tokenize="none", force=True
        ).score
        row[f"chrF, {size}"] = sacrebleu.corpus_chrf(predictions, [references]).score
    row["train chrF"] = chrf(model, train_pairs[:200], src, tgt)
    row["alignment"] = word_alignment_accuracy(model, gold_alignments(), src, tgt)
    return row


def report(machine, rows, args, corpus):
    columns = list(rows[0])
    sizes = ", ".join(f"{name} {mb:.1f} MB" for name, mb in install_sizes().items())
    lines = [
        "# Chapter 9's budgets: four ways to cut Korean, one attention model",
        "",
        "Measured by `benchmarks/korean_budget.py` (see its docstring) on the book's "
        f"corpus ({corpus}): {args.steps} training steps of 32 pairs for every model "
        f"(chapter 5's attention model, embeddings {args.embed}, hidden {args.hidden}, "
        "Adam 5e-3), trained on the first "
        f"{', '.join(map(str, args.sizes))} training pairs; English target tokens "
        f"seen at least {args.min_count} times (the rest are <unk>). "
        "Unknown: the share of test tokens missing from the training vocabulary. "
        "Train chrF (on 200 training pairs) and alignment (teacher-forced, 200 "
        "gold-aligned test pairs): the model trained on the most pairs.",
        "",
        f"Installed on disk: {sizes}.",
        "",
        machine_markdown(machine),
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if isinstance(value, float):
                exact = column in ("unknown", "alignment")
                value = f"{value:.3f}" if exact else f"{value:.1f}"
            cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2582])
    parser.add_argument("--embed", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--output", metavar="FILE")
    args = parser.parse_args(argv)
    attnlab.setup(lang="en", seed=0)
    pairs = (book_pairs("train"), book_pairs("test"))
    tokenizers = {
        "characters": Characters(),
        "words": Words(),
        "morphemes": Morphemes(),
        "subwords (unigram, 2000)": Subwords([k for k, _ in pairs[0]], 2000),
    }
    rows = []
    for name, tokenizer in tokenizers.items():
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        model_size = (args.steps, args.sizes, args.embed, args.hidden, args.min_count)
        rows.append(measure(name, tokenizer, pairs, *model_size))
    splits = ("train", "valid", "test")
    corpus = ", ".join(f"{split} {len(book_pairs(split))} pairs" for split in splits)
    text = report(machine_info(), rows, args, corpus)
    print(text)
    if args.output:
        (HERE / args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
