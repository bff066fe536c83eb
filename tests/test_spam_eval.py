"""``spam-eval`` (metrics, file formats, a run on the shared data) and ``bench --spam``."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bench.spam import run_spam_bench
from bench.spam_eval import evaluate, split
from bot.__main__ import main
from bot.settings import Settings
from handlers.spam.model import DEFAULT_THRESHOLD, Sample, SpamModel
from handlers.spam.samples import read_paired
from tests.spam_corpus import HAM, SPAM, corpus, write_files

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO / ".." / "shared" / "data" / "spam"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, float]:
    assert main(["spam-eval", *args]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_metrics_on_a_known_outcome() -> None:
    model = SpamModel()
    model.train(corpus())
    report = evaluate(model, [Sample(SPAM[0], True), Sample(HAM[0], False)], 0.5)
    assert (report.precision, report.recall, report.f1, report.fpr) == (1.0, 1.0, 1.0, 0.0)
    flag_all = evaluate(model, [Sample(SPAM[0], True), Sample(HAM[0], False)], 0.0)
    assert flag_all.fpr == 1.0 and flag_all.precision == 0.5 and flag_all.n == 2


def test_split_is_seeded_and_disjoint() -> None:
    samples = corpus()
    rest, held = split(samples, 0.25, seed=3)
    assert len(held) == len(samples) // 4 and len(rest) + len(held) == len(samples)
    assert split(samples, 0.25, seed=3) == (rest, held)
    assert not {s.text for s in rest} & {s.text for s in held}


def test_command_with_paired_files_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spam_file, _ = write_files(tmp_path)
    csv_file = tmp_path / "eval.csv"
    csv_file.write_text(
        "target,input\n1,Earn 300 dollars a day from home, DM me\n0,明天会下雨，记得带伞\n",
        encoding="utf-8",
    )
    result = run(capsys, "--train", str(spam_file), "--eval", str(csv_file), "--threshold", "0.5")
    assert set(result) == {"precision", "recall", "f1", "fpr", "threshold", "n", "us_per_msg"}
    assert result["n"] == 2 and result["threshold"] == 0.5
    assert result["recall"] == 1.0 and result["fpr"] == 0.0
    assert result["us_per_msg"] > 0
    # The default threshold is the bot's.
    assert run(capsys, "--train", str(tmp_path), "--holdout", "0.5")["threshold"] == (
        DEFAULT_THRESHOLD
    )


def test_bad_arguments_end_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spam_file, _ = write_files(tmp_path)
    for args in (
        ["--train", str(spam_file)],
        ["--train", str(spam_file), "--holdout", "2"],
        ["--train", str(tmp_path / "missing.csv"), "--holdout", "0.1"],
    ):
        with pytest.raises(SystemExit) as ended:
            main(["spam-eval", *args])
        assert ended.value.code == 2
        assert capsys.readouterr().err.startswith("spam-eval: ")


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared data (../shared) is not here")
def test_spam_eval_on_the_shared_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A seeded subset of the Chinese set (kept small for speed), and the tg-spam samples."""
    rows = read_paired(SHARED / "zh-telegram" / "train.csv")
    random.Random(7).shuffle(rows)
    subset = tmp_path / "subset.csv"
    body = "\n".join(f'{int(s.spam)},"{s.text.replace(chr(34), chr(34) * 2)}"' for s in rows[:3000])
    subset.write_text("target,input\n" + body + "\n", encoding="utf-8")
    zh = run(capsys, "--train", str(subset), "--holdout", "0.2")
    assert zh["n"] == 600
    # Far above chance even when trained on 2,400 rows (the full set does much better).
    assert zh["recall"] > 0.6 and zh["fpr"] < 0.1
    tg = run(capsys, "--train", str(SHARED / "tg-spam-samples"), "--holdout", "0.3")
    assert tg["n"] > 150 and tg["recall"] > 0.5


def test_eval_defaults_are_the_bots() -> None:
    assert Settings().spam.threshold == DEFAULT_THRESHOLD


def test_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spam_file, _ = write_files(tmp_path)
    result = run_spam_bench(spam_file, repeats=1)
    assert result["samples"] == len(corpus())
    assert result["score_us_mean"] > 0 and result["baseline_normalize_us_mean"] > 0
    assert json.loads(capsys.readouterr().out)["samples"] == len(corpus())
