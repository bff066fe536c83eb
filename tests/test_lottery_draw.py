"""The lottery draw: a commitment to a secret seed and a shuffle anyone can recompute."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from handlers.lottery import draw

SEED = "00" * 31 + "2a"
ENTRANTS = [501, 502, 503, 504, 505, 506, 507, 508]


def _documented_shuffle() -> Callable[[str, list[str], int], list[str]]:
    """The verification script of docs/commands/lottery.md, as members would run it."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "commands" / "lottery.md").read_text(
        "utf-8"
    )
    script = page.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, object] = {"__name__": "verify_lottery"}
    exec(compile(script, "verify_lottery.py", "exec"), scope)
    return scope["shuffle"]  # type: ignore[return-value]


DOCUMENTED = _documented_shuffle()


def reference_draw(seed: str, entrants: list[int], count: int) -> list[int]:
    """The documented script's winners, on ids as text (as the result message shows them)."""
    return [int(i) for i in DOCUMENTED(seed, [str(e) for e in entrants], count)]


def test_commitment_is_sha256_of_the_seed_text() -> None:
    assert draw.commitment(SEED) == hashlib.sha256(SEED.encode()).hexdigest()


def test_new_seeds_are_64_hex_digits_and_differ() -> None:
    seeds = {draw.new_seed() for _ in range(20)}
    assert len(seeds) == 20 and all(draw.is_seed(s) for s in seeds)


@pytest.mark.parametrize("count", [1, 3, 8, 20])
@pytest.mark.parametrize("seed", [SEED, "ff" * 32, "0123456789abcdef" * 4])
def test_same_inputs_same_winners_as_the_documented_procedure(seed: str, count: int) -> None:
    first = draw.winners(seed, ENTRANTS, count)
    assert first == draw.winners(seed, ENTRANTS, count)
    assert first == reference_draw(seed, ENTRANTS, count)
    assert len(first) == min(count, len(ENTRANTS)) and len(set(first)) == len(first)
    assert set(first) <= set(ENTRANTS)


@pytest.mark.parametrize(
    ("seed", "published", "claimed_from", "ok"),
    [
        (SEED, draw.commitment(SEED), SEED, True),
        (SEED, draw.commitment(SEED).upper(), SEED, True),
        (SEED, draw.commitment("ff" * 32), SEED, False),  # not the committed seed
        (SEED, draw.commitment(SEED), "ff" * 32, False),  # winners of another seed
    ],
)
def test_verify(seed: str, published: str, claimed_from: str, ok: bool) -> None:
    claimed = draw.winners(claimed_from, ENTRANTS, 3)
    assert draw.verify(seed, published, ENTRANTS, 3, claimed) is ok


def test_a_reroll_is_the_next_place_of_the_same_shuffle() -> None:
    three = draw.winners(SEED, ENTRANTS, 3)
    four = draw.shuffled_prefix(SEED, ENTRANTS, 4)
    assert four[:3] == three and four[3] not in three
    assert draw.verify(SEED, draw.commitment(SEED), ENTRANTS, 3, four)


@pytest.mark.parametrize(("entrants", "count"), [([], 3), ([9], 3), ([9, 8], 1)])
def test_small_draws(entrants: list[int], count: int) -> None:
    assert sorted(draw.winners(SEED, entrants, count)) == sorted(
        reference_draw(SEED, entrants, count)
    )
    assert len(draw.winners(SEED, entrants, count)) == min(count, len(entrants))


def test_every_entrant_can_win() -> None:
    """Over many seeds each of four entrants wins a one-winner draw sometimes."""
    seen = {draw.winners(f"{n:064x}", [1, 2, 3, 4], 1)[0] for n in range(200)}
    assert seen == {1, 2, 3, 4}


@pytest.mark.parametrize(
    ("text", "ok"), [("ab" * 32, True), ("AB" * 32, False), ("ab" * 31, False), ("zz" * 32, False)]
)
def test_is_seed(text: str, ok: bool) -> None:
    assert draw.is_seed(text) is ok
