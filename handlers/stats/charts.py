"""Chart and table images (PNG) with matplotlib's Agg backend; no pyplot, no global state.

Rendering is CPU work of a few hundred milliseconds: callers run it in a worker thread
(``asyncio.to_thread``). Text is drawn with DejaVu Sans, falling back to Noto Sans SC
(SIL Open Font License, installed from PyPI as ``pylopdf-fonts-zh-cn``) for Chinese.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import lru_cache

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.dates import AutoDateLocator, DateFormatter, DayLocator, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from handlers.stats.labels import ActivityLabels, HourLabels
from handlers.stats.metrics import busiest_hours
from storage.stats import DayFigures

FONTS = ["DejaVu Sans", "Noto Sans SC"]
SIZE = (10.0, 6.5)
# With the busiest-hours panel: as wide, a third taller (about square on a phone).
SIZE_WITH_HOURS = (10.0, 9.5)
HOURS = 24
DPI = 100
BAR = "#4C78A8"
LINE = "#F58518"
# Bar width in days.
BAR_WIDTH = 0.8
# Up to this many days every day gets a tick.
SHORT_DAYS = 14
JOIN = "#54A24B"
LEAVE = "#E45756"
# matplotlib's settings, font manager and text caches are shared: one render at a time.
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def cjk_font_path() -> str:
    """Register the bundled Chinese font with matplotlib (once) and return its file."""
    from pylopdf_fonts_zh_cn import sans_path

    path = str(sans_path())
    font_manager.fontManager.addfont(path)
    return path


def _figure(size: tuple[float, float] = SIZE, *, layout: str | None = None) -> Figure:
    figure = Figure(figsize=size, dpi=DPI, layout=layout)
    FigureCanvasAgg(figure)
    return figure


def _bars(
    axes: Axes, days: Sequence[date], heights: Sequence[float], color: str, label: str
) -> None:
    """One bar per day as a single collection: hundreds of separate patches draw far slower."""
    centres = date2num(list(days))
    half = BAR_WIDTH / 2
    shapes = [
        [(x - half, 0.0), (x - half, h), (x + half, h), (x + half, 0.0)]
        for x, h in zip(centres, heights, strict=True)
    ]
    axes.add_collection(PolyCollection(shapes, facecolors=color, edgecolors="none", label=label))
    axes.autoscale_view()


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


@contextmanager
def _drawing() -> Iterator[None]:
    """One render at a time, with the fonts that cover Chinese."""
    with _LOCK, rc_context({"font.family": FONTS}):
        cjk_font_path()
        yield


def render_activity(
    days: Sequence[DayFigures],
    labels: ActivityLabels,
    hours: Sequence[int] | None = None,
    hour_labels: HourLabels | None = None,
) -> bytes:
    """Messages and active members per day above, joins, leaves and members below.

    With ``hours`` (messages per local hour of the day, 24 counts) and their labels, a third
    panel at the bottom shows the busiest hours: one picture a phone shows full width, with
    the report's caption under it, rather than a second message.
    """
    with _drawing():
        if hours is None or hour_labels is None:
            figure = _figure()
            # Fixed margins: a constrained layout would cost a second drawing pass.
            figure.subplots_adjust(left=0.08, right=0.92, top=0.92, bottom=0.09, hspace=0.06)
            top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        else:
            figure = _figure(SIZE_WITH_HOURS)
            outer = figure.add_gridspec(
                2,
                1,
                height_ratios=(5, 2.4),
                hspace=0.3,
                left=0.08,
                right=0.92,
                top=0.94,
                bottom=0.06,
            )
            inner = outer[0].subgridspec(2, 1, height_ratios=(3, 2), hspace=0.06)
            top = figure.add_subplot(inner[0])
            bottom = figure.add_subplot(inner[1], sharex=top)
            top.tick_params(labelbottom=False)
            _hours_panel(figure.add_subplot(outer[1]), hours, hour_labels)
        _daily_panels(top, bottom, days, labels)
        figure.suptitle(labels.title)
        return _png(figure)


def _daily_panels(
    top: Axes, bottom: Axes, days: Sequence[DayFigures], labels: ActivityLabels
) -> None:
    dates = [d.day for d in days]
    _bars(top, dates, [d.messages for d in days], BAR, labels.messages)
    top.plot(dates, [d.active for d in days], color=LINE, marker=".", label=labels.active)
    top.set_ylabel(labels.count)
    top.legend(loc="upper left")
    top.grid(axis="y", alpha=0.3)
    _bars(bottom, dates, [d.joins for d in days], JOIN, labels.joins)
    _bars(bottom, dates, [-d.leaves for d in days], LEAVE, labels.leaves)
    bottom.axhline(0, color="#888888", linewidth=0.8)
    # Leaves are drawn downwards but are counts: label them without the minus sign.
    bottom.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{abs(value):g}"))
    bottom.set_ylabel(labels.count)
    bottom.set_xlabel(labels.date)
    bottom.grid(axis="y", alpha=0.3)
    counted = [(d.day, d.member_count) for d in days if d.member_count is not None]
    handles, names = bottom.get_legend_handles_labels()
    if counted:
        members = bottom.twinx()
        (line,) = members.plot(
            [c[0] for c in counted], [c[1] for c in counted], color="#72B7B2", marker="."
        )
        members.set_ylabel(labels.members)
        members.yaxis.set_major_locator(MaxNLocator(integer=True))
        handles, names = [*handles, line], [*names, labels.members]
    bottom.legend(handles, names, loc="upper left")
    if dates:
        # A day's margin either side, so that a single day still reads as a bar.
        bottom.set_xlim(date2num(dates[0]) - 1, date2num(dates[-1]) + 1)
    short = len(dates) <= SHORT_DAYS
    bottom.xaxis.set_major_locator(DayLocator() if short else AutoDateLocator(maxticks=10))
    for axes in (top, bottom):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.xaxis.set_major_formatter(DateFormatter("%m-%d"))


def _hours_panel(axes: Axes, hours: Sequence[int], labels: HourLabels) -> None:
    """24 bars, one per local hour; the busiest hours stand out in the line colour."""
    counts = [int(hours[h]) if h < len(hours) else 0 for h in range(HOURS)]
    busiest = set(busiest_hours(counts))
    colours = [LINE if h in busiest else BAR for h in range(HOURS)]
    axes.bar(range(HOURS), counts, width=BAR_WIDTH, color=colours)
    axes.set_xlim(-0.6, HOURS - 0.4)
    axes.set_xticks(range(HOURS), [f"{h:02d}" for h in range(HOURS)], fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    axes.set_title(labels.title, fontsize=11)
    axes.set_xlabel(labels.hour)
    axes.set_ylabel(labels.count)
    axes.grid(axis="y", alpha=0.3)


def render_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """A titled table image (the retention cohorts)."""
    with _drawing():
        height = 1.2 + 0.4 * (len(rows) + 1)
        figure = _figure((max(6.0, 1.2 * len(header)), height), layout="constrained")
        axes = figure.add_subplot()
        axes.axis("off")
        table = axes.table(
            cellText=[list(r) for r in rows] or [["" for _ in header]],
            colLabels=list(header),
            loc="center",
            cellLoc="center",
        )
        table.auto_set_font_size(False)
        table.set_fontsize(10)
        table.scale(1.0, 1.4)
        for (row, _), cell in table.get_celld().items():
            if row == 0:
                cell.set_facecolor("#DDE6F0")
        axes.set_title(title)
        return _png(figure)


def render_blank(size: tuple[float, float] = SIZE) -> bytes:
    """An empty figure of the chart's size (the benchmark's baseline)."""
    with _drawing():
        return _png(_figure(size))
