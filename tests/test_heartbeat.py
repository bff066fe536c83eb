"""The heartbeat file and `python -m bot health`, the container's health check."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.heartbeat import beat, check, clear, judge

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("text", "now", "max_age", "healthy", "reason"),
    [
        (None, NOW, 60, False, "no heartbeat file: the bot is not running"),
        ("", NOW, 60, False, "the heartbeat file does not hold a time"),
        ("soon", NOW, 60, False, "the heartbeat file does not hold a time"),
        (f"{NOW - 5}\n", NOW, 60, True, "last heartbeat 5 s ago"),
        (f"{NOW - 60}", NOW, 60, True, "last heartbeat 60 s ago"),
        (f"{NOW - 61}", NOW, 60, False, "last heartbeat 61 s ago (more than 60 s)"),
        (f"{NOW - 200}", NOW, 300, True, "last heartbeat 200 s ago"),
        # A clock stepped back a little since the beat is no reason to fail.
        (f"{NOW + 3}", NOW, 60, True, "last heartbeat 0 s ago"),
    ],
)
def test_judge(text: str | None, now: float, max_age: float, healthy: bool, reason: str) -> None:
    verdict = judge(text, now, max_age)
    assert (verdict.healthy, verdict.reason) == (healthy, reason)


def test_beat_then_check_then_clear(tmp_path: Path) -> None:
    path = tmp_path / "run" / "heartbeat"
    beat(path, NOW)
    assert check(path, 60, now=NOW + 10).healthy
    assert not check(path, 60, now=NOW + 100).healthy
    assert [p.name for p in path.parent.iterdir()] == ["heartbeat"]  # no temporary left
    clear(path)
    clear(path)  # twice is fine
    assert check(path, 60, now=NOW).reason == "no heartbeat file: the bot is not running"


def test_health_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 0 for a fresh beat, 1 for a stale or missing one, 2 when not configured."""
    monkeypatch.chdir(tmp_path)
    for key in ("BOT_BOT__HEARTBEAT_FILE", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    assert main(["health"]) == 2
    assert "bot.heartbeat_file is not set" in capsys.readouterr().err
    path = tmp_path / "heartbeat"
    monkeypatch.setenv("BOT_BOT__HEARTBEAT_FILE", str(path))
    assert main(["health"]) == 1
    assert capsys.readouterr().out.startswith("unhealthy: no heartbeat file")
    beat(path)
    assert main(["health"]) == 0
    assert capsys.readouterr().out.startswith("healthy: last heartbeat")
    beat(path, 1_000.0)
    assert main(["health", "--max-age", "30"]) == 1


def test_the_image_checks_health_with_the_heartbeat_it_configures() -> None:
    """The Dockerfile's HEALTHCHECK runs the health command on the file its ENV names."""
    dockerfile = (Path(__file__).parent.parent / "Dockerfile").read_text()
    assert 'CMD ["python", "-m", "bot", "health"]' in dockerfile
    assert "BOT_BOT__HEARTBEAT_FILE=/tmp/groupbot.heartbeat" in dockerfile
    assert "\nSTOPSIGNAL SIGTERM\n" in dockerfile
    assert 'CMD ["python", "-m", "bot", "run"]' in dockerfile
