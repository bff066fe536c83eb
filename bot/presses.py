"""The one dispatch stage for button presses: decode, route, check rights, acknowledge once.

Features declare ``ButtonSpec`` s; a press reaches the declaring feature's handler at that
feature's place in the dispatch order (features before it still see the press, as activity
tracking does). Data that does not decode, or names an action nobody declares, is answered
"this button is no longer valid" and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from core.buttons import Ack, Press, StaleButton, decode, prefix_of, refusal
from core.chat import MissingRight
from core.context import Context
from core.events import ButtonPress
from core.feature import ButtonSpec, Feature

log = logging.getLogger(__name__)

# The press id of a typed choice (``bot.typed_choices``): this prefix, then the id of the
# member's message that made it (a platform's own press ids never look like this).
TYPED = "typed:"


def is_typed(press_id: str) -> bool:
    """Whether a press was typed rather than pressed."""
    return press_id.startswith(TYPED)


def typed_message(press_id: str) -> int | None:
    """The member's message a typed press came from; None for a real press."""
    number = press_id.removeprefix(TYPED) if is_typed(press_id) else ""
    return int(number) if number.lstrip("-").isdigit() else None


@dataclass(frozen=True, slots=True)
class Route:
    """Where a decoded press goes."""

    feature: Feature
    spec: ButtonSpec
    press: Press


class ButtonStage:
    """Routes presses to the features that declared their prefix."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self._specs: dict[str, tuple[Feature, ButtonSpec]] = {}
        for feature in features:
            for spec in feature.buttons():
                if spec.prefix in self._specs:
                    raise ValueError(f"button prefix {spec.prefix!r} is declared twice")
                self._specs[spec.prefix] = (feature, spec)

    def spec_for(self, action: str) -> ButtonSpec | None:
        """The declaration an action belongs to, if any feature made it."""
        found = self._specs.get(prefix_of(action))
        return found[1] if found else None

    def route(self, event: ButtonPress, *, typed: bool = False) -> Route | None:
        """The feature, declaration and decoded press of an event; None if stale or forged."""
        decoded = decode(event.data)
        if decoded is None:
            return None
        action, args = decoded
        found = self._specs.get(prefix_of(action))
        if found is None:
            return None
        press = Press(action, args, event.user, event.chat, event.message_id, typed=typed)
        return Route(found[0], found[1], press)

    async def answer(self, route: Route, ctx: Context) -> Ack:
        """Run a routed press: the admin check, then its handler; what to acknowledge."""
        if route.spec.admin_only and not await ctx.is_admin(route.press.user):
            return refusal(await ctx.t(route.spec.refusal))
        try:
            return await route.spec.handler(route.press, ctx) or Ack()
        except StaleButton as stale:
            log.info("stale press in chat %s: %s", route.press.chat.id, stale)
            await ctx.uow.rollback()
            return await stale_ack(ctx)
        except MissingRight as error:
            await ctx.tell_missing_right(error)
            return refusal(await ctx.t("buttons.failed"))
        except Exception:
            await ctx.uow.rollback()
            log.exception("button %s failed in chat %s", route.press.action, ctx.chat.id)
            return refusal(await ctx.t("buttons.failed"))


async def stale_ack(ctx: Context) -> Ack:
    """The answer to a press on a button that is no longer valid (or never was ours)."""
    return refusal(await ctx.t("buttons.stale"))


async def acknowledge(ctx: Context, event: ButtonPress, ack: Ack) -> None:
    """Answer a press once; a failed answer is logged (the press itself was handled).

    A typed choice has no pop-up to answer with: its answer, if it says anything, is a
    reply to the member's message in the chat.
    """
    try:
        if is_typed(event.press_id):
            if ack.text:
                reply_to = typed_message(event.press_id)
                await ctx.port.send(event.chat.id, ack.text, reply_to=reply_to)
            return
        await ctx.port.answer_button(event.press_id, ack.text, ack.alert)
    except Exception:
        log.exception("could not answer press %s in chat %s", event.press_id, ctx.chat.id)
