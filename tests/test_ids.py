"""Platform-qualified ids: Telegram's unchanged, other platforms in their own band."""

from __future__ import annotations

import pytest

from core.events import User
from core.ids import (
    BAND,
    GROUP_BIT,
    TELEGRAM_LIMIT,
    IdError,
    is_group_id,
    native,
    native_for,
    platform_of,
    scoped,
    scoped_group,
    shown_id,
)
from core.text import mention

ONEBOT_BASE = 1 << 56


@pytest.mark.parametrize(
    ("platform", "native_id", "expected"),
    [
        ("telegram", 42, 42),
        ("telegram", -1001234567890123, -1001234567890123),
        ("telegram", -42, -42),
        ("telegram", 0, 0),
        ("telegram", TELEGRAM_LIMIT - 1, TELEGRAM_LIMIT - 1),
        ("telegram", -(TELEGRAM_LIMIT - 1), -(TELEGRAM_LIMIT - 1)),
        ("onebot", 0, ONEBOT_BASE),
        ("onebot", 123456789, ONEBOT_BASE + 123456789),
        ("onebot", GROUP_BIT - 1, ONEBOT_BASE + GROUP_BIT - 1),
    ],
    ids=[
        "tg-user",
        "tg-supergroup",
        "tg-group",
        "tg-zero",
        "tg-largest",
        "tg-most-negative",
        "onebot-zero",
        "onebot-qq",
        "onebot-largest",
    ],
)
def test_scoped_round_trips(platform: str, native_id: int, expected: int) -> None:
    """Scoping gives the expected number, and the platform and native id read back."""
    value = scoped(platform, native_id)
    assert value == expected
    assert platform_of(value) == platform
    assert native(value) == native_id
    assert native_for(platform, value) == native_id


@pytest.mark.parametrize(
    ("platform", "native_id", "message"),
    [
        ("telegram", TELEGRAM_LIMIT, "outside"),
        ("telegram", -TELEGRAM_LIMIT, "outside"),
        ("onebot", -1, "outside"),
        ("onebot", BAND, "outside"),
        ("qq", 1, "unknown platform"),
    ],
    ids=["tg-too-big", "tg-too-small", "onebot-negative", "onebot-too-big", "unknown"],
)
def test_out_of_range_is_refused_clearly(platform: str, native_id: int, message: str) -> None:
    """A native id out of its platform's range, or an unknown platform, is refused."""
    with pytest.raises(IdError, match=message):
        scoped(platform, native_id)


@pytest.mark.parametrize(
    "value",
    [TELEGRAM_LIMIT, -TELEGRAM_LIMIT, 2 * BAND, 5 * BAND + 7],
    ids=["above-telegram", "below-telegram", "band-2", "band-5"],
)
def test_ids_in_no_known_band_are_refused(value: int) -> None:
    """An id no platform gave out cannot be read back."""
    with pytest.raises(IdError):
        platform_of(value)
    with pytest.raises(IdError):
        native(value)


def test_same_number_on_two_platforms_is_two_ids() -> None:
    """A Telegram user and a QQ user with the same number are different people."""
    assert scoped("telegram", 10001) != scoped("onebot", 10001)


def test_native_for_refuses_another_platforms_id() -> None:
    """Asking for Telegram's id of a OneBot id is an error that names both."""
    with pytest.raises(IdError, match="belongs to onebot, not telegram"):
        native_for("telegram", scoped("onebot", 5))


def test_scoped_ids_fit_a_signed_64_bit_column() -> None:
    """The largest OneBot id still fits in a BigInteger."""
    assert scoped_group("onebot", GROUP_BIT - 1) < 2**63


@pytest.mark.parametrize("native_id", [0, 123456, GROUP_BIT - 1])
def test_a_qq_group_and_a_qq_person_with_one_number_are_two_ids(native_id: int) -> None:
    """QQ numbers groups and people apart: the group's id says it is a group."""
    group, person = scoped_group("onebot", native_id), scoped("onebot", native_id)
    assert group != person
    assert is_group_id(group) and not is_group_id(person)
    assert native(group) == native(person) == native_id
    assert platform_of(group) == platform_of(person) == "onebot"


@pytest.mark.parametrize(
    ("value", "group"), [(-1001234567890, True), (-42, True), (42, False), (0, False)]
)
def test_telegram_groups_are_its_negative_ids(value: int, group: bool) -> None:
    assert scoped_group("telegram", value) == value
    assert is_group_id(value) is group


def test_a_qq_number_beyond_the_people_range_is_refused() -> None:
    with pytest.raises(IdError):
        scoped("onebot", GROUP_BIT)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (scoped("onebot", 123456), "123456"),
        (scoped_group("onebot", 123456), "123456"),
        (-1001234567890, "-1001234567890"),
        (42, "42"),
        (5 * BAND + 7, str(5 * BAND + 7)),  # no known band: as it is
    ],
)
def test_an_id_is_shown_as_its_platform_knows_it(value: int, shown: str) -> None:
    assert shown_id(value) == shown
    assert mention(User(value, "")).plain() == shown
