"""``python -m bot bench --autoreply``: auto-reply matching with 10 rules against 10,000.

One group's rules are generated from a fixed seed the way admins of a busy FAQ group write
them: Chinese words and phrases, English words and two-word phrases, product codes, some
typed in full-width forms, a few ``=whole message`` rules, and RE2 patterns. Messages are
generated from the same seed: mostly short Chinese, English and mixed chat lines with
emoji, numbers, links and @mentions, some of which mention a keyword. The bot's own
``Matcher`` answers every message; the same messages go through a matcher holding only 10
of the rules, measured in the same run in alternating order, as the baseline. A naive loop
over the keywords shows what the automaton buys. Everything is in memory: no database.
"""

from __future__ import annotations

import gc
import json
import random
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

import psutil
import re2

from bench.pipeline import peak_rss_mb
from handlers.autoreply.matcher import Matcher, Rule
from handlers.autoreply.normalize import fold
from handlers.autoreply.rules import (
    CONTAINS,
    EXACT,
    REGEX,
    Answer,
    Trigger,
    check_pattern,
    regex_options,
)

SEED = 2026
#: The naive loop is ~100 times slower, so it runs on a sample of the messages.
NAIVE_SAMPLE = 2_000
#: The issue's targets: messages/s with 10,000 rules, and the slowdown from 10 rules.
TARGET_RATE = 50_000
TARGET_SLOWDOWN = 2.0
#: Patterns are checked as /addreply checks them (Limits.pattern_chars).
PATTERN_LIMIT = 500
#: Of the messages that mention a keyword, this share mention one of the small set's ten:
#: a few popular questions come up far more often than the rest.
POPULAR_SHARE = 0.3

# --- Vocabulary (written for this benchmark) ------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    """The space-separated words of ``text``."""
    return tuple(text.split())


# A few hundred common characters: random "product names" are drawn from these.
ZH_CHARS = (
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之"
    "过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前"
    "所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声"
    "全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使"
    "教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑"
    "性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果"
    "亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让"
    "认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红"
    "治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢"
    "识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据"
)
# FAQ topics and what people ask about them; keywords join the two ("会员价格").
ZH_TOPICS = _words(
    "会员 价格 发货 退款 退货 快递 客服 优惠 折扣 订单 支付 充值 提现 账号 密码 "
    "登录 注册 下载 安装 更新 版本 教程 活动 报名 地址 营业 售后 保修 发票 合作 "
    "代理 加盟 群规 广告 链接 红包 签到 积分 兑换 抽奖 课程 直播 回放 资料 作业 "
    "考试 证书 门票 套餐 流量 会议 预约 库存 尺码 颜色 包邮 运费 押金 租金 学费 "
    "工资 报销 打卡 请假 排班 钱包 节点 矿池 空投 白名单 合约"
)
ZH_ASPECTS = _words(
    "价格 多少钱 怎么办 在哪里 什么时候 流程 规则 问题 方法 入口 攻略 失败 怎么弄 "
    "要多久 查询 申请 取消 修改 说明 时间 地址 条件 标准 渠道 截图 链接 领取 到账 "
    "不了 没反应 异常 进度 记录 额度 上限 退回 审核 通知 要求 费用"
)
ZH_MODIFIERS = _words(
    "新人 老用户 免费 年度 月度 首次 海外 国内 学生 企业 个人 团购 限时 周末 夜间 "
    "线上 线下 高级 普通 永久 临时 官方 内部 专属 双十一 春节 暑期 开学 会员专享"
)
# Chinese chat: what most messages are made of.
ZH_CHAT = _words(
    "我 你 他 我们 大家 今天 明天 昨天 晚上 早上 刚才 现在 一下 什么 怎么 为什么 "
    "可以 不行 知道 觉得 感觉 真的 好的 谢谢 哈哈 哈哈哈 收到 在吗 有人吗 请问 "
    "这个 那个 还是 已经 没有 还有 一起 看看 东西 朋友 老师 群主 辛苦了 早安 晚安 "
    "吃饭 上班 下班 周末 出去 回来 天气 下雨 好热 太冷了 电脑 手机 网络 游戏 电影 "
    "音乐 图片 视频 消息 地方 应该 可能 不知道 没问题 马上 等一下 好像 其实 然后 "
    "所以 但是 因为 如果 就是 对啊 是的 不是 厉害 牛 太好了 好吧 嗯嗯 哦 啊 吧 "
    "呢 了 的 吗 有点 特别 一直 刚刚 终于 突然 以后 之前 最近 一会儿 慢慢 上次 "
    "下次 这边 那边 群里 楼上 同意 支持 加油 恭喜 生日快乐 周一 周五 开会 项目 "
    "需求 测试"
)
ZH_PUNCT = "，。！？～、…"
# English FAQ topics, and words people put before or after them ("refund policy").
EN_TOPICS = _words(
    "price pricing refund shipping delivery invoice discount coupon membership premium "
    "account password login signup download install update version tutorial event schedule "
    "address support warranty partnership affiliate airdrop wallet token staking withdrawal "
    "deposit bonus referral giveaway whitelist roadmap whitepaper contract listing bridge "
    "testnet mainnet validator faucet license trial subscription upgrade payment tracking "
    "voucher restock preorder checkout cashback ticket webinar course certificate"
)
EN_AFTER = _words(
    "policy fee limit link guide problem issue time date code info process request failed "
    "status page form error delay support rules deadline details options methods address"
)
EN_BEFORE = _words(
    "free annual monthly student business early late first bulk express international local "
    "lifetime vip official private group weekend holiday new old"
)
EN_CHAT = _words(
    "hey hi guys anyone know thanks thx lol ok okay the a is it this that what when where "
    "good morning night today tomorrow please just got my your we can can't will meeting team "
    "nice great cool check out see you later sure yes no maybe think work home really again "
    "so and but also still here there why how did does have has been was going gonna wanna "
    "right now soon back done all some more about for with from on in at to of me us them "
    "haha btw imo idk np ty brb same agree weird funny crazy busy tired happy sorry wait"
)
CODE_PREFIXES = _words(
    "vip svip sku pro plan tier pkg ord gift card box kit mate note pad rtx zen max ultra lite"
)
EMOJI = "😂👍🙏🎉❤🔥😅🤔😭👀✅💯🙈😊🤣👌"
EXACT_EXTRA = _words("hi hello help 在吗 你好 早 人呢 客服呢 管理员 admin ?? 。。。 1 +1")

# Patterns admins write, each expanded with one of the words beside it.
ZH_VERBS = _words("退款 退货 发货 注册 登录 下载 安装 充值 提现 报名 续费 改密码 开发票 联系客服")
EN_VERBS = _words("refund buy join download install register withdraw deposit upgrade cancel")
CONTACTS = (
    "(微信|wechat|vx|v信)",
    "(qq|扣扣)",
    "(telegram|tg|电报)",
    "(whatsapp|wa)",
    "(line\\s*id|kakao)",
)
SHORTENERS = ("bit\\.ly", "t\\.cn", "tinyurl\\.com", "goo\\.gl", "is\\.gd", "cutt\\.ly")
SPAM_TLDS = ("xyz", "top", "click", "loan", "vip", "buzz", "cyou", "icu")
REGEX_TEMPLATES: tuple[tuple[str, Sequence[str]], ...] = (
    ("{w}\\s*(价格|多少钱|费用|收费)", [t for t in ZH_TOPICS[:25] if t != "价格"]),
    ("(怎么|如何|怎样)\\s*{w}", ZH_VERBS),
    ("(how|where)\\s+(do|can)\\s+i\\s+{w}", EN_VERBS),
    ("{w}\\s*[:：]?\\s*\\w{{4,}}", CONTACTS),
    ("https?://{w}/\\w+", SHORTENERS),
    ("\\b[\\w-]+\\.{w}\\b", SPAM_TLDS),
    ("(免费|限时|0元)\\s*.{{0,8}}(领取|送|拿){w}", ("", "取", "到手")),
    ("(兼职|日结|刷单|代购).{{0,10}}{w}", ("\\d+", "元", "日入", "佣金")),
    ("\\b(airdrop|giveaway|free\\s+mint){w}\\b", ("", "s")),
    ("\\b{w}\\s*#?\\d{{4,}}\\b", ("order", "ord", "invoice", "ticket", "case")),
    ("(订单|单号|运单){w}\\s*[:：]?\\s*\\d{{6,}}", ("", "号", "编号")),
    ("\\b1[3-9]\\d{{9}}\\b{w}", ("",)),
    ("[¥$￥]\\s*\\d+{w}", ("", "(\\.\\d{1,2})?")),
    ("\\d+\\s*(元|块|usdt|u){w}", ("", "\\b")),
    ("t\\.me/{w}[\\w+]+", ("", "joinchat/", "\\+")),
    ("\\b{w}\\s+me\\b", ("dm", "pm", "inbox", "message")),
    ("when\\s+(is|will)\\s+(the\\s+)?{w}", ("launch", "listing", "airdrop", "update", "event")),
    ("{w}.{{0,6}}(什么时候|几点|哪天)", ("直播", "开课", "发货", "活动", "上线")),
    ("[\\w.+-]+@[\\w-]+\\.({w})", ("com|net|cn", "org|io", "qq\\.com")),
    ("\\b(vip|svip){w}\\s*-?\\s*\\d{{1,4}}\\b", ("", "\\s*level")),
)


# --- Rules ------------------------------------------------------------------------------


def _zh_combo(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(ZH_TOPICS) + rng.choice(ZH_ASPECTS)
    return rng.choice(ZH_MODIFIERS) + rng.choice(ZH_TOPICS)


def _zh_name(rng: random.Random) -> str:
    # Short made-up names (products, nicknames); two characters only rarely, as those
    # collide with ordinary chat by chance.
    size = rng.choices((2, 3, 4, 5, 6), weights=(3, 40, 35, 12, 10))[0]
    return "".join(rng.choice(ZH_CHARS) for _ in range(size))


def _en_phrase(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"{rng.choice(EN_TOPICS)} {rng.choice(EN_AFTER)}"
    return f"{rng.choice(EN_BEFORE)} {rng.choice(EN_TOPICS)}"


def _en_word(rng: random.Random) -> str:
    word = rng.choice(EN_TOPICS)
    return rng.choice((word, word.capitalize(), word.upper()))


def _code(rng: random.Random) -> str:
    return f"{rng.choice(CODE_PREFIXES)}{rng.choice(('-', '', ' '))}{rng.randint(1, 9999)}"


def _full_width(rng: random.Random) -> str:
    # Typed on a phone in full-width mode: "ＶＩＰ－１２３"; folding makes it half-width.
    text = rng.choice((_code, _en_word))(rng).upper()
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in text)


def _mixed(rng: random.Random) -> str:
    return rng.choice(EN_TOPICS[:20]) + rng.choice(ZH_TOPICS + ZH_ASPECTS)


def _whole(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(EXACT_EXTRA)
    word = rng.choice((*ZH_TOPICS, *EN_TOPICS, *ZH_ASPECTS, _zh_combo(rng), _en_phrase(rng)))
    return word + rng.choice(("", "?", "？", "!", "呢"))


# How many of the literal rules are of each kind.
LITERAL_KINDS: tuple[tuple[Callable[[random.Random], str], str, float], ...] = (
    (_zh_combo, CONTAINS, 0.30),
    (_zh_name, CONTAINS, 0.12),
    (_en_phrase, CONTAINS, 0.25),
    (_en_word, CONTAINS, 0.03),
    (_code, CONTAINS, 0.18),
    (_full_width, CONTAINS, 0.05),
    (_mixed, CONTAINS, 0.03),
    (_whole, EXACT, 0.04),
)


def literal_triggers(count: int, rng: random.Random) -> list[Trigger]:
    """``count`` distinct literal triggers (``contains`` and a few ``exact``), as typed."""
    makers = [(make, mode) for make, mode, _ in LITERAL_KINDS]
    weights = [weight for _, _, weight in LITERAL_KINDS]
    triggers: list[Trigger] = []
    # Two spellings that fold alike are one rule, as /addreply would refuse the second.
    seen: set[tuple[str, str]] = set()
    while len(triggers) < count:
        make, mode = rng.choices(makers, weights=weights)[0]
        trigger = Trigger(mode, make(rng).strip())
        key = (mode, trigger.match_key)
        if trigger.match_key and key not in seen:
            seen.add(key)
            triggers.append(trigger)
    return triggers


def regex_triggers(count: int, rng: random.Random) -> list[Trigger]:
    """``count`` distinct patterns from the templates, each checked as /addreply does."""
    patterns = sorted(
        {template.format(w=word) for template, words in REGEX_TEMPLATES for word in words}
    )
    rng.shuffle(patterns)
    if count > len(patterns):
        raise ValueError(f"at most {len(patterns)} distinct patterns, {count} asked for")
    for pattern in patterns[:count]:
        check_pattern(pattern, PATTERN_LIMIT)
    return [Trigger(REGEX, pattern) for pattern in patterns[:count]]


def to_rules(triggers: Sequence[Trigger], first_id: int = 1) -> list[Rule]:
    """Rules keyed exactly as the bot stores them (``Trigger.match_key``)."""
    return [
        Rule(first_id + n, trigger.mode, trigger.match_key, (Answer(f"answer {first_id + n}"),))
        for n, trigger in enumerate(triggers)
    ]


# --- Messages ---------------------------------------------------------------------------


def _length(rng: random.Random) -> int:
    # Log-normal: median ~14 characters, one in twenty over ~70, a few up to 300.
    return max(2, min(300, round(rng.lognormvariate(2.65, 0.85))))


def _zh_line(rng: random.Random, size: int) -> str:
    parts: list[str] = []
    while sum(map(len, parts)) < size:
        parts.append(rng.choice(ZH_CHAT))
        if rng.random() < 0.15:
            parts.append(rng.choice(ZH_PUNCT))
    return "".join(parts)


def _en_line(rng: random.Random, size: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < size:
        words.append(rng.choice(EN_CHAT))
    line = " ".join(words)
    return line.capitalize() if rng.random() < 0.5 else line


def _mixed_line(rng: random.Random, size: int) -> str:
    half = max(1, size // 2)
    first, second = _zh_line(rng, half), _en_line(rng, size - half)
    return f"{first} {second}" if rng.random() < 0.5 else f"{second} {first}"


def _extras(rng: random.Random, line: str) -> str:
    if rng.random() < 0.2:
        line += "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.15:
        number = rng.choice(
            (f"{rng.randint(1, 2030)}", f"{rng.randint(0, 23)}:{rng.randint(10, 59)}")
        )
        line = f"{number} {line}"
    if rng.random() < 0.08:
        line = f"@user_{rng.randint(1, 99_999)} {line}"
    if rng.random() < 0.04:
        path = "".join(rng.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(8))
        line += f" https://example.com/{path}?ref={rng.randint(1, 999)}"
    return line


# Lines that admins' patterns are written for (contact handles, order numbers, spam links).
def _bait(rng: random.Random) -> str:
    number = rng.randint(100_000, 99_999_999)
    return rng.choice(
        (
            f"加我vx：abc{number}",
            f"my order #{number} still not shipped",
            f"订单号 {number} 怎么还没到",
            f"免费领取 https://bit.ly/{number}",
            f"限时0元送会员 t.me/joinchat/{number}",
            f"how can i refund order {number}",
            f"兼职日结 {number % 500} 元",
            f"价格多少钱？{rng.choice(ZH_TOPICS)}",
            f"contact me 1{rng.randint(3, 9)}{number % 10**9:09d}",
            f"claim airdrop at win{number}.xyz",
        )
    )


def _insert(rng: random.Random, line: str, keyword: str) -> str:
    cut = rng.randint(0, len(line))
    space = " " if keyword.isascii() else ""
    return f"{line[:cut]}{space}{keyword}{space}{line[cut:]}"


@dataclass(frozen=True, slots=True)
class MessageMix:
    """Shares of the messages: by language, and how many mention a rule."""

    chinese: float = 0.5
    english: float = 0.25
    keyword: float = 0.07
    whole: float = 0.01
    bait: float = 0.02


def messages(
    count: int,
    literal: Sequence[Trigger],
    popular: Sequence[Trigger],
    rng: random.Random,
    mix: MessageMix = MessageMix(),
) -> list[str]:
    """Chat lines; some mention a keyword as it was typed (popular ones more often)."""
    contains = [t for t in literal if t.mode == CONTAINS]
    exact = [t for t in literal if t.mode == EXACT] or contains
    lines: list[str] = []
    for _ in range(count):
        size, kind = _length(rng), rng.random()
        if kind < mix.chinese:
            line = _zh_line(rng, size)
        elif kind < mix.chinese + mix.english:
            line = _en_line(rng, size)
        else:
            line = _mixed_line(rng, size)
        line, roll = _extras(rng, line), rng.random()
        if roll < mix.keyword:
            source = popular if rng.random() < POPULAR_SHARE else contains
            line = _insert(rng, line, rng.choice(source).keyword)
        elif roll < mix.keyword + mix.whole:
            line = rng.choice(exact).keyword + rng.choice(("", " ", "？", "!"))
        elif roll < mix.keyword + mix.whole + mix.bait:
            line = _insert(rng, line, _bait(rng))
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Workload:
    """One group's rules, the small sets taken from them, and the messages."""

    large: list[Rule]
    small_literal: list[Rule]
    small_mixed: list[Rule]
    messages: list[str]


def workload(rules: int, regexes: int, count: int, seed: int = SEED) -> Workload:
    """The large rule set, the two 10-rule sets taken from it, and ``count`` messages."""
    if rules < 20:
        raise ValueError(f"at least 20 literal rules, so that 10 can be taken: {rules} asked for")
    rng = random.Random(seed)
    literal = literal_triggers(rules, rng)
    patterns = regex_triggers(regexes, rng)
    large = to_rules([*literal, *patterns])
    contains = [rule for rule in large if rule.mode == CONTAINS]
    small_literal = rng.sample(contains, 10)
    popular = [literal[rule.id - 1] for rule in small_literal]
    first_pattern = [rule for rule in large if rule.mode == REGEX][:1]
    small_mixed = small_literal[:9] + first_pattern
    return Workload(large, small_literal, small_mixed, messages(count, literal, popular, rng))


# --- Measuring --------------------------------------------------------------------------


def compile_ms(rules: Sequence[Rule]) -> tuple[Matcher, float]:
    """A matcher for ``rules`` and how long building it took."""
    began = time.perf_counter()
    matcher = Matcher(rules)
    return matcher, (time.perf_counter() - began) * 1000


def throughput(matcher: Matcher, texts: Sequence[str]) -> tuple[float, int]:
    """Messages per second through ``Matcher.match`` and how many found a rule."""
    match = matcher.match
    gc.collect()
    began = time.perf_counter()
    found = sum(1 for text in texts if match(text) is not None)
    return len(texts) / (time.perf_counter() - began), found


def memory_mb(rules: Sequence[Rule], warm: Sequence[str]) -> dict[str, float]:
    """RSS added by building the matcher and after matching ``warm``; its Python heap alone."""
    # RSS includes the Rust automaton and RE2, which tracemalloc cannot see; RE2 also grows
    # its DFA cache while matching, hence the second reading.
    process = psutil.Process()
    gc.collect()
    before = process.memory_info().rss
    matcher = Matcher(rules)
    built = process.memory_info().rss
    for text in warm:
        matcher.match(text)
    warmed = process.memory_info().rss
    del matcher
    gc.collect()
    tracemalloc.start()
    matcher = Matcher(rules)
    python_heap = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del matcher
    return {
        "rss_build_mb": round((built - before) / 2**20, 1),
        "rss_after_matching_mb": round((warmed - before) / 2**20, 1),
        "python_heap_mb": round(python_heap / 2**20, 1),
    }


def naive(large: Sequence[Rule], texts: Sequence[str]) -> tuple[float, list[set[int]]]:
    """Messages/s of ``keyword in fold(text)`` over every keyword, and the ids each found."""
    # Also the brute-force reference the matcher must agree with.
    keys = [(rule.id, rule.match_key) for rule in large if rule.mode == CONTAINS]
    began = time.perf_counter()
    found: list[set[int]] = []
    for text in texts:
        folded = fold(text)
        found.append({rule_id for rule_id, key in keys if key in folded})
    return len(texts) / (time.perf_counter() - began), found


def literal_hits(matcher: Matcher, text: str, ids: set[int]) -> set[int]:
    """The rules among ``ids`` that the matcher lists as candidates for ``text``."""
    return {rule_id for rule_id in matcher.candidates(text) if rule_id in ids}


def regexes_agree(matcher: Matcher, large: Sequence[Rule], texts: Sequence[str]) -> bool:
    """Whether the RE2 sets find exactly what each pattern finds alone (no silent misses)."""
    alone = [
        (rule.id, re2.compile(rule.match_key, regex_options()))
        for rule in large
        if rule.mode == REGEX
    ]
    ids = {rule_id for rule_id, _ in alone}
    for text in texts:
        folded = fold(text)
        expected = {rule_id for rule_id, pattern in alone if pattern.search(folded)}
        if literal_hits(matcher, text, ids) != expected:
            return False
    return True


def _median_of(runs: list[dict[str, float]], key: str) -> float:
    return median(run[key] for run in runs)


def _runs(work: Workload, repeats: int) -> dict[str, list[dict[str, float]]]:
    """Each set compiled and timed once per repeat, the order alternating between repeats."""
    sets = {"small_literal": work.small_literal, "small_mixed": work.small_mixed}
    sets["large"] = work.large
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in sets}
    for repeat in range(repeats):
        order = list(sets) if repeat % 2 == 0 else list(reversed(sets))
        for name in order:
            matcher, ms = compile_ms(sets[name])
            rate, found = throughput(matcher, work.messages)
            runs[name].append({"compile_ms": ms, "rate": rate, "found": found})
    return runs


def _side(runs: list[dict[str, float]], rules: Sequence[Rule], total: int) -> dict[str, Any]:
    modes = [rule.mode for rule in rules]
    return {
        "contains": modes.count(CONTAINS),
        "exact": modes.count(EXACT),
        "regex": modes.count(REGEX),
        "compile_ms": round(_median_of(runs, "compile_ms"), 2),
        "messages_per_s": round(_median_of(runs, "rate")),
        "match_rate": round(runs[0]["found"] / total, 4),
    }


def _slowdown(small: list[dict[str, float]], large: list[dict[str, float]]) -> float:
    """Median of the repeats' ratios: each pair ran back to back, so drift cancels."""
    return round(median(s["rate"] / big["rate"] for s, big in zip(small, large, strict=True)), 3)


def _lengths(texts: Sequence[str]) -> dict[str, int]:
    sizes = sorted(map(len, texts))
    return {
        "median": sizes[len(sizes) // 2],
        "p95": sizes[int(len(sizes) * 0.95)],
        "max": sizes[-1],
    }


def naive_report(work: Workload, large_rate: float) -> dict[str, Any]:
    """The naive loop on a sample, and whether both matchers find what it finds."""
    sample = work.messages[:NAIVE_SAMPLE]
    rate, reference = naive(work.large, sample)
    large, small = Matcher(work.large), Matcher(work.small_literal)
    contains = {rule.id for rule in work.large if rule.mode == CONTAINS}
    small_ids = {rule.id for rule in work.small_literal}
    agrees = all(
        literal_hits(large, text, contains) == found
        and literal_hits(small, text, small_ids) == found & small_ids
        for text, found in zip(sample, reference, strict=True)
    )
    return {
        "messages": len(sample),
        "keywords": len(contains),
        "messages_per_s": round(rate),
        "speedup": round(large_rate / rate, 1),
        "agrees": agrees,
        "regex_sets_agree": regexes_agree(large, work.large, sample),
    }


def measure_autoreply(
    *, rules: int = 10_000, regexes: int = 100, messages: int = 200_000, repeats: int = 5
) -> dict[str, Any]:
    """Compile and time the large set and both 10-rule sets on the same messages; the report."""
    work = workload(rules, regexes, messages)
    memory = memory_mb(work.large, work.messages[:20_000])
    runs = _runs(work, repeats)
    large = _side(runs["large"], work.large, messages)
    slowdown = _slowdown(runs["small_mixed"], runs["large"])
    literal_only = _slowdown(runs["small_literal"], runs["large"])
    return {
        "messages": messages,
        "repeats": repeats,
        "message_chars": _lengths(work.messages),
        "large": large,
        "small_mixed": _side(runs["small_mixed"], work.small_mixed, messages),
        "small_mixed_regex": [r.match_key for r in work.small_mixed if r.mode == REGEX],
        "small_literal": _side(runs["small_literal"], work.small_literal, messages),
        "slowdown": slowdown,
        "slowdown_vs_literal_only": literal_only,
        "large_memory": memory,
        "naive": naive_report(work, large["messages_per_s"]),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "targets": {
            "rate_at_least_50k": large["messages_per_s"] >= TARGET_RATE,
            "slowdown_under_2x": slowdown < TARGET_SLOWDOWN,
            "slowdown_vs_literal_only_under_2x": literal_only < TARGET_SLOWDOWN,
        },
    }


# --- The command ------------------------------------------------------------------------


def _label(side: dict[str, Any]) -> str:
    literal = side["contains"] + side["exact"]
    return f"{literal + side['regex']:,} rules = {literal:,} literal + {side['regex']} regex"


def _table(result: dict[str, Any]) -> list[str]:
    head = f"{'set':<44}{'exact':>6}{'compile':>11}{'msg/s':>10}{'matched':>9}"
    lines = [head]
    for key in ("large", "small_mixed", "small_literal"):
        side = result[key]
        lines.append(
            f"{_label(side):<44}{side['exact']:>6,}{side['compile_ms']:>8.1f} ms"
            f"{side['messages_per_s']:>10,}{side['match_rate']:>9.1%}"
        )
    return lines


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def summary(result: dict[str, Any]) -> str:
    """The report as a few readable lines, the targets last."""
    plain, targets, memory = result["naive"], result["targets"], result["large_memory"]
    return "\n".join(
        [
            *_table(result),
            f"slowdown, large against 10 rules: {result['slowdown']}x "
            f"(against 10 literal, no regex: {result['slowdown_vs_literal_only']}x); "
            f"median of {result['repeats']} alternating runs over {result['messages']:,} messages",
            f"large matcher memory: +{memory['rss_build_mb']} MB RSS built, "
            f"+{memory['rss_after_matching_mb']} MB after matching, "
            f"{memory['python_heap_mb']} MB of it Python objects",
            f"naive `keyword in folded` over {plain['keywords']:,} keywords, first "
            f"{plain['messages']:,} messages: {plain['messages_per_s']:,} msg/s; the matcher is "
            f"{plain['speedup']:,}x faster; same keywords found: {plain['agrees']}, "
            f"RE2 sets = patterns alone: {plain['regex_sets_agree']}",
            f"target >= {TARGET_RATE:,} msg/s with the large set: "
            + _verdict(targets["rate_at_least_50k"]),
            f"target slowdown < {TARGET_SLOWDOWN:g}x: {_verdict(targets['slowdown_under_2x'])} "
            f"(against 10 literal, no regex: "
            f"{_verdict(targets['slowdown_vs_literal_only_under_2x'])})",
        ]
    )


def run_autoreply_bench(**options: Any) -> dict[str, Any]:
    """Run the auto-reply benchmark; print one line of JSON, then a summary."""
    result = measure_autoreply(**options)
    print(json.dumps(result), flush=True)
    print(summary(result), flush=True)
    return result
