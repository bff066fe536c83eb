"""Typed choices: buttons shown as lines, a member's reply mapped back to the press."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.platforms.telegram.render import to_html
from bot.presses import ButtonStage, typed_message
from bot.typed_choices import OFFER_TTL, ChoiceBook, ChoicePort, Offer, choice_lines
from core.buttons import Ack, Press
from core.chat import Button
from core.context import Context
from core.events import ButtonPress, Chat, Message, User
from core.feature import ButtonSpec, Feature

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHAT = Chat(-1, "G")
ADMIN, ANN, BOB = User(1, "Ada"), User(7, "Ann"), User(8, "Bob")
YES, NO = Button("确认", "k.yes"), Button("Cancel", "k.no")
SUM = (Button("12", "c.answer", (1, "0")), Button("9", "c.answer", (1, "1")))


@pytest.mark.parametrize(
    ("buttons", "typed", "picked"),
    [
        ((YES, NO), "1", YES),
        ((YES, NO), "２", NO),  # full-width digits count
        ((YES, NO), " 确认 ", YES),
        ((YES, NO), "cancel", NO),
        ((YES, NO), "3", None),
        ((YES, NO), "0", None),
        ((YES, NO), "yes please", None),
        (SUM, "9", SUM[1]),  # number labels are typed as they are, not by position
        (SUM, "1", None),
        (SUM, "12", SUM[0]),
    ],
)
def test_offer_picks_what_was_typed(
    buttons: tuple[Button, ...], typed: str, picked: Button | None
) -> None:
    assert Offer(1, buttons, T0).pick(typed) == picked


def test_choice_lines_number_words_and_show_number_labels_and_links() -> None:
    link = Button("Docs <a>", url="https://docs.example/?a=1&b=2")
    lines = choice_lines([[YES, NO], [link]])
    # Plain text: escaping is the renderer's job (a hostile label stays literal there).
    assert lines == "1. 确认\n2. Cancel\n[Docs <a>] https://docs.example/?a=1&b=2"
    assert (
        to_html(lines) == "1. 确认\n2. Cancel\n[Docs &lt;a&gt;] https://docs.example/?a=1&amp;b=2"
    )
    assert choice_lines([list(SUM)]) == "[12]  [9]"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_book_takes_the_eligible_person_within_the_expiry() -> None:
    clock = Clock()
    book = ChoiceBook(clock)
    only_bob = Button("OK", "c.answer", (3, "ok"), only=BOB.id)
    book.offer(CHAT.id, 10, [[YES, NO]])
    book.offer(CHAT.id, 11, [[only_bob]])
    # Ann's 1 is the newest offer she may answer: the confirmation, not Bob's captcha.
    assert book.find(CHAT.id, ANN.id, "1") == (book.offers[CHAT.id][0], YES)
    found = book.find(CHAT.id, BOB.id, "1")
    assert found is not None and found[0].message_id == 11 and found[1] == only_bob
    assert book.find(CHAT.id + 1, BOB.id, "1") is None
    clock.now = T0 + OFFER_TTL + timedelta(seconds=1)
    assert book.find(CHAT.id, BOB.id, "1") is None
    assert CHAT.id not in book.offers


def test_book_forgets_a_message_whose_buttons_went() -> None:
    book = ChoiceBook(Clock())
    book.offer(CHAT.id, 10, [[YES, NO]])
    book.offer(CHAT.id, 10, None)
    assert not book.has(CHAT.id, 10) and book.find(CHAT.id, ANN.id, "1") is None


class Declares(Feature):
    def __init__(self, admin_only: bool) -> None:
        self.admin_only = admin_only

    def buttons(self) -> tuple[ButtonSpec, ...]:
        return (ButtonSpec("k", self.pressed, admin_only=self.admin_only),)

    async def pressed(self, press: Press, ctx: Context) -> Ack | None:
        return None


class Admins:
    async def is_admin_of(self, chat_id: int, user_id: int) -> bool:
        return user_id == ADMIN.id


def said(user: User, text: str) -> Message:
    return Message(CHAT, user, 50, text, T0, update_id=9)


@pytest.mark.parametrize(
    ("admin_only", "user", "text", "pressed"),
    [
        (False, ANN, "1", True),
        (True, ANN, "1", False),
        (True, ADMIN, "1", True),
        (False, ANN, "hello", False),
        (False, ANN, "", False),
    ],
)
async def test_as_press_maps_only_an_eligible_reply(
    admin_only: bool, user: User, text: str, pressed: bool
) -> None:
    book = ChoiceBook(Clock())
    book.offer(CHAT.id, 10, [[YES, NO]])
    stage = ButtonStage([Declares(admin_only)])
    runtime: Any = Admins()
    message = said(user, text)
    result = await book.as_press(message, stage, runtime, None)  # type: ignore[arg-type]
    if not pressed:
        assert result is message
        return
    assert isinstance(result, ButtonPress)
    assert (result.message_id, result.data, result.user) == (10, YES.data, user)
    assert result.press_id.startswith("typed:") and result.update_id == 9


class Printer:
    """Records the texts a port was asked to show."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str, Any]] = []

    async def send(self, chat_id: int, text: str, **options: Any) -> int:
        self.calls.append(("send", chat_id, text, options.get("buttons")))
        return 40 + len(self.calls)

    async def edit(self, chat_id: int, message_id: int, text: str, **options: Any) -> bool:
        self.calls.append(("edit", message_id, text, options.get("buttons")))
        return True

    async def delete(self, chat_id: int, message_id: int) -> bool:
        self.calls.append(("delete", message_id, "", None))
        return True


async def test_choice_port_writes_choices_and_keeps_them_by_the_features_id() -> None:
    inner = Printer()
    book = ChoiceBook(Clock())
    port: Any = ChoicePort(inner, book)  # type: ignore[arg-type]
    message_id = await port.send(CHAT.id, "Sure?", buttons=[[YES, NO]])
    assert inner.calls[-1] == ("send", CHAT.id, "Sure?\n1. 确认\n2. Cancel", None)
    assert book.has(CHAT.id, message_id)
    await port.edit(CHAT.id, message_id, "Done")
    assert inner.calls[-1] == ("edit", message_id, "Done", None)
    assert not book.has(CHAT.id, message_id)
    await port.send(CHAT.id, "plain")
    assert inner.calls[-1][2] == "plain" and CHAT.id not in book.offers
    other = await port.send(CHAT.id, "Again?", buttons=[[YES]])
    await port.delete(CHAT.id, other)
    assert not book.has(CHAT.id, other)


@pytest.mark.parametrize(
    ("press_id", "message"),
    [("typed:42", 42), ("typed:-7", -7), ("typed:", None), ("typed:x", None), ("abc:42", None)],
)
def test_a_typed_press_names_the_message_it_came_from(press_id: str, message: int | None) -> None:
    assert typed_message(press_id) == message
