"""Loading a checked rules file into a group: merge with what is there, within the caps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from handlers.autoreply.rules import Answer, RuleError
from handlers.autoreply.transfer import MAX_ANSWERS, Entry, Loaded, Rejected
from storage.replies import NewRule, ReplyRepository

# A rule's identity within a group.
Key = tuple[str, str]


@dataclass(slots=True)
class ImportPlan:
    """What loading a file changes; decided with no I/O."""

    new: dict[Key, Entry] = field(default_factory=dict)
    extended: dict[int, tuple[Answer, ...]] = field(default_factory=dict)
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, for the admin."""

    added: int
    extended: int
    unchanged: int
    total: int
    rejected: Sequence[Rejected]


def plan_import(
    existing: Mapping[Key, tuple[int, tuple[Answer, ...]]],
    loaded: Loaded,
    max_rules: int,
) -> ImportPlan:
    """Merge a file into a group's rules: a known trigger gains the answers it lacks.

    Rules beyond ``max_rules`` and answers beyond the per-rule cap are rejected by row.
    """
    plan = ImportPlan(rejected=list(loaded.rejected))
    room = max_rules - len(existing)
    for entry in loaded.entries:
        key = (entry.trigger.mode, entry.trigger.match_key)
        if key in existing:
            rule_id, answers = existing[key]
            merged = _merge(plan.extended.get(rule_id, answers), entry.answers)
            if merged is None:
                plan.rejected.append(_too_many(entry.row))
            elif merged == answers:
                plan.unchanged += 1
            else:
                plan.extended[rule_id] = merged
        elif key in plan.new:
            merged = _merge(plan.new[key].answers, entry.answers)
            if merged is None:
                plan.rejected.append(_too_many(entry.row))
            else:
                plan.new[key] = Entry(plan.new[key].trigger, merged)
        elif len(plan.new) >= room:
            plan.rejected.append(Rejected(entry.row, RuleError("import_cap", limit=max_rules)))
        else:
            plan.new[key] = entry
    plan.rejected.sort(key=lambda r: r.row)
    return plan


def _merge(current: tuple[Answer, ...], more: tuple[Answer, ...]) -> tuple[Answer, ...] | None:
    merged = tuple(dict.fromkeys((*current, *more)))
    return merged if len(merged) <= MAX_ANSWERS else None


def _stored(answers: Sequence[Answer]) -> list[dict[str, Any]]:
    return [answer.to_dict() for answer in answers]


def _too_many(row: int) -> Rejected:
    return Rejected(row, RuleError("too_many_answers", limit=MAX_ANSWERS))


async def import_entries(
    repo: ReplyRepository,
    chat_id: int,
    loaded: Loaded,
    *,
    created_by: int,
    replace: bool,
    max_rules: int,
) -> ImportReport:
    """Apply a file to a group in the caller's transaction (``replace`` clears it first)."""
    if replace:
        await repo.clear(chat_id)
        rows = []
    else:
        rows = await repo.in_chat(chat_id)
    by_key = {(r.mode, r.match_key): r for r in rows}
    existing = {
        key: (row.id, tuple(Answer.from_dict(a) for a in row.answers))
        for key, row in by_key.items()
    }
    plan = plan_import(existing, loaded, max_rules)
    by_id = {row.id: row for row in rows}
    for rule_id, answers in plan.extended.items():
        repo.set_answers(by_id[rule_id], _stored(answers))
    new = [
        NewRule(e.trigger.mode, e.trigger.keyword, e.trigger.match_key, _stored(e.answers))
        for e in plan.new.values()
    ]
    await repo.add_many(chat_id, new, created_by)
    return ImportReport(
        added=len(plan.new),
        extended=len(plan.extended),
        unchanged=plan.unchanged,
        total=len(existing) + len(plan.new),
        rejected=plan.rejected,
    )
