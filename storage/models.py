"""Tables. Chat and user ids are 64-bit integers; times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store in UTC; naive values are taken to be UTC already."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Give back an aware UTC time."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING)


class ChatRow(Base):
    """A group the bot serves, with its per-group settings."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The platform the group is on; ``id`` carries it too (``core.ids``), this is for reading.
    platform: Mapped[str] = mapped_column(String(16), default="telegram", server_default="telegram")
    title: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    rules: Mapped[str | None] = mapped_column(Text)
    # "23:00-07:00": scheduled posts due in this local period wait for its end.
    quiet_hours: Mapped[str | None] = mapped_column(String(16))
    # Seconds a keyword auto-reply waits before answering again (None: the configured default).
    reply_cooldown: Mapped[int | None] = mapped_column(Integer)
    # When the bot (last) joined the group, or first saw it: members never seen are
    # silent since then (inactivity cleanup).
    bot_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WelcomeRow(Base):
    """How a group welcomes newcomers."""

    __tablename__ = "welcome_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    template: Mapped[str | None] = mapped_column(Text)
    clean_welcome: Mapped[bool] = mapped_column(Boolean, default=False)
    clean_service: Mapped[bool] = mapped_column(Boolean, default=False)
    last_message_id: Mapped[int | None] = mapped_column(BigInteger)


class MemberRow(Base):
    """A member the bot has seen in a group, with buffered activity counters."""

    __tablename__ = "members"
    # Inactivity cleanup: present, human members of a group oldest silence first, and
    # counted from the index alone (it covers every column those queries filter on).
    __table_args__ = (
        Index(
            "ix_members_silence",
            "chat_id",
            "left_at",
            "is_bot",
            "last_seen",
            "user_id",
            "joined_at",
        ),
    )

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScheduleRow(Base):
    """A planned post: what to post in which group, when, and how far it has got."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int] = mapped_column(BigInteger)
    # The canonical <when> words (see handlers.schedule.when.Plan.spec).
    spec: Mapped[str] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text)
    # A post that copies a message of the group instead of posting text.
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)
    pin: Mapped[bool] = mapped_column(Boolean, default=False)
    replace: Mapped[bool] = mapped_column(Boolean, default=False)
    until: Mapped[date | None] = mapped_column(Date)
    max_posts: Mapped[int | None] = mapped_column(Integer)
    posts: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="active")
    pause_reason: Mapped[str | None] = mapped_column(String(32))
    anchor_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The planned time of the next occurrence (None once the schedule is done).
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )


class ScheduleRunRow(Base):
    """One occurrence of a schedule; (schedule, planned time) is its idempotency key."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "occurrence_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("schedules.id", ondelete="CASCADE")
    )
    occurrence_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # sending -> posted | failed; or missed (never sent).
    status: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReplyRuleRow(Base):
    """A keyword auto-reply of one group: its trigger and the answers it picks from."""

    __tablename__ = "reply_rules"
    __table_args__ = (UniqueConstraint("chat_id", "mode", "match_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    # contains | exact | regex
    mode: Mapped[str] = mapped_column(String(8))
    # The keyword or pattern as the admin wrote it, and its folded form for matching.
    keyword: Mapped[str] = mapped_column(String(600))
    match_key: Mapped[str] = mapped_column(String(600))
    # [{"text": ..., "buttons": [{"text": ..., "url": ...}]}, ...]
    answers: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(BigInteger)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    last_hit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the trigger or answers change (not by hit counts): caches compare it.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsAccountRow(Base):
    """A member's points in one group: balances derived from the ledger, kept in step with it."""

    __tablename__ = "points_accounts"
    # Ranks count the members of a group who earned more.
    __table_args__ = (Index("ix_points_accounts_rank", "chat_id", "earned"),)

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), default="")
    # The sum of the member's ledger entries; never negative.
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # The sum of the positive entries: what levels and the all-time board count.
    earned: Mapped[int] = mapped_column(BigInteger, default=0)
    streak: Mapped[int] = mapped_column(Integer, default=0)
    last_checkin: Mapped[date | None] = mapped_column(Date)
    checkins: Mapped[int] = mapped_column(Integer, default=0)
    # Activity points given on activity_day, and when the last were given.
    activity_day: Mapped[date | None] = mapped_column(Date)
    activity_today: Mapped[int] = mapped_column(Integer, default=0)
    activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LedgerRow(Base):
    """One change of a member's points; rows are only ever added."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        Index("ix_points_ledger_member", "chat_id", "user_id", "id"),
        Index("ix_points_ledger_time", "chat_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    delta: Mapped[int] = mapped_column(BigInteger)
    # checkin | makeup | activity | give | take | redeem
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    # Who made the change (an admin for give/take; the member otherwise).
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckinRow(Base):
    """One check-in day of a member; the key makes a second one the same day impossible."""

    __tablename__ = "checkins"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The calendar day in the group's time zone.
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    made_up: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShopItemRow(Base):
    """Something members can buy with points in one group."""

    __tablename__ = "shop_items"
    __table_args__ = (UniqueConstraint("chat_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    cost: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RedemptionRow(Base):
    """A purchase from the shop, with the code the member shows an admin."""

    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger)
    item_name: Mapped[str] = mapped_column(String(64))
    cost: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckinSettingsRow(Base):
    """A group's changes to the points rules (only what differs from the defaults)."""

    __tablename__ = "checkin_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    rules: Mapped[dict[str, object]] = mapped_column(JSON)


# --- enforcement ---


class ApprovedMemberRow(Base):
    """A member on a group's allow list: automatic checks leave them alone."""

    __tablename__ = "approved_members"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), default="")
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WarningRow(Base):
    """One warning of a member; it counts towards the ladder until it expires."""

    __tablename__ = "warnings"
    __table_args__ = (Index("ix_warnings_member", "chat_id", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200), default="")
    # None: the bot's automatic checks.
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    # It counts while younger than the group's expiry (a change applies to old ones too).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TimedRestrictionRow(Base):
    """A temporary mute or ban, lifted by the bot at ``until`` (even after a restart)."""

    __tablename__ = "timed_restrictions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # mute | ban
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationLogRow(Base):
    """One moderation action (or, in dry-run mode, what would have been done)."""

    __tablename__ = "moderation_log"
    __table_args__ = (Index("ix_moderation_log_chat", "chat_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    # None: the bot's automatic checks or timers.
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    target_name: Mapped[str] = mapped_column(String(255), default="")
    # delete | warn | unwarn | resetwarns | mute | unmute | ban | unban | kick | report | ...
    action: Mapped[str] = mapped_column(String(16))
    # The machine reason ("manual", "link", "ladder", "expired", ...).
    reason: Mapped[str] = mapped_column(String(32), default="")
    # The admin's words or what matched.
    detail: Mapped[str] = mapped_column(String(500), default="")
    seconds: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    message_text: Mapped[str] = mapped_column(String(500), default="")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EnforcementSettingsRow(Base):
    """A group's warning expiry, escalation ladder and log chat (None: the defaults)."""

    __tablename__ = "enforcement_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    warn_expiry: Mapped[int | None] = mapped_column(Integer)
    # The canonical ladder text ("3:mute:1h 5:mute:1d 7:ban").
    warn_ladder: Mapped[str | None] = mapped_column(String(300))
    log_chat_id: Mapped[int | None] = mapped_column(BigInteger)


class ReportRow(Base):
    """A member's report of a message, and what an admin did about it."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_reporter", "chat_id", "reporter_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    # None: raised by the bot's automatic checks.
    reporter_id: Mapped[int | None] = mapped_column(BigInteger)
    target_id: Mapped[int] = mapped_column(BigInteger)
    target_name: Mapped[str] = mapped_column(String(255), default="")
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    message_text: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once an admin pressed a button: who and which (delete | warn | ban).
    handled_by: Mapped[int | None] = mapped_column(BigInteger)
    handled_action: Mapped[str | None] = mapped_column(String(16))


# --- captcha ---


class CaptchaSettingsRow(Base):
    """How a group checks newcomers (a row only for groups that changed the defaults)."""

    __tablename__ = "captcha_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # button | math
    mode: Mapped[str] = mapped_column(String(8), default="button")
    # None: the configured default.
    seconds: Mapped[int | None] = mapped_column(Integer)
    # kick | ban | mute
    fail_action: Mapped[str] = mapped_column(String(8), default="kick")


class PendingCaptchaRow(Base):
    """A captcha waiting for its answer; the row is the timer's source of truth."""

    __tablename__ = "captcha_pending"
    __table_args__ = (UniqueConstraint("chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    user_name: Mapped[str] = mapped_column(String(255), default="")
    # The group's title, for the messages sent when nothing but this row is left.
    chat_title: Mapped[str] = mapped_column(String(255), default="")
    # join: a member who joined (muted meanwhile); request: a join request, asked privately.
    kind: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    # Where the challenge was posted (the group, or the requester's private chat).
    message_chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The index of the right answer button (math), and how many presses are left.
    answer: Mapped[int] = mapped_column(Integer, default=0)
    attempts_left: Mapped[int] = mapped_column(Integer, default=1)
    fail_action: Mapped[str] = mapped_column(String(8), default="kick")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A join request's platform handle, given back when approving or declining it.
    reference: Mapped[str] = mapped_column(String(255), default="", server_default="")


# --- cleanup ---


class CleanupSettingsRow(Base):
    """A group's automatic inactivity cleanup: thresholds, mode and when it last ran."""

    __tablename__ = "cleanup_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # Days of silence before removal; None: automatic cleanup is off.
    auto_days: Mapped[int | None] = mapped_column(Integer)
    # Days between the warning and the removal (0: no warning).
    warn_days: Mapped[int] = mapped_column(Integer, default=3)
    # Report what would be done without warning or removing anyone.
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # Claimed before a run does anything, so a group is processed at most once a day.
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CleanupExemptionRow(Base):
    """A member an admin exempted from inactivity cleanup."""

    __tablename__ = "cleanup_exemptions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CleanupWarningRow(Base):
    """A silent member warned by the automatic cleanup, and when."""

    __tablename__ = "cleanup_warnings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    warned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StartedUserRow(Base):
    """Someone who has talked to the bot in private, so it may message them there."""

    __tablename__ = "started_users"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- stats ---


class StatsMemberDayRow(Base):
    """What one member did in a group on one local day: the source of DAU, MAU and cohorts.

    Written by the buffered activity flush; message contents are never stored.
    """

    __tablename__ = "stats_member_days"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    joined: Mapped[bool] = mapped_column(Boolean, default=False)
    left: Mapped[bool] = mapped_column(Boolean, default=False)


class StatsHourRow(Base):
    """Messages in a group per local day and hour (for the busiest hours)."""

    __tablename__ = "stats_hours"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    messages: Mapped[int] = mapped_column(Integer, default=0)


class StatsDayRow(Base):
    """A group's figures for one local day, rolled up from the member days and check-ins."""

    __tablename__ = "stats_daily"
    # The day-close pass looks at the last few days of every group.
    __table_args__ = (Index("ix_stats_daily_day", "day"),)

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    joins: Mapped[int] = mapped_column(Integer, default=0)
    leaves: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[int] = mapped_column(Integer, default=0)
    checkins: Mapped[int] = mapped_column(Integer, default=0)
    # Members at the end of the day, as the platform reported it (None: not asked).
    member_count: Mapped[int | None] = mapped_column(Integer)


class StatsSettingsRow(Base):
    """Who may see a group's statistics, its digest and its activity alert."""

    __tablename__ = "stats_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # "admins" | "all"; None: the configured default.
    access: Mapped[str | None] = mapped_column(String(8))
    # "daily" | "weekly"; None: no digest.
    digest_period: Mapped[str | None] = mapped_column(String(8))
    digest_time: Mapped[str | None] = mapped_column(String(5))
    # Sent privately to digest_to instead of the group.
    digest_private: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_to: Mapped[int | None] = mapped_column(BigInteger)
    # The next planned digest; moved on (compare-and-set) before posting, so once per period.
    digest_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Warn when a day's messages fall below this percentage of the 4-week daily average.
    alert_percent: Mapped[int | None] = mapped_column(Integer)
    alert_checked_day: Mapped[date | None] = mapped_column(Date)


# Check-ins per group and day, counted by the stats roll-up.
Index("ix_checkins_day", CheckinRow.chat_id, CheckinRow.day)


# --- moderation ---


class ModerationSettingsRow(Base):
    """A group's moderation engine settings (a row only once an admin changed something)."""

    __tablename__ = "moderation_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # on | off | dryrun
    mode: Mapped[str] = mapped_column(String(8), default="on")
    # Per check, only what differs from the defaults: {"link": {"on": true, "actions": "delete"}}
    checks: Mapped[dict[str, object]] = mapped_column(JSON)
    # Thresholds that differ from the defaults: {"flood_messages": 5, "newcomer_seconds": 86400}
    limits: Mapped[dict[str, object]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BadWordRow(Base):
    """A banned word or phrase of a group: a literal, or an RE2 pattern."""

    __tablename__ = "moderation_bad_words"
    __table_args__ = (UniqueConstraint("chat_id", "match_key", "is_regex"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    # As the admin wrote it, and the normalised literal (or the pattern) that is matched.
    word: Mapped[str] = mapped_column(String(600))
    match_key: Mapped[str] = mapped_column(String(600))
    is_regex: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AllowedDomainRow(Base):
    """A link domain a group allows (its subdomains too) when links are checked."""

    __tablename__ = "moderation_domains"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- spam ---


class SpamSampleRow(Base):
    """A spam or ham sample the classifier learns from; shared by every group of the bot."""

    __tablename__ = "spam_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the normalised text: one verdict per text, the latest wins.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    spam: Mapped[bool] = mapped_column(Boolean)
    # Where the verdict came from (no foreign key: samples outlive the group).
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpamSettingsRow(Base):
    """A group's spam-filter settings (None: the configured default)."""

    __tablename__ = "spam_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # False: the group opts out of the shared filter (no scoring, no shared samples).
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # "new" (newcomers only) or "all" (every non-admin message).
    scope: Mapped[str | None] = mapped_column(String(8))
    threshold: Mapped[float | None] = mapped_column(Float)
    # The spam action, e.g. "delete mute:86400 report".
    actions: Mapped[str | None] = mapped_column(String(200))


class SpamFlagRow(Base):
    """A message the filter caught or found suspicious, shown to admins with buttons."""

    __tablename__ = "spam_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger)
    user_name: Mapped[str] = mapped_column(String(255), default="")
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    # True: the spam action was taken; False: only reported (the grey band).
    caught: Mapped[bool] = mapped_column(Boolean)
    # open | spam | ham
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- night mode ---


class NightModeRow(Base):
    """A group's night mode: the nightly local period it is closed, and whether it is now."""

    __tablename__ = "night_mode"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # "23:00-07:00" in the group's time zone; None: night mode is off.
    hours: Mapped[str | None] = mapped_column(String(16))
    # When the bot closed the group; None while the bot has not closed it.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The member permissions before closing (``ChatRights.as_dict``), restored at the end.
    saved_rights: Mapped[dict[str, bool] | None] = mapped_column(JSON)


# --- handled updates (exactly-once handling across restarts) ---


class HandledUpdateRow(Base):
    """An event of a platform update whose unit of work committed: a redelivery skips it.

    Written in the same transaction as the event's own writes, so either both are stored or
    neither is. ``part`` tells the events of one update apart (one message adding three
    members is three joins). Rows are pruned once the platform can no longer redeliver.
    """

    __tablename__ = "handled_updates"
    __table_args__ = (Index("ix_handled_updates_handled_at", "handled_at"),)

    # Whose updates: "telegram:<bot id>"; update ids are only unique per bot.
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    part: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UpdateOffsetRow(Base):
    """The offset the platform last acknowledged: it redelivers nothing below it."""

    __tablename__ = "update_offsets"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_offset: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ParkedUpdateRow(Base):
    """An update still being handled, stored so its offset could be confirmed past it.

    Telegram only shows the 100 updates after the confirmed offset; a slow handler would
    hold the offset and soon stop all intake. Parking stores such updates (in one batch,
    only then) and lets the offset move on; a restart handles what is still parked.
    """

    __tablename__ = "parked_updates"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    body: Mapped[dict[str, object]] = mapped_column(JSON)
    parked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
