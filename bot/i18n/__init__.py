"""Message catalogs: every user-facing sentence in Simplified Chinese and English."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from string import Formatter
from typing import Any

from bot.markup import Html, escape

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


def load_catalog(language: str, folder: Traversable | None = None) -> dict[str, str]:
    """Read one language's catalog into ``{"section.key": "text"}``.

    The catalog is ``{language}.toml`` plus one ``{feature}.{language}.toml`` per feature that
    keeps its sentences apart; a key defined twice is an error.
    """
    folder = folder if folder is not None else resources.files(__name__)
    names = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.name == f"{language}.toml" or entry.name.endswith(f".{language}.toml")
    )
    catalog: dict[str, str] = {}
    for name in names:
        part = _flatten(tomllib.loads(folder.joinpath(name).read_text("utf-8")))
        twice = catalog.keys() & part.keys()
        if twice:
            raise ValueError(f"{name} defines keys already defined: {sorted(twice)[:5]}")
        catalog.update(part)
    return catalog


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a catalog sentence uses."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


class Translator:
    """Looks sentences up by key and fills them in; falls back to the other language."""

    def __init__(self, default_language: str = "zh") -> None:
        self.default_language = default_language
        self._catalogs = {lang: load_catalog(lang) for lang in LANGUAGES}

    def __call__(self, language: str | None, key: str, **values: Any) -> Html:
        """The sentence ``key`` in ``language`` as markup; values not yet ``Html`` are escaped."""
        safe = {k: escape(v if isinstance(v, str) else str(v)) for k, v in values.items()}
        return Html(escape(self.plain(language, key)).format(**safe))

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
