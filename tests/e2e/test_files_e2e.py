"""Files end to end: TelegramPort sends and downloads documents through the fake Bot API."""

from __future__ import annotations

import pytest

from bot.platforms.telegram.app import TelegramBot
from bot.platforms.telegram.config import DEFAULT_FILE_URL, TelegramConfig
from core.chat import ChatActionError, ChatPort
from core.text import bold
from tests.e2e.conftest import GROUP, TOKEN, BotFactory
from tests.fakes import FakeBotApi, UploadedFile, bot_api, make_user

MEMBER = make_user(300, "Mallory")
REPLIES = '{"hello": "你好"}'.encode()


def port_of(bot: TelegramBot) -> ChatPort:
    """The ChatPort the running bot gave its features."""
    assert bot.core is not None
    return bot.core.runtime.port


async def test_send_file_posts_a_kept_document(api: FakeBotApi, start_bot: BotFactory) -> None:
    """send_file uploads the bytes with a bold caption, as a reply that may outlive its target."""
    port = port_of(await start_bot())
    asked = api.message_update(GROUP, MEMBER, "/exportreplies")["message"]["message_id"]
    message_id = await port.send_file(GROUP, REPLIES, "replies.json", bold("2"), reply_to=asked)
    params = api.last_call("sendDocument").params
    assert isinstance(params["document"], UploadedFile)
    assert params["document"].filename == "replies.json"
    assert (params["caption"], params["parse_mode"]) == ("<b>2</b>", "HTML")
    assert params["reply_parameters"] == {
        "message_id": asked,
        "allow_sending_without_reply": True,
    }
    sent = api.sent_messages[-1]
    assert sent["message_id"] == message_id
    assert api.files[sent["document"]["file_id"]].data == REPLIES


async def test_send_file_failure_is_none(api: FakeBotApi, start_bot: BotFactory) -> None:
    """A refused upload is logged and answered with None, like send."""
    port = port_of(await start_bot())
    api.fail_next("sendDocument", status=400, description="Bad Request: chat not found")
    assert await port.send_file(GROUP, b"x", "x.txt") is None
    assert await port.send_file(GROUP, b"x", "x.txt") is not None


async def test_download_fetches_a_member_file(api: FakeBotApi, start_bot: BotFactory) -> None:
    """A file a member sent comes back byte for byte through getFile and the file URL."""
    bot = await start_bot()
    assert bot.application.bot.base_file_url == f"{api.file_url}{TOKEN}"
    doc = api.upload(REPLIES, "replies.json")
    assert await port_of(bot).download(doc["file_id"], len(REPLIES)) == REPLIES
    assert api.downloads == [f"documents/{doc['file_id']}.json"]


async def test_download_too_big_before_downloading(api: FakeBotApi, start_bot: BotFactory) -> None:
    """A known size over the limit is refused without fetching the bytes."""
    port = port_of(await start_bot())
    doc = api.upload(REPLIES, "replies.json")
    with pytest.raises(ChatActionError) as caught:
        await port.download(doc["file_id"], len(REPLIES) - 1)
    assert caught.value.reason == "too_big"
    assert api.calls_to("getFile") and api.downloads == []


async def test_download_too_big_after_downloading(api: FakeBotApi, start_bot: BotFactory) -> None:
    """Telegram may leave file_size out: the size is checked again on the bytes."""
    port = port_of(await start_bot())
    get_file = api._handlers["getfile"]
    api._handlers["getfile"] = lambda p: {k: v for k, v in get_file(p).items() if k != "file_size"}
    doc = api.upload(REPLIES, "replies.json")
    with pytest.raises(ChatActionError) as caught:
        await port.download(doc["file_id"], 3)
    assert caught.value.reason == "too_big"
    assert len(api.downloads) == 1


async def test_download_over_telegram_limit_is_too_big(
    api: FakeBotApi, start_bot: BotFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """getFile refuses files over 20 MB; that is too_big, not a failure."""
    port = port_of(await start_bot())
    monkeypatch.setattr(bot_api, "MAX_DOWNLOAD", 4)
    doc = api.upload(REPLIES, "replies.json")
    with pytest.raises(ChatActionError) as caught:
        await port.download(doc["file_id"], 1_000_000)
    assert caught.value.reason == "too_big"


async def test_download_unknown_file_is_not_found(api: FakeBotApi, start_bot: BotFactory) -> None:
    """An unknown file id is not_found; other errors are failed."""
    port = port_of(await start_bot())
    with pytest.raises(ChatActionError) as caught:
        await port.download("no-such-file", 1000)
    assert caught.value.reason == "not_found"
    # A refusal (a lone 500 would be retried by the port and succeed).
    api.fail_next("getFile", status=400)
    with pytest.raises(ChatActionError) as failed:
        await port.download(api.upload(b"x", "x.json")["file_id"], 1000)
    assert failed.value.reason == "failed"


@pytest.mark.parametrize(
    ("base_url", "base_file_url", "expected"),
    [
        ("https://api.telegram.org/bot", "", "https://api.telegram.org/file/bot"),
        ("http://localhost:8081/bot", "", "http://localhost:8081/file/bot"),
        ("http://localhost:8081/bot", "http://files.local/f/bot", "http://files.local/f/bot"),
        ("http://localhost:8081/api{token}", "", DEFAULT_FILE_URL),
    ],
)
def test_file_url(base_url: str, base_file_url: str, expected: str) -> None:
    """Empty base_file_url follows base_url; an explicit one wins."""
    config = TelegramConfig(base_url=base_url, base_file_url=base_file_url)
    assert config.file_url() == expected
