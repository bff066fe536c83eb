"""The CAS client against a local HTTP server (never the real host), and its cache."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp import web

from bot.cas import CasClient
from handlers.spam.cas import CasCache

BANNED = 666


class FakeCas:
    """Answers like api.cas.chat/check; counts requests; can be slow or broken."""

    def __init__(self) -> None:
        self.requests = 0
        self.delay = 0.0
        self.broken = False

    async def check(self, request: web.Request) -> web.Response:
        self.requests += 1
        await asyncio.sleep(self.delay)
        if self.broken:
            return web.Response(text="<html>oops</html>", status=200)
        user_id = int(request.query["user_id"])
        if user_id == BANNED:
            return web.json_response({"ok": True, "result": {"offenses": 3}})
        return web.json_response({"ok": False, "description": "Record not found."})


@pytest_asyncio.fixture
async def cas() -> AsyncIterator[tuple[FakeCas, str]]:
    fake = FakeCas()
    app = web.Application()
    app.router.add_get("/check", fake.check)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield fake, f"http://127.0.0.1:{port}/check"
    await runner.cleanup()


async def test_banned_and_clean_users(cas: tuple[FakeCas, str]) -> None:
    _, url = cas
    client = CasClient(url, timeout=2.0)
    try:
        assert await client.is_banned(BANNED) is True
        assert await client.is_banned(1) is False
    finally:
        await client.close()


async def test_failures_answer_none(cas: tuple[FakeCas, str]) -> None:
    fake, url = cas
    client = CasClient(url, timeout=0.2)
    try:
        fake.delay = 1.0
        assert await client.is_banned(BANNED) is None  # time-out
        fake.delay, fake.broken = 0.0, True
        assert await client.is_banned(BANNED) is None  # not JSON
    finally:
        await client.close()
    refused = CasClient("http://127.0.0.1:9/check", timeout=1.0)
    try:
        assert await refused.is_banned(BANNED) is None
    finally:
        await refused.close()


async def test_cache_asks_once_per_ttl_and_forgets_failures(cas: tuple[FakeCas, str]) -> None:
    fake, url = cas
    now = [0.0]
    cache = CasCache(CasClient(url, timeout=0.2), ttl=60, clock=lambda: now[0])
    try:
        assert await cache.is_banned(BANNED) is True
        assert await cache.is_banned(BANNED) is True
        assert fake.requests == 1
        now[0] = 61.0
        assert await cache.is_banned(BANNED) is True
        assert fake.requests == 2
        fake.broken = True
        assert await cache.is_banned(7) is None
        fake.broken = False
        assert await cache.is_banned(7) is False  # the failure was not remembered
    finally:
        await cache.close()
