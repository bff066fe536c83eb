"""One ChatPort over several platforms: each call goes to the platform its chat id is on.

Ids carry their platform (``core.ids``), so ``platform_of(chat_id)`` names the port to use.
Calls that name no chat (``download``, ``answer_button``) take an opaque handle the platform
gave out; a platform other than the first writes its name before it (``onebot:...``), and
a handle without a known name goes to the first platform (Telegram's handles have no colon).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import datetime

from core.chat import (
    Capabilities,
    ChatActionError,
    ChatPort,
    ChatRights,
    Keyboard,
    MemberInfo,
    RosterEntry,
)
from core.fallbacks import capabilities_of
from core.ids import IdError, platform_of
from core.text import Text

log = logging.getLogger(__name__)


def shared_capabilities(ports: Iterable[ChatPort]) -> Capabilities:
    """What every one of the ports can do."""
    found = [capabilities_of(port) for port in ports]
    return Capabilities(
        **{f.name: all(getattr(c, f.name) for c in found) for f in fields(Capabilities)}
    )


class RoutingPort:
    """A ChatPort that hands every call to the port of the platform it concerns."""

    def __init__(self, ports: Mapping[str, ChatPort]) -> None:
        if not ports:
            raise ValueError("a routing port needs at least one platform")
        self.ports = dict(ports)
        self._first = next(iter(self.ports.values()))
        # A caller that asks without naming a chat gets what every platform can do.
        self.capabilities = shared_capabilities(self.ports.values())

    def capabilities_for(self, chat_id: int) -> Capabilities:
        """What the platform of one chat can do (what every platform can, if it has none)."""
        try:
            return capabilities_of(self.port_for(chat_id))
        except ChatActionError:
            return self.capabilities

    def port_for(self, chat_id: int) -> ChatPort:
        """The port of the platform a chat is on; ChatActionError ``wrong_platform`` if the
        bot is not on that platform."""
        try:
            platform = platform_of(chat_id)
        except IdError as error:
            raise ChatActionError("wrong_platform", str(error)) from error
        port = self.ports.get(platform)
        if port is None:
            raise ChatActionError("wrong_platform", f"no {platform} platform for chat {chat_id}")
        return port

    def port_for_handle(self, handle: str) -> ChatPort:
        """The port that gave out an opaque handle (a file id, a button press id)."""
        name, sep, _rest = handle.partition(":")
        return self.ports.get(name, self._first) if sep else self._first

    async def send(
        self,
        chat_id: int,
        text: Text | str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
    ) -> int | None:
        """Post a message on the chat's platform; None if it could not be sent."""
        try:
            port = self.port_for(chat_id)
        except ChatActionError as error:
            log.warning("send to %s: %s", chat_id, error)
            return None
        return await port.send(chat_id, text, reply_to=reply_to, buttons=buttons)

    async def post(self, chat_id: int, text: Text | str) -> int:
        """Post a message on the chat's platform; raise ChatActionError if it failed."""
        return await self.port_for(chat_id).post(chat_id, text)

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        """Copy a message within one platform (a copy cannot cross platforms)."""
        port = self.port_for(chat_id)
        if self.port_for(from_chat_id) is not port:
            raise ChatActionError("failed", f"cannot copy from {from_chat_id} to {chat_id}")
        return await port.copy(chat_id, from_chat_id, message_id)

    async def edit(
        self, chat_id: int, message_id: int, text: Text | str, *, buttons: Keyboard | None = None
    ) -> bool:
        """Replace the text of one of the bot's messages."""
        return await self.port_for(chat_id).edit(chat_id, message_id, text, buttons=buttons)

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message."""
        return await self.port_for(chat_id).delete(chat_id, message_id)

    async def mute(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Stop a member from posting."""
        await self.port_for(chat_id).mute(chat_id, user_id, until)

    async def unmute(self, chat_id: int, user_id: int) -> None:
        """Let a muted member post again."""
        await self.port_for(chat_id).unmute(chat_id, user_id)

    async def ban(self, chat_id: int, user_id: int, until: datetime | None = None) -> None:
        """Remove a member and keep them out."""
        await self.port_for(chat_id).ban(chat_id, user_id, until)

    async def kick(self, chat_id: int, user_id: int) -> None:
        """Remove a member who may come back."""
        await self.port_for(chat_id).kick(chat_id, user_id)

    async def unban(self, chat_id: int, user_id: int) -> None:
        """Lift a ban."""
        await self.port_for(chat_id).unban(chat_id, user_id)

    async def approve_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Accept a join request."""
        await self.port_for(chat_id).approve_join(chat_id, user_id, reference)

    async def decline_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Turn a join request down."""
        await self.port_for(chat_id).decline_join(chat_id, user_id, reference)

    async def pin(self, chat_id: int, message_id: int) -> None:
        """Pin a message."""
        await self.port_for(chat_id).pin(chat_id, message_id)

    async def admins(self, chat_id: int) -> frozenset[int]:
        """Ids of the chat's creator and administrators."""
        return await self.port_for(chat_id).admins(chat_id)

    async def member_count(self, chat_id: int) -> int | None:
        """How many members the chat has."""
        return await self.port_for(chat_id).member_count(chat_id)

    async def member_status(self, chat_id: int, user_id: int) -> str | None:
        """A member's standing in the chat."""
        return await self.port_for(chat_id).member_status(chat_id, user_id)

    async def roster(self, chat_id: int) -> list[RosterEntry] | None:
        """Every member of the chat, if its platform can list them."""
        return await self.port_for(chat_id).roster(chat_id)

    async def send_photo(self, chat_id: int, photo: bytes, caption: Text | str = "") -> int | None:
        """Post an image with an optional caption."""
        return await self.port_for(chat_id).send_photo(chat_id, photo, caption)

    async def send_file(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: Text | str = "",
        *,
        reply_to: int | None = None,
    ) -> int | None:
        """Post bytes as a document."""
        port = self.port_for(chat_id)
        return await port.send_file(chat_id, data, filename, caption, reply_to=reply_to)

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """Fetch a file from the platform that gave out its id."""
        return await self.port_for_handle(file_id).download(file_id, max_bytes)

    async def answer_button(
        self, press_id: str, text: Text | str = "", alert: bool = False
    ) -> None:
        """Acknowledge a button press on the platform it came from."""
        await self.port_for_handle(press_id).answer_button(press_id, text, alert)

    async def member_info(self, chat_id: int, user_id: int) -> MemberInfo | None:
        """Who a person is in a chat."""
        return await self.port_for(chat_id).member_info(chat_id, user_id)

    async def chat_permissions(self, chat_id: int) -> ChatRights | None:
        """What ordinary members of a group may do now."""
        return await self.port_for(chat_id).chat_permissions(chat_id)

    async def set_chat_permissions(self, chat_id: int, rights: ChatRights) -> None:
        """Set what ordinary members may do."""
        await self.port_for(chat_id).set_chat_permissions(chat_id, rights)

    async def create_invite_link(self, chat_id: int, name: str) -> str:
        """A new invite link of the group."""
        return await self.port_for(chat_id).create_invite_link(chat_id, name)

    async def revoke_invite_link(self, chat_id: int, link: str) -> None:
        """Make an invite link stop working."""
        await self.port_for(chat_id).revoke_invite_link(chat_id, link)
