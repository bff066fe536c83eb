"""Exactly-once handling of platform updates across restarts: receipts, offsets, parking.

The platform redelivers every update it was not told is done (Telegram: below the offset
of the next getUpdates; webhook: not answered 2xx). After a crash that means some updates
come again which were handled before. This ledger tells those apart:

- Each event's unit of work carries a ``Receipt`` that is committed together with the
  event's own writes (``storage.receipts``). An event whose unit wrote nothing (an ordinary
  message) leaves no receipt, and costs no commit.
- At start-up the ledger reads the highest update id that has a receipt. An update above
  it cannot have been handled by an earlier process, so it costs no lookup; one at or below
  it (a redelivery after a restart) is looked up per event.
- On the activity-flush interval it stores the offset the platform acknowledged, prunes
  receipts the platform can no longer redeliver (below that offset, or older than two days
  since Telegram keeps updates at most 24 hours), and forgets parked updates handled since.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from storage.models import utcnow
from storage.receipts import Receipt, ReceiptRepository
from storage.unit import Store

log = logging.getLogger(__name__)

# Telegram keeps an undelivered update for at most 24 hours; a receipt older than this can
# never meet its update again.
KEEP = timedelta(days=2)
# Without a new offset (webhook mode, a quiet bot), old receipts are pruned this often.
PRUNE_EVERY = timedelta(hours=1)


class UpdateLedger:
    """Which updates of one source were handled, durably; see the module docstring."""

    def __init__(
        self,
        store: Store,
        source: str,
        *,
        clock: Callable[[], datetime] = utcnow,
        keep: timedelta = KEEP,
    ) -> None:
        self._store = store
        self.source = source
        self._clock = clock
        self._keep = keep
        # The highest update id with a receipt when this process started (None: none).
        self.horizon: int | None = None
        self.stored_offset: int | None = None
        self._pruned_at: datetime | None = None
        # Ids of updates stored as parked: their receipts must outlive the offset.
        self._parked: set[int] = set()

    async def open(self) -> list[tuple[int, dict[str, Any]]]:
        """Read what earlier processes left: the receipt horizon, the offset, parked updates."""
        async with self._store.unit() as uow:
            repo = ReceiptRepository(uow, self.source)
            self.horizon = await repo.highest()
            self.stored_offset = await repo.offset()
            parked = await repo.parked()
        self._parked = {update_id for update_id, _ in parked}
        if parked:
            log.info("%d parked update(s) of %s are handled again", len(parked), self.source)
        return parked

    def receipt(self, update_id: int, part: int) -> Receipt:
        """The receipt of one event (``part``: its position among the update's events)."""
        return Receipt(self.source, update_id, part, self._clock())

    async def handled_before(self, receipt: Receipt) -> bool:
        """Whether an earlier process committed this event already (no lookup above horizon)."""
        if self.horizon is None or receipt.update_id > self.horizon:
            return False
        async with self._store.unit() as uow:
            return await ReceiptRepository(uow, self.source).handled(
                receipt.update_id, receipt.part
            )

    async def park(self, bodies: dict[int, dict[str, Any]]) -> None:
        """Store updates still in flight so the offset may be confirmed past them."""
        if not bodies:
            return
        async with self._store.unit() as uow, uow.alone():
            await ReceiptRepository(uow, self.source).park(bodies, self._clock())
            await uow.commit()
        self._parked.update(bodies)
        log.info("parked %d slow update(s) of %s", len(bodies), self.source)

    async def persist(self, acknowledged: int | None, unparked: set[int]) -> None:
        """Store the acknowledged offset, prune receipts, forget handled parked updates.

        Costs a commit only when something changed (or once per ``PRUNE_EVERY``).
        """
        now = self._clock()
        moved = acknowledged is not None and acknowledged != self.stored_offset
        due = self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY
        if not (moved or unparked or due):
            return
        still_parked = self._parked - unparked
        async with self._store.unit() as uow, uow.alone():
            repo = ReceiptRepository(uow, self.source)
            if moved and acknowledged is not None:
                await repo.store_offset(acknowledged, now)
            below = prune_below(acknowledged, still_parked)
            pruned = await repo.prune(below=below, before=now - self._keep)
            await repo.unpark(unparked & self._parked)
            await uow.commit()
        self._parked = still_parked
        if moved:
            self.stored_offset = acknowledged
        self._pruned_at = now
        if pruned:
            log.debug("pruned %d receipt(s) of %s", pruned, self.source)


def prune_below(acknowledged: int | None, parked: set[int]) -> int | None:
    """Receipts under this update id can go: the platform no longer has those updates.

    A parked update was confirmed to the platform but may still be handled again from the
    database after a restart, so its receipt (and those after it) must stay.
    """
    if acknowledged is None:
        return None
    return min(acknowledged, min(parked)) if parked else acknowledged
