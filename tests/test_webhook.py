"""The webhook endpoint on its own: secret check, body checks, health."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.platforms.webhook import SECRET_HEADER, make_webhook_app


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
        ({SECRET_HEADER: "s3cret"}, b"not json", 400, 0),
        ({SECRET_HEADER: "s3cret"}, b"[1, 2]", 400, 0),
        ({SECRET_HEADER: "s3cret"}, b"\xff\xfe", 400, 0),
    ],
)
async def test_post(
    client_and_sink: Any, headers: dict[str, str], body: bytes, status: int, stored: int
) -> None:
    """Only a well-formed update with the right secret is passed on."""
    client, received = client_and_sink
    response = await client.post("/hook", data=body, headers=headers)
    assert response.status == status
    assert len(received) == stored


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
