"""The settings cache: snapshots, invalidation that wins races, and known stored ids."""

from __future__ import annotations

import pytest

from storage.cache import MISSING, SnapshotCache


def test_put_then_get() -> None:
    cache = SnapshotCache()
    cache.put(("chat", 1), "zh", cache.version)
    assert cache.get(("chat", 1)) == "zh"
    assert cache.get(("chat", 2)) is MISSING


def test_a_read_that_raced_with_a_write_is_not_kept() -> None:
    """Reader starts, writer drops the key, reader finishes: its old value is thrown away."""
    cache = SnapshotCache()
    version = cache.version
    cache.drop(("chat", 1))
    cache.put(("chat", 1), "stale", version)
    assert cache.get(("chat", 1)) is MISSING


def test_least_recently_used_goes_first() -> None:
    cache = SnapshotCache(limit=2)
    cache.put("a", 1, cache.version)
    cache.put("b", 2, cache.version)
    assert cache.get("a") == 1  # now "b" is the oldest
    cache.put("c", 3, cache.version)
    assert cache.get("b") is MISSING
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


@pytest.mark.parametrize(
    ("known", "key", "expected"),
    [
        (None, ("chat", 5), True),  # nothing known about the kind: must look
        ({5}, ("chat", 5), True),
        ({5}, ("chat", 6), False),
        ({5}, ("welcome", 6), True),  # another kind is still unknown
    ],
)
def test_may_be_stored(known: set[int] | None, key: tuple[str, int], expected: bool) -> None:
    cache = SnapshotCache()
    if known is not None:
        cache.know("chat", known)
    assert cache.may_be_stored(key) is expected


def test_newly_stored_ids_join_the_known_set() -> None:
    cache = SnapshotCache()
    cache.stored(("chat", 7))  # unknown kind: nothing to note
    cache.know("chat", [])
    assert not cache.may_be_stored(("chat", 7))
    cache.stored(("chat", 7))
    assert cache.may_be_stored(("chat", 7))
