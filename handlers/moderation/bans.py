"""Join requests the bot turns down before the captcha sees them: from banned people, and
those whose comment is an ad.

Every ban is kept while it holds (``timed_restrictions``; no end: until /unban). On QQ a ban
is a kick that rejects re-join requests, but QQ still delivers requests in several cases and
that rejection cannot be lifted through OneBot, so the bot refuses them itself. The same
holds on every platform: Telegram rarely delivers a banned person's request, and declining
one there is harmless. The decision is pure (``judge_request``); ``screen_request`` reads
what it needs, answers the platform and writes the moderation log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from core.chat import ChatActionError, MissingRight
from core.context import Context
from core.events import JoinRequest
from core.normalize import normalize
from handlers.moderation.actions import MAX_QUOTE, mirror_entries
from handlers.moderation.checks import (
    Subject,
    Verdict,
    check_contact,
    check_link,
    mentioned_names,
)
from handlers.moderation.compiled import CompiledRules
from handlers.moderation.index import RulesIndex
from handlers.moderation.rules import DRYRUN, OFF
from storage.moderation import LogEntry, ModerationRepository, Restriction, approved_ids

log = logging.getLogger(__name__)

# The moderation log's action for a declined join request.
DECLINE = "decline"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a join request is turned down: "banned", or the check its comment failed."""

    reason: str
    detail: str = ""
    # The group's checks only log what they would do: the request is left alone.
    dry_run: bool = False


def is_banned(ban: Restriction | None, now: datetime) -> bool:
    """Whether a stored ban still holds at ``now`` (one without end always does)."""
    return ban is not None and (ban.until is None or ban.until > now)


def comment_verdict(compiled: CompiledRules, comment: str) -> Verdict | None:
    """The ad checks a message gets (contact hand-offs, links), run on a request's comment.

    Only the checks the group has on run. A comment names no members the bot could know,
    so an @name alone is no link here (a message's check would count it as one).
    """
    if compiled.rules.mode == OFF or not comment.strip():
        return None
    subject = Subject(comment, normalize(comment))
    if "contact" in compiled.enabled and (verdict := check_contact(subject)) is not None:
        return verdict
    if "link" in compiled.enabled:
        return check_link(subject, compiled.domains, mentioned_names(subject.normalized))
    return None


def judge_request(
    ban: Restriction | None, now: datetime, comment: str, compiled: CompiledRules | None
) -> Refusal | None:
    """Whether to decline a join request, and why; None lets it go on (to the captcha).

    A ban always refuses; the comment is checked with ``compiled`` (None: not checked,
    the requester is exempt or the comment empty), in dry-run mode only to be logged.
    """
    if is_banned(ban, now):
        return Refusal("banned")
    verdict = comment_verdict(compiled, comment) if compiled is not None else None
    if compiled is None or verdict is None:
        return None
    return Refusal(verdict.reason, verdict.detail, dry_run=compiled.rules.mode == DRYRUN)


async def screen_request(event: JoinRequest, ctx: Context, index: RulesIndex) -> bool:
    """Decline a join request if ``judge_request`` says so; True if it was (the event stops)."""
    chat_id, user = event.chat.id, event.user
    now = ctx.runtime.now()
    ban = await ModerationRepository(ctx.uow).restriction(chat_id, user.id, "ban")
    checked = not is_banned(ban, now) and bool(event.comment.strip())
    compiled = await _comment_rules(event, ctx, index) if checked else None
    refusal = judge_request(ban, now, event.comment, compiled)
    if refusal is None:
        return False
    done = refusal.dry_run or await _decline(event, ctx)
    entry = LogEntry(
        chat_id,
        DECLINE,
        target_id=user.id,
        target_name=user.name,
        reason=refusal.reason,
        detail=refusal.detail if done else " ".join(filter(None, (refusal.detail, "failed"))),
        message_text=event.comment[:MAX_QUOTE],
        dry_run=refusal.dry_run,
    )
    await ModerationRepository(ctx.uow).log([entry])
    await mirror_entries(ctx.runtime, ctx.uow, chat_id, await ctx.language(), [entry])
    log.info("join request of %s to %s: %s (declined=%s)", user.id, chat_id, refusal, done)
    # Even when the platform refused the answer, the captcha must not let them in.
    return not refusal.dry_run


async def _comment_rules(
    event: JoinRequest, ctx: Context, index: RulesIndex
) -> CompiledRules | None:
    """The group's rules to check a comment with; None for the allow list (exempt)."""
    if event.user.id in await approved_ids(ctx.uow, event.chat.id):
        return None
    return await index.get(ctx.uow, event.chat.id)


async def _decline(event: JoinRequest, ctx: Context) -> bool:
    """Turn the request down; False (admins told of a missing right once) if that failed."""
    try:
        await ctx.port.decline_join(event.chat.id, event.user.id, event.reference)
    except MissingRight as error:
        await ctx.tell_missing_right(error)
        return False
    except ChatActionError as error:
        log.info("declining %s in %s failed: %s", event.user.id, event.chat.id, error)
        return False
    return True
