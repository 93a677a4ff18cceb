"""Explanations: why this choice, why not that one, and what would change it.

Everything here is computed from the rule conditions themselves:

* `check(rule, workload)` reads a rule's condition against a workload: for the alternative of the
  condition (its DNF) that comes closest, which tests hold and which fail, with the values.
* `alternatives(advice)` lists, for each single-choice category, the choices that matched but
  lost on priority, and the strongest choices whose rules did not match, each with its reason.
* `changes_for(rule, workload)` finds the smallest edits of the workload (fields and values)
  that make a rule's condition hold, by reading the failing tests of each alternative.
* `counterfactuals(advice)` searches those edits, one or two keys at a time, for each
  single-choice category, and keeps only the ones that really change the primary choice when
  advise() is run again on the edited workload.
* `why_not(advice, choice)` puts these together for one choice.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ._advice import Advice, decide
from ._engine import get_engine
from ._catalogue import choices as catalogue_choices, find_choice
from ._categories import ALL, SINGLE
from ._solver import ABSENT as _ABSENT, candidates as _candidates
from ._conditions import (FLAT_FIELDS, Leaf, decided_category, describe, flatten, nearest,
                         to_dnf, to_nnf)
from ._errors import InputError, Problem, WorkloadError
from ._rulebook import Rule, RuleBook, load_rulebook
from ._safetext import for_terminal
from ._values import shown
from ._workload import DERIVED, LIST_FIELDS, Workload, format_size

__all__ = ["Check", "RuleCheck", "Alternative", "Change", "Counterfactual", "WhyNot", "check",
           "alternatives", "changes_for", "apply_changes", "counterfactuals", "why_not",
           "resolve_choice"]


@dataclass(frozen=True)
class Check:
    """One test of a condition against the workload."""

    test: str       # "velocity in {streaming, hybrid}"
    held: bool
    value: str      # the workload's value: "batch", or "not given"

    def __str__(self) -> str:
        return f"{self.test} ({'holds' if self.held else 'fails'}: workload has {self.value})"


@dataclass(frozen=True)
class RuleCheck:
    """A rule read against a workload, along its closest alternative."""

    rule: Rule
    matched: bool
    held: tuple[Check, ...]
    failed: tuple[Check, ...]

    def reason(self) -> str:
        if self.matched:
            return "its condition holds: " + "; ".join(c.test for c in self.held) \
                if self.held else "its condition always holds"
        return "it needs " + "; ".join(
            f"{c.test} (the workload has {c.value})" for c in self.failed)


def _value_text(key: str, fact: dict[str, Any]) -> str:
    return shown(key, fact[key]) if key in fact else "no value"


def _leaf_check(leaf: Leaf, fact: dict[str, Any]) -> Check:
    return Check(describe(leaf), leaf.holds(fact), _value_text(leaf.key, fact))


def check(rule: Rule, workload: Workload, fact: dict[str, Any] | None = None) -> RuleCheck:
    """Read `rule` against `workload`: the alternative of its condition with the fewest failing
    tests, and which tests hold or fail there."""
    fact = flatten(workload) if fact is None else fact
    failing, conjunction = nearest(rule.dnf, fact)
    checks = [_leaf_check(leaf, fact) for leaf in conjunction]
    return RuleCheck(rule, failing == 0, tuple(c for c in checks if c.held),
                     tuple(c for c in checks if not c.held))


# ---------------------------------------------------------------------------------------------
# Alternatives


@dataclass(frozen=True)
class Alternative:
    """A choice that was considered for a single-choice category and did not win."""

    choice: str
    rule: str
    priority: int
    status: str          # "lost": matched with lower priority; "not_matched"
    reason: str
    failed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {"choice": self.choice, "rule": self.rule, "priority": self.priority,
               "status": self.status, "reason": self.reason}
        if self.failed:
            out["failed_conditions"] = list(self.failed)
        return out


def alternatives(advice: Advice, unmatched: int = 3,
                 book: RuleBook | None = None) -> dict[str, list[Alternative]]:
    """Per single-choice category: every matched choice that lost, then the `unmatched`
    strongest choices whose rules did not match."""
    book = book or advice.book or load_rulebook()
    fact = advice.fact or flatten(advice.workload)
    fired = set(advice.fired)
    out: dict[str, list[Alternative]] = {}
    for category in SINGLE:
        items = advice.recommendations[category]
        primary = items[0]
        found: list[Alternative] = []
        for item in items[1:]:
            found.append(Alternative(
                item.choice, item.rule, item.priority, "lost",
                f"matched too, but {primary.rule} recommends {primary.choice} with priority "
                f"{primary.priority}, above this rule's {item.priority}"))
        shown = {i.choice for i in items}
        rules = sorted((r for r in book.in_category(category) if r.id not in fired),
                       key=lambda r: (-r.priority, r.id))
        for rule in rules:
            if len([a for a in found if a.status == "not_matched"]) >= unmatched:
                break
            if rule.choice in shown:
                continue
            shown.add(rule.choice)
            result = check(rule, advice.workload, fact)
            found.append(Alternative(rule.choice, rule.id, rule.priority, "not_matched",
                                     f"not matched: {result.reason()}",
                                     tuple(str(c) for c in result.failed)))
        out[category] = found
    return out


# ---------------------------------------------------------------------------------------------
# Edits of a workload


@dataclass(frozen=True)
class Change:
    """Set one workload key (dotted path) to a value; `None` removes an optional fact."""

    path: str
    value: Any

    def __str__(self) -> str:
        head, _, member = self.path.partition(".")
        if head in LIST_FIELDS:
            return f"{member} {'in' if self.value else 'not in'} {head}"
        if self.value is None:
            return f"without {self.path}"
        value = self.value
        if isinstance(value, bool):
            value = str(value).lower()
        return f"{self.path}: {value}"


def _closest(field_key: str, leaves: list[Leaf], current: Any) -> Any:
    """The value nearest to `current` that satisfies every leaf on the field (_ABSENT-aware);
    raises LookupError when none does."""
    spec = FLAT_FIELDS[field_key]
    fitting = []
    for candidate in _candidates(spec, leaves):
        fact = {} if candidate is _ABSENT else {field_key: candidate}
        if all(leaf.holds(fact) for leaf in leaves):
            fitting.append(candidate)
    if not fitting:
        raise LookupError(field_key)
    if spec.kind in ("int", "size", "number") and isinstance(current, (int, float)):
        numeric = [c for c in fitting if c is not _ABSENT]
        if numeric:
            best = min(numeric, key=lambda c: abs(c - current))
            if spec.kind == "size":  # a round size reads better than a byte count
                best = _round_size(best, leaves)
            return best
    return None if fitting[0] is _ABSENT else fitting[0]


def _round_size(value: int, leaves: list[Leaf]) -> int:
    for unit in (10**15, 10**12, 10**9, 10**6, 10**3):
        for rounded in (value // unit * unit, -(-value // unit) * unit):
            if rounded >= 1 and all(leaf.holds({leaf.key: rounded}) for leaf in leaves):
                return rounded
    return value


def changes_for(rule: Rule, workload: Workload, max_keys: int = 2,
                negate: bool = False, fact: dict[str, Any] | None = None
                ) -> list[tuple[Change, ...]]:
    """Edits of at most `max_keys` workload keys that would make `rule`'s condition hold (or,
    with `negate`, stop holding), smallest first. `fact` is what the rule was matched against
    (Advice.fact: the workload and the earlier decisions). Facts derived from others (such as
    diagnostics.gap_ratio) and earlier decisions are never edited directly: a decision changes
    only through the workload."""
    fact = flatten(workload) if fact is None else fact
    found: dict[tuple[Change, ...], None] = {}
    dnf = to_dnf(to_nnf(rule.condition, negate=True)) if negate else rule.dnf
    for conjunction in dnf:
        failing = {leaf.key for leaf in conjunction if not leaf.holds(fact)}
        if not failing or len(failing) > max_keys:
            continue
        if any(FLAT_FIELDS[k].path in DERIVED or decided_category(k) for k in failing):
            continue
        edits = []
        try:
            for key in sorted(failing):
                leaves = [leaf for leaf in conjunction if leaf.key == key]
                value = _closest(key, leaves, fact.get(key))
                edits.append(_change(key, value))
        except LookupError:
            continue
        found[tuple(edits)] = None
    return sorted(found, key=len)


def _change(key: str, value: Any) -> Change:
    spec = FLAT_FIELDS[key]
    if spec.path in LIST_FIELDS:  # a member flag: existing_stack__kafka
        member = key.split("__", 1)[1]
        return Change(f"{spec.path}.{member}", value)
    if spec.kind == "size" and value is not None:
        text = format_size(value)
        from ._workload import parse_size
        return Change(spec.path, text if parse_size(text) == value else value)
    return Change(spec.path, value)


def apply_changes(data: dict[str, Any], edits: Iterable[Change]) -> dict[str, Any]:
    """A copy of the workload mapping `data` with the edits applied."""
    out = copy.deepcopy(data)
    for edit in edits:
        head, _, tail = edit.path.partition(".")
        if head in LIST_FIELDS:
            items = [s for s in out.get(head, []) if s != tail]
            if edit.value:
                items.append(tail)
            out[head] = sorted(items)
        elif tail:
            sub = dict(out.get(head) or {})
            if edit.value is None:
                sub.pop(tail, None)
            else:
                sub[tail] = edit.value
            out[head] = sub
        elif edit.value is None:
            out.pop(head, None)
        else:
            out[head] = edit.value
    return out


# ---------------------------------------------------------------------------------------------
# Counterfactuals


@dataclass(frozen=True)
class Counterfactual:
    """A verified edit of the workload that changes the primary choice of a category."""

    category: str
    changes: tuple[Change, ...]
    before: str
    after: str
    rule: str             # the rule that recommends the new primary

    def sentence(self) -> str:
        edits = " and ".join(str(c) for c in self.changes)
        return f"with {edits}, {self.category.replace('_', ' ')} would be {self.after}"

    def to_dict(self) -> dict[str, Any]:
        return {"category": self.category,
                "changes": {c.path: c.value for c in self.changes},
                "before": self.before, "after": self.after, "rule": self.rule,
                "sentence": self.sentence()}


#: Keys that define the problem rather than the design; what-ifs leave them alone.
FIXED = ("task", "modality")


def counterfactuals(advice: Advice, per_category: int = 3, max_keys: int = 2,
                    fixed: tuple[str, ...] = FIXED) -> dict[str, list[Counterfactual]]:
    """For each single-choice category, up to `per_category` smallest edits (at most
    `max_keys` keys, never of the `fixed` keys) that change its primary choice, each verified
    by advising again on the edited workload, with the recommender that made `advice`."""
    book = advice.book or load_rulebook()
    data = advice.workload.to_dict()
    cache: dict[tuple[Change, ...], Advice | None] = {}
    out: dict[str, list[Counterfactual]] = {}
    for category in SINGLE:
        before = advice.primary(category).choice
        found: dict[str, Counterfactual] = {}
        rules = sorted((r for r in book.in_category(category) if r.choice != before),
                       key=lambda r: (-r.priority, r.id))
        # Edits that make another rule match, then edits that stop the winning rule.
        attempts = [(rule, changes_for(rule, advice.workload, max_keys, fact=advice.fact))
                    for rule in rules]
        winner = book.by_id.get(advice.primary(category).rule)
        if winner is not None:  # a lifecycle replacement has no rule of its own
            attempts.append((winner, changes_for(winner, advice.workload, max_keys,
                                                 negate=True, fact=advice.fact)))
        for rule, options in attempts:
            if rule.choice in found:
                continue
            for edits in options:
                if any(c.path in fixed for c in edits):
                    continue
                other = _rerun(advice, data, edits, cache)
                if other is None:
                    continue
                after = other.primary(category)
                if after.choice != before:
                    known = found.get(after.choice)
                    if known is None or len(edits) < len(known.changes):
                        found[after.choice] = Counterfactual(category, edits, before,
                                                             after.choice, after.rule)
                    break
        ranked = sorted(found.values(), key=lambda c: (len(c.changes), c.after))
        out[category] = ranked[:per_category]
    return out


def _rerun(advice: Advice, data: dict[str, Any], edits: tuple[Change, ...],
           cache: dict[tuple[Change, ...], Advice | None]) -> Advice | None:
    """The advice on the edited workload, from the recommender that made `advice` (its rules,
    engine and lifecycle policy)."""
    if edits not in cache:
        try:
            edited = Workload.from_mapping(apply_changes(data, edits))
            if advice.recommender is not None:
                cache[edits] = advice.recommender.advise(edited)
            else:  # an advice decided outside a Recommender: the same book and engine
                book = advice.book or load_rulebook()
                cache[edits] = decide(edited, book, get_engine(book, advice.engine))
        except WorkloadError:
            cache[edits] = None  # the edit would make an invalid workload
    return cache[edits]


# ---------------------------------------------------------------------------------------------
# Why not


@dataclass(frozen=True)
class WhyNot:
    """Why `choice` is or is not the recommendation, category by category."""

    choice: str
    lines: list[str] = field(default_factory=list)
    #: per category: the verified edits that get the choice, or None when none was found
    takes: dict[str, tuple[Change, ...] | None] = field(default_factory=dict)

    def __str__(self) -> str:
        """The lines for a terminal: each through safetext.for_terminal, so that a control
        character or line break in a choice name or value is shown as an escape."""
        return "\n".join(for_terminal(line) for line in self.lines)


def resolve_choice(text: str, own: Sequence[str] = ()) -> str:
    """The canonical choice for a name, alias or common synonym (case-insensitive), or one of
    `own` (a team's own choices); InputError when nothing matches, with a suggestion only for a
    likely typo, and the catalogue's note for a service the rule base does not cover."""
    found = find_choice(text)
    if found is not None:
        return found.name
    wanted = " ".join(text.split()).lower()
    for name in own:
        if name.lower() == wanted:
            return name
    from ._catalogue import find_synonym
    from ._errors import did_you_mean
    synonym = find_synonym(text)
    if synonym is not None and synonym.means:
        return synonym.means
    if synonym is not None:
        raise InputError([Problem(f"{text!r} is not a choice the rule base knows: "
                                  f"{synonym.note}", key="CHOICE")])
    names = list(dict.fromkeys([*catalogue_choices(), *own]))
    aliases = {a: c.name for c in catalogue_choices().values() for a in c.aliases}
    hint = did_you_mean(text, names + list(aliases))
    hint = aliases.get(hint, hint) if hint else None
    partial = [n for n in names if len(text) >= 4 and text.lower() in n.lower()]
    if not hint and len(partial) == 1:
        hint = partial[0]
    raise InputError([Problem(f"{text!r} is not a choice the rule base knows", key="CHOICE",
                              suggestion=hint)])


def why_not(advice: Advice, text: str) -> WhyNot:
    """Why `text` (a choice, by name, alias, synonym or a team's own name) is or is not
    recommended in each category that has rules for it, and the smallest verified edit that
    gets it, re-run through the recommender that made `advice`."""
    book = advice.book or load_rulebook()
    choice = resolve_choice(text, book.choices)
    rules = [r for r in book.rules if r.choice == choice and r.category != "warnings"]
    result = WhyNot(choice)
    lines = result.lines
    if not rules:
        lines.append(f"No rule recommends {choice}.")
        return result
    fact = advice.fact or flatten(advice.workload)
    data = advice.workload.to_dict()
    for category in [c for c in ALL if c in {r.category for r in rules}]:
        items = advice.recommendations.get(category, ())
        present = [i.choice for i in items]
        title = category.replace("_", " ")
        own = sorted((r for r in rules if r.category == category),
                     key=lambda r: (-r.priority, r.id))
        if present[:1] == [choice] or (category not in SINGLE and choice in present):
            item = next(i for i in items if i.choice == choice)
            where = "the primary choice" if category in SINGLE else "recommended"
            lines.append(f"{title}: {choice} is {where} (rule {item.rule}).")
            continue
        if choice in present:
            item = next(i for i in items if i.choice == choice)
            top = items[0]
            lines.append(f"{title}: {choice} matched (rule {item.rule}, priority {item.priority})"
                         f" but {top.choice} wins with priority {top.priority} "
                         f"(rule {top.rule}).")
        else:
            lines.append(f"{title}: {choice} is not recommended; no rule for it matches.")
            for rule in own:
                result_check = check(rule, advice.workload, fact)
                lines.append(f"  {rule.id} (priority {rule.priority}) needs:")
                lines += [f"    - {c}" for c in result_check.failed]
        edits = _what_it_takes(own, category, choice, advice, data)
        result.takes[category] = edits
        if edits is None:
            lines.append("  What it would take: no edit of up to three workload keys makes it "
                         "the answer; rules of higher priority keep winning.")
        else:
            verb = "the primary choice" if category in SINGLE else "recommended"
            lines.append(f"  What it would take: with {' and '.join(str(c) for c in edits)} it "
                         f"becomes {verb} (checked by running the advice again).")
    return result


def _what_it_takes(rules: list[Rule], category: str, choice: str, advice: Advice,
                   data: dict[str, Any]) -> tuple[Change, ...] | None:
    """The smallest verified edit (up to three keys) after which `choice` wins the category
    (single choice) or appears in it (stack)."""
    cache: dict[tuple[Change, ...], Advice | None] = {}
    book = advice.book or load_rulebook()
    options: list[tuple[Change, ...]] = []
    for rule in rules:
        options += changes_for(rule, advice.workload, max_keys=3, fact=advice.fact)
    winner = book.by_id.get(advice.primary(category).rule) if category in SINGLE else None
    if winner is not None:  # also try stopping the rule that wins now
        options += changes_for(winner, advice.workload, max_keys=3, negate=True,
                               fact=advice.fact)
    for edits in sorted(dict.fromkeys(options), key=len):
        other = _rerun(advice, data, edits, cache)
        if other is None:
            continue
        got = other.choices(category)
        if (got[:1] == [choice]) if category in SINGLE else (choice in got):
            return edits
    return None
