"""The webhook endpoint: Telegram POSTs updates here; GET /healthz answers probes."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20

UpdateSink = Callable[[dict[str, Any]], Awaitable[None]]


def make_webhook_app(path: str, secret: str, sink: UpdateSink) -> web.Application:
    """An aiohttp app that checks Telegram's secret header and passes updates on."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"ok": False, "error": "bad json"}, status=400)
        if not isinstance(data, dict):
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        await sink(data)
        return web.json_response({"ok": True})

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health)
    return app


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
