"""Is a decoded webhook body a Telegram update at all? A pure check, before anything is queued.

Telegram resends an update until it gets a 2xx answer, so a body the bot cannot use must be
acknowledged and dropped, not answered with an error. This module only says what is wrong;
the webhook app decides what to answer. It checks the parts the bot relies on (the update id,
and the chat, sender and ids of the kinds of update it asks for); deeper damage shows up when
python-telegram-bot decodes the update, and the webhook app catches that too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# Message-like fields: each is a Message object with a chat.
_MESSAGES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
)
# The other object fields of an Update (Bot API 9): present means an object, not a scalar.
_OBJECTS = (
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
    "message_reaction",
    "message_reaction_count",
    "business_connection",
    "deleted_business_messages",
    "purchased_paid_media",
)


_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def _is_int(value: object) -> bool:
    # bool is an int subclass, and {"update_id": true} is no update.
    return isinstance(value, int) and not isinstance(value, bool)


def _chat_problem(data: Mapping[str, Any], where: str) -> str | None:
    chat = data.get("chat")
    if not isinstance(chat, Mapping):
        return f"{where} has no chat"
    if not _is_int(chat.get("id")) or not isinstance(chat.get("type"), str):
        return f"{where}.chat has no id or type"
    return None


def _user_problem(data: Mapping[str, Any], where: str, *, required: bool) -> str | None:
    user = data.get("from")
    if user is None and not required:
        return None
    if not isinstance(user, Mapping) or not _is_int(user.get("id")):
        return f"{where} has no sender"
    if not isinstance(user.get("first_name"), str) or not isinstance(user.get("is_bot"), bool):
        return f"{where}.from is not a user"
    return None


def _message_problem(data: Mapping[str, Any], where: str) -> str | None:
    if not _is_int(data.get("message_id")) or not _is_int(data.get("date")):
        return f"{where} has no message_id or date"
    return _chat_problem(data, where) or _user_problem(data, where, required=False)


def _member_problem(data: Mapping[str, Any], where: str) -> str | None:
    if not _is_int(data.get("date")):
        return f"{where} has no date"
    for side in ("old_chat_member", "new_chat_member"):
        if not isinstance(data.get(side), Mapping):
            return f"{where} has no {side}"
    return _chat_problem(data, where) or _user_problem(data, where, required=True)


def _join_request_problem(data: Mapping[str, Any], where: str) -> str | None:
    if not _is_int(data.get("date")):
        return f"{where} has no date"
    return _chat_problem(data, where) or _user_problem(data, where, required=True)


def _callback_problem(data: Mapping[str, Any], where: str) -> str | None:
    if not isinstance(data.get("id"), str):
        return f"{where} has no id"
    message = data.get("message")
    if message is not None and not isinstance(message, Mapping):
        return f"{where}.message is not an object"
    return _user_problem(data, where, required=True)


def _reaction_problem(data: Mapping[str, Any], where: str) -> str | None:
    if not _is_int(data.get("message_id")) or not _is_int(data.get("date")):
        return f"{where} has no message_id or date"
    return _chat_problem(data, where)


# Deeper checks for the kinds of update the bot subscribes to (ALLOWED_UPDATES).
_DEEP: dict[str, Callable[[Mapping[str, Any], str], str | None]] = {
    **dict.fromkeys(_MESSAGES, _message_problem),
    "chat_member": _member_problem,
    "my_chat_member": _member_problem,
    "chat_join_request": _join_request_problem,
    "callback_query": _callback_problem,
    "message_reaction": _reaction_problem,
}


def update_problem(data: object) -> str | None:
    """What makes ``data`` (a decoded JSON body) not a usable update, or None if it is one."""
    if not isinstance(data, Mapping):
        return f"a JSON {_JSON_TYPES.get(type(data), 'null')}, not an object"
    if not _is_int(data.get("update_id")) or data["update_id"] < 0:
        return "no whole-number update_id"
    for name in (*_MESSAGES, *_OBJECTS):
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, Mapping):
            return f"{name} is not an object"
        check = _DEEP.get(name)
        problem = check(value, name) if check is not None else None
        if problem is not None:
            return problem
    return None
