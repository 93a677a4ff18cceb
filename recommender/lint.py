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

How it decides. The same box reasoning as conditions.uncovered: every tested field's values are
cut into classes that no test tells apart (a point or an open interval per number field), a
condition is a union of boxes, and one box is subtracted from another exactly. Unlike the
loader's checks, the lint works on the workload schema and not only on flat fields:

* value ranges come from the workload model (features.count 1..1e9, gap_ratio -1..1, ...);
* facts that come and go together are tied: the time-series facts (present for every
  forecasting task), the three diagnostics numbers, the target error and its two ratios;
* time_series.defaults_only agrees with the four time-series facts;
* the derived diagnostics numbers agree with the errors they are computed from: a box that
  tests them is kept only when some train, validation and target error produce values inside
  it, decided by Fourier-Motzkin elimination over exact fractions (each test is linear in the
  three errors once multiplied out).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Sequence

from .categories import SINGLE
from .conditions import FLAT_FIELDS, OTHER_CHOICE, Leaf, flatten, subtract_box
from .errors import Problem, RuleBaseError
from .rulebook import EXAMPLE_BASE, Rule, RuleBook, load_rulebook
from .workload import (DERIVED, MAX_BYTES, TIME_SERIES_DEFAULTS, Workload, format_size)

__all__ = ["lint", "load_strict", "LIMIT", "KNOWN_DERIVED", "witness_workload"]

#: The most boxes one question may split into before the lint gives up on it (and says so).
LIMIT = 50_000

Conjunction = tuple[Leaf, ...]
Region = dict[str, frozenset[int]]


# ---------------------------------------------------------------------------------------------
# The workload schema, as flat keys

_ABSENT = object()

_TS = ("time_series__related_series", "time_series__seasonality", "time_series__stationary",
       "time_series__history", "time_series__defaults_only")
_DIAG = ("diagnostics__train_error", "diagnostics__validation_error", "diagnostics__gap_ratio")
_TARGET = ("diagnostics__target_error", "diagnostics__train_to_target",
           "diagnostics__validation_to_target")
_T, _V, _X = _DIAG[0], _DIAG[1], _TARGET[0]
_GAP, _TT, _VT = _DIAG[2], _TARGET[1], _TARGET[2]
_RATIO_CAP = Fraction(10**12)


def _leaf(key: str, op: str, value: Any = None) -> Leaf:
    return Leaf(key, op, value)


def _tied(keys: Sequence[str]) -> list[Conjunction]:
    """Boxes of impossible facts for keys that are present together or absent together."""
    out = []
    for a, b in zip(keys, keys[1:]):
        out.append((_leaf(a, "present"), _leaf(b, "absent")))
        out.append((_leaf(a, "absent"), _leaf(b, "present")))
    return out


def _schema_groups() -> list[tuple[frozenset[str], list[Conjunction]]]:
    """Groups of impossible boxes, each with the keys that make it matter: a group is added
    to a question only when the question tests one of its keys."""
    ts = _tied(_TS) + [(_leaf("task", "eq", "forecasting"), _leaf(_TS[0], "absent"))]
    defaults = {"time_series__related_series": TIME_SERIES_DEFAULTS["related_series"],
                "time_series__seasonality": TIME_SERIES_DEFAULTS["seasonality"],
                "time_series__stationary": TIME_SERIES_DEFAULTS["stationary"],
                "time_series__history": TIME_SERIES_DEFAULTS["history"]}
    flag = "time_series__defaults_only"
    for key, value in defaults.items():
        ts.append((_leaf(flag, "eq", True), _leaf(key, "ne", value)))
    ts.append((_leaf(flag, "eq", False),) + tuple(_leaf(k, "eq", v) for k, v in defaults.items()))
    diag = _tied(_DIAG) + _tied(_TARGET) + [(_leaf(_X, "present"), _leaf(_T, "absent"))]
    return [(frozenset(_TS), ts), (frozenset(_DIAG + _TARGET), diag)]


_GROUPS = _schema_groups()
#: The derived facts the schema model above knows how to relate to the facts they come from
#: (tests/test_lint.py checks that this is every one of workload.DERIVED).
KNOWN_DERIVED = frozenset(FLAT_FIELDS[k].path for k in (_TS[-1], _GAP, _TT, _VT))


def _domain(key: str) -> tuple[Fraction, bool, Fraction]:
    """(lowest, lowest excluded?, highest) of a number field, from the workload model."""
    if key == "data_volume":
        return Fraction(1), False, Fraction(MAX_BYTES)
    if key == _GAP:
        return Fraction(-1), False, Fraction(1)
    if key in (_TT, _VT):
        return Fraction(0), False, _RATIO_CAP
    head, _, name = FLAT_FIELDS[key].path.partition(".")
    model: Any = Workload
    if name:
        annotation = Workload.model_fields[head].annotation
        model = next(a for a in getattr(annotation, "__args__", (annotation,))
                     if a is not type(None))
    else:
        name = head
    low, excluded, high = Fraction(0), False, Fraction(10**18)
    for meta in model.model_fields[name].metadata:
        if hasattr(meta, "ge"):
            low, excluded = Fraction(meta.ge), False
        elif hasattr(meta, "gt"):
            low, excluded = Fraction(meta.gt), True
        elif hasattr(meta, "le"):
            high = Fraction(meta.le)
    return low, excluded, high


def _exact(value: Any) -> Any:
    """Numbers as exact fractions of their decimal form (0.2 is 1/5, as a user means it)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def _normal(leaf: Leaf) -> Leaf:
    if FLAT_FIELDS[leaf.key].kind not in ("int", "size", "number") or leaf.value is None:
        return leaf
    if isinstance(leaf.value, tuple):
        return Leaf(leaf.key, leaf.op, tuple(_exact(v) for v in leaf.value))
    return Leaf(leaf.key, leaf.op, _exact(leaf.value))


def _base_fact() -> dict[str, Any]:
    return flatten(Workload.from_mapping(EXAMPLE_BASE))


_PREFERRED = _base_fact()  # the values a witness keeps unless a test needs others


@dataclass
class _Field:
    """The classes of one flat key: a representative value for each (with its interval, for
    number fields)."""

    key: str
    values: list[Any]
    spans: list[tuple[Fraction, bool, Fraction, bool] | None]


def _classes(key: str, leaves: Iterable[Leaf]) -> _Field:
    spec = FLAT_FIELDS[key]
    values: list[Any] = [_ABSENT] if spec.optional else []
    spans: list[Any] = [None] if spec.optional else []
    if spec.kind == "bool":
        return _Field(key, values + [False, True], spans + [None, None])
    if spec.kind == "enum":
        return _Field(key, values + list(spec.values), spans + [None] * len(spec.values))
    if spec.kind == "choice":  # a decision: the names the tests mention, and any other
        named = sorted({v for leaf in leaves for v in
                        (leaf.value if isinstance(leaf.value, tuple) else (leaf.value,))})
        return _Field(key, values + named + [OTHER_CHOICE], spans + [None] * (len(named) + 1))
    low, excluded, high = _domain(key)
    cuts: set[Fraction] = set()
    for leaf in leaves:
        if leaf.value is None:
            continue
        cuts.update(leaf.value if isinstance(leaf.value, tuple) else (leaf.value,))
    if spec.kind in ("int", "size"):
        points = {low, high}
        if key in _PREFERRED:
            points.add(Fraction(_PREFERRED[key]))
        for cut in cuts:
            points.update({Fraction(math.floor(cut)) - 1, Fraction(math.floor(cut)),
                           Fraction(math.ceil(cut)), Fraction(math.ceil(cut)) + 1})
        chosen = sorted(p for p in points if low <= p <= high)
        return _Field(key, values + chosen, spans + [None] * len(chosen))
    edges = sorted({low, high} | {c for c in cuts if low <= c <= high})
    for i, edge in enumerate(edges):
        if i:
            below = edges[i - 1]
            values.append(_simplest(below, True, edge, True))
            spans.append((below, False, edge, False))
        if not (edge == low and excluded):
            values.append(edge)
            spans.append((edge, True, edge, True))
    return _Field(key, values, spans)


def _simplest(low: Fraction | None, low_open: bool, high: Fraction | None,
              high_open: bool) -> Fraction:
    """The value with the fewest decimals in an interval (None: unbounded on that side);
    the lowest such value, to keep witnesses small."""
    if low is None:
        low, low_open = (Fraction(0), False) if high is None or high > 0 else \
            (high - 1, False)
    for digits in range(0, 16):
        step = Fraction(1, 10**digits)
        value = math.ceil(low / step) * step
        if value == low and low_open:
            value += step
        if high is None or value < high or (value == high and not high_open):
            return value
    return (low + high) / 2 if high is not None else low + 1  # pragma: no cover


class _Space:
    """The classes of every key tested by a set of conjunctions."""

    def __init__(self, conjunctions: Iterable[Conjunction]):
        leaves: dict[str, list[Leaf]] = {}
        for conjunction in conjunctions:
            for leaf in conjunction:
                leaves.setdefault(leaf.key, []).append(leaf)
        self.fields = {k: _classes(k, g) for k, g in leaves.items()}
        self.everything = {k: frozenset(range(len(f.values))) for k, f in self.fields.items()}

    def box(self, conjunction: Conjunction) -> Region:
        box: dict[str, frozenset[int]] = {}
        for leaf in conjunction:
            field = self.fields[leaf.key]
            current = box.get(leaf.key, self.everything[leaf.key])
            box[leaf.key] = frozenset(
                i for i in current
                if leaf.holds({} if field.values[i] is _ABSENT else {leaf.key: field.values[i]}))
        return box


def _subtract(space: _Space, region: Region, box: Region) -> tuple[list[Region], bool]:
    """region minus box as disjoint regions, and whether the box cut anything."""
    return subtract_box(region, box, space.everything)


class TooIntricate(ValueError):
    """A question split into more boxes than LIMIT."""


def _question(start: Sequence[Conjunction], minus: Sequence[tuple[Any, Conjunction]],
              ) -> tuple[dict[str, Any] | None, list[Any]]:
    """A workload (flat values, None = absent) inside the union of `start` conjunctions and
    outside every `minus` conjunction (each tagged with an owner), under the workload schema;
    or None. Also the owners whose conjunctions cut into `start` (in the order given)."""
    tested = {leaf.key for c in itertools.chain(start, (c for _, c in minus)) for leaf in c}
    schema = [c for keys, group in _GROUPS if keys & tested for c in group]
    start = [tuple(_normal(leaf) for leaf in c) for c in start]
    minus = [(owner, tuple(_normal(leaf) for leaf in c)) for owner, c in minus]
    space = _Space(itertools.chain(start, (c for _, c in minus), schema))
    cutters: list[Any] = []
    for conjunction in start:
        regions = [space.box(conjunction)]
        if any(not v for v in regions[0].values()):
            continue
        for owner, conjunction in [(None, c) for c in schema] + list(minus):
            box = space.box(conjunction)
            if any(not v for v in box.values()):
                continue
            next_regions = []
            for region in regions:
                pieces, cut = _subtract(space, region, box)
                next_regions.extend(pieces)
                if cut and owner is not None and owner not in cutters:
                    cutters.append(owner)
            regions = next_regions
            if not regions:
                break
            if len(regions) > LIMIT:
                raise TooIntricate(f"more than {LIMIT} boxes")
        for region in regions:
            found = _realise(space, region)
            if found is not None:
                return found, cutters
    return None, cutters


# ---------------------------------------------------------------------------------------------
# From a box to one workload


def _pick(field: _Field, allowed: frozenset[int]) -> int:
    wanted = _PREFERRED.get(field.key, _ABSENT)
    if field.key in _TS[:4]:  # absent, else the time-series default
        wanted_list = [_ABSENT, _exact(TIME_SERIES_DEFAULTS[field.key.split("__")[1]])]
    else:
        wanted_list = [_exact(wanted) if wanted is not _ABSENT else _ABSENT]
    for value in wanted_list:
        for i in sorted(allowed):
            if field.values[i] is value or (value is not _ABSENT and field.values[i] is not _ABSENT
                                            and field.values[i] == value
                                            and type(field.values[i]) is type(value)):
                return i
    return min(allowed)


def _realise(space: _Space, region: Region) -> dict[str, Any] | None:
    chosen: dict[str, Any] = {}
    for key, field in space.fields.items():
        if key in _DIAG + _TARGET:
            continue
        value = field.values[_pick(field, region.get(key, space.everything[key]))]
        chosen[key] = None if value is _ABSENT else value
    diag = [k for k in _DIAG + _TARGET if k in space.fields]
    if diag:
        numbers = _diagnostics(space, region)
        if numbers is None:
            return None
        chosen.update(numbers)
    return chosen


def _runs(field: _Field, allowed: frozenset[int]) -> list[tuple[Fraction, bool, Fraction, bool]]:
    """The allowed classes of a number field merged into maximal intervals
    (low, low included?, high, high included?)."""
    runs: list[list[Any]] = []
    previous = None
    for i in sorted(allowed):
        span = field.spans[i]
        if span is None:
            continue
        if previous is not None and i == previous + 1 and runs:
            runs[-1][2], runs[-1][3] = span[2], span[3]
        else:
            runs.append(list(span))
        previous = i
    return [tuple(r) for r in runs]  # type: ignore[misc]


def _diagnostics(space: _Space, region: Region) -> dict[str, Any] | None:
    """Errors (and their derived numbers) inside the region's diagnostics box, or None."""
    def allowed(key: str) -> frozenset[int]:
        return region.get(key, space.everything[key]) if key in space.fields else frozenset()

    def absent_ok(key: str) -> bool:
        return key not in space.fields or any(space.fields[key].values[i] is _ABSENT
                                             for i in allowed(key))

    def runs(key: str) -> list[Any]:
        if key not in space.fields:
            low, excluded, high = _domain(key)
            return [(low, not excluded, high, True)]
        return _runs(space.fields[key], allowed(key))

    options = []
    if all(absent_ok(k) for k in _DIAG + _TARGET):
        options.append((False, False))
    options.append((True, False))
    options.append((True, True))
    for with_diag, with_target in options:
        if not with_diag:
            return {k: None for k in _DIAG + _TARGET if k in space.fields}
        if not with_target and not all(absent_ok(k) for k in _TARGET):
            continue
        keys = _DIAG + (_TARGET if with_target else ())
        per_key = [runs(k) for k in keys]
        if not all(per_key):
            continue
        for combination in itertools.product(*per_key):
            spans = dict(zip(keys, combination))
            for zero_validation in (False, True):
                found = _solve_errors(spans, with_target, zero_validation)
                if found is None:
                    continue
                t, v, x = found
                facts = Workload.from_mapping({**EXAMPLE_BASE, "diagnostics": {
                    "train_error": float(t), "validation_error": float(v),
                    **({"target_error": float(x)} if with_target else {})}}).diagnostics
                assert facts is not None
                derived = {_T: t, _V: v, _GAP: _exact(facts.gap_ratio)}
                if with_target:
                    derived.update({_X: x, _TT: _exact(facts.train_to_target),
                                    _VT: _exact(facts.validation_to_target)})
                if all(_inside(derived[k], spans[k]) for k in keys):
                    out: dict[str, Any] = {k: None for k in _DIAG + _TARGET}
                    out.update(derived)
                    return {k: v for k, v in out.items() if k in space.fields or v is not None}
    return None


def _inside(value: Fraction, span: tuple[Fraction, bool, Fraction, bool]) -> bool:
    low, low_in, high, high_in = span
    return (value > low or (low_in and value == low)) and \
        (value < high or (high_in and value == high))


# Linear constraints over (t, v, x): coefficients, constant, strict: sum(c*var) + k >= 0 (> 0).
_Con = tuple[tuple[Fraction, Fraction, Fraction], Fraction, bool]


def _bounds(var: int, span: tuple[Fraction, bool, Fraction, bool]) -> list[_Con]:
    low, low_in, high, high_in = span
    unit = [Fraction(0)] * 3
    unit[var] = Fraction(1)
    minus = tuple(-u for u in unit)
    return [(tuple(unit), -low, not low_in), (minus, high, not high_in)]  # type: ignore


def _solve_errors(spans: dict[str, Any], with_target: bool, zero_validation: bool,
                  ) -> tuple[Fraction, Fraction, Fraction] | None:
    """Train, validation (and target) errors whose derived numbers fall in `spans`."""
    zero, one = Fraction(0), Fraction(1)
    cons: list[_Con] = _bounds(0, spans[_T]) + _bounds(1, spans[_V])
    gap = spans[_GAP]
    if zero_validation:  # validation error 0: the gap ratio is 0 and so is validation/target
        if not (_inside(zero, spans[_V]) and _inside(zero, gap)):
            return None
        if with_target and not _inside(zero, spans[_VT]):
            return None
        cons += [((zero, one, zero), zero, False), ((zero, -one, zero), zero, False)]
    else:
        cons.append(((zero, one, zero), zero, True))  # v > 0
        low, low_in, high, high_in = gap
        # gap = max(-1, 1 - t/v); times v > 0: (1 - g) v - t compared with 0
        if not (low == -1 and low_in):
            cons.append(((-one, 1 - low, zero), zero, not low_in))
        cons.append(((one, high - 1, zero), zero, not high_in))
    if with_target:
        cons += _bounds(2, spans[_X])
        for var, key in ((0, _TT), (1, _VT)):
            if zero_validation and key == _VT:
                continue
            low, low_in, high, high_in = spans[key]
            # ratio = min(cap, e / x); times x > 0
            coefs = [zero, zero, -low]
            coefs[var] = one
            cons.append((tuple(coefs), zero, not low_in))  # type: ignore[arg-type]
            if not (high == _RATIO_CAP and high_in):
                coefs = [zero, zero, high]
                coefs[var] = -one
                cons.append((tuple(coefs), zero, not high_in))  # type: ignore[arg-type]
    else:
        cons += [((zero, zero, one), zero, False), ((zero, zero, -one), zero, False)]
    return _fourier_motzkin(cons)


def _fourier_motzkin(cons: list[_Con]) -> tuple[Fraction, Fraction, Fraction] | None:
    levels = [cons]
    for var in (2, 1, 0):
        current = levels[-1]
        keep = [c for c in current if c[0][var] == 0]
        upper = [c for c in current if c[0][var] < 0]
        lower = [c for c in current if c[0][var] > 0]
        for (a, ka, sa), (b, kb, sb) in itertools.product(lower, upper):
            m, n = -b[var], a[var]
            coefs = tuple(m * a[i] + n * b[i] for i in range(3))
            keep.append((coefs, m * ka + n * kb, sa or sb))  # type: ignore[arg-type]
        levels.append(list(dict.fromkeys(keep)))
    if any(k < 0 or (k == 0 and strict) for _, k, strict in levels[-1]):
        return None
    values = [Fraction(0)] * 3
    for var, system in ((0, levels[2]), (1, levels[1]), (2, levels[0])):
        low: Fraction | None = None
        high: Fraction | None = None
        low_open = high_open = False
        for coefs, constant, strict in system:
            a = coefs[var]
            if a == 0:
                continue
            rest = constant + sum(coefs[i] * values[i] for i in range(3) if i != var)
            bound = -rest / a
            if a > 0 and (low is None or bound > low or (bound == low and strict)):
                low, low_open = bound, strict
            elif a < 0 and (high is None or bound < high or (bound == high and strict)):
                high, high_open = bound, strict
        values[var] = _simplest(low, low_open, high, high_open)
    return values[0], values[1], values[2]


# ---------------------------------------------------------------------------------------------
# Witnesses


def _shown(value: Any, key: str) -> str:
    if value is None:
        return "(not given)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Fraction):
        if key == "data_volume":
            return format_size(int(value))
        if value.denominator == 1:
            return str(value.numerator)
        return f"{float(value):.12g}"
    return str(value)


def _witness(found: dict[str, Any], focus: Iterable[str] = ()) -> str:
    """`key=value, ...` for the keys a reader needs: those the rules in focus test and those
    that differ from the example base and the workload defaults."""
    focus = set(focus)
    parts: dict[str, str] = {}
    stack = []
    for key, value in sorted(found.items()):
        field = FLAT_FIELDS[key]
        if field.path == "existing_stack":
            if value:
                stack.append(key.split("__", 1)[1])
            continue
        preferred = _PREFERRED.get(key)
        if key in _TS[:4] and value is not None:
            preferred = TIME_SERIES_DEFAULTS[key.split("__")[1]]
        same = (value is None and preferred is None) or (
            value is not None and preferred is not None and type(_exact(preferred)) is
            type(value) and _exact(preferred) == value)
        if key in focus or not same:
            parts[field.path] = _shown(value, key)
    if stack or any(FLAT_FIELDS[k].path == "existing_stack" for k in focus):
        parts["existing_stack"] = "[" + ", ".join(stack) + "]"
    return ", ".join(f"{k}={v}" for k, v in parts.items()) or "any workload"


def witness_workload(found: dict[str, Any]) -> dict[str, Any]:
    """A workload mapping (over the example base) for a witness, for tests and tools."""
    out: dict[str, Any] = dict(EXAMPLE_BASE)
    stack = []
    for key, value in found.items():
        field = FLAT_FIELDS[key]
        if field.path == "existing_stack":
            if value:
                stack.append(key.split("__", 1)[1])
            continue
        if field.path in DERIVED or value is None:
            continue
        if isinstance(value, Fraction):
            value = int(value) if field.kind in ("int", "size") else float(value)
        head, _, name = field.path.partition(".")
        if name:
            out.setdefault(head, {})
            out[head] = {**out[head], name: value}
        else:
            out[head] = value
    if stack:
        out["existing_stack"] = sorted(stack)
    return out


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
            found, _ = _question(rule.dnf, [])
        except TooIntricate:
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
        found, cutters = _question(rule.dnf, [(r, c) for r in stronger for c in r.dnf])
    except TooIntricate:
        return [_too_intricate(rule, "whether it can be the primary choice")]
    if found is None and not rule.alternative_only:
        cover = list(cutters)  # drop the rules the others make unnecessary, weakest first
        for other in reversed(cutters):
            rest = [r for r in cover if r is not other]
            if _question(rule.dnf, [(r, c) for r in rest for c in r.dnf])[0] is None:
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
            f"some workloads, for example {_witness(found, rule.fields)} (no rule of higher "
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
                pairs = [x + y for x in a.dnf for y in b.dnf]
                try:
                    found, _ = _question(pairs, [])
                except TooIntricate:
                    out.append(_too_intricate(a, f"whether it overlaps {b.id}"))
                    continue
                if found is None:
                    continue
                out.append(Problem(
                    f"overlaps {b.id} at the same priority {priority} in {category}, with the "
                    f"same choice {a.choice!r}: both match, for example, "
                    f"{_witness(found, a.fields | b.fields)}, and then only their ids decide "
                    "whose reason and sources the advice shows; give one of them another "
                    "priority or make their conditions exclusive", key="priority",
                    where=str(a.path)))
    return out
