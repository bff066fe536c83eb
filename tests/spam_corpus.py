"""A small spam/ham corpus written for these tests (Chinese and English), for fast training."""

from __future__ import annotations

from pathlib import Path

from handlers.spam.model import Sample

SPAM = [
    "日赚五百不是梦，手机就能做，名额有限速来",
    "兼职刷单，一单一结，日结工资，宝妈学生都可以",
    "免费领取会员，点击链接马上到账 http://free-vip.example.top",
    "高价回收各类账号，诚信交易，当天打款",
    "USDT 高价收，量大从优，秒到账，欢迎对接",
    "首存一百送一百，彩金天天送，官方直营平台",
    "真人在线发牌，首充返水，体育彩票全都有",
    "看片加我 vx: abc8866，福利多多",
    "加 Ｑ 2 9 5 3 4 5 1 6 0 8 带你赚钱",
    "薇 信 1 3 8 0 0 1 3 8 0 0 0 私聊有惊喜",
    "𝐇𝐔𝐗 四五七 卖盘 飞机联系",
    "同城约会交友，美女在线陪聊，点我主页",
    "代开各类发票，正规渠道，价格优惠",
    "出售实名手机卡，接码专用，批发价",
    "专业刷粉丝刷点赞，真人活粉，稳定不掉",
    "Earn $500 a day from home, no experience needed, DM me now",
    "Invest 100 USDT and get 1000 back in 24 hours, guaranteed profit",
    "Free crypto airdrop! Claim your tokens at https://claim-now.example.xyz",
    "I made $8000 last week with this trading platform, contact the manager",
    "Hot singles in your area are waiting, click my profile",
    "Buy followers and likes cheap, real accounts, fast delivery",
    "Join our VIP signals channel, 95% win rate, limited seats t.me/+abcdef123",
    "Loan approved instantly, no credit check, message me",
    "Work from home and earn big, only 10 spots left, write to @richfast",
]

HAM = [
    "今天下雨了，大家出门记得带伞",
    "这个版本更新以后手机发热好严重",
    "有人知道附近哪家火锅好吃吗",
    "周末一起去爬山吧，天气预报说是晴天",
    "我刚看完那部电影，结局有点意外",
    "老板说明天开会，记得准备一下材料",
    "新买的键盘手感不错，就是声音有点大",
    "孩子今天第一次自己骑自行车",
    "这道数学题我算了半天还是不对",
    "昨晚的比赛太精彩了，最后一分钟绝杀",
    "晚饭吃什么，要不要点外卖",
    "这首歌的歌词写得真好",
    "服务器又挂了，运维在查原因",
    "猫咪今天把花盆打翻了",
    "我在读一本关于历史的书，很有意思",
    "Good morning everyone, how was your weekend?",
    "Does anyone know how to fix this Python import error?",
    "The meeting has been moved to Thursday afternoon",
    "I just finished reading that book you recommended, loved it",
    "Happy birthday! Hope you have a great day",
    "The new release fixed the memory leak, thanks to the team",
    "Can someone share the slides from yesterday's talk?",
    "It's raining again, I think I'll stay in and cook",
    "We should plan a trip to the mountains next month",
]


def corpus() -> list[Sample]:
    """Every sample of the corpus."""
    return [Sample(t, True) for t in SPAM] + [Sample(t, False) for t in HAM]


def write_files(folder: Path) -> tuple[Path, Path]:
    """The corpus as one-a-line spam and ham files in ``folder``."""
    spam, ham = folder / "spam-corpus.txt", folder / "ham-corpus.txt"
    spam.write_text("\n".join(SPAM) + "\n", encoding="utf-8")
    ham.write_text("\n".join(HAM) + "\n", encoding="utf-8")
    return spam, ham
