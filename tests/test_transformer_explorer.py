"""The Transformer explorer's data (attnlab.transformer_explorer, chapter 8): its
heatmaps are the model's attention weights, its page is self-contained and small, and
bad input gets a message. Its page in a browser is tested in
``test_explorer_pages.py``."""

import json
import re

import pytest
import torch
from conftest import tiny_transformer_explorer

from attnlab import ReaderError
from attnlab.alignment import encode_pairs
from attnlab.attention import AttentionSeq2Seq
from attnlab.transformer import attention_maps
from attnlab.transformer_explorer import KINDS, TransformerExplorer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def explorer():
    return tiny_transformer_explorer()


def test_heatmaps_hold_every_layers_and_heads_weights(explorer):
    for e, (source, target, alignment) in enumerate(explorer.examples):
        src, lengths, tgt_in = encode_pairs(
            [(source, target)], explorer.src_vocab, explorer.tgt_vocab
        )
        maps = attention_maps(explorer.model, src, lengths, tgt_in)
        n_src, n_tgt = len(source.split()) + 1, len(target.split()) + 1
        shapes = {"cross": (n_tgt, n_src), "decoder": (n_tgt, n_tgt)}
        shapes["encoder"] = (n_src, n_src)
        for kind in KINDS:
            held = torch.tensor(
                explorer.weights[kind][e]
            )  # (layers, heads, rows, cols)
            assert held.shape == (2, 4, *shapes[kind]), kind
            torch.testing.assert_close(held, maps[kind][:, :, 0], atol=6e-4, rtol=0)
            columns, rows, gold = explorer.labels[e][kind]
            assert (len(rows), len(columns)) == shapes[kind]
            assert (gold == list(alignment)) if kind == "cross" else gold is None
        assert explorer.labels[e]["decoder"][0][0] == "<sos>"


def test_static_view_has_a_heatmap_per_example_and_attention(explorer):
    html = explorer.to_html()
    views = re.findall(r'data-ax-view="([^"]+)"', html)
    assert views == [f"{e}-{k}" for e in range(3) for k in KINDS]
    assert len(html.encode("utf-8")) <= 300_000
    assert "<eos>" not in html  # escaped in the tables, \u003c in the JSON
    assert not re.search(r'src="https?://', html)
    for menu, count in [("layer", 2), ("head", 4), ("kind", 3), ("example", 3)]:
        options = re.search(rf'<select class="ax-{menu}">(.*?)</select>', html, re.S)
        assert options.group(1).count("<option") == count, menu
    payload = re.search(
        r'<script type="application/json" class="ax-data">(.*?)</script>', html, re.S
    )
    assert json.loads(payload.group(1))["weights"] == explorer.weights
    gold_cells = html.count("ax-cell ax-gold")
    aligned = sum(i is not None for _, _, a in explorer.examples for i in a)
    assert gold_cells == aligned  # outlined in the cross-attention views only


def test_a_typed_sentence_is_translated_and_its_attention_shown(explorer):
    source = explorer.examples[0][0]
    tokens, output, weights = explorer.decode_typed(source)
    assert tokens == source.split() + ["<eos>"]
    assert len(weights["cross"][1][3]) == len(output)  # a row per output token
    assert len(weights["cross"][1][3][0]) == len(tokens)
    box = explorer.widget()
    example, typed = box.children[1].children
    kind, layer, head = box.children[2].children
    message, pane = box.children[-2], box.children[-1]
    example.value = -1
    typed.value = source
    kind.value, layer.value, head.value = "encoder", 1, 2
    assert message.value == "" and "layer 2, head 3" in pane.value
    assert pane.value.count('<tr data-step="') == len(tokens)


def test_bad_input_gets_a_message_not_a_traceback(explorer):
    plain = AttentionSeq2Seq(5, 5, 4, 8)
    with pytest.raises(ReaderError, match="Transformer"):
        TransformerExplorer(plain, explorer.src_vocab, explorer.tgt_vocab, [])
    with pytest.raises(ReaderError, match="at least one example"):
        TransformerExplorer(explorer.model, explorer.src_vocab, explorer.tgt_vocab, [])
    box = explorer.widget()
    example, typed = box.children[1].children
    message, pane = box.children[-2], box.children[-1]
    example.value = -1
    assert "Type a Korean sentence" in message.value and pane.value == ""
    typed.value = " ".join(["고양이가"] * 41)
    assert "⚠" in message.value and "41 words" in message.value
    assert pane.value == ""
    typed.value = ""
    assert "⚠" not in message.value
