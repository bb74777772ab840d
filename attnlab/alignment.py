"""Attention weights read as word alignments: collect, score and draw them (chapter 5).

Written out and explained in chapter 5, "Attention as alignment". The weights are
collected with teacher forcing, so that decoding step j is the step that predicts
word j of the reference, the word the gold alignment of ``attnlab.grammar`` is about.
"""

import random

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch
from matplotlib import font_manager
from matplotlib.patches import Rectangle

from attnlab.batches import pad
from attnlab.grammar import (
    ADJECTIVES,
    NOUNS,
    PLACES,
    PREPOSITIONS,
    VERBS,
    with_particle,
)
from attnlab.i18n import ReaderError, get_language
from attnlab.seq2seq import decode_steps
from attnlab.tokenizers import pool_by_words
from attnlab.vocab import SOS, UNK


def encode_pairs(pairs, src_vocab, tgt_vocab, device="cpu"):
    """Padded tensors for pairs ``(source, target, ...)``, in the order given.

    Returns src (batch, src_len), src_lengths (batch,) and tgt_in (batch, tgt_len),
    the targets with <sos> in front and without their <eos>.
    """
    sources = [src_vocab.encode(pair[0]) for pair in pairs]
    targets = [[SOS] + tgt_vocab.encode(pair[1])[:-1] for pair in pairs]
    return (
        pad(sources).to(device),
        torch.tensor([len(s) for s in sources]).to(device),
        pad(targets).to(device),
    )


@torch.no_grad()
def attention_weights(model, src, src_lengths, tgt_in):
    """Each step's weights under teacher forcing: (batch, tgt_len, src_len)."""
    model.eval()
    _, states = decode_steps(model, tgt_in, model.encode(src, src_lengths))
    return torch.stack([state.weights for state in states], dim=1)


def alignment_accuracy(model, triples, src_vocab, tgt_vocab, batch_size=500):
    """Share of aligned target words whose highest-weight source word is the gold one.

    ``triples`` are ``(source, target, alignment)`` from ``attnlab.grammar``; target
    words whose alignment is None ("a", "that") are not counted.
    """
    device = next(model.parameters()).device
    right = total = 0
    for start in range(0, len(triples), batch_size):
        chunk = triples[start : start + batch_size]
        src, src_lengths, tgt_in = encode_pairs(chunk, src_vocab, tgt_vocab, device)
        # (batch, tgt_len)
        best = attention_weights(model, src, src_lengths, tgt_in).argmax(dim=-1)
        for row, (_, _, gold) in zip(best.tolist(), chunk):
            for j, i in enumerate(gold):
                if i is not None:
                    total += 1
                    right += row[j] == i
    return right / total


def word_alignment_accuracy(model, triples, src_vocab, tgt_vocab):
    """``alignment_accuracy`` for models that read and write tokens smaller than words
    (``attnlab.tokenizers``): each pair's attention, teacher-forced, is pooled from
    tokens to words (``pool_by_words``), and the gold word of each aligned target
    word is checked against its most-attended source word. <eos> is no word."""
    device = next(model.parameters()).device
    right = total = 0
    for source, target, gold in triples:
        batch = encode_pairs([(source, target)], src_vocab, tgt_vocab, device)
        weights = attention_weights(model, *batch)[0].cpu()  # (tgt tokens, src tokens)
        rows = tgt_vocab.tokenizer.word_ids(target) + [None]
        columns = src_vocab.tokenizer.word_ids(source) + [None]
        best = pool_by_words(weights, rows, columns).argmax(dim=-1).tolist()
        for j, i in enumerate(gold):
            if i is not None:
                total += 1
                right += best[j] == i
    return right / total


def korean_glosses():
    """Short English glosses of the Korean words and date characters of this book.

    ``{"고양이를": "cat-OBJ", "보고": "sees-and", "월": "month", ...}``, built from the
    grammar's word lists; used to label heatmaps in the English edition.
    """
    glosses = {"그": "the", "년": "year", "월": "month", "일": "day"}
    for english, korean in {**NOUNS, **PLACES}.items():
        glosses[korean] = english
    for english, korean in NOUNS.items():
        glosses[with_particle(korean, "subject")] = f"{english}-SUBJ"
        glosses[with_particle(korean, "object")] = f"{english}-OBJ"
    glosses.update(
        {korean: english for english, korean in {**ADJECTIVES, **PREPOSITIONS}.items()}
    )
    for english, (final, before_and, before_but, before_noun) in VERBS.items():
        glosses.update(
            {
                final: english,
                before_and: f"{english}-and",
                before_but: f"{english}-but",
                before_noun: f"that {english}",
            }
        )
    return glosses


def label_fonts():
    """The sans-serif fonts installed here, ending with DejaVu Sans (it has ␣)."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    fonts = [
        name for name in matplotlib.rcParams["font.sans-serif"] if name in installed
    ]
    return [name for name in fonts if name != "DejaVu Sans"] + ["DejaVu Sans"]


def tick_labels(tokens, glosses=None):
    """Tokens as tick labels: spaces shown as ␣, a gloss after each token with one."""
    labels = [token.replace(" ", "␣") for token in tokens]
    if glosses:
        labels = [
            f"{label} ({glosses[token]})" if token in glosses else label
            for label, token in zip(labels, tokens)
        ]
    return labels


def plot_alignment(
    weights, source_tokens, target_tokens, gold=None, ax=None, title=None, glosses=None
):
    """A heatmap of ``weights`` (target, source), labelled with the tokens.

    With ``gold`` (one source index or None per target token) the gold alignment is
    drawn as boxes over the cells. Spaces are shown as ␣. ``glosses=True`` (or a dict)
    adds an English gloss to each Korean source token, in the English edition only.
    Source labels are set at 45° when a word (not <eos>) is longer than two characters.
    """
    ax = ax or plt.gca()
    if glosses is True:
        glosses = korean_glosses()
    columns = tick_labels(source_tokens, glosses if get_language() == "en" else None)
    rows = tick_labels(target_tokens)
    sns.heatmap(
        np.asarray(weights),
        ax=ax,
        cmap="Blues",
        vmin=0,
        vmax=1,
        square=True,
        linewidths=0.3,
        xticklabels=False,
        yticklabels=False,
        cbar_kws={"shrink": 0.6},
    )
    # set here: seaborn would turn crowded labels by 90°
    ax.set_xticks(np.arange(len(columns)) + 0.5, columns)
    ax.set_yticks(np.arange(len(rows)) + 0.5, rows)
    slanted = any(len(label) > 2 for label in columns if not label.startswith("<"))
    ax.tick_params(axis="x", labelrotation=45 if slanted else 0)
    if slanted:
        plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.tick_params(axis="y", labelrotation=0)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontfamily(label_fonts())  # with a fallback font that has ␣
    for j, i in enumerate(gold or []):
        if i is not None:
            ax.add_patch(
                Rectangle((i, j), 1, 1, fill=False, edgecolor="#d62728", linewidth=1.6)
            )
    if title:
        ax.set_title(title)
    return ax


ERASED = ("most attended", "gold", "random")


@torch.no_grad()
def erasure_effects(model, triples, src_vocab, tgt_vocab, weights, seed=0,
                    batch_size=256):  # fmt: skip
    """Does the most-attended source word matter most? (chapter 8, after Jain and
    Wallace 2019 and Serrano and Smith 2019.)

    For every target word j with a gold alignment, teacher-forced, one source word
    is replaced by <unk>, three times over: the word the attention ``weights`` (a
    tensor (batch, tgt_len, src_len), one attention's weights for the ``triples``)
    put most weight on at step j; the gold-aligned word; a random other word (not
    the most attended one, not <eos>). Returns, for each of ``ERASED``, the share of
    target words whose predicted word changes ("flips") and the mean fall of the log-
    probability of the reference word ("drop").

    ``weights`` may also be a dict of such tensors (say, one per head); the result
    is then a dict with the same keys. Each sentence is run once per source word
    erased, whatever the number of attentions asked about.
    """
    model.eval()
    device = next(model.parameters()).device
    src, src_lengths, tgt_in = encode_pairs(triples, src_vocab, tgt_vocab, device)
    tgt_out = pad([tgt_vocab.encode(target) for _, target, _ in triples]).to(device)
    erased = erased_predictions(model, src, src_lengths, tgt_in, tgt_out, batch_size)
    if isinstance(weights, dict):
        return {
            name: effects_of(erased, triples, src_lengths, one, seed)
            for name, one in weights.items()
        }
    return effects_of(erased, triples, src_lengths, weights, seed)


def erased_predictions(model, src, src_lengths, tgt_in, tgt_out, batch_size):
    """Teacher-forced predictions with nothing erased and with each source token
    (<eos> too) replaced by <unk> in turn: the predicted word and the log-probability
    of the reference word, ``(before, after)`` with ``before`` (batch, tgt_len) each
    and ``after`` (batch, src_len, tgt_len) each (erasing token i: ``[:, i]``)."""

    def predict(source, rows):  # (predicted, reference log-prob), (rows, tgt_len)
        scores = model(source, src_lengths[rows], tgt_in[rows]).log_softmax(dim=-1)
        reference = scores.gather(-1, tgt_out[rows].unsqueeze(-1)).squeeze(-1)
        return scores.argmax(dim=-1), reference

    batch, src_len = src.shape
    before = predict(src, torch.arange(batch, device=src.device))
    shape = (batch, src_len, tgt_in.size(1))
    after = (
        torch.zeros(shape, dtype=torch.long, device=src.device),
        torch.zeros(shape, device=src.device),
    )
    pairs = [(b, i) for b in range(batch) for i in range(int(src_lengths[b]))]
    for start in range(0, len(pairs), batch_size):
        chunk = torch.tensor(pairs[start : start + batch_size], device=src.device)
        b, i = chunk.unbind(dim=1)  # (rows,) each
        erased = src[b].clone()  # (rows, src_len)
        erased[torch.arange(len(b), device=src.device), i] = UNK
        predicted, reference = predict(erased, b)
        after[0][b, i], after[1][b, i] = predicted, reference
    return before, after


def effects_of(erased, triples, src_lengths, weights, seed):
    """``erasure_effects`` for one attention, from ``erased_predictions``."""
    (predicted, log_prob), (erased_predicted, erased_log_prob) = erased
    most = weights.argmax(dim=-1).tolist()  # (batch, tgt_len)
    rng = random.Random(seed)
    erase = {which: [] for which in ERASED}  # (sentence, step, source word) to erase
    for b, (_, _, gold) in enumerate(triples):
        words = int(src_lengths[b]) - 1  # the source words, <eos> left out
        for j, i in enumerate(gold):
            others = [k for k in range(words) if k != most[b][j]]
            if i is None or not others:
                continue
            erase["most attended"].append((b, j, most[b][j]))
            erase["gold"].append((b, j, i))
            erase["random"].append((b, j, rng.choice(others)))
    if not erase["gold"]:
        raise ReaderError(
            ko="정답 정렬이 있는 목표 단어가 하나도 없습니다.",
            en="No target word has a gold alignment.",
        )
    effects = {}
    for which, rows in erase.items():
        b, j, i = torch.tensor(rows, device=predicted.device).unbind(dim=1)
        flips = (erased_predicted[b, i, j] != predicted[b, j]).float().mean()
        drop = (log_prob[b, j] - erased_log_prob[b, i, j]).mean()
        effects[which] = {"flips": flips.item(), "drop": drop.item()}
    return effects
