"""The captcha's admin commands: /captcha [on|off|button|math], /captchatime, /captchafail."""

from __future__ import annotations

from core.args import parse_switch
from core.context import Context
from core.durations import format_duration, parse_duration
from core.events import Command
from handlers.captcha.rules import SettingError, check_fail_action, check_mode, check_seconds
from storage.captcha import CaptchaRepository, StoredSettings


def captcha_seconds(ctx: Context, settings: StoredSettings) -> int:
    """A group's captcha time: its own, or the configured default."""
    return settings.seconds or ctx.runtime.settings.captcha.default_seconds


async def configure(command: Command, ctx: Context) -> None:
    """/captcha shows the settings; /captcha on|off switches; /captcha button|math."""
    if not command.args:
        await _show(ctx, await CaptchaRepository(ctx.uow).settings(ctx.chat.id))
        return
    word = command.args[0]
    switch, mode = parse_switch(word), check_mode(word)
    repo = CaptchaRepository(ctx.uow)
    if switch is not None:
        await repo.change(ctx.chat.id, ctx.chat.title, enabled=switch)
        await ctx.say("captcha.enabled" if switch else "captcha.disabled")
    elif mode is not None:
        await repo.change(ctx.chat.id, ctx.chat.title, mode=mode)
        await ctx.say("captcha.mode_set", mode=await ctx.t(f"captcha.mode_{mode}"))
    else:
        await ctx.say("captcha.usage", value=word[:20])


async def set_time(command: Command, ctx: Context) -> None:
    """/captchatime 2m: how long a newcomer has to answer (30s..1h unless configured)."""
    typed, cfg = command.arg_text, ctx.runtime.settings.captcha
    language = await ctx.language()
    try:
        seconds = parse_duration(typed) if typed else None
        seconds = check_seconds(seconds, typed, cfg.min_seconds, cfg.max_seconds)
    except SettingError as error:
        low = format_duration(cfg.min_seconds, language)
        high = format_duration(cfg.max_seconds, language)
        await ctx.say(f"captcha.{error.key}", low=low, high=high, **error.values)
        return
    await CaptchaRepository(ctx.uow).change(ctx.chat.id, ctx.chat.title, seconds=seconds)
    await ctx.say("captcha.time_set", time=format_duration(seconds, language))


async def set_fail_action(command: Command, ctx: Context) -> None:
    """/captchafail kick|ban|mute: what happens to a newcomer who fails."""
    try:
        action = check_fail_action(command.arg_text)
    except SettingError as error:
        await ctx.say(f"captcha.{error.key}", **error.values)
        return
    await CaptchaRepository(ctx.uow).change(ctx.chat.id, ctx.chat.title, fail_action=action)
    await ctx.say("captcha.fail_set", action=await ctx.t(f"captcha.fail_{action}"))


async def _show(ctx: Context, settings: StoredSettings) -> None:
    language = await ctx.language()
    await ctx.say(
        "captcha.show",
        state=await ctx.t("captcha.state_on" if settings.enabled else "captcha.state_off"),
        mode=await ctx.t(f"captcha.mode_{settings.mode}"),
        time=format_duration(captcha_seconds(ctx, settings), language),
        action=await ctx.t(f"captcha.fail_{settings.fail_action}"),
    )
