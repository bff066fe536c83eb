"""The ChatPort: everything a feature may ask a platform to do."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Protocol

from core.buttons import Arg, ButtonDataError, encode
from core.events import User
from core.text import Text


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: an action with its arguments (``core.buttons``), or a link.

    ``only`` names the one person who may answer it (a newcomer's captcha), so a platform
    offering typed choices instead takes that person's typed reply alone; it is not sent.
    """

    # The label: plain text (a Text is shown without its formatting).
    text: Text | str
    action: str | None = None
    args: tuple[Arg, ...] = ()
    url: str | None = None
    only: int | None = None

    def __post_init__(self) -> None:
        if (self.action is None) == (self.url is None):
            raise ButtonDataError(f"button {self.text!r} needs an action or a url, not both")
        if self.action is not None:
            encode(self.action, self.args)  # raises now, where the button is built

    @property
    def data(self) -> str | None:
        """The callback data a platform sends for this button (None for a link)."""
        return None if self.action is None else encode(self.action, self.args)


Keyboard = Sequence[Sequence[Button]]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can do beyond posting text; ``core.fallbacks`` covers what it cannot.

    ``buttons``: inline buttons (else typed choices); ``edit``: change a sent message (else
    it is sent anew); ``copy``: repost any message (else its text); ``pin``; ``files``:
    documents that can be downloaded again by id; ``forward_names``: the names of forwarded
    messages' origins; ``join_requests``: requests to approve; ``member_list``: who the
    admins are and how many members there are; ``uploads``: post a document (an export),
    which an implementation may still refuse at run time (``unsupported``).
    """

    buttons: bool = True
    edit: bool = True
    copy: bool = True
    pin: bool = True
    files: bool = True
    forward_names: bool = True
    join_requests: bool = True
    member_list: bool = True
    uploads: bool = True


# Everything; the Telegram platform can do it all.
ALL_CAPABILITIES = Capabilities()


class ChatActionError(Exception):
    """A platform call failed; ``reason`` says why in platform-neutral words."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class MissingRight(ChatActionError):
    """The bot lacks an admin right it needs, such as ``delete`` or ``restrict``."""

    def __init__(self, right: str, detail: str = "") -> None:
        super().__init__("missing_right", detail)
        self.right = right


class ChatPort(Protocol):
    """What a feature may ask of the platform. Text is neutral (``core.text``): a ``str`` is
    plain text, and each platform renders formatting and escapes in its own way."""

    # What this platform can do; wrappers (the outbound queue) pass it through.
    capabilities: Capabilities

    async def send(
        self,
        chat_id: int,
        text: Text | str,
        *,
        reply_to: int | None = None,
        buttons: Keyboard | None = None,
    ) -> int | None:
        """Post a message (several, if over the platform's limit: the reply on the first,
        the buttons on the last); return the last one's id, or None if it could not be sent."""
        ...

    async def post(self, chat_id: int, text: Text | str) -> int:
        """Post a message and return its id; raise ChatActionError saying why it failed.

        A text over the platform's limit goes out as several messages (the last one's id is
        returned). Transient failures are retried by the platform before this raises.
        Reasons: ``chat_gone`` (the bot is no longer in the chat), MissingRight("post"),
        ``unknown`` (sent, but no answer came back: it may have been posted, so it must
        not be sent again blindly), ``failed`` (anything else: refused, or still failing
        when the retries ran out).
        """
        ...

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> int:
        """Post a copy of a message (text, media or poll); raise like ``post``
        (``unknown`` included).

        An extra reason: ``not_found`` when the message to copy no longer exists.
        """
        ...

    async def edit(
        self, chat_id: int, message_id: int, text: Text | str, *, buttons: Keyboard | None = None
    ) -> bool:
        """Replace the text of one of the bot's messages."""
        ...

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message; raise MissingRight if the bot may not."""
        ...

    async def mute(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Stop a member from posting until a time (None: until unmuted)."""
        ...

    async def unmute(self, chat_id: int, user_id: int) -> None:
        """Let a muted member post again."""
        ...

    async def ban(self, chat_id: int, user_id: int, until: datetime | None = None) -> None:
        """Remove a member and keep them out."""
        ...

    async def kick(self, chat_id: int, user_id: int) -> None:
        """Remove a member who may come back."""
        ...

    async def unban(self, chat_id: int, user_id: int) -> None:
        """Lift a ban, so the person may join again (not added back)."""
        ...

    async def approve_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Accept a join request (``reference``: the request's ``JoinRequest.reference``)."""
        ...

    async def decline_join(self, chat_id: int, user_id: int, reference: str = "") -> None:
        """Turn a join request down (``reference``: as for ``approve_join``)."""
        ...

    async def pin(self, chat_id: int, message_id: int) -> None:
        """Pin a message without notifying everyone."""
        ...

    async def admins(self, chat_id: int) -> frozenset[int]:
        """Ids of the chat's creator and administrators; raise ChatActionError if the
        platform cannot say (never an empty set for a failed lookup)."""
        ...

    async def member_count(self, chat_id: int) -> int | None:
        """How many members the chat has, if the platform says."""
        ...

    async def member_status(self, chat_id: int, user_id: int) -> str | None:
        """``member``, ``admin``, ``restricted``, ``left`` or ``banned``; None if unknown."""
        ...

    async def roster(self, chat_id: int) -> list[RosterEntry] | None:
        """Every member of a group at once; None if the platform cannot list members.

        Raise ChatActionError if it can but the listing failed (never an empty list for a
        failed lookup).
        """
        ...

    async def send_photo(self, chat_id: int, photo: bytes, caption: Text | str = "") -> int | None:
        """Post an image (PNG bytes) with an optional caption."""
        ...

    async def send_file(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: Text | str = "",
        *,
        reply_to: int | None = None,
    ) -> int | None:
        """Post bytes as a document with an optional caption; None if it could not be sent
        (0: sent with no message id of its own, or a notice stood in for it)."""
        ...

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """Fetch a file a member sent; raise ChatActionError saying why it failed.

        Reasons: ``too_big`` (over max_bytes, checked before downloading when the size is
        known, and again after), ``not_found``, ``failed``.
        """
        ...

    async def answer_button(
        self, press_id: str, text: Text | str = "", alert: bool = False
    ) -> None:
        """Acknowledge a button press, optionally with a toast (``bot.presses`` calls this
        once per press; a typed choice's press id is ``typed:<n>``, shown as the port can)."""
        ...

    async def member_info(self, chat_id: int, user_id: int) -> MemberInfo | None:
        """Who a person is (name, username) and their standing in a chat; None if unknown."""
        ...

    async def chat_permissions(self, chat_id: int) -> ChatRights | None:
        """What ordinary members of a group may do now; None if the platform will not say."""
        ...

    async def set_chat_permissions(self, chat_id: int, rights: ChatRights) -> None:
        """Set what ordinary members may do (admins are not affected).

        Raise MissingRight("restrict") if the bot may not, ChatActionError otherwise.
        """
        ...

    async def create_invite_link(self, chat_id: int, name: str) -> str:
        """A new invite link of the group, named ``name``, joining without approval; its URL.

        Raise ChatActionError("unsupported") where members cannot have links of their own,
        MissingRight("invite") if the bot may not create links, ChatActionError otherwise.
        """
        ...

    async def revoke_invite_link(self, chat_id: int, link: str) -> None:
        """Make an invite link of the group stop working (ChatActionError as above)."""
        ...


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """A person as the platform knows them in one chat: who they are, and their standing."""

    user: User
    # member | admin | restricted | left | banned (as ``ChatPort.member_status`` says it).
    status: str

    @property
    def present(self) -> bool:
        """Whether the person is in the chat now."""
        return self.status in ("member", "admin", "restricted")


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One member as the platform's member list gives them (times in UTC, None if unknown)."""

    user: User
    joined_at: datetime | None = None
    # When they last posted, as the platform saw it (it sees what the bot missed).
    last_seen: datetime | None = None
    is_admin: bool = False


# Member permissions that post something in the chat; night mode takes these away.
SENDING_RIGHTS = (
    "messages",
    "audios",
    "documents",
    "photos",
    "videos",
    "video_notes",
    "voice_notes",
    "polls",
    "other",
    "link_previews",
)


@dataclass(frozen=True, slots=True)
class ChatRights:
    """A group's default member permissions in neutral words (``other``: stickers, GIFs...)."""

    messages: bool = False
    audios: bool = False
    documents: bool = False
    photos: bool = False
    videos: bool = False
    video_notes: bool = False
    voice_notes: bool = False
    polls: bool = False
    other: bool = False
    link_previews: bool = False
    reactions: bool = False
    change_info: bool = False
    invite_users: bool = False
    pin_messages: bool = False
    manage_topics: bool = False
    edit_tag: bool = False

    def without_sending(self) -> ChatRights:
        """The same permissions with every way of posting taken away."""
        return replace(self, **dict.fromkeys(SENDING_RIGHTS, False))

    @property
    def may_send(self) -> bool:
        """Whether members may post anything at all."""
        return any(getattr(self, name) for name in SENDING_RIGHTS)

    def as_dict(self) -> dict[str, bool]:
        """Every permission by name (for storing)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChatRights:
        """Read ``as_dict`` output back; unknown names are ignored, missing ones are False."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: bool(v) for k, v in data.items() if k in names})
