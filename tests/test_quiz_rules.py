"""Quiz rules with no I/O: answer normalisation, a round's rules, bank files and imports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from handlers.quiz.answers import answer_key, answer_keys
from handlers.quiz.bank import (
    Limits,
    Loaded,
    Question,
    QuizError,
    Rejected,
    check_question,
    dump_csv,
    dump_json,
    load_bank,
    plan_import,
)
from handlers.quiz.daily import due_day
from handlers.quiz.live import shown_answer
from handlers.quiz.rounds import Round, Verdict, ask
from storage.quiz import Daily

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
LIMITS = Limits()


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("Paris", "paris"),
        ("ＰＡＲＩＳ", "paris"),  # full width
        ("  P.A.R.I.S!! ", "paris"),  # punctuation and spaces
        ("new york", "New-York"),
        ("臺灣", "台湾"),  # traditional / simplified
        ("頭髮", "头发"),
        ("北京。", "北京"),  # Chinese punctuation
        ("１２３", "123"),  # full-width digits
        ("《红楼梦》", "红楼梦"),
        ("Ｈｅｌｌｏ，世界！", "hello世界"),
    ],
)
def test_spellings_of_one_answer_have_one_key(typed: str, accepted: str) -> None:
    assert answer_key(typed) == answer_key(accepted)


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [("Paris", "London"), ("北京", "南京"), ("12", "123"), ("", "x")],
)
def test_other_answers_have_other_keys(typed: str, accepted: str) -> None:
    assert answer_key(typed) != answer_key(accepted)


def test_several_accepted_answers_and_empty_ones_left_out() -> None:
    keys = answer_keys(["Paris", "巴黎", "!!!", "PARIS"])
    assert keys == {"paris", "巴黎"}


def question(
    answers: tuple[str, ...] = ("Paris", "巴黎"), choices: tuple[str, ...] = ()
) -> Question:
    return Question("Capital of France?", answers, choices, "Since 987.")


def a_round(*questions: Question) -> Round:
    built = Round(questions or (question(),), seconds=30, points=10)
    built.next_question(NOW)
    return built


def test_first_correct_answer_wins_and_closes_the_question() -> None:
    played = a_round()
    assert played.attempt(1, answer_key("paris")) is Verdict.CORRECT
    assert played.attempt(2, answer_key("巴黎")) is Verdict.IGNORED
    assert played.current is not None and played.current.winner == 1
    assert played.scoreboard() == [(1, 1)]


def test_one_answer_counted_per_member_per_question() -> None:
    played = a_round()
    assert played.attempt(1, answer_key("London")) is Verdict.WRONG
    assert played.attempt(1, answer_key("Paris")) is Verdict.IGNORED
    assert played.attempt(2, answer_key("ＰＡＲＩＳ")) is Verdict.CORRECT
    assert played.scoreboard() == [(2, 1)]


def test_time_up_closes_once_and_only_the_open_question() -> None:
    played = a_round(question(), question(("Rome",)))
    asked = played.current
    assert asked is not None and asked.deadline == NOW + timedelta(seconds=30)
    assert played.time_up(2) is None
    assert played.time_up(1) is asked
    assert played.time_up(1) is None
    assert played.attempt(1, answer_key("Paris")) is Verdict.IGNORED
    assert played.next_question(NOW) is not None and played.current is not None
    assert played.current.number == 2
    assert played.next_question(NOW) is None


def test_choices_answered_by_number_or_text_and_chatter_ignored() -> None:
    asked = ask(question(("Paris",), ("Berlin", "Paris", "Rome")), 1, NOW)
    assert asked.correct == {"paris", "2"}
    played = Round((asked.question,), 30, 10)
    played.next_question(NOW)
    assert played.attempt(1, answer_key("what?")) is Verdict.IGNORED
    assert played.attempt(1, answer_key("1")) is Verdict.WRONG
    assert played.attempt(2, answer_key("ROME")) is Verdict.WRONG
    assert played.attempt(3, answer_key("２")) is Verdict.CORRECT


def test_scoreboard_best_first_ties_by_who_scored_first() -> None:
    played = Round(tuple(question() for _ in range(3)), 30, 10)
    for winner in (5, 6, 6):
        played.next_question(NOW)
        assert played.attempt(winner, "paris") is Verdict.CORRECT
    assert played.scoreboard() == [(6, 2), (5, 1)]


def test_the_revealed_answer_names_the_right_choice() -> None:
    assert shown_answer(question(("paris",), ("Berlin", "Paris"))) == "2. Paris"
    assert shown_answer(question()) == "Paris"


@pytest.mark.parametrize(
    ("row", "key"),
    [
        ("text", "row_not_table"),
        ({"answers": ["a"]}, "no_question"),
        ({"question": "  ", "answers": ["a"]}, "no_question"),
        ({"question": "x" * 501, "answers": ["a"]}, "question_too_long"),
        ({"question": "Q"}, "no_answers"),
        ({"question": "Q", "answers": ["?!"]}, "no_answers"),
        ({"question": "Q", "answers": 3}, "bad_answers"),
        ({"question": "Q", "answers": [str(i) for i in range(11)]}, "too_many_answers"),
        ({"question": "Q", "answers": ["a" * 101]}, "answer_too_long"),
        ({"question": "Q", "answers": ["a"], "choices": "a"}, "choice_count"),
        ({"question": "Q", "answers": ["a"], "choices": [1, 2]}, "bad_choices"),
        ({"question": "Q", "answers": ["a"], "choices": ["A", "a!"]}, "choices_alike"),
        ({"question": "Q", "answers": ["a"], "choices": ["b", "c"]}, "answer_not_a_choice"),
        ({"question": "Q", "answers": ["a"], "explanation": 1}, "bad_explanation"),
        ({"question": "Q", "answers": ["a"], "explanation": "e" * 501}, "explanation_too_long"),
    ],
)
def test_a_bad_question_is_refused_naming_the_problem(row: Any, key: str) -> None:
    with pytest.raises(QuizError) as raised:
        check_question(row, LIMITS)
    assert raised.value.key == key


def test_a_good_question_is_trimmed_and_deduplicated() -> None:
    row = {"question": " Q ", "answer": "Paris", "choices": ["Rome", "Paris"], "explanation": ""}
    assert check_question(row, LIMITS) == Question("Q", ("Paris",), ("Rome", "Paris"), "")


JSON_BANK = {
    "questions": [
        {"question": "1+1?", "answers": ["2", "二"]},
        {"question": "Broken"},
        {"question": "Capital?", "answers": "Paris", "choices": ["Paris", "Rome"]},
    ]
}
TOML_BANK = """
[[questions]]
question = "1+1?"
answers = ["2", "二"]

[[questions]]
question = "Broken"

[[questions]]
question = "Capital?"
answers = "Paris"
choices = ["Paris", "Rome"]
"""
CSV_BANK = (
    "question,answers,choices,explanation\n1+1?,2|二,,\nBroken,,,\nCapital?,Paris,Paris|Rome,\n"
)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bank.json", json.dumps(JSON_BANK).encode()),
        ("bank.json", json.dumps(JSON_BANK["questions"]).encode()),
        ("bank.toml", TOML_BANK.encode()),
        ("bank.csv", ("\ufeff" + CSV_BANK).encode()),
    ],
)
def test_every_format_loads_row_by_row(name: str, data: bytes) -> None:
    loaded = load_bank(data, name, LIMITS)
    assert [(row, q.question) for row, q in loaded.questions] == [(1, "1+1?"), (3, "Capital?")]
    assert loaded.questions[0][1].answers == ("2", "二")
    assert [(r.row, r.error.key) for r in loaded.rejected] == [(2, "no_answers")]


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("bank.json", b"{nope", "import_bad_json"),
        ("bank.toml", b"= x", "import_bad_toml"),
        ("bank.json", b"\xff\xfe", "import_not_text"),
        ("bank.json", b'{"questions": []}', "import_no_questions"),
        ("bank.json", b'{"format": "groupbot-replies", "questions": [{}]}', "import_no_questions"),
        ("bank.json", b'{"version": 9, "questions": [{}]}', "import_version"),
        ("bank.csv", b"a,b\n1,2\n", "import_csv_header"),
        ("bank.csv", b"question,answers\n", "import_no_questions"),
    ],
)
def test_a_file_that_is_no_bank_is_refused_whole(name: str, data: bytes, key: str) -> None:
    with pytest.raises(QuizError) as raised:
        load_bank(data, name, LIMITS)
    assert raised.value.key == key


@pytest.mark.parametrize("dump", [dump_json, dump_csv])
def test_an_export_loads_back_the_same(dump: Any) -> None:
    # "=1" and "+2" would be formulas in a spreadsheet: the CSV defuses them and reads back.
    formula = Question("Formula?", ("=1",), ("=1", "+2"))
    questions = [question(), formula, Question("Q2", ("x",))]
    name = "bank.csv" if dump is dump_csv else "bank.json"
    loaded = load_bank(dump(questions), name, LIMITS)
    assert [q for _, q in loaded.questions] == questions
    assert loaded.rejected == []


def test_an_import_skips_repeats_and_stops_at_the_cap() -> None:
    loaded = Loaded(
        questions=[(1, Question("old", ("a",))), (2, Question("new", ("a",))),
                   (4, Question("new", ("b",))), (5, Question("more", ("a",)))],
        rejected=[Rejected(3, QuizError("no_answers"))],
    )  # fmt: skip
    added, skipped, rejected = plan_import({"old"}, loaded, max_questions=2)
    assert [q.question for q in added] == ["new"]
    assert skipped == 2
    assert [(r.row, r.error.key) for r in rejected] == [(3, "no_answers"), (5, "bank_full")]


def daily(at: str, last_day: date | None) -> Daily:
    return Daily(-1, at, 1, last_day, None)


@pytest.mark.parametrize(
    ("at", "last_day", "local_now", "due"),
    [
        ("20:00", None, datetime(2026, 12, 4, 19, 59), None),
        ("20:00", None, datetime(2026, 12, 4, 20, 0), date(2026, 12, 4)),
        ("20:00", date(2026, 12, 3), datetime(2026, 12, 4, 23, 0), date(2026, 12, 4)),
        ("20:00", date(2026, 12, 4), datetime(2026, 12, 4, 23, 0), None),
        ("bad", None, datetime(2026, 12, 4, 23, 0), None),
    ],
)
def test_the_daily_question_is_due_once_a_day_after_its_time(
    at: str, last_day: date | None, local_now: datetime, due: date | None
) -> None:
    assert due_day(daily(at, last_day), local_now) == due


@pytest.mark.parametrize(
    ("user", "text", "wanted"),
    [
        (1, "Paris", True),
        (1, "I think it is paris, surely", True),
        (1, "x" * 200, False),  # a long message is chatter, not an answer
        (2, "Paris", False),  # member 2 answered already
    ],
)
def test_only_short_messages_of_members_yet_to_answer_are_matched(
    user: int, text: str, wanted: bool
) -> None:
    played = a_round()
    assert played.attempt(2, "london") is Verdict.WRONG
    assert played.wants(user, text) is wanted


@pytest.mark.parametrize(
    ("winners", "champion"),
    [((5, 6, 6), 6), ((5, 6), None), ((7,), 7), ((), None)],
    ids=["best", "tie", "alone", "nobody"],
)
def test_the_champion_is_the_one_best_score(winners: tuple[int, ...], champion: int | None) -> None:
    played = Round(tuple(question() for _ in range(max(len(winners), 1))), 30, 10)
    for winner in winners:
        played.next_question(NOW)
        assert played.attempt(winner, "paris") is Verdict.CORRECT
    assert played.champion() == champion
