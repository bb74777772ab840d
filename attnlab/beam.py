"""Searching for a translation (chapter 7): sequence scores, beam search, sampling.

Beam search runs on the package's one decoding loop (``attnlab.seq2seq.decode``): the
``width`` hypotheses of every sentence are folded into the batch dimension (each
sentence is given to the loop ``width`` times), and one ``BeamSearch`` object, the
loop's ``pick``, chooses at each step which hypotheses go on. A hypothesis that says
<eos> is set aside as finished; a sentence is done once it has ``width`` finished
hypotheses (the rule of fairseq, Ott et al. 2019), or when the
loop reaches ``max_len`` (the hypotheses still open are then kept, unfinished). The
finished hypotheses are ranked by their log-probability divided by the length penalty
of Wu et al. (2016), :math:`lp(Y) = ((5 + |Y|) / 6)^\\alpha`.
"""

from typing import NamedTuple

import torch

from attnlab.i18n import ReaderError
from attnlab.seq2seq import decode, decode_steps
from attnlab.vocab import EOS, SOS


class Hypothesis(NamedTuple):
    """One translation found by a search (chapter 7).

    ``tokens``: the ids, ending with <eos> when it finished; ``log_prob``: its
    log-probability, :math:`\\sum_t \\log p(y_t \\mid y_{<t}, x)`; ``score``:
    ``log_prob`` divided by the length penalty, what the search ranks by;
    ``weights``: the attention weights of each step, (steps, src_len), or None.
    """

    tokens: list
    log_prob: float
    score: float
    weights: torch.Tensor = None


def length_penalty(length, alpha):
    """Wu et al. (2016)'s length penalty, lp(Y) = ((5 + |Y|) / 6) ** alpha (ch. 7).
    With alpha = 0 it is 1: no normalisation."""
    return ((5 + length) / 6) ** alpha


def sequence_log_prob(model, src, src_lengths, tokens):
    """log p(y | x) of given target ids (a list, ending with <eos> or not) for one
    sentence, by teacher-forcing them (chapter 7): the sum of each token's log-prob."""
    model.eval()
    with torch.no_grad():
        state = model.encode(src, src_lengths)
        ids = torch.tensor([[SOS, *tokens[:-1]]], device=src.device)  # (1, steps)
        logits, _ = decode_steps(model, ids, state)  # (1, steps, vocab)
        log_probs = logits.log_softmax(dim=-1)[0]  # (steps, vocab)
        picked = log_probs[torch.arange(len(tokens)), torch.tensor(tokens)]
    return picked.sum().item()


def select_state(state, rows):
    """The decoder state of the batch rows ``rows`` (a tensor of indices), whatever
    the model's state is made of: a tensor, a tuple or named tuple of them, None."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.index_select(0, rows)
    if isinstance(state, tuple):
        parts = [select_state(part, rows) for part in state]
        return type(state)(*parts) if hasattr(state, "_fields") else tuple(parts)
    raise TypeError(f"cannot select rows of a {type(state).__name__}")


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


class BeamSearch:
    """The ``pick`` of ``decode`` that keeps the ``width`` best hypotheses of every
    sentence (chapter 7). The rows of the decoder's batch are (sentence, beam) pairs,
    sentence by sentence: row ``b * width + i`` is beam ``i`` of sentence ``b``.

    After the loop, ``results()`` gives each sentence's hypotheses, best first, and
    ``trace`` (if ``record``) what happened at each step of sentence 0: every
    candidate considered, with its beam, token, log-prob and fate.
    """

    def __init__(self, batch, width, alpha, device, record=False):
        self.width, self.alpha, self.record = width, alpha, record
        # the log-prob of each open hypothesis: (batch, width); at the start every
        # beam holds the same <sos>, so only beam 0 may grow
        self.log_probs = torch.full((batch, width), float("-inf"), device=device)
        self.log_probs[:, 0] = 0.0
        self.tokens = torch.zeros(batch, width, 0, dtype=torch.long, device=device)
        self.weights = None  # (batch, width, steps, src_len) if the model attends
        self.finished = [[] for _ in range(batch)]
        self.done = torch.zeros(batch, dtype=torch.bool, device=device)
        self.trace = []

    def __call__(self, logits, state):
        batch, width = self.log_probs.shape
        check_width(width, logits.size(-1))
        best, beam, token = beam_step(self.log_probs, logits, width)
        ends = token == EOS
        self._set_aside(best, beam, ends, state)
        # the width best candidates that do not end go on
        going_on = best.masked_fill(ends, float("-inf")).topk(width, dim=-1).indices
        self._record(best, beam, token, ends, going_on)
        beam, token = beam.gather(1, going_on), token.gather(1, going_on)
        self.log_probs = best.gather(1, going_on)  # (batch, width)
        self.tokens = torch.cat(
            [self._along(self.tokens, beam), token.unsqueeze(-1)], dim=-1
        )
        step_weights = getattr(state, "weights", None)
        if step_weights is not None:  # (batch * width, src_len)
            step_weights = step_weights.view(batch, width, 1, -1)
            grown_weights = (
                step_weights
                if self.weights is None
                else torch.cat([self.weights, step_weights], dim=2)
            )
            self.weights = self._along(grown_weights, beam)
        self.done |= torch.tensor(
            [len(f) >= width for f in self.finished], device=self.done.device
        )
        rows = beam + torch.arange(batch, device=beam.device).unsqueeze(1) * width
        token = token.masked_fill(self.done.unsqueeze(1), EOS)  # done: stop the loop
        return token.view(-1), select_state(state, rows.view(-1))

    @staticmethod
    def _along(history, beam):
        """``history`` (batch, width, ...) of the beams each new slot grows from."""
        index = beam.view(*beam.shape, *([1] * (history.dim() - 2)))
        return history.gather(1, index.expand(-1, -1, *history.shape[2:]))

    def _set_aside(self, best, beam, ends, state):
        """Keep the candidates that say <eos> among the width best of a sentence."""
        width = self.width
        for b, rank in ends[:, :width].nonzero().tolist():
            if self.done[b] or best[b, rank] == float("-inf"):
                continue
            i = beam[b, rank].item()
            weights = None
            if getattr(state, "weights", None) is not None:
                last = state.weights[b * width + i].view(1, -1)  # (1, src_len)
                before = None if self.weights is None else self.weights[b, i]
                weights = last if before is None else torch.cat([before, last])
            self._keep(b, [*self.tokens[b, i].tolist(), EOS], best[b, rank], weights)

    def _keep(self, b, tokens, log_prob, weights):
        log_prob = float(log_prob)
        score = log_prob / length_penalty(len(tokens), self.alpha)
        self.finished[b].append(Hypothesis(tokens, log_prob, score, weights))

    def _record(self, best, beam, token, ends, going_on):
        if not self.record or self.done[0]:
            return
        kept = set(going_on[0].tolist())
        step = []
        for rank in range(best.size(1)):
            if best[0, rank] == float("-inf"):
                continue
            if ends[0, rank]:
                fate = "finished" if rank < self.width else "pruned"
            else:
                fate = "kept" if rank in kept else "pruned"
            step.append(
                {
                    "beam": beam[0, rank].item(),
                    "prefix": self.tokens[0, beam[0, rank]].tolist(),
                    "token": token[0, rank].item(),
                    "log_prob": best[0, rank].item(),
                    "fate": fate,
                }
            )
        self.trace.append(step)

    def results(self):
        """Each sentence's hypotheses, best score first; a sentence that was not done
        when the loop stopped also gets its open hypotheses, unfinished."""
        out = []
        for b, finished in enumerate(self.finished):
            hypotheses = list(finished)
            if not self.done[b]:
                for i in range(self.width):
                    if self.log_probs[b, i] > float("-inf"):
                        weights = None if self.weights is None else self.weights[b, i]
                        self._keep(b, self.tokens[b, i].tolist(), self.log_probs[b, i],
                                   weights)  # fmt: skip
                hypotheses = self.finished[b]
            out.append(sorted(hypotheses, key=lambda h: -h.score)[: self.width])
        return out


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


def beam_search(model, src, src_lengths, width=4, max_len=30, alpha=0.0,
                record=False):  # fmt: skip
    """Translate a batch with beam search (chapter 7): for each sentence, its
    ``width`` best hypotheses, best first (a list of lists of ``Hypothesis``).

    With ``record``, also returns the ``BeamSearch`` whose ``trace`` tells what
    happened to every candidate of sentence 0 at every step.
    """
    check_width(width)
    check_sentences(src, src_lengths)
    model.eval()
    search = BeamSearch(src.size(0), width, alpha, src.device, record=record)
    # each beam starts from its own copy of its sentence: row b * width + i
    rows = torch.arange(src.size(0), device=src.device).repeat_interleave(width)
    for _ in decode(model, src[rows], src_lengths[rows], max_len, pick=search):
        pass
    hypotheses = search.results()
    return (hypotheses, search) if record else hypotheses


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
        probs = logits.softmax(dim=-1)
        return torch.multinomial(probs, 1, generator=generator).squeeze(1), state

    model.eval()
    steps = [t for t, _, _ in decode(model, src, src_lengths, max_len, pick=pick)]
    return torch.stack(steps, dim=1)  # (batch, steps)
