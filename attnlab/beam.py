"""Searching for a translation (chapter 7): sequence scores, beam search, sampling.

Beam search runs on the package's one decoding loop (``attnlab.seq2seq.decode``): the
``width`` hypotheses of every sentence are folded into the batch dimension (each
sentence is given to the loop ``width`` times, row ``b * width + i`` being beam ``i``
of sentence ``b``), and the loop's ``pick`` chooses at each step which hypotheses go
on. A hypothesis that says <eos> is set aside as finished; a sentence is done once it
has ``width`` finished hypotheses (the rule of fairseq, Ott et al. 2019), or when the
loop reaches ``max_len`` (the hypotheses still open are then kept, unfinished).
Hypotheses are ranked by their log-probability divided by the length penalty of Wu et
al. (2016), :math:`lp(Y) = ((5 + |Y|) / 6)^\\alpha`.
"""

from typing import NamedTuple

import torch

from attnlab.i18n import ReaderError
from attnlab.seq2seq import decode, decode_steps
from attnlab.vocab import EOS, SOS


class Hypothesis(NamedTuple):
    """One translation found by a search (chapter 7): its ids (ending with <eos> if
    it finished), its log-probability log p(y | x), and the score its n-best list is
    ranked by, the log-probability divided by the length penalty."""

    tokens: list
    log_prob: float
    score: float


def length_penalty(length, alpha):
    """Wu et al. (2016)'s length penalty, lp(Y) = ((5 + |Y|) / 6) ** alpha (ch. 7).
    With alpha = 0 it is 1: no normalisation."""
    return ((5 + length) / 6) ** alpha


def hypothesis(tokens, log_prob, alpha):
    """A ``Hypothesis`` scored with the length penalty of ``alpha`` (chapter 7)."""
    return Hypothesis(tokens, log_prob, log_prob / length_penalty(len(tokens), alpha))


@torch.no_grad()
def sequence_log_prob(model, src, src_lengths, tokens):
    """log p(y | x) = sum_t log p(y_t | y_<t, x) of given target ids (a list) for one
    sentence, by teacher-forcing them (chapter 7)."""
    model.eval()
    state = model.encode(src, src_lengths)
    ids = torch.tensor([[SOS, *tokens[:-1]]], device=src.device)  # (1, steps)
    logits, _ = decode_steps(model, ids, state)  # (1, steps, vocab)
    log_probs = logits.log_softmax(dim=-1)[0]  # (steps, vocab)
    return log_probs[torch.arange(len(tokens)), torch.tensor(tokens)].sum().item()


def select_state(state, rows):
    """The decoder state of the batch rows ``rows`` (a tensor of indices), whatever
    the model's state is made of: a tensor, a tuple or named tuple of them, None
    (chapter 7)."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.index_select(0, rows)
    parts = [select_state(part, rows) for part in state]
    return type(state)(*parts) if hasattr(state, "_fields") else tuple(parts)


def beam_step(log_probs, logits, width):
    """One step of beam search for a batch (chapter 7): the best ways to grow the open
    hypotheses by one token, ranked over all the beams of a sentence together.

    ``log_probs``: each open hypothesis's log-prob, (batch, width); ``logits``: the
    next-token scores of each, (batch * width, vocab). Returns 2 * width candidates
    per sentence, best first: their log-probs, the beam each grows and the token it
    adds, each (batch, 2 * width). Twice the width, because up to width of them may
    end with <eos> and leave the beam.
    """
    batch, vocab = log_probs.size(0), logits.size(-1)
    # log p(y_<t, y_t) = log p(y_<t) + log p(y_t | y_<t): (batch, width, vocab)
    grown = log_probs.unsqueeze(-1) + logits.log_softmax(dim=-1).view(batch, width, -1)
    best, index = grown.view(batch, -1).topk(2 * width, dim=-1)  # (batch, 2 * width)
    return best, index // vocab, index % vocab


def set_aside(finished, best, beam, token, tokens, width, alpha):
    """Put the candidates that say <eos>, among the ``width`` best of a sentence, on
    its list of finished hypotheses, until it holds ``width`` (chapter 7).
    ``tokens``: the open hypotheses' ids so far, (batch, width, steps)."""
    for b, rank in (token[:, :width] == EOS).nonzero().tolist():
        if len(finished[b]) < width and best[b, rank] > float("-inf"):
            ids = [*tokens[b, beam[b, rank]].tolist(), EOS]
            finished[b].append(hypothesis(ids, best[b, rank].item(), alpha))


def grow(tokens, beam, token):
    """The open hypotheses' ids after a step: each is the ids of the beam it grows
    from, plus its new token (chapter 7). (batch, width, steps) -> (..., steps + 1)."""
    index = beam.unsqueeze(-1).expand(-1, -1, tokens.size(2))  # (batch, width, steps)
    return torch.cat([tokens.gather(1, index), token.unsqueeze(-1)], dim=-1)


def n_best(finished, log_probs, tokens, width, alpha):
    """Each sentence's ``width`` best hypotheses, best score first (chapter 7). A
    sentence with fewer than ``width`` finished ones also gets its open ones."""
    results = []
    for b, done in enumerate(finished):
        hypotheses = list(done)
        if len(done) < width:
            hypotheses += [
                hypothesis(tokens[b, i].tolist(), log_probs[b, i].item(), alpha)
                for i in range(width)
                if log_probs[b, i] > float("-inf")
            ]
        results.append(sorted(hypotheses, key=lambda h: -h.score)[:width])
    return results


def beam_search(model, src, src_lengths, width=4, max_len=30, alpha=0.0, trace=None):
    """Each sentence's ``width`` best translations, best first (chapter 7); ``trace``,
    a list, receives every step's candidates and the ones that go on."""
    check_search(src, src_lengths, width)
    batch, device = src.size(0), src.device
    log_probs = torch.full((batch, width), float("-inf"), device=device)
    log_probs[:, 0] = 0.0  # every beam starts as the same <sos>: let one grow
    tokens = torch.zeros(batch, width, 0, dtype=torch.long, device=device)
    finished = [[] for _ in range(batch)]
    offset = width * torch.arange(batch, device=device).unsqueeze(1)  # (batch, 1)

    def pick(logits, state):
        nonlocal log_probs, tokens
        check_width(width, logits.size(-1))
        best, beam, token = beam_step(log_probs, logits, width)  # (batch, 2 * width)
        set_aside(finished, best, beam, token, tokens, width, alpha)
        on = best.masked_fill(token == EOS, float("-inf")).topk(width).indices
        if trace is not None:
            trace.append((best, beam, token, on))
        beam, token = beam.gather(1, on), token.gather(1, on)  # (batch, width)
        log_probs, tokens = best.gather(1, on), grow(tokens, beam, token)
        done = torch.tensor([len(f) >= width for f in finished], device=device)
        token = token.masked_fill(done.unsqueeze(1), EOS)  # done: stop the loop
        return token.view(-1), select_state(state, (beam + offset).view(-1))

    rows = torch.arange(batch, device=device).repeat_interleave(width)
    for _ in decode(model, src[rows], src_lengths[rows], max_len, pick=pick):
        pass  # decode runs without gradients
    return n_best(finished, log_probs, tokens, width, alpha)


def check_search(src, src_lengths, width):
    """Refuse a search that cannot run, in the reader's language."""
    check_width(width)
    check_sentences(src, src_lengths)


def check_width(width, vocab_size=None):
    """Refuse a beam size that cannot be searched with, in the reader's language."""
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ReaderError(
            ko=f"빔 크기는 1 이상의 정수여야 합니다 (받은 값: {width!r}).",
            en=f"The beam size must be a whole number of at least 1, not {width!r}.",
        )
    if vocab_size is not None and width > vocab_size:
        raise ReaderError(
            ko=f"빔 크기 {width}이(가) 어휘 크기 {vocab_size}보다 큽니다.",
            en=f"The beam size {width} is larger than the vocabulary ({vocab_size}).",
        )


def check_sentences(src, src_lengths):
    """Refuse an empty sentence, in the reader's language."""
    if src.numel() == 0 or bool((src_lengths < 1).any()):
        raise ReaderError(
            ko="빈 문장은 번역할 수 없습니다.",
            en="There is nothing to translate: a sentence is empty.",
        )


def sample(model, src, src_lengths, max_len=30, temperature=1.0, top_k=None,
           generator=None):  # fmt: skip
    """Translate a batch by sampling each next token (chapter 7): from the softmax of
    the scores divided by ``temperature``, among the ``top_k`` most likely tokens
    only if ``top_k`` is given. Returns ids, (batch, steps)."""
    if temperature <= 0:
        raise ReaderError(
            ko=f"온도는 0보다 커야 합니다 (받은 값: {temperature!r}).",
            en=f"The temperature must be above 0, not {temperature!r}.",
        )

    def pick(logits, state):
        logits = logits / temperature  # (batch, vocab)
        if top_k is not None:
            kth = logits.topk(top_k, dim=-1).values[:, -1:]  # (batch, 1)
            logits = logits.masked_fill(logits < kth, float("-inf"))
        probs = logits.softmax(dim=-1)  # (batch, vocab)
        return torch.multinomial(probs, 1, generator=generator).squeeze(1), state

    model.eval()
    steps = [t for t, _, _ in decode(model, src, src_lengths, max_len, pick=pick)]
    return torch.stack(steps, dim=1)  # (batch, steps)
