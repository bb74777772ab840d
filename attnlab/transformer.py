"""The Transformer (chapter 8): positions, its layers, and a small encoder–decoder.

Built from chapter 6's ``MultiHeadAttention`` (Vaswani et al. 2017). Every layer is
**pre-norm**: each sub-layer reads a normalised copy of its input and adds what it
computes back to the input, ``x + sublayer(norm(x))``, and each stack ends with one
more normalisation. The original Transformer normalised after the addition
(post-norm, ``norm(x + sublayer(x))``); pre-norm keeps an unnormalised path from the
input to the output of the whole stack and trains without a learning-rate warm-up
(Xiong et al. 2020), which suits the short training budgets of this book. PyTorch's
layers compute the same with ``norm_first=True``.

Masks follow chapter 6: boolean, True where a position may look.

``Transformer`` has the two methods the book's decoding loop calls, ``encode`` and
``decode_step``, so ``seq2seq.decode``, greedy decoding and beam search run it
unchanged. Its decoder state keeps the encoder's output and the target tokens so far;
each step runs the decoder again over all of them (no cache of earlier steps: simple,
and fast enough for sentences of this book).
"""

import math
from typing import NamedTuple

import torch
from torch import nn

from attnlab.alignment import encode_pairs
from attnlab.attention import padding_mask
from attnlab.i18n import ReaderError
from attnlab.qkv import MultiHeadAttention, check_heads
from attnlab.vocab import PAD

POSITIONS = ("sinusoidal", "learned", "none")


def sinusoidal_positions(length, size):
    """Vaswani et al.'s positional encoding, (length, size):

    PE[pos, 2i] = sin(pos / 10000^(2i / size)),  PE[pos, 2i + 1] = cos(same angle).
    """
    if size % 2:
        raise ReaderError(
            ko=f"위치 인코딩의 크기는 짝수여야 합니다 (받은 값: {size}).",
            en=f"The size of a positional encoding must be even, not {size}.",
        )
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)  # (length, 1)
    two_i = torch.arange(0, size, 2, dtype=torch.float32)  # (size / 2,)
    frequency = torch.exp(-math.log(10000.0) * two_i / size)  # 1 / 10000^(2i/size)
    angle = position * frequency  # (length, size / 2)
    encoding = torch.zeros(length, size)
    encoding[:, 0::2] = torch.sin(angle)  # even features
    encoding[:, 1::2] = torch.cos(angle)  # odd features
    return encoding


def causal_mask(length, device=None):
    """(length, length), True on and below the diagonal: position t may look at
    positions 0 to t, never at a later one."""
    return torch.ones(length, length, dtype=torch.bool, device=device).tril()


class FeedForward(nn.Sequential):
    """The position-wise feed-forward layer: the same two-layer network applied to
    every position on its own, embed -> ff_size -> embed."""

    def __init__(self, embed_size, ff_size):
        super().__init__(
            nn.Linear(embed_size, ff_size), nn.ReLU(), nn.Linear(ff_size, embed_size)
        )


class EncoderLayer(nn.Module):
    """Self-attention, then the feed-forward layer, each pre-norm with a residual."""

    def __init__(self, embed_size, heads, ff_size):
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_size)
        self.self_attention = MultiHeadAttention(embed_size, heads)
        self.norm2 = nn.LayerNorm(embed_size)
        self.feed_forward = FeedForward(embed_size, ff_size)

    def forward(self, x, mask):
        """x (batch, src_len, embed), mask (batch, 1, src_len) -> (x, weights
        (batch, heads, src_len, src_len))."""
        h = self.norm1(x)
        attended, weights = self.self_attention(h, h, h, mask)
        x = x + attended  # (batch, src_len, embed)
        return x + self.feed_forward(self.norm2(x)), weights


class DecoderLayer(nn.Module):
    """Causal self-attention over the target so far, cross-attention to the source
    (queries from the decoder, keys and values from the encoder's output), then the
    feed-forward layer; each pre-norm with a residual."""

    def __init__(self, embed_size, heads, ff_size):
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_size)
        self.self_attention = MultiHeadAttention(embed_size, heads)
        self.norm2 = nn.LayerNorm(embed_size)
        self.cross_attention = MultiHeadAttention(embed_size, heads)
        self.norm3 = nn.LayerNorm(embed_size)
        self.feed_forward = FeedForward(embed_size, ff_size)

    def forward(self, y, memory, self_mask, memory_mask):
        """y (batch, tgt_len, embed), memory (batch, src_len, embed), self_mask
        (tgt_len, tgt_len), memory_mask (batch, 1, src_len) -> (y, self-attention
        weights (batch, heads, tgt_len, tgt_len), cross-attention weights (batch,
        heads, tgt_len, src_len))."""
        h = self.norm1(y)
        attended, self_weights = self.self_attention(h, h, h, self_mask)
        y = y + attended
        h = self.norm2(y)
        attended, cross_weights = self.cross_attention(h, memory, memory, memory_mask)
        y = y + attended  # (batch, tgt_len, embed)
        return y + self.feed_forward(self.norm3(y)), self_weights, cross_weights


class TransformerState(NamedTuple):
    """What the decoder needs between steps: the encoder's output, the source's
    padding mask, and the target tokens fed so far, <sos> first."""

    memory: torch.Tensor  # (batch, src_len, embed)
    mask: torch.Tensor  # (batch, 1, src_len)
    tokens: torch.Tensor  # (batch, steps so far)


class Decoded(NamedTuple):
    """The decoder's scores and every layer's attention weights."""

    logits: torch.Tensor  # (batch, tgt_len, vocab)
    self_weights: list  # per layer: (batch, heads, tgt_len, tgt_len)
    cross_weights: list  # per layer: (batch, heads, tgt_len, src_len)


class Transformer(nn.Module):
    """An encoder–decoder Transformer (Vaswani et al. 2017), pre-norm, no dropout.

    ``positions``: "sinusoidal" (fixed, the default), "learned" (one trained vector
    per position) or "none" (no position information at all, to show what is lost).
    """

    def __init__(self, src_vocab_size, tgt_vocab_size, embed_size=64, heads=4,
                 layers=2, ff_size=128, positions="sinusoidal",
                 max_len=128):  # fmt: skip
        super().__init__()
        check_heads(embed_size, heads)
        check_positions(positions)
        self.embed_size, self.max_len, self.positions = embed_size, max_len, positions
        self.src_embedding = nn.Embedding(src_vocab_size, embed_size, padding_idx=PAD)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, embed_size, padding_idx=PAD)
        for embedding in (self.src_embedding, self.tgt_embedding):
            # std 1 / sqrt(embed): times sqrt(embed) in ``embed``, about as large as
            # the positions (PyTorch's default, std 1, would drown them)
            nn.init.normal_(embedding.weight, std=embed_size**-0.5)
            embedding.weight.data[PAD] = 0.0
        if positions == "learned":
            self.position_embedding = nn.Embedding(max_len, embed_size)
        self.register_buffer(
            "sinusoids", sinusoidal_positions(max_len, embed_size), persistent=False
        )
        self.encoder_layers = nn.ModuleList(
            EncoderLayer(embed_size, heads, ff_size) for _ in range(layers)
        )
        self.encoder_norm = nn.LayerNorm(embed_size)
        self.decoder_layers = nn.ModuleList(
            DecoderLayer(embed_size, heads, ff_size) for _ in range(layers)
        )
        self.decoder_norm = nn.LayerNorm(embed_size)
        self.out = nn.Linear(embed_size, tgt_vocab_size)

    def embed(self, embedding, ids):
        """Token embeddings, scaled by sqrt(embed) as in Vaswani et al., plus the
        positions: (batch, length) -> (batch, length, embed)."""
        check_length(ids.size(1), self.max_len)
        x = embedding(ids) * math.sqrt(self.embed_size)
        if self.positions == "sinusoidal":
            x = x + self.sinusoids[: ids.size(1)]
        elif self.positions == "learned":
            x = x + self.position_embedding.weight[: ids.size(1)]
        return x

    def encode(self, src, src_lengths):
        """Run the encoder: the decoder's starting state (no target token yet)."""
        return self.encode_all(src, src_lengths)[0]

    def encode_all(self, src, src_lengths):
        """The decoder's starting state and every encoder layer's self-attention
        weights, a list of (batch, heads, src_len, src_len)."""
        mask = padding_mask(src, src_lengths).unsqueeze(1)  # (batch, 1, src_len)
        x = self.embed(self.src_embedding, src)  # (batch, src_len, embed)
        weights = []
        for layer in self.encoder_layers:
            x, w = layer(x, mask)
            weights.append(w)
        empty = src.new_zeros(src.size(0), 0)  # (batch, 0)
        return TransformerState(self.encoder_norm(x), mask, empty), weights

    def decode_all(self, tgt_in, state):
        """Every target position at once, each seeing only itself and earlier ones:
        a ``Decoded`` (scores and attention weights of every layer)."""
        y = self.embed(self.tgt_embedding, tgt_in)  # (batch, tgt_len, embed)
        future = causal_mask(tgt_in.size(1), tgt_in.device)  # (tgt_len, tgt_len)
        self_weights, cross_weights = [], []
        for layer in self.decoder_layers:
            y, w_self, w_cross = layer(y, state.memory, future, state.mask)
            self_weights.append(w_self)
            cross_weights.append(w_cross)
        return Decoded(self.out(self.decoder_norm(y)), self_weights, cross_weights)

    def forward(self, src, src_lengths, tgt_in):
        """Teacher-forced scores for every target position: (batch, tgt_len, vocab).
        Target padding needs no mask: it comes after a sentence's last token, and the
        causal mask already keeps every real position from looking ahead at it."""
        return self.decode_all(tgt_in, self.encode(src, src_lengths)).logits

    def decode_step(self, token, state):
        """Scores for the next token, (batch, vocab), after feeding ``token``."""
        tokens = torch.cat([state.tokens, token.unsqueeze(1)], dim=1)  # (batch, t)
        logits = self.decode_all(tokens, state).logits[:, -1]  # (batch, vocab)
        return logits, state._replace(tokens=tokens)


@torch.no_grad()
def attention_maps(model, src, src_lengths, tgt_in):
    """Every layer's and head's attention weights under teacher forcing, row j of the
    decoder's being the step that predicts target word j. A dict of tensors shaped
    (layers, heads, batch, rows, columns): "encoder" (source by source), "decoder"
    (masked self-attention: target by decoder input) and "cross" (target by
    source)."""
    model.eval()
    state, encoder = model.encode_all(src, src_lengths)
    decoded = model.decode_all(tgt_in, state)
    return {
        name: torch.stack(weights).transpose(1, 2)  # (layers, heads, batch, ...)
        for name, weights in [
            ("encoder", encoder),
            ("decoder", decoded.self_weights),
            ("cross", decoded.cross_weights),
        ]
    }


def cross_attention_weights(model, src, src_lengths, tgt_in):
    """Every decoder layer's cross-attention under teacher forcing:
    (layers, heads, batch, tgt_len, src_len)."""
    return attention_maps(model, src, src_lengths, tgt_in)["cross"]


def head_alignment_accuracy(model, triples, src_vocab, tgt_vocab):
    """For every layer and head, (layers, heads): the share of aligned target words
    whose most-attended source word is the gold one (chapter 5's alignment accuracy,
    head by head). ``triples`` are ``(source, target, alignment)`` of the grammar
    corpus; target words without an alignment are not counted."""
    device = next(model.parameters()).device
    src, src_lengths, tgt_in = encode_pairs(triples, src_vocab, tgt_vocab, device)
    # the most-attended source word: (layers, heads, batch, tgt_len)
    best = cross_attention_weights(model, src, src_lengths, tgt_in).argmax(dim=-1)
    gold = torch.full(tgt_in.shape, -1, device=device)  # (batch, tgt_len)
    for row, (_, _, alignment) in enumerate(triples):
        for j, i in enumerate(alignment):
            if i is not None:
                gold[row, j] = i
    aligned = gold >= 0
    return ((best == gold) & aligned).sum(dim=(-2, -1)) / aligned.sum()


def check_positions(positions):
    """Refuse an unknown kind of positions, in the reader's language."""
    if positions not in POSITIONS:
        raise ReaderError(
            ko=f"positions는 {', '.join(POSITIONS)} 가운데 하나여야 합니다 "
            f"(받은 값: {positions!r}).",
            en=f"positions must be one of {', '.join(POSITIONS)}, not {positions!r}.",
        )


def check_length(length, max_len):
    """Refuse a sequence longer than the model has positions for."""
    if length > max_len:
        raise ReaderError(
            ko=f"시퀀스 길이 {length}이(가) 모델의 최대 길이 {max_len}보다 깁니다.",
            en=f"A sequence of {length} tokens is longer than the model's maximum, "
            f"{max_len}.",
        )
