"""Reading facts out of vectors with linear probes (chapters 2 and 4).

Written out and explained in chapter 2, "Sequence to sequence"; chapter 4 uses it to
measure how much of a sentence its context vector still holds.
"""

from collections import Counter

import torch
from torch import nn
from torch.nn import functional as F


def probe_accuracy(train_x, train_y, test_x, test_y, steps=300):
    """Test accuracy of a logistic-regression probe that reads labels from vectors."""
    classes = sorted(set(train_y))
    index = {label: i for i, label in enumerate(classes)}
    y = torch.tensor([index[label] for label in train_y])
    probe = nn.Linear(train_x.size(1), len(classes))
    optimizer = torch.optim.Adam(probe.parameters(), lr=0.05)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(probe(train_x), y).backward()
        optimizer.step()
    predicted = [classes[i] for i in probe(test_x).argmax(dim=1).tolist()]
    return sum(p == t for p, t in zip(predicted, test_y)) / len(test_y)


def fit_probe(
    train_x,
    train_y,
    test_x,
    test_y,
    weight_decay=1e-3,
    held_out=0.25,
    steps=200,
    every=10,
    seed=0,
):
    """A regularised linear probe, with what it takes to read its score (chapter 4).

    Like ``probe_accuracy``, but guarded against learning the training vectors by
    heart: it fits on part of the training vectors with weight decay, and keeps the
    weights that score best on the held-out rest (early stopping). Returns a dict:
    ``train``, its accuracy on the vectors it was fitted on; ``test``, on the test
    vectors; ``majority``, the test accuracy of always answering the most common
    training label, which is what a probe that reads nothing scores; ``step``, the
    step whose weights it kept. Labels never seen in training count as wrong.
    """
    classes = sorted(set(train_y))
    index = {label: i for i, label in enumerate(classes)}
    y = torch.tensor([index[label] for label in train_y])  # (vectors,)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    cut = round(len(y) * (1 - held_out))
    fit, check = order[:cut], order[cut:]  # fitted on, and held out for early stopping
    probe = nn.Linear(train_x.size(1), len(classes))
    nn.init.zeros_(probe.weight)  # a deterministic start
    nn.init.zeros_(probe.bias)
    optimizer = torch.optim.Adam(probe.parameters(), lr=0.05, weight_decay=weight_decay)
    best = (-1.0, 0, None)  # (held-out accuracy, step, weights)
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        F.cross_entropy(probe(train_x[fit]), y[fit]).backward()
        optimizer.step()
        if step % every == 0:
            with torch.no_grad():
                guesses = probe(train_x[check]).argmax(dim=1)  # (held-out vectors,)
            score = (guesses == y[check]).float().mean().item()
            if score > best[0]:
                weights = {k: v.clone() for k, v in probe.state_dict().items()}
                best = (score, step, weights)
    probe.load_state_dict(best[2])
    with torch.no_grad():
        fitted = (probe(train_x[fit]).argmax(dim=1) == y[fit]).float().mean().item()
        predicted = [classes[i] for i in probe(test_x).argmax(dim=1).tolist()]
    common = Counter(train_y).most_common(1)[0][0]
    return {
        "train": fitted,
        "test": sum(p == t for p, t in zip(predicted, test_y)) / len(test_y),
        "majority": sum(t == common for t in test_y) / len(test_y),
        "step": best[1],
    }
