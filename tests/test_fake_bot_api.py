"""Tests of the fake Bot API server, driven by a real python-telegram-bot ``Bot``."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.fakes import FakeBotApi, UploadedFile, bot_api, make_user

TOKEN = "123:FAKE"
GROUP = -1001234567890
ALICE = make_user(111, "Alice", "Liddell", username="alice")
BOB = make_user(222, "Bob")


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A running fake Bot API."""
    async with FakeBotApi() as server:
        yield server


@pytest_asyncio.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    """A PTB Bot talking to the fake."""
    async with Bot(token=TOKEN, base_url=api.base_url, base_file_url=api.file_url) as tg_bot:
        yield tg_bot


def keyboard() -> InlineKeyboardMarkup:
    """A one-button inline keyboard."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="vote:yes")]])


# ------------------------------------------------------------------- basics and encoding


async def test_get_me_through_ptb(api: FakeBotApi, bot: Bot) -> None:
    """Bot.initialize calls getMe and PTB parses the bot user."""
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (999000, "test_group_bot", True)
    assert bot.username == "test_group_bot"
    assert api.calls_to("getMe")[0].token == TOKEN


async def test_bot_identity_is_configurable() -> None:
    """The bot user can be changed in the constructor."""
    async with (
        FakeBotApi(bot_id=42, bot_username="other_bot") as api,
        Bot(TOKEN, base_url=api.base_url) as bot,
    ):
        assert (bot.id, bot.username) == (42, "other_bot")


async def test_send_message_is_recorded_decoded(api: FakeBotApi, bot: Bot) -> None:
    """chat_id arrives as int, text stays a string even when it looks like JSON."""
    first = await bot.send_message(GROUP, "hello", reply_markup=keyboard())
    second = await bot.send_message(GROUP, "123")
    assert (first.message_id, second.message_id) == (5000, 5001)
    assert first.chat.title == "Test Group" and first.chat.type == "supergroup"
    assert first.from_user is not None and first.from_user.id == 999000
    assert first.reply_markup == keyboard()
    calls = api.calls_to("sendMessage")
    assert calls[0].params["chat_id"] == GROUP
    assert calls[0].params["text"] == "hello"
    assert calls[0].params["reply_markup"] == keyboard().to_dict()
    assert calls[1].params["text"] == "123"
    assert [m["text"] for m in api.sent_messages] == ["hello", "123"]


async def test_reply_parameters_and_known_chat(api: FakeBotApi, bot: Bot) -> None:
    """A registered chat's title is used and replies carry the replied-to message."""
    api.add_chat(GROUP, title="Cats")
    incoming = api.message_update(GROUP, ALICE, "hi bot")["message"]
    reply = await bot.send_message(
        GROUP, "hi Alice", reply_parameters=ReplyParameters(incoming["message_id"])
    )
    assert reply.chat.title == "Cats"
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.from_user.id == ALICE["id"]
    assert api.last_call("sendMessage").params["reply_parameters"] == {
        "message_id": incoming["message_id"]
    }


async def test_json_body_and_unknown_method(api: FakeBotApi) -> None:
    """JSON bodies are accepted; unknown methods answer 404 like Telegram."""
    async with aiohttp.ClientSession() as session:
        body = {"chat_id": GROUP, "text": "json", "reply_markup": json.dumps({"a": 1})}
        async with session.post(f"{api.base_url}{TOKEN}/sendMessage", json=body) as response:
            answer = await response.json()
        async with session.get(f"{api.base_url}{TOKEN}/noSuchMethod") as response:
            missing = (response.status, await response.json())
    assert answer["ok"] is True and answer["result"]["text"] == "json"
    assert api.last_call("sendMessage").params["reply_markup"] == {"a": 1}
    assert missing == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )


async def test_send_photo_and_document_multipart(api: FakeBotApi, bot: Bot) -> None:
    """Uploads arrive as multipart and are recorded with their bytes."""
    photo = await bot.send_photo(GROUP, photo=b"\x89PNG fake", caption="a cat")
    document = await bot.send_document(GROUP, document=b"rules", filename="rules.txt")
    uploaded = api.last_call("sendPhoto").params["photo"]
    assert isinstance(uploaded, UploadedFile)
    assert (uploaded.data, uploaded.size) == (b"\x89PNG fake", 9)
    assert api.last_call("sendPhoto").params["caption"] == "a cat"
    assert api.last_call("sendPhoto").params["chat_id"] == GROUP
    assert photo.photo[-1].file_size == 9 and photo.caption == "a cat"
    assert document.document is not None and document.document.file_name == "rules.txt"
    assert api.last_call("sendDocument").params["document"].data == b"rules"


# ------------------------------------------------------------------- files


async def test_sent_document_is_kept_and_downloadable(api: FakeBotApi, bot: Bot) -> None:
    """A document the bot sends is kept by file_id and served through getFile."""
    sent = await bot.send_document(GROUP, document=b'{"k": 1}', filename="export.json")
    assert sent.document is not None
    file_id = sent.document.file_id
    assert api.files[file_id].data == b'{"k": 1}'
    assert api.files[file_id].filename == "export.json"
    file = await bot.get_file(file_id)
    assert file.file_size == 8
    assert file.file_path == f"{api.file_url}{TOKEN}/documents/{file_id}.json"
    assert await file.download_as_bytearray() == bytearray(b'{"k": 1}')
    assert api.downloads == [f"documents/{file_id}.json"]
    again = await bot.send_document(GROUP, document=file_id)
    assert again.document is not None and again.document.file_id == file_id


async def test_member_upload_reaches_ptb_and_downloads(api: FakeBotApi, bot: Bot) -> None:
    """upload() makes a Document a member can send; its bytes come back through getFile."""
    doc = api.upload("键: 值".encode(), "回复.json")
    assert doc == {
        "file_id": doc["file_id"],
        "file_unique_id": f"{doc['file_id']}-u",
        "file_size": 8,
        "mime_type": "application/json",
        "file_name": "回复.json",
    }
    raw = api.message_update(GROUP, ALICE, "", caption="/importreplies", extra={"document": doc})
    assert "text" not in raw["message"]
    assert raw["message"]["caption_entities"][0]["type"] == "bot_command"
    message = Update.de_json(raw, bot).message
    assert message is not None and message.document is not None
    assert message.caption == "/importreplies" and message.text is None
    assert message.document.file_name == "回复.json" and message.document.file_size == 8
    file = await message.document.get_file()
    assert bytes(await file.download_as_bytearray()) == "键: 值".encode()


async def test_get_file_refusals(
    api: FakeBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown file ids and files over the download limit are refused as on Telegram."""
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("no-such-file")
    monkeypatch.setattr(bot_api, "MAX_DOWNLOAD", 4)
    doc = api.upload(b"12345", "big.txt", "text/plain")
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(doc["file_id"])


async def test_unknown_file_path_is_404(api: FakeBotApi) -> None:
    """A file path getFile never gave out is not served."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{api.file_url}{TOKEN}/documents/nothing.json") as response,
    ):
        answer = (response.status, await response.json())
    assert answer == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert api.downloads == []


def test_message_update_text_or_caption() -> None:
    """Empty text is left out; text and caption together are refused."""
    api = FakeBotApi()
    assert "text" not in api.message_update(GROUP, ALICE, "")["message"]
    assert api.message_update(GROUP, ALICE, "hi")["message"]["text"] == "hi"
    with pytest.raises(ValueError, match="text or a caption"):
        api.message_update(GROUP, ALICE, "hi", caption="also")


# ------------------------------------------------------------------- long polling


async def test_get_updates_offset_and_timeout(api: FakeBotApi, bot: Bot) -> None:
    """A waiting poll gets a pushed update; confirmed updates are not delivered again."""
    first = api.push_update(api.message_update(GROUP, ALICE, "one"))
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first]

    poll = asyncio.create_task(bot.get_updates(offset=first + 1, timeout=3))
    await api.wait_for("getUpdates", count=2)
    second = api.push_update(api.message_update(GROUP, BOB, "two"))
    updates = await asyncio.wait_for(poll, 1)
    assert [(u.update_id, u.message.text) for u in updates] == [(second, "two")]

    started = time.monotonic()
    assert await bot.get_updates(offset=second + 1, timeout=dtm.timedelta(seconds=0.3)) == ()
    assert time.monotonic() - started >= 0.25
    assert api.pending_updates == []


async def test_get_updates_limit_and_negative_offset(api: FakeBotApi, bot: Bot) -> None:
    """limit caps a batch; a negative offset keeps only the last updates."""
    ids = [api.push_update(api.message_update(GROUP, ALICE, str(n))) for n in range(5)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[-1:]


async def test_stop_ends_a_waiting_poll() -> None:
    """stop() answers a long poll at once."""
    api = FakeBotApi()
    await api.start()
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await api.wait_for("getUpdates")
        started = time.monotonic()
        await api.stop()
        assert await asyncio.wait_for(poll, 2) == ()
        assert time.monotonic() - started < 1.5


async def test_allowed_updates_filter_chat_member(api: FakeBotApi, bot: Bot) -> None:
    """chat_member updates come only when asked for, as on Telegram."""
    api.push_update(api.chat_member_update(GROUP, ALICE, "left", "member"))
    assert await bot.get_updates() == ()
    updates = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    assert [u.chat_member.new_chat_member.status for u in updates] == ["member"]


async def test_webhook_blocks_polling(api: FakeBotApi, bot: Bot) -> None:
    """With a webhook set, getUpdates is a Conflict; deleteWebhook can drop pending updates."""
    api.push_update(api.message_update(GROUP, ALICE, "queued"))
    await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("https://example.org/hook", 1)
    assert api.webhook["secret_token"] == "s3cret"
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


# ------------------------------------------------------------------- chats and members


async def test_get_chat_administrators(api: FakeBotApi, bot: Bot) -> None:
    """Creator, admins and the bot come back as PTB's ChatMember subclasses."""
    api.set_admins(GROUP, [ALICE], creator_id=make_user(10, "Olga"))
    admins = await bot.get_chat_administrators(GROUP)
    assert [type(a) for a in admins] == [
        ChatMemberOwner,
        ChatMemberAdministrator,
        ChatMemberAdministrator,
    ]
    assert [a.user.id for a in admins] == [10, ALICE["id"], 999000]
    assert admins[1].can_restrict_members and not admins[1].can_promote_members


async def test_get_chat_member(api: FakeBotApi, bot: Bot) -> None:
    """Unknown users are members; the bot itself is an admin with the rights set."""
    api.set_bot_rights(GROUP, can_delete_messages=False)
    member = await bot.get_chat_member(GROUP, 12345)
    assert isinstance(member, ChatMemberMember)
    assert member.user.first_name == "User 12345"
    me = await bot.get_chat_member(GROUP, 999000)
    assert isinstance(me, ChatMemberAdministrator)
    assert not me.can_delete_messages and me.can_restrict_members
    api.set_bot_rights(GROUP, admin=False)
    assert isinstance(await bot.get_chat_member(GROUP, 999000), ChatMemberMember)


async def test_get_chat_and_member_count(api: FakeBotApi, bot: Bot) -> None:
    """getChat gives a ChatFullInfo; unknown chats default to a supergroup."""
    api.add_chat(GROUP, title="Dogs", member_count=7, username="dogs")
    info = await bot.get_chat("@dogs")
    assert (info.id, info.title, info.type) == (GROUP, "Dogs", "supergroup")
    assert await bot.get_chat_member_count(GROUP) == 7
    assert (await bot.get_chat(-42)).title == "Test Group"
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.get_chat("@nobody")


async def test_restrict_ban_unban(api: FakeBotApi, bot: Bot) -> None:
    """Moderation changes what getChatMember answers."""
    until = dtm.datetime.now(dtm.UTC) + dtm.timedelta(hours=1)
    await bot.restrict_chat_member(GROUP, BOB["id"], ChatPermissions.no_permissions(), until)
    restricted = await bot.get_chat_member(GROUP, BOB["id"])
    assert isinstance(restricted, ChatMemberRestricted)
    assert not restricted.can_send_messages
    assert restricted.until_date == until.replace(microsecond=0)
    assert api.last_call("restrictChatMember").params["permissions"]["can_send_messages"] is False
    await bot.restrict_chat_member(GROUP, BOB["id"], ChatPermissions.all_permissions())
    assert isinstance(await bot.get_chat_member(GROUP, BOB["id"]), ChatMemberMember)
    await bot.ban_chat_member(GROUP, BOB["id"])
    assert isinstance(await bot.get_chat_member(GROUP, BOB["id"]), ChatMemberBanned)
    await bot.unban_chat_member(GROUP, BOB["id"], only_if_banned=True)
    assert isinstance(await bot.get_chat_member(GROUP, BOB["id"]), ChatMemberLeft)


async def test_moderation_refusals(api: FakeBotApi, bot: Bot) -> None:
    """Admins cannot be restricted, and the bot needs can_restrict_members."""
    api.set_admins(GROUP, [ALICE])
    with pytest.raises(BadRequest, match=r"(?i)user is an administrator"):
        await bot.ban_chat_member(GROUP, ALICE["id"])
    api.set_bot_rights(GROUP, can_restrict_members=False)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to restrict/unrestrict"):
        await bot.restrict_chat_member(GROUP, BOB["id"], ChatPermissions.no_permissions())
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to restrict/unrestrict"):
        await bot.ban_chat_member(GROUP, BOB["id"])


async def test_delete_needs_rights_for_others_messages(api: FakeBotApi, bot: Bot) -> None:
    """The bot deletes its own messages freely, users' messages only with the right."""
    own = await bot.send_message(GROUP, "mine")
    spam = api.message_update(GROUP, BOB, "spam")["message"]["message_id"]
    api.set_bot_rights(GROUP, can_delete_messages=False)
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted"):
        await bot.delete_message(GROUP, spam)
    assert await bot.delete_message(GROUP, own.message_id)
    api.set_bot_rights(GROUP)
    assert await bot.delete_message(GROUP, spam)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(GROUP, spam)
    assert await bot.delete_messages(GROUP, [spam, spam + 1])
    assert api.deleted_messages == [(GROUP, own.message_id), (GROUP, spam), (GROUP, spam + 1)]


async def test_edit_pin_callbacks_and_commands(api: FakeBotApi, bot: Bot) -> None:
    """editMessageText, pin/unpin, answerCallbackQuery and bot commands."""
    sent = await bot.send_message(GROUP, "vote", reply_markup=keyboard())
    edited = await bot.edit_message_text("voted", GROUP, sent.message_id)
    assert edited.text == "voted" and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("voted", GROUP, sent.message_id)
    assert await bot.pin_chat_message(GROUP, sent.message_id)
    assert await bot.unpin_chat_message(GROUP)
    assert await bot.answer_callback_query("cbq-1", text="ok", show_alert=True)
    assert api.last_call("answerCallbackQuery").params["show_alert"] is True
    scope = BotCommandScopeAllGroupChats()
    await bot.set_my_commands([BotCommand("checkin", "Daily check-in")], scope=scope)
    assert await bot.get_my_commands(scope=scope) == (BotCommand("checkin", "Daily check-in"),)
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("CheckIn", "Bad name")])
    await bot.delete_my_commands(scope=scope)
    assert await bot.get_my_commands(scope=scope) == ()


async def test_join_requests_and_leave_chat(api: FakeBotApi, bot: Bot) -> None:
    """A join request is answered once; after leaveChat the chat answers 403."""
    api.join_request_update(GROUP, ALICE)
    assert await bot.approve_chat_join_request(GROUP, ALICE["id"])
    with pytest.raises(BadRequest, match=r"(?i)HIDE_REQUESTER_MISSING"):
        await bot.decline_chat_join_request(GROUP, ALICE["id"])
    assert await bot.leave_chat(GROUP)
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member"):
        await bot.send_message(GROUP, "still here?")


# ------------------------------------------------------------------- faults and waiting


# PTB's own RetryAfter.__init__ reads the deprecated int-valued ``retry_after``.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_becomes_retry_after(api: FakeBotApi, bot: Bot) -> None:
    """A 429 carries parameters.retry_after, which PTB turns into RetryAfter; faults are used up."""
    api.fail_next("sendMessage", status=429, retry_after=1)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "flood")
    assert caught.value._retry_after == dtm.timedelta(seconds=1)
    assert "Retry in 1" in str(caught.value)
    assert (await bot.send_message(GROUP, "again")).text == "again"
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]


async def test_500_becomes_network_error(api: FakeBotApi, bot: Bot) -> None:
    """PTB raises a plain NetworkError for a 500 answer."""
    api.fail_next("getChat", status=500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match=r"(?i)Internal Server Error") as caught:
            await bot.get_chat(GROUP)
        assert type(caught.value) is NetworkError
    assert (await bot.get_chat(GROUP)).id == GROUP


async def test_injected_400_and_403(api: FakeBotApi, bot: Bot) -> None:
    """400 and 403 faults become BadRequest and Forbidden with the given description."""
    api.fail_next("sendMessage", status=403, description="Forbidden: bot was kicked")
    api.fail_next("deleteMessage", status=400)
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked"):
        await bot.send_message(GROUP, "x")
    with pytest.raises(BadRequest, match=r"(?i)injected fault"):
        await bot.delete_message(GROUP, 1)


async def test_delay_and_wait_for(api: FakeBotApi, bot: Bot) -> None:
    """delay() slows one answer; wait_for fails with the recorded methods listed."""
    api.delay("sendMessage", 0.2)
    started = time.monotonic()
    await bot.send_message(GROUP, "slow")
    assert time.monotonic() - started >= 0.2
    calls = await api.wait_for("sendMessage", predicate=lambda c: c.params["text"] == "slow")
    assert len(calls) == 1
    with pytest.raises(AssertionError, match=r"recorded: \['getMe', 'sendMessage'\]"):
        await api.wait_for("banChatMember", timeout=0.05)
    api.clear_calls()
    assert api.calls == []


# ------------------------------------------------------------------- update builders


async def test_message_builders_parse(api: FakeBotApi, bot: Bot) -> None:
    """Message updates from the builders are parsed by PTB with the expected fields."""
    command = Update.de_json(api.message_update(GROUP, ALICE, "/checkin@test_group_bot now"), bot)
    assert command.effective_chat.id == GROUP and command.effective_user.id == ALICE["id"]
    assert command.message.text.startswith("/checkin")
    assert command.message.entities[0].type == "bot_command"
    assert command.message.entities[0].length == len("/checkin@test_group_bot")
    reply = Update.de_json(
        api.message_update(GROUP, BOB, "me too", reply_to=command.message.id), bot
    )
    assert reply.message.reply_to_message.text == command.message.text
    anonymous = Update.de_json(api.message_update(GROUP, None, "hi", sender_chat=GROUP), bot)
    assert anonymous.message.sender_chat.id == GROUP
    assert anonymous.effective_user.username == "GroupAnonymousBot"
    joined = Update.de_json(api.new_members_update(GROUP, [ALICE, BOB]), bot)
    assert [u.id for u in joined.message.new_chat_members] == [ALICE["id"], BOB["id"]]
    left = Update.de_json(api.left_member_update(GROUP, BOB), bot)
    assert left.message.left_chat_member.id == BOB["id"]
    private = Update.de_json(api.message_update(ALICE["id"], ALICE, "/start"), bot)
    assert private.effective_chat.type == "private"
    assert private.effective_chat.first_name == "Alice"


async def test_member_and_query_builders_parse(api: FakeBotApi, bot: Bot) -> None:
    """chat_member, my_chat_member, callback_query and join request builders parse."""
    promoted = Update.de_json(
        api.chat_member_update(GROUP, ALICE, "member", "administrator", from_user=BOB), bot
    )
    assert isinstance(promoted.chat_member.new_chat_member, ChatMemberAdministrator)
    assert promoted.effective_user.id == BOB["id"]
    for status in ("creator", "restricted", "left", "kicked"):
        update = Update.de_json(api.chat_member_update(GROUP, ALICE, "member", status), bot)
        assert update.chat_member.new_chat_member.status == status
    added = Update.de_json(api.my_chat_member_update(GROUP, "left", "administrator"), bot)
    assert added.my_chat_member.new_chat_member.user.id == 999000
    assert isinstance(added.my_chat_member.new_chat_member, ChatMemberAdministrator)
    sent = await bot.send_message(GROUP, "vote", reply_markup=keyboard())
    pressed = Update.de_json(api.callback_query_update(GROUP, BOB, "vote:yes", sent.id), bot)
    assert pressed.callback_query.data == "vote:yes"
    assert pressed.callback_query.message.reply_markup == keyboard()
    assert pressed.effective_chat.id == GROUP and pressed.effective_user.id == BOB["id"]
    request = Update.de_json(api.join_request_update(GROUP, ALICE, bio="hi"), bot)
    assert request.chat_join_request.from_user.id == ALICE["id"]
    assert request.effective_chat.id == GROUP


async def test_every_builder_survives_get_updates(api: FakeBotApi, bot: Bot) -> None:
    """All builders' updates come through getUpdates and PTB's parsing, in order."""
    updates = [
        api.message_update(GROUP, ALICE, "/help"),
        api.new_members_update(GROUP, [BOB]),
        api.left_member_update(GROUP, BOB),
        api.chat_member_update(GROUP, BOB, "left", "member"),
        api.my_chat_member_update(GROUP, "member", "administrator"),
        api.callback_query_update(GROUP, ALICE, "data", 77),
        api.join_request_update(GROUP, BOB),
    ]
    ids = [api.push_update(update) for update in updates]
    received = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    assert [u.update_id for u in received] == ids
    assert all(u.effective_chat.id == GROUP for u in received)


async def test_ptb_application_polls_and_replies(api: FakeBotApi) -> None:
    """A real PTB Application long-polls the fake, handles a command and replies."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("welcome")

    app = Application.builder().token(TOKEN).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        incoming = api.message_update(GROUP, ALICE, "/start")["message"]
        api.push_update({"message": incoming})
        [reply] = await api.wait_for("sendMessage")
        await app.updater.stop()
        await app.stop()
    assert reply.params["text"] == "welcome"
    assert reply.params["reply_parameters"]["message_id"] == incoming["message_id"]
    assert api.calls_to("deleteWebhook") and api.pending_updates == []


# ------------------------------------------------------------------- per-group message limit


async def test_group_message_limit_answers_429_until_the_window_moves_on() -> None:
    """group_message_limit=N: the N+1st message to a group within the window gets 429."""
    now = [1_000.0]
    async with (
        FakeBotApi(group_message_limit=3, group_window_seconds=60, clock=lambda: now[0]) as api,
        Bot(TOKEN, base_url=api.base_url) as bot,
    ):
        for n in range(3):
            await bot.send_message(GROUP, f"message {n}")
            now[0] += 10
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(GROUP, "one too many")
        # The oldest message (at 1000) leaves the window at 1060; it is now 1030.
        assert caught.value._retry_after == dtm.timedelta(seconds=30)
        assert [c.status for c in api.calls_to("sendMessage")] == [200, 200, 200, 429]
        assert api.group_limit is not None and api.group_limit.sent(GROUP) == 3
        now[0] = 1_060.0
        assert (await bot.send_message(GROUP, "a slot is free")).text == "a slot is free"
        with pytest.raises(RetryAfter):
            await bot.send_message(GROUP, "and full again")


async def test_group_message_limit_counts_only_messages_to_groups() -> None:
    """Deletes and restrictions are not messages; private chats and other groups are apart."""
    other = GROUP - 1
    async with (
        FakeBotApi(group_message_limit=1, clock=lambda: 5.0) as api,
        Bot(TOKEN, base_url=api.base_url) as bot,
    ):
        api.set_member(GROUP, bot_api.member_with_status(ALICE, "member"))
        sent = await bot.send_message(GROUP, "the one message")
        assert await bot.delete_message(GROUP, sent.message_id)
        await bot.restrict_chat_member(GROUP, ALICE["id"], ChatPermissions.no_permissions())
        await bot.send_message(other, "another group")
        for n in range(3):
            await bot.send_message(ALICE["id"], f"private {n}")
        with pytest.raises(RetryAfter):
            await bot.copy_message(GROUP, GROUP, 1)
        with pytest.raises(RetryAfter):
            await bot.send_photo(GROUP, b"\x89PNG\r\n\x1a\nnot really")


async def test_a_message_refused_for_another_reason_is_not_counted() -> None:
    """A send that fails (the bot may not post) leaves the group's budget as it was."""
    async with (
        FakeBotApi(group_message_limit=1, clock=lambda: 5.0) as api,
        Bot(TOKEN, base_url=api.base_url) as bot,
    ):
        api.chat(GROUP).bot_muted = True
        with pytest.raises(BadRequest):
            await bot.send_message(GROUP, "muted")
        api.chat(GROUP).bot_muted = False
        assert (await bot.send_message(GROUP, "allowed")).text == "allowed"


async def test_without_a_limit_nothing_is_throttled(api: FakeBotApi, bot: Bot) -> None:
    """The default fake has no per-group limit."""
    assert api.group_limit is None
    for n in range(25):
        await bot.send_message(GROUP, f"message {n}")
    assert {c.status for c in api.calls_to("sendMessage")} == {200}
