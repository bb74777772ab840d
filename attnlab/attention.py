"""Attention: scoring functions, a masked softmax and an attention decoder (chapter 5).

Chapter 4 uses ``AttentionSeq2Seq`` ahead of time, as a black box beside the plain
encoder–decoder; chapter 5 opens it (Bahdanau et al. 2015; Luong et al. 2015).
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


class DotScore(nn.Module):
    """score(s, h_i) = s · h_i (Luong et al. 2015)."""

    def prepare(self, memory):
        return memory  # nothing to precompute: (batch, src_len, hidden)

    def forward(self, query, keys):
        return torch.bmm(keys, query.unsqueeze(2)).squeeze(2)  # (batch, src_len)


class GeneralScore(nn.Module):
    """score(s, h_i) = s · W h_i (Luong et al. 2015)."""

    def __init__(self, hidden_size):
        super().__init__()
        self.W = nn.Linear(hidden_size, hidden_size, bias=False)

    def prepare(self, memory):
        return self.W(memory)  # W h_i once per sentence: (batch, src_len, hidden)

    def forward(self, query, keys):
        return torch.bmm(keys, query.unsqueeze(2)).squeeze(2)  # (batch, src_len)


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
        mixed = torch.tanh(self.W_q(query).unsqueeze(1) + keys)  # (batch, src_len, hidden)
        return self.v(mixed).squeeze(2)  # (batch, src_len)


SCORES = {"dot": DotScore, "general": GeneralScore, "additive": AdditiveScore}


def make_score(name, hidden_size):
    """The scoring module called ``name``: "dot", "general" or "additive"."""
    return DotScore() if name == "dot" else SCORES[name](hidden_size)


class AttentionDecoder(nn.Module):
    """One decoding step that looks at every encoder state (Luong et al. 2015).

    The new state s_t scores every encoder state, a masked softmax turns the scores
    into weights, their weighted sum is the context c_t, and tanh(W [c_t; s_t])
    predicts the next token. c_t is also fed into the next step ("input feeding").
    """

    def __init__(self, vocab_size, embed_size, hidden_size, score="general"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.cell = nn.GRUCell(embed_size + hidden_size, hidden_size)
        self.score = make_score(score, hidden_size)
        self.combine = nn.Linear(2 * hidden_size, hidden_size)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, token, hidden, context, keys, memory, mask):
        embedded = self.embedding(token)  # (batch, embed)
        hidden = self.cell(torch.cat([embedded, context], dim=-1), hidden)  # (batch, hidden)
        weights = masked_softmax(self.score(hidden, keys), mask)  # (batch, src_len)
        context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)  # (batch, hidden)
        attentional = torch.tanh(self.combine(torch.cat([context, hidden], dim=-1)))
        return self.out(attentional), hidden, context, weights  # logits: (batch, vocab)


AttentionState = namedtuple("AttentionState", ["hidden", "context", "keys", "memory", "mask", "weights"])


class AttentionSeq2Seq(Seq2Seq):
    """The encoder–decoder of chapter 2 with an attention decoder.

    Training (``forward``) and greedy decoding work unchanged: only ``encode`` and
    ``decode_step`` differ. After each step, ``state.weights`` holds the attention
    weights, (batch, src_len).
    """

    def __init__(self, src_vocab_size, tgt_vocab_size, embed_size=32, hidden_size=128,
                 bidirectional=False, score="general"):
        super().__init__(src_vocab_size, tgt_vocab_size, embed_size, hidden_size, bidirectional)
        self.decoder = AttentionDecoder(tgt_vocab_size, embed_size, hidden_size, score=score)

    def encode(self, src, src_lengths):
        memory, last = self.encoder(src, src_lengths)  # (batch, src_len, hidden), (batch, hidden)
        positions = torch.arange(src.size(1), device=src.device)  # (src_len,)
        mask = positions[None, :] < src_lengths.to(src.device)[:, None]  # (batch, src_len)
        return AttentionState(hidden=last, context=torch.zeros_like(last),
                              keys=self.decoder.score.prepare(memory), memory=memory,
                              mask=mask, weights=None)

    def decode_step(self, token, state):
        logits, hidden, context, weights = self.decoder(
            token, state.hidden, state.context, state.keys, state.memory, state.mask)
        return logits, state._replace(hidden=hidden, context=context, weights=weights)
