"""Supervised learning on labelled text: honest splits and two classifiers (chapter 1).

Everything here except ``check_review`` is written out and explained in chapter 1,
"Training data and supervised learning", and saved here for later chapters;
``check_review`` turns input a model cannot judge into a message in the reader's
language, so that the chapter's ``explain`` stays short.
"""

import random
from collections import Counter

import torch
from torch import nn
from torch.nn import functional as F

from attnlab.i18n import ReaderError


def random_split(items, fractions=(0.7, 0.15, 0.15), seed=0):
    """Shuffle ``items`` and cut them into parts of the given ``fractions``."""
    items = list(items)
    random.Random(seed).shuffle(items)
    parts, start = [], 0
    for i, fraction in enumerate(fractions):
        end = start + round(fraction * len(items))
        if i == len(fractions) - 1:  # the last part takes the rest
            end = len(items)
        parts.append(items[start:end])
        start = end
    return parts


def split_by_text(pairs, fractions=(0.7, 0.15, 0.15), seed=0):
    """Split ``(text, label)`` pairs so that no text appears in two parts.

    The distinct texts are split, and every pair follows its text: a review that
    occurs twice is never in training and in test at once.
    """
    distinct = list(dict.fromkeys(text for text, _ in pairs))  # in order of appearance
    text_parts = random_split(distinct, fractions=fractions, seed=seed)
    part_of = {text: i for i, part in enumerate(text_parts) for text in part}
    parts = [[] for _ in fractions]
    for text, label in pairs:
        parts[part_of[text]].append((text, label))
    return parts


def accuracy(model, pairs):
    """Share of ``(text, label)`` pairs whose label ``model.predict`` gets right."""
    texts = [text for text, _ in pairs]
    labels = [label for _, label in pairs]
    predictions = model.predict(texts)
    return sum(p == y for p, y in zip(predictions, labels)) / len(pairs)


class Memorizer:
    """Answers from a table of the training texts; guesses the majority otherwise."""

    def fit(self, pairs):
        self.table = dict(pairs)
        self.majority = Counter(label for _, label in pairs).most_common(1)[0][0]
        return self

    def predict(self, texts):
        return [self.table.get(text, self.majority) for text in texts]


def words_and_pairs(text):
    """The features of a text: its words and its pairs of neighbouring words."""
    words = text.lower().replace(".", "").split()
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def count_features(texts, vocab):
    """Count the features of each text that ``vocab`` (feature -> column) knows."""
    X = torch.zeros(len(texts), len(vocab))  # (texts, features)
    for row, text in enumerate(texts):
        for feature in words_and_pairs(text):
            if feature in vocab:
                X[row, vocab[feature]] += 1
    return X


class BagOfWordsClassifier:
    """Logistic regression on counts of words and word pairs (chapter 1)."""

    def fit(self, pairs, steps=200, lr=0.1, weight_decay=1e-4):
        counts = Counter(f for text, _ in pairs for f in words_and_pairs(text))
        self.vocab = {feature: i for i, feature in enumerate(sorted(counts))}
        X = count_features([t for t, _ in pairs], self.vocab)  # (examples, features)
        y = torch.tensor([label for _, label in pairs])  # (examples,)
        self.linear = nn.Linear(len(self.vocab), 2)  # W and b: two scores per example
        optimizer = torch.optim.Adam(
            self.linear.parameters(), lr=lr, weight_decay=weight_decay
        )
        self.losses = []
        for _ in range(steps):
            loss = F.cross_entropy(self.linear(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            self.losses.append(loss.item())
        return self

    def predict(self, texts):
        with torch.no_grad():
            scores = self.linear(count_features(texts, self.vocab))  # (texts, 2)
        return scores.argmax(dim=1).tolist()


def check_review(text, vocab, max_chars=300):
    """The features of ``text`` that ``vocab`` knows, or a ReaderError saying why not.

    Input a model cannot judge (not a text, empty, too long, no known feature) gets a
    message in the reader's language instead of a traceback.
    """
    if not isinstance(text, str) or not text.strip():
        raise ReaderError(
            ko="리뷰가 비어 있습니다. 한 문장 이상 입력해 주세요.",
            en="The review is empty. Please type at least one sentence.",
        )
    if len(text) > max_chars:
        raise ReaderError(
            ko=f"리뷰가 너무 깁니다({len(text)}자). "
            f"{max_chars}자 이하로 입력해 주세요.",
            en=f"The review is too long ({len(text)} characters). "
            f"Please keep it under {max_chars}.",
        )
    known = [feature for feature in words_and_pairs(text) if feature in vocab]
    if not known:
        raise ReaderError(
            ko="훈련 데이터에 나온 단어가 하나도 없어 판단할 근거가 없습니다.",
            en="None of these words occurred in the training data, "
            "so the model has nothing to go on.",
        )
    return known


def explain(model, text):
    """Probability that ``text`` is positive, and the features ``model`` knows in it."""
    known = check_review(text, model.vocab)  # bad input: a message, not a traceback
    with torch.no_grad():
        scores = model.linear(count_features([text], model.vocab))  # (1, 2)
    return F.softmax(scores, dim=1)[0, 1].item(), known
