"""Diagrams of the mechanisms, drawn by code so that they work in Colab too.

``draw_seq2seq`` draws an encoder–decoder unrolled in time (chapter 2) and, with
``feed``, where each decoder input comes from (chapter 3).
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from attnlab.i18n import tr

ENCODER_COLOR = "#a6cee3"
DECODER_COLOR = "#fdbf6f"
CONTEXT_COLOR = "#b2df8a"


def _box(ax, x, y, text, color, width=0.8, height=0.5, fontsize=10):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.05", facecolor=color, edgecolor="#333"))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color="#333", style="-|>", curve=0.0, dashed=False):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=color,
                                 connectionstyle=f"arc3,rad={curve}",
                                 linestyle="--" if dashed else "-", linewidth=1.2))


def draw_seq2seq(source, target, outputs=None, feed=None, ax=None, title=None):
    """Draw an unrolled encoder–decoder.

    ``source`` and ``target`` are lists of tokens. ``outputs`` are the decoder's
    predictions (default: the target). ``feed`` is None (plain diagram),
    ``"reference"`` (teacher forcing: inputs come from the reference) or ``"own"``
    (free running: each input is the previous output).
    """
    outputs = list(target) + ["<eos>"] if outputs is None else list(outputs)
    inputs = ["<sos>"] + (list(target) if feed != "own" else outputs[:-1])
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 * (len(source) + len(inputs)) + 1.5, 3.2))
    n = len(source)
    for i, token in enumerate(source):
        _box(ax, i, 0, "GRU", ENCODER_COLOR)
        ax.text(i, -0.9, token, ha="center", va="center", fontsize=11)
        _arrow(ax, (i, -0.7), (i, -0.27))
        if i > 0:
            _arrow(ax, (i - 0.58, 0), (i - 0.42, 0))
    context_x = n + 0.2
    _box(ax, context_x, 0, tr(ko="컨텍스트\n벡터", en="context\nvector"), CONTEXT_COLOR,
         width=0.9, height=0.7, fontsize=8)
    _arrow(ax, (n - 0.58, 0), (context_x - 0.47, 0))
    for j, (token, out) in enumerate(zip(inputs, outputs)):
        x = n + 1.5 + j
        _box(ax, x, 0, "GRU", DECODER_COLOR)
        ax.text(x, -0.9, token, ha="center", va="center", fontsize=11,
                color="#1f77b4" if feed == "reference" and j > 0 else "black")
        _arrow(ax, (x, -0.7), (x, -0.27))
        ax.text(x, 0.9, out, ha="center", va="center", fontsize=11,
                color="#c62828" if out not in (list(target) + ["<eos>"])[j:j + 1] else "black")
        _arrow(ax, (x, 0.27), (x, 0.7))
        _arrow(ax, (x - 1 + (0.58 if j else 0.47), 0), (x - 0.42, 0))
        if feed == "own" and j + 1 < len(outputs):
            _arrow(ax, (x + 0.15, 0.95), (x + 0.72, -0.85), color="#d62728", curve=-0.3,
                   dashed=True)
    ax.text((n - 1) / 2, 0.75, tr(ko="인코더", en="encoder"), ha="center", fontsize=11,
            weight="bold")
    ax.text(n + 1.5 + (len(inputs) - 1) / 2, 1.45, tr(ko="디코더", en="decoder"),
            ha="center", fontsize=11, weight="bold")
    ax.set_xlim(-0.7, n + 1.5 + len(inputs) - 0.3)
    ax.set_ylim(-1.3, 1.7)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
