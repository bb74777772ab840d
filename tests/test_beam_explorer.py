"""The beam explorer's data (attnlab.beam_explorer, chapter 7): what it shows at each
step is what beam search did, its n-best list is beam search's, and bad input gets a
message in the widget instead of a traceback. Its pages in a browser are tested in
``test_explorer_pages.py``."""

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.patches import FancyArrowPatch

from attnlab import ReaderError, get_language, set_language
from attnlab.attention import AttentionSeq2Seq
from attnlab.beam import beam_search
from attnlab.beam_explorer import BeamExplorer, search_record
from attnlab.dates import make_date_splits
from attnlab.diagrams import draw_beam_step
from attnlab.seq2seq import Seq2Seq, encode_sentence
from attnlab.vocab import Vocab

pytestmark = pytest.mark.usefixtures("one_torch_thread")
matplotlib.use("Agg")

WIDTH = 3


@pytest.fixture(scope="module")
def dates():
    train, _, test = make_date_splits(sizes=(300, 10, 10), seed=0)
    src_vocab, tgt_vocab = Vocab([s for s, _ in train]), Vocab([t for _, t in train])
    torch.manual_seed(0)
    attention = AttentionSeq2Seq(len(src_vocab), len(tgt_vocab), 8, 16).eval()
    plain = Seq2Seq(len(src_vocab), len(tgt_vocab), 8, 16).eval()
    return src_vocab, tgt_vocab, attention, plain, test[:3]


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_the_record_is_what_beam_search_did(dates, alpha):
    src_vocab, tgt_vocab, model, _, examples = dates
    for source, _ in examples:
        record = search_record(model, src_vocab, tgt_vocab, source, WIDTH, alpha, 8)
        src, lengths = encode_sentence(model, source, src_vocab)
        found = beam_search(model, src, lengths, WIDTH, 8, alpha)[0]
        assert [h["tokens"] for h in record["best"]] == [
            [tgt_vocab.itos[t] for t in h.tokens] for h in found
        ]
        assert [h["score"] for h in record["best"]] == [
            round(h.score, 4) for h in found
        ]
        steps = record["steps"]
        for now, after in zip(steps, steps[1:]):
            kept = [c["prefix"] + [c["token"]] for c in now if c["fate"] == "kept"]
            assert len(kept) == WIDTH
            assert {tuple(c["prefix"]) for c in after} <= {tuple(k) for k in kept}
            log_probs = [c["log_prob"] for c in now]
            assert log_probs == sorted(log_probs, reverse=True)
        finished = [c for step in steps for c in step if c["fate"] == "finished"]
        assert len(finished) <= WIDTH
        assert all(c["token"] == "<eos>" for c in finished)


@pytest.mark.parametrize("lang, goes_on", [("en", "goes on"), ("ko", "계속")])
def test_the_beam_step_diagram_draws_every_candidate_and_its_fate(dates, lang, goes_on):
    """Chapter 7's diagram of one step: an arrow from the hypothesis it grows to each
    candidate, its log-probability, and its fate in words in the reader's language."""
    src_vocab, tgt_vocab, model, _, examples = dates
    source = examples[0][0]
    steps = search_record(model, src_vocab, tgt_vocab, source, WIDTH, 0.0, 8)["steps"]
    before = get_language()
    set_language(lang)
    try:
        for step in (0, 1):
            fig, ax = plt.subplots()
            draw_beam_step(steps, step, WIDTH, ax=ax)
            arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
            assert len(arrows) == len(steps[step])
            texts = [t.get_text() for t in ax.texts]
            for c in steps[step]:
                label = " ".join(c["prefix"] + [c["token"]])
                assert f"{label}   {c['log_prob']:.2f}" in texts
            kept = sum(c["fate"] == "kept" for c in steps[step])
            assert texts.count(goes_on) == kept == WIDTH
            plt.close(fig)
    finally:
        set_language(before)


def test_heatmaps_only_for_a_model_with_attention(dates):
    src_vocab, tgt_vocab, attention, plain, examples = dates
    source = examples[0][0]
    for h in search_record(attention, src_vocab, tgt_vocab, source, WIDTH)["best"]:
        weights = torch.tensor(h["weights"])  # (steps, src_len)
        assert weights.shape == (len(h["tokens"]), len(src_vocab.encode(source)))
        assert torch.allclose(weights.sum(dim=-1), torch.ones(len(h["tokens"])))
    record = search_record(plain, src_vocab, tgt_vocab, source, WIDTH)
    assert all(h["weights"] is None for h in record["best"])
    html = BeamExplorer(plain, src_vocab, tgt_vocab, examples[:1], WIDTH).to_html()
    assert "<div data-hyp" not in html and 'class="ax-hyp"' not in html
    assert 'data-step="0"' in html


def test_bad_input_gets_a_message_not_a_traceback(dates):
    src_vocab, tgt_vocab, model, _, examples = dates
    with pytest.raises(ReaderError):
        BeamExplorer(model, src_vocab, tgt_vocab, [], WIDTH)
    with pytest.raises(ReaderError, match="beam size"):
        search_record(model, src_vocab, tgt_vocab, examples[0][0], width=0)
    view = BeamExplorer(model, src_vocab, tgt_vocab, examples, WIDTH, max_len=8)
    box = view.widget()
    example, typed = box.children[1].children
    pane = box.children[-1]
    example.value = -1
    typed.value = ""  # nothing typed
    assert "⚠" in box.children[3].value and "data-step" not in pane.value
    typed.value = examples[1][0]
    assert box.children[3].value == "" and 'data-step="0"' in pane.value
