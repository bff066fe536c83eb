"""``python -m bot bench --moderation``: the moderation decision with every check on.

What is measured is the pure decision path the guard runs for every group message:
normalising the text, every check (contact ads, 220 banned words and patterns, links with
an allow list, newcomer restrictions, channel forwards, mentions, emoji, repeats, flood)
and the policy that merges the verdicts into actions. Storage, the platform and carrying
the actions out are not part of it (settings and compiled rules are cached in memory, so
an ordinary message costs no query).

Messages are generated from a fixed seed (vocabulary written for this benchmark): mostly
ordinary Chinese and English chat, some with numbers, links, mentions and emoji, plus
obfuscated contact ads (full-width letters, zero-width characters, digits broken up by
emoji and spaces, Chinese numerals), banned words hidden by spacing, newcomers' links,
channel forwards, and members who flood. The baseline runs the same loop, with the same
messages and timing, around a decision that does nothing; pairs of runs alternate.
"""

from __future__ import annotations

import gc
import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import median

from bench.pipeline import peak_rss_mb
from core.events import Chat, Message, User
from handlers.moderation.compiled import CompiledRules, literal_key
from handlers.moderation.policy import Decision, Policy, Sender, subject_for
from handlers.moderation.rules import CHECKS, BadWord, GroupRules, Limits, build_rules
from handlers.moderation.tracker import Tracker

SEED = 6
GROUPS = 50
MEMBERS_PER_GROUP = 400
#: Simulated message rate across all groups (messages per second of the fake clock).
CHAT_RATE = 300.0
#: The issue's targets for the decision.
TARGET_RATE = 20_000
TARGET_P99_MS = 1.0

# --- Vocabulary (written for this benchmark) ------------------------------------------------

ZH_CHAT = [
    "大家早上好",
    "今天天气不错",
    "晚上一起吃饭吗",
    "这个问题我也遇到过",
    "谢谢群主分享",
    "有人知道怎么报名吗",
    "周末去爬山",
    "刚下班好累",
    "这个价格还可以",
    "明天几点开会",
    "我觉得这个方案挺好",
    "群里有人用过这个软件吗",
    "新版本更新了什么",
    "文件发群里了",
    "收到",
    "好的",
    "没问题",
    "哈哈哈",
    "笑死我了",
    "辛苦了",
    "我晚点回复你",
    "这周末有活动吗",
    "谁有上次的会议记录",
    "孩子今天发烧了",
    "地铁又晚点了",
    "这家店的面很好吃",
]
EN_CHAT = [
    "good morning everyone",
    "anyone tried the new release?",
    "thanks for sharing",
    "see you at the meetup",
    "the build is green again",
    "lunch at noon?",
    "I pushed the fix last night",
    "which version are you on",
    "great work team",
    "can someone review my pull request",
    "the docs need an update",
    "happy friday",
]
ADS = (
    "加V：{id} 日赚500",
    "兼职刷单 ｖｘ：{id} 日结",
    "免费领取福利 加\u200b微 {id}",
    "想赚钱的+v {id} 私聊",
    "薇信 {id} 看片",
    "扣扣 {digits} 低价出售",
    "联系电话 {phone} 随时在线",
    "𝐕𝐗 {id} 投资理财 稳赚不赔",
    "需要的加我 qq {digits}",
    "代开发票 {phone}",
    "电话：{chinese_phone}",
)
BANNED = [
    "代开发票",
    "博彩",
    "赌场",
    "六合彩",
    "裸聊",
    "色情",
    "约炮",
    "办证",
    "刷单",
    "套现",
    "洗钱",
    "网赚",
    "枪支",
    "迷药",
    "外挂",
    "私服",
    "菠菜",
    "资金盘",
    "传销",
    "高利贷",
    "黑卡",
    "假币",
    "shabi",
    "casino",
    "porn",
    "viagra",
]
LINKS = (
    "看看这个 https://docs.example.com/guide",
    "活动详情 t.me/+{token}",
    "打折啦 shop{n}.vip",
    "see https://github.com/example/project/issues/{n}",
    "福利 www.deal{n}.top",
    "关注 @deals{n}channel 每日优惠",
)
EMOJI = ("😀", "😂", "🎉", "🔥", "👍", "🙏", "❤️", "💰", "🚀", "✨")


@dataclass(frozen=True, slots=True)
class Sample:
    """One generated message and what drives the decision."""

    message: Message
    kind: str
    newcomer: bool
    at: float


def _id(rng: random.Random) -> str:
    letters = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(rng.randint(3, 6)))
    return letters + str(rng.randint(10, 9999))


def _phone(rng: random.Random) -> str:
    digits = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    glue = rng.choice(["", " ", "-", "🔥", "🌸", " . "])
    parts, start = [], 0
    while start < len(digits):
        size = rng.randint(2, 4)
        parts.append(digits[start : start + size])
        start += size
    return glue.join(parts)


def _chinese_phone(rng: random.Random) -> str:
    numerals = "零一二三四五六七八九"
    digits = "13" + "".join(rng.choice("0123456789") for _ in range(9))
    return "".join(numerals[int(d)] for d in digits)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _ordinary(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        text = "".join(rng.choice(ZH_CHAT) for _ in range(rng.randint(1, 3)))
    elif roll < 0.8:
        text = rng.choice(EN_CHAT)
    elif roll < 0.9:
        text = f"{rng.choice(ZH_CHAT)} {rng.randint(1, 500)} 元 {rng.choice(EN_CHAT)}"
    else:
        text = rng.choice(ZH_CHAT) + rng.choice(EMOJI) * rng.randint(1, 3)
    return text


def _ad(rng: random.Random) -> str:
    text = rng.choice(ADS).format(
        id=_id(rng),
        digits=str(rng.randint(10_000_000, 999_999_999)),
        phone=_phone(rng),
        chinese_phone=_chinese_phone(rng),
    )
    return _fullwidth(text) if rng.random() < 0.3 else text


def _banned(rng: random.Random) -> str:
    word = rng.choice(BANNED)
    spaced = " ".join(word) if rng.random() < 0.5 else word
    return f"{rng.choice(ZH_CHAT)} {spaced} 了解一下"


def _link(rng: random.Random) -> str:
    return rng.choice(LINKS).format(token=_id(rng), n=rng.randint(1, 99))


def generate(count: int, rng: random.Random) -> list[Sample]:
    """A realistic mix: chat, ads, banned words, links, emoji walls, forwards and floods."""
    samples: list[Sample] = []
    at = 0.0
    flood_left: dict[tuple[int, int], int] = {}
    while len(samples) < count:
        at += rng.expovariate(CHAT_RATE)
        chat_id = -1_001_000_000_000 - rng.randrange(GROUPS)
        user_id = 1_000 + rng.randrange(MEMBERS_PER_GROUP)
        roll = rng.random()
        forward, media, newcomer = None, False, rng.random() < 0.05
        if flood_left and rng.random() < 0.5:
            # A flooder keeps going: bursts of 8-15 messages a fraction of a second apart.
            (chat_id, user_id), left = next(iter(flood_left.items()))
            kind, text = "flood", f"{rng.choice(ZH_CHAT)}{left}"
            flood_left[(chat_id, user_id)] = left - 1
            if left <= 1:
                del flood_left[(chat_id, user_id)]
        elif roll < 0.72:
            kind, text = "ordinary", _ordinary(rng)
        elif roll < 0.82:
            kind, text = "ad", _ad(rng)
        elif roll < 0.86:
            kind, text = "banned", _banned(rng)
        elif roll < 0.92:
            kind, text = "link", _link(rng)
        elif roll < 0.94:
            kind, text = "emoji", "".join(rng.choice(EMOJI) for _ in range(14))
        elif roll < 0.96:
            kind, text, forward = "forward", _ordinary(rng), "channel"
        elif roll < 0.98:
            kind, text, media = "media", "看图", True
        else:
            kind, text = "flood", _ordinary(rng)
            flood_left[(chat_id, user_id)] = rng.randint(8, 15)
        message = Message(
            chat=Chat(chat_id, "Group"),
            sender=User(user_id, "Member"),
            message_id=len(samples) + 1,
            text=text,
            date=datetime.fromtimestamp(at, UTC),
            has_media=media,
            is_forward=forward is not None,
            forward_origin=forward,
        )
        samples.append(Sample(message, kind, newcomer, at))
    return samples


def group_rules(rng: random.Random) -> CompiledRules:
    """One group's rules with every check on, 200 banned words, 20 patterns, 10 domains."""
    words = [BadWord(i, w, literal_key(w), False) for i, w in enumerate(BANNED, 1)]
    while len(words) < 200:
        word = "".join(rng.choice(ZH_CHAT)[:2] for _ in range(2)) + str(len(words))
        words.append(BadWord(len(words) + 1, word, literal_key(word), False))
    patterns = [f"代.{{0,3}}发票{i}|赌.{{0,2}}场{i}" for i in range(19)] + ["(?:刷|代)单.{0,4}日结"]
    words += [BadWord(300 + i, "re:" + p, p, True) for i, p in enumerate(patterns)]
    domains = frozenset({"example.com", "github.com"} | {f"partner{i}.org" for i in range(8)})
    checks = {name: {"on": True} for name in CHECKS}
    base = build_rules("on", checks, {}, domains, tuple(words))
    limits = Limits(flood_messages=5, flood_seconds=10, emoji=10, mentions=5, repeat=3)
    return CompiledRules(GroupRules(base.mode, base.checks, limits, domains, base.bad_words))


Decide = Callable[[Sample], Decision | None]


def _engine(compiled: CompiledRules) -> Decide:
    """The real decision: normalise, every check, the policy (a fresh tracker per run)."""
    policy = Policy(Tracker(5_000, 600.0), 3)

    def decide(sample: Sample) -> Decision | None:
        """What the guard decides on one message (its newcomer status given)."""
        message = sample.message
        subject = subject_for(message)
        subject.newcomer = sample.newcomer
        sender = Sender(message.chat.id, message.sender.id, sample.newcomer)
        return policy.decide(compiled, subject, sender, sample.at)

    return decide


def _noop(sample: Sample) -> Decision | None:
    """The baseline: a decision that does nothing."""
    return None


@dataclass(slots=True)
class Run:
    """One timed pass over the messages."""

    seconds: float
    cpu_seconds: float
    times_ns: list[int]
    reasons: Counter[str]


def _run(samples: list[Sample], decide: Decide) -> Run:
    """Time every decision (wall clock each, and the process's CPU time in all)."""
    clock = time.perf_counter_ns
    times = [0] * len(samples)
    reasons: Counter[str] = Counter()
    gc.collect()
    cpu_started = time.process_time()
    started = clock()
    for index, sample in enumerate(samples):
        before = clock()
        decision = decide(sample)
        times[index] = clock() - before
        if decision is not None:
            reasons[decision.reason] += 1
    seconds = (clock() - started) / 1e9
    return Run(seconds, time.process_time() - cpu_started, times, reasons)


def _percentile(sorted_ns: list[int], share: float) -> float:
    """A percentile of sorted nanoseconds, in milliseconds."""
    index = min(len(sorted_ns) - 1, int(share * len(sorted_ns)))
    return sorted_ns[index] / 1e6


def _caught(samples: list[Sample], compiled: CompiledRules) -> dict[str, float]:
    """Share of each kind of message the engine acts on (ads should be near 1, chat near 0)."""
    decide = _engine(compiled)
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for sample in samples:
        totals[sample.kind] += 1
        if decide(sample) is not None:
            hits[sample.kind] += 1
    return {kind: round(hits[kind] / totals[kind], 4) for kind in sorted(totals)}


def run_moderation_bench(messages: int = 200_000, repeats: int = 5) -> dict[str, object]:
    """Measure the decision against the no-op baseline; print and return one JSON line."""
    rng = random.Random(SEED)
    samples = generate(messages, rng)
    compiled = group_rules(rng)
    engine_runs: list[Run] = []
    baseline_runs: list[Run] = []
    for pair in range(max(1, repeats)):
        order = (True, False) if pair % 2 == 0 else (False, True)
        for real in order:
            if real:
                engine_runs.append(_run(samples, _engine(compiled)))
            else:
                baseline_runs.append(_run(samples, _noop))
    seconds = median(run.seconds for run in engine_runs)
    cpu_seconds = median(run.cpu_seconds for run in engine_runs)
    all_times = sorted(t for run in engine_runs for t in run.times_ns)
    baseline = median(run.seconds for run in baseline_runs)
    rate = messages / seconds
    p99 = _percentile(all_times, 0.99)
    result: dict[str, object] = {
        "bench": "moderation",
        "measured": "decision path: normalise + every check + policy (no storage, no platform)",
        "messages": messages,
        "repeats": repeats,
        "groups": GROUPS,
        "banned_words": len(compiled.rules.bad_words),
        "messages_per_s": round(rate),
        # CPU time of this process only: what the rate is without other processes' load.
        "cpu_messages_per_s": round(messages / cpu_seconds) if cpu_seconds else None,
        "p50_ms": round(_percentile(all_times, 0.50), 4),
        "p99_ms": round(p99, 4),
        "p999_ms": round(_percentile(all_times, 0.999), 4),
        "max_ms": round(all_times[-1] / 1e6, 3),
        "baseline_messages_per_s": round(messages / baseline),
        "overhead_us_per_message": round((seconds - baseline) / messages * 1e6, 2),
        "decisions": dict(sorted(engine_runs[-1].reasons.items())),
        "acted_on_share": _caught(samples[: min(len(samples), 50_000)], compiled),
        "target_rate": TARGET_RATE,
        "target_p99_ms": TARGET_P99_MS,
        "meets_targets": rate >= TARGET_RATE and p99 < TARGET_P99_MS,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, ensure_ascii=False))
    return result
