"""Remember which missing rights a group was told about, so it is told once."""

from __future__ import annotations


class RightsNotices:
    """Per chat, the rights the admins already heard the bot lacks."""

    def __init__(self) -> None:
        self._told: dict[int, set[str]] = {}

    def should_tell(self, chat_id: int, right: str) -> bool:
        """True the first time a right is missing in a chat; False after that."""
        told = self._told.setdefault(chat_id, set())
        if right in told:
            return False
        told.add(right)
        return True

    def reset(self, chat_id: int) -> None:
        """Forget what a chat was told (its admins changed the bot's rights)."""
        self._told.pop(chat_id, None)
