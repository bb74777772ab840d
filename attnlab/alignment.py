"""Attention weights read as word alignments: collect, score and draw them (chapter 5).

Written out and explained in chapter 5, "Attention as alignment". The weights are
collected with teacher forcing, so that decoding step j is the step that predicts
word j of the reference, the word the gold alignment of ``attnlab.grammar`` is about.
"""

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch
from matplotlib.patches import Rectangle

from attnlab.batches import pad
from attnlab.vocab import SOS


def encode_pairs(pairs, src_vocab, tgt_vocab, device="cpu"):
    """Padded tensors for pairs ``(source, target, ...)``, in the order given.

    Returns src (batch, src_len), src_lengths (batch,) and tgt_in (batch, tgt_len),
    the targets with <sos> in front and without their <eos>.
    """
    sources = [src_vocab.encode(pair[0]) for pair in pairs]
    targets = [[SOS] + tgt_vocab.encode(pair[1])[:-1] for pair in pairs]
    return (pad(sources).to(device), torch.tensor([len(s) for s in sources]).to(device),
            pad(targets).to(device))


@torch.no_grad()
def attention_weights(model, src, src_lengths, tgt_in):
    """Teacher-forced decoding that keeps every step's weights: (batch, tgt_len, src_len)."""
    model.eval()
    state = model.encode(src, src_lengths)
    rows = []
    for t in range(tgt_in.size(1)):
        _, state = model.decode_step(tgt_in[:, t], state)
        rows.append(state.weights)  # (batch, src_len)
    return torch.stack(rows, dim=1)


def alignment_accuracy(model, triples, src_vocab, tgt_vocab, batch_size=500):
    """Share of aligned target words whose highest-weight source word is the gold one.

    ``triples`` are ``(source, target, alignment)`` from ``attnlab.grammar``; target
    words whose alignment is None ("a", "that") are not counted.
    """
    device = next(model.parameters()).device
    right = total = 0
    for start in range(0, len(triples), batch_size):
        chunk = triples[start:start + batch_size]
        src, src_lengths, tgt_in = encode_pairs(chunk, src_vocab, tgt_vocab, device)
        best = attention_weights(model, src, src_lengths, tgt_in).argmax(dim=-1)  # (batch, tgt_len)
        for row, (_, _, gold) in zip(best.tolist(), chunk):
            for j, i in enumerate(gold):
                if i is not None:
                    total += 1
                    right += row[j] == i
    return right / total


def plot_alignment(weights, source_tokens, target_tokens, gold=None, ax=None, title=None):
    """A heatmap of ``weights`` (target, source), labelled with the tokens.

    With ``gold`` (one source index or None per target token) the gold alignment is
    drawn as boxes over the cells.
    """
    ax = ax or plt.gca()
    sns.heatmap(np.asarray(weights), ax=ax, cmap="Blues", vmin=0, vmax=1, square=True, linewidths=0.3,
                xticklabels=source_tokens, yticklabels=target_tokens, cbar_kws={"shrink": 0.6})
    ax.tick_params(axis="x", labelrotation=90)
    ax.tick_params(axis="y", labelrotation=0)
    for j, i in enumerate(gold or []):
        if i is not None:
            ax.add_patch(Rectangle((i, j), 1, 1, fill=False, edgecolor="#d62728", linewidth=1.6))
    if title:
        ax.set_title(title)
    return ax
