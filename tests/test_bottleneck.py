"""Unit tests of the regularised linear probe of chapter 4 (``probes.fit_probe``)."""

import torch

from attnlab.probes import fit_probe


def blobs(n, generator):
    """Two well-separated clouds of 10-dimensional points, labelled "left", "right"."""
    labels = ["left" if k % 2 == 0 else "right" for k in range(n)]
    centers = torch.tensor([[-4.0] * 10 if y == "left" else [4.0] * 10 for y in labels])
    return centers + torch.randn(n, 10, generator=generator), labels


def test_fit_probe_reads_separable_labels_perfectly():
    generator = torch.Generator().manual_seed(0)
    train_x, train_y = blobs(200, generator)
    test_x, test_y = blobs(200, generator)
    scores = fit_probe(train_x, train_y, test_x, test_y)
    assert set(scores) == {"train", "test", "majority", "step"}
    assert scores["train"] == 1.0 and scores["test"] == 1.0
    assert scores["majority"] == 0.5


def test_fit_probe_on_unrelated_labels_scores_near_the_majority_rate():
    generator = torch.Generator().manual_seed(1)
    train_x = torch.randn(300, 40, generator=generator)
    test_x = torch.randn(1000, 40, generator=generator)
    # Skewed labels: always answering 0 is right 70% of the time.
    train_y = (torch.rand(300, generator=generator) < 0.3).long().tolist()
    test_y = (torch.rand(1000, generator=generator) < 0.3).long().tolist()
    scores = fit_probe(train_x, train_y, test_x, test_y)
    assert abs(scores["majority"] - 0.7) < 0.05
    # Stopped early and regularised, it does not fall far below "always 0".
    assert scores["test"] > scores["majority"] - 0.08
    assert 10 <= scores["step"] <= 200 and scores["step"] % 10 == 0


def test_fit_probe_is_deterministic_and_counts_unseen_labels_as_wrong():
    generator = torch.Generator().manual_seed(2)
    train_x, train_y = blobs(100, generator)
    test_x, _ = blobs(10, generator)
    first = fit_probe(train_x, train_y, test_x, ["up"] * 10)
    second = fit_probe(train_x, train_y, test_x, ["up"] * 10)
    assert first == second
    assert first["test"] == 0.0 and first["majority"] == 0.0
