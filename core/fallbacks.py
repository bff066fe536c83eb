"""What happens when a platform lacks a capability: one defined fallback each, here only.

``with_fallbacks`` wraps a port whose ``capabilities`` say it cannot do something; the
features keep calling the port as before:

- no ``edit``: the new text (and its buttons) is sent as a new message;
- no ``pin``: skipped, and logged;
- no ``copy``: ``ChatActionError("unsupported")`` (a scheduled copy says it failed);
- no ``uploads`` (or an upload refused as ``unsupported``): ``send_file`` posts the
  ``needs_files`` notice instead (once a minute per chat) and returns ``NOT_A_FILE`` (0),
  so the feature adds no failure message of its own;
- no ``files``: ``download`` raises ``ChatActionError("no_files")``;
- no ``buttons``: typed choices, by the shell (``bot.typed_choices``), because answering
  them takes part in dispatching.

Features that need to choose ahead ask ``capabilities_of(port, chat_id)``.
"""

from __future__ import annotations

import logging
from typing import Any

from cachetools import TTLCache

from core.chat import ALL_CAPABILITIES, Capabilities, ChatActionError, ChatPort, Keyboard
from core.text import Text

log = logging.getLogger(__name__)

# The reason ``download`` and ``send_file`` give on a platform without files.
NO_FILES = "no_files"
# What ``send_file`` gives back when the needs-files notice stood in for the file: no
# message id, yet nothing for the caller to report (the notice did).
NOT_A_FILE = 0
# How long a chat told that files cannot be sent is not told again.
NOTICE_SECONDS = 60.0
# The reason a platform gives for what it (or its implementation) cannot do at all.
UNSUPPORTED = "unsupported"
NEEDS_FILES = "capabilities.needs_files"


def capabilities_of(port: object, chat_id: int | None = None) -> Capabilities:
    """What a port says it can do (in one chat, when it is given and the port routes chats
    to platforms that differ); a port that does not say is taken to do everything."""
    per_chat = getattr(port, "capabilities_for", None) if chat_id is not None else None
    if callable(per_chat):
        found = per_chat(chat_id)
        if isinstance(found, Capabilities):
            return found
    found = getattr(port, "capabilities", None)
    return found if isinstance(found, Capabilities) else ALL_CAPABILITIES


def with_fallbacks(port: ChatPort, needs_files: str = "") -> ChatPort:
    """The port itself if it can do everything, else wrapped in its fallbacks.

    ``needs_files`` is the notice posted instead of a file (``NEEDS_FILES``, translated).
    """
    if capabilities_of(port) == ALL_CAPABILITIES:
        return port
    wrapped: Any = FallbackPort(port, needs_files)
    return wrapped


class FallbackPort:
    """A port whose missing capabilities take their defined fallback; the rest passes."""

    def __init__(self, inner: ChatPort, needs_files: str = "") -> None:
        self.inner = inner
        self.capabilities = capabilities_of(inner)
        self.needs_files = needs_files
        self._told: TTLCache[int, bool] = TTLCache(maxsize=4_096, ttl=NOTICE_SECONDS)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def edit(
        self, chat_id: int, message_id: int, text: Text | str, *, buttons: Keyboard | None = None
    ) -> bool:
        """Edit, or (without ``edit``) send the new text anew."""
        if self.capabilities.edit:
            return await self.inner.edit(chat_id, message_id, text, buttons=buttons)
        return await self.inner.send(chat_id, text, buttons=buttons) is not None

    async def pin(self, chat_id: int, message_id: int) -> None:
        """Pin, or (without ``pin``) skip it and log."""
        if self.capabilities.pin:
            await self.inner.pin(chat_id, message_id)
            return
        log.info("chat %s: not pinning message %s, the platform cannot pin", chat_id, message_id)

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        """Copy, or (without ``copy``) raise ChatActionError("unsupported")."""
        if self.capabilities.copy:
            return await self.inner.copy(chat_id, from_chat_id, message_id)
        raise ChatActionError("unsupported", "this platform cannot copy messages")

    async def send_file(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: Text | str = "",
        *,
        reply_to: int | None = None,
    ) -> int | None:
        """Send a document, or (without ``uploads``, or refused as ``unsupported``) post the
        notice instead and return ``NOT_A_FILE``: the notice said why, the caller need not.

        A chat gets the notice once a minute at most (an export in several parts)."""
        if self.capabilities.uploads:
            try:
                return await self.inner.send_file(
                    chat_id, data, filename, caption, reply_to=reply_to
                )
            except ChatActionError as error:
                if error.reason != UNSUPPORTED:
                    raise
        log.info("chat %s: not sending %s, the platform cannot send files", chat_id, filename)
        if self.needs_files and chat_id not in self._told:
            self._told[chat_id] = True
            await self.inner.send(chat_id, self.needs_files, reply_to=reply_to)
        return NOT_A_FILE

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """Fetch a file, or (without ``files``) raise ChatActionError(NO_FILES)."""
        if self.capabilities.files:
            return await self.inner.download(file_id, max_bytes)
        raise ChatActionError(NO_FILES, "this platform cannot fetch files")
