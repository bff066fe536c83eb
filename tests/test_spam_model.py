"""The spam classifier library: features over normalised text, training, learning, samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.spam.features import char_class, extract
from handlers.spam.model import DEFAULT_THRESHOLD, Sample, SpamModel
from handlers.spam.samples import is_csv, parse_samples, read_paired
from tests.spam_corpus import HAM, SPAM, corpus, write_files


@pytest.fixture(scope="module")
def model() -> SpamModel:
    trained = SpamModel()
    trained.train(corpus())
    return trained


# ------------------------------------------------------------------ features


@pytest.mark.parametrize(
    ("styled", "plain"),
    [
        ("ｖｘ１２３", "vx123"),  # full-width forms
        ("𝐇𝕌𝐗 卖盘", "hux 卖盘"),  # letter-like symbols
        ("加\u200bV信", "加v信"),  # zero-width space
        ("ВИΡ", "bup"),  # Cyrillic/Greek look-alikes
    ],
)
def test_ngrams_are_taken_over_the_normalised_text(styled: str, plain: str) -> None:
    ngrams = {f for f in extract(styled) if f.startswith("c")}
    assert ngrams == {f for f in extract(plain) if f.startswith("c")}


def test_character_ngrams_of_one_to_three() -> None:
    features = extract("加微信")
    assert {"c加", "c微", "c信", "c加微", "c微信", "c加微信"} <= set(features)


@pytest.mark.parametrize(
    ("char", "kind"),
    [("7", "d"), ("汉", "h"), ("a", "l"), (" ", "_"), ("ᚠ", "a"), ("☀", "s"), ("，", "p")],
)
def test_character_classes(char: str, kind: str) -> None:
    assert char_class(char) == kind


def test_digit_and_contact_features() -> None:
    features = set(extract("加 Q 2 9 5 3 4 5 1 6 0 8 微信"))
    assert "#broken_digits" in features
    assert "#contact" in features
    assert "#digits4" in features  # ten digits: the 8..12 bucket
    assert "#broken_digits" not in extract("2026年11月")


def test_links_mentions_and_scripts() -> None:
    features = set(extract("join https://t.me/+abc now @somebody ᚠᚠᚠᚠ"))
    assert {"#url", "#tme", "#mentions0"} <= features
    assert any(f.startswith("#ratio_a") for f in features)  # runes: an unusual script
    plain = set(extract("今天天气不错"))
    assert "#url" not in plain and not any(f.startswith("#ratio_a") for f in plain)


def test_words_only_for_spaced_scripts() -> None:
    features = extract("Earn money fast 今天天气")
    assert {"wearn", "wmoney", "wfast", "bearn_money", "bmoney_fast"} <= set(features)
    assert not any(f.startswith("w") and "天" in f for f in features)


def test_changed_by_normalisation_is_a_signal() -> None:
    assert any(f.startswith("#changed") for f in extract("𝐇𝐔𝐗４５７"))
    assert not any(f.startswith("#changed") for f in extract("hux457"))


def test_long_texts_are_cut() -> None:
    assert len(extract("字" * 10_000)) == len(extract("字" * 400))


# ------------------------------------------------------------------ model


def test_untrained_model_flags_nothing() -> None:
    empty = SpamModel()
    assert not empty.ready and empty.score("加微信看福利 https://x.example.top") == 0.0
    empty.train([Sample("only spam here", True)])
    assert not empty.ready and empty.score("only spam here") == 0.0


def test_training_separates_its_corpus(model: SpamModel) -> None:
    assert all(model.score(text) >= 0.5 for text in SPAM)
    assert all(model.score(text) < 0.5 for text in HAM)


@pytest.mark.parametrize(
    ("text", "spam"),
    [
        ("Earn 300 dollars a day from home, DM me", True),
        ("Free token airdrop, claim now at https://get.example.xyz", True),
        ("Has anyone seen the new movie yet?", False),
        ("明天会下雨，记得带伞", False),
        ("周末一起去吃火锅吧", False),
    ],
)
def test_unseen_messages(model: SpamModel, text: str, spam: bool) -> None:
    assert (model.score(text) >= 0.5) is spam


def test_training_is_deterministic() -> None:
    first, second = SpamModel(), SpamModel()
    first.train(corpus())
    second.train(corpus())
    assert first.weights == second.weights and first.bias == second.bias


def test_learning_one_verdict_catches_similar_messages(model: SpamModel) -> None:
    learner = SpamModel()
    learner.train(corpus())
    novel = "祖传秘方专治脱发，三天见效，不灵退款"
    similar = "祖传秘方专治脱发，七天见效，无效退款"
    assert learner.score(similar) < DEFAULT_THRESHOLD
    learner.learn(novel, True)
    assert learner.score(novel) >= DEFAULT_THRESHOLD
    assert learner.score(similar) >= DEFAULT_THRESHOLD
    # Ham stays ham.
    assert all(learner.score(text) < 0.5 for text in HAM)


def test_learning_ham_undoes_a_false_positive() -> None:
    learner = SpamModel()
    learner.train(corpus())
    text = "Earn a place in the final, win the cup"
    learner.learn(text, False)
    assert learner.score(text) < 0.5


def test_class_weights_keep_a_lopsided_corpus_usable() -> None:
    lopsided = SpamModel()
    lopsided.train([Sample(t, True) for t in SPAM[:3]] + [Sample(t, False) for t in HAM * 5])
    assert lopsided.score(SPAM[0]) >= 0.5


# ------------------------------------------------------------------ samples


def test_plain_sample_files() -> None:
    samples = parse_samples("\ufeffone\n\n  two  \n", spam=True)
    assert samples == [Sample("one", True), Sample("two", True)]


def test_csv_sample_files_keep_commas_and_skip_bad_rows() -> None:
    text = 'target,input\n1,buy now, cheap\n0,"quoted, text"\nx,bad label\n0,\n1,ok\n'
    assert is_csv(text)
    assert parse_samples(text, spam=False) == [
        Sample("buy now, cheap", True),
        Sample("quoted, text", False),
        Sample("ok", True),
    ]


def test_paired_files(tmp_path: Path) -> None:
    spam_file, ham_file = write_files(tmp_path)
    assert read_paired(spam_file) == read_paired(ham_file) == read_paired(tmp_path)
    assert sorted(read_paired(tmp_path), key=str) == sorted(corpus(), key=str)
    lonely = tmp_path / "plain.txt"
    lonely.write_text("x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="neither CSV"):
        read_paired(lonely)
