"""Route each event through the features in a fixed order, in one unit of work."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.presses import ButtonStage, Route, acknowledge, is_typed, stale_ack
from bot.typed_choices import ChoiceBook
from core.buttons import Ack
from core.chat import MissingRight
from core.context import Context
from core.events import ButtonPress, Event, event_user
from core.feature import Feature
from core.runtime import Runtime
from storage.receipts import Receipt

log = logging.getLogger(__name__)


class Dispatcher:
    """Hands events to features in order; one failing feature never stops the rest."""

    def __init__(
        self,
        runtime: Runtime,
        features: Sequence[Feature],
        choices: ChoiceBook | None = None,
    ) -> None:
        self.runtime = runtime
        self.features = tuple(features)
        self.buttons = ButtonStage(self.features)
        # Typed choices stand in for buttons where the platform has none (the sandbox).
        self.choices = choices

    async def handle(self, event: Event, receipt: Receipt | None = None) -> None:
        """Handle one event end to end and commit its unit of work once.

        A ``receipt`` is stored with the unit's writes: a redelivery of the event can then
        be recognised as handled (see ``bot.delivery``).
        """
        async with self.runtime.store.unit() as uow:
            uow.receipt = receipt
            if self.choices is not None:
                event = await self.choices.as_press(event, self.buttons, self.runtime, uow)
            ctx = Context(event, self.runtime, uow)
            if isinstance(event, ButtonPress):
                await self._press(event, ctx)
                return
            for feature in self.features:
                if await self._run(feature, event, ctx):
                    break

    async def _press(self, event: ButtonPress, ctx: Context) -> None:
        """Features before the declaring one see the press; it is acknowledged once."""
        route = self.buttons.route(event, typed=is_typed(event.press_id))
        ack: Ack | None = None if route else await stale_ack(ctx)
        if route is not None:
            ack = await self._route(route, event, ctx)
        await acknowledge(ctx, event, ack or Ack())

    async def _route(self, route: Route, event: ButtonPress, ctx: Context) -> Ack | None:
        for feature in self.features:
            if feature is route.feature:
                return await self.buttons.answer(route, ctx)
            if await self._run(feature, event, ctx):
                return None
        return None

    async def _run(self, feature: Feature, event: Event, ctx: Context) -> bool:
        try:
            return await feature.on_event(event, ctx)
        except MissingRight as error:
            await self._tell(ctx, error)
        except Exception:
            await ctx.uow.rollback()
            user = event_user(event)
            log.exception(
                "feature %s failed on %s in chat %s from user %s",
                feature.name,
                type(event).__name__,
                event.chat.id,
                user.id if user else None,
            )
        return False

    async def _tell(self, ctx: Context, error: MissingRight) -> None:
        try:
            await ctx.tell_missing_right(error)
        except Exception:
            log.exception("could not tell chat %s about a missing right", ctx.chat.id)

    async def start(self) -> None:
        """Start every feature's timers."""
        for feature in self.features:
            await feature.start(self.runtime)

    async def stop(self) -> None:
        """Stop every feature, flushing buffers; later features stop first."""
        for feature in reversed(self.features):
            try:
                await feature.stop()
            except Exception:
                log.exception("feature %s failed to stop cleanly", feature.name)
