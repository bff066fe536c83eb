"""The spam classifier says whether it is trained: /modconfig, the start-up log, the sandbox."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.platforms.console import BANNER, run_sandbox
from bot.settings import load_settings
from handlers.spam.model import Sample, SpamModel
from handlers.spam.status import ModelStatus, notice, startup_log, status_of
from tests.spam_corpus import HAM, SPAM, write_files
from tests.test_sandbox import session

UNTRAINED_ZH = "垃圾广告分类器还没有训练，目前不会拦截任何消息"
UNTRAINED_EN = "The spam classifier is untrained, so it flags nothing yet"
TOTAL = len(SPAM) + len(HAM)


def samples_env(folder: Path) -> dict[str, str]:
    """Settings overrides that name the test corpus as the starting samples."""
    spam, ham = write_files(folder)
    return {
        "BOT_MODERATION__SPAM_SAMPLES": json.dumps([str(spam)]),
        "BOT_MODERATION__HAM_SAMPLES": json.dumps([str(ham)]),
    }


# ------------------------------------------------------------------ pure decisions


@pytest.mark.parametrize(
    ("spam", "ham", "key", "trained"),
    [
        (0, 0, "spam.model_untrained", False),
        (3, 0, "spam.model_partial", False),
        (0, 2, "spam.model_partial", False),
        (1, 1, "spam.model_trained", True),
        (24, 23, "spam.model_trained", True),
    ],
)
def test_notice_follows_what_was_learned(spam: int, ham: int, key: str, trained: bool) -> None:
    status = ModelStatus(spam=spam, ham=ham)
    assert status.trained is trained
    assert notice(status) == (key, {"spam": spam, "ham": ham, "total": spam + ham})


def test_status_of_counts_training_and_single_verdicts() -> None:
    model = SpamModel()
    assert status_of(model) == ModelStatus(0, 0)
    model.train([Sample("buy cheap followers now", True), Sample("good morning all", False)])
    model.learn("another ad, dm me", True)
    assert status_of(model) == ModelStatus(spam=2, ham=1)


@pytest.mark.parametrize(
    ("status", "level", "words"),
    [
        (ModelStatus(0, 0), logging.WARNING, ["untrained", "moderation.spam_samples", "/spam"]),
        (ModelStatus(2, 0), logging.WARNING, ["untrained", "2 spam and 0 ham", "/notspam"]),
        (ModelStatus(24, 23), logging.INFO, ["trained on 47 samples (24 spam, 23 ham)"]),
    ],
)
def test_startup_log_line(status: ModelStatus, level: int, words: list[str]) -> None:
    got_level, line = startup_log(status)
    assert got_level == level
    for word in words:
        assert word in line
    assert ("untrained" in line) is not status.trained


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(
    "key", ["spam.model_untrained", "spam.model_partial", "spam.model_trained"]
)
def test_notices_exist_in_both_languages(language: str, key: str) -> None:
    from bot.app import build_translator

    text = build_translator()(language, key, spam=1, ham=2, total=3)
    assert text and key not in text


def test_english_notices_read_right_for_one_and_many() -> None:
    from bot.app import build_translator

    translate = build_translator()
    one = translate("en", "spam.model_partial", spam=1, ham=0, total=1)
    assert "1 spam example and 0 normal messages" in one
    many = translate("en", "spam.model_partial", spam=0, ham=1, total=1)
    assert "0 spam examples and 1 normal message," in many
    assert "from 1 sample (" in translate("en", "spam.model_trained", spam=1, ham=0, total=1)


# ------------------------------------------------------------------ /modconfig


async def test_modconfig_of_an_untrained_bot_says_so_in_chinese(tmp_path: Path) -> None:
    output = await session(tmp_path, "/as admin\n/modconfig\n")
    assert "内容审核：" in output
    assert UNTRAINED_ZH in output and "/spam" in output and "moderation.spam_samples" in output


async def test_modconfig_of_an_untrained_bot_says_so_in_english(tmp_path: Path) -> None:
    output = await session(tmp_path, "/as admin\n/lang en\n/modconfig\n")
    assert "Moderation: " in output
    assert UNTRAINED_EN in output and "reply /spam to spam" in output


async def test_modconfig_of_a_trained_bot_says_how_many_samples(tmp_path: Path) -> None:
    env = samples_env(tmp_path)
    output = await session(tmp_path, "/as admin\n/modconfig\n/lang en\n/modconfig\n", **env)
    assert UNTRAINED_ZH not in output and UNTRAINED_EN not in output
    assert f"垃圾广告分类器已从 {TOTAL} 条样本学习" in output
    assert f"The spam classifier learned from {TOTAL} samples ({len(SPAM)} spam" in output


async def test_modconfig_follows_verdicts_learned_in_the_chat(tmp_path: Path) -> None:
    """One /spam is not enough (it needs both kinds); a /notspam then trains it."""
    script = (
        "Earn $500 a day from home, DM me now\n"  # [1]
        "Good morning everyone\n"  # [2]
        "/as admin\n"
        "/lang en\n"  # [3], answered [4]
        "/reply 1 /spam\n"  # [5]
        "/modconfig\n"
        "/reply 2 /notspam\n"
        "/modconfig\n"
    )
    output = await session(tmp_path, script)
    first, _, second = output.partition("/notspam")
    assert "it has 1 spam example and 0 normal messages" in first
    assert "The spam classifier learned from 2 samples (1 spam, 1 normal)." in second
    assert "untrained" not in second


async def test_modconfig_is_refused_to_members(tmp_path: Path) -> None:
    output = await session(tmp_path, "/modconfig\n")
    assert "只有群管理员可以使用 /modconfig" in output
    assert UNTRAINED_ZH not in output


# ------------------------------------------------------------------ start-up log


async def test_start_up_logs_an_untrained_classifier(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="handlers.spam.feature"):
        await session(tmp_path, "")
    lines = [r for r in caplog.records if r.name == "handlers.spam.feature"]
    assert [r.levelno for r in lines] == [logging.WARNING]
    assert "spam classifier is untrained" in lines[0].getMessage()
    assert "moderation.spam_samples" in lines[0].getMessage()


async def test_start_up_logs_what_the_classifier_learned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="handlers.spam.feature"):
        await session(tmp_path, "", **samples_env(tmp_path))
    lines = [r.getMessage() for r in caplog.records if r.name == "handlers.spam.feature"]
    assert lines == [
        f"spam classifier trained on {TOTAL} samples ({len(SPAM)} spam, {len(HAM)} ham)"
    ]


# ------------------------------------------------------------------ the sandbox's "ready"


class Transcript(io.StringIO):
    """The sandbox's output and the spam filter's log lines, in the order they came."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[str] = []

    def write(self, text: str) -> int:
        """Keep a line the sandbox printed."""
        self.entries.append("out: " + text)
        return len(text)


class ToTranscript(logging.Handler):
    """Puts log records into a transcript."""

    def __init__(self, transcript: Transcript) -> None:
        super().__init__(logging.INFO)
        self.transcript = transcript

    def emit(self, record: logging.LogRecord) -> None:
        """Keep a log line."""
        self.transcript.entries.append("log: " + record.getMessage())


async def transcript_of(tmp_path: Path, env: dict[str, str]) -> list[str]:
    """A sandbox session (no input) with the spam filter's log lines among the output."""
    settings = load_settings(None, {"BOT_WELCOME__BATCH_QUIET_SECONDS": "0.1", **env})
    transcript = Transcript()
    logger = logging.getLogger("handlers.spam.feature")
    handler, level = ToTranscript(transcript), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
        await run_sandbox(settings, io.StringIO(""), transcript, db_url=url)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return transcript.entries


def position(entries: list[str], start: str) -> int:
    """The index of the first entry that starts with ``start``."""
    return next(i for i, entry in enumerate(entries) if entry.startswith(start))


async def test_sandbox_says_ready_only_after_the_model_is_trained(tmp_path: Path) -> None:
    entries = await transcript_of(tmp_path, samples_env(tmp_path))
    trained = position(entries, f"log: spam classifier trained on {TOTAL} samples")
    ready = position(entries, "out: " + BANNER["zh"])
    assert trained < ready


async def test_sandbox_says_ready_after_finding_the_model_untrained(tmp_path: Path) -> None:
    entries = await transcript_of(tmp_path, {})
    untrained = position(entries, "log: spam classifier is untrained")
    ready = position(entries, "out: " + BANNER["zh"])
    assert untrained < ready
