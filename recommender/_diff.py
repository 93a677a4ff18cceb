"""What changed between two advices: the workload keys that differ, and per category how the
recommendation moved and which rules caused it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._advice import Advice
from ._categories import ALL, SINGLE
from ._safetext import for_terminal
from ._values import shown

__all__ = ["KeyChange", "CategoryChange", "AdviceDiff", "diff"]


@dataclass(frozen=True)
class KeyChange:
    path: str
    before: Any   # None: not given
    after: Any


@dataclass(frozen=True)
class CategoryChange:
    category: str
    before: tuple[str, ...]     # choices, in order (the primary first)
    after: tuple[str, ...]
    rules_gone: tuple[str, ...]  # rules of the category that matched only before
    rules_new: tuple[str, ...]   # ... only after

    @property
    def primary_changed(self) -> bool:
        return self.before[:1] != self.after[:1]

    def summary(self) -> str:
        title = self.category.replace("_", " ")
        if self.category in SINGLE or self.category == "diagnosis":
            if self.primary_changed:
                text = f"{title}: {_first(self.before)} -> {_first(self.after)}"
            else:
                text = f"{title}: {_first(self.after)} (alternatives changed)"
        else:
            added = [c for c in self.after if c not in self.before]
            removed = [c for c in self.before if c not in self.after]
            parts = [f"+ {c}" for c in added] + [f"- {c}" for c in removed]
            text = f"{title}: " + ("; ".join(parts) if parts else "order changed")
        causes = [f"{r} now matches" for r in self.rules_new] + \
                 [f"{r} no longer matches" for r in self.rules_gone]
        return text + (f"  [{', '.join(causes)}]" if causes else "")

    def to_dict(self) -> dict[str, Any]:
        return {"category": self.category, "before": list(self.before),
                "after": list(self.after), "rules_no_longer_matching": list(self.rules_gone),
                "rules_now_matching": list(self.rules_new)}


def _first(choices: tuple[str, ...]) -> str:
    return choices[0] if choices else "(absent)"


@dataclass(frozen=True)
class AdviceDiff:
    keys: tuple[KeyChange, ...]
    categories: tuple[CategoryChange, ...]
    warnings_gone: tuple[str, ...]
    warnings_new: tuple[str, ...]

    def to_text(self, a_name: str = "A", b_name: str = "B") -> str:
        """The difference for a terminal, naming the two inputs `a_name` and `b_name` (file
        names). Each line is passed through safetext.for_terminal: a control character in a file
        name, a choice or a warning is shown as an escape, and a line break in one is shown as
        `\\x0a`, so that it cannot act on the terminal or forge a line."""
        lines = [f"Workload keys that differ ({a_name} -> {b_name}):"]
        if not self.keys:
            lines.append("  none")
        for k in self.keys:
            lines.append(f"  {k.path}: {_show(k.path, k.before)} -> {_show(k.path, k.after)}")
        lines.append("")
        lines.append("Recommendations that changed:")
        if not self.categories:
            lines.append("  none")
        lines += [f"  {c.summary()}" for c in self.categories]
        if self.warnings_new or self.warnings_gone:
            lines.append("")
            lines.append("Warnings:")
            lines += [f"  + {w}" for w in self.warnings_new]
            lines += [f"  - {w}" for w in self.warnings_gone]
        return "\n".join(for_terminal(line) for line in lines)

    def to_dict(self) -> dict[str, Any]:
        return {"workload": [{"key": k.path, "before": k.before, "after": k.after}
                             for k in self.keys],
                "categories": [c.to_dict() for c in self.categories],
                "warnings": {"new": list(self.warnings_new), "gone": list(self.warnings_gone)}}


def _show(path: str, value: Any) -> str:
    return shown(path, value)


def _paths(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_paths(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def diff(a: Advice, b: Advice) -> AdviceDiff:
    """The differences between advice `a` and advice `b`."""
    pa, pb = _paths(a.workload.to_dict()), _paths(b.workload.to_dict())
    keys = tuple(KeyChange(k, pa.get(k), pb.get(k)) for k in list(dict.fromkeys([*pa, *pb]))
                 if pa.get(k) != pb.get(k) and k != "name")
    fired_a, fired_b = set(a.fired), set(b.fired)
    changes = []
    for category in ALL:
        before = tuple(a.choices(category))
        after = tuple(b.choices(category))
        if before == after:
            continue
        prefix = category + "."
        changes.append(CategoryChange(
            category, before, after,
            tuple(sorted(r for r in fired_a - fired_b if r.startswith(prefix))),
            tuple(sorted(r for r in fired_b - fired_a if r.startswith(prefix)))))
    wa = {w.rule for w in a.warnings}
    wb = {w.rule for w in b.warnings}
    return AdviceDiff(keys, tuple(changes), tuple(sorted(wa - wb)), tuple(sorted(wb - wa)))
