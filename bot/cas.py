"""Combot Anti-Spam (CAS) look-ups over HTTP: is this user id on the CAS ban list?

``GET <url>?user_id=<id>`` answers ``{"ok": true, ...}`` for a banned user and
``{"ok": false, ...}`` otherwise. Any failure (time-out, refused, bad JSON) answers None:
the caller treats that as "unknown" and never blocks a message on it.
"""

from __future__ import annotations

import logging

import aiohttp

from core.ids import TELEGRAM, IdError, native_for

log = logging.getLogger(__name__)


class CasClient:
    """One shared HTTP session for CAS look-ups, opened on first use."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def is_banned(self, user_id: int) -> bool | None:
        """True if CAS lists the user, False if not, None if the look-up failed.

        CAS lists Telegram users only: a user of another platform is never on it (and is
        not looked up, so a QQ number can never match a Telegram id).
        """
        try:
            telegram_user = native_for(TELEGRAM, user_id)
        except IdError:
            return False
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            params = {"user_id": str(telegram_user)}
            async with self._session.get(self.url, params=params) as answer:
                if answer.status != 200:
                    return None
                body = await answer.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            log.info("CAS look-up of %s failed: %s", user_id, error)
            return None
        if not isinstance(body, dict) or not isinstance(body.get("ok"), bool):
            return None
        return body["ok"]

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
