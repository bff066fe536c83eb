"""Message catalogs: every user-facing sentence in Simplified Chinese and English.

A sentence names its values in braces, ``{count}``. A word that depends on a number is written
``{count:member|members}``: the first form when the number is 1, the second otherwise, so
English reads "1 member", "2 members" (``{count} {count:member|members}``). Chinese needs no
plural and writes only ``{count}``.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from string import Formatter
from typing import Any

from core.text import PLAIN, Segment, Text, plain

LANGUAGES = ("zh", "en")


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def load_catalog(language: str, *folders: Traversable) -> dict[str, str]:
    """Read one language's catalog from ``folders`` into ``{"section.key": "text"}``.

    Each folder holds ``{language}.toml`` plus any ``{part}.{language}.toml`` that keeps a
    part's sentences apart; no folder given: the base catalog of this package. A key defined
    twice, in one folder or across them, is an error.
    """
    catalog: dict[str, str] = {}
    for folder in folders or (resources.files(__name__),):
        names = sorted(
            entry.name
            for entry in folder.iterdir()
            if entry.name == f"{language}.toml" or entry.name.endswith(f".{language}.toml")
        )
        for name in names:
            part = _flatten(tomllib.loads(folder.joinpath(name).read_text("utf-8")))
            twice = catalog.keys() & part.keys()
            if twice:
                raise ValueError(f"{name} defines keys already defined: {sorted(twice)[:5]}")
            catalog.update(part)
    return catalog


def feature_catalogs(features: Iterable[object]) -> list[Traversable]:
    """The base catalog, then the ``i18n`` folder of each feature's package, in feature order.

    A feature's sentences sit beside it: ``handlers/<feature>/i18n/{zh,en}.toml``. Features
    without such a folder (or sharing one) add nothing.
    """
    folders: list[Traversable] = [resources.files(__name__)]
    for feature in features:
        package = sys.modules[type(feature).__module__].__package__
        folder = resources.files(package).joinpath("i18n") if package else None
        if folder is not None and folder.is_dir() and str(folder) not in map(str, folders):
            folders.append(folder)
    return folders


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a catalog sentence uses."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def plural_forms(text: str) -> list[tuple[str, list[str]]]:
    """The ``{name:one|other}`` choices of a sentence: each name with its forms."""
    return [
        (name, spec.split("|"))
        for _, name, spec, _ in Formatter().parse(text)
        if name and spec and "|" in spec
    ]


def _as_number(value: object) -> float | None:
    """The number a value stands for: ints and floats, or text such as "1" or "1,000"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    text = str(value).replace(",", "").replace("_", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def choose_plural(value: object, spec: str) -> str:
    """The form of ``one|other`` that goes with ``value`` (English: "one" for exactly 1)."""
    forms = spec.split("|")
    if len(forms) != 2:
        raise ValueError(f"a plural choice has two forms, one|other, not {spec!r}")
    return forms[0] if _as_number(value) == 1 else forms[1]


@lru_cache(maxsize=4096)
def _parsed(text: str) -> tuple[tuple[str, str | None, str, str | None], ...]:
    """A sentence's literal runs and fields, parsed once per sentence."""
    return tuple(
        (literal, name, spec or "", conversion)
        for literal, name, spec, conversion in Formatter().parse(text)
    )


_CONVERSIONS = {"r": repr, "s": str, "a": ascii}


def fill(text: str, values: Mapping[str, Any]) -> Text:
    """A sentence with its values in: plural choices pick a form, a Text value keeps its
    formatting, any other value is shown as plain text (never read as markup or fields)."""
    run: list[str] = []  # plain text since the last formatted segment
    segments: list[Segment] | None = None  # only once a value brings formatting
    for literal, name, spec, conversion in _parsed(text):
        if literal:
            run.append(literal)
        if name is None:
            continue
        value = values[name]
        if "|" in spec:
            run.append(choose_plural(value, spec))
        elif isinstance(value, Text) and not spec and not conversion:
            if segments is None:
                segments = []
            for segment in value.segments:
                if segment.kind == PLAIN:
                    run.append(segment.text)
                    continue
                if run:
                    segments.append(Segment(PLAIN, "".join(run)))
                    run = []
                segments.append(segment)
        else:
            if conversion:
                value = _CONVERSIONS[conversion](value)
            run.append(format(value, spec) if spec else str(value))
    if segments is None:
        return plain("".join(run))
    if run:
        segments.append(Segment(PLAIN, "".join(run)))
    return Text.of(segments)


class Translator:
    """Looks sentences up by key and fills them in; falls back to the other language."""

    def __init__(self, default_language: str = "zh", folders: Sequence[Traversable] = ()) -> None:
        """Load the catalogs of ``folders`` (see ``feature_catalogs``); none: the base alone."""
        self.default_language = default_language
        self._catalogs = {lang: load_catalog(lang, *folders) for lang in LANGUAGES}

    def __call__(self, language: str | None, key: str, **values: Any) -> Text:
        """The sentence ``key`` in ``language`` with its values in (see ``fill``)."""
        return fill(self.plain(language, key), values)

    def text(self, language: str | None, key: str, **values: Any) -> str:
        """The sentence ``key`` as a str, values in (for charts, files, command menus)."""
        return fill(self.plain(language, key), values).plain()

    def plain(self, language: str | None, key: str) -> str:
        """The raw catalog sentence, unformatted (for command menus and templates)."""
        lang = language if language in self._catalogs else self.default_language
        text = self._catalogs[lang].get(key)
        if text is None:
            text = next((c[key] for c in self._catalogs.values() if key in c), key)
        return text

    def keys(self, language: str) -> set[str]:
        """Every key of one language's catalog."""
        return set(self._catalogs[language])
