"""Transient Telegram failures: which are retried (5xx, no connection), which are "unknown"
(sent, no answer: never sent again), and long texts split; a real PTB ``Bot`` talks HTTP to
the fake Bot API, with short time-outs so the faults take a moment."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import pytest_asyncio
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.platforms.telegram.port import TelegramPort
from bot.platforms.telegram.retry import RetryPolicy, may_repeat, outcome
from bot.platforms.telegram.split import visible_length
from core.chat import Button, ChatActionError
from core.text import as_lines, bold, italic
from tests.fakes import FakeBotApi

TOKEN = "123:FAKE-not-a-token"
GROUP = -1001234567890
CREATOR = 500
# Retries quick enough for tests, with a deadline well past the faults.
QUICK = RetryPolicy(deadline=10.0, first_pause=0.05, max_pause=0.2)
LOGGER = "bot.platforms.telegram.port"


def network_error(cause: BaseException | None, timed_out: bool = False) -> TelegramError:
    """A PTB error as ``_httpxrequest``/``_baserequest`` raise it, with its cause."""
    error: TelegramError = TimedOut() if timed_out else NetworkError("failed")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (network_error(httpx.ConnectError("refused")), "not_sent"),
        (network_error(httpx.ConnectTimeout("slow"), timed_out=True), "not_sent"),
        (network_error(httpx.PoolTimeout("busy"), timed_out=True), "not_sent"),
        (network_error(None), "not_sent"),  # a JSON 500 answer
        (network_error(TelegramError("Invalid server response")), "not_sent"),  # HTML 502
        (network_error(httpx.ReadTimeout("no answer"), timed_out=True), "unknown"),
        (network_error(httpx.WriteTimeout("stuck"), timed_out=True), "unknown"),
        (network_error(httpx.RemoteProtocolError("disconnected")), "unknown"),
        (network_error(httpx.ReadError("reset")), "unknown"),
        (network_error(ValueError("odd")), "unknown"),
        (BadRequest("Bad Request: chat not found"), "refused"),
        (Forbidden("Forbidden: bot was kicked"), "refused"),
        (RetryAfter(3), "refused"),
    ],
    ids=[
        "connect-error",
        "connect-timeout",
        "pool-timeout",
        "500",
        "502-html",
        "read-timeout",
        "write-timeout",
        "dropped",
        "reset",
        "unknown-cause",
        "bad-request",
        "forbidden",
        "flood-wait",
    ],
)
def test_outcome(error: TelegramError, expected: str) -> None:
    assert outcome(error) == expected


@pytest.mark.parametrize(
    ("result", "idempotent", "expected"),
    [
        ("not_sent", False, True),
        ("not_sent", True, True),
        ("unknown", False, False),
        ("unknown", True, True),
        ("refused", True, False),
    ],
)
def test_may_repeat(result: str, idempotent: bool, expected: bool) -> None:
    assert may_repeat(result, idempotent) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("retries", "elapsed", "pause"),
    [
        (0, 0.0, 0.25),
        (1, 0.25, 0.5),
        (3, 1.0, 2.0),
        (6, 1.0, 2.0),  # never more than max_pause
        (2, 4.5, None),  # would end past the 5 s deadline
    ],
)
def test_pause(retries: int, elapsed: float, pause: float | None) -> None:
    assert RetryPolicy().pause(retries, elapsed) == pause


def test_no_retries_when_the_deadline_is_zero() -> None:
    assert RetryPolicy(deadline=0).pause(0, 0.0) is None


# --- through HTTP ----------------------------------------------------------------------


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API with one group."""
    async with FakeBotApi() as server:
        server.add_chat(GROUP)
        server.set_admins(GROUP, [], creator_id=CREATOR)
        yield server


@pytest_asyncio.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    """A PTB Bot on the fake, giving up on an answer after half a second."""
    request = HTTPXRequest(read_timeout=0.5, connect_timeout=0.5, write_timeout=0.5)
    async with Bot(TOKEN, base_url=api.base_url, request=request) as client:
        yield client


@pytest.fixture
def port(bot: Bot) -> TelegramPort:
    """The port under test, retrying quickly."""
    return TelegramPort(bot, QUICK)


def group_texts(api: FakeBotApi) -> list[str]:
    """Texts the fake stored as posted in the group."""
    return [m.get("text", "") for m in api.sent_messages if m["chat"]["id"] == GROUP]


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait (at most 5 s) until something the bot does shows."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.parametrize(
    ("status", "html_page"), [(500, False), (502, False), (502, True)], ids=["500", "502", "html"]
)
async def test_a_post_answered_5xx_is_sent_again_and_arrives_once(
    api: FakeBotApi, port: TelegramPort, status: int, html_page: bool
) -> None:
    api.fail_next("sendMessage", status=status, html_page=html_page)
    message_id = await port.post(GROUP, "announcement")
    assert group_texts(api) == ["announcement"]
    assert len(api.calls_to("sendMessage")) == 2
    assert api.message(GROUP, message_id) is not None


async def test_a_post_is_sent_once_the_bot_can_connect_again(
    api: FakeBotApi, port: TelegramPort, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    await api.refuse_connections()
    posting = asyncio.create_task(port.post(GROUP, "after the outage"))
    await until(lambda: "not_sent" in caplog.text, "a retry after a failed connection")
    await api.accept_connections()
    await posting
    assert group_texts(api) == ["after the outage"]
    assert len(api.calls_to("sendMessage")) == 1, "no request reached the fake while down"


@pytest.mark.parametrize(
    ("fault", "posted"),
    [("drop_before", []), ("drop_after", ["maybe"]), ("hang", []), ("slow", ["maybe"])],
    ids=["dropped-before", "answer-lost", "no-answer", "answer-too-late"],
)
async def test_a_post_without_answer_is_unknown_and_never_sent_twice(
    api: FakeBotApi, port: TelegramPort, fault: str, posted: list[str]
) -> None:
    if fault == "drop_before":
        api.drop_next("sendMessage")
    elif fault == "drop_after":
        api.drop_next("sendMessage", after_processing=True)
    elif fault == "hang":
        api.hang_next("sendMessage")
    else:
        api.delay("sendMessage", 1.0)  # processed after the bot gave up waiting
    with pytest.raises(ChatActionError) as raised:
        await port.post(GROUP, "maybe")
    assert raised.value.reason == "unknown"
    if fault == "slow":
        await until(lambda: bool(group_texts(api)), "the late post")
    assert group_texts(api) == posted
    assert len(api.calls_to("sendMessage")) == 1, "not sent again"


async def test_idempotent_calls_are_repeated_after_a_lost_answer(
    api: FakeBotApi, port: TelegramPort
) -> None:
    message_id = await port.post(GROUP, "to delete")
    api.drop_next("deleteMessage")
    api.drop_next("getChatMember", after_processing=True)
    assert await port.delete(GROUP, message_id) is True
    assert await port.member_status(GROUP, CREATOR) == "admin"
    assert len(api.calls_to("deleteMessage")) == 2


async def test_retries_stop_at_the_deadline_and_the_post_fails(api: FakeBotApi, bot: Bot) -> None:
    clock = [0.0]

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    port = TelegramPort(bot, RetryPolicy(deadline=1.0), sleep=sleep, clock=lambda: clock[0])
    api.fail_next("sendMessage", status=500, times=10)
    with pytest.raises(ChatActionError) as raised:
        await port.post(GROUP, "never")
    assert raised.value.reason == "failed"
    # Tries at 0, 0.25 and 0.75 s; the next pause (1 s) would end past the deadline.
    assert len(api.calls_to("sendMessage")) == 3
    assert clock[0] == 0.75


async def test_a_failed_admin_list_raises_instead_of_saying_no_admins(
    api: FakeBotApi, bot: Bot
) -> None:
    """One try: the admin cache backs off and checks senders with getChatMember meanwhile,
    so a chat's next message is not held up by retries here."""
    port = TelegramPort(bot, QUICK)
    api.fail_next("getChatAdministrators", status=500)
    with pytest.raises(ChatActionError):
        await port.admins(GROUP)
    assert len(api.calls_to("getChatAdministrators")) == 1
    assert CREATOR in await port.admins(GROUP)


async def test_a_refusal_is_not_retried(api: FakeBotApi, port: TelegramPort) -> None:
    api.fail_next("sendMessage", status=400)
    assert await port.send(GROUP, "refused") is None
    assert len(api.calls_to("sendMessage")) == 1


async def test_a_document_sent_again_uploads_all_its_bytes(
    api: FakeBotApi, port: TelegramPort
) -> None:
    data = b"x" * 10_000
    api.fail_next("sendDocument", status=502)
    assert await port.send_file(GROUP, data, "export.csv", "the export") is not None
    uploads = [call.params["document"] for call in api.calls_to("sendDocument")]
    assert [upload.data for upload in uploads] == [data, data]


# --- long texts --------------------------------------------------------------------------


async def test_a_long_reply_arrives_in_parts_reply_on_the_first_buttons_on_the_last(
    api: FakeBotApi, port: TelegramPort
) -> None:
    asked = await port.post(GROUP, "question")
    text = as_lines(bold(f"{n:03d}") + " " + "word " * 20 for n in range(60))  # ~6,500 chars
    buttons = [[Button("OK", "test.ok")]]
    last_id = await port.send(GROUP, text, reply_to=asked, buttons=buttons)
    calls = api.calls_to("sendMessage")[1:]
    assert len(calls) == 2
    assert all(visible_length(call.params["text"]) <= 4096 for call in calls)
    assert calls[0].params["reply_parameters"]["message_id"] == asked
    assert "reply_parameters" not in calls[1].params
    assert "reply_markup" not in calls[0].params
    assert calls[1].params["reply_markup"]["inline_keyboard"][0][0]["text"] == "OK"
    assert last_id == calls[1].result["message_id"]


async def test_a_long_caption_goes_on_in_a_message(api: FakeBotApi, port: TelegramPort) -> None:
    caption = as_lines(f"line {n}: " + italic("detail") for n in range(100))  # ~1,500 chars
    assert await port.send_photo(GROUP, b"\x89PNG fake", caption) is not None
    photo = api.last_call("sendPhoto")
    assert visible_length(photo.params["caption"]) <= 1024
    rest = api.last_call("sendMessage").params["text"]
    assert rest.startswith("line ") and rest.endswith("line 99: <i>detail</i>")
