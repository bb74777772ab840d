"""Attention read as alignment, and the alignment explorer (chapter 5).

One attention step recomputed by hand, the collection of weights, alignment accuracy
against known answers, the heatmap figure, and both views of the explorer, including
bad input typed by a reader.
"""

import copy
import json
import re
import types

import matplotlib
import pytest
import torch
from matplotlib import pyplot as plt
from matplotlib.patches import Rectangle
from torch import nn
from torch.nn import functional as F

from attnlab import ReaderError, get_language, set_language
from attnlab.alignment import (
    alignment_accuracy,
    attention_weights,
    encode_pairs,
    erasure_effects,
    korean_glosses,
    plot_alignment,
)
from attnlab.alignment_explorer import (
    AlignmentExplorer,
    describe_context,
    heatmap_table,
)
from attnlab.attention import (
    AdditiveScore,
    AttentionDecoder,
    AttentionSeq2Seq,
    BahdanauDecoder,
    GeneralScore,
)
from attnlab.diagrams import draw_attention_decoder
from attnlab.explorer import STATIC_ENV
from attnlab.grammar import make_grammar_pairs
from attnlab.plotting import use_book_style
from attnlab.vocab import PAD, SOS, Vocab

pytestmark = pytest.mark.usefixtures("one_torch_thread")
matplotlib.use("Agg")


@pytest.fixture(scope="module")
def corpus():
    triples = make_grammar_pairs(300, seed=3, max_len=12)
    src_vocab = Vocab([k for k, _, _ in triples], words=True)
    tgt_vocab = Vocab([e for _, e, _ in triples], words=True)
    return types.SimpleNamespace(
        triples=triples, src_vocab=src_vocab, tgt_vocab=tgt_vocab
    )


def small_model(corpus, score="general", seed=0):
    torch.manual_seed(seed)
    return AttentionSeq2Seq(
        len(corpus.src_vocab),
        len(corpus.tgt_vocab),
        embed_size=8,
        hidden_size=16,
        bidirectional=True,
        score=score,
    ).eval()


@pytest.fixture
def language():
    before = get_language()
    yield set_language
    set_language(before)


# ------------------------------------------------------------- one step by hand


def gru_by_hand(cell, x, h):
    """One GRUCell step written out (PyTorch's gate order: reset, update, new)."""
    r_i, z_i, n_i = (cell.weight_ih @ x + cell.bias_ih).chunk(3)
    r_h, z_h, n_h = (cell.weight_hh @ h + cell.bias_hh).chunk(3)
    r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
    n = torch.tanh(n_i + r * n_h)
    return (1 - z) * n + z * h


def score_by_hand(score, name, state, h):
    """The scores of the real encoder states h (n, hidden) against one decoder state."""
    if name == "dot":
        return h @ state
    if name == "general":
        return (h @ score.W.weight.T) @ state
    mixed = torch.tanh(state @ score.W_q.weight.T + h @ score.W_k.weight.T)
    return mixed @ score.v.weight[0]


@pytest.mark.parametrize("score", ["dot", "general", "additive"])
def test_one_luong_step_by_hand_equals_the_module(score):
    torch.manual_seed(0)
    decoder = AttentionDecoder(vocab_size=7, embed_size=3, hidden_size=4, score=score)
    memory = torch.randn(2, 5, 4)  # (batch, src_len, hidden)
    mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
    tokens, previous, feed = torch.tensor([1, 2]), torch.randn(2, 4), torch.randn(2, 4)
    with torch.no_grad():
        tilde_t, s, c, a = decoder(
            decoder.embedding(tokens),
            previous,
            feed,
            decoder.score.prepare(memory),
            memory,
            mask,
        )
        for b in range(2):
            n = int(mask[b].sum())
            h = memory[b, :n]  # the real encoder states
            # s_t = GRU([y_{t-1}; h~_{t-1}], s_{t-1}): input feeding
            x = torch.cat([decoder.embedding.weight[tokens[b]], feed[b]])
            torch.testing.assert_close(s[b], gru_by_hand(decoder.cell, x, previous[b]))
            # scored with the new state s_t
            e = score_by_hand(decoder.score, score, s[b], h)
            weights = torch.exp(e) / torch.exp(e).sum()
            context = weights @ h
            joined = torch.cat([context, s[b]])
            tilde = torch.tanh(decoder.combine.weight @ joined + decoder.combine.bias)
            torch.testing.assert_close(a[b, :n], weights)
            assert torch.all(a[b, n:] == 0)
            torch.testing.assert_close(c[b], context)
            torch.testing.assert_close(tilde_t[b], tilde)


@pytest.mark.parametrize("score", ["additive", "general"])
def test_one_bahdanau_step_by_hand_equals_the_module(score):
    torch.manual_seed(0)
    decoder = BahdanauDecoder(vocab_size=7, embed_size=3, hidden_size=4, score=score)
    memory = torch.randn(2, 5, 4)  # (batch, src_len, hidden)
    mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
    tokens, previous = torch.tensor([1, 2]), torch.randn(2, 4)
    with torch.no_grad():
        out, s, c, a = decoder(
            decoder.embedding(tokens),
            previous,
            torch.randn(2, 4),
            decoder.score.prepare(memory),
            memory,
            mask,
        )
        for b in range(2):
            n = int(mask[b].sum())
            h = memory[b, :n]
            # scored with s_{t-1}
            e = score_by_hand(decoder.score, score, previous[b], h)
            weights = torch.exp(e) / torch.exp(e).sum()
            context = weights @ h
            torch.testing.assert_close(a[b, :n], weights)
            assert torch.all(a[b, n:] == 0)
            torch.testing.assert_close(a[b].sum(), torch.tensor(1.0))
            torch.testing.assert_close(c[b], context)
            y = decoder.embedding.weight[tokens[b]]
            # c_t goes in
            s_t = gru_by_hand(decoder.cell, torch.cat([y, context]), previous[b])
            torch.testing.assert_close(s[b], s_t)
            t_t = torch.tanh(
                decoder.readout.weight @ torch.cat([s_t, context, y])
                + decoder.readout.bias
            )
            torch.testing.assert_close(out[b], t_t)


def test_bahdanau_weights_read_the_previous_state_and_luong_the_new_one():
    """A different word fed in moves Luong's weights (s_t reads it), not Bahdanau's."""
    torch.manual_seed(0)
    memory = torch.randn(2, 5, 4)
    mask = torch.ones(2, 5, dtype=torch.bool)
    previous, feed = torch.randn(2, 4), torch.randn(2, 4)
    for decoder_class, moves in [(BahdanauDecoder, False), (AttentionDecoder, True)]:
        decoder = decoder_class(
            vocab_size=7, embed_size=3, hidden_size=4, score="additive"
        )
        keys = decoder.score.prepare(memory)
        with torch.no_grad():
            *_, a1 = decoder(
                decoder.embedding(torch.tensor([1, 2])),
                previous,
                feed,
                keys,
                memory,
                mask,
            )
            *_, a2 = decoder(
                decoder.embedding(torch.tensor([5, 6])),
                previous,
                feed,
                keys,
                memory,
                mask,
            )
        assert (not torch.allclose(a1, a2)) == moves, decoder_class.__name__


@pytest.mark.parametrize("decoder", ["luong", "bahdanau"])
def test_attention_seq2seq_steps_feed_and_logits(corpus, decoder):
    torch.manual_seed(0)
    model = AttentionSeq2Seq(
        len(corpus.src_vocab),
        len(corpus.tgt_vocab),
        embed_size=8,
        hidden_size=16,
        bidirectional=True,
        decoder=decoder,
    ).eval()
    expected = {
        "luong": (AttentionDecoder, GeneralScore),
        "bahdanau": (BahdanauDecoder, AdditiveScore),
    }[decoder]
    assert isinstance(model.decoder, expected[0]) and isinstance(
        model.decoder.score, expected[1]
    )
    src, src_lengths, tgt_in = encode_pairs(
        corpus.triples[:4], corpus.src_vocab, corpus.tgt_vocab
    )
    with torch.no_grad():
        state = model.encode(src, src_lengths)
        assert torch.equal(state.feed, torch.zeros(4, 16))  # h~_0 = 0
        output, hidden, _, weights = model.decoder(
            model.decoder.embedding(tgt_in[:, 0]),
            state.hidden,
            state.feed,
            state.keys,
            state.memory,
            state.mask,
        )
        logits, after = model.decode_step(tgt_in[:, 0], state)
    torch.testing.assert_close(logits, model.decoder.out(output))
    torch.testing.assert_close(after.feed, output)
    torch.testing.assert_close(after.hidden, hidden)
    torch.testing.assert_close(after.weights, weights)
    torch.testing.assert_close(after.weights.sum(-1), torch.ones(4))
    assert (after.weights[~state.mask] == 0).all()


# ------------------------------------------------------------ collecting weights


def test_encode_pairs_keeps_the_order_and_shifts_the_target(corpus):
    pairs = corpus.triples[:5]
    src, src_lengths, tgt_in = encode_pairs(pairs, corpus.src_vocab, corpus.tgt_vocab)
    for b, (korean, english, _) in enumerate(pairs):
        n = len(korean.split()) + 1  # with <eos>
        assert src_lengths[b] == n and src[b, :n].tolist() == corpus.src_vocab.encode(
            korean
        )
        assert torch.all(src[b, n:] == PAD)
        words = english.split()
        assert tgt_in[b, 0] == SOS
        assert (
            tgt_in[b, 1 : len(words) + 1].tolist()
            == corpus.tgt_vocab.encode(english)[:-1]
        )


def test_attention_weights_one_row_per_target_token_summing_to_one(corpus):
    model = small_model(corpus)
    pairs = corpus.triples[:8]
    src, src_lengths, tgt_in = encode_pairs(pairs, corpus.src_vocab, corpus.tgt_vocab)
    weights = attention_weights(model, src, src_lengths, tgt_in)
    assert weights.shape == (8, tgt_in.size(1), src.size(1))
    for b, n in enumerate(src_lengths.tolist()):
        torch.testing.assert_close(
            weights[b, :, :n].sum(-1), torch.ones(tgt_in.size(1))
        )
        assert torch.all(weights[b, :, n:] == 0), "padding got weight"


class OneHot(nn.Module):
    """A stand-in model: step t puts all its weight on source position where(t, n)."""

    def __init__(self, where):
        super().__init__()
        self.where = where
        self.dummy = nn.Parameter(torch.zeros(1))  # something to find the device with
        self.decoder = types.SimpleNamespace(
            embedding=lambda tokens: tokens.unsqueeze(-1), out=lambda outputs: outputs
        )

    def encode(self, src, src_lengths):
        return types.SimpleNamespace(
            t=0, lengths=src_lengths.tolist(), weights=None, src_len=src.size(1)
        )

    def step(self, embedded, state):
        weights = torch.zeros(embedded.size(0), state.src_len)
        for b, n in enumerate(state.lengths):
            weights[b, min(max(self.where(state.t, n), 0), n - 1)] = 1.0
        return embedded, types.SimpleNamespace(
            t=state.t + 1, lengths=state.lengths, weights=weights, src_len=state.src_len
        )


def test_alignment_accuracy_is_one_for_the_gold_and_counts_misses(corpus):
    triples = [("a b c", "x y z", (2, 1, 0)), ("a b", "x y w", (1, None, 0))]
    src_vocab = Vocab(["a b c"], words=True)
    tgt_vocab = Vocab(["x y z w"], words=True)
    reverse = OneHot(lambda t, n: n - 2 - t)  # last word first (n counts <eos>)
    assert alignment_accuracy(reverse, triples, src_vocab, tgt_vocab) == 1.0
    diagonal = OneHot(lambda t, n: t)
    # sentence 1: gold 2,1,0 vs 0,1,2 -> 1 right of 3;
    # sentence 2: gold 1,-,0 vs 0,-,2 -> 0 of 2
    assert alignment_accuracy(diagonal, triples, src_vocab, tgt_vocab) == pytest.approx(
        1 / 5
    )
    assert alignment_accuracy(
        diagonal, triples, src_vocab, tgt_vocab, batch_size=1
    ) == pytest.approx(1 / 5)


def test_plot_alignment_labels_tokens_and_boxes_the_gold():
    use_book_style()  # a font with Korean glyphs
    fig, ax = plt.subplots()
    plot_alignment(
        torch.tensor([[0.9, 0.1], [0.2, 0.8]]),
        ["고양이가", "<eos>"],
        ["cat", "<eos>"],
        gold=[0, None],
        ax=ax,
        title="t",
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["고양이가", "<eos>"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cat", "<eos>"]
    boxes = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert [(b.get_x(), b.get_y()) for b in boxes] == [(0, 0)]
    plt.close(fig)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_plot_alignment_shows_spaces_glosses_in_english_and_never_turns_korean_by_90(
    language, lang
):
    use_book_style()
    language(lang)
    fig, axes = plt.subplots(1, 2)
    plot_alignment(
        torch.full((2, 3), 1 / 3),
        ["고양이를", "본다", "<eos>"],
        ["sees", "<eos>"],
        ax=axes[0],
        glosses=True,
    )
    plot_alignment(
        torch.full((2, 3), 1 / 3), ["1", " ", "<eos>"], ["a b", "<eos>"], ax=axes[1]
    )
    words = [t.get_text() for t in axes[0].get_xticklabels()]
    if lang == "en":  # glosses only in the English edition
        assert words == ["고양이를 (cat-OBJ)", "본다 (sees)", "<eos>"]
    else:
        assert words == ["고양이를", "본다", "<eos>"]
    assert [t.get_rotation() for t in axes[0].get_xticklabels()] == [45.0] * 3
    assert [t.get_text() for t in axes[1].get_xticklabels()] == ["1", "␣", "<eos>"]
    # short: level
    assert [t.get_rotation() for t in axes[1].get_xticklabels()] == [0.0] * 3
    assert [t.get_text() for t in axes[1].get_yticklabels()] == ["a␣b", "<eos>"]
    plt.close(fig)


def test_korean_glosses_cover_every_word_of_the_grammar_corpus():
    glosses = korean_glosses()
    words = {
        w for korean, _, _ in make_grammar_pairs(500, seed=1) for w in korean.split()
    }
    assert words <= set(glosses)
    assert glosses["고양이가"] == "cat-SUBJ" and glosses["보고"] == "sees-and"
    assert glosses["월"] == "month"


def test_attention_decoder_diagram_joins_every_encoder_state_to_every_step(language):
    language("en")
    fig, ax = plt.subplots()
    draw_attention_decoder(["나는", "고양이를", "<eos>"], ["I", "like"], ax=ax)
    assert len(ax.lines) == 3 * 3  # 3 encoder states x 3 decoder steps (I, like, <eos>)
    texts = {t.get_text() for t in ax.texts}
    assert {"나는", "고양이를", "I", "like", "<sos>", "decoder", "attention"} <= texts
    language("ko")
    fig2, ax2 = plt.subplots()
    draw_attention_decoder(["나는"], ["I"], ax=ax2)
    assert {"디코더", "어텐션"} <= {t.get_text() for t in ax2.texts}
    plt.close(fig)
    plt.close(fig2)


# ------------------------------------------------------------------ the explorer


@pytest.fixture(scope="module")
def explorer(corpus):
    runs = {}
    for score in ["dot", "general"]:
        model = small_model(corpus, score)
        first = copy.deepcopy(model.state_dict())
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.5 * torch.randn_like(p))
        runs[score] = (model, [(0, first), (10, copy.deepcopy(model.state_dict()))])
    examples = sorted(corpus.triples, key=lambda t: len(t[0]))[::60][:4]
    return AlignmentExplorer(runs, corpus.src_vocab, corpus.tgt_vocab, examples)


def test_explorer_precomputes_every_score_checkpoint_and_example(explorer):
    for score in ["dot", "general"]:
        assert len(explorer.weights[score]) == 2
        for c in range(2):
            for e, matrix in enumerate(explorer.weights[score][c]):
                assert len(matrix) == len(explorer.target_tokens[e])
                for row in matrix:
                    assert len(row) == len(explorer.source_tokens[e])
                    assert sum(row) == pytest.approx(1, abs=0.01)
    # the checkpoints differ, so their weights do
    assert explorer.weights["dot"][0] != explorer.weights["dot"][1]


def test_static_view_is_self_contained_and_small(explorer, monkeypatch):
    html = explorer.to_html()
    assert len(html.encode("utf-8")) <= 300_000
    assert 'data-explorer="alignment"' in html and "ax-show-gold" in html
    assert not re.search(r'src="https?://', html) and "require" not in html
    data = json.loads(
        re.search(
            r'<script type="application/json" class="ax-data">(.*?)</script>',
            html,
            re.S,
        ).group(1)
    )
    assert data["steps"] == [0, 10] and set(data["weights"]) == {"dot", "general"}
    assert html.count("<table") == 4  # one heatmap per example, readable with JS off
    gold_cells = html.count('ax-gold"')
    assert gold_cells == sum(
        i is not None for _, _, gold in explorer.examples for i in gold
    )


def test_static_view_escapes_text(corpus):
    model = small_model(corpus)
    state = copy.deepcopy(model.state_dict())
    nasty = (
        "<script>alert(1)</script> 그",
        "a <b>bold</b> cat",
        (None, None, None, None),
    )
    explorer = AlignmentExplorer(
        {"general": (model, [(0, state)])}, corpus.src_vocab, corpus.tgt_vocab, [nasty]
    )
    html = explorer.to_html()
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html


def test_heatmap_table_marks_gold_and_current_row_and_titles_weights():
    html = heatmap_table(
        [[0.9, 0.1], [0.25, 0.75]],
        ["고양이가", "<eos>"],
        ["cat", "<eos>"],
        gold=[0, None],
        step=1,
    )
    assert html.count('class="ax-cell ax-gold"') == 1
    assert 'title="&lt;eos&gt; → &lt;eos&gt;: 0.750"' in html
    assert re.search(r'<tr data-step="1" class="ax-current">', html)
    line = describe_context([0.1, 0.7, 0.2], ["그", "고양이가", "<eos>"], "cat", top=2)
    assert (
        "0.70 × h<sub>2</sub>(고양이가) + 0.20 × h<sub>3</sub>(&lt;eos&gt;) + …" in line
    )


def test_display_in_static_mode_is_html_and_creates_no_widget(explorer, monkeypatch):
    import ipywidgets
    from IPython.core.interactiveshell import InteractiveShell  # noqa: F401

    shown = []
    monkeypatch.setenv(STATIC_ENV, "1")
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    monkeypatch.setattr(
        ipywidgets.Widget, "__init__", lambda *a, **k: pytest.fail("a widget was made")
    )
    explorer._ipython_display_()
    assert len(shown) == 1 and 'data-explorer="alignment"' in shown[0].data


def find(widget, kind, description=None):
    """The first child widget of a type (and description) in a widget tree."""
    children = getattr(widget, "children", ())
    for child in children:
        if type(child).__name__ == kind and (
            description is None or child.description == description
        ):
            return child
        found = find(child, kind, description)
        if found is not None:
            return found
    return None


def test_widget_steps_checkpoints_scores_and_gold(explorer, language):
    language("en")
    view = explorer.widget()
    pane = [w for w in view.children if type(w).__name__ == "HTML"][-1]
    step = find(view, "IntSlider")
    checkpoint = find(view, "SelectionSlider")
    gold = find(view, "Checkbox")
    score = find(view, "ToggleButtons")
    assert (
        'class="ax-current"' in pane.value
        and 'data-step="0" class="ax-current"' in pane.value
    )
    step.value = 2
    assert 'data-step="2" class="ax-current"' in pane.value
    before = pane.value
    checkpoint.value = 0
    assert pane.value != before  # other weights, other colours
    assert "ax-show-gold" in pane.value
    gold.value = False
    assert "ax-show-gold" not in pane.value
    score.value = "dot"
    assert pane.value


@pytest.mark.parametrize(
    "lang,text,expected",
    [
        ("en", "", None),
        ("en", "   ", "empty"),
        ("ko", "   ", "빈 문장"),
        ("en", "xyz qqq", "knows none"),
        ("ko", "xyz qqq", "하나도 없습니다"),
        ("en", "그 " * 250, "too long"),
        ("ko", "그 " * 250, "너무 깁니다"),
        ("en", "그 고양이가 " * 25, "at most 40"),
        ("ko", "그 고양이가 " * 25, "40단어"),
    ],
    ids=[
        "nothing-yet",
        "blank-en",
        "blank-ko",
        "unknown-en",
        "unknown-ko",
        "500-chars-en",
        "500-chars-ko",
        "50-words-en",
        "50-words-ko",
    ],
)
def test_typed_bad_input_gives_a_message_and_the_widget_lives_on(
    explorer, language, lang, text, expected
):
    language(lang)
    view = explorer.widget()
    htmls = [w for w in view.children if type(w).__name__ == "HTML"]
    message, pane = htmls[-2], htmls[-1]
    example = find(view, "Dropdown")
    typed = find(view, "Text")
    example.value = -1
    typed.value = text
    if expected is None:  # nothing typed yet: a hint, not an error
        assert pane.value == "" and "⚠" not in message.value and message.value
    else:
        assert expected in message.value and "⚠" in message.value and pane.value == ""
    typed.value = "그 고양이가 개를 본다"  # a good sentence afterwards still works
    assert "<table" in pane.value and "⚠" not in message.value


def test_typed_sentence_is_decoded_with_its_own_heatmap(explorer, language):
    language("en")
    source, output, rows = explorer.decode_typed("그 고양이가 개를 본다", "general", 1)
    assert source == ["그", "고양이가", "개를", "본다", "<eos>"]
    assert len(rows) == len(output) >= 1
    for row in rows:
        assert len(row) == len(source) and sum(row) == pytest.approx(1, abs=0.01)
    with_unknown = explorer.decode_typed("그 고양이가 zebra를 본다", "general", 1)[0]
    assert "<unk>" in with_unknown


def test_typed_text_is_escaped_in_the_widget(explorer, language):
    language("en")
    view = explorer.widget()
    htmls = [w for w in view.children if type(w).__name__ == "HTML"]
    find(view, "Dropdown").value = -1
    find(view, "Text").value = "그 고양이가 <img src=x onerror=alert(1)>"
    assert "<img src=x" not in htmls[-1].value and "<img src=x" not in htmls[-2].value


def test_explorer_refuses_mismatched_checkpoints(corpus):
    model = small_model(corpus)
    state = copy.deepcopy(model.state_dict())
    with pytest.raises(ReaderError):
        AlignmentExplorer(
            {"dot": (model, [(0, state)]), "general": (model, [(5, state)])},
            corpus.src_vocab,
            corpus.tgt_vocab,
            corpus.triples[:1],
        )
    with pytest.raises(ReaderError):
        AlignmentExplorer({}, corpus.src_vocab, corpus.tgt_vocab, corpus.triples[:1])


# ------------------------------------------------------------ erasing a source word


class Copy(torch.nn.Module):
    """Predicts target word j as a copy of source word j (one shared vocabulary): only
    source word j matters for it, whatever any attention says."""

    def __init__(self, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size
        self.anchor = torch.nn.Parameter(torch.zeros(()))  # gives the model a device

    def forward(self, src, src_lengths, tgt_in):
        ids = src[:, : tgt_in.size(1)]  # (batch, tgt_len)
        return 10 * F.one_hot(ids, self.vocab_size).float() + self.anchor


def test_erasure_flips_the_prediction_only_where_the_word_matters():
    triples = [
        ("a b c d", "a b c d", (0, 1, 2, 3)),
        ("d c b a", "d c b a", (0, 1, 2, 3)),
    ]
    vocab = Vocab(["a b c d"], words=True)
    model = Copy(len(vocab))
    steps = torch.arange(5)
    diagonal = F.one_hot(steps, 5).float().expand(2, 5, 5)  # looks at word j
    reverse = F.one_hot((3 - steps).clamp(min=0), 5).float().expand(2, 5, 5)
    on_the_word = erasure_effects(model, triples, vocab, vocab, diagonal)
    assert on_the_word["most attended"]["flips"] == 1.0
    assert on_the_word["gold"]["flips"] == 1.0
    assert on_the_word["random"] == {"flips": 0.0, "drop": 0.0}
    assert on_the_word["most attended"]["drop"] > 5
    elsewhere = erasure_effects(model, triples, vocab, vocab, reverse)
    assert elsewhere["most attended"] == {"flips": 0.0, "drop": 0.0}
    assert elsewhere["gold"]["flips"] == 1.0
    with pytest.raises(ReaderError, match="No target word has a gold alignment"):
        erasure_effects(model, [("a b", "a b", (None, None))], vocab, vocab, diagonal)
    both = erasure_effects(
        model, triples, vocab, vocab, {"diagonal": diagonal, "reverse": reverse}
    )  # several attentions at once: each as if asked alone
    assert both == {"diagonal": on_the_word, "reverse": elsewhere}
