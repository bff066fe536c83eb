"""Messages sent as a chat rather than by a person: anonymous admins and channels posting in.

Features decide with the neutral ``Message.sender_chat_id``. Stored records made before that
rule only carry the platform's stand-in user such messages come from; the platform names
those users (``Runtime.stand_ins``), so boards can leave them off.
"""

from __future__ import annotations

from core.events import Message


def sent_as_chat(message: Message) -> bool:
    """True when a message was sent as a chat (an anonymous admin, a channel), not a person."""
    return message.sender_chat_id is not None
