"""The decision record: one presentation of an advice, built once, that every format renders.
(Its parts are named tuples: a command-line run makes them once, and a dataclass costs ten
times as much to define.)

`record(advice, whatif)` gathers what a reader of any format sees: the headline and context,
each category's decision with its items (justification, rule, labelled sources, and a note for
a choice AWS renamed, closed or retired), the alternatives considered (single choice), the
warnings, what would change the decisions, the diagram's stages and the rule base. The
terminal views (terminal.py), the Markdown record (markdown.py), the HTML page (html.py) and the
JSON document (`document()`) are renderings of it, so they cannot disagree on a word: an
alternative whose rule did not match reads "not matched" everywhere.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ._advice import Advice, lifecycle_entry
from ._catalogue import rows
from ._categories import SINGLE
from ._values import category_title, shown
from ._workload import format_size

__all__ = ["Record", "Decision", "Item", "Considered", "Note", "record", "document",
           "VERDICTS", "short_status", "runner_up"]

#: How the status of an alternative reads in every format.
VERDICTS = {"lost": "matched, lower priority", "not_matched": "not matched"}


class Note(NamedTuple):
    """What happened to a choice at AWS, in a few words and in full."""

    choice: str
    status: str          # renamed, closed_to_new_customers, retired, maintenance
    short: str           # "closed to new customers since 2024-07-29; use ..."
    message: str         # the lifecycle warning's sentence
    closed: bool


class Item(NamedTuple):
    choice: str
    justification: str
    rule: str
    sources: tuple[tuple[str, str], ...]   # (row id, "section: item")
    note: Note | None


class Considered(NamedTuple):
    """An alternative of a single-choice category."""

    choice: str
    rule: str
    status: str          # lost, not_matched
    verdict: str         # VERDICTS[status]
    reason: str          # why it did not win, without the verdict
    failing: int         # how many of its rule's tests fail (0 when it matched)


class Decision(NamedTuple):
    category: str
    title: str
    single: bool
    items: tuple[Item, ...]
    considered: tuple[Considered, ...]
    #: single choice where no other rule matched: the choice whose rule comes nearest to
    #: matching (fewest failing tests, then priority), or None
    nearest: str | None = None


def runner_up(decision: Decision) -> tuple[list[str], bool]:
    """What comes after a single choice: the other choices that matched (True), or else the
    choice whose rule comes nearest to matching (False)."""
    others = [i.choice for i in decision.items[1:]]
    if others or decision.nearest is None:
        return others, True
    return [decision.nearest], False


def _nearest(advice: Advice, category: str) -> str | None:
    from ._conditions import nearest
    book = advice.book
    if book is None:
        return None
    fired = set(advice.fired)
    primary = advice.primary(category).choice
    best: tuple[int, int, str] | None = None
    for rule in book.in_category(category):
        if rule.id in fired or rule.choice == primary:
            continue
        key = (nearest(rule.dnf, advice.fact)[0], book.rank[rule.index], rule.choice)
        if best is None or key < best:
            best = key
    return best[2] if best else None


class Record(NamedTuple):
    advice: Advice
    name: str
    headline: str                              # "regression on tabular data, 800 MB, batch"
    context: tuple[tuple[str, str], ...]       # (key, shown value)
    decisions: tuple[Decision, ...]
    warnings: tuple[tuple[str, str], ...]      # (rule, message), rule-base warnings first
    whatif: tuple[tuple[str, str, str], ...]   # (category, sentence, rule)
    rulebase: str                              # "rule base 0.1.0+abc, 274 rules, durable engine"
    alternatives: dict[str, list[Any]]         # explain.Alternative objects, for JSON
    counterfactuals: dict[str, list[Any]] | None

    def decision(self, category: str) -> Decision:
        return next(d for d in self.decisions if d.category == category)

    @property
    def notes(self) -> tuple[Note, ...]:
        """Each flagged choice once, in the order the decisions meet them."""
        seen: dict[str, Note] = {}
        for decision in self.decisions:
            for item in decision.items:
                if item.note is not None:
                    seen.setdefault(item.choice, item.note)
        return tuple(seen.values())


def short_status(entry: Any) -> str:
    """A lifecycle entry in a few words: what changed and what to use."""
    since = f" since {entry.since}" if entry.since else ""
    if entry.status == "renamed":
        return f"now named {entry.current_name}" + (f" ({entry.since})" if entry.since else "")
    words = {"closed_to_new_customers": "closed to new customers", "retired": "retired",
             "maintenance": "in maintenance only"}.get(entry.status, entry.status)
    text = f"{words}{since}"
    if entry.replacements:
        text += f"; use {' or '.join(entry.replacements)}"
    return text


def _note(choice: str) -> Note | None:
    entry = lifecycle_entry(choice)
    if entry is None or not entry.needs_warning:
        return None
    return Note(choice, entry.status, short_status(entry), entry.message(), entry.closed)


def _sources(ids: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    catalogue = rows()
    return tuple((i, catalogue[i].label if i in catalogue else "") for i in ids)


def record(advice: Advice, whatif: dict[str, list[Any]] | None = None,
           alternatives: bool = True) -> Record:
    """The decision record of `advice`; `whatif` (Recommender.counterfactuals) adds what
    would change each decision. `alternatives=False` leaves out the alternatives considered
    (the terminal views do not show them)."""
    found: dict[str, Any] = {}
    if alternatives:
        from ._explain import alternatives as find_alternatives
        found = find_alternatives(advice)
    w = advice.workload
    decisions = []
    for category, items in advice.recommendations.items():
        considered = tuple(
            Considered(a.choice, a.rule, a.status, VERDICTS[a.status],
                       a.reason.removeprefix("not matched: "), len(a.failed))
            for a in found.get(category, ()))
        single = category in SINGLE
        decisions.append(Decision(
            category, category_title(category), single,
            tuple(Item(i.choice, i.justification, i.rule, _sources(i.sources), _note(i.choice))
                  for i in items),
            considered, _nearest(advice, category) if single and len(items) == 1 else None))
    warnings = tuple((x.rule, x.message) for x in advice.warnings)
    changes = tuple((category, c.sentence(), c.rule)
                    for category, cs in (whatif or {}).items() for c in cs)
    return Record(
        advice=advice, name=w.name,
        headline=(f"{w.task.replace('_', ' ')} on {w.modality.replace('_', ' ')} data, "
                  f"{format_size(w.data_volume)}, {w.latency.replace('_', ' ')}"),
        context=tuple((key, shown(key, value)) for key, value in w.to_dict().items()),
        decisions=tuple(decisions), warnings=warnings, whatif=changes,
        rulebase=(f"rule base {advice.rulebase_version}, {advice.rule_count} rules, "
                  f"{advice.engine} engine"),
        alternatives=found, counterfactuals=whatif)


def document(view: Record) -> dict[str, Any]:
    """The JSON document of `recommend --format json` (docs/output.md): the advice's contract,
    the alternatives and, with --what-if, the counterfactuals."""
    out = view.advice.to_dict()
    out["alternatives"] = {c: [a.to_dict() for a in found]
                           for c, found in view.alternatives.items()}
    if view.counterfactuals is not None:
        out["counterfactuals"] = {c: [x.to_dict() for x in found]
                                  for c, found in view.counterfactuals.items()}
    return out
