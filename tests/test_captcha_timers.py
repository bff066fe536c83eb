"""Captcha deadlines on a controlled clock: start-up sweep, timers, and resolving once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.platforms.recording import RecordingPort
from handlers.captcha.resolve import Resolver
from handlers.captcha.rules import Approvals
from handlers.captcha.timers import CaptchaTimers, job_id
from storage.captcha import CaptchaRepository, NewCaptcha
from storage.unit import Store
from tests.schedule_support import Clock, make_runtime, utc

GROUP = -1001
ADMIN = 77
# Far ahead of the real clock, so the real scheduler never fires these timers by itself.
T0 = utc(2036, 11, 26, 12, 0)


# What each call is noted as, and the argument noted with the chat (a send notes 0).
NOTED = {
    "send": ("send", None),
    "edit": ("edit", "message_id"),
    "delete": ("delete", "message_id"),
    "kick": ("kick", "user_id"),
    "ban": ("ban", "user_id"),
    "mute": ("mute", "user_id"),
    "unmute": ("unmute", "user_id"),
    "decline_join": ("decline", "user_id"),
    "approve_join": ("approve", "user_id"),
}


def done(port: RecordingPort) -> list[tuple[str, int, int]]:
    """What the captcha asked of the platform, as (what, chat, message or user)."""
    noted = []
    for call in port.calls:
        if call.method in NOTED:
            what, argument = NOTED[call.method]
            noted.append((what, call["chat_id"], call[argument] if argument else 0))
    return noted


async def add(
    store: Store, user_id: int, due: datetime, *, kind: str = "join", reference: str = ""
) -> int:
    """Store a pending captcha whose challenge is message ``user_id`` in the group."""
    async with store.unit() as uow:
        pending_id = await CaptchaRepository(uow).start(
            NewCaptcha(
                chat_id=GROUP,
                user_id=user_id,
                user_name=f"User {user_id}",
                chat_title="Group",
                kind=kind,
                mode="button",
                message_chat_id=GROUP if kind == "join" else user_id,
                answer=0,
                attempts_left=1,
                fail_action="kick",
                deadline=due,
                created_at=T0,
                reference=reference,
            )
        )
        assert pending_id is not None
        await CaptchaRepository(uow).set_message(pending_id, user_id)
    return pending_id


async def test_lead_resolves_overdue_captchas_and_arms_the_rest(sqlite_store: Store) -> None:
    """At start-up the clock says 12:05: two ran out (kicked, request declined), one waits."""
    port, clock = RecordingPort(admins={ADMIN}), Clock(T0 + timedelta(minutes=5))
    runtime = make_runtime(sqlite_store, port, clock)  # type: ignore[arg-type]
    late = await add(sqlite_store, 1, T0 + timedelta(minutes=1))
    await add(sqlite_store, 2, T0 + timedelta(minutes=2), kind="request")
    waiting = await add(sqlite_store, 3, T0 + timedelta(minutes=30))
    timers = CaptchaTimers(runtime, Resolver(runtime, None))
    runtime.scheduler.start()
    try:
        await timers.lead()
        assert ("delete", GROUP, 1) in done(port) and ("kick", GROUP, 1) in done(port)
        assert ("decline", GROUP, 2) in done(port) and ("edit", 2, 2) in done(port)
        assert not [d for d in done(port) if d[2] == 3]
        assert runtime.scheduler.due(job_id(waiting)) == T0 + timedelta(minutes=30)
        assert runtime.scheduler.due(job_id(late)) is None
        async with sqlite_store.unit() as uow:
            assert set(await CaptchaRepository(uow).deadlines()) == {waiting}
        await timers.unlead()
        assert runtime.scheduler.due(job_id(waiting)) is None
    finally:
        await runtime.scheduler.stop()


async def test_expire_acts_once_even_when_fired_twice(sqlite_store: Store) -> None:
    port = RecordingPort(admins={ADMIN})
    runtime = make_runtime(sqlite_store, port, Clock(T0))  # type: ignore[arg-type]
    pending_id = await add(sqlite_store, 5, T0)
    timers = CaptchaTimers(runtime, Resolver(runtime, None))
    await asyncio.gather(timers.expire(pending_id), timers.expire(pending_id))
    assert done(port).count(("kick", GROUP, 5)) == 1


async def test_an_admin_is_never_punished(sqlite_store: Store) -> None:
    """Should an admin's captcha run out (promoted meanwhile), moderation leaves them be."""
    port = RecordingPort(admins={ADMIN})
    runtime = make_runtime(sqlite_store, port, Clock(T0))  # type: ignore[arg-type]
    pending_id = await add(sqlite_store, ADMIN, T0)
    await CaptchaTimers(runtime, Resolver(runtime, None)).expire(pending_id)
    assert ("delete", GROUP, ADMIN) in done(port)
    assert not [d for d in done(port) if d[0] in ("kick", "ban", "mute")]


async def test_sync_arms_captchas_started_elsewhere_only_while_leading(
    sqlite_store: Store,
) -> None:
    port = RecordingPort(admins={ADMIN})
    runtime = make_runtime(sqlite_store, port, Clock(T0))  # type: ignore[arg-type]
    timers = CaptchaTimers(runtime, Resolver(runtime, None))
    runtime.scheduler.start()
    try:
        first = await add(sqlite_store, 8, T0 + timedelta(minutes=2))
        timers.arm(first, T0 + timedelta(minutes=2))
        assert runtime.scheduler.due(job_id(first)) is None, "not leading: no timers"
        await timers.lead()
        later = await add(sqlite_store, 9, T0 + timedelta(minutes=3))
        assert runtime.scheduler.due(job_id(later)) is None
        await timers.sync()
        assert runtime.scheduler.due(job_id(first)) == T0 + timedelta(minutes=2)
        assert runtime.scheduler.due(job_id(later)) == T0 + timedelta(minutes=3)
        await timers.unlead()
    finally:
        await runtime.scheduler.stop()


def test_approvals_are_taken_once_and_expire() -> None:
    approvals = Approvals(ttl=timedelta(minutes=10), limit=3)
    approvals.add(GROUP, 1, T0)
    assert approvals.take(GROUP, 1, T0 + timedelta(minutes=1))
    assert not approvals.take(GROUP, 1, T0 + timedelta(minutes=1)), "taken already"
    approvals.add(GROUP, 2, T0)
    assert not approvals.take(GROUP, 2, T0 + timedelta(minutes=10)), "too old"
    for user_id in range(10, 15):
        approvals.add(GROUP, user_id, T0)
    assert not approvals.take(GROUP, 10, T0), "the oldest went when the limit was reached"
    assert approvals.take(GROUP, 14, T0)


async def test_a_join_requests_reference_goes_back_to_the_platform(sqlite_store: Store) -> None:
    """The platform's handle on a request is kept with it and given back to decline/approve."""
    port, clock = RecordingPort(admins={ADMIN}), Clock(T0 + timedelta(minutes=5))
    runtime = make_runtime(sqlite_store, port, clock)  # type: ignore[arg-type]
    await add(sqlite_store, 2, T0 + timedelta(minutes=2), kind="request", reference="flag-2")
    passing = await add(
        sqlite_store, 4, T0 + timedelta(minutes=30), kind="request", reference="flag-4"
    )
    resolver = Resolver(runtime, None)
    timers = CaptchaTimers(runtime, resolver)
    runtime.scheduler.start()
    try:
        await timers.lead()
        async with sqlite_store.unit() as uow:
            claimed = await CaptchaRepository(uow).claim(passing)
            await uow.commit()
        assert claimed is not None and claimed.reference == "flag-4"
        await resolver.passed(claimed)
        await timers.unlead()
    finally:
        await runtime.scheduler.stop()
    references = [
        (call.method.removesuffix("_join"), call["reference"])
        for call in port.calls
        if call.method in ("decline_join", "approve_join")
    ]
    assert references == [("decline", "flag-2"), ("approve", "flag-4")]
