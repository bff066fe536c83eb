"""The moderation engine end to end: fake Bot API <-> real application <-> SQLite."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import ADMIN_ID, GROUP, OWNER_ID, BotFactory
from tests.e2e.test_spam_e2e import answer_to
from tests.e2e.test_welcome_e2e import MEMBER, command, join
from tests.fakes import FakeBotApi, make_user
from tests.fakes.bot_api import Call

ADVERTISER = make_user(601, "Ad Poster", username="adposter")
NEWBIE = make_user(602, "Newbie")
CHANNEL = {"id": -1003000000003, "type": "channel", "title": "Deals"}
PHOTO = {"file_id": "p1", "file_unique_id": "u1", "width": 10, "height": 10}

SETTINGS_COMMANDS = [
    "/modconfig",
    "/modmode dryrun",
    "/modset link on",
    "/antilink on",
    "/allowdomain example.com",
    "/disallowdomain example.com",
    "/addbadword spam",
    "/delbadword spam",
    "/badwords",
    "/antiflood 5 10s",
    "/newcomer 24h",
]


def post(api: FakeBotApi, user: dict[str, Any] | int, text: str, **kw: Any) -> int:
    """Push a member's message; its message id."""
    update = api.message_update(GROUP, user, text, **kw)
    api.push_update(update)
    return int(update["message"]["message_id"])


async def settle(api: FakeBotApi) -> None:
    """Wait until everything pushed so far is handled (updates of a chat run in order)."""
    marker = api.message_update(GROUP, ADMIN_ID, "/rules")
    api.push_update(marker)
    done = marker["message"]["message_id"]
    await api.wait_for("sendMessage", predicate=lambda c: _replies_to(c, done))


def _replies_to(call: Call, message_id: int) -> bool:
    return (call.params.get("reply_parameters") or {}).get("message_id") == message_id


def deleted(api: FakeBotApi) -> list[int]:
    """Ids of the group's messages the bot deleted."""
    return [message_id for chat_id, message_id in api.deleted_messages if chat_id == GROUP]


def mutes(api: FakeBotApi, user_id: int) -> list[Call]:
    """restrictChatMember calls that take a member's voice."""
    return [
        c
        for c in api.calls_to("restrictChatMember")
        if c.params["user_id"] == user_id and not c.params["permissions"].get("can_send_messages")
    ]


def said(api: FakeBotApi) -> list[str]:
    """Texts of every message the bot sent."""
    return [c.params["text"] for c in api.calls_to("sendMessage")]


async def test_an_obfuscated_contact_ad_is_deleted_and_its_author_warned(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """A WeChat hand-off written to dodge filters is deleted, warned, logged, never answered."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    await command(api, ADMIN_ID, "/addreply 福利 welfare answer")
    ad = post(api, ADVERTISER, "免费福利 加\u200bＶ：ｍｏｎｅｙ＿８８ 📱 1 3 8 🔥 0013 8000")
    await settle(api)
    assert ad in deleted(api)
    assert any("Ad Poster" in text and "warned" in text for text in said(api))
    assert "welfare answer" not in said(api)  # a deleted message gets no auto-reply
    log = await command(api, ADMIN_ID, "/modlog 5")
    assert "contact details" in log and "Ad Poster" in log
    # An ordinary message of the same member goes through and is answered.
    before = len(api.calls_to("sendMessage"))
    ordinary = post(api, ADVERTISER, "今天的福利是什么？")
    await api.wait_for("sendMessage", before + 1)
    assert ordinary not in deleted(api)
    assert said(api)[-1] == "welfare answer"


async def test_an_admins_link_is_left_alone(api: FakeBotApi, start_bot: BotFactory) -> None:
    """With /antilink on, a member's link goes, an admin's or owner's stays, allowed ones stay."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    assert "Links are deleted" in await command(api, ADMIN_ID, "/antilink on")
    assert "example.com" in await command(api, ADMIN_ID, "/allowdomain https://www.example.com/")
    by_admin = post(api, ADMIN_ID, "read https://evil.example.io/x")
    by_owner = post(api, OWNER_ID, "join t.me/+secret")
    allowed = post(api, MEMBER, "docs at https://docs.example.com/guide")
    by_member = post(api, MEMBER, "cheap stuff at shop.vip")
    hidden = post(
        api,
        MEMBER,
        "click here",
        entities=[{"type": "text_link", "offset": 0, "length": 5, "url": "https://evil.io"}],
    )
    channel = post(api, MEMBER, "follow @dealschannel now")
    await settle(api)
    gone = deleted(api)
    assert by_admin not in gone and by_owner not in gone and allowed not in gone
    assert by_member in gone and hidden in gone and channel in gone
    assert "Links are allowed again" in await command(api, ADMIN_ID, "/antilink off")
    again = post(api, MEMBER, "cheap stuff at shop.vip")
    await settle(api)
    assert again not in deleted(api)


async def test_flood_gets_muted(api: FakeBotApi, start_bot: BotFactory) -> None:
    """More than 3 messages in 10 seconds: the extra ones are deleted and the member muted."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    assert "More than 3 messages in 10s" in await command(api, ADMIN_ID, "/antiflood 3 10s")
    ids = [post(api, MEMBER, f"message number {i}") for i in range(5)]
    await settle(api)
    assert [i in deleted(api) for i in ids] == [False, False, False, True, True]
    first, *_ = mutes(api, MEMBER["id"])
    assert first.params["until_date"] > 0
    assert "Flood control is off" in await command(api, ADMIN_ID, "/antiflood off")


async def test_dry_run_deletes_nothing_and_logs(api: FakeBotApi, start_bot: BotFactory) -> None:
    """In dry-run mode the ad stays, nobody is warned, and the log shows what would have been."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    assert "dry-run" in await command(api, ADMIN_ID, "/modmode dryrun")
    await command(api, ADMIN_ID, "/addreply 福利 welfare answer")
    before = len(api.calls_to("sendMessage"))
    ad = post(api, ADVERTISER, "福利 加V abc12345")
    await api.wait_for("sendMessage", before + 1)
    await settle(api)
    assert deleted(api) == []
    assert api.calls_to("restrictChatMember") == []
    assert "welfare answer" in said(api)  # the message went on as usual
    assert not any("warned" in text for text in said(api))
    log = await command(api, ADMIN_ID, "/modlog 5")
    assert "dry run" in log and "Ad Poster" in log, log
    assert ad
    assert "dry run" in await command(api, ADMIN_ID, "/modmode")
    assert "Moderation is off" in await command(api, ADMIN_ID, "/modmode off")
    post(api, ADVERTISER, "加V abc12345")
    await settle(api)
    assert deleted(api) == []
    await command(api, ADMIN_ID, "/modmode on")
    ad = post(api, ADVERTISER, "加V abc12345")
    await settle(api)
    assert deleted(api) == [ad]


async def test_banned_words_after_normalisation(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Literal and RE2 banned words match through spacing and full-width forms; edits too."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    assert "Banned: 代开发票" in await command(api, ADMIN_ID, "/addbadword 代开发票")
    assert "Banned: re:博彩|赌场" in await command(api, ADMIN_ID, "/addbadword re:博彩|赌场")
    assert "already" in await command(api, ADMIN_ID, "/addbadword 代 开发票")
    listing = await command(api, ADMIN_ID, "/badwords")
    assert "Banned words (2)" in listing and "代开发票" in listing
    spaced = post(api, MEMBER, "专业 代 开 发 票")
    regex = post(api, MEMBER, "线上ＢＯ彩博彩平台")
    fine = post(api, MEMBER, "发票开好了吗")
    edited = api.message_update(GROUP, MEMBER, "hello")
    body = {**edited["message"], "text": "欢迎来赌场", "edit_date": edited["message"]["date"]}
    api.push_update({"edited_message": body})
    await settle(api)
    assert spaced in deleted(api) and regex in deleted(api)
    assert body["message_id"] in deleted(api)
    assert fine not in deleted(api)
    assert "no longer banned" in await command(api, ADMIN_ID, "/delbadword 代开发票")
    again = post(api, MEMBER, "代开发票")
    await settle(api)
    assert again not in deleted(api)


async def test_newcomers_and_channel_forwards(api: FakeBotApi, start_bot: BotFactory) -> None:
    """A newcomer's link and forward go; an old member's stay; channel forwards go when on."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    assert "for 1d after joining" in await command(api, ADMIN_ID, "/newcomer 24h")
    join(api, NEWBIE)
    link = post(api, NEWBIE, "great deals at deals.example.shop")
    forward_origin = {"type": "channel", "chat": CHANNEL, "message_id": 7, "date": 1}
    forward = post(api, NEWBIE, "look", extra={"forward_origin": forward_origin})
    hello = post(api, NEWBIE, "hello everyone!")
    old = post(api, MEMBER, "look", extra={"forward_origin": forward_origin})
    await settle(api)
    assert link in deleted(api) and forward in deleted(api)
    assert hello not in deleted(api) and old not in deleted(api)
    # From here on the newcomer's batched welcome may arrive at any moment: read the answers
    # to the commands themselves, not the latest message.
    assert "channel forwards" in await answer_to(api, ADMIN_ID, "/modset forward on")
    forwarded = post(api, MEMBER, "look again", extra={"forward_origin": forward_origin})
    await settle(api)
    assert forwarded in deleted(api)
    assert "Newcomer restrictions are off" in await answer_to(api, ADMIN_ID, "/newcomer off")


async def test_modset_and_modconfig(api: FakeBotApi, start_bot: BotFactory) -> None:
    """/modset switches checks and sets actions and limits; /modconfig shows it all."""
    await start_bot()
    await command(api, ADMIN_ID, "/lang en")
    answer = await command(api, ADMIN_ID, "/modset emoji delete,mute:1h")
    assert "emoji check is on and does: delete,mute:1h" in answer
    assert "limit 3" in await command(api, ADMIN_ID, "/modset emoji 3")
    assert "is off" in await command(api, ADMIN_ID, "/modset contact off")
    config = await command(api, ADMIN_ID, "/modconfig")
    assert "Moderation: on" in config
    assert "emoji (emoji): on · delete,mute:1h (more than 3)" in config
    assert "contact ads (contact): off" in config
    party = post(api, MEMBER, "🎉🎉🎉🎉 party")
    ad = post(api, MEMBER, "加V abc12345")
    await settle(api)
    assert party in deleted(api) and ad not in deleted(api)
    assert mutes(api, MEMBER["id"])


async def test_members_are_refused_every_settings_command(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Every moderation settings command is refused to a member and changes nothing."""
    await start_bot()
    for text in SETTINGS_COMMANDS:
        assert "只有群管理员" in await command(api, MEMBER, text), text
    config = await command(api, ADMIN_ID, "/modconfig")
    assert "内容审核：开启" in config
    assert "（0 个词）" in config and "没有允许的域名" in config


async def test_bad_input_gets_errors_and_changes_nothing(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """Invalid arguments get a clear (translated) error; the settings stay as they were."""
    # Thirty-odd commands in a row: more replies than Telegram's per-group minute allows,
    # so the outbound budget is raised; pacing itself is tested in test_burst_e2e.py.
    await start_bot(BOT_OUTBOUND__CHAT_MESSAGES="1000")
    before = await command(api, ADMIN_ID, "/modconfig")
    cases = {
        "/modmode sometimes": "/modmode on",
        "/modset": "/modset &lt;检查&gt;",
        "/modset nothing on": "/modset &lt;检查&gt;",
        "/modset link explode": "不是处理方式",
        "/modset link mute:1h,ban": "最多只能选一个",
        "/modset flood 5": "没有可设置的数字",
        "/modset emoji 100000": "请给出 1 到 500",
        "/antilink maybe": "on",
        "/allowdomain not_a_domain": "请给出一个域名",
        "/allowdomain": "请给出一个域名",
        "/disallowdomain a b": "请给出一个域名",
        "/addbadword": "请给出一个词",
        "/addbadword re:(unclosed": "这个正则表达式无法使用",
        "/addbadword re:.*": "匹配所有消息",
        "/addbadword " + "长" * 300: "太长",
        "/delbadword re:[": "这个正则表达式无法使用",
        "/antiflood": "/antiflood &lt;条数&gt; &lt;时间&gt;",
        "/antiflood 1000 10s": "/antiflood &lt;条数&gt; &lt;时间&gt;",
        "/antiflood 5 3d": "/antiflood &lt;条数&gt; &lt;时间&gt;",
        "/newcomer": "/newcomer &lt;时间&gt;",
        "/newcomer 1000d": "/newcomer &lt;时间&gt;",
        "/newcomer soon": "/newcomer &lt;时间&gt;",
    }
    for text, expected in cases.items():
        answer = await command(api, ADMIN_ID, text)
        assert expected in answer, (text, answer)
    assert await command(api, ADMIN_ID, "/modconfig") == before
    assert "还没有违禁词" in await command(api, ADMIN_ID, "/badwords")
    # Markup in an argument is shown as text, never as markup.
    answer = await command(api, ADMIN_ID, "/modset link <b>x</b>")
    assert "&lt;b&gt;x&lt;/b&gt;" in answer


async def test_newcomer_window_and_known_names_survive_a_restart(
    api: FakeBotApi, start_bot: BotFactory
) -> None:
    """After a restart the newcomer is still new (read from the member records), and an
    @mention of a member seen before the restart is no link."""
    first = await start_bot()
    await command(api, ADMIN_ID, "/newcomer 24h")
    await command(api, ADMIN_ID, "/antilink on")
    join(api, NEWBIE)
    post(api, ADVERTISER, "大家好")  # seen with the username adposter
    await settle(api)
    await first.stop()  # activity (joins, usernames) is flushed on the way out
    await start_bot()
    media = post(api, NEWBIE, "", caption="看图", extra={"photo": [PHOTO]})
    mention = post(api, MEMBER, "问问 @adposter 吧")
    await settle(api)
    assert media in deleted(api)
    assert mention not in deleted(api)
