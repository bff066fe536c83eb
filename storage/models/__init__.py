"""Every table, one module per feature; importing this package registers them all.

Alembic (``storage/migrations/env.py``) and the repositories import from here, so
``Base.metadata`` always sees every table. A new feature adds its module and one line below.
"""

from storage.models.badges import BadgeEventRow, BadgeWeekRow
from storage.models.base import (
    NAMING,
    Base,
    ChatRow,
    HandledUpdateRow,
    MemberRow,
    ParkedUpdateRow,
    UpdateOffsetRow,
    UTCDateTime,
    utcnow,
)
from storage.models.captcha import CaptchaSettingsRow, PendingCaptchaRow
from storage.models.challenges import ChallengeCompletionRow, ChallengeRow
from storage.models.cleanup import (
    CleanupExemptionRow,
    CleanupSettingsRow,
    CleanupWarningRow,
    StartedUserRow,
)
from storage.models.enforcement import (
    ApprovedMemberRow,
    EnforcementSettingsRow,
    ModerationLogRow,
    ReportRow,
    TimedRestrictionRow,
    WarningRow,
)
from storage.models.invites import InviteLinkRow, InviteRow, InviteSettingsRow
from storage.models.lottery import LotteryEntryRow, LotteryRow, LotteryWinnerRow
from storage.models.moderation import AllowedDomainRow, BadWordRow, ModerationSettingsRow
from storage.models.nightmode import NightModeRow
from storage.models.points import (
    CheckinRow,
    CheckinSettingsRow,
    LedgerRow,
    PointsAccountRow,
    RedemptionRow,
    ShopItemRow,
)
from storage.models.quiz import QuizDailyRow, QuizQuestionRow
from storage.models.replies import ReplyRuleRow
from storage.models.schedules import ScheduleRow, ScheduleRunRow
from storage.models.spam import SpamFlagRow, SpamSampleRow, SpamSettingsRow
from storage.models.stats import StatsDayRow, StatsHourRow, StatsMemberDayRow, StatsSettingsRow
from storage.models.welcome import WelcomeRow

__all__ = [
    "NAMING",
    "AllowedDomainRow",
    "ApprovedMemberRow",
    "BadWordRow",
    "BadgeEventRow",
    "BadgeWeekRow",
    "Base",
    "CaptchaSettingsRow",
    "ChallengeCompletionRow",
    "ChallengeRow",
    "ChatRow",
    "CheckinRow",
    "CheckinSettingsRow",
    "CleanupExemptionRow",
    "CleanupSettingsRow",
    "CleanupWarningRow",
    "EnforcementSettingsRow",
    "HandledUpdateRow",
    "InviteLinkRow",
    "InviteRow",
    "InviteSettingsRow",
    "LedgerRow",
    "LotteryEntryRow",
    "LotteryRow",
    "LotteryWinnerRow",
    "MemberRow",
    "ModerationLogRow",
    "ModerationSettingsRow",
    "NightModeRow",
    "ParkedUpdateRow",
    "PendingCaptchaRow",
    "PointsAccountRow",
    "QuizDailyRow",
    "QuizQuestionRow",
    "RedemptionRow",
    "ReplyRuleRow",
    "ReportRow",
    "ScheduleRow",
    "ScheduleRunRow",
    "ShopItemRow",
    "SpamFlagRow",
    "SpamSampleRow",
    "SpamSettingsRow",
    "StartedUserRow",
    "StatsDayRow",
    "StatsHourRow",
    "StatsMemberDayRow",
    "StatsSettingsRow",
    "TimedRestrictionRow",
    "UTCDateTime",
    "UpdateOffsetRow",
    "WarningRow",
    "WelcomeRow",
    "utcnow",
]
