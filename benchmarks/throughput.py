#!/usr/bin/env python3
"""Training throughput of every chapter model, today's code against the baseline.

    python3 benchmarks/throughput.py                  # print a Markdown report
    python3 benchmarks/throughput.py --output THROUGHPUT.md --json tp.json

Each chapter model trains on its chapter's data and batch size, in the chapter's way
(teacher forcing, or a teacher-forcing ratio), with the package's model code and with
the baseline (``benchmarks/baseline/``: the model code as it was before the decoder's
embedding and output layer ran once per batch and before ratios 0 and 1 skipped the
coin tosses, kept unchanged for this comparison; the training loop is the same).
Both run in this one process, under the site build's numerics (``run.NUMERICS``), in
alternating rounds of timed steps after a warm-up; the report gives the median
training examples per second of each and their ratio. It also checks the chapter-2
quality target: exact match on the held-out test dates after the chapter's 400 steps.
"""

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import NUMERICS, machine_info, machine_markdown  # noqa: E402

os.environ.update(NUMERICS)  # before torch is imported: threads and kernels are fixed

from baseline import attention as old_attention  # noqa: E402
from baseline import seq2seq as old_seq2seq  # noqa: E402

import attnlab  # noqa: E402
from attnlab.attention import AttentionSeq2Seq  # noqa: E402
from attnlab.batches import make_batches  # noqa: E402
from attnlab.dates import make_date_splits  # noqa: E402
from attnlab.grammar import make_grammar_splits  # noqa: E402
from attnlab.metrics import exact_match, translate_pairs  # noqa: E402
from attnlab.seq2seq import Seq2Seq  # noqa: E402
from attnlab.training import teacher_forced, train, with_ratio  # noqa: E402
from attnlab.vocab import Vocab  # noqa: E402

EXACT_MATCH_TARGET = 0.99
SPEEDUP_TARGET = 1.7  # issue 14: today's training throughput >= 1.7x the baseline's


def date_data(batch_size):
    train_pairs, _, test_pairs = make_date_splits(sizes=(20000, 1000, 1000), seed=0)
    src, tgt = Vocab(s for s, _ in train_pairs), Vocab(t for _, t in train_pairs)
    return src, tgt, make_batches(train_pairs, src, tgt, batch_size=batch_size, seed=0)


def grammar_data(max_len=None):
    extra = {} if max_len is None else {"max_len": max_len}
    size = 20000 if max_len is None else 10000
    train_triples, _ = make_grammar_splits(sizes=(size, 500), seed=0, **extra)
    src = Vocab((k for k, _, _ in train_triples), words=True)
    tgt = Vocab((e for _, e, _ in train_triples), words=True)
    pairs = [(k, e) for k, e, _ in train_triples]
    return src, tgt, make_batches(pairs, src, tgt, batch_size=128, seed=0)


def models(new):
    """(chapter, model, data key, constructor, teacher-forcing ratio) of every row."""
    plain = Seq2Seq if new else old_seq2seq.Seq2Seq
    attention = AttentionSeq2Seq if new else old_attention.AttentionSeq2Seq
    bi = {"embed_size": 32, "hidden_size": 64, "bidirectional": True}
    return [
        ("2", "plain, hidden 128", "dates", lambda s, t: plain(s, t, 32, 128), 1.0),
        (
            "3",
            "plain, hidden 64, ratio 1",
            "dates",
            lambda s, t: plain(s, t, 32, 64),
            1.0,
        ),
        (
            "3",
            "plain, hidden 64, ratio 0.5",
            "dates",
            lambda s, t: plain(s, t, 32, 64),
            0.5,
        ),
        (
            "3",
            "plain, hidden 64, ratio 0",
            "dates",
            lambda s, t: plain(s, t, 32, 64),
            0.0,
        ),
        ("4", "plain, bidirectional", "grammar", lambda s, t: plain(s, t, **bi), 1.0),
        ("4", "attention (Luong)", "grammar", lambda s, t: attention(s, t, **bi), 1.0),
        (
            "5",
            "attention (Luong), dates",
            "dates",
            lambda s, t: attention(s, t, **bi),
            1.0,
        ),
        ("5", "dot", "grammar20", lambda s, t: attention(s, t, score="dot", **bi), 1.0),
        ("5", "general", "grammar20", lambda s, t: attention(s, t, **bi), 1.0),
        (
            "5",
            "additive",
            "grammar20",
            lambda s, t: attention(s, t, score="additive", **bi),
            1.0,
        ),
        (
            "5",
            "Bahdanau",
            "grammar20",
            lambda s, t: attention(s, t, decoder="bahdanau", **bi),
            1.0,
        ),
        (
            "issue 14",
            "attention (Luong), hidden 128, batch 32",
            "dates32",
            lambda s, t: attention(s, t, 32, 128),
            1.0,
        ),
    ]


def baseline_scores(chapter, ratio):
    """How the baseline fed its decoder: chapter 3 through the ratio loop (ratio 1
    included), the other chapters with teacher forcing (the model's forward)."""
    if chapter != "3":
        return teacher_forced

    def scores(model, batch, step):
        return old_seq2seq.decode_with_ratio(
            model, batch.src, batch.src_lengths, batch.tgt_in, ratio
        )

    return scores


def examples_per_second(make, scores, data, steps):
    src, tgt, batches = data
    attnlab.set_seed(0)
    model = make(len(src), len(tgt))
    train(model, batches, steps=3, scores=scores, show_progress=False)  # warm-up
    history = train(model, batches, steps=steps, scores=scores, show_progress=False)
    examples = sum(batches[i % len(batches)].src.size(0) for i in range(steps))
    return examples / history["seconds"]


def measure(steps, rounds):
    data = {
        "dates": date_data(128),
        "dates32": date_data(32),
        "grammar": grammar_data(),
        "grammar20": grammar_data(max_len=20),
    }
    rows = []
    for row_new, row_old in zip(models(True), models(False)):
        chapter, name, key, _, ratio = row_new
        runs = {True: [], False: []}
        for _ in range(rounds):  # alternate, so that a busy moment hits both alike
            for new, row in ((False, row_old), (True, row_new)):
                scores = with_ratio(ratio) if new else baseline_scores(chapter, ratio)
                runs[new].append(examples_per_second(row[3], scores, data[key], steps))
        old, new = statistics.median(runs[False]), statistics.median(runs[True])
        rows.append(
            {
                "chapter": chapter,
                "model": name,
                "baseline": round(old, 1),
                "today": round(new, 1),
                "speedup": round(new / old, 2),
            }
        )
        print(rows[-1], flush=True)
    return rows


def chapter_quality():
    train_pairs, _, test_pairs = make_date_splits(sizes=(20000, 1000, 1000), seed=0)
    src, tgt, batches = date_data(128)
    attnlab.set_seed(0)
    model = Seq2Seq(len(src), len(tgt), embed_size=32, hidden_size=128)
    history = train(model, batches, steps=400, lr=1e-2, show_progress=False)
    score = exact_match(
        translate_pairs(model, test_pairs, src, tgt),
        [target for _, target in test_pairs],
    )
    return {
        "exact_match": score,
        "train_seconds": round(history["seconds"], 1),
        "target": EXACT_MATCH_TARGET,
        "status": "ok" if score >= EXACT_MATCH_TARGET else "BELOW TARGET",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", help="write the Markdown report here")
    parser.add_argument("--json", help="write the raw figures here")
    args = parser.parse_args()
    rows = measure(args.steps, args.rounds)
    quality = chapter_quality()
    machine = machine_info()
    settings = ", ".join(f"{k}={v}" for k, v in NUMERICS.items())
    lines = [
        "# Training throughput",
        "",
        machine_markdown(machine),
        "",
        f"Settings: the site build's numerics ({settings}); {args.rounds} alternating "
        f"rounds of {args.steps} timed steps after 3 warm-up steps; median of the "
        "rounds. Baseline: `benchmarks/baseline/`.",
        "",
        "| chapter | model | baseline examples/s | today examples/s | speedup |",
        "|---|---|---:|---:|---:|",
    ]
    lines += [
        f"| {r['chapter']} | {r['model']} | {r['baseline']:,.0f} | {r['today']:,.0f} "
        f"| {r['speedup']:.2f}× |"
        for r in rows
    ]
    slowest = min(r["speedup"] for r in rows)
    lines += [
        "",
        f"Lowest speedup {slowest:.2f}× (target ≥ {SPEEDUP_TARGET}×): "
        + ("ok" if slowest >= SPEEDUP_TARGET else "target missed"),
        "",
        f"Chapter 2 model after 400 steps ({quality['train_seconds']} s): test exact "
        f"match {quality['exact_match']:.3f} (target ≥ {quality['target']}), "
        f"{quality['status']}",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": machine, "rows": rows, "quality": quality}, indent=2)
        )


if __name__ == "__main__":
    main()
