"""Attention: scoring functions, a masked softmax, two attention decoders (chapter 5).

Chapter 4 uses ``AttentionSeq2Seq`` ahead of time, as a black box beside the plain
encoder–decoder; chapter 5 opens it. The default decoder is Luong et al. (2015)'s
global attention with input feeding; ``decoder="bahdanau"`` gives Bahdanau et al.
(2015)'s, which scores with the previous state and feeds the context to the GRU.
"""

from collections import namedtuple

import torch
from torch import nn

from attnlab.seq2seq import Seq2Seq


def masked_softmax(scores, mask):
    """Softmax over the last axis, over the positions where ``mask`` is True only.

    Masked positions (padding) get exactly zero weight. Every row needs at least one
    True position (a sentence always has its <eos>); an all-False row gives NaN.
    """
    scores = scores.masked_fill(~mask, float("-inf"))  # (batch, src_len)
    return torch.softmax(scores, dim=-1)


def padding_mask(src, src_lengths):
    """True at each sentence's real tokens, False at its padding: (batch, src_len)."""
    positions = torch.arange(src.size(1), device=src.device)  # (src_len,)
    return positions[None, :] < src_lengths.to(src.device)[:, None]


class DotScore(nn.Module):
    """score(s, h_i) = s · h_i (Luong et al. 2015)."""

    def prepare(self, memory):
        return memory  # nothing to precompute: (batch, src_len, hidden)

    def forward(self, query, keys):
        return torch.bmm(keys, query.unsqueeze(2)).squeeze(2)  # (batch, src_len)


class GeneralScore(DotScore):
    """score(s, h_i) = s · W h_i (Luong et al. 2015): the dot score of s with the
    projected states W h_i."""

    def __init__(self, hidden_size):
        super().__init__()
        self.W = nn.Linear(hidden_size, hidden_size, bias=False)

    def prepare(self, memory):
        return self.W(memory)  # W h_i once per sentence: (batch, src_len, hidden)


class AdditiveScore(nn.Module):
    """score(s, h_i) = v · tanh(W_q s + W_k h_i) (Bahdanau et al. 2015)."""

    def __init__(self, hidden_size):
        super().__init__()
        self.W_q = nn.Linear(hidden_size, hidden_size, bias=False)
        self.W_k = nn.Linear(hidden_size, hidden_size, bias=False)
        self.v = nn.Linear(hidden_size, 1, bias=False)

    def prepare(self, memory):
        return self.W_k(memory)  # W_k h_i once per sentence: (batch, src_len, hidden)

    def forward(self, query, keys):
        # (batch, src_len, hidden)
        mixed = torch.tanh(self.W_q(query).unsqueeze(1) + keys)
        return self.v(mixed).squeeze(2)  # (batch, src_len)


SCORES = {"dot": DotScore, "general": GeneralScore, "additive": AdditiveScore}


def make_score(name, hidden_size):
    """The scoring module called ``name``: "dot", "general" or "additive"."""
    return DotScore() if name == "dot" else SCORES[name](hidden_size)


class AttentionDecoder(nn.Module):
    """Luong et al. (2015): global attention with input feeding, one decoding step.

    The GRU reads the previous word and the previous attentional vector s~_{t-1}
    ("input feeding"; zeros at the first step) and gives the new state s_t. s_t scores
    every encoder state, a masked softmax turns the scores into weights a_t, their
    weighted sum is the context c_t, and s~_t = tanh(W_c [c_t; s_t]) is the step's
    output (Luong et al. write h~_t): ``self.out(s~_t)`` are the logits, and s~_t is
    fed into the next step.
    """

    def __init__(self, vocab_size, embed_size, hidden_size, score="general"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.cell = nn.GRUCell(embed_size + hidden_size, hidden_size)
        self.score = make_score(score, hidden_size)
        self.combine = nn.Linear(2 * hidden_size, hidden_size)  # W_c
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, embedded, hidden, feed, keys, memory, mask):
        # embedded: the previous word y_{t-1}, (batch, embed)
        # s_t: (batch, hidden)
        hidden = self.cell(torch.cat([embedded, feed], dim=-1), hidden)
        weights = masked_softmax(self.score(hidden, keys), mask)  # a_t from s_t
        # c_t: (batch, hidden)
        context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)
        # s~_t
        attentional = torch.tanh(self.combine(torch.cat([context, hidden], dim=-1)))
        return attentional, hidden, context, weights


class BahdanauDecoder(nn.Module):
    """Bahdanau et al. (2015), one decoding step (simplified: tanh instead of maxout).

    The previous state s_{t-1} scores every encoder state (additive score by default),
    the weights a_t mix them into the context c_t, and the GRU reads the previous word
    together with c_t to give s_t. The output o_t = tanh(W_t [s_t; c_t; y_{t-1}]) goes
    to ``self.out``. ``feed`` is not used: nothing but s_t passes to the next step.
    """

    def __init__(self, vocab_size, embed_size, hidden_size, score="additive"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.score = make_score(score, hidden_size)
        self.cell = nn.GRUCell(embed_size + hidden_size, hidden_size)
        self.readout = nn.Linear(2 * hidden_size + embed_size, hidden_size)  # W_t
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, embedded, hidden, feed, keys, memory, mask):
        # embedded: the previous word y_{t-1}, (batch, embed)
        weights = masked_softmax(self.score(hidden, keys), mask)  # a_t from s_{t-1}
        # c_t: (batch, hidden)
        context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)
        # s_t: (batch, hidden)
        hidden = self.cell(torch.cat([embedded, context], dim=-1), hidden)
        output = torch.tanh(
            self.readout(torch.cat([hidden, context, embedded], dim=-1))
        )
        return output, hidden, context, weights


DECODERS = {
    "luong": (AttentionDecoder, "general"),
    "bahdanau": (BahdanauDecoder, "additive"),
}

AttentionState = namedtuple(
    "AttentionState", ["hidden", "feed", "keys", "memory", "mask", "weights"]
)


class AttentionSeq2Seq(Seq2Seq):
    """Chapter 2's encoder–decoder with an attention decoder: ``decoder="luong"``
    (general score by default) or ``"bahdanau"`` (additive). Only two methods differ."""

    def __init__(self, src_vocab_size, tgt_vocab_size, embed_size=32, hidden_size=128,
                 bidirectional=False, score=None, decoder="luong"):  # fmt: skip
        super().__init__(
            src_vocab_size, tgt_vocab_size, embed_size, hidden_size, bidirectional
        )
        decoder_class, default_score = DECODERS[decoder]
        self.decoder = decoder_class(
            tgt_vocab_size, embed_size, hidden_size, score=score or default_score
        )

    def encode(self, src, src_lengths):
        """Start: the encoder's last state, s~_0 = 0, keys, memory, padding mask."""
        memory, last = self.encoder(src, src_lengths)  # (batch, src_len, hidden)
        keys = self.decoder.score.prepare(memory)
        mask = padding_mask(src, src_lengths)  # (batch, src_len)
        return AttentionState(last, torch.zeros_like(last), keys, memory, mask, None)

    def step(self, embedded, state):
        """One decoding step; the state keeps the output (input feeding) and weights."""
        output, hidden, _, weights = self.decoder(
            embedded, state.hidden, state.feed, state.keys, state.memory, state.mask
        )
        return output, state._replace(hidden=hidden, feed=output, weights=weights)
