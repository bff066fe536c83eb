"""The moderation settings commands (admins only).

/modconfig shows everything. /modmode on|off|dryrun. /modset <check> on|off|<actions>|<limit>
(for example ``/modset link delete,warn``, ``/modset flood delete,mute:1h``,
``/modset emoji 15``). /antilink on|off, /allowdomain and /disallowdomain <domain>,
/addbadword <word|re:pattern>, /delbadword <word|re:pattern>, /badwords [page],
/antiflood <messages> <time> | on | off, /newcomer <time> [messages] | <messages> | on | off.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from functools import partial

import re2

from core.args import page_number, parse_switch
from core.context import Context
from core.durations import format_duration, parse_duration
from core.events import Command
from core.feature import CommandSpec
from core.normalize import normalize
from core.regex_errors import pattern_problem
from core.text import Text, as_lines, code
from handlers.moderation.actions import Action
from handlers.moderation.compiled import literal_key, regex_options
from handlers.moderation.rules import (
    CHECKS,
    DRYRUN,
    LIMIT_BOUNDS,
    MODES,
    OFF,
    ON,
    CheckRule,
    GroupRules,
    SettingError,
    format_actions,
    parse_actions,
    rules_from_stored,
    stored_checks,
    stored_limits,
)
from storage.moderation_rules import ModerationRulesRepository

REGEX_PREFIX = "re:"
DRYRUN_WORDS = frozenset({"dry", "test", "试运行", "测试"})
WORDS_PER_PAGE = 30
# Checks whose number /modset sets, and the limit it is.
COUNTED = {"emoji": "emoji", "mentions": "mentions", "repeat": "repeat"}
MAX_FLOOD_SECONDS = LIMIT_BOUNDS["flood_seconds"][1]
MAX_NEWCOMER_SECONDS = LIMIT_BOUNDS["newcomer_seconds"][1]
MIN_NEWCOMER_SECONDS = 60
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}")


# A line another feature adds to /modconfig (the spam classifier: trained or not), or None.
ConfigNote = Callable[[Context], Awaitable[Text | None]]


def settings_commands(notes: Sequence[ConfigNote] = ()) -> Sequence[CommandSpec]:
    """Every moderation settings command; ``notes`` add their lines to /modconfig."""
    return (
        CommandSpec("modconfig", partial(show_config, notes=tuple(notes)), admin_only=True),
        CommandSpec("modmode", set_mode, admin_only=True),
        CommandSpec("modset", set_check, admin_only=True),
        CommandSpec("antilink", antilink, admin_only=True),
        CommandSpec("allowdomain", allow_domain, admin_only=True),
        CommandSpec("disallowdomain", disallow_domain, admin_only=True),
        CommandSpec("addbadword", add_bad_word, admin_only=True),
        CommandSpec("delbadword", delete_bad_word, admin_only=True),
        CommandSpec("badwords", list_bad_words, admin_only=True),
        CommandSpec("antiflood", antiflood, admin_only=True),
        CommandSpec("newcomer", newcomer, admin_only=True),
    )


# ------------------------------------------------------------------ helpers


async def _rules(ctx: Context) -> GroupRules:
    return rules_from_stored(await ModerationRulesRepository(ctx.uow).rules(ctx.chat.id))


async def _save(ctx: Context, rules: GroupRules) -> None:
    """Store the group's changed settings and commit before telling the admin."""
    repo = ModerationRulesRepository(ctx.uow)
    await repo.save(ctx.chat.id, rules.mode, stored_checks(rules), stored_limits(rules.limits))
    await ctx.uow.commit()


def _with_check(
    rules: GroupRules,
    name: str,
    *,
    enabled: bool | None = None,
    actions: tuple[Action, ...] = (),
) -> GroupRules:
    current = rules.check(name)
    changed = CheckRule(current.enabled if enabled is None else enabled, actions or current.actions)
    return replace(rules, checks={**rules.checks, name: changed})


async def _error(ctx: Context, error: SettingError) -> None:
    await ctx.say(error.key, **error.values)


async def _check_name(ctx: Context, name: str) -> Text:
    return await ctx.t(f"moderation.check.{name}")


# ------------------------------------------------------------------ /modconfig, /modmode


async def show_config(command: Command, ctx: Context, notes: Sequence[ConfigNote] = ()) -> None:
    """/modconfig: the mode, every check with its actions and limits, words and domains,
    and what other features add (the spam classifier's state)."""
    rules = await _rules(ctx)
    language = await ctx.language()
    lines = [
        await ctx.t("moderation.config_header", mode=await ctx.t(f"moderation.mode_{rules.mode}"))
    ]
    for name in CHECKS:
        check = rules.check(name)
        state = await ctx.t("moderation.state_on" if check.enabled else "moderation.state_off")
        lines.append(
            await ctx.t(
                "moderation.config_line",
                check=await _check_name(ctx, name),
                name=name,
                state=state,
                actions=format_actions(check.actions, language),
                extra=await _extra(ctx, rules, name, language),
            )
        )
    for note in notes:
        line = await note(ctx)
        if line:
            lines.append(line)
    lines.append(await ctx.t("moderation.config_footer"))
    await ctx.reply(as_lines(lines))


async def _extra(ctx: Context, rules: GroupRules, name: str, language: str) -> Text:
    limits = rules.limits
    if name == "badword":
        return await ctx.t("moderation.extra_badword", count=len(rules.bad_words))
    if name == "link":
        if not rules.domains:
            return await ctx.t("moderation.extra_link_none")
        # A few, so the message stays well within the platform's length limit.
        shown = ", ".join(sorted(rules.domains)[:20])[:800]
        return await ctx.t("moderation.extra_link", domains=shown, count=len(rules.domains))
    if name == "newcomer":
        return await ctx.t(
            "moderation.extra_newcomer", rule=await _newcomer_rule(ctx, rules, language)
        )
    if name in COUNTED:
        return await ctx.t(f"moderation.extra_{name}", limit=getattr(limits, COUNTED[name]))
    if name == "flood":
        return await ctx.t(
            "moderation.extra_flood",
            messages=limits.flood_messages,
            time=format_duration(limits.flood_seconds, language),
        )
    return Text()


async def _newcomer_rule(ctx: Context, rules: GroupRules, language: str) -> Text:
    limits = rules.limits
    time = format_duration(limits.newcomer_seconds, language)
    if limits.newcomer_seconds and limits.newcomer_messages:
        return await ctx.t("moderation.newcomer_both", time=time, messages=limits.newcomer_messages)
    if limits.newcomer_messages:
        return await ctx.t("moderation.newcomer_messages", messages=limits.newcomer_messages)
    return await ctx.t("moderation.newcomer_time", time=time)


def parse_mode(word: str) -> str | None:
    """``on``, ``off`` or ``dryrun`` (also ``dry-run``, ``试运行`` and the usual on/off words)."""
    wanted = word.lower().replace("-", "").replace("_", "")
    if wanted in MODES:
        return wanted
    if wanted in DRYRUN_WORDS:
        return DRYRUN
    switch = parse_switch(wanted)
    if switch is None:
        return None
    return ON if switch else OFF


async def set_mode(command: Command, ctx: Context) -> None:
    """/modmode on|off|dryrun (without an argument: the current mode)."""
    rules = await _rules(ctx)
    if not command.args:
        mode = await ctx.t(f"moderation.mode_{rules.mode}")
        await ctx.say("moderation.mode_show", mode=mode)
        return
    mode = parse_mode(command.args[0])
    if mode is None or len(command.args) > 1:
        await ctx.say("moderation.mode_usage")
        return
    await _save(ctx, replace(rules, mode=mode))
    await ctx.say(f"moderation.mode_set_{mode}")


# ------------------------------------------------------------------ /modset


async def set_check(command: Command, ctx: Context) -> None:
    """/modset <check> on|off|<actions>|<limit>."""
    if len(command.args) != 2 or command.args[0].lower() not in CHECKS:
        await ctx.say("moderation.modset_usage", checks=", ".join(CHECKS))
        return
    name, value = command.args[0].lower(), command.args[1]
    rules = await _rules(ctx)
    if value.isdigit():
        # Huge numbers are out of range anyway; do not convert a thousand digits.
        await _set_count(ctx, rules, name, int(value) if len(value) <= 9 else 10**9)
        return
    switch = parse_switch(value)
    if switch is not None:
        await _save(ctx, _with_check(rules, name, enabled=switch))
        key = "moderation.check_on" if switch else "moderation.check_off"
        await ctx.say(key, check=await _check_name(ctx, name))
        return
    try:
        actions = parse_actions(value)
    except SettingError as error:
        await _error(ctx, error)
        return
    await _save(ctx, _with_check(rules, name, enabled=True, actions=actions))
    shown = format_actions(actions, await ctx.language())
    await ctx.say("moderation.actions_set", check=await _check_name(ctx, name), actions=shown)


async def _set_count(ctx: Context, rules: GroupRules, name: str, value: int) -> None:
    limit = COUNTED.get(name)
    if limit is None:
        await ctx.say("moderation.no_limit", check=await _check_name(ctx, name))
        return
    low, high = LIMIT_BOUNDS[limit]
    if not low <= value <= high:
        await ctx.say("moderation.limit_range", low=low, high=high)
        return
    changed = replace(rules, limits=replace(rules.limits, **{limit: value}))
    await _save(ctx, _with_check(changed, name, enabled=True))
    await ctx.say("moderation.limit_set", check=await _check_name(ctx, name), limit=value)


# ------------------------------------------------------------------ links


async def antilink(command: Command, ctx: Context) -> None:
    """/antilink on|off."""
    switch = parse_switch(command.args[0]) if len(command.args) == 1 else None
    if switch is None:
        await ctx.say("common.on_off", command="antilink")
        return
    await _save(ctx, _with_check(await _rules(ctx), "link", enabled=switch))
    await ctx.say("moderation.antilink_on" if switch else "moderation.antilink_off")


def parse_domain(text: str) -> str | None:
    """A domain as admins may type it (with a scheme, www. or a path); None if it is none."""
    value = normalize(text.strip())
    for prefix in ("https://", "http://", "*.", "www."):
        value = value.removeprefix(prefix)
    value = re.split(r"[/:?#]", value, maxsplit=1)[0].rstrip(".")
    if not value.isascii():
        try:
            value = value.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if len(value) > 253 or not _DOMAIN.fullmatch(value):
        return None
    return value


async def allow_domain(command: Command, ctx: Context) -> None:
    """/allowdomain <domain>: links to it (and its subdomains) are fine."""
    domain = parse_domain(command.args[0]) if len(command.args) == 1 else None
    if domain is None:
        await ctx.say("moderation.domain_usage", command="allowdomain")
        return
    repo = ModerationRulesRepository(ctx.uow)
    limit = ctx.runtime.settings.moderation.max_domains
    if await repo.domain_count(ctx.chat.id) >= limit:
        await ctx.say("moderation.too_many_domains", limit=limit)
        return
    added = await repo.add_domain(ctx.chat.id, domain, command.sender.id)
    await ctx.uow.commit()
    await ctx.say("moderation.domain_added" if added else "moderation.domain_known", domain=domain)


async def disallow_domain(command: Command, ctx: Context) -> None:
    """/disallowdomain <domain>."""
    domain = parse_domain(command.args[0]) if len(command.args) == 1 else None
    if domain is None:
        await ctx.say("moderation.domain_usage", command="disallowdomain")
        return
    removed = await ModerationRulesRepository(ctx.uow).remove_domain(ctx.chat.id, domain)
    await ctx.uow.commit()
    key = "moderation.domain_removed" if removed else "moderation.domain_missing"
    await ctx.say(key, domain=domain)


# ------------------------------------------------------------------ banned words


def parse_bad_word(text: str, max_word: int, max_pattern: int) -> tuple[str, str, bool]:
    """(as written, match key, is a pattern) of a banned word; raises SettingError."""
    text = text.strip()
    if text.lower().startswith(REGEX_PREFIX):
        pattern = text[len(REGEX_PREFIX) :].strip()
        if not pattern:
            raise SettingError("moderation.word_usage")
        if len(pattern) > max_pattern:
            raise SettingError("common.too_long", length=len(pattern), limit=max_pattern)
        try:
            compiled = re2.compile(pattern, regex_options())
        except re2.error as error:
            problem = pattern_problem(error)
            raise SettingError(problem.key, fragment=problem.fragment) from None
        if compiled.search("") is not None:
            raise SettingError("moderation.regex_matches_all")
        return REGEX_PREFIX + pattern, pattern, True
    if not text:
        raise SettingError("moderation.word_usage")
    if len(text) > max_word:
        raise SettingError("common.too_long", length=len(text), limit=max_word)
    key = literal_key(text)
    if not key:
        raise SettingError("moderation.word_empty")
    return text, key, False


async def add_bad_word(command: Command, ctx: Context) -> None:
    """/addbadword <word|re:pattern>."""
    cfg = ctx.runtime.settings.moderation
    try:
        word, key, is_regex = parse_bad_word(
            command.arg_text, cfg.max_word_chars, cfg.max_pattern_chars
        )
    except SettingError as error:
        await _error(ctx, error)
        return
    repo = ModerationRulesRepository(ctx.uow)
    if await repo.word_count(ctx.chat.id) >= cfg.max_bad_words:
        await ctx.say("moderation.too_many_words", limit=cfg.max_bad_words)
        return
    added = await repo.add_word(ctx.chat.id, word, key, is_regex, command.sender.id)
    await ctx.uow.commit()
    await ctx.say("moderation.word_added" if added else "moderation.word_known", word=word)


async def delete_bad_word(command: Command, ctx: Context) -> None:
    """/delbadword <word|re:pattern>."""
    cfg = ctx.runtime.settings.moderation
    try:
        word, key, is_regex = parse_bad_word(
            command.arg_text, cfg.max_word_chars, cfg.max_pattern_chars
        )
    except SettingError as error:
        await _error(ctx, error)
        return
    removed = await ModerationRulesRepository(ctx.uow).remove_word(ctx.chat.id, key, is_regex)
    await ctx.uow.commit()
    await ctx.say("moderation.word_removed" if removed else "moderation.word_missing", word=word)


async def list_bad_words(command: Command, ctx: Context) -> None:
    """/badwords [page]."""
    words = (await _rules(ctx)).bad_words
    if not words:
        await ctx.say("moderation.words_empty")
        return
    page, pages = page_number(command.args, len(words), WORDS_PER_PAGE)
    shown = words[(page - 1) * WORDS_PER_PAGE : page * WORDS_PER_PAGE]
    header = await ctx.t("moderation.words_header", count=len(words), page=page, pages=pages)
    lines = [header, *(code(word.word) for word in shown)]
    await ctx.reply(as_lines(lines))


# ------------------------------------------------------------------ flood, newcomers


async def antiflood(command: Command, ctx: Context) -> None:
    """/antiflood <messages> <time> | on | off."""
    args = command.args
    rules = await _rules(ctx)
    language = await ctx.language()
    switch = parse_switch(args[0]) if len(args) == 1 else None
    if switch is not None:
        await _save(ctx, _with_check(rules, "flood", enabled=switch))
        await ctx.say("moderation.flood_on" if switch else "moderation.flood_off")
        return
    parsed = _flood_args(args)
    if parsed is None:
        await ctx.say(
            "moderation.flood_usage", max_time=format_duration(MAX_FLOOD_SECONDS, language)
        )
        return
    messages, seconds = parsed
    limits = replace(rules.limits, flood_messages=messages, flood_seconds=seconds)
    await _save(ctx, _with_check(replace(rules, limits=limits), "flood", enabled=True))
    await ctx.say(
        "moderation.flood_set", messages=messages, time=format_duration(seconds, language)
    )


def _flood_args(args: tuple[str, ...]) -> tuple[int, int] | None:
    if len(args) != 2 or not args[0].isdigit() or len(args[0]) > 4:
        return None
    messages = int(args[0])
    seconds = parse_duration(args[1]) if not args[1].isdigit() else int(args[1][:6])
    low, high = LIMIT_BOUNDS["flood_messages"]
    if not low <= messages <= high or seconds is None or not 1 <= seconds <= MAX_FLOOD_SECONDS:
        return None
    return messages, seconds


async def newcomer(command: Command, ctx: Context) -> None:
    """/newcomer <time> [messages] | <messages> | on | off."""
    args = command.args
    rules = await _rules(ctx)
    language = await ctx.language()
    switch = parse_switch(args[0]) if len(args) == 1 and not args[0].isdigit() else None
    if switch is not None:
        changed = _with_check(rules, "newcomer", enabled=switch)
        await _save(ctx, changed)
        if switch:
            rule = await _newcomer_rule(ctx, changed, language)
            await ctx.say("moderation.newcomer_set", rule=rule)
        else:
            await ctx.say("moderation.newcomer_off")
        return
    parsed = _newcomer_args(args)
    if parsed is None:
        await ctx.say(
            "moderation.newcomer_usage", max_time=format_duration(MAX_NEWCOMER_SECONDS, language)
        )
        return
    seconds, messages = parsed
    limits = replace(rules.limits, newcomer_seconds=seconds, newcomer_messages=messages)
    changed = _with_check(replace(rules, limits=limits), "newcomer", enabled=True)
    await _save(ctx, changed)
    await ctx.say("moderation.newcomer_set", rule=await _newcomer_rule(ctx, changed, language))


def _newcomer_args(args: tuple[str, ...]) -> tuple[int, int] | None:
    """(seconds, messages) from ``24h``, ``24h 10`` or ``10``."""
    if not 1 <= len(args) <= 2:
        return None
    seconds, messages = 0, 0
    parts = list(args)
    if not parts[0].isdigit():
        duration = parse_duration(parts.pop(0))
        if duration is None or not MIN_NEWCOMER_SECONDS <= duration <= MAX_NEWCOMER_SECONDS:
            return None
        seconds = duration
    if parts:
        if len(parts) > 1 or not parts[0].isdigit() or len(parts[0]) > 6:
            return None
        messages = int(parts[0])
        if not 1 <= messages <= LIMIT_BOUNDS["newcomer_messages"][1]:
            return None
    return seconds, messages
