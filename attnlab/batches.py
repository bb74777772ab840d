"""Padded batches of sentence pairs, sorted by length (chapter 2).

Written out and explained in chapter 2, "Sequence to sequence".
"""

import random
from collections import namedtuple

import torch

from attnlab.vocab import PAD, SOS

Batch = namedtuple("Batch", ["src", "src_lengths", "tgt_in", "tgt_out"])
Batch.__doc__ = """A batch of pairs as padded id tensors.

src (batch, src_len), src_lengths (batch,), tgt_in (batch, tgt_len) starting with
<sos>, tgt_out (batch, tgt_len) ending with <eos>; padding is <pad> = 0."""


def pad(sequences):
    """Stack lists of ids of different lengths into one (batch, max_len) tensor."""
    longest = max(len(s) for s in sequences)
    return torch.tensor([s + [PAD] * (longest - len(s)) for s in sequences])


def make_batches(
    pairs, src_vocab, tgt_vocab, batch_size=128, shuffle=True, seed=0, device="cpu"
):
    """Cut ``(source, target)`` text pairs into padded batches.

    Pairs are sorted by source length first, so the sentences of a batch have
    similar lengths and little padding; with ``shuffle`` the order of the batches
    (not their content) is shuffled.
    """
    encoded = sorted(
        ((src_vocab.encode(s), tgt_vocab.encode(t)) for s, t in pairs),
        key=lambda pair: len(pair[0]),
    )
    batches = []
    for start in range(0, len(encoded), batch_size):
        chunk = encoded[start : start + batch_size]
        src = [s for s, _ in chunk]
        tgt = [t for _, t in chunk]
        tgt_in = [[SOS] + t[:-1] for t in tgt]  # <sos> in front, <eos> left out
        batch = Batch(
            src=pad(src).to(device),  # (batch, src_len)
            src_lengths=torch.tensor([len(s) for s in src]).to(device),  # (batch,)
            tgt_in=pad(tgt_in).to(device),  # (batch, tgt_len)
            tgt_out=pad(tgt).to(device),  # (batch, tgt_len)
        )
        batches.append(batch)
    if shuffle:
        random.Random(seed).shuffle(batches)
    return batches
