"""core.args.clip: how much of a bad argument an error message quotes back."""

from __future__ import annotations

import pytest

from core.args import CLIP, clip


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("23:00", CLIP, "23:00"),
        ("  a \n  b\t", CLIP, "a b"),
        ("x" * CLIP, CLIP, "x" * CLIP),
        ("x" * (CLIP + 1), CLIP, "x" * (CLIP - 1) + "…"),
        ("abcdef", 4, "abc…"),
    ],
)
def test_clip(value: str, limit: int, expected: str) -> None:
    """Runs of blanks become one space; too long a value ends in an ellipsis, within limit."""
    assert clip(value, limit) == expected
    assert len(clip(value, limit)) <= limit
