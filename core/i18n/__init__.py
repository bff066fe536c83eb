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

from core.markup import Html, escape

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


class _Filler(Formatter):
    """Fills a sentence in: plural choices pick a form, other values are shown as text."""

    def __init__(self, *, markup: bool) -> None:
        super().__init__()
        self._markup = markup

    def format_field(self, value: Any, format_spec: str) -> str:
        """One value as text: a plural form, or the value (escaped for markup)."""
        if "|" in format_spec:
            # The forms come from the catalog sentence, already escaped along with it.
            return choose_plural(value, format_spec)
        if format_spec:
            value = format(value, format_spec)
        text = value if isinstance(value, str) else str(value)
        return escape(text) if self._markup else text


_MARKUP = _Filler(markup=True)
_PLAIN = _Filler(markup=False)


@lru_cache(maxsize=4096)
def _has_choices(text: str) -> bool:
    # Most sentences have none and take the faster str.format.
    return bool(plural_forms(text))


def fill(text: str, values: Mapping[str, Any], *, markup: bool = True) -> str:
    """A sentence with its values in; for markup, values not yet ``Html`` are escaped."""
    if _has_choices(text):
        return (_MARKUP if markup else _PLAIN).vformat(text, (), values)
    if markup:
        return text.format(
            **{k: escape(v if isinstance(v, str) else str(v)) for k, v in values.items()}
        )
    return text.format(**values)


class Translator:
    """Looks sentences up by key and fills them in; falls back to the other language."""

    def __init__(self, default_language: str = "zh", folders: Sequence[Traversable] = ()) -> None:
        """Load the catalogs of ``folders`` (see ``feature_catalogs``); none: the base alone."""
        self.default_language = default_language
        self._catalogs = {lang: load_catalog(lang, *folders) for lang in LANGUAGES}

    def __call__(self, language: str | None, key: str, **values: Any) -> Html:
        """The sentence ``key`` in ``language`` as markup; values not yet ``Html`` are escaped."""
        return Html(fill(escape(self.plain(language, key)), values))

    def text(self, language: str | None, key: str, **values: Any) -> str:
        """The sentence ``key`` as plain text, values in (for charts, files, command menus)."""
        return fill(self.plain(language, key), values, markup=False)

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
