"""Fakes of external services for end-to-end tests."""

from tests.fakes.bot_api import (
    Call,
    ChatState,
    FakeBotApi,
    UploadedFile,
    admin_member,
    make_user,
    member_with_status,
    restricted_member,
)

__all__ = [
    "Call",
    "ChatState",
    "FakeBotApi",
    "UploadedFile",
    "admin_member",
    "make_user",
    "member_with_status",
    "restricted_member",
]
