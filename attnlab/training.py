"""Training a sequence-to-sequence model, with a tidy progress line (chapters 2 and 3).

Written out and explained in chapter 2, "Sequence to sequence"; chapter 3 varies
the teacher-forcing ratio.
"""

import math
import time

import torch
from torch.nn import functional as F

from attnlab.i18n import tr
from attnlab.vocab import PAD


class Progress:
    """One line that updates in place in a notebook (and stays one line on the page)."""

    def __init__(self):
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            get_ipython = None
        self.handle = None
        if get_ipython is not None and get_ipython() is not None:
            self.handle = display("", display_id=True)
        self.last = ""

    def update(self, text):
        self.last = text
        if self.handle is not None:
            self.handle.update(text)

    def close(self):
        if self.handle is None:
            print(self.last)


def sequence_loss(logits, tgt_out):
    """Mean cross-entropy over the real (non-<pad>) target tokens."""
    return F.cross_entropy(
        logits.reshape(-1, logits.size(-1)),  # (batch * tgt_len, vocab)
        tgt_out.reshape(-1),  # (batch * tgt_len,)
        ignore_index=PAD,
    )


def train(model, batches, steps, lr=3e-3, teacher_forcing_ratio=1.0,
          evaluate=None, every=100, show_progress=True):
    """Train ``model`` for ``steps`` batches with Adam; return the history.

    ``teacher_forcing_ratio`` is a number, or a function of the step number that
    returns one (scheduled sampling, chapter 3). Every ``every`` steps,
    ``evaluate(model)`` (if given) is called and its value recorded.
    The history holds the loss of every step and the evaluations.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "step": [], "score": []}
    progress = Progress() if show_progress else None
    start = time.perf_counter()
    for step in range(1, steps + 1):
        model.train()
        batch = batches[(step - 1) % len(batches)]
        ratio = teacher_forcing_ratio(step) if callable(teacher_forcing_ratio) else teacher_forcing_ratio
        logits = model(batch.src, batch.src_lengths, batch.tgt_in, teacher_forcing_ratio=ratio)
        loss = sequence_loss(logits, batch.tgt_out)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        history["loss"].append(loss.item())
        if evaluate is not None and (step % every == 0 or step == steps):
            history["step"].append(step)
            history["score"].append(evaluate(model))
        if progress is not None and (step % 20 == 0 or step == steps):
            progress.update(tr(ko="단계", en="step") + f" {step}/{steps} · "
                            + tr(ko="손실", en="loss") + f" {loss.item():.3f} · "
                            + f"{time.perf_counter() - start:.1f} s")
    if progress is not None:
        progress.close()
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
