"""The spam model: logistic regression over the bag of features, trained by SGD. No I/O.

Why this model: it retrains from scratch in seconds on tens of thousands of samples, and it
learns one admin verdict at a time without a retrain (a few gradient steps on that sample).
Scoring is a dictionary look-up per feature, so a short message takes tens of microseconds.
Classes are weighted to look equally frequent, so a samples file with many more ham lines
than spam lines (or the reverse) does not move the decision threshold.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import repeat

from core.normalize import normalize
from handlers.spam.features import extract

# The defaults the bot uses; `spam-eval` reports figures for exactly these.
DEFAULT_THRESHOLD = 0.9
DEFAULT_EPOCHS = 5
DEFAULT_RATE = 0.1
DEFAULT_SEED = 20261126
# A learned verdict is stepped on until the sample sits this far past the decision line.
LEARN_MARGIN = 2.5
LEARN_MAX_STEPS = 30


@dataclass(frozen=True, slots=True)
class Sample:
    """One training text and its verdict."""

    text: str
    spam: bool


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-min(z, 40.0)))
    e = math.exp(max(z, -40.0))
    return e / (1.0 + e)


class SpamModel:
    """Scores a text from 0 (ham) to 1 (spam); learns from samples and single verdicts."""

    def __init__(
        self,
        *,
        normalizer: Callable[[str], str] = normalize,
        epochs: int = DEFAULT_EPOCHS,
        rate: float = DEFAULT_RATE,
        seed: int = DEFAULT_SEED,
    ) -> None:
        self.normalizer = normalizer
        self.epochs = epochs
        self.rate = rate
        self.seed = seed
        self.weights: dict[str, float] = {}
        self.bias = 0.0
        self.counts = [0, 0]  # ham, spam samples seen

    @property
    def ready(self) -> bool:
        """Whether it has seen both spam and ham: an untrained model flags nothing."""
        return self.counts[0] > 0 and self.counts[1] > 0

    def features(self, text: str) -> frozenset[str]:
        """The distinct features of a text (presence, not counts, is what the model weighs)."""
        return frozenset(extract(text, self.normalizer))

    def raw(self, features: Iterable[str]) -> float:
        """The log-odds of spam for some features."""
        return self.bias + sum(map(self.weights.get, features, repeat(0.0)))

    def score(self, text: str) -> float:
        """The probability-like spam score of a text; 0.0 while the model is not ready."""
        if not self.ready or not text.strip():
            return 0.0
        return _sigmoid(self.raw(self.features(text)))

    def train(self, samples: Iterable[Sample]) -> None:
        """Forget everything and train afresh on the samples (seeded: same input, same model)."""
        data = [(self.features(s.text), s.spam) for s in samples if s.text.strip()]
        self.weights, self.bias = {}, 0.0
        self.counts = [sum(1 for _, spam in data if not spam), sum(1 for _, spam in data if spam)]
        if not self.ready:
            return
        order = list(range(len(data)))
        rng = random.Random(self.seed)
        for _ in range(self.epochs):
            rng.shuffle(order)
            for index in order:
                features, spam = data[index]
                self._step(features, spam)

    def learn(self, text: str, spam: bool) -> None:
        """Take in one verdict now: step on it until the model agrees with some margin."""
        if not text.strip():
            return
        self.counts[int(spam)] += 1
        features = self.features(text)
        for _ in range(LEARN_MAX_STEPS):
            z = self.raw(features)
            if (z >= LEARN_MARGIN) if spam else (z <= -LEARN_MARGIN):
                break
            self._step(features, spam, scale=2.0)

    def _step(self, features: frozenset[str], spam: bool, scale: float = 1.0) -> None:
        """One SGD step of the class-weighted log loss."""
        z = self.raw(features)
        total = self.counts[0] + self.counts[1]
        # Each class weighs as if both were equally common.
        weight = total / (2 * self.counts[int(spam)])
        gradient = (_sigmoid(z) - (1.0 if spam else 0.0)) * weight * self.rate * scale
        weights = self.weights
        for name in features:
            weights[name] = weights.get(name, 0.0) - gradient
        self.bias -= gradient
