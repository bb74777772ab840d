"""How good is a translation? Exact match, token accuracy, BLEU (chapter 2), and
where free running goes wrong: first errors and the fields of a date (chapter 3).

Written out and explained in chapter 2, "Sequence to sequence", and chapter 3,
"Teacher forcing".
"""

import sacrebleu
import torch

from attnlab.batches import make_batches, pad
from attnlab.seq2seq import greedy_decode
from attnlab.vocab import SOS, UNK


def exact_match(predictions, references):
    """Share of predictions that equal their reference exactly."""
    return sum(p == r for p, r in zip(predictions, references)) / len(references)


def token_accuracy(predictions, references):
    """Share of reference tokens (characters) predicted right at their position."""
    right = sum(
        sum(a == b for a, b in zip(p, r)) for p, r in zip(predictions, references)
    )
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
    batches = make_batches(
        ordered,
        src_vocab,
        tgt_vocab,
        batch_size=batch_size,
        shuffle=False,
        device=device,
    )
    texts = []
    for batch in batches:
        ids = greedy_decode(model, batch.src, batch.src_lengths, max_len=max_len)
        texts.extend(tgt_vocab.decode(row) for row in ids.tolist())
    result = [None] * len(pairs)
    for i, text in zip(order, texts):
        result[i] = text
    return result


@torch.no_grad()
def teacher_forced_texts(model, pairs, src_vocab, tgt_vocab):
    """The decoder's best guess at each position of each reference, fed the reference
    before it (chapter 3): one string per pair, as long as its reference (characters;
    a special token counts as one character, □)."""
    model.eval()
    device = next(model.parameters()).device
    sources = [src_vocab.encode(source) for source, _ in pairs]
    targets = [tgt_vocab.encode(target, eos=False) for _, target in pairs]
    src = pad(sources).to(device)  # (pairs, src_len)
    src_lengths = torch.tensor([len(s) for s in sources], device=device)  # (pairs,)
    tgt_in = pad([[SOS] + t[:-1] for t in targets]).to(device)  # (pairs, tgt_len)
    best = model(src, src_lengths, tgt_in).argmax(dim=-1).tolist()  # (pairs, tgt_len)

    def spell(i):  # one character per token; a special token is □
        return tgt_vocab.itos[i] if i > UNK else "□"

    return ["".join(map(spell, row[: len(t)])) for row, t in zip(best, targets)]


def first_error(prediction, reference):
    """Index of the first character where the texts differ; None if they are equal."""
    if prediction == reference:
        return None
    return next(
        (i for i, (a, b) in enumerate(zip(prediction, reference)) if a != b),
        min(len(prediction), len(reference)),
    )


def date_fields(text):
    """Month, day and year of an English date 'Month D, YYYY' ('' where missing)."""
    month, _, rest = text.partition(" ")
    day, _, year = rest.partition(", ")
    return {"month": month, "day": day, "year": year}


def field_accuracy(predictions, references):
    """Share of predictions whose month, day and year are right, field by field."""
    fields = [(date_fields(p), date_fields(r)) for p, r in zip(predictions, references)]
    return {
        name: sum(p[name] == r[name] for p, r in fields) / len(fields)
        for name in ("month", "day", "year")
    }
