#!/usr/bin/env python3
"""Training and translation throughput of the chapter models, on this machine.

    python3 benchmarks/throughput.py                 # print a Markdown report
    python3 benchmarks/throughput.py --output tp.md --json tp.json

Measures the chapter-2 date model (GRU, embed 32, hidden 128, batch 128, ratio 1) and
the chapter-3 model (hidden 64) at teacher-forcing ratios 1 and 0: training examples
per second over timed steps after a warm-up, and greedy translations per second on
1,000 test dates. It also checks the chapter-2 quality target: exact match on the
held-out test dates after the chapter's 400 training steps (target >= 0.99).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import machine_info, machine_markdown  # noqa: E402

import attnlab  # noqa: E402
from attnlab.batches import make_batches  # noqa: E402
from attnlab.dates import make_date_splits  # noqa: E402
from attnlab.metrics import exact_match, translate_pairs  # noqa: E402
from attnlab.seq2seq import Seq2Seq  # noqa: E402
from attnlab.training import train, with_ratio  # noqa: E402
from attnlab.vocab import Vocab  # noqa: E402

EXACT_MATCH_TARGET = 0.99


def measure(hidden_size, ratio, steps, data, device):
    train_pairs, test_pairs, src_vocab, tgt_vocab, batches = data
    attnlab.set_seed(0)
    model = Seq2Seq(len(src_vocab), len(tgt_vocab), embed_size=32,
                    hidden_size=hidden_size).to(device)
    train(model, batches, steps=20, lr=1e-2, scores=with_ratio(ratio), show_progress=False)
    history = train(model, batches, steps=steps, lr=1e-2, scores=with_ratio(ratio),
                    show_progress=False)
    examples = sum(batches[i % len(batches)].src.size(0) for i in range(steps))
    start = time.perf_counter()
    translate_pairs(model, test_pairs, src_vocab, tgt_vocab)
    translate_seconds = time.perf_counter() - start
    return {"model": f"hidden {hidden_size}", "ratio": ratio, "steps": steps,
            "train_examples_per_s": round(examples / history["seconds"], 1),
            "translations_per_s": round(len(test_pairs) / translate_seconds, 1)}


def chapter_quality(data, device):
    train_pairs, test_pairs, src_vocab, tgt_vocab, batches = data
    attnlab.set_seed(0)
    model = Seq2Seq(len(src_vocab), len(tgt_vocab), embed_size=32, hidden_size=128).to(device)
    history = train(model, batches, steps=400, lr=1e-2, show_progress=False)
    score = exact_match(translate_pairs(model, test_pairs, src_vocab, tgt_vocab),
                        [target for _, target in test_pairs])
    return {"exact_match": score, "train_seconds": round(history["seconds"], 1),
            "target": EXACT_MATCH_TARGET,
            "status": "ok" if score >= EXACT_MATCH_TARGET else "BELOW TARGET"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--output", help="write the Markdown report here")
    parser.add_argument("--json", help="write the raw figures here")
    args = parser.parse_args()

    device = attnlab.setup(lang="en", seed=0)
    train_pairs, _, test_pairs = make_date_splits(sizes=(20000, 1000, 1000), seed=0)
    src_vocab = Vocab(source for source, _ in train_pairs)
    tgt_vocab = Vocab(target for _, target in train_pairs)
    batches = make_batches(train_pairs, src_vocab, tgt_vocab, batch_size=128, seed=0,
                           device=device)
    data = (train_pairs, test_pairs, src_vocab, tgt_vocab, batches)
    rows = [measure(128, 1.0, args.steps, data, device),
            measure(64, 1.0, args.steps, data, device),
            measure(64, 0.0, args.steps, data, device)]
    quality = chapter_quality(data, device)
    machine = machine_info()

    lines = ["# Throughput", "", machine_markdown(machine), "",
             f"Device: {device}. Batch 128, embed 32; {args.steps} timed steps after 20 warm-up steps.", "",
             "| model | teacher-forcing ratio | training examples/s | translations/s |",
             "|---|---:|---:|---:|"]
    lines += [f"| {r['model']} | {r['ratio']} | {r['train_examples_per_s']:,.0f} | "
              f"{r['translations_per_s']:,.0f} |" for r in rows]
    lines += ["", f"Chapter 2 model after 400 steps ({quality['train_seconds']} s): test exact "
              f"match {quality['exact_match']:.3f} (target ≥ {quality['target']}), {quality['status']}"]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine, "rows": rows,
                                               "quality": quality}, indent=2))


if __name__ == "__main__":
    main()
