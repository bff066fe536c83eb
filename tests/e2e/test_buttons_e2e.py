"""Button presses end to end: stale and forged data through the fake Bot API."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ADMIN_ID, GROUP, BotFactory
from tests.e2e.test_welcome_e2e import MEMBER, command
from tests.fakes import FakeBotApi


@pytest.mark.parametrize(
    "data",
    [
        "ar:clear",  # a button posted before the upgrade: the old hand-rolled form
        "b1|ar.nothing",  # no such action
        "b1|cln.ok|30|1|not-a-time",  # a declared action with forged arguments
        "b1|zz.go|1",  # a prefix nobody declares
    ],
)
async def test_stale_or_forged_presses_are_answered_and_change_nothing(
    api: FakeBotApi, start_bot: BotFactory, data: str
) -> None:
    """Each is answered once, "no longer valid" (translated), and the rules stay."""
    await start_bot()
    await command(api, ADMIN_ID, "/addreply a 1")
    await command(api, ADMIN_ID, "/clearreplies")
    message_id = api.calls_to("sendMessage")[-1].result["message_id"]
    api.push_update(api.callback_query_update(GROUP, ADMIN_ID, data, message_id))
    (answer,) = await api.wait_for("answerCallbackQuery")
    assert answer.params["text"] == "⌛ 这个按钮已经失效。"
    assert answer.params.get("show_alert") is True
    assert api.calls_to("editMessageText") == []
    assert "#1" in await command(api, ADMIN_ID, "/replies")


async def test_a_member_pressing_an_admin_button_is_refused_once(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """The stage's admin check answers with the feature's own sentence."""
    await start_bot()
    await command(api, ADMIN_ID, "/addreply a 1")
    await command(api, ADMIN_ID, "/clearreplies")
    asked = api.calls_to("sendMessage")[-1]
    keep = asked.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    api.push_update(api.callback_query_update(GROUP, MEMBER, keep, asked.result["message_id"]))
    (answer,) = await api.wait_for("answerCallbackQuery")
    assert answer.params.get("show_alert") is True and answer.params["text"]
    assert "#1" in await command(api, ADMIN_ID, "/replies")
    assert len(api.calls_to("answerCallbackQuery")) == 1
