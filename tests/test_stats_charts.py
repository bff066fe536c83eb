"""Chart and table images: PNGs, Chinese drawn with a real font (no missing glyphs)."""

from __future__ import annotations

import io
import struct
import warnings
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.app import build_translator
from handlers.stats.charts import (
    ActivityLabels,
    cjk_font_path,
    render_activity,
    render_blank,
    render_table,
)
from handlers.stats.metrics import Cohort, period_ending
from handlers.stats.report import chart_labels, cohort_header, cohort_rows
from storage.stats import DayFigures

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def some_days(count: int) -> list[DayFigures]:
    start = date(2026, 9, 1)
    return [
        DayFigures(start + timedelta(days=i), i % 4, i % 3, 50 + i, 10 + i % 5, i % 2, 900 + i)
        for i in range(count)
    ]


def zh_labels(title: str) -> ActivityLabels:
    return ActivityLabels(title, "消息数", "活跃成员", "加入", "离开", "成员数", "日期", "数量")


def test_the_font_is_installed_and_has_chinese() -> None:
    from matplotlib.ft2font import FT2Font

    path = Path(cjk_font_path())
    assert path.is_file()
    font = FT2Font(str(path))
    charmap = font.get_charmap()
    assert all(ord(ch) in charmap for ch in "群活跃度统计最近天留存周")


def test_chinese_chart_has_no_missing_glyphs() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_activity(some_days(90), zh_labels("测试群 · 最近 90 天（群数据统计）"))
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    assert png_size(png) == (1000, 650)


def test_a_glyph_missing_from_every_font_would_be_seen() -> None:
    """The check above is real: a character no bundled font has does warn."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_activity(some_days(3), zh_labels("\U0001d11e \ue000"))
    assert any("missing from font" in str(w.message) for w in caught)


def test_chinese_table_has_no_missing_glyphs() -> None:
    t = build_translator("zh")
    rows = [
        Cohort(date(2026, 11, 2), 5, (4, 3, None), (3, 2, None)),
        Cohort(date(2026, 11, 9), 0, (0, 0, None), (0, 0, None)),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_table("新成员留存（按入群周）", cohort_header(t, "zh"), cohort_rows(rows))
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    assert png[:8] == PNG_SIGNATURE
    stayed, posted = ["4 (80%)", "3 (60%)", "—"], ["3 (60%)", "2 (40%)", "—"]
    assert cohort_rows(rows)[0] == ["2026-11-02", "5", *stayed, *posted]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_chart_words_come_from_the_catalog(language: str) -> None:
    t = build_translator("zh")
    labels = chart_labels(t, language, period_ending(date(2026, 11, 26), 7), "Dollar $x$ group")
    expected = "最近 7 天" if language == "zh" else "last 7 days"
    assert expected in labels.title and "2026-11-20" in labels.title
    # A title with dollar signs is drawn as text, not read as mathematics.
    assert r"\$x\$" in labels.title
    render_activity(some_days(7), labels)


def test_empty_period_and_blank_baseline_render() -> None:
    png = render_activity([DayFigures(date(2026, 1, 1))], zh_labels("空"))
    assert png_size(png) == (1000, 650)
    assert png_size(render_blank()) == (1000, 650)
    assert len(io.BytesIO(png).getvalue()) > 1000


async def test_the_chart_is_drawn_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from handlers.stats import charts, report
    from handlers.stats.metrics import summarize

    threads: list[int] = []

    def drawing(days: object, labels: object) -> bytes:
        threads.append(threading.get_ident())
        return PNG_SIGNATURE

    monkeypatch.setattr(charts, "render_activity", drawing)
    period = period_ending(date(2026, 1, 1), 1)
    days = [DayFigures(date(2026, 1, 1))]
    summary = summarize(period, days, [0] * 24, posters=0, mau=0, members_now=None)
    png = await report.activity_chart(report.ActivityReport(summary, days), zh_labels("x"))
    assert png == PNG_SIGNATURE
    assert threads and threads[0] != threading.get_ident()
