"""Challenges (挑战赛): time-boxed goals paid once per member when reached.

Admins: /challenge <kind> <target> <window> [points=N] [badge=NAME], with kind
``checkin_streak`` (签到: check in N days in a row) or ``messages`` (发言: post N
messages) and the window ``12-01..12-07`` or ``week``, in the group's time zone. Members:
/challenges shows the open ones with their own progress (and pays a reward just reached).
Rewards and the closing summary are the timed side's (``handlers.challenges.runner``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from core.context import Context
from core.events import Command
from core.feature import CommandSpec, Feature
from core.runtime import Runtime
from core.senders import sent_as_chat
from core.text import Text, as_lines
from handlers.badges.names import badge_list
from handlers.challenges.rules import (
    ChallengeError,
    Limits,
    parse_challenge,
    state,
)
from handlers.challenges.runner import ChallengeRunner
from handlers.challenges.settle import scores, settle
from storage.challenges import ChallengeRepository
from storage.models import ChallengeRow
from storage.repositories import ChatRepository


class Challenges(Feature):
    """Challenges in groups."""

    name = "challenges"
    topic = "checkin"

    def commands(self) -> Sequence[CommandSpec]:
        """/challenges for everyone, /challenge for admins."""
        return (
            CommandSpec("challenges", self.show),
            CommandSpec("challenge", self.create, admin_only=True),
        )

    async def start(self, runtime: Runtime) -> None:
        """Register paying and closing as timed work."""
        runtime.timed.add(ChallengeRunner(runtime))

    async def create(self, command: Command, ctx: Context) -> None:
        """/challenge: check the goal, window and reward, store it, say what it is."""
        config, today = ctx.runtime.settings.challenges, await _today(ctx)
        limits = Limits(config.max_days, config.max_target, config.max_points)
        try:
            spec = parse_challenge(command.arg_text, today, limits)
        except ChallengeError as error:
            await ctx.say(f"challenges.{error.key}", **error.values)
            return
        async with ctx.uow.alone():
            await ChatRepository(ctx.uow).ensure_exists(ctx.chat.id)
            repo = ChallengeRepository(ctx.uow)
            if len(await repo.open_in(ctx.chat.id)) >= config.max_active:
                await ctx.say("challenges.too_many", limit=config.max_active)
                return
            challenge_id = await repo.create(
                ctx.chat.id,
                kind=spec.kind,
                target=spec.target,
                starts=spec.starts,
                ends=spec.ends,
                reward_points=spec.points,
                badge=spec.badge,
                created_by=ctx.user.id if ctx.user else None,
                created_at=ctx.runtime.now(),
            )
            await ctx.uow.commit()
            created = await repo.get(challenge_id)
        assert created is not None
        line = await _describe(ctx, created)
        await ctx.say("challenges.created", id=challenge_id, challenge=line)

    async def show(self, command: Command, ctx: Context) -> None:
        """/challenges: the open challenges, each with the asking member's progress."""
        if sent_as_chat(command.message):
            # Progress belongs to people: a chat speaking has none.
            await ctx.say("challenges.as_chat")
            return
        user, today = command.sender, await _today(ctx)
        async with ctx.uow.alone():
            repo = ChallengeRepository(ctx.uow)
            shown = [
                c
                for c in await repo.open_in(ctx.chat.id)
                if state(c.starts, c.ends, today) != "ended"
            ]
            for challenge in shown:
                if state(challenge.starts, challenge.ends, today) == "active":
                    now, stand_ins = ctx.runtime.now(), ctx.runtime.stand_ins
                    await settle(ctx.uow, challenge, today, now, user.id, stand_ins)
            await ctx.uow.commit()
        if not shown:
            await ctx.say("challenges.none")
            return
        done = await repo.completed_of(user.id, [c.id for c in shown])
        lines: list[Text | str] = [await ctx.t("challenges.header", name=user.name)]
        for challenge in shown:
            mine = (await scores(ctx.uow, challenge, today, user.id)).get(user.id, 0)
            key = "challenges.done" if challenge.id in done else "challenges.progress"
            status = await ctx.t(key, progress=min(mine, challenge.target), target=challenge.target)
            lines.append(
                await ctx.t(
                    "challenges.line", challenge=await _describe(ctx, challenge), status=status
                )
            )
        await ctx.reply(as_lines(lines))


async def _describe(ctx: Context, challenge: ChallengeRow) -> Text:
    """``#3 check in 7 days in a row · 12-01..12-07 · reward 50 points + 🏅 star``."""
    goal = await ctx.t(f"challenges.kind_{challenge.kind}", target=challenge.target)
    rewards: list[Text | str] = []
    if challenge.reward_points:
        rewards.append(await ctx.t("challenges.reward_points", points=challenge.reward_points))
    if challenge.badge:
        t, language = ctx.runtime.translator, await ctx.language()
        rewards.append(badge_list(t, language, [challenge.badge]))
    return await ctx.t(
        "challenges.describe",
        id=challenge.id,
        goal=goal,
        starts=challenge.starts.isoformat(),
        ends=challenge.ends.isoformat(),
        reward=Text(" + ").join(rewards),
    )


async def _today(ctx: Context) -> date:
    zone = ctx.runtime.timezone((await ChatRepository(ctx.uow).settings(ctx.chat.id)).timezone)
    return ctx.runtime.now().astimezone(zone).date()
