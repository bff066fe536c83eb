"""/stats sends the busiest-hours panel in its chart, counted in the group's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.stats import charts
from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_stats_e2e import flush, photo_after, set_clock
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi
from tests.test_stats_charts import png_size


async def test_stats_chart_has_the_busiest_hours_in_the_groups_zone(
    api: FakeBotApi, start_bot: BotFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[tuple[Any, ...]] = []
    real = charts.render_activity

    def spy(*args: Any) -> bytes:
        drawn.append(args)
        return real(*args)

    monkeypatch.setattr(charts, "render_activity", spy)
    bot = await start_bot(BOT_BOT__ACTIVITY_FLUSH_SECONDS="3600")
    set_clock(bot, datetime(2026, 11, 1, 12, 0, tzinfo=UTC))  # before the period
    await command(api, ADMIN_ID, "/welcome off")
    await command(api, ADMIN_ID, "/settimezone America/New_York")
    # 02:00 UTC on 11-24 is 21:00 on 11-23 in New York (EST, UTC-5), 10:00 in Shanghai.
    set_clock(bot, datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    for _ in range(3):
        api.push_update(api.message_update(GROUP, MEMBER, "evening chat"))
    await command(api, ADMIN_ID, "/modconfig")  # answered once the messages were handled
    await flush(bot)
    set_clock(bot, datetime(2026, 11, 26, 15, 30, tzinfo=UTC))  # 10:30 in New York
    photo, caption = await photo_after(api, MEMBER, "/stats 7d")

    assert png_size(photo) == (1000, 950), "one picture with the third panel"
    _days, _labels, hours, words = drawn[-1]
    # Three messages and the admin's /modconfig at 21:00 local, the /stats itself at 10:30.
    assert hours[21] == 4 and hours[10] == 1 and sum(hours) == 5
    assert "America/New_York" in words.title
    # The text line stays, with the same local hours.
    assert "最活跃时段：21:00, 10:00" in caption
    assert len(api.calls_to("sendPhoto")) == 1, "one message, not two"
