"""The webhook endpoint on its own: secret check, body checks, health."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Update

from bot.platforms.telegram.webhook import SECRET_HEADER, make_webhook_app


@pytest.fixture
async def client_and_sink() -> Any:
    """A test client for a webhook app whose updates land in a list."""
    received: list[dict[str, Any]] = []

    async def sink(data: dict[str, Any]) -> None:
        received.append(data)

    app = make_webhook_app("/hook", "s3cret", sink)
    async with TestClient(TestServer(app)) as client:
        yield client, received


@pytest.mark.parametrize(
    ("headers", "body", "status", "stored"),
    [
        ({SECRET_HEADER: "s3cret"}, b'{"update_id": 1}', 200, 1),
        ({SECRET_HEADER: "wrong"}, b'{"update_id": 1}', 403, 0),
        ({}, b'{"update_id": 1}', 403, 0),
    ],
)
async def test_post(
    client_and_sink: Any, headers: dict[str, str], body: bytes, status: int, stored: int
) -> None:
    """Only an update with the right secret is passed on."""
    client, received = client_and_sink
    response = await client.post("/hook", data=body, headers=headers)
    assert response.status == status
    assert len(received) == stored


MALFORMED = [
    b"not json",
    b"\xff\xfe",
    b"[1, 2]",
    b"null",
    b"{}",
    b'{"update_id": "x"}',
    b'{"update_id": 1, "message": "hi"}',
    b'{"update_id": 1, "message": {"message_id": 1, "date": 0}}',
    b'{"update_id": 1, "callback_query": {"from": {"id": 1}}}',
]


@pytest.mark.parametrize("body", MALFORMED)
async def test_a_body_that_is_no_update_is_acknowledged_and_dropped(
    client_and_sink: Any, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """200 (so Telegram does not resend it forever), one log line, and nothing is queued."""
    client, received = client_and_sink
    with caplog.at_level(logging.INFO, logger="bot.platforms.telegram.webhook"):
        response = await client.post("/hook", data=body, headers={SECRET_HEADER: "s3cret"})
    assert response.status == 200
    assert (await response.json())["ok"] is True
    assert received == []
    lines = [r for r in caplog.records if r.name == "bot.platforms.telegram.webhook"]
    assert len(lines) == 1
    assert lines[0].levelno == logging.WARNING
    assert "\n" not in lines[0].getMessage()


async def test_a_body_the_library_cannot_decode_is_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Damage the shape check does not look for still ends in 200 and one line, not a 500."""
    queued: list[Update] = []

    async def decoding_sink(data: dict[str, Any]) -> None:
        queued.append(Update.de_json(data, None))

    app = make_webhook_app("/hook", "s3cret", decoding_sink)
    # A message whose forward origin lacks its required fields: only the library sees that.
    broken = {
        "update_id": 5,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private", "first_name": "A"},
            "forward_origin": {"type": "user"},
        },
    }
    good = {"update_id": 6, "message": {**broken["message"], "forward_origin": None}}
    async with TestClient(TestServer(app)) as client:
        with caplog.at_level(logging.INFO, logger="bot.platforms.telegram.webhook"):
            response = await client.post("/hook", json=broken, headers={SECRET_HEADER: "s3cret"})
            assert response.status == 200
            assert "cannot be decoded" in (await response.json())["dropped"]
            response = await client.post("/hook", json=good, headers={SECRET_HEADER: "s3cret"})
            assert response.status == 200
    assert [u.update_id for u in queued] == [6]
    assert len([r for r in caplog.records if r.name == "bot.platforms.telegram.webhook"]) == 1


async def test_health(client_and_sink: Any) -> None:
    """GET /healthz answers without a secret."""
    client, _ = client_and_sink
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_other_paths_are_not_served(client_and_sink: Any) -> None:
    """Only the configured path accepts updates."""
    client, received = client_and_sink
    response = await client.post("/other", data=b"{}", headers={SECRET_HEADER: "s3cret"})
    assert response.status in (404, 405)
    assert received == []
