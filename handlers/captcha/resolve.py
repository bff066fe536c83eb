"""Carrying out a captcha's outcome: let the newcomer in, or apply the group's failure action.

Called with a pending captcha already claimed (its row deleted), so each outcome happens once
whoever got there first: a press, the timer, or the start-up sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from core.chat import ChatActionError, MissingRight
from core.context import chat_language, tell_missing_right
from core.events import Chat, User
from core.runtime import Runtime
from handlers.captcha.rules import FAIL_ACTIONS
from handlers.moderation.actions import Action, Case, enforce
from storage.captcha import PendingCaptcha

log = logging.getLogger(__name__)

Greeter = Callable[[Chat, User], Awaitable[None]]


class Resolver:
    """Passes and failures of captchas, through the platform port."""

    def __init__(self, runtime: Runtime, greet: Greeter | None) -> None:
        self.runtime = runtime
        self._greet = greet

    async def passed(self, pending: PendingCaptcha) -> None:
        """Lift the newcomer's restriction and welcome them, or approve their join request."""
        chat, language = await self.chat(pending)
        if pending.kind == "request":
            approve = self.runtime.port.approve_join(chat.id, pending.user_id, pending.reference)
            # The admins may have answered the request themselves meanwhile.
            done = await self._guard(chat, language, approve)
            key = "captcha.request_passed" if done else "captcha.request_gone"
            await self._tell_requester(pending, language, key)
            return
        await self._guard(chat, language, self.runtime.port.unmute(chat.id, pending.user_id))
        await self._remove_challenge(pending, chat, language)
        if self._greet is not None:
            await self._greet(chat, User(pending.user_id, pending.user_name))

    async def failed(self, pending: PendingCaptcha, reason: str) -> None:
        """Apply the failure action (``reason``: wrong or timeout); decline a join request."""
        chat, language = await self.chat(pending)
        if pending.kind == "request":
            decline = self.runtime.port.decline_join(chat.id, pending.user_id, pending.reference)
            await self._guard(chat, language, decline)
            await self._tell_requester(pending, language, f"captcha.request_failed_{reason}")
            return
        await self._remove_challenge(pending, chat, language)
        await self._punish(pending, reason)

    async def cancelled(self, pending: PendingCaptcha) -> None:
        """The newcomer left before answering: just remove the challenge."""
        chat, language = await self.chat(pending)
        await self._remove_challenge(pending, chat, language)

    async def _punish(self, pending: PendingCaptcha, reason: str) -> None:
        """The group's failure action, through moderation (logged; admins never touched).

        Quietly: a raid of failing bots would otherwise flood the group with notices; the
        moderation log (and the group's log chat) records each one.
        """
        target = User(pending.user_id, pending.user_name)
        case = Case(pending.chat_id, target, "captcha", detail=reason)
        # The newcomer was muted when the captcha started; "mute" keeps that until lifted.
        action = Action(pending.fail_action if pending.fail_action in FAIL_ACTIONS else "kick")
        async with self.runtime.store.unit() as uow:
            taken = await enforce(self.runtime, uow, case, [action], announce=False)
        log.info("captcha %s in %s for %s: %s", reason, pending.chat_id, pending.user_id, taken)

    async def unrestrict(self, chat_id: int, user_id: int) -> None:
        """Lift a newcomer's restriction without any captcha outcome (it could not be shown)."""
        chat = Chat(chat_id)
        await self._guard(
            chat, await self.language(chat_id), self.runtime.port.unmute(chat_id, user_id)
        )

    async def language(self, chat_id: int) -> str:
        """A group's language."""
        default = self.runtime.settings.bot.default_language
        async with self.runtime.store.unit() as uow:
            return await chat_language(uow, chat_id, default)

    async def chat(self, pending: PendingCaptcha) -> tuple[Chat, str]:
        """A captcha's group (with the title it had) and its language."""
        return Chat(pending.chat_id, pending.chat_title), await self.language(pending.chat_id)

    async def _remove_challenge(self, pending: PendingCaptcha, chat: Chat, language: str) -> None:
        if pending.message_id is None:
            return
        delete = self.runtime.port.delete(pending.message_chat_id, pending.message_id)
        await self._guard(chat, language, delete)

    async def _tell_requester(self, pending: PendingCaptcha, language: str, key: str) -> None:
        """Replace the private challenge with the outcome (buttons gone)."""
        text = self.runtime.translator(language, key)
        if pending.message_id is not None:
            await self.runtime.port.edit(pending.message_chat_id, pending.message_id, text)

    async def _guard(self, chat: Chat, language: str, call: Awaitable[object]) -> bool:
        """Run a platform call; False if it failed (a missing right is told once, else logged)."""
        try:
            await call
        except MissingRight as error:
            await tell_missing_right(self.runtime, chat.id, language, error)
            return False
        except ChatActionError as error:
            log.info("captcha action in %s failed: %s", chat.id, error)
            return False
        return True
