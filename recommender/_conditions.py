"""Rule conditions: parse, type-check, normalise, and compile for both engines.

A condition in a rule file is one of

    always                                  matches every workload
    {all: [COND, ...]}                      every sub-condition holds
    {any: [COND, ...]}                      at least one holds
    {not: COND}                             the sub-condition does not hold
    {FIELD: VALUE}                          shorthand for {FIELD: {eq: VALUE}}
    {FIELD: {OP: VALUE}}                    one test on one workload field

FIELD is a dotted workload key (`velocity`, `features.sparse`, `time_series.seasonality`), or the
decision of a single-choice category of an earlier stage (`decided.service_choice`, compared with
eq, ne, in and not_in against choice names), and OP one of OPERATORS. A test on a field that is absent from the workload (only optional facts such as
`features.count` or `time_series.*` can be) is false, whatever the operator, except `present`.
`not` is ordinary negation, so `not: {features.count: {gt: 100}}` holds when the count is unknown.

Parsing yields an AST; `to_nnf` pushes negation down to the leaves (the form both engines run);
`to_dnf` expands it into alternatives of plain conjunctions, the form recommender.solver reasons
about (which workloads satisfy a condition, with the same meaning of absence). The same NNF is
compiled to a Python predicate (the reference engine) and to a durable-rules expression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Union

from ._categories import SINGLE
from ._documents import OTHER_NUMBER_FORMS
from ._generated import flatten
from ._keys import flat_key
from ._workload import FIELDS, OTHER_FORMS, FieldSpec, parse_size

__all__ = ["OPERATORS", "Leaf", "And", "Or", "Not", "Always", "Node", "parse", "to_nnf", "to_dnf",
           "python_source", "durable_expr", "flat_key", "FLAT_FIELDS", "describe", "fields_of",
           "flatten", "compile_python", "DECIDED", "decided_key", "decided_category", "TESTABLE",
           "OTHER_CHOICE", "alternatives", "MAX_ALTERNATIVES", "likelihood", "leaves",
           "nearest"]

OPERATORS = {
    "eq": "equals the value",
    "ne": "differs from the value",
    "in": "is one of the listed values",
    "not_in": "is none of the listed values",
    "lt": "is less than", "lte": "is at most", "gt": "is greater than", "gte": "is at least",
    "contains": "the list field holds the value (existing_stack)",
    "present": "true: the optional fact is given; false: it is absent",
}
_ORDER_OPS = {"lt", "lte", "gt", "gte"}
_NEGATE = {"eq": "ne", "ne": "eq", "in": "not_in", "not_in": "in", "lt": "gte", "gte": "lt",
           "gt": "lte", "lte": "gt", "present": "absent", "absent": "present"}


class FlatField(NamedTuple):
    key: str
    kind: str  # enum, bool, int, number, size
    values: tuple[Any, ...]
    optional: bool
    path: str


#: The decisions a rule may test: the primary choice of each single-choice category. Which of
#: them a rule may test depends on its stage (categories.STAGES, checked by the loader); the
#: values are choice names, checked against the catalogue by the loader.
DECIDED: dict[str, FieldSpec] = {
    f"decided.{category}": FieldSpec(f"decided.{category}", "choice", (), False,
                                     f"the primary choice of {category.replace('_', ' ')}")
    for category in SINGLE}
#: Every key a condition may test: workload fields, derived facts and earlier decisions.
TESTABLE: dict[str, FieldSpec] = {**FIELDS, **DECIDED}


def decided_key(category: str) -> str:
    """The flat key that holds a category's decision."""
    return f"decided__{category}"


def decided_category(key: str) -> str | None:
    """The category whose decision a flat key holds, or None for a workload key."""
    return key[len("decided__"):] if key.startswith("decided__") else None


#: A choice that no condition names, for the solver: "some other choice".
OTHER_CHOICE = "(any other choice)"


def _flat_fields() -> dict[str, FlatField]:
    out: dict[str, FlatField] = {}
    for spec in TESTABLE.values():
        if spec.kind == "set":
            for member in spec.values:
                key = flat_key(f"{spec.path}.{member}")
                out[key] = FlatField(key, "bool", (), False, spec.path)
        else:
            key = flat_key(spec.path)
            out[key] = FlatField(key, spec.kind, spec.values, spec.optional, spec.path)
    return out


FLAT_FIELDS: dict[str, FlatField] = _flat_fields()


# ---------------------------------------------------------------------------------------------
# AST


@dataclass(frozen=True)
class Leaf:
    key: str          # flat key
    op: str           # eq ne in not_in lt lte gt gte present absent
    value: Any = None  # scalar, tuple for in/not_in, None for present/absent

    def holds(self, fact: dict[str, Any]) -> bool:
        if self.op == "present":
            return self.key in fact
        if self.op == "absent":
            return self.key not in fact
        if self.key not in fact:
            return False
        got = fact[self.key]
        op, value = self.op, self.value
        if op == "eq":
            return got == value
        if op == "ne":
            return got != value
        if op == "in":
            return got in value
        if op == "not_in":
            return got not in value
        if op == "lt":
            return got < value
        if op == "lte":
            return got <= value
        if op == "gt":
            return got > value
        return got >= value


@dataclass(frozen=True)
class And:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    item: "Node"


@dataclass(frozen=True)
class Always:
    pass


Node = Union[Leaf, And, Or, Not, Always]


# ---------------------------------------------------------------------------------------------
# Parsing and type checking


class ConditionError(ValueError):
    """A condition is malformed; `path` says where inside `when` (e.g. `all[2].velocity`)."""

    def __init__(self, path: str, message: str):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def parse(raw: Any, path: str = "when") -> tuple[Node, list[ConditionError]]:
    """Parse a raw `when` value, collecting every problem rather than stopping at the first."""
    errors: list[ConditionError] = []
    node = _parse(raw, path, errors)
    return node, errors


def _parse(raw: Any, path: str, errors: list[ConditionError]) -> Node:
    if raw == "always":
        return Always()
    if not isinstance(raw, dict) or len(raw) != 1:
        errors.append(ConditionError(path, "a condition is `always` or a mapping with exactly "
                                     "one key: all, any, not, or a workload field"))
        return Always()
    (key, value), = raw.items()
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            errors.append(ConditionError(f"{path}.{key}", "expects a non-empty list"))
            return Always()
        items = tuple(_parse(v, f"{path}.{key}[{i}]", errors) for i, v in enumerate(value))
        return And(items) if key == "all" else Or(items)
    if key == "not":
        return Not(_parse(value, f"{path}.not", errors))
    return _parse_leaf(str(key), value, f"{path}.{key}", errors)


def _parse_leaf(field: str, raw: Any, path: str, errors: list[ConditionError]) -> Node:
    spec = TESTABLE.get(field)
    if spec is None:
        from ._errors import did_you_mean
        hint = did_you_mean(field, list(TESTABLE) + ["all", "any", "not"])
        what = (f"`{field}` is not a decision a rule can test; decisions are "
                f"{', '.join(DECIDED)}" if field.startswith("decided.") else
                f"`{field}` is not a workload field")
        errors.append(ConditionError(path, what +
                                     (f" (did you mean `{hint}`?)" if hint else "")))
        return Always()
    if isinstance(raw, dict):
        if len(raw) != 1:
            errors.append(ConditionError(path, "give exactly one operator per test; "
                                         "combine tests with all/any"))
            return Always()
        (op, value), = raw.items()
        at = f"{path}.{op}"  # where a bad value is: `when.all[0].diagnostics.train_error.lt`
    else:
        op, value, at = "eq", raw, path
    if op not in OPERATORS:
        from ._errors import did_you_mean
        hint = did_you_mean(str(op), OPERATORS)
        errors.append(ConditionError(path, f"unknown operator `{op}`; operators are "
                                     f"{', '.join(OPERATORS)}" +
                                     (f" (did you mean `{hint}`?)" if hint else "")))
        return Always()
    try:
        return _typed_leaf(spec, op, value)
    except ValueError as exc:
        errors.append(ConditionError(at, str(exc)))
        return Always()


def _check_value(spec: FieldSpec, value: Any) -> Any:
    kind = spec.kind
    if kind == "choice":  # a choice name; the loader checks it against the catalogue
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"`{spec.path}` is compared with a choice name, not {value!r}")
        return value.strip()
    if kind in ("enum", "set"):
        if not isinstance(value, str) or value not in spec.values:
            from ._errors import did_you_mean
            hint = did_you_mean(value, spec.values) if isinstance(value, str) else None
            raise ValueError(f"{value!r} is not a value of `{spec.path}`; allowed: "
                             f"{', '.join(spec.values)}" +
                             (f" (did you mean `{hint}`?)" if hint else ""))
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"`{spec.path}` is true or false, not {value!r}")
        return value
    if kind == "size":
        return parse_size(value)
    if kind in ("int", "number"):
        return _check_number(spec, value)
    raise ValueError(f"`{spec.path}` cannot be tested")  # pragma: no cover


def _check_number(spec: FieldSpec, value: Any) -> int | float:
    """A threshold for a count or a measure: a finite number within the field's range."""
    shown = _short(value)
    whole = spec.kind == "int"
    allowed = (f"{'a whole number' if whole else 'a finite number'} from {_num(spec.low)} to "
               f"{_num(spec.high)}, the range of `{spec.path}`")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str) and OTHER_NUMBER_FORMS.match(value.strip()):
            raise ValueError(f"{shown} is {OTHER_FORMS}; `{spec.path}` is compared with "
                             f"{allowed}")
        raise ValueError(f"`{spec.path}` is compared with a number, not {shown}; allowed: "
                         f"{allowed}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{shown} is not a finite number; allowed: {allowed}")
    if (spec.low is not None and value < spec.low) or \
            (spec.high is not None and value > spec.high):
        raise ValueError(f"{shown} is outside the range of `{spec.path}`; allowed: {allowed}")
    if whole and not float(value).is_integer():
        raise ValueError(f"`{spec.path}` holds whole numbers, not {shown}")
    return value


def _num(bound: float | None) -> str:
    if bound is None:  # pragma: no cover - every numeric field has both bounds
        return "any"
    return f"{bound:g}" if isinstance(bound, float) else f"{bound:,}"


def _short(value: Any) -> str:
    """A value as a message shows it: a 400-digit number is not printed whole."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _typed_leaf(spec: FieldSpec, op: str, value: Any) -> Node:
    key = flat_key(spec.path)
    if op == "present":
        if not isinstance(value, bool):
            raise ValueError("`present` takes true or false")
        if not spec.optional:
            raise ValueError(f"`{spec.path}` always has a value (it has a default); "
                             "`present` would never change anything")
        return Leaf(key, "present" if value else "absent")
    if spec.kind == "set":
        if op == "contains":
            member = _check_value(spec, value)
            return Leaf(flat_key(f"{spec.path}.{member}"), "eq", True)
        if op == "eq" and isinstance(value, list):
            members = [_check_value(spec, v) for v in value]
            return And(tuple(Leaf(flat_key(f"{spec.path}.{m}"), "eq", m in members)
                             for m in spec.values))
        raise ValueError(f"`{spec.path}` is a list: test it with `contains`")
    if op == "contains":
        raise ValueError(f"`contains` applies to list fields only; `{spec.path}` is not a list")
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"`{op}` takes a non-empty list of values")
        values = tuple(dict.fromkeys(_check_value(spec, v) for v in value))
        if len(values) == 1:
            return Leaf(key, "eq" if op == "in" else "ne", values[0])
        return Leaf(key, op, values)
    if op in _ORDER_OPS and spec.kind not in ("int", "number", "size"):
        raise ValueError(f"`{op}` compares numbers; `{spec.path}` is {spec.kind}")
    return Leaf(key, op, _check_value(spec, value))


# ---------------------------------------------------------------------------------------------
# Normal forms


def to_nnf(node: Node, negate: bool = False) -> Node:
    """Negation normal form: `Not` only survives as negated leaves (absent, ne, not_in, ...)."""
    if isinstance(node, Always):
        return Or(()) if negate else node  # Or() is "never"
    if isinstance(node, Not):
        return to_nnf(node.item, not negate)
    if isinstance(node, (And, Or)):
        items = tuple(to_nnf(i, negate) for i in node.items)
        flip = isinstance(node, And) == negate
        return _simplify(Or(items) if flip else And(items))
    assert isinstance(node, Leaf)
    if not negate:
        return node
    flipped = Leaf(node.key, _NEGATE[node.op], node.value)
    optional = FLAT_FIELDS[node.key].optional
    if node.op in ("present", "absent") or not optional:
        return flipped
    # Classical negation of "x op v": x is absent, or x is present and fails the test.
    return Or((Leaf(node.key, "absent"), flipped))


def _simplify(node: And | Or) -> Node:
    items: list[Node] = []
    for item in node.items:
        if type(item) is type(node):
            items.extend(item.items)  # type: ignore[union-attr]
        elif isinstance(item, Always):
            if isinstance(node, Or):
                return Always()
        else:
            items.append(item)
    if len(items) == 1:
        return items[0]
    return type(node)(tuple(items))


#: The most alternatives (conjunctions of simple tests) a condition may expand into, in the
#: disjunctive normal form the exact checks (ties, coverage, lint) work on.
MAX_ALTERNATIVES = 4096


def alternatives(node: Node, cap: int = MAX_ALTERNATIVES) -> int:
    """How many alternatives `to_dnf` would give for the NNF `node`, counted without expanding
    it; cap + 1 as soon as that (or a partial product to_dnf would build) exceeds `cap`."""
    if isinstance(node, (Always, Leaf)):
        return 1
    if isinstance(node, Or):
        total = 0
        for item in node.items:
            total += alternatives(item, cap)
            if total > cap:
                return cap + 1
        return total
    if isinstance(node, And):
        product = 1
        for item in node.items:
            product *= alternatives(item, cap)
            if product > cap:
                return cap + 1
        return product
    raise TypeError(node)  # pragma: no cover - NNF holds no Not


def to_dnf(node: Node) -> list[tuple[Leaf, ...]]:
    """Alternatives of conjunctions; [] means never, [()] means always. Input must be NNF."""
    if isinstance(node, Always):
        return [()]
    if isinstance(node, Leaf):
        return [(node,)]
    if isinstance(node, Or):
        return [c for item in node.items for c in to_dnf(item)]
    if isinstance(node, And):
        result: list[tuple[Leaf, ...]] = [()]
        for item in node.items:
            result = [a + b for a in result for b in to_dnf(item)]
            if len(result) > MAX_ALTERNATIVES:
                raise ValueError("condition is too complex to analyse (over "
                                 f"{MAX_ALTERNATIVES} alternatives)")
        return result
    raise TypeError(node)  # pragma: no cover


def fields_of(node: Node) -> set[str]:
    """Flat keys tested anywhere in the condition."""
    if isinstance(node, Leaf):
        return {node.key}
    if isinstance(node, (And, Or)):
        return set().union(*(fields_of(i) for i in node.items)) if node.items else set()
    if isinstance(node, Not):
        return fields_of(node.item)
    return set()


# ---------------------------------------------------------------------------------------------
# Compilation


def python_source(node: Node, local: Callable[[str], str] | None = None) -> str:
    """A Python expression over a dict `f` (the flat fact) equivalent to the NNF `node`.

    With `local`, each key is read from the variable `local(key)` instead, which holds the
    key's value or `_ABSENT` (the engine binds every key a function tests once, up front)."""
    if isinstance(node, Always):
        return "True"
    if isinstance(node, And):
        return "(" + " and ".join(python_source(i, local) for i in node.items) + ")" \
            if node.items else "True"
    if isinstance(node, Or):
        return "(" + " or ".join(python_source(i, local) for i in node.items) + ")" \
            if node.items else "False"
    assert isinstance(node, Leaf)
    key = repr(node.key)
    read = f"f[{key}]" if local is None else local(node.key)
    if node.op in ("present", "absent"):
        if local is None:
            return f"({key} in f)" if node.op == "present" else f"({key} not in f)"
        return f"({read} is not _ABSENT)" if node.op == "present" else f"({read} is _ABSENT)"
    symbol = {"eq": "==", "ne": "!=", "in": "in", "not_in": "not in", "lt": "<", "lte": "<=",
              "gt": ">", "gte": ">="}[node.op]
    if node.op in ("in", "not_in"):  # a set literal in a membership test is a constant
        value = "{" + ", ".join(repr(v) for v in node.value) + "}"
    else:
        value = repr(node.value)
    test = f"{read} {symbol} {value}"
    if node.value is True and node.op == "eq":
        test = f"{read} is True"
    elif node.value is False and node.op == "eq":
        test = f"{read} is False"
    if FLAT_FIELDS[node.key].optional:
        given = f"{key} in f" if local is None else f"{read} is not _ABSENT"
        return f"({given} and {test})"
    return f"({test})"


def compile_python(node: Node) -> Callable[[dict[str, Any]], bool]:
    """A predicate over the flat fact, built from the NNF condition."""
    code = compile(f"lambda f: {python_source(node)}", "<rule condition>", "eval")
    return eval(code, {"__builtins__": {}})  # noqa: S307 - source built from validated values


def nearest(dnf: list[tuple[Leaf, ...]], fact: dict[str, Any]) -> tuple[int, tuple[Leaf, ...]]:
    """The alternative of a condition (its `to_dnf`) with the fewest tests failing for a flat
    fact, and how many fail there (0: the condition holds)."""
    best: tuple[int, tuple[Leaf, ...]] | None = None
    for conjunction in dnf:
        failing = sum(not leaf.holds(fact) for leaf in conjunction)
        if best is None or failing < best[0]:
            best = (failing, conjunction)
        if failing == 0:
            break
    assert best is not None  # a rule's condition has an alternative (the loader sees to it)
    return best


def leaves(node: Node) -> list[Leaf]:
    """Every test of a condition, in order."""
    if isinstance(node, Leaf):
        return [node]
    if isinstance(node, (And, Or)):
        return [leaf for item in node.items for leaf in leaves(item)]
    if isinstance(node, Not):
        return leaves(node.item)
    return []


def durable_expr(node: Node, codec: Any = None) -> dict[str, Any] | None:
    """The durable-rules expression for an NNF node (None for "always"). With `codec`, keys
    and values are written as the engine is given them: `codec.keys[key]` and
    `codec.value(key, value)` (recommender/_engine.py).

    The tests of an `all` come rarest first (`likelihood`; equally rare ones in one order of
    their own, so that rules testing the same thing share the engine's node). The engine walks
    a rule's tests in that order and visits the next one only once a test holds; every node it
    visits costs it a pass over all the fact's properties. Rarest first, most walks stop at
    the first test: the matching is the same, and cheaper."""
    if isinstance(node, Always):
        return None
    if isinstance(node, (And, Or)):
        if isinstance(node, And):
            ranked = sorted(node.items, key=_rarest_first)
            parts = [part for part in (durable_expr(item, codec) for item in ranked)
                     if part is not None]
            return {"$and": parts} if parts else None
        parts = [durable_expr(i, codec) for i in node.items]
        # An empty Or ("never") compiles to a test no fact can pass.
        return {"$or": parts} if parts else {"$nex": {"__wl": 1}}
    assert isinstance(node, Leaf)
    key, value, op = node.key, node.value, node.op
    if codec is not None:
        name = codec.keys[key]
        value = tuple(codec.value(key, v) for v in value) if op in ("in", "not_in") else \
            codec.value(key, value)
    else:
        name = key
    if op == "present":
        return {"$ex": {name: 1}}
    if op == "absent":
        return {"$nex": {name: 1}}
    if op == "eq":
        return {name: value}
    if op == "ne":
        return {"$neq": {name: value}}
    if op == "in":
        return {"$or": [{name: v} for v in value]}
    if op == "not_in":
        return {"$and": [{"$neq": {name: v}} for v in value]}
    return {f"${op}": {name: value}}


def _rarest_first(node: Node) -> tuple[Any, ...]:
    """durable_expr's order of the tests of an `all`: the rarest first, ties in a fixed order."""
    if isinstance(node, Leaf):
        return (likelihood(node), 0, node.key, node.op, repr(node.value))
    return (likelihood(node), 1, repr(node))


def likelihood(node: Node) -> float:
    """How often a condition holds, estimated as if every key took each of its values equally
    often and independently (a test of a number, a count or a presence: half the time). Only
    used to order the engine's work (durable_expr, and the rules of a durable ruleset)."""
    if isinstance(node, Always):
        return 1.0
    if isinstance(node, (And, Or)):
        chances = [likelihood(item) for item in node.items]
        if isinstance(node, And):
            return math.prod(chances)
        return 1.0 - math.prod(1.0 - chance for chance in chances)
    assert isinstance(node, Leaf)
    spec = FLAT_FIELDS[node.key]
    if spec.kind not in ("enum", "choice", "bool") or node.op not in ("eq", "ne", "in", "not_in"):
        return 0.5
    size = len(spec.values) if spec.values else 10 if spec.kind == "choice" else 2
    share = len(node.value) if node.op in ("in", "not_in") else 1
    if node.op in ("ne", "not_in"):
        share = size - share
    return max(0.0, min(1.0, share / size))


def describe(node: Node) -> str:
    """A short human reading of a condition, for docs and messages."""
    if isinstance(node, Always):
        return "always"
    if isinstance(node, And):
        return " and ".join(_wrap(describe(i), i) for i in node.items) if node.items else "always"
    if isinstance(node, Or):
        return " or ".join(_wrap(describe(i), i) for i in node.items) if node.items else "never"
    if isinstance(node, Not):
        return f"not ({describe(node.item)})"
    path = node.key.replace("__", ".")
    if node.op == "present":
        return f"{path} is given"
    if node.op == "absent":
        return f"{path} is not given"
    symbol = {"eq": "=", "ne": "≠", "in": "in", "not_in": "not in", "lt": "<", "lte": "≤",
              "gt": ">", "gte": "≥"}[node.op]
    value = node.value
    if isinstance(value, tuple):
        value = "{" + ", ".join(map(str, value)) + "}"
    elif isinstance(value, bool):
        value = str(value).lower()
    elif FLAT_FIELDS[node.key].kind == "size":
        from ._workload import format_size
        value = format_size(value)
    return f"{path} {symbol} {value}"


def _wrap(text: str, node: Node) -> str:
    return f"({text})" if isinstance(node, (And, Or)) and len(node.items) > 1 else text


