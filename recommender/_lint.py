"""The rule-base lint: defects the loader lets through, found exactly (no sampling).

`lint(book)` returns one `Problem` per finding (an empty list for a clean rule base):

1. never matches: no valid workload satisfies the rule's condition;
2. shadowed: in a single-choice category, whenever the rule matches a rule of higher priority
   with a different choice matches too, so the rule is never the primary choice; unless the
   rule says `alternative_only: true`. A rule with that mark that CAN be the primary choice
   (or that sits in a stack, where the mark means nothing) is a finding as well;
3. untested key: the condition tests a workload key that none of the rule's examples sets;
4. equal-priority overlap: two rules of one category and one priority that can both match one
   workload, so that only their ids order them (single-choice categories: rules with the same
   choice, since the loader already refuses different choices; stacks: any two rules).

Findings that concern a set of workloads name one of them (a witness), as
`velocity=streaming, source=s3`: keys it does not name keep the example base's value
(rulebook.EXAMPLE_BASE) or the workload default.

Every question is put to recommender.solver, the same solver the loader's tie and cover checks
use: exact, over the workload schema (model bounds, facts that come and go together, derived
facts that agree with what they are computed from), with one meaning of an absent fact.
"""

from __future__ import annotations

from typing import Any

from ._categories import SINGLE
from ._conditions import FLAT_FIELDS
from ._errors import Problem, RuleBaseError
from ._rulebook import EXAMPLE_BASE, Rule, RuleBook, load_rulebook
from ._solver import KNOWN_DERIVED, LIMIT, TooComplex, find, meet, show, witness_workload
from ._workload import DERIVED

__all__ = ["lint", "load_strict", "LIMIT", "KNOWN_DERIVED", "witness_workload"]


# ---------------------------------------------------------------------------------------------
# The checks


def load_strict(directory: Any = None) -> RuleBook:
    """`load_rulebook(directory)`, refused (RuleBaseError) on any lint finding as well."""
    book = load_rulebook(directory)
    findings = lint(book)
    if findings:
        raise RuleBaseError(findings)
    return book


def lint(book: RuleBook) -> list[Problem]:
    """Every finding of the rule-base lint, in rule order (see the module docstring)."""
    findings: list[Problem] = []
    dead: set[str] = set()
    for rule in book.rules:
        try:
            found, _ = find(rule.dnf)
        except TooComplex:
            findings.append(_too_intricate(rule, "whether it can match at all"))
            continue
        if found is None:
            dead.add(rule.id)
            findings.append(Problem(
                f"can never match: no valid workload satisfies its condition ({rule.reads})",
                key="when", where=str(rule.path)))
    for rule in book.rules:
        if rule.id not in dead:
            findings.extend(_shadowing(book, rule))
        findings.extend(_untested(rule))
    findings.extend(_overlaps(book, dead))
    order = {str(r.path): r.index for r in book.rules}
    findings.sort(key=lambda p: order.get(p.where or "", -1))
    return findings


def _too_intricate(rule: Rule, what: str) -> Problem:
    return Problem(f"is too intricate for the lint to decide {what} (over {LIMIT} boxes); "
                   "simplify its condition", key="when", where=str(rule.path))


def _label(rule: Rule) -> str:
    return f"{rule.id} ({rule.choice!r}, priority {rule.priority})"


def _shadowing(book: RuleBook, rule: Rule) -> list[Problem]:
    where = str(rule.path)
    if rule.category not in SINGLE:
        if rule.alternative_only:
            return [Problem(f"`alternative_only` applies to single-choice categories only; "
                            f"{rule.category} lists every matching choice", key="alternative_only",
                            where=where)]
        return []
    stronger = sorted((r for r in book.in_category(rule.category)
                       if r.priority > rule.priority and r.choice != rule.choice),
                      key=lambda r: (-r.priority, r.id))
    try:
        found, cutters = find(rule.dnf, [(r, c) for r in stronger for c in r.dnf])
    except TooComplex:
        return [_too_intricate(rule, "whether it can be the primary choice")]
    if found is None and not rule.alternative_only:
        cover = list(cutters)  # drop the rules the others make unnecessary, weakest first
        for other in reversed(cutters):
            rest = [r for r in cover if r is not other]
            if find(rule.dnf, [(r, c) for r in rest for c in r.dnf])[0] is None:
                cover = rest
        names = ", ".join(_label(r) for r in cover)
        return [Problem(
            f"can never be the primary choice of {rule.category}: whenever it matches, a rule "
            f"of higher priority with a different choice matches too ({names}); mark it "
            f"`alternative_only: true` if it is there to list {rule.choice!r} as an "
            "alternative, otherwise raise its priority or narrow those rules",
            key="priority", where=where)]
    if found is not None and rule.alternative_only:
        return [Problem(
            f"is marked `alternative_only` but is the primary choice of {rule.category} for "
            f"some workloads, for example {show(found, rule.fields)} (no rule of higher "
            "priority with a different choice matches there); remove the mark, or lower its "
            "priority below the rule that should win there",
            key="alternative_only", where=where)]
    return []


def _example_sets(example: dict[str, Any], path: str) -> bool:
    if path in EXAMPLE_BASE:
        return True
    if path == "time_series.defaults_only":
        return "time_series" in example or example.get("task") == "forecasting"
    head, _, name = path.partition(".")
    if not name:
        return head in example
    given = example.get(head)
    if not isinstance(given, dict):
        return False
    if path in ("diagnostics.train_to_target", "diagnostics.validation_to_target"):
        return "target_error" in given
    if path in DERIVED:
        return True
    return name in given


def _untested(rule: Rule) -> list[Problem]:
    examples = rule.examples_match + rule.examples_no_match
    paths = sorted({FLAT_FIELDS[key].path for key in rule.fields})
    out = []
    for path in paths:
        if not any(_example_sets(example, path) for example in examples):
            what = ("a target error" if path.endswith("_to_target") else
                    "diagnostics" if path in DERIVED and path != "time_series.defaults_only"
                    else "time_series or task: forecasting" if path in DERIVED else f"`{path}`")
            out.append(Problem(
                f"tests `{path}` but none of its examples gives {what}, so nothing shows what "
                f"that test changes; add an example that sets it (best: a no_match example that "
                f"differs from a match example in `{path}` only)", key="examples",
                where=str(rule.path)))
    return out


def _overlaps(book: RuleBook, dead: set[str]) -> list[Problem]:
    out = []
    slots: dict[tuple[str, int], list[Rule]] = {}
    for rule in book.rules:
        if rule.id not in dead:
            slots.setdefault((rule.category, rule.priority), []).append(rule)
    for (category, priority), group in sorted(slots.items()):
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a.choice != b.choice:
                    # single-choice categories: the loader refuses these already; stacks
                    # share priority bands on purpose and show both (docs/rules-format.md)
                    continue
                try:
                    found = meet(a.dnf, b.dnf)
                except TooComplex:
                    out.append(_too_intricate(a, f"whether it overlaps {b.id}"))
                    continue
                if found is None:
                    continue
                out.append(Problem(
                    f"overlaps {b.id} at the same priority {priority} in {category}, with the "
                    f"same choice {a.choice!r}: both match, for example, "
                    f"{show(found, a.fields | b.fields)}, and then only their ids decide "
                    "whose reason and sources the advice shows; give one of them another "
                    "priority or make their conditions exclusive", key="priority",
                    where=str(a.path)))
    return out
