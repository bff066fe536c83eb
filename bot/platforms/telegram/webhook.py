"""The webhook endpoint: Telegram POSTs updates here; GET /healthz answers probes."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.platforms.telegram.update_shape import update_problem

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20

# Receives a checked update; may raise one of DECODE_ERRORS when the library cannot decode it.
UpdateSink = Callable[[dict[str, Any]], Awaitable[None]]
# What python-telegram-bot's Update.de_json raises on a body of the wrong shape.
DECODE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError)
_LOGGED_BODY = 200


def make_webhook_app(path: str, secret: str, sink: UpdateSink) -> web.Application:
    """An aiohttp app that checks Telegram's secret header and passes updates on.

    Once the secret matches, the body came from Telegram, and Telegram resends anything not
    answered with 2xx: a body that is not a usable update is acknowledged with 200, logged
    once and dropped, so it cannot come back forever.
    """

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        body = await request.read()
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _dropped(body, "not JSON")
        problem = update_problem(data)
        if problem is not None:
            return _dropped(body, problem)
        try:
            await sink(data)
        except DECODE_ERRORS as error:
            return _dropped(body, f"cannot be decoded ({type(error).__name__}: {error})")
        return web.json_response({"ok": True})

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health)
    return app


def _dropped(body: bytes, problem: str) -> web.Response:
    """Acknowledge a body that is not an update, with one log line saying why."""
    # %r keeps the untrusted body on one line; only its start is logged.
    log.warning(
        "webhook: dropped a body that is not an update (%s): %r", problem, body[:_LOGGED_BODY]
    )
    return web.json_response({"ok": True, "dropped": problem})


class WebhookServer:
    """Runs the webhook app on a host and port until stopped."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        self._host = host
        self._port = port

    async def start(self) -> None:
        """Start listening."""
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("webhook listening on %s:%s", self._host, self._port)

    async def stop(self) -> None:
        """Stop listening and close connections."""
        await self._runner.cleanup()
