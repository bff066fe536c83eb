"""The draw: a committed secret seed and a deterministic shuffle anyone can recompute.

At creation the bot keeps ``seed`` (64 hex digits from ``secrets``) and publishes
``commitment = sha256(seed)`` (the hex digits of the seed as ASCII). At the draw it reveals
the seed and the entrants' user ids sorted by entry id. The permutation is a Fisher-Yates
shuffle from the front, driven by HMAC-SHA256 keyed with the seed's 32 bytes: at step ``k``
(0, 1, ...) with ``m = n - k`` entrants left, try ``attempt`` 0, 1, ...: ``r`` is the
big-endian integer of ``HMAC(seed, "k:attempt")``; keep it if ``r < 2**256 - 2**256 % m``
(no modulo bias), then swap places ``k`` and ``k + r % m``. The winners are the first
``winners`` places; a reroll takes the next place of the same shuffle. Pure, no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

SEED_BYTES = 32
_SPACE = 1 << 256


def new_seed() -> str:
    """A fresh secret seed: 64 hex digits from the operating system's randomness."""
    return secrets.token_hex(SEED_BYTES)


def commitment(seed: str) -> str:
    """The published commitment of a seed: sha256 of its hex digits, as hex."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def _below(key: bytes, step: int, bound: int) -> int:
    """A uniform number in [0, bound) for shuffle step ``step``, by rejection sampling."""
    limit = _SPACE - _SPACE % bound
    attempt = 0
    while True:
        digest = hmac.new(key, f"{step}:{attempt}".encode("ascii"), hashlib.sha256).digest()
        value = int.from_bytes(digest, "big")
        if value < limit:
            return value % bound
        attempt += 1


def shuffled_prefix(seed: str, entrants: Sequence[int], places: int) -> list[int]:
    """The first ``places`` places of the seed's shuffle of ``entrants`` (in entry order)."""
    key = bytes.fromhex(seed)
    order = list(entrants)
    count = min(places, len(order))
    for step in range(count):
        pick = step + _below(key, step, len(order) - step)
        order[step], order[pick] = order[pick], order[step]
    return order[:count]


def winners(seed: str, entrants: Sequence[int], count: int) -> list[int]:
    """The winners of a draw: the first ``count`` places of the shuffle."""
    return shuffled_prefix(seed, entrants, count)


def verify(
    seed: str, published: str, entrants: Sequence[int], count: int, claimed: Sequence[int]
) -> bool:
    """Whether a revealed seed matches its commitment and gives exactly ``claimed``."""
    if not hmac.compare_digest(commitment(seed), published.lower()):
        return False
    return shuffled_prefix(seed, entrants, len(claimed)) == list(claimed) and (
        len(claimed) >= min(count, len(entrants))
    )


def is_seed(text: str) -> bool:
    """Whether ``text`` is a seed as the bot makes them (64 lowercase hex digits)."""
    return len(text) == 2 * SEED_BYTES and all(c in "0123456789abcdef" for c in text)
