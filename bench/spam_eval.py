"""``python -m bot spam-eval``: train a fresh spam model on one file, measure it on another.

Prints one JSON line: precision, recall, f1, fpr (ham wrongly flagged), threshold, n (messages
scored), us_per_msg (microseconds to score one, features included). With ``--holdout F`` and no
``--eval``, a fixed seeded share F of the training file is held out and scored instead.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from handlers.spam.model import DEFAULT_SEED, DEFAULT_THRESHOLD, Sample, SpamModel
from handlers.spam.samples import read_paired


@dataclass(frozen=True, slots=True)
class Report:
    """How a model did on labelled messages at one threshold."""

    precision: float
    recall: float
    f1: float
    fpr: float
    threshold: float
    n: int
    us_per_msg: float

    def as_json(self) -> str:
        """One line of JSON, figures rounded for reading."""
        return json.dumps(
            {
                "precision": round(self.precision, 4),
                "recall": round(self.recall, 4),
                "f1": round(self.f1, 4),
                "fpr": round(self.fpr, 4),
                "threshold": self.threshold,
                "n": self.n,
                "us_per_msg": round(self.us_per_msg, 1),
            }
        )


def split(samples: Sequence[Sample], share: float, seed: int) -> tuple[list[Sample], list[Sample]]:
    """(rest, held out): a seeded shuffle, then the first ``share`` of it is held out."""
    order = list(samples)
    random.Random(seed).shuffle(order)
    cut = int(len(order) * share)
    return order[cut:], order[:cut]


def evaluate(model: SpamModel, samples: Sequence[Sample], threshold: float) -> Report:
    """Score every sample and count hits and false alarms at ``threshold``."""
    started = time.perf_counter()
    scores = [model.score(sample.text) for sample in samples]
    elapsed = time.perf_counter() - started
    tp = fp = fn = tn = 0
    for sample, score in zip(samples, scores, strict=True):
        flagged = score >= threshold
        if sample.spam:
            tp, fn = tp + flagged, fn + (not flagged)
        else:
            fp, tn = fp + flagged, tn + (not flagged)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    n = len(samples)
    return Report(precision, recall, f1, fpr, threshold, n, elapsed / max(n, 1) * 1e6)


def run_spam_eval(
    train: Path,
    eval_path: Path | None,
    *,
    threshold: float | None = None,
    holdout: float | None = None,
    seed: int = DEFAULT_SEED,
) -> Report:
    """Train on ``train`` (or its non-held-out part), score the evaluation set, print JSON.

    Bad arguments or unreadable files end the program with a one-line message (exit 2).
    """
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    try:
        training, testing = _data(train, eval_path, holdout, seed)
    except (OSError, ValueError) as error:
        print(f"spam-eval: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    model = SpamModel()
    model.train(training)
    report = evaluate(model, testing, threshold)
    print(report.as_json())
    return report


def _data(
    train: Path, eval_path: Path | None, holdout: float | None, seed: int
) -> tuple[list[Sample], list[Sample]]:
    training = read_paired(train)
    if eval_path is not None:
        return training, read_paired(eval_path)
    if holdout is None or not 0 < holdout < 1:
        raise ValueError("give --eval FILE, or --holdout SHARE between 0 and 1")
    return split(training, holdout, seed)
