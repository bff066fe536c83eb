"""Reading sample files: CSV ``target,input`` (1 = spam) or one sample a line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from handlers.spam.model import Sample

CSV_HEADER = "target,input"
MAX_SAMPLE_CHARS = 4_000


def parse_samples(text: str, spam: bool) -> list[Sample]:
    """The samples in a file's text: labelled CSV if it starts with ``target,input``, else
    one sample a line, all of the class ``spam``. Blank lines are skipped."""
    lines = text.lstrip("\ufeff").splitlines()
    if is_csv(text):
        return list(_csv_rows(lines[1:]))
    return [Sample(line.strip()[:MAX_SAMPLE_CHARS], spam) for line in lines if line.strip()]


def is_csv(text: str) -> bool:
    """Whether a file's text is labelled CSV (its first line is ``target,input``)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return first.strip().lower().replace(" ", "") == CSV_HEADER


def _csv_rows(lines: Iterable[str]) -> Iterable[Sample]:
    for row in csv.reader(io.StringIO("\n".join(lines))):
        if len(row) < 2 or row[0].strip() not in ("0", "1"):
            continue
        # Unquoted commas inside the text split it into more fields: join them back.
        body = ",".join(row[1:]).strip()
        if body:
            yield Sample(body[:MAX_SAMPLE_CHARS], row[0].strip() == "1")


def read_samples(path: Path, spam: bool) -> list[Sample]:
    """The samples in one file (see ``parse_samples``); undecodable bytes are replaced."""
    return parse_samples(path.read_text(encoding="utf-8", errors="replace"), spam)


def read_paired(path: Path) -> list[Sample]:
    """Samples from a CSV file, a directory of ``spam-*.txt``/``ham-*.txt`` files, or one
    such file together with its partner (``spam-x.txt`` and ``ham-x.txt``)."""
    if path.is_dir():
        files = sorted(path.glob("spam-*.txt")) + sorted(path.glob("ham-*.txt"))
    elif path.name.startswith(("spam-", "ham-")):
        rest = path.name.split("-", 1)[1]
        pair = (path.with_name(f"spam-{rest}"), path.with_name(f"ham-{rest}"))
        files = [p for p in pair if p.exists()]
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not is_csv(text):
            raise ValueError(f"{path}: neither CSV target,input nor a spam-*/ham-* file")
        return parse_samples(text, spam=True)
    samples: list[Sample] = []
    for file in files:
        samples.extend(read_samples(file, spam=file.name.startswith("spam-")))
    return samples
