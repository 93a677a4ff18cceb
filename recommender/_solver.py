"""The one solver for rule conditions: which workloads satisfy them, decided exactly.

Every question about what rule conditions allow is answered here, the same way: whether two
rules can match one workload (the loader's ties, the lint's overlaps), whether some workload
escapes every rule of a category (the loader's cover proof) or every stronger rule (the lint's
shadowing), whether a rule can match at all, and which values of a field pass its tests
(explanations). An answer that a workload exists comes with one (a witness).

What a condition is taken to mean

* A workload is what the model in workload.py accepts, seen as its flat fact
  (conditions.flatten): one key per field, one true/false key per `existing_stack` member, the
  derived facts, and the decisions of earlier stages (`decided.<category>`).
* Absent: an optional fact that the workload does not give (`features.count`, `time_series.*`,
  `diagnostics.*` and the facts derived from them). Every test on an absent fact is false except
  `present: false`, and `not` is classical negation: `not: {features.count: {gt: 100}}` holds
  when the count is not given. This is conditions.Leaf.holds, and what both engines run. In an
  answer, None stands for absent.
* Values are exact: a number in a rule or a workload means its decimal value (0.2 is 1/5), and
  each number ranges over what the workload model allows (`features.count` 1 to 1e9,
  `data_volume` 1 byte to 1000 PB, `diagnostics.target_error` above 0, `gap_ratio` -1 to 1, the
  two ratios to the target 0 to 1e12); whole-number fields hold whole numbers. A decision is a
  choice name: the names the tests mention, or any other (conditions.OTHER_CHOICE).
* Facts tied by the schema stay tied: the time-series facts are present together, and always
  for `task: forecasting`; `time_series.defaults_only` agrees with the time-series facts; the
  facts of `serving`, `security` and `generative` come with their mapping (a serving size,
  time or model count only with it);
  the three diagnostics numbers are present together, and so are the target error and its two
  ratios; the derived diagnostics numbers agree with the errors they are computed from.

How it decides

Every tested field's values are cut into classes that no test tells apart (a value each for
booleans, enums and choice names, a point or an open interval of numbers between the tests'
values and the model's bounds, a few whole numbers around each tested value), so a conjunction
of tests is a box (a set of classes per field), a condition in DNF is a union of boxes, and one
box is subtracted from another exactly (`subtract_box`). The schema's ties are boxes of
impossible facts, subtracted like any other. A box that is left is turned into a workload: each
field takes the class nearest the example base's value (workload.EXAMPLE_BASE), and when the box
tests diagnostics numbers, some train, validation and target errors must produce values inside
it, decided by Fourier-Motzkin elimination over exact fractions (each test on a ratio is linear
in the three errors once multiplied out).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Sequence

from ._values import shown
from ._conditions import FLAT_FIELDS, OTHER_CHOICE, FlatField, Leaf, flatten
from ._workload import (DERIVED, EXAMPLE_BASE, LIST_FIELDS, MAX_BYTES, MODELS, OPTIONAL_GROUPS,
                        ROWS, TIME_SERIES_DEFAULTS, Diagnostics, Workload)

__all__ = ["ABSENT", "LIMIT", "KNOWN_DERIVED", "TooComplex", "find", "witness", "satisfiable",
           "meet", "uncovered", "subtract_box", "candidates", "preferred", "show",
           "witness_workload"]

#: The most boxes one question may split into before the solver gives up on it.
LIMIT = 50_000

Conjunction = tuple[Leaf, ...]
Region = dict[str, frozenset[int]]


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


#: The class of an optional fact that is not given.
ABSENT: Any = _Absent()


class TooComplex(ValueError):
    """A question split into more boxes than its limit."""


# ---------------------------------------------------------------------------------------------
# The workload schema, as flat keys

_TS = ("time_series__related_series", "time_series__seasonality", "time_series__stationary",
       "time_series__history", "time_series__intermittent", "time_series__quantiles",
       "time_series__cold_start", "time_series__defaults_only")
def _together(group: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The facts of an optional mapping: those present whenever it is given (they have a
    default) and those that stay unknown unless given (Optional), as flat keys."""
    always, sometimes = [], []
    for name, _, _, _, nullable, *_ in MODELS[ROWS[group][2][0]]:
        (sometimes if nullable else always).append(f"{group}__{name}")
    return tuple(always), tuple(sometimes)


#: serving, security, generative: their facts come and go with the mapping.
_TOGETHER = {group: _together(group) for group in OPTIONAL_GROUPS}
_DIAG = ("diagnostics__train_error", "diagnostics__validation_error", "diagnostics__gap_ratio")
_TARGET = ("diagnostics__target_error", "diagnostics__train_to_target",
           "diagnostics__validation_to_target")
_T, _V, _X = _DIAG[0], _DIAG[1], _TARGET[0]
_GAP, _TT, _VT = _DIAG[2], _TARGET[1], _TARGET[2]
_RATIO_CAP = Fraction(10**12)


def _tied(keys: Sequence[str]) -> list[Conjunction]:
    """Boxes of impossible facts for keys that are present together or absent together."""
    out = []
    for a, b in zip(keys, keys[1:]):
        out.append((Leaf(a, "present"), Leaf(b, "absent")))
        out.append((Leaf(a, "absent"), Leaf(b, "present")))
    return out


def _schema_groups() -> list[tuple[frozenset[str], list[Conjunction]]]:
    """Groups of impossible boxes, each with the keys that make it matter: a group is added
    to a question only when the question tests one of its keys."""
    ts = _tied(_TS) + [(Leaf("task", "eq", "forecasting"), Leaf(_TS[0], "absent"))]
    flag = "time_series__defaults_only"
    defaults = {key: TIME_SERIES_DEFAULTS[key.split("__")[1]] for key in _TS[:-1]}
    for key, value in defaults.items():
        ts.append((Leaf(flag, "eq", True), Leaf(key, "ne", value)))
    ts.append((Leaf(flag, "eq", False),) + tuple(Leaf(k, "eq", v) for k, v in defaults.items()))
    diag = _tied(_DIAG) + _tied(_TARGET) + [(Leaf(_X, "present"), Leaf(_T, "absent"))]
    groups = [(frozenset(_TS), ts), (frozenset(_DIAG + _TARGET), diag)]
    for always, sometimes in _TOGETHER.values():
        boxes = _tied(always) + [(Leaf(key, "present"), Leaf(always[0], "absent"))
                                 for key in sometimes]
        groups.append((frozenset(always + sometimes), boxes))
    return groups


_GROUPS = _schema_groups()
#: The derived facts the schema model above knows how to relate to the facts they come from
#: (tests/test_lint.py checks that this is every one of workload.DERIVED).
KNOWN_DERIVED = frozenset(FLAT_FIELDS[k].path for k in (_TS[-1], _GAP, _TT, _VT))


def _domain(key: str) -> tuple[Fraction, bool, Fraction]:
    """(lowest, lowest excluded?, highest) of a number field, from the workload model."""
    if FLAT_FIELDS[key].kind == "size":  # data_volume, serving.payload
        return Fraction(1), False, Fraction(MAX_BYTES)
    if key == _GAP:
        return Fraction(-1), False, Fraction(1)
    if key in (_TT, _VT):
        return Fraction(0), False, _RATIO_CAP
    _, _, _, _, _, low, excluded, high, _ = ROWS[FLAT_FIELDS[key].path]
    return (Fraction(0) if low is None else Fraction(low), excluded,
            Fraction(10**18) if high is None else Fraction(high))


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


def _native(key: str, value: Any) -> Any:
    """A class value as the workload holds it: None for absent, numbers as int or float."""
    if value is ABSENT:
        return None
    if isinstance(value, Fraction):
        return int(value) if FLAT_FIELDS[key].kind in ("int", "size") else float(value)
    return value


@functools.cache
def _base() -> dict[str, Any]:
    return flatten(Workload.from_mapping(EXAMPLE_BASE))


def preferred(key: str) -> tuple[Any, ...]:
    """The values a witness gives a key when its tests allow, best first (None: absent): the
    example base's (rulebook.EXAMPLE_BASE, with the workload defaults); for a time-series fact,
    which the base does not give, absent and then its default."""
    if key in _TS[:4]:
        return None, TIME_SERIES_DEFAULTS[key.split("__")[1]]
    return (_base().get(key),)


# ---------------------------------------------------------------------------------------------
# Classes of values


@dataclass
class _Field:
    """The classes of one flat key: a representative value for each (with its interval
    (low, low included?, high, high included?), for number fields)."""

    key: str
    values: list[Any]
    spans: list[tuple[Fraction, bool, Fraction, bool] | None]


def _classes(key: str, leaves: Iterable[Leaf]) -> _Field:
    """The classes of `key` that the (exact) `leaves` tell apart."""
    spec = FLAT_FIELDS[key]
    values: list[Any] = [ABSENT] if spec.optional else []
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
        points = {low, high} | {Fraction(v) for v in preferred(key) if v is not None}
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


#: How far inside an open interval `candidates` looks for the values nearest its ends.
_NEAR = Fraction(1, 10**6)


def candidates(field: FlatField, leaves: Iterable[Leaf]) -> list[Any]:
    """Values of a field that show every outcome of `leaves` on it, as the workload holds them
    (ABSENT first where the fact may be absent): one per class, and for a number field also the
    simplest values within a millionth inside each end of every open interval, so that the
    passing value nearest to any given one is among them (explain.py looks for it)."""
    classes = _classes(field.key, [_normal(leaf) for leaf in leaves])
    if field.kind != "number":
        return [v if v is ABSENT else _native(field.key, v) for v in classes.values]
    numbers = {v for v in classes.values if v is not ABSENT}
    for span in classes.spans:
        if span is None or span[0] == span[2]:
            continue
        low, _, high, _ = span
        top, bottom = low + _NEAR, high - _NEAR
        numbers.add(_simplest(low, True, min(top, high), top >= high))
        numbers.add(_simplest(max(bottom, low), bottom <= low, high, True))
    absent = [ABSENT] if classes.values and classes.values[0] is ABSENT else []
    return absent + list(dict.fromkeys(_native(field.key, v) for v in sorted(numbers)))


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
                if leaf.holds({} if field.values[i] is ABSENT else {leaf.key: field.values[i]}))
        return box


def subtract_box(region: dict[str, frozenset[Any]], box: dict[str, frozenset[Any]],
                 everything: dict[str, frozenset[Any]]
                 ) -> tuple[list[dict[str, frozenset[Any]]], bool]:
    """`region` minus `box` as disjoint regions, and whether the box cut anything.

    A region or box maps field keys to the set of classes it allows; a key it does not mention
    allows `everything[key]`. For the i-th key of the box, a piece keeps the classes outside
    the box while the keys before it stay inside.
    """
    if any(not (region.get(key, everything[key]) & values) for key, values in box.items()):
        return [region], False  # disjoint: nothing to cut
    pieces = []
    inside = dict(region)
    for key, values in sorted(box.items()):
        current = inside.get(key, everything[key])
        outside = current - values
        if outside:
            piece = dict(inside)
            piece[key] = outside
            pieces.append(piece)
        inside[key] = current & values
    return pieces, True


# ---------------------------------------------------------------------------------------------
# Questions


def find(start: Sequence[Conjunction], minus: Sequence[tuple[Any, Conjunction]] = (),
         limit: int = LIMIT) -> tuple[dict[str, Any] | None, list[Any]]:
    """A workload (flat values as the workload holds them, None = absent) inside the union of
    the `start` conjunctions and outside every `minus` conjunction (each tagged with an owner,
    None for none), or None when there is none. Also the owners whose conjunctions cut into
    `start` (in the order given). Raises TooComplex when `start` less `minus` splits into more
    than `limit` boxes."""
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
                pieces, cut = subtract_box(region, box, space.everything)
                next_regions.extend(pieces)
                if cut and owner is not None and owner not in cutters:
                    cutters.append(owner)
            regions = next_regions
            if not regions:
                break
            if len(regions) > limit:
                raise TooComplex(f"more than {limit} boxes")
        for region in regions:
            found = _realise(space, region)
            if found is not None:
                return found, cutters
    return None, cutters


def witness(*conjunctions: Conjunction) -> dict[str, Any] | None:
    """A workload (flat values, None = absent) that satisfies all the conjunctions at once, or
    None when none does."""
    return find([tuple(itertools.chain.from_iterable(conjunctions))])[0]


def satisfiable(*conjunctions: Conjunction) -> bool:
    """Whether one workload can satisfy all the given conjunctions at once."""
    return witness(*conjunctions) is not None


def meet(*dnfs: Sequence[Conjunction]) -> dict[str, Any] | None:
    """A workload that satisfies every one of the conditions (each given as its DNF), or None
    when no workload satisfies them all."""
    pairs = [tuple(itertools.chain.from_iterable(c)) for c in itertools.product(*dnfs)]
    return find(pairs)[0]


def uncovered(dnfs: Sequence[Sequence[Conjunction]], limit: int = 20_000
              ) -> dict[str, Any] | None:
    """A workload (flat values, None = absent) that none of the conditions (each given as its
    DNF) matches, or None when together they cover every workload. Raises TooComplex past
    `limit` boxes."""
    # The order of subtraction does not change the result, only the work: broad alternatives
    # (fewest tests) first cut the space down before the narrow ones split it up.
    minus = sorted((conjunction for dnf in dnfs for conjunction in dnf), key=len)
    return find([()], [(None, c) for c in minus], limit)[0]


# ---------------------------------------------------------------------------------------------
# From a box to one workload


def _pick(field: _Field, allowed: frozenset[int]) -> int:
    for value in preferred(field.key):
        wanted = ABSENT if value is None else _exact(value)
        for i in sorted(allowed):
            got = field.values[i]
            if got is wanted or (wanted is not ABSENT and got is not ABSENT and got == wanted
                                 and type(got) is type(wanted)):
                return i
    return min(allowed)


def _realise(space: _Space, region: Region) -> dict[str, Any] | None:
    chosen: dict[str, Any] = {}
    for key, field in space.fields.items():
        if key in _DIAG + _TARGET:
            continue
        value = field.values[_pick(field, region.get(key, space.everything[key]))]
        chosen[key] = _native(key, value)
    if any(k in space.fields for k in _DIAG + _TARGET):
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
        return key not in space.fields or any(space.fields[key].values[i] is ABSENT
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
                facts = Diagnostics(**{
                    "train_error": float(t), "validation_error": float(v),
                    **({"target_error": float(x)} if with_target else {})})
                derived = {_T: facts.train_error, _V: facts.validation_error,
                           _GAP: facts.gap_ratio}
                if with_target:
                    derived.update({_X: facts.target_error, _TT: facts.train_to_target,
                                    _VT: facts.validation_to_target})
                if all(_inside(_exact(derived[k]), spans[k]) for k in keys):
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
# Witnesses, for people and for tests


def _shown(value: Any, key: str) -> str:
    return shown(key, value)


def show(found: dict[str, Any], focus: Iterable[str] = ()) -> str:
    """A witness as `key=value, ...`, for the keys a reader needs: those in `focus` (flat
    keys, such as the ones the rules in question test) and those whose value is not the one a
    witness prefers (the example base's, or the default)."""
    focus = set(focus)
    parts: dict[str, str] = {}
    lists: dict[str, list[str]] = {path: [] for path in sorted(
        {FLAT_FIELDS[k].path for k in focus} & LIST_FIELDS)}
    for key, value in sorted(found.items()):
        field = FLAT_FIELDS[key]
        if field.path in LIST_FIELDS:  # one true/false key per member of a list field
            if value:
                lists.setdefault(field.path, []).append(key.split("__", 1)[1])
            continue
        if key in focus or value not in preferred(key):
            parts[field.path] = _shown(value, key)
    for path, members in lists.items():
        parts[path] = "[" + ", ".join(members) + "]"
    return ", ".join(f"{k}={v}" for k, v in parts.items()) or "any workload"


def witness_workload(found: dict[str, Any]) -> dict[str, Any]:
    """A witness as a rule example would give it: a workload mapping over the example base,
    with `decided: {category: choice}` for the decisions it names."""
    out: dict[str, Any] = dict(EXAMPLE_BASE)
    lists: dict[str, list[str]] = {}
    for key, value in found.items():
        field = FLAT_FIELDS[key]
        if field.path in LIST_FIELDS:
            if value:  # one true/false key per member of a list field
                lists.setdefault(field.path, []).append(key.split("__", 1)[1])
            continue
        if field.path in DERIVED or value is None:
            continue
        head, _, name = field.path.partition(".")
        if name:
            out.setdefault(head, {})
            out[head] = {**out[head], name: value}
        else:
            out[head] = value
    for path, members in lists.items():
        out[path] = sorted(members)
    return out
