"""Ids that carry their platform: one ``int`` per chat or user, whatever the platform.

A chat or user id is a single integer (one BigInteger column in the store), so that a
Telegram user and a user of another platform with the same number are different people.
Telegram's ids are used as they are (they stay within +-2**53, so every stored row keeps its
value); another platform's native id, 0 <= native < 2**55, is put in that platform's own band:
``scoped = (code << 56) + native``. Telegram's band (code 0) is every id below 2**56,
negative chat ids included.

Groups and people: Telegram's group ids are negative, so never a person's. QQ numbers its
groups and its people apart (group 123456 and user 123456 are two, and the private chat with
that user is a third chat): a group's id there has ``GROUP_BIT`` set (``scoped_group``), so
the store never takes one for the other, and ``is_group_id`` tells them apart.
"""

from __future__ import annotations

from typing import Final, Literal

Platform = Literal["telegram", "onebot"]

TELEGRAM: Final = "telegram"
ONEBOT: Final = "onebot"
# Each platform's code: the band its ids live in. Never renumber one: stored ids depend on it.
CODES: Final[dict[str, int]] = {TELEGRAM: 0, ONEBOT: 1}
PLATFORMS: Final[dict[int, str]] = {code: name for name, code in CODES.items()}

BAND_BITS: Final = 56
BAND: Final = 1 << BAND_BITS
# Telegram promises ids that fit in 52 bits (plus a sign); they are kept as they are.
TELEGRAM_LIMIT: Final = 1 << 53
# Set in the ids of groups of the platforms that number groups and people apart.
GROUP_BIT: Final = 1 << (BAND_BITS - 1)
# A signed 64-bit column holds codes up to 127.
MAX_CODE: Final = (1 << (63 - BAND_BITS)) - 1


class IdError(ValueError):
    """An id that cannot be scoped or read: an unknown platform or an out-of-range number."""


def code_of(platform: str) -> int:
    """A platform's code; IdError for a platform that has none."""
    try:
        return CODES[platform]
    except KeyError:
        raise IdError(f"unknown platform {platform!r}; known: {', '.join(CODES)}") from None


def scoped(platform: str, native: int) -> int:
    """The platform-qualified id of a platform's own (native) id."""
    code = code_of(platform)
    if code == 0:
        if not -TELEGRAM_LIMIT < native < TELEGRAM_LIMIT:
            raise IdError(f"{platform} id {native} is outside +-2**53")
        return native
    if not 0 <= native < GROUP_BIT:
        raise IdError(f"{platform} id {native} is outside 0 <= id < 2**{BAND_BITS - 1}")
    return (code << BAND_BITS) + native


def scoped_group(platform: str, native: int) -> int:
    """The platform-qualified id of one of a platform's groups (see the module docstring)."""
    if code_of(platform) == 0:
        return scoped(platform, native)
    return scoped(platform, native) + GROUP_BIT


def is_group_id(scoped_id: int) -> bool:
    """Whether a scoped id names a group (else a person, or a private chat with one)."""
    if platform_of(scoped_id) == TELEGRAM:
        return scoped_id < 0
    return bool(scoped_id & GROUP_BIT)


def platform_of(scoped_id: int) -> str:
    """The platform a scoped id belongs to; IdError if it is in no known band."""
    code = scoped_id >> BAND_BITS if scoped_id >= 0 else 0
    if code == 0 and not -TELEGRAM_LIMIT < scoped_id < TELEGRAM_LIMIT:
        raise IdError(f"id {scoped_id} is in no platform's band")
    platform = PLATFORMS.get(code)
    if platform is None or code > MAX_CODE:
        raise IdError(f"id {scoped_id} is in the band of no known platform (code {code})")
    return platform


def native(scoped_id: int) -> int:
    """The platform's own id behind a scoped id (a group's number without ``GROUP_BIT``)."""
    code = code_of(platform_of(scoped_id))
    if code == 0:
        return scoped_id
    return (scoped_id - (code << BAND_BITS)) & (GROUP_BIT - 1)


def shown_id(scoped_id: int) -> str:
    """An id as people know it on its platform (a QQ number, a Telegram id), for texts."""
    try:
        return str(native(scoped_id))
    except IdError:
        return str(scoped_id)


def native_for(platform: str, scoped_id: int) -> int:
    """The native id of a scoped id that must belong to ``platform``; IdError otherwise."""
    actual = platform_of(scoped_id)
    if actual != platform:
        raise IdError(f"id {scoped_id} belongs to {actual}, not {platform}")
    return native(scoped_id)
