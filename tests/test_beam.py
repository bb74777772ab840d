"""Beam search and sampling (attnlab.beam, chapter 7), on small untrained models and
on a hand-made next-token table where greedy decoding misses the best sentence."""

import math

import pytest
import torch

from attnlab import ReaderError, set_language
from attnlab.attention import AttentionSeq2Seq
from attnlab.beam import (
    beam_search,
    beam_step,
    length_penalty,
    sample,
    sequence_log_prob,
)
from attnlab.seq2seq import Seq2Seq, greedy_decode
from attnlab.vocab import EOS

SRC = torch.tensor([[4, 5, 6, 2], [7, 8, 2, 0], [3, 9, 2, 0], [6, 2, 0, 0]])
LENGTHS = torch.tensor([4, 3, 3, 2])


def models():
    torch.manual_seed(0)
    plain = Seq2Seq(10, 12, embed_size=8, hidden_size=16).eval()
    torch.manual_seed(1)
    attention = AttentionSeq2Seq(10, 12, embed_size=8, hidden_size=16).eval()
    return {"plain": plain, "attention": attention}


MODELS = models()


def until_eos(ids):
    ids = list(ids)
    return ids[: ids.index(EOS) + 1] if EOS in ids else ids


class Table(torch.nn.Module):
    """A 'model' whose next token depends only on the previous one, from a table:
    after <sos> (1), A (3) has 0.6 and B (4) 0.4; after A, every one of A, B and
    <eos> has about 1/3; after B, <eos> has 0.9. Greedy takes A and ends with
    p = 0.6 x 0.34; the best sentence is B <eos>, p = 0.4 x 0.9 = 0.36."""

    table = {
        1: {3: 0.6, 4: 0.4},
        3: {3: 0.33, 4: 0.33, EOS: 0.34},
        4: {EOS: 0.9, 3: 0.1},
    }

    def encode(self, src, src_lengths):
        return torch.zeros(src.size(0), 1)

    def decode_step(self, token, state):
        probs = torch.full((token.size(0), 6), 1e-6)
        for row, previous in enumerate(token.tolist()):
            for nxt, p in self.table.get(previous, {EOS: 1.0}).items():
                probs[row, nxt] = p
        return probs.log(), state


def test_one_step_ranks_the_beams_of_a_sentence_together():
    """The best candidates overall, not the best of each beam: here both come from
    beam 0, which is far ahead."""
    log_probs = torch.tensor([[0.0, -5.0]])  # (batch=1, width=2)
    probs = torch.tensor([[0.5, 0.4, 0.1], [0.9, 0.05, 0.05]])  # (batch * width, vocab)
    best, beam, token = beam_step(log_probs, probs.log(), width=2)
    assert best.shape == beam.shape == token.shape == (1, 4)
    assert beam[0, :2].tolist() == [0, 0] and token[0, :2].tolist() == [0, 1]
    assert best[0, :2].tolist() == pytest.approx([math.log(0.5), math.log(0.4)])
    assert beam[0, 3].item() == 1 and best[0, 3] == pytest.approx(-5 + math.log(0.9))


@pytest.mark.parametrize("kind", MODELS)
def test_a_beam_of_one_is_greedy_decoding(kind):
    model = MODELS[kind]
    greedy = greedy_decode(model, SRC, LENGTHS, max_len=12)
    beams = beam_search(model, SRC, LENGTHS, width=1, max_len=12)
    for row, hypotheses in zip(greedy.tolist(), beams):
        assert len(hypotheses) == 1
        assert hypotheses[0].tokens == until_eos(row)


@pytest.mark.parametrize("kind", MODELS)
@pytest.mark.parametrize("alpha", [0.0, 0.6, 1.0])
def test_scores_are_log_probs_over_the_length_penalty_best_first(kind, alpha):
    model = MODELS[kind]
    for b, hypotheses in enumerate(beam_search(model, SRC, LENGTHS, 4, 12, alpha)):
        assert len(hypotheses) == 4
        scores = [h.score for h in hypotheses]
        assert scores == sorted(scores, reverse=True)
        for h in hypotheses:
            recomputed = sequence_log_prob(model, SRC[b : b + 1], LENGTHS[b : b + 1],
                                           h.tokens)  # fmt: skip
            assert h.log_prob == pytest.approx(recomputed, abs=1e-4)
            assert h.score == pytest.approx(
                h.log_prob / length_penalty(len(h.tokens), alpha)
            )
            if alpha == 0:
                assert h.score == h.log_prob


@pytest.mark.parametrize("kind", MODELS)
def test_eos_ends_a_hypothesis(kind):
    for hypotheses in beam_search(MODELS[kind], SRC, LENGTHS, width=4, max_len=12):
        for h in hypotheses:
            assert h.tokens.count(EOS) <= 1
            assert EOS not in h.tokens[:-1]
            assert h.tokens[-1] == EOS or len(h.tokens) == 12


@pytest.mark.parametrize("kind", MODELS)
def test_a_batch_is_searched_as_its_sentences_one_by_one(kind):
    model = MODELS[kind]
    together = beam_search(model, SRC, LENGTHS, width=3, max_len=12, alpha=0.6)
    for b in range(SRC.size(0)):
        alone = beam_search(model, SRC[b : b + 1, : LENGTHS[b]], LENGTHS[b : b + 1],
                            width=3, max_len=12, alpha=0.6)[0]  # fmt: skip
        assert [h.tokens for h in alone] == [h.tokens for h in together[b]]
        for a, t in zip(alone, together[b]):
            assert a.log_prob == pytest.approx(t.log_prob, abs=1e-4)


def test_beam_search_finds_what_greedy_misses():
    src, lengths = torch.tensor([[5]]), torch.tensor([1])
    greedy = until_eos(greedy_decode(Table(), src, lengths, max_len=5)[0].tolist())
    assert greedy[0] == 3  # greedy takes A, the most likely first token
    best = beam_search(Table(), src, lengths, width=2, max_len=5)[0][0]
    assert best.tokens == [4, EOS]
    assert best.log_prob == pytest.approx(math.log(0.4 * 0.9), abs=1e-4)
    assert best.log_prob > sequence_log_prob_of_table(greedy)


def sequence_log_prob_of_table(tokens):
    previous, total = 1, 0.0
    for token in tokens:
        total += math.log(Table.table.get(previous, {EOS: 1.0}).get(token, 1e-6))
        previous = token
    return total


def test_the_trace_shows_every_step_of_the_search():
    trace = []
    beam_search(Table(), torch.tensor([[5]]), torch.tensor([1]), width=2, max_len=5,
                trace=trace)  # fmt: skip
    best, beam, token, going_on = trace[0]  # step 1: every candidate grows <sos>
    assert best.shape == beam.shape == token.shape == (1, 4)
    assert token[0, :2].tolist() == [3, 4] and going_on[0].tolist() == [0, 1]
    best, beam, token, going_on = trace[1]  # step 2: B <eos> is the best candidate
    assert token[0, 0].item() == EOS and beam[0, 0].item() == 1
    assert 0 not in going_on[0].tolist()  # a finished hypothesis does not go on


@pytest.mark.parametrize(
    "width, words", [(0, "at least 1"), (2.5, "at least 1"), (13, "larger than")]
)
def test_a_bad_beam_size_is_explained(width, words):
    with pytest.raises(ReaderError, match=words):
        beam_search(MODELS["plain"], SRC, LENGTHS, width=width)


def test_an_empty_sentence_is_explained_in_korean():
    set_language("ko")
    try:
        with pytest.raises(ReaderError, match="빈 문장"):
            beam_search(MODELS["plain"], SRC[:, :0], torch.tensor([0, 0, 0, 0]))
    finally:
        set_language("en")


def test_sampling_the_single_most_likely_token_is_greedy():
    model = MODELS["attention"]
    picked = sample(model, SRC, LENGTHS, max_len=8, top_k=1)
    assert torch.equal(picked, greedy_decode(model, SRC, LENGTHS, max_len=8))


def test_sampling_varies_and_a_cold_temperature_is_refused():
    model = MODELS["plain"]
    draws = {
        tuple(sample(model, SRC, LENGTHS, max_len=8, generator=g).flatten().tolist())
        for g in (torch.Generator().manual_seed(s) for s in range(5))
    }
    assert len(draws) > 1
    with pytest.raises(ReaderError, match="above 0"):
        sample(model, SRC, LENGTHS, temperature=0)
