"""Query, key, value: attention as a soft dictionary lookup (chapter 6).

Written out and explained in chapter 6. A Python ``dict`` answers a query with the
value of the one key equal to it; attention answers with a mixture of all the values,
weighted by how similar the query is to each key (Vaswani et al. 2017):

    attention(Q, K, V) = softmax(Q Kᵀ / √d) V.

Masks follow ``torch.nn.functional.scaled_dot_product_attention``: a boolean mask is
True where a query may look at a key. (``torch.nn.MultiheadAttention``'s
``key_padding_mask`` uses the opposite convention: True means "ignore".)
"""

import math

import torch
from torch import nn

from attnlab.i18n import ReaderError


def shape(tensor):
    return tuple(tensor.shape)


def check_shapes(query, key, value, mask=None):
    """Refuse tensors whose shapes do not fit together, naming the shapes."""
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise ReaderError(
            ko="쿼리, 키, 값은 (…, 길이, 차원) 모양이어야 합니다: "
            f"query {shape(query)}, key {shape(key)}, value {shape(value)}.",
            en="query, key and value must be shaped (..., length, dim): "
            f"query {shape(query)}, key {shape(key)}, value {shape(value)}.",
        )
    if query.size(-1) != key.size(-1):
        raise ReaderError(
            ko="쿼리와 키의 마지막 차원이 같아야 내적을 할 수 있습니다: "
            f"query {shape(query)}, key {shape(key)} "
            f"({query.size(-1)} ≠ {key.size(-1)}).",
            en=f"query and key need the same last dimension for a dot product: query "
            f"{shape(query)}, key {shape(key)} ({query.size(-1)} ≠ {key.size(-1)}).",
        )
    if key.size(-2) != value.size(-2):
        raise ReaderError(
            ko="키와 값의 개수가 같아야 합니다: "
            f"key {shape(key)}, value {shape(value)} "
            f"({key.size(-2)} ≠ {value.size(-2)}).",
            en="there must be as many values as keys: "
            f"key {shape(key)}, value {shape(value)} "
            f"({key.size(-2)} ≠ {value.size(-2)}).",
        )
    scores = query.shape[:-1] + key.shape[-2:-1]  # (..., q_len, k_len)
    try:
        torch.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
        if mask is not None and torch.broadcast_shapes(mask.shape, scores) != scores:
            raise RuntimeError
    except RuntimeError:
        mask_text = "" if mask is None else f", mask {shape(mask)}"
        raise ReaderError(
            ko=f"모양이 맞지 않습니다: query {shape(query)}, key {shape(key)}, value "
            f"{shape(value)}{mask_text}. "
            f"마스크는 (…, 쿼리 길이, 키 길이) = {tuple(scores)}에 "
            "맞춰 늘일 수 있어야 합니다.",
            en=f"shapes do not fit: query {shape(query)}, key {shape(key)}, value "
            f"{shape(value)}{mask_text}. "
            f"A mask must broadcast to (..., q_len, k_len) = {tuple(scores)}.",
        ) from None


def soft_lookup(query, keys, values, temperature=1.0):
    """A dictionary lookup in which every key answers a little.

    query (dim,), keys (n, dim), values (n,) or (n, value_dim): the similarity of the
    query to each key, divided by ``temperature``, goes through a softmax; the answer is
    the weighted sum of the values. Returns (answer (value_dim,) or (), weights (n,)).
    """
    check_shapes(query.unsqueeze(0), keys, values.reshape(len(values), -1))
    scores = keys @ query / temperature  # (n,)
    weights = torch.softmax(scores, dim=-1)  # (n,)
    return weights @ values, weights


def attention(query, key, value, mask=None):
    """Scaled dot-product attention, softmax(Q Kᵀ / √d) V, for batches of any shape.

    query (..., q_len, d), key (..., k_len, d), value (..., k_len, d_v); ``mask`` is
    boolean, broadcastable to (..., q_len, k_len), True where a query may look.
    Returns (output (..., q_len, d_v), weights (..., q_len, k_len)).
    """
    check_shapes(query, key, value, mask)
    d = query.size(-1)
    scores = query @ key.transpose(-2, -1) / math.sqrt(d)  # (..., q_len, k_len)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # (..., q_len, k_len)
    return weights @ value, weights  # (..., q_len, d_v)


def check_heads(embed_size, heads):
    """Refuse an embedding that does not split evenly into ``heads`` parts."""
    if embed_size % heads:
        raise ReaderError(
            ko=f"embed_size({embed_size})는 heads({heads})로 나누어떨어져야 합니다.",
            en=f"embed_size ({embed_size}) must be divisible by heads ({heads}).",
        )


def split_heads(x, heads):
    """(batch, length, embed) → (batch, heads, length, embed / heads)."""
    batch, length, embed = x.shape
    return x.view(batch, length, heads, embed // heads).transpose(1, 2)


def merge_heads(x):
    """(batch, heads, length, head_size) → (batch, length, heads × head_size)."""
    batch, heads, length, head_size = x.shape
    return x.transpose(1, 2).reshape(batch, length, heads * head_size)


class MultiHeadAttention(nn.Module):
    """Several attentions side by side, each on its own slice of a projected space
    (Vaswani et al. 2017). Inputs are (batch, length, embed)."""

    def __init__(self, embed_size, heads):
        super().__init__()
        check_heads(embed_size, heads)
        self.heads = heads
        self.to_query = nn.Linear(embed_size, embed_size)
        self.to_key = nn.Linear(embed_size, embed_size)
        self.to_value = nn.Linear(embed_size, embed_size)
        self.to_output = nn.Linear(embed_size, embed_size)

    def forward(self, query, key, value, mask=None):
        """(output (batch, q_len, embed), weights (batch, heads, q_len, k_len))."""
        q = split_heads(self.to_query(query), self.heads)  # (batch, heads, q_len, head)
        k = split_heads(self.to_key(key), self.heads)  # (batch, heads, k_len, head)
        v = split_heads(self.to_value(value), self.heads)  # (batch, heads, k_len, head)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)  # the same mask for every head
        output, weights = attention(q, k, v, mask)  # (batch, heads, q_len, head)
        return self.to_output(merge_heads(output)), weights
