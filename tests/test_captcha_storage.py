"""Captcha storage on SQLite and PostgreSQL: settings, pending captchas, claim-once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.captcha import (
    CaptchaRepository,
    NewCaptcha,
    StoredSettings,
    awaiting_captcha,
)
from storage.unit import Store

GROUP = -1001234567890123
USER = 9_000_000_001
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def new(user_id: int = USER, *, kind: str = "join", seconds: int = 120) -> NewCaptcha:
    return NewCaptcha(
        chat_id=GROUP,
        user_id=user_id,
        user_name="Bob",
        chat_title="Group",
        kind=kind,
        mode="math",
        message_chat_id=GROUP if kind == "join" else user_id,
        answer=2,
        attempts_left=2,
        fail_action="ban",
        deadline=T0 + timedelta(seconds=seconds),
        created_at=T0,
    )


async def test_settings_default_then_change_and_persist(store: Store) -> None:
    async with store.unit() as uow:
        assert await CaptchaRepository(uow).settings(GROUP) == StoredSettings()
    async with store.unit() as uow:
        after = await CaptchaRepository(uow).change(GROUP, "Group", enabled=True, mode="math")
        assert after == StoredSettings(True, "math", None, "kick")
    async with store.unit() as uow:
        await CaptchaRepository(uow).change(GROUP, "Group", seconds=300, fail_action="mute")
    store.cache.drop(("captcha", GROUP))
    async with store.unit() as uow:
        assert await CaptchaRepository(uow).settings(GROUP) == StoredSettings(
            True, "math", 300, "mute"
        )


async def test_known_ids_spare_queries_for_groups_without_settings(store: Store) -> None:
    async with store.unit() as uow:
        await CaptchaRepository(uow).change(GROUP, "Group", enabled=True)
    async with store.unit() as uow:
        await CaptchaRepository(uow).load_known()
    assert store.cache.may_be_stored(("captcha", GROUP))
    assert not store.cache.may_be_stored(("captcha", -5))
    async with store.unit() as uow:
        assert not await awaiting_captcha(uow, -5, USER)
        assert (await CaptchaRepository(uow).settings(GROUP)).enabled


async def test_start_is_once_per_member_and_round_trips(store: Store) -> None:
    async with store.unit() as uow:
        repo = CaptchaRepository(uow)
        first = await repo.start(new())
        second = await repo.start(new())
        assert first is not None and second is None
        await repo.set_message(first, 777)
    async with store.unit() as uow:
        got = await CaptchaRepository(uow).find(GROUP, USER)
    assert got is not None
    assert (got.id, got.user_id, got.kind, got.mode, got.message_id) == (
        first,
        USER,
        "join",
        "math",
        777,
    )
    assert (got.answer, got.attempts_left, got.fail_action) == (2, 2, "ban")
    assert got.deadline == T0 + timedelta(seconds=120)


async def test_awaiting_captcha_follows_the_pending_row(store: Store) -> None:
    async with store.unit() as uow:
        repo = CaptchaRepository(uow)
        await repo.change(GROUP, "Group", enabled=True)
        pending_id = await repo.start(new())
    assert pending_id is not None
    async with store.unit() as uow:
        assert await awaiting_captcha(uow, GROUP, USER)
        assert not await awaiting_captcha(uow, GROUP, USER + 1)
        await CaptchaRepository(uow).claim(pending_id)
    async with store.unit() as uow:
        assert not await awaiting_captcha(uow, GROUP, USER)


async def test_claim_succeeds_once_even_when_racing(store: Store) -> None:
    async with store.unit() as uow:
        pending_id = await CaptchaRepository(uow).start(new())
    assert pending_id is not None

    async def claim() -> bool:
        async with store.unit() as uow:
            return await CaptchaRepository(uow).claim(pending_id) is not None

    results = await asyncio.gather(*(claim() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    async with store.unit() as uow:
        assert await CaptchaRepository(uow).get(pending_id) is None


async def test_retry_uses_an_attempt_and_refuses_a_stale_view(store: Store) -> None:
    async with store.unit() as uow:
        pending_id = await CaptchaRepository(uow).start(new())
    assert pending_id is not None
    async with store.unit() as uow:
        repo = CaptchaRepository(uow)
        seen = await repo.get(pending_id)
        assert seen is not None
        assert await repo.retry(seen, 3)
        assert not await repo.retry(seen, 1), "the attempt was already used"
    async with store.unit() as uow:
        after = await CaptchaRepository(uow).get(pending_id)
    assert after is not None and (after.answer, after.attempts_left) == (3, 1)


async def test_deadlines_list_every_pending_captcha(store: Store) -> None:
    async with store.unit() as uow:
        repo = CaptchaRepository(uow)
        a = await repo.start(new(1, seconds=30))
        b = await repo.start(new(2, kind="request", seconds=60))
    async with store.unit() as uow:
        deadlines = await CaptchaRepository(uow).deadlines()
    assert deadlines == {a: T0 + timedelta(seconds=30), b: T0 + timedelta(seconds=60)}


async def test_rows_go_with_their_group(store: Store) -> None:
    """Deleting a group's row (the bot left for good) drops its captchas too."""
    from sqlalchemy import delete

    from storage.models import ChatRow

    async with store.unit() as uow:
        repo = CaptchaRepository(uow)
        await repo.change(GROUP, "Group", enabled=True)
        await repo.start(new())
    async with store.unit() as uow:
        session = await uow.session()
        await session.execute(delete(ChatRow).where(ChatRow.id == GROUP))
    async with store.unit() as uow:
        assert await CaptchaRepository(uow).deadlines() == {}
