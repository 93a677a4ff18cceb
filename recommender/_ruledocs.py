"""Reports about the rule base itself: listing, one rule in full, row coverage, docs/rules.md."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from ._catalogue import choices, rows
from ._categories import RULE_CATEGORIES, kind_of
from ._lifecycle import all_entries
from ._rulebook import EXAMPLE_BASE, Rule, RuleBook

__all__ = ["Coverage", "ChoiceCoverage", "coverage", "choice_coverage", "select", "show",
           "rules_markdown"]


@dataclass(frozen=True)
class Coverage:
    """Which catalogue rows are encoded: cited by a rule of the category the row decides."""

    covered: dict[str, list[str]]   # row id -> ids of the rules that encode it
    uncovered: list[str]
    total: int

    @property
    def count(self) -> int:
        return len(self.covered)


def coverage(book: RuleBook) -> Coverage:
    catalogue = rows()
    covered: dict[str, list[str]] = {}
    for rule in book.rules:
        for source in rule.sources:
            if source in catalogue and catalogue[source].decides == rule.category:
                covered.setdefault(source, []).append(rule.id)
    ordered = {r: covered[r] for r in catalogue if r in covered}
    return Coverage(ordered, [r for r in catalogue if r not in covered], len(catalogue))


@dataclass(frozen=True)
class ChoiceCoverage:
    """Which catalogue choices the rule base can give as an answer.

    `primary`: choice -> ids of the rules that recommend it and are not marked
    `alternative_only` (the strict lint, `recommend rules check --strict`, proves each of them is
    the primary choice of its category for some workload); `alternative`: choices only listed
    below a stronger one; `replacement`: choices that come in only as the replacement AWS names
    for a closed service; `retired`: choices AWS has retired, kept for their lifecycle note;
    `dead`: choices nothing can give."""

    primary: dict[str, list[str]]
    alternative: list[str]
    replacement: list[str]
    retired: list[str]
    dead: list[str]

    @property
    def reachable(self) -> int:
        return len(self.primary) + len(self.alternative) + len(self.replacement)

    @property
    def total(self) -> int:
        return self.reachable + len(self.retired) + len(self.dead)


def choice_coverage(book: RuleBook) -> ChoiceCoverage:
    primary: dict[str, list[str]] = {}
    listed: set[str] = set()
    for rule in book.rules:
        if rule.category == "warnings":
            continue
        listed.add(rule.choice)
        if not rule.alternative_only:
            primary.setdefault(rule.choice, []).append(rule.id)
    entries = all_entries()
    retired = {name for entry in entries if entry.status == "retired" for name in entry.names}
    replaced = {name for entry in entries for name in entry.replacements}
    out: dict[str, list[str]] = {"alternative": [], "replacement": [], "retired": [], "dead": []}
    for name in choices():
        if name in retired:
            out["retired"].append(name)
        elif name in primary:
            continue
        elif name in listed:
            out["alternative"].append(name)
        elif name in replaced:
            out["replacement"].append(name)
        else:
            out["dead"].append(name)
    return ChoiceCoverage({n: primary[n] for n in choices() if n in primary and n not in retired},
                          **out)


def select(book: RuleBook, category: str | None = None, row: str | None = None,
           choice: str | None = None) -> list[Rule]:
    found = book.rules
    if category:
        found = [r for r in found if r.category == category]
    if row:
        found = [r for r in found if row.upper() in r.sources]
    if choice:
        wanted = choice.lower()
        found = [r for r in found if wanted in r.choice.lower()]
    return sorted(found, key=lambda r: (RULE_CATEGORIES.index(r.category), -r.priority, r.id))


def _yaml(value: object) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=None, width=88).strip()


def show(rule: Rule) -> str:
    """One rule in full, for `recommend rules show ID`."""
    catalogue = rows()
    lines = [f"{rule.id}: {rule.title}",
             f"  category   {rule.category} ({kind_of(rule.category)})",
             f"  recommends {rule.choice}",
             f"  priority   {rule.priority}",
             f"  file       {rule.path.name}",
             f"  when       {rule.reads}",
             "", "  condition as written:"]
    lines += ["    " + line for line in _yaml({"when": rule.when}).splitlines()]
    lines += ["", "  because:", "    " + rule.because, "", "  sources:"]
    lines += [f"    {s}  {catalogue[s].label}" if s in catalogue else f"    {s}" for s in rule.sources]
    lines += ["", "  examples that must match (laid over the example base):"]
    lines += [f"    {_yaml(e) if e else '{}'}" for e in rule.examples_match]
    if rule.examples_no_match:
        lines += ["  examples that must not match:"]
        lines += [f"    {_yaml(e)}" for e in rule.examples_no_match]
    return "\n".join(lines)


def rules_markdown(book: RuleBook) -> str:
    """docs/rules.md, generated from the rule files (`recommend rules docs`)."""
    catalogue = rows()
    cov = coverage(book)
    out = ["# The rule base", "",
           "<!-- Generated by `recommend rules docs --output docs/rules.md`; do not edit by hand. "
           "A test fails when this file is stale. -->", "",
           f"{len(book)} rules; {cov.count} of {cov.total} cheat-sheet rows encoded. Each rule "
           "lists its condition, what it recommends, its priority and the rows it rests on. "
           "Examples are partial workloads laid over the example base "
           "`{" + ", ".join(f"{k}: {v}" for k, v in EXAMPLE_BASE.items()) + "}`.", ""]
    for category in RULE_CATEGORIES:
        rules = select(book, category=category)
        if not rules:
            continue
        out += [f"## {category} ({kind_of(category) if category != 'warnings' else 'warnings'})",
                "", "| rule | recommends | priority | when | sources |", "|---|---|---|---|---|"]
        for r in rules:
            when = r.reads.replace("|", "\\|")
            out.append(f"| `{r.id}` | {r.choice} | {r.priority} | {when} | "
                       f"{', '.join(r.sources)} |")
        out.append("")
    out += ["## Rows", "", "| row | section | item | encoded by |", "|---|---|---|---|"]
    for row_id, row in catalogue.items():
        by = ", ".join(f"`{r}`" for r in cov.covered.get(row_id, [])) or "**not encoded**"
        out.append(f"| {row_id} | {row.section} | {row.item} | {by} |")
    out.append("")
    return "\n".join(out)
