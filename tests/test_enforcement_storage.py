"""Enforcement storage on SQLite and PostgreSQL: allow list, warnings, restrictions, log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from storage.moderation import (
    LogEntry,
    ModerationRepository,
    approved_ids,
    find_member,
    load_known_ids,
    member_names,
)
from storage.repositories import Activity, MemberRepository
from storage.unit import Store

GROUP = -1001
OTHER = -1002
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


async def test_allow_list_round_trip_and_cache(store: Store) -> None:
    """Approve twice (once stored), list, unapprove; the cache follows every change."""
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        assert await repo.approve(GROUP, 7, "Ann", by=1)
        assert not await repo.approve(GROUP, 7, "Ann", by=1)
        assert await repo.approve(GROUP, 8, "Bob", by=1)
    async with store.unit() as uow:
        assert await approved_ids(uow, GROUP) == frozenset({7, 8})
        assert await approved_ids(uow, OTHER) == frozenset()
        rows = await ModerationRepository(uow).approved(GROUP)
        assert [(r.user_id, r.name, r.added_by) for r in rows] == [(7, "Ann", 1), (8, "Bob", 1)]
    async with store.unit() as uow:
        assert await ModerationRepository(uow).unapprove(GROUP, 7)
        assert not await ModerationRepository(uow).unapprove(GROUP, 7)
    async with store.unit() as uow:
        assert await approved_ids(uow, GROUP) == frozenset({8})


async def test_approved_ids_need_no_query_once_loaded(store: Store) -> None:
    """After the first read (and for groups known to have none), no statement is run."""
    async with store.unit() as uow:
        await ModerationRepository(uow).approve(GROUP, 7, "Ann", by=None)
    async with store.unit() as uow:
        await load_known_ids(uow)
        await approved_ids(uow, GROUP)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with store.unit() as uow:
            for _ in range(100):
                assert await approved_ids(uow, GROUP) == frozenset({7})
                assert await approved_ids(uow, OTHER) == frozenset()
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)
    assert statements == []


async def test_settings_defaults_and_changes(store: Store) -> None:
    async with store.unit() as uow:
        settings = await ModerationRepository(uow).settings(GROUP)
        assert (settings.warn_expiry, settings.warn_ladder, settings.log_chat_id) == (None,) * 3
        row = await ModerationRepository(uow).edit_settings(GROUP)
        row.warn_expiry, row.warn_ladder, row.log_chat_id = 3_600, "2:ban", OTHER
    async with store.unit() as uow:
        settings = await ModerationRepository(uow).settings(GROUP)
        assert (settings.warn_expiry, settings.warn_ladder, settings.log_chat_id) == (
            3_600,
            "2:ban",
            OTHER,
        )


async def test_warnings_count_after_since_and_are_taken_back(store: Store) -> None:
    """Only warnings after ``since`` count; unwarn removes the latest; reset removes all."""
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        for days, reason in [(0, "old"), (20, "middle"), (40, "new")]:
            await repo.add_warning(GROUP, 7, reason, 1, T0 + timedelta(days=days))
        await repo.add_warning(GROUP, 8, "someone else", None, T0 + timedelta(days=40))
    since = T0 + timedelta(days=10)
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        assert [w.reason for w in await repo.warnings(GROUP, 7, since)] == ["middle", "new"]
        assert await repo.remove_latest_warning(GROUP, 7, since)
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        assert [w.reason for w in await repo.warnings(GROUP, 7, since)] == ["middle"]
        assert await repo.reset_warnings(GROUP, 7) == 2
        assert not await repo.remove_latest_warning(GROUP, 7, since)
        assert len(await repo.warnings(GROUP, 8, since)) == 1


async def test_timed_restrictions_replace_and_list_by_end(store: Store) -> None:
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        await repo.restrict_until(GROUP, 7, "mute", T0 + timedelta(hours=1))
        await repo.restrict_until(GROUP, 7, "mute", T0 + timedelta(hours=3))
        await repo.restrict_until(GROUP, 7, "ban", T0 + timedelta(hours=2))
        await repo.restrict_until(OTHER, 9, "mute", T0 + timedelta(minutes=5))
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        everything = await repo.restrictions()
        assert [(r.chat_id, r.user_id, r.kind) for r in everything] == [
            (OTHER, 9, "mute"),
            (GROUP, 7, "ban"),
            (GROUP, 7, "mute"),
        ]
        assert everything[-1].until == T0 + timedelta(hours=3)
        soon = await repo.restrictions(before=T0 + timedelta(hours=2, minutes=30))
        assert len(soon) == 2
        assert await repo.forget_restriction(GROUP, 7, "ban")
        assert not await repo.forget_restriction(GROUP, 7, "ban")
        assert await repo.restriction(GROUP, 7, "ban") is None


async def test_log_keeps_newest_first_and_truncates(store: Store) -> None:
    async with store.unit() as uow:
        await ModerationRepository(uow).log(
            [
                LogEntry(GROUP, "warn", actor_id=1, target_id=7, detail="x" * 900),
                LogEntry(GROUP, "mute", target_id=7, seconds=60, message_text="m" * 900),
                LogEntry(OTHER, "ban", target_id=9, dry_run=True),
            ]
        )
    async with store.unit() as uow:
        rows = await ModerationRepository(uow).recent_log(GROUP, 10)
        assert [r.action for r in rows] == ["mute", "warn"]
        assert len(rows[1].detail) == 500 and len(rows[0].message_text) == 500
        assert rows[0].seconds == 60 and rows[0].actor_id is None
        assert [r.dry_run for r in await ModerationRepository(uow).recent_log(OTHER, 1)] == [True]


async def test_reports_are_handled_once_and_counted(store: Store) -> None:
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        first = await repo.add_report(GROUP, 5, 7, "Spammer", 42, "buy", T0)
        await repo.add_report(GROUP, 5, 7, "Spammer", 43, "buy", T0 + timedelta(minutes=20))
        await repo.add_report(GROUP, 6, 7, "Spammer", 44, "buy", T0 + timedelta(minutes=20))
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        assert await repo.reports_since(GROUP, 5, T0 + timedelta(minutes=10)) == 1
        assert await repo.reports_since(GROUP, 5, T0 - timedelta(minutes=1)) == 2
        assert await repo.handle_report(first, 100, "ban")
        assert not await repo.handle_report(first, 101, "delete")
    async with store.unit() as uow:
        row = await ModerationRepository(uow).report(first)
        assert row is not None and (row.handled_by, row.handled_action) == (100, "ban")


async def test_members_found_by_id_or_username(store: Store) -> None:
    async with store.unit() as uow:
        await MemberRepository(uow).record(
            [
                Activity(GROUP, 7, "Ann", "AnnTheAdmin", False, T0, 1),
                Activity(GROUP, 8, "Bob", None, False, T0, 1),
            ]
        )
    async with store.unit() as uow:
        found = await find_member(uow, GROUP, None, "annTHEadmin")
        assert found is not None and found.user_id == 7
        assert (await find_member(uow, GROUP, 8, None)).name == "Bob"  # type: ignore[union-attr]
        assert await find_member(uow, OTHER, 8, None) is None
        assert await find_member(uow, GROUP, None, "nobody") is None
        assert await member_names(uow, GROUP, [7, 8, 9]) == {7: "Ann", 8: "Bob"}
        assert await member_names(uow, GROUP, []) == {}


async def test_warning_count_matches_the_list(store: Store) -> None:
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        for hours in range(5):
            await repo.add_warning(GROUP, 7, "r", None, T0 + timedelta(hours=hours))
    async with store.unit() as uow:
        repo = ModerationRepository(uow)
        since = T0 + timedelta(hours=1, minutes=30)
        assert await repo.count_warnings(GROUP, 7, since) == 3
        assert len(await repo.warnings(GROUP, 7, since)) == 3
        assert await repo.count_warnings(GROUP, 8, since) == 0
