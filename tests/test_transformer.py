"""The Transformer of chapter 8 (attnlab.transformer): positions, masks, layers equal to
PyTorch's, no peeking at the future, zero weight on padding, the book's decoding loop,
and messages for bad input."""

import math

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
from conftest import copy_attention
from torch import nn
from torch.nn import functional as F

from attnlab import ReaderError, get_language, set_language
from attnlab.beam import beam_search
from attnlab.diagrams import draw_transformer
from attnlab.seq2seq import decode, greedy_decode
from attnlab.transformer import (
    Decoded,
    DecoderLayer,
    EncoderLayer,
    Transformer,
    causal_mask,
    cross_attention_weights,
    head_alignment_accuracy,
    sinusoidal_positions,
)
from attnlab.vocab import EOS, PAD, SOS, Vocab

pytestmark = pytest.mark.usefixtures("one_torch_thread")
matplotlib.use("Agg")

EMBED, HEADS, FF = 16, 4, 32


def small_model(positions="sinusoidal", seed=0):
    torch.manual_seed(seed)
    return Transformer(11, 13, EMBED, HEADS, layers=2, ff_size=FF, positions=positions)


def batch():
    """Two sentences, the second padded: src (2, 5), lengths (2,), tgt_in (2, 4)."""
    src = torch.tensor([[5, 6, 7, 8, EOS], [9, 4, EOS, PAD, PAD]])
    tgt_in = torch.tensor([[SOS, 5, 6, 7], [SOS, 8, 9, PAD]])
    return src, torch.tensor([5, 3]), tgt_in


# ------------------------------------------------------------------ positions


def test_sinusoids_follow_their_equation():
    pe = sinusoidal_positions(50, 8)
    assert pe.shape == (50, 8)
    for pos in (0, 1, 17, 49):
        for i in range(4):
            angle = pos / 10000 ** (2 * i / 8)
            assert pe[pos, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-5)
            assert pe[pos, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-5)


def test_a_fixed_offset_is_the_same_linear_map_at_every_position():
    """PE[pos + k] = PE[pos] R_k, with R_k a rotation of each (sin, cos) pair that
    depends on k only (Vaswani et al.'s reason for choosing sinusoids)."""
    size, k = 8, 3
    pe = sinusoidal_positions(40, size)
    rotation = torch.zeros(size, size)
    for i in range(size // 2):
        w = k / 10000 ** (2 * i / size)
        c, s = math.cos(w), math.sin(w)
        # (sin a, cos a) -> (sin(a + w), cos(a + w))
        rotation[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = torch.tensor([[c, -s], [s, c]])
    torch.testing.assert_close(pe[:-k] @ rotation, pe[k:], atol=1e-4, rtol=0)


def test_causal_mask_lets_a_position_see_itself_and_the_past_only():
    mask = causal_mask(4)
    assert mask.dtype == torch.bool
    for t in range(4):
        assert mask[t].tolist() == [s <= t for s in range(4)]


# ------------------------------------------------------------------ the layers


def copy_rest(ours, theirs, norms):
    theirs.linear1.load_state_dict(ours.feed_forward[0].state_dict())
    theirs.linear2.load_state_dict(ours.feed_forward[2].state_dict())
    for name in norms:
        getattr(theirs, name).load_state_dict(getattr(ours, name).state_dict())


def test_encoder_layer_equals_pytorchs_with_norm_first():
    torch.manual_seed(0)
    ours = EncoderLayer(EMBED, HEADS, FF)
    theirs = nn.TransformerEncoderLayer(
        EMBED, HEADS, FF, dropout=0.0, batch_first=True, norm_first=True
    )
    copy_attention(ours.self_attention, theirs.self_attn)
    copy_rest(ours, theirs, ["norm1", "norm2"])
    x = torch.randn(2, 5, EMBED)
    real = torch.tensor([[True] * 5, [True] * 3 + [False] * 2])  # (batch, src_len)
    mine, _ = ours(x, real.unsqueeze(1))
    expected = theirs(x, src_key_padding_mask=~real)  # True = ignore, for PyTorch
    torch.testing.assert_close(mine[real], expected[real], atol=1e-5, rtol=1e-4)


def test_decoder_layer_equals_pytorchs_with_norm_first():
    torch.manual_seed(1)
    ours = DecoderLayer(EMBED, HEADS, FF)
    theirs = nn.TransformerDecoderLayer(
        EMBED, HEADS, FF, dropout=0.0, batch_first=True, norm_first=True
    )
    copy_attention(ours.self_attention, theirs.self_attn)
    copy_attention(ours.cross_attention, theirs.multihead_attn)
    copy_rest(ours, theirs, ["norm1", "norm2", "norm3"])
    y, memory = torch.randn(2, 4, EMBED), torch.randn(2, 5, EMBED)
    real = torch.tensor([[True] * 5, [True] * 3 + [False] * 2])  # source positions
    mine, _, _ = ours(y, memory, causal_mask(4), real.unsqueeze(1))
    expected = theirs(
        y,
        memory,
        tgt_mask=~causal_mask(4),  # True = may not look, for PyTorch
        memory_key_padding_mask=~real,
    )
    torch.testing.assert_close(mine, expected, atol=1e-5, rtol=1e-4)


# ------------------------------------------------------------------ the model


def test_a_future_target_token_never_changes_earlier_outputs():
    model = small_model().eval()
    src, lengths, tgt_in = batch()
    before = model(src, lengths, tgt_in)  # (batch, tgt_len, vocab)
    for t in range(1, tgt_in.size(1)):
        changed = tgt_in.clone()
        changed[:, t:] = 10  # rewrite position t and everything after it
        after = model(src, lengths, changed)
        torch.testing.assert_close(after[:, :t], before[:, :t])
        assert not torch.allclose(after[:, t], before[:, t])


def test_padding_gets_zero_weight_in_every_layer_and_head():
    model = small_model().eval()
    src, lengths, tgt_in = batch()
    state = model.encode(src, lengths)
    decoded = model.decode_all(tgt_in, state)
    for weights in decoded.cross_weights:  # (batch, heads, tgt_len, src_len)
        assert torch.all(weights[1, :, :, 3:] == 0)
        torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1]))
    for weights in decoded.self_weights:  # (batch, heads, tgt_len, tgt_len)
        assert torch.all(weights.triu(diagonal=1) == 0)  # no weight on the future
    with torch.no_grad():
        x = model.embed(model.src_embedding, src)
        _, weights = model.encoder_layers[0](x, state.mask)
    assert torch.all(weights[1, :, :, 3:] == 0)


def test_the_padding_of_a_sentence_does_not_change_its_translation():
    model = small_model().eval()
    src, lengths, tgt_in = batch()
    alone = model(src[1:, :3], lengths[1:], tgt_in[1:, :3])
    padded = model(src, lengths, tgt_in)[1:, :3]
    torch.testing.assert_close(alone, padded, atol=1e-5, rtol=1e-4)


def test_decoding_step_by_step_equals_all_positions_at_once():
    """The decoding loop's steps, fed the same tokens, give the teacher-forced
    scores: decode_step sees exactly what forward sees at that position."""
    model = small_model().eval()
    src, lengths, tgt_in = batch()
    all_at_once = model(src, lengths, tgt_in)
    state = model.encode(src, lengths)
    with torch.no_grad():
        for t in range(tgt_in.size(1)):
            logits, state = model.decode_step(tgt_in[:, t], state)
            torch.testing.assert_close(logits, all_at_once[:, t], atol=1e-5, rtol=1e-4)


def test_greedy_decoding_feeds_back_its_own_predictions():
    model = small_model().eval()
    src, lengths, _ = batch()
    fed = []
    for token, _, state in decode(model, src, lengths, max_len=6):
        fed.append(token)
        assert torch.equal(state.tokens[:, 1:], torch.stack(fed, dim=1)[:, :-1])
    assert torch.equal(state.tokens[:, 0], torch.full((2,), SOS))


def test_beam_search_runs_on_the_transformer_and_a_beam_of_one_is_greedy():
    model = small_model().eval()
    src, lengths, _ = batch()
    greedy = greedy_decode(model, src, lengths, max_len=6)
    found = beam_search(model, src, lengths, width=1, max_len=6)
    for row, (best,) in zip(greedy.tolist(), found):
        end = row.index(EOS) + 1 if EOS in row else len(row)
        assert best.tokens == row[:end]
    assert len(beam_search(model, src, lengths, width=3, max_len=6)[0]) == 3


def test_without_positions_the_encoder_cannot_tell_word_order():
    """With positions="none" the encoder is permutation-equivariant: shuffling the
    source words only shuffles its outputs. With sinusoids it is not."""
    src = torch.tensor([[5, 6, 7, 8, 9]])
    shuffled = torch.tensor([[8, 5, 9, 7, 6]])
    order = [3, 0, 4, 2, 1]  # shuffled[i] = src[order[i]]
    for positions, blind in [("none", True), ("sinusoidal", False)]:
        model = small_model(positions).eval()
        with torch.no_grad():
            out = model.encode(src, torch.tensor([5])).memory
            out_shuffled = model.encode(shuffled, torch.tensor([5])).memory
        same = torch.allclose(out[:, order], out_shuffled, atol=1e-5)
        assert same == blind, positions


def test_scaled_token_embeddings_are_about_as_large_as_the_positions():
    """Embeddings start with std 1/sqrt(embed); times sqrt(embed) they have about the
    positions' size (root mean square 1 against the sinusoids' 1/sqrt(2)), so neither
    drowns the other; <pad> embeds to zero."""
    torch.manual_seed(0)
    model = Transformer(500, 500, embed_size=64, positions="none")
    tokens = model.embed(model.src_embedding, torch.arange(4, 500).view(4, 124))
    rms = tokens.pow(2).mean().sqrt().item()
    positions = sinusoidal_positions(100, 64).pow(2).mean().sqrt().item()
    assert 0.9 < rms < 1.1 and positions == pytest.approx(0.5**0.5, abs=1e-3)
    assert torch.all(model.src_embedding.weight[PAD] == 0)
    assert torch.all(model.tgt_embedding.weight[PAD] == 0)


def test_learned_positions_are_trained_parameters():
    model = small_model("learned")
    names = [name for name, _ in model.named_parameters()]
    assert "position_embedding.weight" in names
    assert "position_embedding.weight" not in [
        name for name, _ in small_model().named_parameters()
    ]


def test_cross_attention_weights_come_per_layer_and_head():
    model = small_model().eval()
    src, lengths, tgt_in = batch()
    weights = cross_attention_weights(model, src, lengths, tgt_in)
    assert weights.shape == (2, HEADS, 2, 4, 5)  # (layers, heads, batch, tgt, src)
    decoded = model.decode_all(tgt_in, model.encode(src, lengths))
    torch.testing.assert_close(weights[1, 2], decoded.cross_weights[1][:, 2])


def test_erasure_effects_run_on_one_head_of_the_transformer():
    from attnlab.alignment import ERASED, encode_pairs, erasure_effects
    from attnlab.grammar import make_grammar_pairs

    triples = make_grammar_pairs(20, seed=1, max_len=8)
    src_vocab = Vocab([k for k, _, _ in triples], words=True)
    tgt_vocab = Vocab([e for _, e, _ in triples], words=True)
    torch.manual_seed(0)
    model = Transformer(len(src_vocab), len(tgt_vocab), EMBED, HEADS, ff_size=FF)
    src, lengths, tgt_in = encode_pairs(triples, src_vocab, tgt_vocab)
    head = cross_attention_weights(model, src, lengths, tgt_in)[1, 2]  # layer 2, head 3
    effects = erasure_effects(model, triples, src_vocab, tgt_vocab, head)
    assert set(effects) == set(ERASED)
    assert all(0 <= effect["flips"] <= 1 for effect in effects.values())
    assert effects["gold"]["flips"] > 0  # an untrained model still reads its input


class Scripted(Transformer):
    """Cross-attention set by hand: layer 0's head 0 looks at the source words in
    reverse order, its head 1 along the diagonal; layer 1 the other way round."""

    def decode_all(self, tgt_in, state):
        batch, tgt_len = tgt_in.shape
        src_len = state.memory.size(1)
        n = state.mask.sum(-1).squeeze(1)  # (batch,) source length with <eos>
        t = torch.arange(tgt_len)
        reverse = F.one_hot((n[:, None] - 2 - t).clamp(min=0), src_len).float()
        diagonal = F.one_hot(t.clamp(max=src_len - 1), src_len).float()
        layer = torch.stack([reverse, diagonal.expand(batch, -1, -1)], dim=1)
        return Decoded(None, [layer, layer], [layer, layer.flip(1)])


def test_head_alignment_accuracy_scores_each_head_against_the_gold():
    triples = [("a b c", "x y z", (2, 1, 0)), ("a b", "x y w", (1, None, 0))]
    src_vocab = Vocab(["a b c"], words=True)
    tgt_vocab = Vocab(["x y z w"], words=True)
    model = Scripted(len(src_vocab), len(tgt_vocab), embed_size=4, heads=2)
    accuracy = head_alignment_accuracy(model, triples, src_vocab, tgt_vocab)
    # reverse: 5 of 5 aligned words; diagonal: 1 of 3 and 0 of 2 (see test_alignment)
    torch.testing.assert_close(accuracy, torch.tensor([[1.0, 0.2], [0.2, 1.0]]))


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", ["encoder", "decoder", "masked self-attention", "cross-attention"]),
        ("ko", ["인코더", "디코더", "마스크 셀프 어텐션", "크로스 어텐션"]),
    ],
)
def test_the_diagram_draws_both_stacks_with_a_norm_and_a_residual_per_sublayer(
    lang, words
):
    before = get_language()
    set_language(lang)
    try:
        fig, ax = plt.subplots()
        draw_transformer(layers=3, ax=ax)
        texts = [t.get_text() for t in ax.texts]
    finally:
        set_language(before)
        plt.close("all")
    assert set(words) <= set(texts)
    assert texts.count("× 3") == 2  # the encoder's and the decoder's stacks
    assert texts.count("+") == 2 + 3  # a residual for each sub-layer
    norm = "norm" if lang == "en" else "정규화"
    assert texts.count(norm) == 2 + 3 + 2  # one per sub-layer, one per stack


@pytest.mark.parametrize(
    "make, en, ko",
    [
        (lambda: Transformer(5, 5, 10, 4), "divisible by heads", "나누어떨어져야"),
        (
            lambda: Transformer(5, 5, positions="rope"),
            "positions must be",
            "positions는",
        ),
        (lambda: sinusoidal_positions(4, 7), "must be even", "짝수여야"),
        (
            lambda: Transformer(5, 5, max_len=4)(
                torch.ones(1, 6, dtype=torch.long),
                torch.tensor([6]),
                torch.ones(1, 2, dtype=torch.long),
            ),
            "longer than the model's maximum, 4",
            "최대 길이 4",
        ),
    ],
)
def test_bad_input_gets_a_message_in_the_readers_language(make, en, ko):
    before = get_language()
    try:
        for lang, words in (("en", en), ("ko", ko)):
            set_language(lang)
            with pytest.raises(ReaderError, match=words):
                make()
    finally:
        set_language(before)
