"""Advice assembly: from the rules that matched to the advice a user reads.

Single-choice categories put the highest-priority matching choice first and keep the other
matching choices after it; stacks list every matching choice, highest priority first. A choice
recommended by several matching rules appears once, from the rule with the highest priority.
Ties in priority are broken by rule id, so the result never depends on file order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence

from ._categories import ALL as CATEGORIES, SINGLE, STACK, STAGES, WARNINGS
from ._conditions import decided_key, flatten
from ._rulebook import Rule, RuleBook
from ._workload import Workload

__all__ = ["Recommendation", "Warning", "Advice", "decide", "lifecycle_entry", "attention",
           "FAIL_ON"]


class Recommendation:
    """One item of a category: the choice, why, which rule and which cheat-sheet rows.

    The justification is written from the rule's template when first read, so that sweeps
    over many workloads pay only for the text they use.
    """

    __slots__ = ("choice", "rule", "sources", "priority", "_rule", "_workload", "_text")

    def __init__(self, rule: Rule, workload: Workload, *, choice: str | None = None,
                 rule_id: str | None = None, justification: str | None = None):
        self.choice = choice or rule.choice
        self.rule = rule_id or rule.id
        self.sources = rule.sources
        self.priority = rule.priority
        self._rule = rule
        self._workload = workload
        self._text: str | None = justification

    @property
    def justification(self) -> str:
        if self._text is None:
            self._text = self._rule.justify(self._workload)
        return self._text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Recommendation) and \
            (self.choice, self.justification, self.rule, self.sources) == \
            (other.choice, other.justification, other.rule, other.sources)

    def __hash__(self) -> int:
        return hash((self.choice, self.rule, self.sources))

    def __repr__(self) -> str:
        return f"Recommendation(choice={self.choice!r}, rule={self.rule!r}, " \
               f"sources={self.sources!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"choice": self.choice, "justification": self.justification, "rule": self.rule,
                "sources": list(self.sources)}


@dataclass(frozen=True)
class Warning:  # noqa: A001 - the contract's name for it
    rule: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class Advice:
    """The answer for one workload. `to_dict()` is the JSON contract (docs/output.md)."""

    workload: Workload
    recommendations: dict[str, tuple[Recommendation, ...]]
    warnings: tuple[Warning, ...]
    rulebase_version: str
    rule_count: int
    engine: str
    fired: tuple[str, ...] = field(default=(), repr=False)
    book: Any = field(default=None, repr=False, compare=False)
    #: What the rules were matched against: the flat workload and every decision.
    fact: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: The Recommender that made it: explanations re-run advice through it, so they keep its
    #: configuration (rules, engine, lifecycle policy).
    recommender: Any = field(default=None, repr=False, compare=False)

    def primary(self, category: str) -> Recommendation:
        """The first item of a category (the answer, for single-choice categories)."""
        return self.recommendations[category][0]

    def choices(self, category: str) -> list[str]:
        return [item.choice for item in self.recommendations.get(category, ())]

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (docs/output.md). Alternatives and counterfactuals are computed
        only when asked for: `Recommender.alternatives(advice)`, or `recommend --format json`,
        which adds them."""
        return {
            "workload": self.workload.to_dict(),
            "recommendations": {category: [item.to_dict() for item in items]
                                for category, items in self.recommendations.items()},
            "warnings": [w.to_dict() for w in self.warnings],
            "rulebase": {"version": self.rulebase_version, "rules": self.rule_count},
        }


def decide(workload: Workload, book: RuleBook, matcher: Any,
           new_customer: bool = True, recommender: Any = None) -> Advice:
    """Decide stage after stage (categories.STAGES): match the stage's rules against the
    workload and the decisions made so far, settle its categories, and add their primary
    choices to the facts the next stage matches."""
    fact = flatten(workload)
    fired: list[Rule] = []
    recommendations: dict[str, tuple[Recommendation, ...]] = {}
    warnings: tuple[Warning, ...] = ()
    rank = book.rank
    for stage, (_, categories) in enumerate(STAGES):
        hits = sorted((book.rules[i] for i in matcher.match(stage, fact)),
                      key=lambda r: rank[r.index])
        fired += hits
        settled, raised = _settle(workload, hits, categories, new_customer)
        recommendations.update(settled)
        warnings += raised
        for category, items in settled.items():
            if category in SINGLE:
                fact[decided_key(category)] = items[0].choice
    ordered = {c: recommendations[c] for c in CATEGORIES if c in recommendations}
    warnings += _lifecycle_warnings(ordered)
    return Advice(workload, ordered, warnings, book.version, len(book), matcher.name,
                  tuple(r.id for r in sorted(fired, key=lambda r: rank[r.index])), book,
                  fact, recommender)


def _settle(workload: Workload, fired: list[Rule], categories: Sequence[str],
            new_customer: bool) -> tuple[dict[str, tuple[Recommendation, ...]],
                                         tuple[Warning, ...]]:
    """The items of each category of one stage from its fired rules (in advice order), and
    the warnings the stage raised."""
    by_category: dict[str, list[Rule]] = {}
    for rule in fired:
        by_category.setdefault(rule.category, []).append(rule)
    out: dict[str, tuple[Recommendation, ...]] = {}
    for category in categories:
        if category == WARNINGS:
            continue
        rules = by_category.get(category, ())
        if not rules and category not in SINGLE and category not in STACK:
            continue  # optional categories appear only when something matched
        items: list[Recommendation] = []
        seen: set[str] = set()
        for rule in rules:
            if rule.choice not in seen:
                seen.add(rule.choice)
                items.append(Recommendation(rule, workload))
        if new_customer:
            items = _for_new_customers(category, items, workload)
        out[category] = tuple(items)
    warnings = tuple(Warning(rule.id, rule.justify(workload))
                     for rule in by_category.get(WARNINGS, ()))
    return out, warnings


@lru_cache(maxsize=None)
def lifecycle_entry(choice: str) -> Any:
    """The lifecycle entry of a choice, or None (looked up once per name and process)."""
    from ._lifecycle import lifecycle
    return lifecycle(choice)


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _lifecycle_warnings(recommendations: dict[str, tuple[Recommendation, ...]]
                        ) -> tuple[Warning, ...]:
    """A warning for every recommended name that AWS renamed, closed or retired."""
    out: dict[str, Warning] = {}
    for items in recommendations.values():
        for item in items:
            if item.choice not in out:
                warning = _lifecycle_warning(item.choice)
                if warning is not None:
                    out[item.choice] = warning
    return tuple(out.values())


@lru_cache(maxsize=None)
def _lifecycle_warning(choice: str) -> Warning | None:
    entry = lifecycle_entry(choice)
    if entry is None or not entry.needs_warning:
        return None
    return Warning(f"lifecycle.{_slug(choice)}", entry.message())


def _for_new_customers(category: str, items: list[Recommendation],
                       workload: Workload) -> list[Recommendation]:
    """What a customer may build today: a choice AWS has retired is dropped, and one it has
    closed to new customers too unless the workload lists it in `existing_services`. A single-choice category left
    without a choice gets the first replacement AWS points to that it does not hold yet; a stack
    that lost one gets the replacement AWS names first, unless it holds it already; a replaced
    primary choice says what it replaces."""
    def closed(item: Recommendation) -> bool:
        entry = lifecycle_entry(item.choice)
        if entry is None or not entry.closed:
            return False
        # a team may keep a service closed to new customers; a retired one is gone for all
        return entry.status == "retired" or item.choice not in workload.existing_services

    kept = [i for i in items if not closed(i)]
    gone = [i for i in items if closed(i)]
    if not gone:
        return items
    if category in SINGLE:
        return _replace_single(items, kept, closed(items[0]), workload)
    taken = {i.choice for i in items}
    for lost in gone:
        # a stack takes the replacement AWS names first, unless it holds it already (then the
        # job is covered)
        entry = lifecycle_entry(lost.choice)
        for name in entry.replacements[:1]:
            if name not in taken:
                kept.append(_replacement(lost, name, workload))
                taken.add(name)
    return kept


def _since(choice: str) -> str:
    entry = lifecycle_entry(choice)
    return f" (since {entry.since})" if entry and entry.since else ""


def _replacement(lost: Recommendation, name: str, workload: Workload) -> Recommendation:
    """`name` recommended in place of the closed `lost`, saying why."""
    text = (f"{lost.choice} would fit ({lost.justification[0].lower()}"
            f"{lost.justification[1:].rstrip('.')}), but it is closed to new "
            f"customers{_since(lost.choice)}; {name} is the replacement AWS points to.")
    return Recommendation(lost._rule, workload, choice=name,
                          rule_id=f"lifecycle.{_slug(lost.choice)}", justification=text)


def _replace_single(items: list[Recommendation], kept: list[Recommendation],
                    primary_closed: bool, workload: Workload) -> list[Recommendation]:
    """A single-choice category whose primary choice is closed takes the first replacement AWS
    points to (moved to the front if a rule recommends it already); only when AWS names none
    does the next choice take its place."""
    if not primary_closed:
        return kept
    lost = items[0]
    replacements = lifecycle_entry(lost.choice).replacements
    held = {i.choice: i for i in kept}
    if replacements and replacements[0] in held:
        first = held[replacements[0]]
        text = (f"{lost.choice} matched first but is closed to new customers"
                f"{_since(lost.choice)}, so {first.choice}, which AWS points to, takes its "
                f"place: {first.justification}")
        return [Recommendation(first._rule, workload, justification=text)] + \
            [i for i in kept if i is not first]
    if replacements:
        return [_replacement(lost, replacements[0], workload)] + kept
    if kept:
        first = kept[0]
        text = (f"{lost.choice} matched first but is closed to new customers"
                f"{_since(lost.choice)}, so {first.choice} takes its place: "
                f"{first.justification}")
        kept[0] = Recommendation(first._rule, workload, justification=text)
    return kept


#: What `recommend --fail-on` can stop on.
FAIL_ON = ("warning", "closed")


def attention(advice: Advice, fail_on: Sequence[str]) -> list[str]:
    """Why --fail-on stops on this advice: for `closed`, each recommended choice (the primary of
    a single-choice category, any item of a stack) closed to new customers or retired; for
    `warning`, those, recommended choices in maintenance, and each rule-base warning. A rename
    alone is no reason: the recommendation stands under the new name."""
    if not fail_on:
        return []
    reasons: list[str] = []
    seen: set[str] = set()
    for category, items in advice.recommendations.items():
        # a single-choice category recommends its primary item; the others only matched too
        for item in items[:1] if category in SINGLE else items:
            entry = lifecycle_entry(item.choice)
            if entry is None or item.choice in seen or entry.status in ("available", "renamed"):
                continue
            seen.add(item.choice)
            if entry.closed or "warning" in fail_on:
                reasons.append(f"{item.choice} ({category.replace('_', ' ')}) is "
                               f"{entry.status.replace('_', ' ')}")
    if "warning" in fail_on:
        reasons += [f"warning {w.rule}" for w in advice.warnings
                    if not w.rule.startswith("lifecycle.")]
    return reasons
