"""The busiest-hours panel of the /stats chart: drawn, sized, worded, fed the local hours."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pytest
from matplotlib.colors import to_hex

from bot.app import build_translator
from core.i18n import LANGUAGES
from handlers.stats import charts, report
from handlers.stats.charts import BAR, LINE, _figure, _hours_panel, render_activity
from handlers.stats.labels import HourLabels
from handlers.stats.metrics import period_ending, summarize
from handlers.stats.report import chart_labels, hour_labels
from storage.stats import DayFigures
from tests.test_stats_charts import png_size

T = build_translator()
HOURS = [0] * 8 + [5, 9] + [2] * 10 + [12, 30, 7, 1]  # busiest: 21:00, 20:00, 09:00


def days(count: int) -> list[DayFigures]:
    start = date(2026, 11, 1)
    return [
        DayFigures(start + timedelta(days=i), i % 3, i % 2, 40 + i, 8, 0, 500) for i in range(count)
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_chart_with_hours_renders_without_missing_glyphs(language: str) -> None:
    period = period_ending(date(2026, 11, 30), 30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_activity(
            days(30),
            chart_labels(T, language, period, "测试群 Test"),
            HOURS,
            hour_labels(T, language, "Asia/Shanghai"),
        )
    assert [w for w in caught if "missing from font" in str(w.message)] == []
    # As wide as the two-panel chart, a third panel taller: nearly square on a phone.
    assert png_size(png) == (1000, 950)
    assert 20_000 < len(png) < 400_000


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Messages by hour of the day (Europe/London)"),
        ("zh", "按小时统计的消息数（Europe/London）"),
    ],
)
def test_hour_labels_name_the_groups_zone(language: str, title: str) -> None:
    words = hour_labels(T, language, "Europe/London")
    assert words.title == title and words.hour and words.count


def test_the_panel_has_a_bar_per_hour_and_the_busiest_stand_out() -> None:
    with charts._drawing():
        axes = _figure().add_subplot()
        _hours_panel(axes, HOURS, HourLabels("t", "h", "n"))
    bars = axes.patches
    assert [round(bar.get_height()) for bar in bars] == HOURS
    assert [round(bar.get_x() + bar.get_width() / 2) for bar in bars] == list(range(24))
    colours = {h for h, bar in enumerate(bars) if to_hex(bar.get_facecolor()) == LINE.lower()}
    assert colours == {9, 20, 21}
    assert all(
        to_hex(bars[h].get_facecolor()) == BAR.lower() for h in range(24) if h not in colours
    )
    assert [label.get_text() for label in axes.get_xticklabels()][:3] == ["00", "01", "02"]


def test_short_or_empty_hours_draw_zero_bars() -> None:
    with charts._drawing():
        axes = _figure().add_subplot()
        _hours_panel(axes, [3, 1], HourLabels("t", "h", "n"))
    assert [round(bar.get_height()) for bar in axes.patches] == [3, 1] + [0] * 22


async def test_the_report_hands_its_local_hours_to_the_chart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[tuple[object, ...]] = []

    def drawing(*args: object) -> bytes:
        drawn.append(args)
        return b"png"

    monkeypatch.setattr(charts, "render_activity", drawing)
    period = period_ending(date(2026, 11, 30), 1)
    day = [DayFigures(date(2026, 11, 30))]
    summary = summarize(period, day, HOURS, posters=0, mau=0, members_now=None)
    built = report.ActivityReport(summary, day, tuple(HOURS))
    labels = chart_labels(T, "en", period, "g")
    words = hour_labels(T, "en", "Asia/Shanghai")
    assert await report.activity_chart(built, labels, words) == b"png"
    assert drawn[-1][2] == tuple(HOURS) and drawn[-1][3] == words
    # The digest asks for no hours panel: the chart it gets stays the two-panel one.
    await report.activity_chart(built, labels)
    assert len(drawn[-1]) == 2


def test_the_chart_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m bench.hours_chart`` with one repeat, so it does not rot."""
    import json

    from bench.hours_chart import main

    main(["--repeats", "1"])
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert result["with_hours_bytes"] > result["two_panels_bytes"] > 10_000
