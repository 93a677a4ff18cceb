"""Matching: which rules hold for one workload.

Two engines run the same compiled conditions (the negation normal form of each rule's `when`):

* `DurableEngine` (the default) drives the durable-rules C engine directly: the rule base is
  compiled into one ruleset once per process; each call asserts the workload as one tagged fact in
  a pooled session, drains the fired rule names, and retracts the fact, so no state survives the
  call. A lock serialises calls, so any number of threads may match at once.
* `PythonEngine` evaluates the same conditions as generated Python predicates. It is the
  reference the tests compare against, and the fallback where durable-rules cannot be imported
  (Python 3.13 and later).

Both return the indices of matching rules in rule-book order, without duplicates.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from typing import Any, Iterable, Protocol

from .errors import EngineError
from .conditions import FLAT_FIELDS, python_source
from .rulebook import Rule, RuleBook

__all__ = ["Engine", "PythonEngine", "DurableEngine", "durable_available", "get_engine",
           "ENGINES"]

ENGINES = ("durable", "python")

try:  # pragma: no cover - depends on the interpreter
    import durable_rules_engine as _dre
except Exception:  # ImportError, or the extension failing to load on Python 3.13+
    _dre = None

_MARKER = "__wl"     # every workload fact carries it; every rule requires it
_SENTINEL = "__all"  # matches every workload fact, so no fact is ever "not handled"


def durable_available() -> bool:
    return _dre is not None


class Engine(Protocol):
    name: str

    def match(self, fact: dict[str, Any]) -> list[int]: ...


class PythonEngine:
    """The reference engine: one generated predicate per rule."""

    name = "python"

    def __init__(self, rules: Iterable[Rule]):
        # One generated function tests every rule in turn: the same compiled conditions as
        # each rule's own predicate, without a Python call per rule.
        lines = ["def match(f):", "    out = []", "    add = out.append"]
        for rule in sorted(rules, key=lambda r: r.index):
            lines.append(f"    if {python_source(rule.nnf)}: add({rule.index})")
        lines.append("    return out")
        namespace: dict[str, Any] = {}
        exec(compile("\n".join(lines), "<rule base>", "exec"),  # noqa: S102 - validated data
             {"__builtins__": {}}, namespace)
        self.match = namespace["match"]

    def match(self, fact: dict[str, Any]) -> list[int]:  # replaced per instance
        raise NotImplementedError


_names = itertools.count()

# durable-rules' JSON reader refuses an exponent without a fraction ("1e-07", "1e+20") with
# error 204; Python writes small and large floats that way. Facts and rules hold no free text
# (enumerations and numbers only), so every such token is a number and gains a ".0".
_BARE_EXPONENT = re.compile(r"(?<![\w.])(-?\d+)([eE][+-]?\d+)")


def _dumps(value: Any) -> str:
    return _BARE_EXPONENT.sub(r"\1.0\2", json.dumps(value, ensure_ascii=False))


class _Codec:
    """A compact encoding of facts and rule expressions for the C engine.

    The engine copies the whole fact into the message of every rule that fires (dozens per
    workload), so the fact is kept small: only keys some rule tests, each renamed to a short
    key ("k12"), and enumeration values replaced by their position in the field's values
    (enumerations are only ever compared for equality). Numbers and booleans pass unchanged.
    """

    def __init__(self, rules: list[Rule]):
        used: set[str] = set()
        for rule in rules:
            used |= rule.fields
        self.keys = {key: f"k{i}" for i, key in enumerate(sorted(used))}
        self.codes = {key: {v: i for i, v in enumerate(FLAT_FIELDS[key].values)}
                      for key in used if FLAT_FIELDS[key].kind == "enum"}

    def value(self, key: str, value: Any) -> Any:
        table = self.codes.get(key)
        return table[value] if table is not None and isinstance(value, str) else value

    def expr(self, expr: Any) -> Any:
        if not isinstance(expr, dict):
            return expr
        out: dict[str, Any] = {}
        for op, arg in expr.items():
            if op in ("$and", "$or"):
                out[op] = [self.expr(item) for item in arg]
            elif op.startswith("$"):
                (key, value), = arg.items()
                out[op] = {self.keys.get(key, key): self.value(key, value)}
            else:
                out[self.keys.get(op, op)] = self.value(op, arg)
        return out

    def fact(self, fact: dict[str, Any]) -> str:
        # Written by hand: keys are short names, values ints, booleans, enumeration codes or
        # floats, so json.dumps and the exponent fix-up are not needed per call.
        keys, codes = self.keys, self.codes
        parts = ['{"__wl":1,"sid":"0","id":"w"']
        for key, value in fact.items():
            short = keys.get(key)
            if short is None:
                continue
            table = codes.get(key)
            if table is not None:
                text = str(table[value])
            elif value is True:
                text = "true"
            elif value is False:
                text = "false"
            elif isinstance(value, float):
                text = _number(value)
            else:
                text = str(value)
            parts.append(f'"{short}":{text}')
        return ",".join(parts) + "}"


def _number(value: float) -> str:
    """A float as durable-rules reads it: finite, with a fraction before any exponent."""
    text = repr(value)
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


class DurableEngine:
    """durable-rules, driven through its C functions (see docs/engine.md for why)."""

    name = "durable"

    def __init__(self, rules: Iterable[Rule]):
        if _dre is None:
            raise EngineError("the durable engine is not available on this Python (durable-rules "
                              "could not be imported); use engine=\"python\"")
        rules = list(rules)
        self._codec = _Codec(rules)
        ruleset: dict[str, Any] = {}
        self._index: dict[str, int] = {}
        for rule in rules:
            name = f"r{rule.index}"
            self._index[name] = rule.index
            expr = self._codec.expr(rule.durable)
            test = {_MARKER: 1} if expr is None else {"$and": [{_MARKER: 1}, expr]}
            ruleset[name] = {"all": [{"m": test}]}
        ruleset[_SENTINEL] = {"all": [{"m": {_MARKER: 1}}]}
        self._ruleset_name = f"recommender{next(_names)}"
        try:
            self._handle = _dre.create_ruleset(self._ruleset_name, _dumps(ruleset))
        except Exception as exc:  # the C layer reports only a number
            raise EngineError(f"durable-rules refused the compiled rule base ({exc})") from None
        self._lock = threading.Lock()

    def match(self, fact: dict[str, Any]) -> list[int]:
        text = self._codec.fact(fact)
        fired: set[int] = set()
        handle = self._handle
        index = self._index
        with self._lock:
            try:
                code, state = _dre.assert_fact(handle, text)
                if code != 0:
                    raise EngineError(f"durable-rules did not accept the workload (code {code})")
                result = _dre.start_action_for_state(handle, state)
                while result:
                    message = result[1]
                    # The message is {"<rule name>": {...}}; rule names hold no quotes.
                    name = message[2:message.index('"', 2)]
                    if name != _SENTINEL:
                        fired.add(index[name])
                    following = _dre.complete_and_start_action(handle, state)
                    result = (None, following) if following else None
            except EngineError:
                self._reset(text)
                raise
            except Exception as exc:
                self._reset(text)
                raise EngineError(f"durable-rules failed while matching ({exc})") from None
            self._retract(text)
        return sorted(fired)

    def held(self) -> tuple[list[Any], list[Any]]:
        """The facts and pending events the engine holds between calls (both empty)."""
        with self._lock:
            return (json.loads(_dre.get_facts(self._handle, "0")),
                    json.loads(_dre.get_events(self._handle, "0")))

    def _retract(self, text: str) -> None:
        try:
            _dre.retract_fact(self._handle, text)
        except Exception as exc:
            raise EngineError(f"durable-rules could not clear the workload ({exc})") from None

    def _reset(self, text: str) -> None:
        try:
            _dre.retract_fact(self._handle, text)
        except Exception:
            pass


_ENGINES: dict[tuple[int, str], Engine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(book: RuleBook, name: str | None = None) -> Engine:
    """The engine `name` ("durable", "python", or None for the default) for a rule book,
    built once per process."""
    if name is None:
        name = "durable" if _dre is not None else "python"
    if name not in ENGINES:
        from .errors import InputError, Problem, did_you_mean
        raise InputError([Problem(f"{name!r} is not an engine", key="engine", allowed=ENGINES,
                                  suggestion=did_you_mean(str(name), ENGINES))])
    key = (id(book), name)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = (DurableEngine if name == "durable" else PythonEngine)(book.rules)
            _ENGINES[key] = engine
        return engine
