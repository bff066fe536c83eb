"""Keys seen lately on the caller's clock: the TTL counts from the latest sighting, bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.recent import RecentKeys

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """``seconds`` after T0."""
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("sightings", "fresh"),
    [
        ([0], [True]),
        ([0, 299], [True, False]),
        ([0, 300], [True, True]),
        ([0, 200, 450], [True, False, False]),
        ([0, 200, 501], [True, False, True]),
    ],
)
def test_see(sightings: list[float], fresh: list[bool]) -> None:
    keys: RecentKeys[str] = RecentKeys(timedelta(seconds=300), 10)
    assert [keys.see("a", at(t)) for t in sightings] == fresh


@pytest.mark.parametrize(("after", "seen"), [(10, True), (299, True), (300, False), (900, False)])
def test_take_forgets(after: float, seen: bool) -> None:
    keys: RecentKeys[str] = RecentKeys(timedelta(seconds=300), 10)
    keys.see("a", at(0))
    assert keys.take("a", at(after)) is seen
    assert keys.take("a", at(after)) is False


def test_forget_and_limit() -> None:
    keys: RecentKeys[int] = RecentKeys(timedelta(seconds=300), 2)
    assert keys.see(1, at(0)) and keys.see(2, at(1)) and keys.see(3, at(2))
    assert keys.see(1, at(3)), "the oldest was dropped"
    assert not keys.see(3, at(4))
    keys.forget(3)
    assert keys.see(3, at(5))
