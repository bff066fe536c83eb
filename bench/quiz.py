"""``python -m bot bench --quiz``: the per-message cost of quiz answer matching in a round.

Members' chat messages of one group go through the real core (``build_core``: every feature,
SQLite), first with no round in the group (the baseline), then with a question open whose
answer nobody gives, so every message is normalised and looked up; the two runs alternate
``repeats`` times and the fastest runs are compared (medians shown too). The matching
alone (normalise + set lookup) and the quiz feature's own ``on_event`` are timed apart: on
a shared machine the end-to-end difference is mostly noise, so ``extra_share`` is what the
feature adds in a round as a share of a message's whole cost. Target: < 10% extra per
message during a round.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

from bot.app import build_core
from bot.platforms.recording import RecordingPort
from bot.settings import Settings
from core.events import Chat, Message, User
from handlers.quiz.answers import answer_key, warm
from handlers.quiz.bank import Question
from handlers.quiz.feature import Quiz
from handlers.quiz.live import Live
from handlers.quiz.rounds import Round
from storage.unit import Store

SEED = 2026
GROUP = -100_777
TARGET_EXTRA = 0.10
_LINES = (
    "今天天气不错，大家晚上好",
    "哈哈哈 笑死我了😂",
    "有人知道这个怎么弄吗？",
    "Good morning everyone!",
    "我觉得答案是 上海",
    "Ｐａｒｉｓ maybe?",
    "這個問題太難了吧",
    "lol no idea, 123",
    "打卡打卡 💪",
    "see https://example.com for more",
)
QUESTION = Question("Capital of Atlantis?", ("Poseidonia", "波塞冬尼亚"), (), "")


class _NoStore:
    """A context whose unit of work is never reached: nobody answers right."""

    uow = None


def _messages(count: int, now: datetime) -> list[Message]:
    rng = random.Random(SEED)
    chat = Chat(GROUP, "Bench Group")
    members = [User(10_000 + n, f"Member{n}") for n in range(count)]
    return [
        Message(chat, members[n], n + 1, f"{rng.choice(_LINES)} {rng.randrange(1000)}", now)
        for n in range(count)
    ]


async def _run_once(core: Any, messages: list[Message]) -> float:
    began = time.perf_counter()
    for message in messages:
        await core.dispatcher.handle(message)
    return (time.perf_counter() - began) / len(messages)


def _matching_alone(messages: list[Message], accepted: frozenset[str]) -> float:
    began = time.perf_counter()
    for message in messages:
        _ = answer_key(message.text) in accepted
    return (time.perf_counter() - began) / len(messages)


async def _feature_alone(quiz: Quiz, messages: list[Message], ctx: Any) -> float:
    """The quiz feature's own ``on_event`` per message (the part a round adds)."""
    began = time.perf_counter()
    for message in messages:
        await quiz.on_event(message, ctx)
    return (time.perf_counter() - began) / len(messages)


def _open_round(quiz: Quiz, now: datetime) -> None:
    played = Round((QUESTION,), 3_600, 10)
    played.next_question(now)
    quiz.rounds.live[GROUP] = Live(played, "en")


async def run_quiz_bench(settings: Settings, *, messages: int, repeats: int) -> dict[str, Any]:
    """Measure, print one JSON object as the last line, and return it."""
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    batch = _messages(messages, now)
    warm()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite+aiosqlite:///{Path(folder) / 'quiz.db'}")
        await store.migrate()
        port_any: Any = RecordingPort(record=False)
        core = build_core(settings, store, port_any, bot_id=1, bot_username="bot", queued=False)
        await core.start()
        quiz = next(f for f in core.dispatcher.features if isinstance(f, Quiz))
        try:
            await _run_once(core, batch[: min(200, len(batch))])  # warm-up
            without, during = [], []
            for repeat in range(repeats):
                # Alternating which goes first, so neither gains from the other's warm-up.
                for with_round in (False, True) if repeat % 2 == 0 else (True, False):
                    quiz.rounds.live.pop(GROUP, None)
                    if with_round:
                        _open_round(quiz, now)
                    (during if with_round else without).append(await _run_once(core, batch))
            # The feature alone, in and out of a round (answers go nowhere near storage).
            quiz.rounds.live.pop(GROUP, None)
            idle = min([await _feature_alone(quiz, batch, None) for _ in range(repeats)])
            alone = []
            for _ in range(repeats):
                _open_round(quiz, now)
                alone.append(await _feature_alone(quiz, batch, _NoStore()))
            busy = min(alone)
        finally:
            quiz.rounds.live.clear()
            await core.stop()
            await store.close()
    accepted = frozenset(answer_key(a) for a in QUESTION.answers)
    # The fastest run of each: on a shared machine the others mostly measure the neighbours.
    base, live = min(without), min(during)
    result = {
        "bench": "quiz",
        "messages": messages,
        "repeats": repeats,
        "us_per_message_without_round": round(base * 1e6, 1),
        "us_per_message_during_round": round(live * 1e6, 1),
        "us_median_without_round": round(median(without) * 1e6, 1),
        "us_median_during_round": round(median(during) * 1e6, 1),
        "extra_share_end_to_end": round(live / base - 1, 4),
        "us_feature_without_round": round(idle * 1e6, 2),
        "us_feature_during_round": round(busy * 1e6, 2),
        # What a round adds to a message, as a share of a message's whole cost.
        "extra_share": round((busy - idle) / base, 4),
        "target_extra_share": TARGET_EXTRA,
        "us_matching_alone": round(_matching_alone(batch, accepted) * 1e6, 2),
    }
    print(json.dumps(result))
    return result
