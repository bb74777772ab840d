#!/usr/bin/env python3
"""Three ways to run chapter 2's teacher-forced decoder: is there a faster one?

    python3 benchmarks/gru_step.py --output benchmarks/GRU_STEP.md

Issue 14 asks for training at least 1.7 times faster. The decoder of chapter 2 is a
GRU cell run step by step in Python (``attnlab.seq2seq``). This script times one
forward and backward pass of that decoder (hidden 128, embedding 32, batch 128,
12 target steps, a linear output layer and the loss, as in chapter 2) written three
ways, with the same weights and outputs (checked):

- **GRUCell loop**: the package's way, ``nn.GRUCell`` on [embedding; context] each
  step;
- **gates by hand**: the input's share of the gates computed once for all steps (one
  matrix product), the hidden state's share and the gate arithmetic each step;
- **nn.GRU**: the whole teacher-forced sequence in one call (possible without input
  feeding only, so not for chapter 5's decoders).

Each is the median of 30 passes after 3 warm-up passes, with one thread (the site
build's numerics) and with torch's default threads.
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
from torch import nn  # noqa: E402

BATCH, STEPS, EMBED, HIDDEN, VOCAB = 128, 12, 32, 128, 40


class Decoders:
    """One decoder's weights, three ways to run it."""

    def __init__(self):
        torch.manual_seed(0)
        self.cell = nn.GRUCell(EMBED + HIDDEN, HIDDEN)
        self.out = nn.Linear(EMBED + 2 * HIDDEN, VOCAB)
        self.gru = nn.GRU(EMBED + HIDDEN, HIDDEN, batch_first=True)
        with torch.no_grad():  # the same weights as the cell
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(self.gru, f"{name}_l0").copy_(getattr(self.cell, name))
        self.embedded = torch.randn(BATCH, STEPS, EMBED, requires_grad=True)
        self.context = torch.randn(BATCH, HIDDEN, requires_grad=True)
        self.target = torch.randint(0, VOCAB, (BATCH, STEPS))

    def scores(self, states):
        """The output layer on [embedding; state; context]: (batch, steps, vocab)."""
        context = self.context.unsqueeze(1).expand(-1, STEPS, -1)
        return self.out(torch.cat([self.embedded, states, context], dim=-1))

    def cell_loop(self):
        hidden, states = self.context, []
        for t in range(STEPS):
            step_input = torch.cat([self.embedded[:, t], self.context], dim=-1)
            hidden = self.cell(step_input, hidden)
            states.append(hidden)
        return self.scores(torch.stack(states, dim=1))

    def gates_by_hand(self):
        w_embedded = self.cell.weight_ih[:, :EMBED]
        w_context = self.cell.weight_ih[:, EMBED:]
        # the input's share of the gates, every step at once: (batch, steps, 3 hidden)
        from_input = self.embedded @ w_embedded.T + (
            self.context @ w_context.T + self.cell.bias_ih
        ).unsqueeze(1)
        hidden, states = self.context, []
        for t in range(STEPS):
            from_hidden = torch.addmm(self.cell.bias_hh, hidden, self.cell.weight_hh.T)
            i_r, i_z, i_n = from_input[:, t].chunk(3, dim=1)
            h_r, h_z, h_n = from_hidden.chunk(3, dim=1)
            reset, update = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            new = torch.tanh(i_n + reset * h_n)
            hidden = new + update * (hidden - new)
            states.append(hidden)
        return self.scores(torch.stack(states, dim=1))

    def whole_sequence(self):
        context = self.context.unsqueeze(1).expand(-1, STEPS, -1)
        states, _ = self.gru(
            torch.cat([self.embedded, context], dim=-1), self.context.unsqueeze(0)
        )
        return self.scores(states)


def milliseconds(run, target, passes=30, warm_up=3):
    times = []
    for i in range(warm_up + passes):
        start = time.perf_counter()
        loss = nn.functional.cross_entropy(run().reshape(-1, VOCAB), target.reshape(-1))
        loss.backward()
        if i >= warm_up:
            times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", help="also write the report to this Markdown file")
    args = parser.parse_args()
    decoders = Decoders()
    ways = {
        "GRUCell loop (the package)": decoders.cell_loop,
        "gates by hand": decoders.gates_by_hand,
        "nn.GRU, whole sequence": decoders.whole_sequence,
    }
    reference = decoders.cell_loop()
    for name, run in ways.items():
        assert torch.allclose(run(), reference, atol=1e-5), name
    default_threads = torch.get_num_threads()
    rows = []
    for name, run in ways.items():
        times = []
        for threads in (1, default_threads):
            torch.set_num_threads(threads)
            times.append(milliseconds(run, decoders.target))
        rows.append((name, *times))
    torch.set_num_threads(default_threads)
    base = rows[0]
    lines = [
        "# Chapter 2's decoder, three ways",
        "",
        "Measured by `benchmarks/gru_step.py` (see its docstring): one forward and "
        f"backward pass, batch {BATCH}, {STEPS} steps, hidden {HIDDEN}, median of 30.",
        "",
        machine_markdown(machine_info()),
        "",
        f"| decoder | 1 thread (ms) | speedup | {default_threads} threads (ms) "
        "| speedup |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, one, many in rows:
        lines.append(
            f"| {name} | {one:.2f} | {base[1] / one:.2f}× | {many:.2f} "
            f"| {base[2] / many:.2f}× |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
