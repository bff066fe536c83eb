"""The invites repository on SQLite and PostgreSQL: one row per person, claims, boards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storage.invites import InviteRepository
from storage.models import MemberRow, ModerationLogRow
from storage.repositories import ChatRepository
from storage.unit import Store

CHAT = -1002001
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ON = {"enabled": True, "points": 20, "stay_days": 3, "daily_cap": 10, "require": "none"}


def invite(invitee: int, inviter: int | None, source: str = "link", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "chat_id": CHAT,
        "invitee_id": invitee,
        "invitee_name": f"N{invitee}",
        "inviter_id": inviter,
        "inviter_name": f"I{inviter}" if inviter else "",
        "source": source,
        "link": "https://t.me/+a" if source == "link" else None,
        "status": "pending" if inviter else "void",
        "joined_at": T0,
        "points": 0,
        "paid_at": None,
    }
    row.update(extra)
    return row


async def prepared(store: Store) -> None:
    async with store.unit() as uow:
        await ChatRepository(uow).ensure_exists(CHAT)
        await InviteRepository(uow).save_settings(CHAT, ON)
        await uow.commit()


async def test_one_row_per_person_and_a_claim_pays_once(store: Store) -> None:
    await prepared(store)
    async with store.unit() as uow:
        repo = InviteRepository(uow)
        assert await repo.record_join(invite(50, 7))
        assert not await repo.record_join(invite(50, 8, "added"))
        await uow.commit()
    async with store.unit() as uow:
        repo = InviteRepository(uow)
        [due] = await repo.due(T0 + timedelta(days=3), 10)
        assert (due.invitee_id, due.inviter_id, due.points, due.require) == (50, 7, 20, "none")
        assert await repo.claim(due.id, 20, T0 + timedelta(days=3))
        assert not await repo.claim(due.id, 20, T0 + timedelta(days=3))
        await uow.commit()
    async with store.unit() as uow:
        repo = InviteRepository(uow)
        assert await repo.due(T0 + timedelta(days=9), 10) == []
        assert await repo.paid_since(CHAT, 7, T0) == 1
        assert await repo.known(CHAT, 50, T0 + timedelta(days=9))


async def test_leaving_settings_off_and_removals(store: Store) -> None:
    await prepared(store)
    async with store.unit() as uow:
        repo = InviteRepository(uow)
        await repo.record_join(invite(51, 7))
        await repo.record_join(invite(52, 7))
        assert await repo.mark_left(CHAT, 51)
        assert not await repo.mark_left(CHAT, 51)
        session = await uow.session()
        session.add(
            ModerationLogRow(
                chat_id=CHAT, actor_id=1, target_id=52, action="ban", created_at=T0 + timedelta(1)
            )
        )
        await uow.commit()
    async with store.unit() as uow:
        repo = InviteRepository(uow)
        assert [d.invitee_id for d in await repo.due(T0 + timedelta(days=5), 10)] == [52]
        assert await repo.removed(CHAT, 52, T0)
        assert not await repo.removed(CHAT, 52, T0 + timedelta(days=2))
        await repo.save_settings(CHAT, {**ON, "enabled": False})
        await uow.commit()
    async with store.unit() as uow:
        assert await InviteRepository(uow).due(T0 + timedelta(days=5), 10) == []


async def test_known_only_counts_earlier_sightings(store: Store) -> None:
    await prepared(store)
    async with store.unit() as uow:
        session = await uow.session()
        session.add(MemberRow(chat_id=CHAT, user_id=90, name="Old", first_seen=T0, last_seen=T0))
        await uow.commit()
    async with store.unit() as uow:
        repo = InviteRepository(uow)
        assert await repo.known(CHAT, 90, T0 + timedelta(hours=1))
        # The activity flush storing this very join does not make the newcomer known.
        assert not await repo.known(CHAT, 90, T0)


async def test_boards_sources_and_links(store: Store) -> None:
    await prepared(store)
    async with store.unit() as uow:
        repo = InviteRepository(uow)
        await repo.record_join(invite(53, 7))
        await repo.record_join(invite(54, 7, "added", status="paid", points=20, paid_at=T0))
        await repo.record_join(invite(55, 8, "added"))
        await repo.record_join(invite(56, None, "unknown"))
        await repo.record_join(invite(57, 8, "added", status="left"))
        await repo.save_link(CHAT, 7, "https://t.me/+one", T0)
        await repo.save_link(CHAT, 7, "https://t.me/+two", T0)
        await uow.commit()
    async with store.unit() as uow:
        repo = InviteRepository(uow)
        assert await repo.top(CHAT, None, 10) == [(7, "I7", 2, 1), (8, "I8", 1, 0)]
        assert await repo.top(CHAT, T0 + timedelta(days=1), 10) == []
        assert await repo.sources(CHAT, T0, T0 + timedelta(days=1)) == {
            "link": 1,
            "added": 3,
            "unknown": 1,
        }
        assert await repo.link_of(CHAT, 7) == "https://t.me/+two"
        assert await repo.owner_of(CHAT, "https://t.me/+two") == 7
        assert await repo.owner_of(CHAT, "https://t.me/+one") is None
        await repo.drop_link(CHAT, 7)
        assert await repo.link_of(CHAT, 7) is None
        assert [r.invitee_id for r in await repo.of_inviter(CHAT, 7, 10)] == [54, 53]
