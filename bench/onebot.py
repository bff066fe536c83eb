"""``python -m bot bench --onebot``: QQ group messages per second through OneBot v11.

A deterministic stream of OneBot v11 group message events (chat mostly in Chinese, some
``签到``, some opening with an ``at`` of a member or of the bot, some quoting an earlier
message with a ``reply`` segment, some with an ``image``; many members across groups of
different sizes and activity) is pushed by a fake implementation in this process
(``tests/fakes/onebot.py``, so run this from a checkout of the repository) connecting in
reverse mode, as NapCat's or LLBot's "WebSocket client" does, over a real loopback
WebSocket. It answers the bot's actions as an implementation would: ``get_msg`` with the
quoted message, member info and lists from its groups' members, sends with a message id;
at once, or ``--answer-ms`` later (a real implementation's answers take milliseconds).

- ours: the real ``OneBotBot`` (transport, hub, port, the outbound queue with a budget
  never reached, every feature) on a fresh SQLite file, ``message_pace_seconds = 0``; a run
  ends when every event has been through the dispatcher and the features have flushed
  what they buffered;
- baseline: a bare aiohttp WebSocket endpoint on the same path that decodes each frame's
  JSON and hands it to a no-op handler, fed the same frames by the same sender;
- platform: the same ``OneBotBot`` with a no-op dispatcher, so what it measures is the
  OneBot platform alone (transport, ``to_event``, ledger check, quoted messages).

They run in this process in alternating rounds, as ``bench.pipeline``; the report (one
JSON line) gives the medians, the median of the rounds' ratios to the baseline, peak RSS
and the events lost (sent but never through the dispatcher; the target is none).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import logging
import random
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from aiohttp import WSMsgType, web

from bench.pipeline import (
    _FIRST,
    _SPEAKERS,
    RUN_TIMEOUT_S,
    Progress,
    _count_commits,
    _members,
    _stored_activity,
    _text,
    _timed,
    _zipf,
    bench_settings,
    counting_errors,
    peak_rss_mb,
)
from bot.platforms.onebot.app import OneBotBot, OneBotPlatform
from bot.platforms.onebot.config import DEFAULT_PATH
from bot.platforms.onebot.message import escape_param, escape_text
from bot.settings import Settings
from storage.unit import Store

log = logging.getLogger(__name__)

#: The bot's QQ account.
SELF_ID = 3_000_000_001
FIRST_GROUP = 600_000_000
FIRST_MEMBER = 1_000_000_000
BASE_TIME = 1_750_000_000
CHECKIN_WORDS = ("签到", "签到", "打卡")
IMAGE_HOST = "https://multimedia.nt.qq.com.cn/download"

Segment = dict[str, Any]
Frame = dict[str, Any]


# --- The synthetic stream ----------------------------------------------------------------


@dataclass(frozen=True)
class EventMix:
    """Shares of each kind of group message (the rest are plain text)."""

    checkins: float = 0.04
    ats: float = 0.08
    at_bot: float = 0.01
    replies: float = 0.08
    images: float = 0.06


@dataclass(frozen=True)
class Stream:
    """The events to push and what the implementation knows: members and messages."""

    events: list[Frame]
    members: dict[int, list[dict[str, Any]]]

    def messages(self) -> dict[int, Frame]:
        """Every message of the stream by its id, as ``get_msg`` answers."""
        return {event["message_id"]: event for event in self.events}


def member_record(group: int, user: int, role: str, rng: random.Random) -> dict[str, Any]:
    """One member as ``get_group_member_list`` / ``get_group_member_info`` describe them."""
    nickname = rng.choice(_FIRST) + str(user % 1000)
    return {
        "group_id": group,
        "user_id": user,
        "nickname": nickname,
        "card": rng.choice(_FIRST) if rng.random() < 0.4 else "",
        "sex": "unknown",
        "age": 0,
        "area": "",
        "level": str(rng.randint(1, 80)),
        "join_time": BASE_TIME - rng.randint(86_400, 86_400 * 900),
        "last_sent_time": BASE_TIME,
        "role": role,
        "title": "",
        "unfriendly": False,
        "card_changeable": False,
        "shut_up_timestamp": 0,
        "is_robot": False,
    }


def _group_members(group: int, rank: int, people: list[int], rng: random.Random) -> list[Any]:
    chosen = rng.sample(people, min(len(people), _members(rank)))
    roles = ["owner", "admin", "admin"]
    members = [
        member_record(group, user, roles[n] if n < len(roles) else "member", rng)
        for n, user in enumerate(chosen)
    ]
    bot = member_record(group, SELF_ID, "admin", rng)
    bot["nickname"] = "群管家"
    return [bot, *members]


def _raw(segments: list[Segment]) -> str:
    """The CQ-code string of array-form segments (``raw_message``)."""
    parts = []
    for segment in segments:
        data = segment["data"]
        if segment["type"] == "text":
            parts.append(escape_text(data["text"]))
            continue
        params = "".join(f",{key}={escape_param(str(value))}" for key, value in data.items())
        parts.append(f"[CQ:{segment['type']}{params}]")
    return "".join(parts)


def _text_segment(text: str) -> Segment:
    return {"type": "text", "data": {"text": text}}


def _image(rng: random.Random) -> Segment:
    name = f"{rng.getrandbits(64):016X}.jpg"
    return {
        "type": "image",
        "data": {
            "summary": "[图片]",
            "file": name,
            "sub_type": 0,
            "url": f"{IMAGE_HOST}?appid=1407&fileid={name}&rkey=bench",
            "file_size": str(rng.randint(20_000, 900_000)),
        },
    }


@dataclass
class _Builder:
    rng: random.Random
    members: dict[int, list[dict[str, Any]]]
    mix: EventMix
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100_001))
    said: dict[int, list[int]] = field(default_factory=dict)

    def speaker(self, group: int) -> dict[str, Any]:
        """A member of the group other than the bot; a few do most of the talking."""
        members = self.members[group][1:]
        return self.rng.choices(members, cum_weights=_SPEAKERS[: len(members)])[0]

    def content(self, group: int) -> list[Segment]:
        """The segments of one message, by the mix."""
        rng, mix = self.rng, self.mix
        roll = rng.random()
        if roll < mix.checkins:
            return [_text_segment(rng.choice(CHECKIN_WORDS))]
        roll -= mix.checkins
        if roll < mix.ats:
            other = self.speaker(group)["user_id"]
            return [{"type": "at", "data": {"qq": str(other)}}, _text_segment(" " + _text(rng))]
        roll -= mix.ats
        if roll < mix.at_bot:
            return [{"type": "at", "data": {"qq": str(SELF_ID)}}, _text_segment(" " + _text(rng))]
        roll -= mix.at_bot
        earlier = self.said.get(group)
        if roll < mix.replies and earlier:
            quoted = rng.choice(earlier[-50:])
            return [{"type": "reply", "data": {"id": str(quoted)}}, _text_segment(_text(rng))]
        roll -= mix.replies
        if roll < mix.images:
            return [_image(rng)] + ([_text_segment(_text(rng))] if rng.random() < 0.3 else [])
        return [_text_segment(_text(rng))]

    def event(self, group: int, moment: int) -> Frame:
        """One group message event as NapCat sends it (array form)."""
        member = self.speaker(group)
        message = self.content(group)
        message_id = next(self.message_ids)
        self.said.setdefault(group, []).append(message_id)
        sender = {key: member[key] for key in ("user_id", "nickname", "card", "role")}
        return {
            "self_id": SELF_ID,
            "user_id": member["user_id"],
            "time": moment,
            "message_id": message_id,
            "message_seq": message_id,
            "real_id": message_id,
            "message_type": "group",
            "sender": sender,
            "raw_message": _raw(message),
            "font": 14,
            "sub_type": "normal",
            "message": message,
            "message_format": "array",
            "post_type": "message",
            "group_id": group,
        }


def synthetic_events(
    count: int, groups: int, *, seed: int = 20_261_204, mix: EventMix | None = None
) -> Stream:
    """``count`` group message events over ``groups`` groups; same seed, same stream."""
    rng = random.Random(seed)
    people = [FIRST_MEMBER + n * 7 for n in range(max(3_000, groups * 15))]
    ids = [FIRST_GROUP + rank * 13 for rank in range(groups)]
    members = {group: _group_members(group, rank, people, rng) for rank, group in enumerate(ids)}
    builder = _Builder(rng, members, mix or EventMix())
    # Some groups are much busier than others.
    weights = _zipf(groups, 0.5)
    events = [
        builder.event(rng.choices(ids, cum_weights=weights)[0], BASE_TIME + n // 50)
        for n in range(count)
    ]
    return Stream(events, members)


# --- The implementation --------------------------------------------------------------------


def implementation(stream: Stream, latency: float = 0.0) -> Any:
    """The fake OneBot implementation, knowing the stream's members and messages and
    answering each action after ``latency`` seconds."""
    from tests.fakes.onebot import FakeOneBot

    class Implementation(FakeOneBot):
        """The test fake, also answering ``get_msg`` and member look-ups by an index."""

        def __init__(self) -> None:
            super().__init__(self_id=SELF_ID, members=stream.members, latency=latency)
            self.known = stream.messages()
            self.by_member = {
                (group, member["user_id"]): member
                for group, members in stream.members.items()
                for member in members
            }

        def answer(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
            """As the fake, with ``get_msg`` and ``get_group_member_info`` looked up."""
            if action == "get_msg":
                found = self.known.get(params.get("message_id"))
                return _answer(found, "消息不存在")
            if action == "get_group_member_info":
                member = self.by_member.get((params.get("group_id"), params.get("user_id")))
                return _answer(member, "群成员不存在")
            return super().answer(action, params)

        async def send_frames(self, frames: Sequence[str]) -> None:
            """Send encoded events in order over the (one) open connection."""
            (socket,) = self._sockets
            for frame in frames:
                await socket.send_str(frame)

    return Implementation()


def _answer(data: Any, missing: str) -> dict[str, Any]:
    if data is None:
        return {"status": "failed", "retcode": 1404, "data": None, "message": missing}
    return {"status": "ok", "retcode": 0, "data": data}


# --- Running one side -------------------------------------------------------------------------


@dataclass
class OneBotRun:
    """One measured run."""

    seconds: float
    sent: int
    handled: int
    db_commits: int = 0
    errors: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    members_stored: int = 0
    messages_recorded: int = 0

    @property
    def rate(self) -> float:
        """Messages per second."""
        return self.sent / self.seconds

    @property
    def lost(self) -> int:
        """Events sent that never went through the end of dispatch."""
        return self.sent - self.handled


def is_message(frame: Mapping[str, Any]) -> bool:
    """Whether a frame is a message event (the lifecycle event on connecting is not)."""
    return frame.get("post_type") == "message"


async def _push(fake: Any, url: str, frames: Sequence[str], progress: Progress) -> float:
    """Connect, push every frame, wait until all were handled; seconds from the first send."""
    await fake.connect(url)
    gc.collect()
    progress.expect(len(frames))
    start = time.perf_counter()
    sending = asyncio.create_task(fake.send_frames(frames))
    try:
        await asyncio.wait_for(progress.finished.wait(), RUN_TIMEOUT_S)
    finally:
        await sending
    return time.perf_counter() - start


class _CountingPlatform(OneBotPlatform):
    """The real platform, also counting message events: finished, and through dispatch.

    Without ``dispatch`` the dispatcher is a no-op: what is left is the platform alone.
    """

    def __init__(self, settings: Settings, store: Store, *, dispatch: bool = True) -> None:
        super().__init__(settings, store)
        self.progress = Progress()
        self.handled = 0
        self._dispatch = dispatch

    async def open(self, core: Any, *, learn_bot_id: bool = False) -> None:
        """As the platform; a dispatch that returns counts as handled."""
        await super().open(core, learn_bot_id=learn_bot_id)
        handle = core.dispatcher.handle

        async def counted(event: Any, receipt: Any = None) -> None:
            if self._dispatch:
                await handle(event, receipt)
            self.handled += 1

        core.dispatcher.handle = counted

    async def _on_event(self, payload: dict[str, Any]) -> None:
        try:
            await super()._on_event(payload)
        finally:
            if is_message(payload):
                self.progress.tick()


class _CountingBot(OneBotBot):
    """The real OneBotBot on the counting platform."""

    def __init__(self, settings: Settings, store: Store, *, dispatch: bool = True) -> None:
        super().__init__(settings, store)
        self.platform = _CountingPlatform(settings, store, dispatch=dispatch)


def onebot_settings(settings: Settings, database: Path) -> Settings:
    """``bench_settings`` plus OneBot in reverse mode on a free loopback port, unpaced."""
    cfg = bench_settings(settings, database)
    onebot = cfg.onebot.model_copy(
        update={
            "mode": "reverse",
            "listen": "127.0.0.1",
            "port": 0,
            "path": DEFAULT_PATH,
            "access_token": "",
            "message_pace_seconds": 0.0,
        }
    )
    return cfg.model_copy(update={"onebot": onebot})


async def run_ours(
    settings: Settings,
    stream: Stream,
    frames: Sequence[str],
    *,
    dispatch: bool = True,
    latency: float = 0.0,
) -> OneBotRun:
    """The whole bot on a fresh database (without ``dispatch``: the platform alone, into a
    no-op dispatcher); shutdown after the final flush is not timed."""
    from bot.app import open_store

    with tempfile.TemporaryDirectory(prefix="groupbot-onebot-bench-") as folder:
        database = Path(folder) / "bench.db"
        cfg = onebot_settings(settings, database)
        store = await open_store(cfg)
        commits = _count_commits(store)
        bot = _CountingBot(cfg, store, dispatch=dispatch)
        platform = bot.platform
        assert isinstance(platform, _CountingPlatform)
        fake = implementation(stream, latency)
        with counting_errors() as errors:
            try:
                await bot.start()
                commits[0] = 0
                url = f"ws://127.0.0.1:{platform.transport.port}{DEFAULT_PATH}"
                seconds = await _push(fake, url, frames, platform.progress)
                seconds += await _timed(bot.core.stop()) if bot.core else 0.0
            finally:
                await bot.stop()
                await fake.close()
        members, messages = _stored_activity(database)
    actions = Counter(action.action for action in fake.actions)
    return OneBotRun(
        seconds,
        len(frames),
        platform.handled,
        commits[0],
        errors.count,
        dict(actions),
        members,
        messages,
    )


async def bare_endpoint(on_frame: Callable[[Frame], Awaitable[None]]) -> web.AppRunner:
    """An aiohttp WebSocket endpoint at OneBot's path: each text frame decoded, handed on."""

    async def accept(request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse(max_msg_size=64 * 1024 * 1024)
        await socket.prepare(request)
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                await on_frame(json.loads(message.data))
        return socket

    app = web.Application()
    app.router.add_get(DEFAULT_PATH, accept)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


async def run_baseline(stream: Stream, frames: Sequence[str]) -> OneBotRun:
    """The same frames, sender and socket path into a no-op handler."""
    progress = Progress()
    handled = 0

    async def noop(frame: Frame) -> None:
        nonlocal handled
        if is_message(frame):
            handled += 1
            progress.tick()

    runner = await bare_endpoint(noop)
    fake = implementation(stream)
    try:
        port = runner.addresses[0][1]
        seconds = await _push(fake, f"ws://127.0.0.1:{port}{DEFAULT_PATH}", frames, progress)
    finally:
        await fake.close()
        await runner.cleanup()
    return OneBotRun(seconds, len(frames), handled)


# --- The command ------------------------------------------------------------------------


def _ratios(runs: Sequence[OneBotRun], baseline: Sequence[OneBotRun]) -> list[float]:
    return [mine.rate / base.rate for mine, base in zip(runs, baseline, strict=True)]


def report(
    groups: int,
    ours: Sequence[OneBotRun],
    baseline: Sequence[OneBotRun],
    platform: Sequence[OneBotRun],
    **extra: Any,
) -> dict[str, Any]:
    """The JSON report: medians of each side, the median paired ratios, what ours did."""
    ratios = _ratios(ours, baseline)
    typical = sorted(ours, key=lambda run: run.rate)[len(ours) // 2]
    return {
        "messages": typical.sent,
        "groups": groups,
        "messages_per_s": round(median(run.rate for run in ours), 1),
        "baseline_messages_per_s": round(median(run.rate for run in baseline), 1),
        "ratio": round(median(ratios), 3),
        "ratios": [round(ratio, 3) for ratio in ratios],
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "platform_messages_per_s": round(median(run.rate for run in platform), 1),
        "platform_ratio": round(median(_ratios(platform, baseline)), 3),
        "lost": sum(run.lost for run in ours),
        "baseline_lost": sum(run.lost for run in baseline),
        "platform_lost": sum(run.lost for run in platform),
        "errors": sum(run.errors for run in ours),
        "db_commits": typical.db_commits,
        "best_messages_per_s": round(max(run.rate for run in ours), 1),
        "best_baseline_messages_per_s": round(max(run.rate for run in baseline), 1),
        "members_stored": typical.members_stored,
        "messages_recorded": typical.messages_recorded,
        "actions": dict(sorted(typical.actions.items())),
        **extra,
    }


async def measure(
    settings: Settings, *, messages: int, groups: int, repeats: int = 5, answer_ms: float = 0.0
) -> dict[str, Any]:
    """Warm up, then run baseline, bot and platform in ``repeats`` alternating rounds, the
    implementation answering after ``answer_ms``; the JSON report."""
    latency = answer_ms / 1000
    stream = synthetic_events(messages, groups)
    frames = [json.dumps(event, ensure_ascii=False) for event in stream.events]
    warmup = frames[: max(1, min(len(frames), 2_000))]
    await run_baseline(stream, warmup)
    await run_ours(settings, stream, warmup, latency=latency)
    ours: list[OneBotRun] = []
    baseline: list[OneBotRun] = []
    platform: list[OneBotRun] = []
    for _ in range(repeats):
        baseline.append(await run_baseline(stream, frames))
        ours.append(await run_ours(settings, stream, frames, latency=latency))
        platform.append(await run_ours(settings, stream, frames, dispatch=False, latency=latency))
    return report(
        groups, ours, baseline, platform, transport="reverse", answer_ms=answer_ms, repeats=repeats
    )


async def run_onebot_bench(
    settings: Settings,
    *,
    messages: int = 20_000,
    groups: int = 200,
    repeats: int = 5,
    answer_ms: float = 0.0,
) -> dict[str, Any]:
    """Run the benchmark and print its report as one line of JSON."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    result = await measure(
        settings, messages=messages, groups=groups, repeats=repeats, answer_ms=answer_ms
    )
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result
