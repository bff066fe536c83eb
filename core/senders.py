"""Messages sent as a chat rather than by a person: anonymous admins and channels posting in.

Features decide with the neutral ``Message.sender_chat_id``. Stored records made before that
rule only carry the stand-in user such messages come from; ``STAND_IN_IDS`` names those
users, so boards can leave them off.
"""

from __future__ import annotations

from core.events import Message

# Telegram's stand-ins in stored records (live events say ``sender_chat_id`` instead): the
# user an anonymous admin posts as, and the one that stands for a channel posting.
ANONYMOUS_ADMIN_ID = 1087968824
CHANNEL_BOT_ID = 136817688
# Users that stand for a chat speaking, never for a person.
STAND_IN_IDS = frozenset({ANONYMOUS_ADMIN_ID, CHANNEL_BOT_ID})


def sent_as_chat(message: Message) -> bool:
    """True when a message was sent as a chat (an anonymous admin, a channel), not a person."""
    return message.sender_chat_id is not None
