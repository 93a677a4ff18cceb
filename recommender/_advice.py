"""Advice assembly: from the rules that matched to the advice a user reads.

Single-choice categories put the highest-priority matching choice first and keep the other
matching choices after it; stacks list every matching choice, highest priority first. A choice
recommended by several matching rules appears once, from the rule with the highest priority.
Ties in priority are broken by rule id, so the result never depends on file order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ._categories import ALL as CATEGORIES, SINGLE, STACK, STAGES, WARNINGS

if TYPE_CHECKING:  # pragma: no cover - the command line imports this module before pydantic
    from ._rulebook import Rule, RuleBook
    from ._workload import Workload

__all__ = ["Recommendation", "Warning", "Advice", "decide", "brief", "lifecycle_entry",
           "attention", "FAIL_ON"]


class Recommendation:
    """One item of a category: the choice, why, which rule and which cheat-sheet rows.

    The justification is written from the rule's template when first read, so that sweeps
    over many workloads pay only for the text they use.
    """

    __slots__ = ("choice", "rule", "sources", "priority", "_rule", "_workload", "_text")

    def __init__(self, rule: Rule, workload: Workload, *, choice: str | None = None,
                 rule_id: str | None = None,
                 justification: str | Callable[[], str] | None = None):
        self.choice = choice or rule.choice
        self.rule = rule_id or rule.id
        self.sources = rule.sources
        self.priority = rule.priority
        self._rule = rule
        self._workload = workload
        #: the text, or None (the rule's template), or a function that writes it
        self._text: Any = justification

    @property
    def justification(self) -> str:
        text = self._text
        if text is None:
            text = self._text = self._rule.justify(self._workload)
        elif type(text) is not str:
            text = self._text = text()
        return text

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
        return _item(self.choice, self.justification, self.rule, self.sources)


def _item(choice: str, justification: str, rule: str, sources: Sequence[str]) -> dict[str, Any]:
    """One item of a category in the JSON (docs/output.md)."""
    return {"choice": choice, "justification": justification, "rule": rule,
            "sources": list(sources)}


@dataclass(frozen=True)
class Warning:  # noqa: A001 - the contract's name for it
    rule: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message}


class _Later:
    """A field value of Advice computed when first read: most callers of advise() read a few
    categories, or only the choices, or nothing but the JSON, so the objects are made when
    asked for."""

    __slots__ = ()

    def build(self) -> Any:
        raise NotImplementedError


class _Pending(_Later):
    """The recommendations: per category, its items as the indices of the rules that give
    them, or (where the policy for new customers replaced a choice) as _Written items."""

    __slots__ = ("rules", "workload", "items")

    def __init__(self, rules: list[Rule], workload: Workload, items: dict[str, Sequence[Any]]):
        self.rules, self.workload, self.items = rules, workload, items

    def build(self) -> dict[str, tuple[Recommendation, ...]]:
        rules, workload = self.rules, self.workload
        return {category: tuple(Recommendation(rules[i], workload) if type(i) is int else
                                i.build(rules, workload) for i in items)
                for category, items in self.items.items()}

    def as_dicts(self) -> dict[str, list[dict[str, Any]]]:
        """What `build()` would give, as each Recommendation's to_dict(), without making the
        objects (for the JSON of an advice whose recommendations nobody read)."""
        rules, workload = self.rules, self.workload
        out = {}
        for category, items in self.items.items():
            written = []
            for i in items:
                if type(i) is int:
                    rule = rules[i]
                    written.append(_item(rule.choice, rule.justify(workload), rule.id,
                                         rule.sources))
                else:
                    written.append(i.build(rules, workload).to_dict())
            out[category] = written
        return out


class _Fired(_Later):
    """The ids of the rules that matched, in advice order."""

    __slots__ = ("hits", "tables")

    def __init__(self, hits: list[int], tables: "_Tables"):
        self.hits, self.tables = hits, tables

    def build(self) -> tuple[str, ...]:
        return tuple(map(self.tables.ids.__getitem__,
                         sorted(self.hits, key=self.tables.place.__getitem__)))


class _Warnings(_Later):
    """The warnings: those the rule base raised (rules of the `warnings` category, in advice
    order), then one for every recommended name that AWS renamed, closed or retired."""

    __slots__ = ("raised", "items", "written", "tables", "rules", "workload")

    def __init__(self, raised: list[int], items: dict[str, Sequence[Any]], written: set[str],
                 tables: "_Tables", rules: list[Rule], workload: Workload):
        self.raised, self.items, self.written = raised, items, written
        self.tables, self.rules, self.workload = tables, rules, workload

    def build(self) -> tuple[Warning, ...]:
        rules, workload = self.rules, self.workload
        return tuple(Warning(rules[i].id, rules[i].justify(workload)) for i in self.raised) + \
            _lifecycle_warnings(self.items, self.tables, self.written)


class _Deferred:
    """A field of Advice that may be given as a _Later: stored as given, built into its value
    the first time it is read (two threads reading at once both build the same value)."""

    def __init__(self, name: str):
        self.slot = f"_{name}"

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.slot]
        if isinstance(value, _Later):
            value = instance.__dict__[self.slot] = value.build()
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.slot] = value


@dataclass(frozen=True)
class Advice:
    """The answer for one workload. `to_dict()` is the JSON contract (docs/output.md).

    decide() gives `recommendations`, `warnings` and `fired` as _Later values, made when first
    read: a caller that needs only some of them (or only the choices, `brief()`) does not pay
    for the rest."""

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
        pending = self.__dict__.get("_recommendations")
        return {
            "workload": self.workload.to_dict(),
            "recommendations": pending.as_dicts() if isinstance(pending, _Pending) else
            {category: [item.to_dict() for item in items]
             for category, items in self.recommendations.items()},
            "warnings": [w.to_dict() for w in self.warnings],
            "rulebase": {"version": self.rulebase_version, "rules": self.rule_count},
        }


# Given as _Later by decide(): made when first read (the dataclass's __init__, repr, eq and
# dataclasses.replace all go through the descriptor).
Advice.recommendations = _Deferred("recommendations")  # type: ignore[assignment]
Advice.warnings = _Deferred("warnings")  # type: ignore[assignment]
Advice.fired = _Deferred("fired")  # type: ignore[assignment]


def brief(advice: Advice) -> dict[str, list[str]]:
    """Each category's choices, without building the recommendations when they are not built
    yet (`recommend sweep --brief`)."""
    pending = advice.__dict__.get("_recommendations")
    if type(pending) is not _Pending:
        return {category: [item.choice for item in items]
                for category, items in advice.recommendations.items()}
    rules = pending.rules
    return {category: [rules[i].choice if type(i) is int else i.choice for i in items]
            for category, items in pending.items.items()}


class _Tables:
    """What assembly needs of each rule, looked up once per rule book: its id, choice and place
    in advice order, the lifecycle warning its choice brings, whether AWS closed its choice
    (only then can the policy for new customers change a category), and per stage what each
    category needs: whether it is a single choice (its primary becomes a fact), optional, the
    rules whose choice another of its rules shares (only where two of them match are repeats
    removed) and those whose choice AWS closed."""

    def __init__(self, book: RuleBook):
        from ._conditions import decided_key, flatten
        #: the flat fact of a workload (_conditions.flatten)
        self.flatten = flatten
        rules = book.rules
        self.ids = [rule.id for rule in rules]
        self.choice = [rule.choice for rule in rules]
        self.place = [book.rank[rule.index] for rule in rules]
        self.warning = [None if rule.category == WARNINGS else _lifecycle_warning(rule.choice)
                        for rule in rules]
        closable = {rule.index for rule in rules
                    if rule.category != WARNINGS and _closed(rule.choice)}
        #: per category that has any, the rules whose choice brings a lifecycle warning
        self.warned: dict[str, frozenset[int]] = {}
        for rule in rules:
            if self.warning[rule.index] is not None:
                self.warned[rule.category] = self.warned.get(rule.category, frozenset()) | \
                    {rule.index}
        self.stages = []
        for _, categories in STAGES:
            plan = []
            for category in categories:
                own = [rule for rule in rules if rule.category == category]
                names = [rule.choice for rule in own]
                plan.append((category, decided_key(category) if category in SINGLE else None,
                             category not in SINGLE and category not in STACK,
                             frozenset(r.index for r in own if names.count(r.choice) > 1),
                             frozenset(r.index for r in own if r.index in closable)))
            self.stages.append(plan)
        #: The outcome of _for_new_customers by (category, items, existing_services): it
        #: depends on nothing else (_Written items take the workload's values when read).
        self.policy: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        namespace: dict[str, Any] = {"choice": self.choice, "chosen": self.choice.__getitem__,
                                     "closed_path": _closed_path, "dedupe": _dedupe}
        source = [_settle_source(n, plan, namespace) for n, plan in enumerate(self.stages)]
        source.append(_order_source())
        exec(compile("\n".join(source), "<assembly>", "exec"), namespace)  # noqa: S102
        #: per stage, settle(groups, fact, settled, hits, context) (_settle_source)
        self.settle = [namespace[f"settle{n}"] for n in range(len(self.stages))]
        #: the settled categories in advice order (_order_source)
        self.order = namespace["order"]


def _settle_source(stage: int, plan: list[tuple[Any, ...]], namespace: dict[str, Any]) -> str:
    """settle<stage>(groups, fact, settled, hits, context): the stage's categories settled from
    the engine's groups, as straight-line code with what each category needs known in
    advance (decide() did this in a loop over the plan):

    - an optional category appears only when something matched;
    - the `warnings` category's matches are returned (they become warnings, not items);
    - where two rules of a category share a choice and both matched, the later one goes;
    - a category holding a choice AWS closed goes through the policy for new customers when
      `context` is given (_closed_path);
    - a single choice's primary becomes the fact `decided__<category>` of later stages."""
    lines = [f"def settle{stage}(groups, fact, settled, hits, context):", "    raised = None"]
    for n, (category, decided, optional, shared, closable) in enumerate(plan):
        pad = "    "
        lines.append(f"{pad}items = groups[{n}]")
        if optional:
            lines.append(f"{pad}if items:")
            pad += "    "
        lines.append(f"{pad}hits += items")
        if category == WARNINGS:
            lines.append(f"{pad}raised = items")
            continue
        if shared:
            namespace[f"SHARED{stage}_{n}"] = shared
            lines += [f"{pad}if len(items) > 1 and not SHARED{stage}_{n}.isdisjoint(items) and "
                      "len(set(map(chosen, items))) != len(items):",
                      f"{pad}    items = dedupe(items, choice)"]
        decide_first = f"fact[{decided!r}] = choice[items[0]]" if decided else None
        if closable:
            namespace[f"CLOSABLE{stage}_{n}"] = closable
            lines += [f"{pad}if context is not None and "
                      f"not CLOSABLE{stage}_{n}.isdisjoint(items):",
                      f"{pad}    items = closed_path({category!r}, items, {decided!r}, "
                      f"CLOSABLE{stage}_{n}, fact, context)"]
            if decide_first:
                lines += [f"{pad}else:", f"{pad}    {decide_first}"]
        elif decide_first:
            lines.append(f"{pad}{decide_first}")
        lines.append(f"{pad}settled[{category!r}] = items")
    lines.append("    return raised")
    return "\n".join(lines) + "\n"


def _order_source() -> str:
    """order(settled): the settled categories in advice order (categories.ALL); an optional
    category is there only when settled."""
    lines = ["def order(settled):", "    out = {}"]
    for category in CATEGORIES:
        if category in SINGLE or category in STACK:
            lines.append(f"    out[{category!r}] = settled[{category!r}]")
        else:
            lines += [f"    items = settled.get({category!r})", "    if items is not None:",
                      f"        out[{category!r}] = items"]
    lines.append("    return out")
    return "\n".join(lines) + "\n"


def _dedupe(items: list[int], choice: list[str]) -> list[int]:
    """The items without a repeated choice (the first rule that gives a choice stays)."""
    seen: set[str] = set()
    return [i for i in items if not (choice[i] in seen or seen.add(choice[i]))]


def _closed_path(category: str, items: list[int], decided: str | None,
                 closable: frozenset[int], fact: dict[str, Any], context: Any) -> Any:
    """A category holding a choice AWS closed, for a new customer: the policy's outcome
    (kept per items and existing services), and the primary as the decision."""
    workload, policy, rules, written = context
    key = (category, tuple(items), workload.existing_services)
    outcome = policy.get(key)
    if outcome is None:
        if len(policy) >= _POLICY_MEMORY:
            policy.clear()
        outcome = policy[key] = _for_new_customers(category, items, workload, rules, closable)
    if not all(type(i) is int for i in outcome):
        written.add(category)
    if decided:
        first = outcome[0]
        fact[decided] = first.choice if type(first) is not int else rules[first].choice
    return outcome


#: The most outcomes of the policy for new customers kept per rule book (see decide()).
_POLICY_MEMORY = 4096


def _tables(book: RuleBook) -> _Tables:
    tables = book.__dict__.get("_assembly")
    if tables is None:  # two threads may both build it: the same tables
        tables = book.__dict__["_assembly"] = _Tables(book)
    return tables


def _closed(choice: str) -> bool:
    entry = lifecycle_entry(choice)
    return entry is not None and entry.closed


def decide(workload: Workload, book: RuleBook, matcher: Any,
           new_customer: bool = True, recommender: Any = None) -> Advice:
    """Decide stage after stage (categories.STAGES): match the stage's rules against the
    workload and the decisions made so far, settle its categories, and add their primary
    choices to the facts the next stage matches.

    The engine hands each stage's matching rules grouped by category, in advice order, so a
    category's items are its rules with repeated choices left out; only a category holding a
    choice AWS has closed goes through the policy for new customers. The Recommendation
    objects are made when the advice's `recommendations` is first read (_Pending)."""
    tables = _tables(book)
    rules = book.rules
    fact = tables.flatten(workload)
    hits: list[int] = []
    settled: dict[str, list[Any]] = {}
    written: set[str] = set()  # categories holding _Written items
    context = (workload, tables.policy, rules, written) if new_customer else None
    raised: list[int] = []  # the rules of the `warnings` category that matched
    grouped = matcher.grouped
    for stage, settle in enumerate(tables.settle):
        raised = settle(grouped(stage, fact), fact, settled, hits, context) or raised
    ordered = tables.order(settled)
    return _advice(workload, _Pending(rules, workload, ordered),
                   _Warnings(raised, ordered, written, tables, rules, workload), book.version,
                   len(book), matcher.name, _Fired(hits, tables), book, fact, recommender)


def _advice(workload: Workload, recommendations: Any, warnings: Any, version: str, count: int,
            engine: str, fired: Any, book: RuleBook, fact: dict[str, Any],
            recommender: Any) -> Advice:
    """Advice(...) without the frozen dataclass's __init__ (one object.__setattr__ per field):
    the same attributes, written at once."""
    advice = object.__new__(Advice)
    object.__setattr__(advice, "__dict__", {
        "workload": workload, "_recommendations": recommendations, "_warnings": warnings,
        "rulebase_version": version, "rule_count": count, "engine": engine, "_fired": fired,
        "book": book, "fact": fact, "recommender": recommender})
    return advice


@lru_cache(maxsize=None)
def lifecycle_entry(choice: str) -> Any:
    """The lifecycle entry of a choice, or None (looked up once per name and process)."""
    from ._lifecycle import lifecycle
    return lifecycle(choice)


@lru_cache(maxsize=None)
def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _lifecycle_warnings(recommendations: dict[str, tuple[Any, ...]], tables: _Tables,
                        written: set[str]) -> tuple[Warning, ...]:
    """A warning for every recommended name that AWS renamed, closed or retired, in advice
    order. Items are rule indices, or in the `written` categories also _Written items (where
    the policy for new customers replaced a choice)."""
    out: dict[str, Warning] = {}
    for category, items in recommendations.items():
        if category not in written:
            warned = tables.warned.get(category)
            if warned is not None and not warned.isdisjoint(items):
                for item in items:
                    if item in warned:
                        out.setdefault(tables.choice[item], tables.warning[item])
            continue
        for item in items:
            name = tables.choice[item] if type(item) is int else item.choice
            if name not in out:
                warning = _lifecycle_warning(name)
                if warning is not None:
                    out[name] = warning
    return tuple(out.values())


@lru_cache(maxsize=None)
def _lifecycle_warning(choice: str) -> Warning | None:
    entry = lifecycle_entry(choice)
    if entry is None or not entry.needs_warning:
        return None
    return Warning(f"lifecycle.{_slug(choice)}", entry.message())


def _for_new_customers(category: str, items: Sequence[int], workload: Workload,
                       rules: list[Rule], closable: frozenset[int]) -> tuple[Any, ...]:
    """What a customer may build today: a choice AWS has retired is dropped, and one it has
    closed to new customers too unless the workload lists it in `existing_services`. A
    single-choice category left without a choice gets the first replacement AWS points to that
    it does not hold yet; a stack that lost one gets the replacement AWS names first, unless it
    holds it already; a replaced primary choice says what it replaces.

    Items are rule indices (into `rules`; `closable`: those whose choice AWS closed); what the
    policy writes anew is a _Written item, made into a Recommendation (with the workload's
    values in its justification) when the advice is read. So the outcome depends only on the
    items and the workload's `existing_services`, and decide() keeps it for the next workload
    with the same ones."""
    def closed(item: int) -> bool:
        if item not in closable:
            return False
        name = rules[item].choice
        # a team may keep a service closed to new customers; a retired one is gone for all
        return lifecycle_entry(name).status == "retired" or name not in workload.existing_services

    gone = [i for i in items if i in closable and closed(i)]
    if not gone:
        return tuple(items)
    kept: list[Any] = [i for i in items if i not in gone]
    if category in SINGLE:
        if not closed(items[0]):
            return tuple(kept)
        # the closed primary takes the first replacement AWS names (moved to the front if a
        # rule recommends it already); only when AWS names none does the next choice move up
        lost = rules[items[0]]
        replacements = lifecycle_entry(lost.choice).replacements
        held = [i for i in kept if rules[i].choice == replacements[0]] if replacements else []
        if held:
            rest = [i for i in kept if i != held[0]]
            return (_InPlace(lost, held[0], rules, named=True), *rest)
        if replacements:
            return (_Replacement(lost, replacements[0]), *kept)
        if kept:
            kept[0] = _InPlace(lost, kept[0], rules)
        return tuple(kept)
    taken = {rules[i].choice for i in items}
    for lost in gone:
        # a stack takes the replacement AWS names first, unless it holds it already (then the
        # job is covered)
        for name in lifecycle_entry(rules[lost].choice).replacements[:1]:
            if name not in taken:
                kept.append(_Replacement(rules[lost], name))
                taken.add(name)
    return tuple(kept)


class _Written:
    """An item the policy for new customers wrote, made into a Recommendation when read."""

    __slots__ = ("choice", "rule")

    def build(self, rules: list[Rule], workload: Workload) -> Recommendation:
        raise NotImplementedError


class _Replacement(_Written):
    """`choice`, put in place of the closed choice of the rule `lost`."""

    __slots__ = ("lost",)

    def __init__(self, lost: Rule, choice: str):
        self.lost, self.choice, self.rule = lost, choice, f"lifecycle.{_slug(lost.choice)}"

    def build(self, rules: list[Rule], workload: Workload) -> Recommendation:
        lost, name = self.lost, self.choice

        def write() -> str:
            entry = lifecycle_entry(lost.choice)
            since = f" (since {entry.since})" if entry.since else ""
            because = lost.justify(workload)
            return (f"{lost.choice} would fit ({because[0].lower()}{because[1:].rstrip('.')}), "
                    f"but it is closed to new customers{since}; {name} is the replacement "
                    "AWS points to.")
        return Recommendation(lost, workload, choice=name, rule_id=self.rule, justification=write)


class _InPlace(_Written):
    """The primary item `first` (a rule index or a _Replacement), saying that it takes the
    place of the closed choice of the rule `lost`, which matched first (`named`: and that AWS
    points to it)."""

    __slots__ = ("lost", "first", "named")

    def __init__(self, lost: Rule, first: Any, rules: list[Rule], named: bool = False):
        # the item is made from the rule `first` rests on (for a replacement: the lost rule)
        rule = rules[first] if type(first) is int else first.lost
        self.lost, self.first, self.choice, self.rule = lost, first, rule.choice, rule.id
        self.named = named

    def build(self, rules: list[Rule], workload: Workload) -> Recommendation:
        lost = self.lost
        first = Recommendation(rules[self.first], workload) if type(self.first) is int else \
            self.first.build(rules, workload)

        def write() -> str:
            entry = lifecycle_entry(lost.choice)
            since = f" (since {entry.since})" if entry.since else ""
            pointed = ", which AWS points to," if self.named else ""
            return (f"{lost.choice} matched first but is closed to new customers{since}, so "
                    f"{first.choice}{pointed} takes its place: {first.justification}")
        return Recommendation(first._rule, workload, justification=write)


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
