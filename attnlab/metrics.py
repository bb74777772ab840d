"""How good is a translation? Exact match, token accuracy, BLEU (chapter 2).

Written out and explained in chapter 2, "Sequence to sequence".
"""

import sacrebleu
import torch

from attnlab.batches import make_batches
from attnlab.seq2seq import greedy_decode
from attnlab.vocab import PAD


def exact_match(predictions, references):
    """Share of predictions that equal their reference exactly."""
    return sum(p == r for p, r in zip(predictions, references)) / len(references)


def token_accuracy(predictions, references):
    """Share of reference tokens (characters) predicted right at their position."""
    right = sum(sum(a == b for a, b in zip(p, r)) for p, r in zip(predictions, references))
    return right / sum(len(r) for r in references)


def bleu(predictions, references, tokenize="13a"):
    """Corpus BLEU from sacrebleu, 0–100 (Papineni et al. 2002)."""
    return sacrebleu.corpus_bleu(predictions, [references], tokenize=tokenize).score


@torch.no_grad()
def translate_pairs(model, pairs, src_vocab, tgt_vocab, batch_size=500, max_len=30):
    """Greedy translations of the sources of ``pairs``, in the order of ``pairs``."""
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(pairs)), key=lambda i: len(src_vocab.encode(pairs[i][0])))
    ordered = [pairs[i] for i in order]
    batches = make_batches(ordered, src_vocab, tgt_vocab, batch_size=batch_size,
                           shuffle=False, device=device)
    texts = []
    for batch in batches:
        ids = greedy_decode(model, batch.src, batch.src_lengths, max_len=max_len)
        texts.extend(tgt_vocab.decode(row) for row in ids.tolist())
    result = [None] * len(pairs)
    for i, text in zip(order, texts):
        result[i] = text
    return result


@torch.no_grad()
def fed_token_accuracy(model, batches, teacher_forcing_ratio):
    """Token accuracy (<eos> included) when decoding with the given ratio (chapter 3).

    Ratio 1 feeds the decoder the true previous tokens; ratio 0 feeds it its own
    predictions, as at inference. Positions are compared one by one.
    """
    model.eval()
    right = total = 0
    for batch in batches:
        logits = model(batch.src, batch.src_lengths, batch.tgt_in,
                       teacher_forcing_ratio=teacher_forcing_ratio)
        real = batch.tgt_out != PAD  # (batch, tgt_len)
        right += ((logits.argmax(dim=-1) == batch.tgt_out) & real).sum().item()
        total += real.sum().item()
    return right / total
