#!/usr/bin/env python3
"""What training budget each model needs on the grammar corpus (chapter 8's design).

    python3 benchmarks/transformer_budget.py --output TRANSFORMER_BUDGET.md

Chapter 8 puts chapter 2's plain encoder–decoder, chapter 5's RNN with attention and
the Transformer (``attnlab.transformer``) side by side on the grammar corpus of
chapter 4, at equal training wall time. This script measures, for each model, BLEU
and exact match on 400 held-out sentences (overall and by English length: 1–10,
11–20, 21–30, 31–40 words) after each checkpoint of training time, and the time of
one training step on batches of sentences of one length. It runs with torch's
default threads (the chapters' "defaults" in RESULTS.md); the training time excludes
the evaluations. Every model trains with batches of 32 sentences and Adam.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import torch  # noqa: E402
from run import machine_info, machine_markdown  # noqa: E402

import attnlab  # noqa: E402
from attnlab.attention import AttentionSeq2Seq  # noqa: E402
from attnlab.batches import make_batches  # noqa: E402
from attnlab.grammar import make_grammar_pairs, make_grammar_splits  # noqa: E402
from attnlab.metrics import bleu, exact_match, translate_pairs  # noqa: E402
from attnlab.seq2seq import Seq2Seq  # noqa: E402
from attnlab.training import sequence_loss, train  # noqa: E402
from attnlab.transformer import Transformer  # noqa: E402
from attnlab.vocab import Vocab  # noqa: E402

BUCKETS = [(1, 10), (11, 20), (21, 30), (31, 40)]
BATCH_SIZE = 32
MODELS = {  # name: (make(src_size, tgt_size), learning rate)
    "plain (GRU)": (lambda s, t: Seq2Seq(s, t, embed_size=32, hidden_size=64), 5e-3),
    "attention (GRU)": (
        lambda s, t: AttentionSeq2Seq(s, t, embed_size=32, hidden_size=64),
        5e-3,
    ),
    "Transformer": (
        lambda s, t: Transformer(s, t, embed_size=64, heads=4, layers=2, ff_size=128),
        3e-3,
    ),
}


def data():
    train_triples, test_triples = make_grammar_splits(sizes=(20000, 400), seed=0)
    train_pairs = [(k, e) for k, e, _ in train_triples]
    test_pairs = [(k, e) for k, e, _ in test_triples]
    src = Vocab((k for k, _ in train_pairs), words=True)
    tgt = Vocab((e for _, e in train_pairs), words=True)
    return src, tgt, train_pairs, test_pairs


def scores(model, test_pairs, src, tgt):
    predictions = translate_pairs(model, test_pairs, src, tgt, max_len=50)
    references = [e for _, e in test_pairs]
    row = {
        "BLEU": bleu(predictions, references),
        "exact": exact_match(predictions, references),
    }
    for low, high in BUCKETS:
        chosen = [i for i, r in enumerate(references) if low <= len(r.split()) <= high]
        row[f"{low}–{high}"] = bleu(
            [predictions[i] for i in chosen], [references[i] for i in chosen]
        )
    return row


class Done(Exception):
    """Raised by the evaluation after the last checkpoint, to end the training."""


def budget_run(name, src, tgt, train_pairs, test_pairs, checkpoints):
    """Train ``name`` past the last checkpoint (seconds of training); the scores at
    the first evaluation after each checkpoint."""
    make, lr = MODELS[name]
    attnlab.set_seed(0)
    model = make(len(src), len(tgt))
    batches = make_batches(train_pairs, src, tgt, batch_size=BATCH_SIZE, seed=0)
    clock = {"start": time.perf_counter(), "evaluating": 0.0, "rows": []}
    pending = list(checkpoints)

    def evaluate(model):
        trained = time.perf_counter() - clock["start"] - clock["evaluating"]
        begin = time.perf_counter()
        if pending and trained >= pending[0]:
            pending.pop(0)
            clock["rows"].append(
                {"seconds": trained, **scores(model, test_pairs, src, tgt)}
            )
            if not pending:
                raise Done
        clock["evaluating"] += time.perf_counter() - begin
        return None

    try:
        train(model, batches, steps=10**6, lr=lr, evaluate=evaluate, every=50,
              show_progress=False)  # fmt: skip
    except Done:
        pass
    params = sum(p.numel() for p in model.parameters())
    return params, clock["rows"]


def step_seconds(name, src, tgt, words, repeats=5):
    """Median seconds of one training step on 32 sentences of ``words`` words."""
    pairs = [
        (k, e)
        for k, e, _ in make_grammar_pairs(3000, seed=1, min_len=3, max_len=40)
        if len(e.split()) == words
    ][:BATCH_SIZE]
    pairs = [(k, e) for k, e in pairs if all(w in src.stoi for w in k.split())]
    batch = make_batches(pairs, src, tgt, batch_size=BATCH_SIZE, shuffle=False)[0]
    make, lr = MODELS[name]
    attnlab.set_seed(0)
    model = make(len(src), len(tgt))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    times = []
    for i in range(repeats + 1):
        begin = time.perf_counter()
        loss = sequence_loss(model(batch.src, batch.src_lengths, batch.tgt_in),
                             batch.tgt_out)  # fmt: skip
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i:  # the first is a warm-up
            times.append(time.perf_counter() - begin)
    return statistics.median(times)


def report(machine, runs, steps):
    lines = [
        "# Chapter 8's budgets: the three models at equal training time",
        "",
        "Measured by `benchmarks/transformer_budget.py` (see its docstring): BLEU on "
        "400 held-out grammar sentences, overall and by English length, after each "
        "checkpoint of training time (evaluations excluded), batches of 32.",
        "",
        machine_markdown(machine),
        "",
        "| model | parameters | trained (s) | BLEU | exact match | "
        + " | ".join(f"{a}–{b} words" for a, b in BUCKETS)
        + " |",
        "|---|---|---|---|---|" + "---|" * len(BUCKETS),
    ]
    for name, (params, rows) in runs.items():
        for row in rows:
            lines.append(
                f"| {name} | {params:,} | {row['seconds']:.0f} | {row['BLEU']:.1f} "
                f"| {row['exact']:.3f} | "
                + " | ".join(f"{row[f'{a}–{b}']:.1f}" for a, b in BUCKETS)
                + " |"
            )
    lines += [
        "",
        "One training step (median of 5, after a warm-up) on 32 sentences of one "
        "English length, in milliseconds:",
        "",
        "| model | " + " | ".join(f"{w} words" for w in steps["words"]) + " |",
        "|---|" + "---|" * len(steps["words"]),
    ]
    for name in runs:
        lines.append(
            f"| {name} | " + " | ".join(f"{1000 * s:.0f}" for s in steps[name]) + " |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoints", nargs="+", type=float, default=[10, 20, 40])
    parser.add_argument("--output", help="also write the report to this Markdown file")
    args = parser.parse_args()
    machine = machine_info()
    src, tgt, train_pairs, test_pairs = data()
    runs, steps = {}, {"words": [5, 10, 20, 40]}
    for name in MODELS:
        print(f"training {name} ...", file=sys.stderr, flush=True)
        runs[name] = budget_run(
            name, src, tgt, train_pairs, test_pairs, args.checkpoints
        )
        steps[name] = [step_seconds(name, src, tgt, w) for w in steps["words"]]
    text = report(machine, runs, steps)
    print(text)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
