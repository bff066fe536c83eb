"""Errors in the admin's language, end to end: bad RE2 patterns and bad cron expressions."""

from __future__ import annotations

import pytest

from bot.app import build_translator
from bot.platforms.telegram.render import to_html
from tests.e2e.conftest import ADMIN_ID, BotFactory
from tests.e2e.test_welcome_e2e import command
from tests.fakes import FakeBotApi

# What each answer must say, per language; the admin's input is quoted back, escaped.
CASES = {
    "zh": [
        (r"/addreply re:(a)\1 x", "不支持“\\1”这类反向引用"),
        ("/addreply re:(?<!a)b x", "不支持“(?&lt;!”这类前瞻或后顾"),
        ("/addreply re:(ab x", "有一个“(”没有闭合（在“(ab”处）"),
        ("/addbadword re:[z-a]", "“z-a”不是有效的字符范围或字符类"),
        ("/addbadword re:a{2000}", "重复次数“{2000}”太大或前后颠倒"),
        ('/schedule cron "61 * * * *" hi', "cron 表达式中的分钟“61”无效：分钟为 0 到 59"),
        ("/schedule cron 0 9 * * 8 hi", "cron 表达式中的星期“8”无效：星期为 0 到 7"),
        ('/schedule cron "0 9 * *" hi', "需要五个字段（分 时 日 月 星期），而不是 4 个"),
        ('/schedule cron "0 0 30 2 *" hi', "永远不会触发"),
    ],
    "en": [
        (r"/addreply re:(a)\1 x", "backreferences such as “\\1” are not supported"),
        ("/addreply re:(?<!a)b x", "lookahead and lookbehind such as “(?&lt;!” are not supported"),
        ("/addreply re:(ab x", "a “(” is never closed (at “(ab”)"),
        ("/addbadword re:[z-a]", "“z-a” is not a valid character range or class"),
        ("/addbadword re:a{2000}", "the repetition “{2000}” is too large or reversed"),
        ('/schedule cron "61 * * * *" hi', "the minute “61” is not valid: minutes go from 0 to 59"),
        ("/schedule cron 0 9 * * 8 hi", "the weekday “8” is not valid: weekdays go from 0 to 7"),
        ('/schedule cron "0 9 * *" hi', "has five fields (minute hour day month weekday), not 4"),
        ('/schedule cron "0 0 30 2 *" hi', "never fires"),
    ],
}
# Bits of RE2's and APScheduler's own English that must never reach the group.
LIBRARY_WORDS = ("b'", "RE2 says", "invalid", "missing", "Error validating", "expected 5")


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_bad_patterns_and_crons_are_explained_in_the_groups_language(
    api: FakeBotApi, start_bot: BotFactory, language: str
) -> None:
    """Each bad input gets one short sentence naming the problem; nothing is stored."""
    await start_bot()
    if language == "en":
        await command(api, ADMIN_ID, "/lang en")
    for text, expected in CASES[language]:
        answer = await command(api, ADMIN_ID, text)
        assert expected in answer, (text, answer)
        for word in LIBRARY_WORDS:
            assert word not in answer, (text, answer)
    tr = build_translator()
    for listing, empty in (
        ("/replies", "autoreply.list_empty"),
        ("/schedules", "schedule.list_empty"),
        ("/badwords", "moderation.words_empty"),
    ):
        assert await command(api, ADMIN_ID, listing) == to_html(tr(language, empty))
