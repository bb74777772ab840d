"""The site build's shared training (attnlab/training_cache.py): the second edition's
kernel takes a model's training from the first, and nothing after it can tell."""

import random
import re

import numpy as np
import pytest
import torch

import attnlab
from attnlab import training, training_cache
from attnlab.batches import make_batches
from attnlab.dates import make_date_splits
from attnlab.seq2seq import Seq2Seq
from attnlab.training import with_ratio
from attnlab.vocab import Vocab

PAIRS, _, _ = make_date_splits(sizes=(96, 8, 8), seed=0)
SRC, TGT = Vocab(s for s, _ in PAIRS), Vocab(t for _, t in PAIRS)
BATCHES = make_batches(PAIRS, SRC, TGT, batch_size=32)


def fresh_model(seed=0):
    attnlab.set_seed(seed)
    return Seq2Seq(len(SRC), len(TGT), embed_size=8, hidden_size=16)


def ending(model, history):
    """All that a training run leaves behind, and the next random numbers drawn."""
    return {
        "weights": {k: v.clone() for k, v in model.state_dict().items()},
        "grads": [
            None if p.grad is None else p.grad.clone() for p in model.parameters()
        ],
        "modes": [m.training for m in model.modules()],
        "history": history,
        "next random": (random.random(), np.random.rand(), torch.rand(3)),
    }


def assert_same(a, b):
    assert a["weights"].keys() == b["weights"].keys()
    for key in a["weights"]:
        assert torch.equal(a["weights"][key], b["weights"][key]), key
    for x, y in zip(a["grads"], b["grads"], strict=True):
        assert (x is None and y is None) or torch.equal(x, y)
    assert a["modes"] == b["modes"]
    measured = ("seconds",)  # a measurement, the same only for the same run
    assert {k: v for k, v in a["history"].items() if k not in measured} == {
        k: v for k, v in b["history"].items() if k not in measured
    }
    ra, rb = a["next random"], b["next random"]
    assert ra[:2] == rb[:2] and torch.equal(ra[2], rb[2])


def evaluate(model):
    model.eval()  # a side effect on the modes that a restored run must repeat
    return model.decoder.out.weight.sum().item()


def run(train, **arguments):
    model = fresh_model(arguments.pop("seed", 0))
    settings = dict(steps=3, lr=1e-2, show_progress=False, evaluate=evaluate, every=2)
    history = train(model, BATCHES, **(settings | arguments))
    return ending(model, history)


class Counting:
    """``training.train`` that counts the runs that really train."""

    def __init__(self):
        self.runs = 0

    def __call__(self, *args, **kwargs):
        self.runs += 1
        return training_cache.TRAIN(*args, **kwargs)


def test_the_second_kernel_ends_exactly_where_training_would(tmp_path):
    """Weights, gradients, modes, history and the random generators after a run taken
    from the folder are those of training, bit for bit; it does not train."""
    coins = with_ratio(0.5)  # draws random numbers while it trains
    plain = run(training_cache.TRAIN, scores=coins)
    counting = Counting()
    first = run(training_cache.shared(tmp_path, train=counting), scores=coins)
    # the other edition's kernel
    second = run(training_cache.shared(tmp_path, train=counting), scores=coins)
    assert counting.runs == 1
    assert len(list(tmp_path.glob("*.pt"))) == 1
    assert_same(plain, first)
    assert_same(plain, second)
    # the history's seconds are the first run's, not a second measurement
    assert second["history"]["seconds"] == first["history"]["seconds"]


@pytest.mark.parametrize(
    "change",
    [
        {"steps": 4},
        {"lr": 3e-3},
        {"seed": 1},  # other initial weights and random state
        {"every": 3},
        {"evaluate": lambda model: 0.0},
        {"scores": with_ratio(0.5)},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_call_that_differs_in_anything_trains(tmp_path, change):
    counting = Counting()
    run(training_cache.shared(tmp_path, train=counting))
    run(training_cache.shared(tmp_path, train=counting), **change)
    assert counting.runs == 2


def test_closures_count_by_their_values_and_objects_by_their_content(tmp_path):
    """Chapter 3's ratios are closures, chapter 9's evaluation closes over a Vocab:
    equal values are the same call (a Vocab's address is not part of it), other
    values are not."""
    counting = Counting()
    for ratio in (0.5, 0.5, 0.25):
        run(training_cache.shared(tmp_path, train=counting), scores=with_ratio(ratio))
    assert counting.runs == 2
    vocabs = [Vocab(s for s, _ in PAIRS), Vocab(s for s, _ in PAIRS), Vocab(["12"])]
    for vocab in vocabs:
        run(
            training_cache.shared(tmp_path, train=counting),
            evaluate=lambda model, vocab=vocab: float(len(vocab)),
        )
    assert counting.runs == 4


def test_calls_are_matched_by_their_place_in_the_kernel(tmp_path):
    """The second identical call of a kernel is not the first call of another."""
    counting = Counting()
    kernel = training_cache.shared(tmp_path, train=counting)
    run(kernel)
    run(kernel)
    assert counting.runs == 2
    other_kernel = training_cache.shared(tmp_path, train=counting)
    run(other_kernel)
    run(other_kernel)
    assert counting.runs == 2


def test_a_restored_run_shows_the_last_progress_line(tmp_path, capsys):
    progress = re.compile(r"step 3/3 · loss (\d+\.\d+) · (\d+\.\d) s")
    attnlab.set_language("en")
    lines = []
    for _ in range(2):
        run(training_cache.shared(tmp_path), show_progress=True)
        lines.append(progress.fullmatch(capsys.readouterr().out.strip()))
    assert all(lines), lines
    assert lines[0].group(1) == lines[1].group(1)


def test_setup_shares_training_only_when_the_build_asks(tmp_path, monkeypatch):
    try:
        monkeypatch.setenv(training_cache.VARIABLE, str(tmp_path))
        attnlab.setup(lang="en")
        assert training.train is not training_cache.TRAIN
        assert training.train.__wrapped__ is training_cache.TRAIN
        monkeypatch.delenv(training_cache.VARIABLE)
        attnlab.setup(lang="en")
        assert training.train is training_cache.TRAIN
    finally:
        training.train = training_cache.TRAIN
