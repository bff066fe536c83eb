"""The timed side of lotteries: each draw at its end, once, run by the leading process.

The lotteries table is the source of truth. While this process leads it keeps a timer at
each open lottery's end, and a periodic pass draws whatever is due (ended while no process
led, filled by entries, created by another process) and posts results a crash left unposted.
A draw is claimed by moving the lottery from open to drawn in the same transaction that
stores its winners, so it happens once across processes and restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from core.context import chat_language
from core.csvfiles import export_stem, send_csv
from core.durations import format_duration
from core.events import User
from core.ids import shown_id
from core.runtime import Runtime
from core.text import Text, as_lines, code, mention
from handlers.lottery import draw
from handlers.lottery.rules import is_over
from storage.lottery import LotteryRepository
from storage.unit import UnitOfWork

log = logging.getLogger(__name__)

PASS_JOB = "lottery:pass"
EARLY = timedelta(seconds=1)


def end_job(lottery_id: int) -> str:
    """The timer id of a lottery's end."""
    return f"lottery:end:{lottery_id}"


class LotteryRunner:
    """A TimedSource: draws lotteries at their end while this process leads."""

    name = "lottery"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.leading = False
        self._armed: dict[int, datetime] = {}

    async def lead(self) -> None:
        """Draw what fell due while no process led, then keep watching."""
        self.leading = True
        await self.sync()
        self.runtime.scheduler.every(
            PASS_JOB, self.runtime.settings.lottery.sync_seconds, self.sync
        )

    async def unlead(self) -> None:
        """Drop every timer."""
        self.leading = False
        self.runtime.scheduler.cancel(PASS_JOB)
        for lottery_id in list(self._armed):
            self.runtime.scheduler.cancel(end_job(lottery_id))
        self._armed.clear()

    async def sync(self) -> None:
        """Post unposted results, draw what is due, arm a timer at every open end."""
        if not self.leading:
            return
        async with self.runtime.store.unit() as uow:
            repo = LotteryRepository(uow)
            unposted = await repo.unannounced()
            due = await repo.due(self.runtime.now())
            open_ends = await repo.open_all()
        for lottery_id in unposted:
            await self._guarded(self.announce, lottery_id)
        for lottery_id in due:
            await self._guarded(self.draw, lottery_id)
        for lottery_id, ends_at in open_ends:
            if lottery_id not in due and ends_at is not None:
                self.arm(lottery_id, ends_at)

    def arm(self, lottery_id: int, ends_at: datetime) -> None:
        """Keep a timer at a lottery's end (only while leading)."""
        if self.leading and self._armed.get(lottery_id) != ends_at:
            self._armed[lottery_id] = ends_at
            self.runtime.scheduler.call_at(end_job(lottery_id), ends_at, self.fire, lottery_id)

    async def fire(self, lottery_id: int) -> None:
        """A lottery's end came."""
        planned = self._armed.pop(lottery_id, None)
        if not self.leading or (planned and self.runtime.now() < planned - EARLY):
            return  # a test's clock far from the end: the next pass re-arms it
        await self._guarded(self.draw, lottery_id)

    async def poke(self, lottery_id: int) -> None:
        """A lottery may be full: draw it now if this process leads (else the leader's pass)."""
        if self.leading:
            await self._guarded(self.draw, lottery_id)

    async def _guarded(self, job: Callable[[int], Awaitable[object]], lottery_id: int) -> None:
        try:
            await job(lottery_id)
        except Exception:
            log.exception("lottery %s failed", lottery_id)

    async def draw(self, lottery_id: int) -> bool:
        """Draw a due lottery once: claim it, store its winners, then post the result."""
        now = self.runtime.now()
        async with self.runtime.store.unit() as uow, uow.alone():
            repo = LotteryRepository(uow)
            lottery = await repo.get(lottery_id)
            if lottery is None or lottery.status != "open":
                return False
            count = await repo.entry_count(lottery_id)
            if not is_over(lottery.ends_at, lottery.max_entries, count, now):
                return False
            if not await repo.claim_draw(lottery_id, now):
                return False  # another process drew it
            # Read after the claim: an entry holding the row committed before it, and none
            # can follow (entries check the status under the same row lock).
            entrants = await repo.entrants(lottery_id)
            picked = draw.winners(lottery.seed, [e.user_id for e in entrants], lottery.winners)
            names = {e.user_id: e.name for e in entrants}
            await repo.add_winners(
                lottery_id,
                [
                    {"slot": i + 1, "place": i, "user_id": u, "name": names[u], "won_at": now}
                    for i, u in enumerate(picked)
                ],
            )
            await uow.commit()
        self._armed.pop(lottery_id, None)
        self.runtime.scheduler.cancel(end_job(lottery_id))
        await self.announce(lottery_id)
        return True

    async def announce(self, lottery_id: int) -> None:
        """Post a drawn lottery's winners, seed and entrant ordering; note it was posted."""
        async with self.runtime.store.unit() as uow:
            repo = LotteryRepository(uow)
            lottery = await repo.get(lottery_id)
            if lottery is None or lottery.announced_at is not None:
                return
            entrants = await repo.entrants(lottery_id)
            winners = await repo.winners(lottery_id)
            language = await _language(self.runtime, uow, lottery.chat_id)
        t, chat_id = self.runtime.translator, lottery.chat_id
        ordering = [shown_id(e.user_id) for e in entrants]
        if not winners:
            text = t(language, "lottery.drawn_empty", id=lottery_id, prize=lottery.prize)
        else:
            shown = [mention(User(w.user_id, w.name)) for w in winners]
            inline = len(ordering) <= self.runtime.settings.lottery.reveal_inline
            text = as_lines(
                [
                    t(language, "lottery.drawn", id=lottery_id, prize=lottery.prize),
                    *(Text(f"{i + 1}. ", who) for i, who in enumerate(shown)),
                    t(
                        language,
                        "lottery.claim_hint",
                        within=format_duration(
                            int(self.runtime.settings.lottery.claim_seconds), language
                        ),
                    ),
                    t(
                        language,
                        "lottery.reveal",
                        seed=code(lottery.seed),
                        commitment=code(lottery.commitment),
                        count=len(ordering),
                    ),
                    t(language, "lottery.ordering", ids=code(" ".join(ordering)))
                    if inline
                    else t(language, "lottery.ordering_file"),
                ]
            )
        await self.runtime.port.send(chat_id, text)
        if winners and len(ordering) > self.runtime.settings.lottery.reveal_inline:
            await send_csv(
                self.runtime.port,
                chat_id,
                export_stem("lottery", chat_id, lottery_id),
                ("entry", "user_id"),
                ((i + 1, uid) for i, uid in enumerate(ordering)),
                t(language, "lottery.ordering_caption", id=lottery_id),
            )
        async with self.runtime.store.unit() as uow:
            await LotteryRepository(uow).mark_announced(lottery_id, self.runtime.now())
            await uow.commit()


async def _language(runtime: Runtime, uow: UnitOfWork, chat_id: int) -> str:
    return await chat_language(uow, chat_id, runtime.settings.bot.default_language)
