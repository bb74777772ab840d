"""Training a sequence-to-sequence model, with a tidy progress line (chapters 2 and 3).

Written out and explained in chapter 2, "Sequence to sequence"; chapter 3 varies
the teacher-forcing ratio (``with_ratio``, ``inverse_sigmoid_schedule``).
"""

import math
import time

import torch
from torch.nn import functional as F

from attnlab.i18n import tr
from attnlab.seq2seq import decode_with_ratio
from attnlab.vocab import PAD


class Progress:
    """One line that updates in place in a notebook (and stays one line on the page):
    'step 20/400 · loss 1.234 · 3.2 s', every 20 steps and at the last one."""

    def __init__(self, steps):
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            get_ipython = None
        self.handle = None
        if get_ipython is not None and get_ipython() is not None:
            self.handle = display("", display_id=True)
        self.steps, self.start, self.last = steps, time.perf_counter(), ""

    def update(self, step, loss):
        if step % 20 and step != self.steps:
            return
        self.show(step, loss, time.perf_counter() - self.start)

    def show(self, step, loss, seconds):
        self.last = (
            tr(ko="단계", en="step")
            + f" {step}/{self.steps} · "
            + tr(ko="손실", en="loss")
            + f" {loss:.3f} · "
            + f"{seconds:.1f} s"
        )
        if self.handle is not None:
            self.handle.update(self.last)
        elif step == self.steps:
            print(self.last)


def sequence_loss(logits, tgt_out):
    """Mean cross-entropy over the real (non-<pad>) target tokens."""
    return F.cross_entropy(
        logits.reshape(-1, logits.size(-1)),  # (batch * tgt_len, vocab)
        tgt_out.reshape(-1),  # (batch * tgt_len,)
        ignore_index=PAD,
    )


def teacher_forced(model, batch, step):
    """A batch's scores with the true previous tokens fed in: ``train``'s default."""
    return model(batch.src, batch.src_lengths, batch.tgt_in)  # (batch, tgt_len, vocab)


def train(model, batches, steps, lr=3e-3, evaluate=None, every=100, show_progress=True,
          scores=teacher_forced):  # fmt: skip
    """Train ``model`` for ``steps`` batches with Adam; return the history: every step's
    loss and, every ``every`` steps, ``evaluate(model)``. ``scores(model, batch, step)``
    gives a batch's logits (chapter 3 passes others than teacher forcing)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "step": [], "score": []}
    progress = Progress(steps) if show_progress else None
    start = time.perf_counter()
    for step in range(1, steps + 1):
        model.train()
        batch = batches[(step - 1) % len(batches)]
        loss = sequence_loss(scores(model, batch, step), batch.tgt_out)
        optimizer.zero_grad()
        loss.backward()
        # cap the update
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        history["loss"].append(loss.item())
        if evaluate is not None and (step % every == 0 or step == steps):
            history["step"].append(step)
            history["score"].append(evaluate(model))
        if progress is not None:
            progress.update(step, loss.item())
    history["seconds"] = time.perf_counter() - start
    return history


def inverse_sigmoid_schedule(k):
    """Scheduled sampling's teacher-forcing ratio k / (k + exp(step / k)) (chapter 3).

    From Bengio et al. (2015): close to 1 at first, 1/2 at step k·ln k, then down
    towards 0. Larger ``k`` decays more slowly.
    """

    def ratio(step):
        return k / (k + math.exp(step / k))

    return ratio


def with_ratio(teacher_forcing_ratio):
    """Scores for ``train`` feeding the decoder at a teacher-forcing ratio (chapter 3).

    ``teacher_forcing_ratio`` is a number, or a function of the step number that
    returns one (scheduled sampling).
    """

    def scores(model, batch, step):
        ratio = teacher_forcing_ratio
        if callable(ratio):
            ratio = ratio(step)
        return decode_with_ratio(
            model, batch.src, batch.src_lengths, batch.tgt_in, ratio
        )

    return scores
