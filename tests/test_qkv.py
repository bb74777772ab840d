"""Query, key, value (chapter 6): soft lookup, scaled dot-product, multi-head attention.

Our implementations are compared with PyTorch's own, the temperature limit of the soft
lookup is checked, masking gives exactly zero weight, chapter 5's attention is
rewritten as Q, K, V, and bad shapes get a message that names them.
"""

import math
import re

import pytest
import torch
from conftest import copy_attention
from torch import nn
from torch.nn import functional as F

from attnlab import ReaderError, get_language, set_language
from attnlab.attention import AttentionDecoder
from attnlab.qkv import (
    MultiHeadAttention,
    attention,
    merge_heads,
    soft_lookup,
    split_heads,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def language():
    before = get_language()
    yield set_language
    set_language(before)


def test_attention_equals_torch_scaled_dot_product_attention():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8), torch.randn(2, 3, 7, 4)
    mask = torch.rand(2, 1, 5, 7) > 0.3
    mask[..., 0] = True  # every query may look somewhere
    for m in (None, mask):
        ours, weights = attention(q, k, v, mask=m)
        torch.testing.assert_close(
            ours, F.scaled_dot_product_attention(q, k, v, attn_mask=m)
        )
        torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 5))
    assert torch.all(weights[~mask.expand_as(weights)] == 0), "masked keys got weight"


def test_attention_weights_by_hand():
    q = torch.tensor([[1.0, 0.0]])
    k = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    v = torch.tensor([[10.0], [20.0]])
    output, weights = attention(q, k, v)
    e = [2 / math.sqrt(2), 0.0]
    expected = [math.exp(e[0]) / (math.exp(e[0]) + 1), 1 / (math.exp(e[0]) + 1)]
    torch.testing.assert_close(weights[0], torch.tensor(expected))
    torch.testing.assert_close(
        output[0, 0], torch.tensor(10 * expected[0] + 20 * expected[1])
    )


def test_soft_lookup_becomes_the_hard_lookup_as_the_temperature_goes_to_zero():
    keys = torch.eye(4)  # four unit keys
    values = torch.tensor([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0], [-3.0, 2.0]])
    query = torch.tensor([0.1, 0.2, 0.9, 0.3])  # most similar to key 2
    gaps = []
    for temperature in [10.0, 1.0, 0.1, 0.01]:
        answer, weights = soft_lookup(query, keys, values, temperature=temperature)
        gaps.append((answer - values[2]).abs().max().item())
        torch.testing.assert_close(weights.sum(), torch.tensor(1.0))
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 1e-6
    hot, weights = soft_lookup(query, keys, values, temperature=1e6)
    # every key equally
    torch.testing.assert_close(hot, values.mean(0), atol=1e-4, rtol=0)


def test_multi_head_attention_equals_torch_multihead_attention():
    torch.manual_seed(1)
    ours = MultiHeadAttention(embed_size=12, heads=3)
    theirs = nn.MultiheadAttention(12, 3, batch_first=True)
    copy_attention(ours, theirs)
    x = torch.randn(2, 6, 12)
    memory = torch.randn(2, 4, 12)
    # torch: True = ignore
    padding = torch.tensor([[False, False, False, True], [False, False, True, True]])
    ours.eval(), theirs.eval()
    with torch.no_grad():
        # ours: True = look
        out, weights = ours(x, memory, memory, mask=~padding[:, None, :])
        expected, expected_weights = theirs(
            x, memory, memory, key_padding_mask=padding, average_attn_weights=False
        )
        torch.testing.assert_close(out, expected)
        torch.testing.assert_close(weights, expected_weights)
        self_out, _ = ours(x, x, x)  # self-attention: Q, K and V from one sequence
        torch.testing.assert_close(self_out, theirs(x, x, x)[0])
    assert torch.all(weights[1, :, :, 2:] == 0)


def test_split_and_merge_are_inverse():
    x = torch.randn(3, 5, 8)
    assert split_heads(x, 4).shape == (3, 4, 5, 2)
    torch.testing.assert_close(merge_heads(split_heads(x, 4)), x)
    # head 1 owns numbers 2-3
    torch.testing.assert_close(split_heads(x, 4)[:, 1], x[..., 2:4])


def test_self_attention_without_positions_is_permutation_equivariant():
    torch.manual_seed(3)
    layer = MultiHeadAttention(embed_size=8, heads=2)
    x = torch.randn(2, 6, 8)
    order = torch.randperm(6)
    with torch.no_grad():
        out, weights = layer(x, x, x)
        shuffled, shuffled_weights = layer(x[:, order], x[:, order], x[:, order])
    torch.testing.assert_close(shuffled, out[:, order])
    torch.testing.assert_close(shuffled_weights, weights[:, :, order][:, :, :, order])
    # a query sees itself and earlier keys
    causal = torch.tril(torch.ones(6, 6, dtype=torch.bool))
    with torch.no_grad():
        masked, masked_weights = layer(x, x, x, mask=causal)
    assert torch.all(masked_weights.triu(diagonal=1) == 0)
    torch.testing.assert_close(
        masked[:, 0], layer.to_output(layer.to_value(x[:, :1]))[:, 0]
    )


@pytest.mark.parametrize("score", ["dot", "general"])
def test_chapter_5_attention_is_qkv_attention(score):
    torch.manual_seed(2)
    decoder = AttentionDecoder(vocab_size=9, embed_size=4, hidden_size=6, score=score)
    memory = torch.randn(2, 5, 6)
    mask = torch.tensor([[True] * 5, [True] * 3 + [False] * 2])
    with torch.no_grad():
        keys = decoder.score.prepare(memory)
        embedded = decoder.embedding(torch.tensor([1, 2]))  # (batch, embed)
        _, s, context, weights = decoder(
            embedded, torch.randn(2, 6), torch.zeros(2, 6), keys, memory, mask
        )
        # Q = decoder state, K = prepared encoder states, V = encoder states.
        # Chapter 5 does not divide by √d, so the query is multiplied by √d to
        # cancel the division.
        value, qkv_weights = attention(
            s.unsqueeze(1) * math.sqrt(6), keys, memory, mask=mask.unsqueeze(1)
        )
    torch.testing.assert_close(qkv_weights.squeeze(1), weights)
    torch.testing.assert_close(value.squeeze(1), context)


@pytest.mark.parametrize(
    "lang,words",
    [
        ("en", ["query", "key", "(2, 3, 4)", "(2, 5, 6)"]),
        ("ko", ["쿼리", "키", "(2, 3, 4)", "(2, 5, 6)"]),
    ],
)
def test_query_and_key_of_different_dimensions_are_refused_by_name(
    language, lang, words
):
    language(lang)
    with pytest.raises(ReaderError) as info:
        attention(torch.zeros(2, 3, 4), torch.zeros(2, 5, 6), torch.zeros(2, 5, 6))
    assert all(word in str(info.value) for word in words), str(info.value)


def test_keys_and_values_of_different_lengths_are_refused(language):
    language("en")
    with pytest.raises(
        ReaderError, match=r"as many values as keys.*\(2, 5, 4\).*\(2, 6, 4\)"
    ):
        attention(torch.zeros(2, 3, 4), torch.zeros(2, 5, 4), torch.zeros(2, 6, 4))


def test_a_mask_of_the_wrong_shape_is_refused(language):
    language("en")
    with pytest.raises(ReaderError, match=r"mask \(2, 3, 4\).*\(2, 3, 5\)"):
        attention(
            torch.zeros(2, 3, 4),
            torch.zeros(2, 5, 4),
            torch.zeros(2, 5, 4),
            mask=torch.ones(2, 3, 4, dtype=torch.bool),
        )
    language("ko")
    with pytest.raises(ReaderError, match="마스크"):
        attention(
            torch.zeros(2, 3, 4),
            torch.zeros(2, 5, 4),
            torch.zeros(2, 5, 4),
            mask=torch.ones(7, dtype=torch.bool),
        )


def test_heads_must_divide_the_embedding(language):
    language("en")
    with pytest.raises(ReaderError, match="divisible"):
        MultiHeadAttention(embed_size=10, heads=3)


# ------------------------------------------------------------ dictionary playground

from attnlab.explorer import STATIC_ENV  # noqa: E402
from attnlab.playground import DictionaryPlayground, lookup  # noqa: E402

ENTRIES = {
    "cat": ((-0.7, -0.3), 48),
    "car": ((0.7, 0.2), 150),
    "<b>x</b>": ((0.1, 0.9), 10),
}


def test_playground_lookup_is_the_soft_lookup():
    keys = [k for k, _ in ENTRIES.values()]
    values = [v for _, v in ENTRIES.values()]
    scores, weights, answer = lookup((0.5, -0.2), keys, values, temperature=0.3)
    expected, expected_weights = soft_lookup(
        torch.tensor([0.5, -0.2]),
        torch.tensor(keys),
        torch.tensor(values, dtype=torch.float),
        temperature=0.3,
    )
    assert answer == pytest.approx(expected.item()) and weights == pytest.approx(
        expected_weights.tolist()
    )
    assert scores == pytest.approx([(0.5 * x - 0.2 * y) / 0.3 for x, y in keys])


def test_playground_refuses_a_zero_temperature_and_an_empty_dictionary(language):
    language("en")
    with pytest.raises(ReaderError, match="temperature"):
        lookup((0, 0), [(1, 0)], [1.0], temperature=0)
    with pytest.raises(ReaderError):
        DictionaryPlayground({})


def test_playground_static_view_is_small_escaped_and_carries_its_data():
    html = DictionaryPlayground(ENTRIES, unit="km/h").to_html()
    assert len(html.encode("utf-8")) < 300_000 and 'data-explorer="playground"' in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert html.count("<tr data-key=") == 3 and html.count("<circle") == 3
    for control in ("ax-qx", "ax-qy", "ax-temp"):
        assert f'class="{control}"' in html


def test_playground_widget_follows_its_sliders(language, monkeypatch):
    language("en")
    monkeypatch.delenv(STATIC_ENV, raising=False)
    view = DictionaryPlayground(ENTRIES, query=(0.0, 0.0), temperature=1.0).widget()
    sliders = [
        w
        for box in view.children
        for w in getattr(box, "children", ())
        if type(w).__name__ == "FloatSlider"
    ]
    jump = [
        w
        for box in view.children
        for w in getattr(box, "children", ())
        if type(w).__name__ == "Dropdown"
    ][0]
    pane = view.children[-1]
    start = pane.value
    assert "retrieved value" in start
    sliders[0].value = 0.7
    assert pane.value != start
    jump.value = 0  # move the query onto the cat's key
    assert (sliders[0].value, sliders[1].value) == (-0.7, -0.3) and jump.value == -1
    sliders[2].value = 0.02  # a cold softmax: the hard lookup
    answer = re.search(r'ax-answer-value">([\d.]+)<', pane.value).group(1)
    assert float(answer) == pytest.approx(48, abs=0.01)
