"""Each feature's settings and catalog beside it, composed in the shell, read by name.

(The import rules between floors are tests/test_layers.py.)
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from bot.app import catalog_folders
from bot.settings import Settings
from core.config import Section

ROOT = Path(__file__).resolve().parents[1]
FEATURE_CONFIGS = sorted(path for path in (ROOT / "handlers").glob("*/config.py"))


def _sections_read(folder: Path) -> dict[str, set[str]]:
    """Every ``<x>.settings.<section>`` in the code below ``folder``: section -> files."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "settings"
            ):
                found.setdefault(node.attr, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("folder", ["handlers", "core"])
def test_every_section_read_is_in_the_composed_settings(folder: str) -> None:
    """``runtime.settings.<section>`` is only checked here, since core cannot name Settings."""
    read = _sections_read(ROOT / folder)
    assert read, "the scan found nothing: it no longer sees how settings are read"
    unknown = {
        name: sorted(files) for name, files in read.items() if name not in Settings.model_fields
    }
    assert unknown == {}


def _section_models(path: Path) -> list[type[Section]]:
    module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, Section)
        and value.__module__ == module.__name__
    ]


@pytest.mark.parametrize("path", FEATURE_CONFIGS, ids=lambda path: path.parent.name)
def test_each_feature_section_is_composed_once(path: Path) -> None:
    """A section model beside a feature is one field of Settings (else it is never loaded)."""
    models = _section_models(path)
    assert models, f"{path} defines no section"
    for model in models:
        fields = [name for name, f in Settings.model_fields.items() if f.annotation is model]
        assert len(fields) == 1, f"{model.__name__} is named {len(fields)} times in Settings"


def test_the_scan_sees_feature_configs() -> None:
    assert {path.parent.name for path in FEATURE_CONFIGS} >= {"welcome", "moderation", "spam"}


def test_every_feature_catalog_is_loaded() -> None:
    """A catalog beside a feature is read because the feature is in the ordered list."""
    on_disk = {path.resolve() for path in (ROOT / "handlers").glob("*/i18n")}
    loaded = {Path(str(folder)).resolve() for folder in catalog_folders()}
    assert on_disk, "the scan found no feature catalog"
    assert sorted(on_disk - loaded) == []
    assert Path(str(catalog_folders()[0])).resolve() == ROOT / "core" / "i18n"
