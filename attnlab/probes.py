"""Reading facts out of vectors with linear probes (chapters 2 and 4).

Written out and explained in chapter 2, "Sequence to sequence"; chapter 4 uses it to
measure how much of a sentence its context vector still holds.
"""

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
