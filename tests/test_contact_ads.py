"""Contact ads with the contact word broken up, and ordinary chat that must stay untouched.

The ad set is every spelling issue 17 names (a symbol or emoji inside the word, pinyin,
spaced letters) followed by an id or a number, and their neighbours. The ordinary set is
chat written to look close to an ad: contact words without an id, numbers without a contact
word, emoji between ordinary words, English words that contain "vx" or "qq".
"""

from __future__ import annotations

import pytest

from core.normalize import normalize
from handlers.moderation.checks import Subject, check_contact


def verdict_of(text: str) -> str | None:
    """What the contact check found in a message, or None."""
    verdict = check_contact(Subject(text, normalize(text)))
    return None if verdict is None else verdict.detail


# (message, what the check reports)
ADS = [
    # a symbol or emoji inside the contact word
    ("薇❤信 abc123", "薇信"),
    ("微❤信 abc123", "微信 abc123"),
    ("微❤信：wxid_8899", "微信:wxid_8899"),
    ("加❤V 看片", "加v"),
    ("加❤V：abc123", "v:abc123"),
    ("Ｖ❤Ｘ：money88", "vx:money88"),
    ("Ｖ❤Ｘ 13579246", "vx 13579246"),
    ("扣❤扣 12345678", "扣扣"),
    ("v❤信 abc_123", "v信"),
    ("威❤信：abc_123", "威信:abc_123"),
    ("企❤鹅 12345678", "企鹅 12345678"),
    ("微💰信💰号：ab12345", "微信号:ab12345"),
    ("微·信 abc123", "微信 abc123"),
    ("V-X abc123", "vx abc123"),
    ("v*x=abc123", "vx=abc123"),
    ("手❤机：0755 1234 5678", "手机:0755 1234 5678"),
    # pinyin
    ("wei xin abc123", "weixin abc123"),
    ("wei-xin: abc_888", "weixin: abc_888"),
    ("weixin: abc123", "weixin: abc123"),
    ("vx abc123", "vx abc123"),
    ("wx：abc_123", "wx:abc_123"),
    ("v 信 abc123", "v信"),
    ("dian hua 0755 8888 6666", "dianhua 0755 8888 6666"),
    ("shou ji: 0755-88886666", "shouji: 0755-88886666"),
    ("tel 1 2 3 4 5 6 7 8", "tel 1 2 3 4 5 6 7 8"),
    ("kou kou 12345678", "koukou 12345678"),
    # spaced letters
    ("q q 12345678", "qq 12345678"),
    ("q q 1 2 3 4", "qq 1 2 3 4"),
    ("Q Q 号 1 2 3 4 5 6", "qq 号 1 2 3 4 5 6"),
    ("qq号码是 1 2 3 4", "qq:1234"),
    ("qq 1❤2❤3❤4", "qq 1 2 3 4"),
    ("v x: abc123", "vx: abc123"),
    ("V X 号 abc123", "vx 号 abc123"),
    ("Q.Q: 12345678", "q: 12345678"),
    ("w e c h a t: abc_123", "wechat: abc_123"),
    ("t e l: 88886666", "tel: 88886666"),
    # spaces between the characters of a Chinese contact word
    ("扣 扣 12345678", "扣扣"),
    ("微 信 号 abc123", "微信号 abc123"),
    ("联 系 方 式 abc_123", "联系方式 abc_123"),
    # several tricks at once
    ("想赚钱的 加 ❤ V ❤ 私聊", "加v"),
    ("ｑ ｑ 🔥 1 2 🔥 3 4 🔥 5 6", "qq 1 2 3 4 5 6"),
    ("💋 V·X 💋 ：love_520", "vx :love_520"),
]

ORDINARY = [
    # emoji and symbols between ordinary words
    "我爱❤你",
    "I ❤ NY",
    "I love u ❤ so much",
    "see you at 10:30 ❤️😂👍",
    "🎉🎉🎉 生日快乐！🎂🎁",
    "给照片加个❤",
    "今天跑了 10 公里 🏃‍♂️💨",
    "w/ love from Paris 🇫🇷",
    "Q&A session starts at 3",
    "rock&roll 永远不死 🎸",
    # contact words without an id
    "qq音乐真好听",
    "QQ 空间里的照片好多年了",
    "Q Q 是 90 后的回忆",
    "QQ 2024 年度报告出来了",
    "下载 QQ 最新版 9.9.6",
    "qq群里有 500 人",
    "我在玩 QQ飞车，等级 88",
    "微信支付很方便",
    "微信群 200 人满了",
    "微信里说吧",
    "weixin 小程序怎么开发",
    "wechat me later, thanks",
    "The WeChat app has 1.3 billion users",
    "v x 都可以，随你",
    "wx 是什么意思？",
    "他在群里很有威信",
    "企鹅真可爱🐧",
    "南极的企鹅有 18 种",
    "飞机晚点了，大概 20 分钟",
    "手机没电了，晚点回你",
    "我的手机是 iPhone 15 Pro",
    "手机 5G 信号很差",
    "手机壳 39.9 包邮 😍",
    "电话❤️打不通",
    "电话会议 10点开始",
    "电话 10086 可以查话费",
    "12306 的客服电话是多少",
    "Tel Aviv is lovely in spring",
    "Flight to Tel Aviv leaves at 14:05",
    "call me later",
    "my phone died, call you at 8",
    # look-alikes of hand-offs
    "v 字手势",
    "v我50",
    "疯狂星期四 v 我 50",
    "w x y z",
    "加油！我们一定能赢 💪",
    "加班到 10 点，好累",
    "参加微博抽奖了吗",
    "加微博关注一下",
    "增加微量元素",
    "更加微妙了",
    "出门前记得扣扣子",
    "电视tv信号不好",
    "+1 同意",
    "q: 今天几点集合？",
    # English words containing "vx" or "qq"
    "The vxlan interface is down",
    "I am running VxWorks 7 on the board",
    "QQQ closed at 512.34 today",
    "devx 2024 was a great conference",
    # prices, dates, times
    "这件衣服 199 元，包邮",
    "The price is $1,299.99",
    "价格：¥ 88.00 / 件",
    "这个月工资 12000 元",
    "明天 2026-03-15 下午 3:30 见",
    "2026年3月15日 星期日",
    "Meet me at 7:45 pm near gate B",
    "会议改到 14:00，地点 3 楼",
    "Room 1203, floor 12",
    "Please read section 4.2.1",
    "v1.2.3 released",
    "版本 v 2.0.1",
    "My score: 98765 points",
    "Call 911 in an emergency",
    "打 10086 问问话费",
    # phone-like order numbers in normal sentences
    "我的订单号是 20241126153012，一直没发货",
    "订单号 186202411260001 已退款",
    "物流单号 YT13800138000123 到哪了",
    "取件码 1380 0013",
    "快递单号 SF1234567890123",
]


@pytest.mark.parametrize(("text", "detail"), ADS)
def test_broken_up_contact_ads_are_caught(text: str, detail: str) -> None:
    assert verdict_of(text) == detail


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_chat_is_left_alone(text: str) -> None:
    assert verdict_of(text) is None


def test_the_ordinary_set_is_large_and_bilingual() -> None:
    """Issue 17 asks for at least 60 ordinary messages, in Chinese and in English."""
    chinese = [t for t in ORDINARY if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    assert len(ORDINARY) >= 60
    assert len(set(ORDINARY)) == len(ORDINARY)
    assert 20 <= len(chinese) <= len(ORDINARY) - 20
