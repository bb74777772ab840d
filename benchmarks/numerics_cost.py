#!/usr/bin/env python3
"""What the site build's fixed numerics cost, and what the alternatives would change.

    python3 benchmarks/numerics_cost.py --output benchmarks/NUMERICS_COST.md

The site build fixes the numerics (``run.NUMERICS``: one thread, PyTorch's AVX2
kernels, MKL's vendor-independent code path ``MKL_CBWR=COMPATIBLE``) so that every
machine computes the numbers the prose quotes. This measures one training step of two
chapter models (chapter 5's settings on the dates: embeddings 32, hidden 64, batch
64) under each setting, each in a fresh process (the settings are read once, when
torch loads), and whether the loss after the timed steps is bit for bit the build's.
A setting that changes the losses changes every trained number in the book: the
prose would have to be re-measured with it.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import NUMERICS, machine_info, machine_markdown  # noqa: E402

os.environ.update(NUMERICS)  # here too, so that machine_info reports one thread

SETTINGS = {
    "the build (MKL_CBWR=COMPATIBLE, AVX2 kernels)": {},
    "MKL_CBWR=AVX2 (Intel CPUs with AVX2 only)": {"MKL_CBWR": "AVX2"},
    "MKL's own choice (no MKL_CBWR)": {"MKL_CBWR": None},
    "MKL's own choice, PyTorch's own kernels": {
        "MKL_CBWR": None,
        "ATEN_CPU_CAPABILITY": None,
    },
}

CHILD = """
import json, time, torch
from attnlab.attention import AttentionSeq2Seq
from attnlab.batches import make_batches
from attnlab.dates import make_date_splits
from attnlab.seq2seq import Seq2Seq
from attnlab.training import sequence_loss
from attnlab.vocab import Vocab

pairs, _, _ = make_date_splits(sizes=(4000, 100, 100), seed=0)
src, tgt = Vocab(s for s, _ in pairs), Vocab(t for _, t in pairs)
batches = make_batches(pairs, src, tgt, batch_size=64, seed=0)
result = {}
for name, make in [("plain", Seq2Seq), ("attention", AttentionSeq2Seq)]:
    torch.manual_seed(0)
    model = make(len(src), len(tgt), 32, 64)
    optimizer = torch.optim.Adam(model.parameters(), 3e-3)
    def step(batch):
        loss = sequence_loss(model(batch.src, batch.src_lengths, batch.tgt_in),
                             batch.tgt_out)
        optimizer.zero_grad(); loss.backward(); optimizer.step()
        return loss.item()
    for batch in batches[:3]:
        step(batch)
    start = time.perf_counter()
    for batch in batches[3:43]:
        loss = step(batch)
    result[name] = {"ms": 1000 * (time.perf_counter() - start) / 40, "loss": loss.hex()}
print(json.dumps(result))
"""


def measure(changes):
    env = {**os.environ, **NUMERICS}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(done.stderr[-2000:])
    return json.loads(done.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    results = {label: measure(changes) for label, changes in SETTINGS.items()}
    build = next(iter(results.values()))
    lines = [
        "# The cost of the build's numerics",
        "",
        machine_markdown(machine_info()),
        "",
        "One training step (forward, loss, backward, Adam), mean of 40 after 3 of"
        " warm-up; chapter 5's models on the dates (embeddings 32, hidden 64, batch"
        " 64), one thread; each setting in a fresh process.",
        "",
        "| setting | plain ms/step | attention ms/step | time vs the build |"
        " losses bit for bit the build's |",
        "|---|---:|---:|---:|---|",
    ]
    for label, r in results.items():
        ratio = (r["plain"]["ms"] + r["attention"]["ms"]) / (
            build["plain"]["ms"] + build["attention"]["ms"]
        )
        same = all(r[m]["loss"] == build[m]["loss"] for m in ("plain", "attention"))
        lines.append(
            f"| {label} | {r['plain']['ms']:.1f} | {r['attention']['ms']:.1f} | "
            f"{ratio:.2f} | {'yes' if same else 'no'} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
