"""``python -m bot bench --spam``: how fast the spam filter trains, scores and learns.

Trains a fresh model on the shared Chinese data set (``../shared/data/spam``, which is for
benchmarks and tests only and never shipped), then scores its messages one at a time. The
baseline, measured in the same run, is ``normalize`` alone: the text folding the moderation
engine already pays for every message. Prints one JSON line.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from core.normalize import normalize
from handlers.spam.model import SpamModel
from handlers.spam.samples import read_paired

DATA = Path(__file__).resolve().parent.parent / ".." / "shared" / "data" / "spam"
DEFAULT_FILE = DATA / "zh-telegram" / "train.csv"
LEARN_TIMES = 200


def _per_call_us(function: object, texts: list[str]) -> list[float]:
    """Microseconds of each call of ``function`` on each text."""
    call = function  # type: ignore[assignment]
    times: list[float] = []
    clock = time.perf_counter
    for text in texts:
        started = clock()
        call(text)  # type: ignore[operator]
        times.append((clock() - started) * 1e6)
    return times


def run_spam_bench(path: Path = DEFAULT_FILE, *, repeats: int = 3) -> dict[str, float]:
    """Train, score every message ``repeats`` times, learn a few verdicts; print and return."""
    try:
        samples = read_paired(path)
    except (OSError, ValueError) as error:
        print(f"bench --spam: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    texts = [s.text for s in samples]
    model = SpamModel()
    started = time.perf_counter()
    model.train(samples)
    train_s = time.perf_counter() - started
    scores: list[float] = []
    baseline: list[float] = []
    for _ in range(repeats):
        baseline.extend(_per_call_us(normalize, texts))
        scores.extend(_per_call_us(model.score, texts))
    learn: list[float] = []
    for sample in samples[:LEARN_TIMES]:
        started = time.perf_counter()
        model.learn(sample.text, not sample.spam)  # the hardest case: a verdict against it
        learn.append((time.perf_counter() - started) * 1e3)
    quantiles = statistics.quantiles(scores, n=100)
    result = {
        "samples": len(samples),
        "train_s": round(train_s, 2),
        "score_us_mean": round(statistics.fmean(scores), 1),
        "score_us_p50": round(quantiles[49], 1),
        "score_us_p99": round(quantiles[98], 1),
        "baseline_normalize_us_mean": round(statistics.fmean(baseline), 1),
        "score_vs_baseline": round(statistics.fmean(scores) / statistics.fmean(baseline), 1),
        "learn_ms_mean": round(statistics.fmean(learn), 2),
    }
    print(json.dumps(result))
    return result
