"""The floors of the house: no import runs back up.

core imports nothing from bot, handlers or bench; storage nothing from those nor from core
(but its leaf modules, such as core.ids);
handlers nothing from bot or bench; bot nothing from bench (``python -m bot bench`` finds
that package by name); a feature package imports no other feature package (shared pieces
belong in core). Every import counts: at the top, inside functions, under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "storage", "handlers", "bot", "bench")
# What each floor may not import.
FORBIDDEN = {
    "core": ("bot", "handlers", "bench"),
    "storage": ("bot", "handlers", "bench", "core"),
    "handlers": ("bot", "bench"),
    "bot": ("bench",),
    "bench": (),
}
# Modules of core that import nothing of the project, so storage may use them too: the
# store keeps platform-qualified ids.
LEAVES = ("core.ids",)
# Upward imports that exist today, each with why it stays: a declared dependency of one
# feature on another (or of a tool on the settings), not a shortcut waiting for a move. The
# test fails on any other, and on an entry here that no longer happens (delete it then).
KNOWN: dict[tuple[str, str], str] = {
    # Penalties go through moderation's enforcement so that every one lands in one log, one
    # warning ladder and one report flow (actions.py, 470 lines on moderation's tables and
    # catalog): moving that into core would move moderation itself.
    ("handlers.captcha", "handlers.moderation"): "declared: a failed captcha is enforced by "
    "moderation (enforce, Action, Case)",
    ("handlers.spam", "handlers.moderation"): "declared: spam enforces through moderation, "
    "obeys its /modmode (OFF, DRYRUN) and reads its sample files from moderation's settings",
    ("handlers.activity", "handlers.stats"): "declared: one flush stores activity and stats' "
    "per-day counts in one transaction (note_event, store_batch, StatsBuffer)",
    ("handlers.checkin", "handlers.badges"): "declared: /points and a check-in name the "
    "member's badges as the badges feature shows them (badge_list)",
    ("handlers.challenges", "handlers.badges"): "declared: a challenge's badge reward is "
    "named as the badges feature shows badges (badge_list)",
    # An entry point of its own (``alembic upgrade``), reading the URL from the settings.
    ("storage.migrations", "core.config"): "declared: Alembic's env.py reads the database URL "
    "with the bot's settings loader (load_database_url)",
}


def module_name(path: Path) -> str:
    """``handlers/spam/feature.py`` as ``handlers.spam.feature``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(source: str, module: str, is_package: bool = False) -> Iterator[str]:
    """Every module name an import statement in ``source`` names, relative ones resolved."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.module or ""
                continue
            base = module.split(".")
            base = base[: len(base) - node.level + (1 if is_package else 0)]
            yield ".".join([*base, node.module] if node.module else base)


def unit(module: str) -> str:
    """What a rule is about: a feature package (``handlers.spam``) or a module elsewhere."""
    return ".".join(module.split(".")[:2])


def problem(importer: str, target: str) -> tuple[str, str] | None:
    """The (importer, imported) units if this import runs against the floors, else None."""
    floor, top = importer.split(".")[0], target.split(".")[0]
    if floor == "storage" and target in LEAVES:
        return None
    if top in FORBIDDEN.get(floor, ()):
        return unit(importer), unit(target)
    features = floor == top == "handlers" and "." in importer and "." in target
    if features and unit(importer) != unit(target):
        return unit(importer), unit(target)
    return None


def found_problems() -> dict[tuple[str, str], list[str]]:
    """Every upward import in the tree, by units, with the import lines that make it."""
    found: dict[tuple[str, str], list[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = module_name(path)
            source = path.read_text("utf-8")
            for target in imported(source, module, path.name == "__init__.py"):
                key = problem(module, target)
                if key is not None:
                    found.setdefault(key, []).append(f"{module} -> {target}")
    return found


@pytest.mark.parametrize(
    ("importer", "target", "expected"),
    [
        ("core.config", "handlers.moderation.warnings", ("core.config", "handlers.moderation")),
        ("core.chat", "core.events", None),
        ("core.chat", "storage.models", None),
        ("storage.unit", "core.config", ("storage.unit", "core.config")),
        ("storage.repositories", "core.ids", None),
        (
            "storage.moderation_rules",
            "handlers.moderation.rules",
            ("storage.moderation_rules", "handlers.moderation"),
        ),
        ("storage.unit", "bot.app", ("storage.unit", "bot.app")),
        ("handlers.spam.feature", "storage.spam", None),
        ("handlers.spam.feature", "bot.platforms", ("handlers.spam", "bot.platforms")),
        ("handlers.spam.feature", "bench.spam", ("handlers.spam", "bench.spam")),
        ("handlers.spam.feature", "handlers.spam.rules", None),
        (
            "handlers.spam.feature",
            "handlers.moderation.rules",
            ("handlers.spam", "handlers.moderation"),
        ),
        ("handlers.rules", "core.args", None),
        ("bot.__main__", "bench.cli", ("bot.__main__", "bench.cli")),
        ("bot.app", "handlers.spam.feature", None),
        ("bench.spam", "handlers.spam.model", None),
        ("bench.burst", "bot.app", None),
    ],
)
def test_the_rule(importer: str, target: str, expected: tuple[str, str] | None) -> None:
    assert problem(importer, target) == expected


@pytest.mark.parametrize(
    ("source", "module", "is_package", "expected"),
    [
        ("import a.b, c", "x.y", False, ["a.b", "c"]),
        ("from a.b import c", "x.y", False, ["a.b"]),
        ("from . import c", "handlers.spam.feature", False, ["handlers.spam"]),
        ("from .rules import c", "handlers.spam.feature", False, ["handlers.spam.rules"]),
        ("from ..moderation import c", "handlers.spam.feature", False, ["handlers.moderation"]),
        ("from .rules import c", "handlers.spam", True, ["handlers.spam.rules"]),
        ("def f():\n    from bot.app import x\n", "core.m", False, ["bot.app"]),
    ],
)
def test_imports_are_read_from_the_source(
    source: str, module: str, is_package: bool, expected: list[str]
) -> None:
    assert list(imported(source, module, is_package)) == expected


def test_no_import_runs_back_up() -> None:
    """Nothing but the known imports, each waiting for its part, runs against the floors."""
    unknown = {key: lines for key, lines in found_problems().items() if key not in KNOWN}
    assert unknown == {}


def test_every_known_exception_still_happens() -> None:
    """An entry of KNOWN whose import is gone is deleted, so the list only shrinks."""
    gone = sorted(set(KNOWN) - set(found_problems()))
    assert gone == []


@pytest.mark.parametrize("leaf", LEAVES)
def test_leaves_import_nothing_of_the_project(leaf: str) -> None:
    path = ROOT / (leaf.replace(".", "/") + ".py")
    names = imported(path.read_text("utf-8"), leaf)
    assert [name for name in names if name.split(".")[0] in PACKAGES] == []
