"""Unit tests (chapters 2, 4, 5): grammar corpus, attention, gradient norms and probes.

The Korean–English grammar with its gold alignments, the masked softmax and the three
scoring functions, the attention encoder–decoder, the bidirectional encoder, the
per-step gradient norms of recurrent networks and the linear probe.
"""

import math
import types

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from attnlab.attention import (
    AdditiveScore,
    AttentionSeq2Seq,
    DotScore,
    GeneralScore,
    make_score,
    masked_softmax,
)
from attnlab.batches import make_batches
from attnlab.gradients import gradient_norms
from attnlab.grammar import (
    ADJECTIVES,
    NOUNS,
    PLACES,
    PREPOSITIONS,
    VERBS,
    has_final_consonant,
    make_grammar_pairs,
    make_grammar_splits,
    with_particle,
)
from attnlab.probes import probe_accuracy
from attnlab.seq2seq import Encoder, decode_steps, decode_with_ratio, greedy_decode
from attnlab.vocab import EOS, PAD, SOS, UNK, Vocab

pytestmark = pytest.mark.usefixtures("one_torch_thread")


SCORE_NAMES = ["dot", "general", "additive"]
# Luong's decoder with each score, and Bahdanau's
MODEL_NAMES = SCORE_NAMES + ["bahdanau"]
CONJUNCTION_FORM = {"and": 1, "but": 2}  # index into VERBS[verb]
CONJUNCTION_ENDING = {"and": "고", "but": "지만"}


@pytest.fixture(scope="module")
def grammar_pairs():
    """2000 generated triples (korean, english, alignment)."""
    return make_grammar_pairs(2000, seed=0)


@pytest.fixture(scope="module")
def grammar():
    """Word vocabularies of a small grammar corpus; a batch of very mixed lengths."""
    pairs = make_grammar_pairs(400, seed=0)
    src_vocab = Vocab([k for k, _, _ in pairs], words=True)
    tgt_vocab = Vocab([e for _, e, _ in pairs], words=True)
    by_length = sorted(pairs, key=lambda p: len(p[0].split()))
    chosen = [by_length[i] for i in (0, 50, 150, 250, 350, len(by_length) - 1)]
    (batch,) = make_batches(
        [(k, e) for k, e, _ in chosen],
        src_vocab,
        tgt_vocab,
        batch_size=len(chosen),
        shuffle=False,
    )
    assert batch.src_lengths.min() < batch.src_lengths.max()
    return types.SimpleNamespace(
        pairs=pairs, src_vocab=src_vocab, tgt_vocab=tgt_vocab, batch=batch
    )


def attention_model(grammar, score, bidirectional, seed=0):
    """An untrained AttentionSeq2Seq with fixed weights, in eval mode.

    ``score`` "bahdanau" gives Bahdanau's decoder (additive score); the others give
    Luong's."""
    torch.manual_seed(seed)
    decoder = "bahdanau" if score == "bahdanau" else "luong"
    model = AttentionSeq2Seq(
        len(grammar.src_vocab),
        len(grammar.tgt_vocab),
        embed_size=16,
        hidden_size=32,
        score=None if score == "bahdanau" else score,
        bidirectional=bidirectional,
        decoder=decoder,
    )
    return model.eval()


def clauses_of(english_words):
    """Index ranges [start, end) of the clauses, each ending before its conjunction."""
    bounds, start = [], 0
    for j, word in enumerate(english_words):
        if word in CONJUNCTION_FORM:
            bounds.append((start, j))
            start = j + 1
    bounds.append((start, len(english_words)))
    return bounds


def main_verb(english_words, start, end):
    """The one verb of a clause that is not in a relative clause ("that" + verb)."""
    verbs = [
        j
        for j in range(start, end)
        if english_words[j] in VERBS and (j == 0 or english_words[j - 1] != "that")
    ]
    assert len(verbs) == 1, (english_words[start:end], verbs)
    return verbs[0]


# ------------------------------------------------------------------------ grammar


def test_grammar_pairs_count_lengths_and_distinct_korean():
    for kwargs, low, high in (({}, 3, 40), ({"min_len": 10, "max_len": 20}, 10, 20)):
        pairs = make_grammar_pairs(600, seed=2, **kwargs)
        assert len(pairs) == 600
        for korean, english, alignment in pairs:
            assert isinstance(korean, str) and isinstance(english, str)
            assert low <= len(english.split()) <= high
        assert len({korean for korean, _, _ in pairs}) == len(pairs)
    lengths = [
        len(e.split())
        for _, e, _ in make_grammar_pairs(600, seed=2, min_len=10, max_len=20)
    ]
    # the range is used, not just respected
    assert min(lengths) == 10 and max(lengths) == 20


def test_grammar_pairs_are_deterministic_for_a_seed_and_differ_between_seeds():
    assert make_grammar_pairs(300, seed=4) == make_grammar_pairs(300, seed=4)
    assert make_grammar_pairs(300, seed=4) != make_grammar_pairs(300, seed=5)


def test_alignment_has_one_valid_entry_per_english_word(grammar_pairs):
    for korean, english, alignment in grammar_pairs:
        assert len(alignment) == len(english.split())
        for i in alignment:
            assert i is None or (type(i) is int and 0 <= i < len(korean.split())), (
                english,
                i,
            )


def test_alignment_links_each_english_word_to_its_translation(grammar_pairs):
    for korean, english, alignment in grammar_pairs:
        kw, ew = korean.split(), english.split()
        for j, (word, i) in enumerate(zip(ew, alignment)):
            target = None if i is None else kw[i]
            context = (english, korean, j, word, target)
            if word in ("a", "an", "that"):
                assert i is None, context
            elif word == "the":
                assert target == "그", context
            elif word in ADJECTIVES:
                assert target == ADJECTIVES[word], context
            elif word in NOUNS:
                noun = NOUNS[word]
                particles = ("이", "을") if has_final_consonant(noun) else ("가", "를")
                assert target == noun or target in {noun + p for p in particles}, (
                    context
                )
            elif word in PLACES:
                assert target == PLACES[word], context
            elif word in PREPOSITIONS:
                assert target == PREPOSITIONS[word], context
            elif word in VERBS:
                assert target in VERBS[word], context
            elif word in CONJUNCTION_FORM:
                assert target.endswith(CONJUNCTION_ENDING[word]), context
            else:
                raise AssertionError(f"unknown English word {word!r} in {english!r}")


def test_conjunctions_align_to_the_verb_that_ends_their_clause(grammar_pairs):
    seen = {"and": 0, "but": 0}
    for korean, english, alignment in grammar_pairs:
        kw, ew = korean.split(), english.split()
        bounds = clauses_of(ew)
        for start, end in bounds:
            verb = main_verb(ew, start, end)
            if end < len(ew):  # a conjunction follows this clause
                conjunction = ew[end]
                seen[conjunction] += 1
                assert alignment[end] == alignment[verb], (english, korean)
                assert (
                    kw[alignment[verb]]
                    == VERBS[ew[verb]][CONJUNCTION_FORM[conjunction]]
                )
            else:
                assert kw[alignment[verb]] == VERBS[ew[verb]][0]  # sentence-final form
            for j in range(start, end):  # verbs of relative clauses take the noun form
                if ew[j] in VERBS and j != verb:
                    assert ew[j - 1] == "that"
                    assert kw[alignment[j]] == VERBS[ew[j]][3], (english, korean)
    assert seen["and"] > 100 and seen["but"] > 100


def test_subject_nouns_take_subject_particles_and_others_object_particles(
    grammar_pairs,
):
    # The first person noun of each English clause is its subject
    # (a PP only holds places).
    for korean, english, alignment in grammar_pairs:
        kw, ew = korean.split(), english.split()
        for start, end in clauses_of(ew):
            nouns = [j for j in range(start, end) if ew[j] in NOUNS]
            for rank, j in enumerate(nouns):
                role = "subject" if rank == 0 else "object"
                assert kw[alignment[j]] == with_particle(NOUNS[ew[j]], role), (
                    english,
                    korean,
                )


def test_every_korean_word_is_the_translation_of_some_english_word(grammar_pairs):
    for korean, english, alignment in grammar_pairs:
        covered = {i for i in alignment if i is not None}
        assert covered == set(range(len(korean.split()))), (english, korean, alignment)


def test_english_is_a_function_of_the_korean():
    first = make_grammar_pairs(5000, seed=0)
    second = make_grammar_pairs(5000, seed=1)
    assert len({k for k, _, _ in first}) == len({k for k, _, _ in second}) == 5000
    for pairs in (first, first + second):
        translations = {}
        for korean, english, _ in pairs:
            translations.setdefault(korean, set()).add(english)
        ambiguous = {k: v for k, v in translations.items() if len(v) > 1}
        assert not ambiguous, list(ambiguous.items())[:3]
    # the check had overlap to test
    assert {k for k, _, _ in first} & {k for k, _, _ in second}


def test_final_consonant_and_particles():
    assert has_final_consonant("학생") is True
    assert has_final_consonant("고양이") is False
    assert has_final_consonant("곰") is True
    assert has_final_consonant("개") is False
    assert with_particle("학생", "subject") == "학생이"
    assert with_particle("고양이", "subject") == "고양이가"
    assert with_particle("곰", "object") == "곰을"
    assert with_particle("개", "object") == "개를"


def test_an_comes_before_vowels_and_a_never_does(grammar_pairs):
    counts = {"a": 0, "an": 0}
    for _, english, _ in grammar_pairs:
        ew = english.split()
        for word, following in zip(ew, ew[1:]):
            if word == "an":
                counts["an"] += 1
                assert following[0] in "aeiou", english
            elif word == "a":
                counts["a"] += 1
                assert following[0] not in "aeiou", english
        assert ew[-1] not in ("a", "an")
    assert counts["a"] > 100 and counts["an"] > 10


def test_grammar_splits_sizes_and_no_shared_korean():
    splits = make_grammar_splits(sizes=(500, 80, 60), seed=3)
    assert [len(split) for split in splits] == [500, 80, 60]
    sentences = [{korean for korean, _, _ in split} for split in splits]
    assert [len(s) for s in sentences] == [500, 80, 60]
    assert not sentences[0] & sentences[1]
    assert not sentences[0] & sentences[2]
    assert not sentences[1] & sentences[2]
    short = make_grammar_splits(sizes=(50, 10, 10), seed=3, min_len=4, max_len=8)
    assert all(4 <= len(e.split()) <= 8 for split in short for _, e, _ in split)


def test_word_vocab_round_trips_grammar_sentences(grammar_pairs):
    korean_vocab = Vocab([k for k, _, _ in grammar_pairs], words=True)
    english_vocab = Vocab([e for _, e, _ in grammar_pairs], words=True)
    for korean, english, _ in grammar_pairs[:300]:
        ids = korean_vocab.encode(korean)
        assert len(ids) == len(korean.split()) + 1 and ids[-1] == EOS
        assert UNK not in ids
        assert korean_vocab.decode(ids) == korean
        assert english_vocab.decode(english_vocab.encode(english)) == english


# ---------------------------------------------------------------------- attention


def test_masked_softmax_sums_to_one_and_gives_padding_exactly_zero():
    torch.manual_seed(0)
    scores = torch.randn(4, 7)
    lengths = torch.tensor([7, 5, 1, 3])
    mask = torch.arange(7)[None, :] < lengths[:, None]
    weights = masked_softmax(scores, mask)
    assert weights.shape == (4, 7)
    torch.testing.assert_close(weights.sum(dim=-1), torch.ones(4))
    assert (weights[~mask] == 0.0).all()
    assert (weights[mask] > 0).all()
    for i, length in enumerate(lengths.tolist()):
        torch.testing.assert_close(
            weights[i, :length], torch.softmax(scores[i, :length], dim=0)
        )
    huge = masked_softmax(scores * 1e4, mask)
    assert not torch.isnan(huge).any()
    torch.testing.assert_close(huge.sum(dim=-1), torch.ones(4))
    assert (huge[~mask] == 0.0).all()
    # Real scores far below any finite stand-in for "minus infinity" still win
    # over padding.
    low = masked_softmax(torch.full((4, 7), -1e5), mask)
    assert not torch.isnan(low).any()
    assert (low[~mask] == 0.0).all()
    for i, length in enumerate(lengths.tolist()):
        torch.testing.assert_close(low[i, :length], torch.full((length,), 1 / length))


@pytest.mark.parametrize("name", SCORE_NAMES)
def test_make_score_gives_one_score_per_source_position(name):
    torch.manual_seed(0)
    score = make_score(name, 12)
    assert isinstance(
        score,
        {"dot": DotScore, "general": GeneralScore, "additive": AdditiveScore}[name],
    )
    memory = torch.randn(3, 5, 12)
    query = torch.randn(3, 12)
    keys = score.prepare(memory)
    assert keys.shape == (3, 5, 12)
    assert score(query, keys).shape == (3, 5)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_attention_model_shapes_and_weights_on_real_tokens(
    grammar, name, bidirectional
):
    model = attention_model(grammar, name, bidirectional)
    batch = grammar.batch
    size, src_len = batch.src.shape
    with torch.no_grad():
        logits = model(batch.src, batch.src_lengths, batch.tgt_in)
        assert logits.shape == (size, batch.tgt_in.size(1), len(grammar.tgt_vocab))
        state = model.encode(batch.src, batch.src_lengths)
        assert state.weights is None
        assert state.memory.shape == (size, src_len, 32)
        for t in range(3):
            _, state = model.decode_step(batch.tgt_in[:, t], state)
            assert state.weights.shape == (size, src_len)
            for i, length in enumerate(batch.src_lengths.tolist()):
                assert torch.allclose(
                    state.weights[i, :length].sum(), torch.tensor(1.0)
                )
                assert (state.weights[i, length:] == 0.0).all()
                assert (state.weights[i, :length] > 0).all()


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("name", SCORE_NAMES)
def test_attention_weights_come_from_the_encoder_states(grammar, name, bidirectional):
    model = attention_model(grammar, name, bidirectional)
    batch = grammar.batch
    token = batch.tgt_in[:, 0]
    with torch.no_grad():
        state = model.encode(batch.src, batch.src_lengths)
        _, after = model.decode_step(token, state)
        # The context is the weighted sum of the encoder states.
        _, _, context, _ = model.decoder(
            model.decoder.embedding(token),
            state.hidden,
            state.feed,
            state.keys,
            state.memory,
            state.mask,
        )
        expected = torch.einsum("bs,bsh->bh", after.weights, state.memory)
        torch.testing.assert_close(context, expected)
        # The weights are the masked softmax of the new hidden state's scores.
        scores = model.decoder.score(after.hidden, state.keys)
        torch.testing.assert_close(after.weights, masked_softmax(scores, state.mask))
        if name == "dot":
            plain = torch.einsum("bsh,bh->bs", state.memory, after.hidden)
            plain = plain.masked_fill(~state.mask, float("-inf")).softmax(dim=-1)
            torch.testing.assert_close(after.weights, plain)
        # Other encoder states (same decoder input and hidden state) give other weights.
        generator = torch.Generator().manual_seed(1)
        memory = state.memory + torch.randn(state.memory.shape, generator=generator)
        memory = memory * state.mask[..., None]
        changed = state._replace(
            memory=memory, keys=model.decoder.score.prepare(memory)
        )
        _, moved = model.decode_step(token, changed)
        torch.testing.assert_close(moved.hidden, after.hidden)
        assert not torch.allclose(moved.weights, after.weights, atol=1e-4)
        assert (moved.weights[~state.mask] == 0).all()
        # So does another source sentence.
        src = batch.src.clone()
        last = batch.src_lengths - 2  # the last real word before <eos>
        rows = torch.arange(src.size(0))
        src[rows, last] = 4 + (src[rows, last] - 3) % (len(grammar.src_vocab) - 4)
        assert (src[rows, last] != batch.src[rows, last]).all()
        _, other = model.decode_step(token, model.encode(src, batch.src_lengths))
        differs = (other.weights - after.weights).abs().amax(dim=-1)
        assert (differs > 1e-6).all()


def decode_with_weights(model, src, src_lengths, tgt_in):
    """Teacher-forced decoding written out.

    Returns logits (batch, tgt, vocab) and weights (batch, tgt, src).
    """
    state = model.encode(src, src_lengths)
    all_logits, all_weights = [], []
    for t in range(tgt_in.size(1)):
        logits, state = model.decode_step(tgt_in[:, t], state)
        all_logits.append(logits)
        all_weights.append(state.weights)
    return torch.stack(all_logits, dim=1), torch.stack(all_weights, dim=1)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("name", MODEL_NAMES)
@torch.no_grad()
def test_sentence_alone_and_in_a_padded_batch_give_the_same_outputs(
    grammar, name, bidirectional
):
    model = attention_model(grammar, name, bidirectional)
    batch = grammar.batch
    lengths = batch.src_lengths
    i = int(lengths.argmin())
    length = int(lengths[i])
    tgt_length = int((batch.tgt_in[i] != PAD).sum())
    assert length < int(lengths.max())
    logits, weights = decode_with_weights(model, batch.src, lengths, batch.tgt_in)
    alone_src, alone_tgt = (
        batch.src[i : i + 1, :length],
        batch.tgt_in[i : i + 1, :tgt_length],
    )
    alone_logits, alone_weights = decode_with_weights(
        model, alone_src, lengths[i : i + 1], alone_tgt
    )
    torch.testing.assert_close(
        alone_logits[0], logits[i, :tgt_length], atol=1e-5, rtol=1e-5
    )
    torch.testing.assert_close(
        alone_weights[0], weights[i, :tgt_length, :length], atol=1e-5, rtol=1e-5
    )
    assert (weights[i, :, length:] == 0).all()
    forward = model(alone_src, lengths[i : i + 1], alone_tgt)
    torch.testing.assert_close(forward[0], logits[i, :tgt_length], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", MODEL_NAMES)
@torch.no_grad()
def test_greedy_decode_and_teacher_forcing_work_with_attention(grammar, name):
    model = attention_model(grammar, name, bidirectional=True)
    batch = grammar.batch
    size = batch.src.size(0)
    for max_len in (1, 6, 25):
        ids = greedy_decode(model, batch.src, batch.src_lengths, max_len=max_len)
        assert ids.dim() == 2 and ids.size(0) == size and 1 <= ids.size(1) <= max_len
        assert ((ids >= 0) & (ids < len(grammar.tgt_vocab))).all()
    forced = model(batch.src, batch.src_lengths, batch.tgt_in)  # teacher forcing
    manual, manual_weights = decode_with_weights(
        model, batch.src, batch.src_lengths, batch.tgt_in
    )
    torch.testing.assert_close(forced, manual)
    # All steps at once (one embedding and one output layer call) equal step by step.
    _, states = decode_steps(
        model, batch.tgt_in, model.encode(batch.src, batch.src_lengths)
    )
    torch.testing.assert_close(
        torch.stack([s.weights for s in states], 1), manual_weights
    )
    # Ratio 0: the model's own predictions are fed back, whatever tgt_in holds
    # after <sos>.
    free = decode_with_ratio(model, batch.src, batch.src_lengths, batch.tgt_in, 0.0)
    state = model.encode(batch.src, batch.src_lengths)
    token, steps = batch.tgt_in[:, 0], []
    for _ in range(batch.tgt_in.size(1)):
        logits, state = model.decode_step(token, state)
        steps.append(logits)
        token = logits.argmax(dim=-1)
    torch.testing.assert_close(free, torch.stack(steps, dim=1))
    scrambled = batch.tgt_in.clone()
    scrambled[:, 1:] = torch.randint(
        4,
        len(grammar.tgt_vocab),
        scrambled[:, 1:].shape,
        generator=torch.Generator().manual_seed(0),
    )
    assert torch.equal(
        free, decode_with_ratio(model, batch.src, batch.src_lengths, scrambled, 0.0)
    )
    assert not torch.allclose(forced, free)
    ids = greedy_decode(
        model, batch.src, batch.src_lengths, max_len=batch.tgt_in.size(1)
    )
    assert torch.equal(ids, free.argmax(dim=-1)[:, : ids.size(1)])
    assert (batch.tgt_in[:, 0] == SOS).all()


def test_dot_score_softmax_and_context_by_hand():
    query = [1.0, 2.0]
    memory = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [5.0, 5.0]]  # the last one is padding
    mask = torch.tensor([[True, True, True, False]])
    score = DotScore()
    keys = score.prepare(torch.tensor([memory]))
    scores = score(torch.tensor([query]), keys)
    expected_scores = [sum(q * m for q, m in zip(query, row)) for row in memory]
    assert expected_scores[:3] == [1.0, 2.0, 3.0]
    torch.testing.assert_close(scores[0], torch.tensor(expected_scores))
    weights = masked_softmax(scores, mask)
    total = sum(math.exp(s) for s in expected_scores[:3])
    expected_weights = [math.exp(s) / total for s in expected_scores[:3]] + [0.0]
    torch.testing.assert_close(weights[0], torch.tensor(expected_weights))
    assert weights[0, 3].item() == 0.0
    context = torch.bmm(weights.unsqueeze(1), torch.tensor([memory])).squeeze(1)
    expected_context = [
        sum(w * row[k] for w, row in zip(expected_weights, memory)) for k in range(2)
    ]
    torch.testing.assert_close(context[0], torch.tensor(expected_context))
    # e.g. 0.0900 * [1, 0] + 0.2447 * [0, 1] + 0.6652 * [1, 1]
    torch.testing.assert_close(
        context[0], torch.tensor([0.75527, 0.90996]), atol=1e-4, rtol=0
    )


# ----------------------------------------------------------- bidirectional encoder


def test_bidirectional_encoder_joins_the_last_forward_and_first_backward_states(
    grammar,
):
    torch.manual_seed(0)
    encoder = Encoder(
        len(grammar.src_vocab), embed_size=8, hidden_size=16, bidirectional=True
    )
    batch = grammar.batch
    with torch.no_grad():
        outputs, context = encoder(batch.src, batch.src_lengths)
    size, src_len = batch.src.shape
    assert outputs.shape == (size, src_len, 16)
    assert context.shape == (size, 16)
    for i, length in enumerate(batch.src_lengths.tolist()):
        assert (outputs[i, length:] == 0).all()
        assert (outputs[i, :length] != 0).any(dim=-1).all()
        torch.testing.assert_close(context[i, :8], outputs[i, length - 1, :8])
        torch.testing.assert_close(context[i, 8:], outputs[i, 0, 8:])
    # The backward half at position 0 has read the whole sentence: changing its
    # last word changes it, while the forward half at position 0 does not move.
    # (A short sentence: an untrained GRU forgets what it read 30 words ago almost
    # completely.)
    i = int(batch.src_lengths.argmin())
    length = int(batch.src_lengths[i])
    src = batch.src.clone()
    src[i, length - 2] = 4 + (src[i, length - 2] - 3) % (len(grammar.src_vocab) - 4)
    with torch.no_grad():
        changed, _ = encoder(src, batch.src_lengths)
    torch.testing.assert_close(changed[i, 0, :8], outputs[i, 0, :8])
    assert not torch.allclose(changed[i, 0, 8:], outputs[i, 0, 8:])


# ---------------------------------------------------------------------- gradients


RNN_KINDS = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}


def rnn_setup(kind, seed=0):
    torch.manual_seed(seed)
    rnn = RNN_KINDS[kind](8, 16, batch_first=True)
    head = nn.Linear(16, 5)
    inputs = torch.randn(4, 12, 8)
    targets = torch.randint(0, 5, (4,))
    return rnn, inputs, lambda last: F.cross_entropy(head(last), targets)


def norm_of_gradient(loss, hidden):
    (grad,) = torch.autograd.grad(loss, hidden)
    return grad.norm(dim=-1).mean()


@pytest.mark.parametrize("kind", list(RNN_KINDS))
def test_gradient_norms_shape_and_last_step(kind):
    rnn, inputs, loss_fn = rnn_setup(kind)
    norms = gradient_norms(rnn, inputs, loss_fn)
    assert norms.shape == (12,)
    assert torch.isfinite(norms).all() and (norms >= 0).all()
    assert (norms > 0).all()
    outputs, _ = rnn(inputs)  # the usual full-sequence forward
    last = outputs[:, -1]
    torch.testing.assert_close(norms[-1], norm_of_gradient(loss_fn(last), last))


@pytest.mark.parametrize("kind", list(RNN_KINDS))
def test_gradient_norms_match_gradients_of_each_hidden_state(kind):
    rnn, inputs, loss_fn = rnn_setup(kind)
    norms = gradient_norms(rnn, inputs, loss_fn)
    for t in range(11):  # h_t as a leaf: run the prefix, then the rest from it
        _, state = rnn(inputs[:, : t + 1])
        if isinstance(state, tuple):
            h = state[0].detach().requires_grad_()
            rest, _ = rnn(inputs[:, t + 1 :], (h, state[1].detach()))
        else:
            h = state.detach().requires_grad_()
            rest, _ = rnn(inputs[:, t + 1 :], h)
        expected = norm_of_gradient(loss_fn(rest[:, -1]), h)
        torch.testing.assert_close(norms[t], expected, rtol=1e-4, atol=1e-7)


def test_gradient_norms_vanish_in_an_rnn_with_small_weights():
    rnn, inputs, loss_fn = rnn_setup("RNN")
    with torch.no_grad():
        rnn.weight_hh_l0.mul_(0.1)
    norms = gradient_norms(rnn, inputs, loss_fn)
    assert norms[-1] > 100 * norms[0]
    assert (norms[1:] >= norms[:-1]).all()  # smaller the further back


# ------------------------------------------------------------------------- probes


def test_probe_reads_separable_labels_perfectly():
    generator = torch.Generator().manual_seed(0)

    def blobs(n):
        labels = ["left" if k % 2 == 0 else "right" for k in range(n)]
        centers = torch.tensor(
            [[-4.0] * 10 if y == "left" else [4.0] * 10 for y in labels]
        )
        return centers + torch.randn(n, 10, generator=generator), labels

    torch.manual_seed(0)
    train_x, train_y = blobs(200)
    test_x, test_y = blobs(200)
    accuracy = probe_accuracy(train_x, train_y, test_x, test_y)
    assert isinstance(accuracy, float)
    assert accuracy == 1.0


def test_probe_is_near_chance_on_labels_unrelated_to_the_vectors():
    generator = torch.Generator().manual_seed(1)
    torch.manual_seed(0)
    train_x = torch.randn(200, 20, generator=generator)
    test_x = torch.randn(400, 20, generator=generator)
    train_y = torch.randint(0, 2, (200,), generator=generator).tolist()
    test_y = [k % 2 for k in range(400)]  # balanced
    accuracy = probe_accuracy(train_x, train_y, test_x, test_y)
    assert isinstance(accuracy, float)
    assert 0.0 <= accuracy <= 1.0
    assert 0.25 < accuracy < 0.75
