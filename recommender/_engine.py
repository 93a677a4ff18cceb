"""Matching: which rules hold for one workload.

Categories are decided in stages (categories.STAGES); `match(stage, fact)` returns the rules of
one stage that hold for a fact: the flattened workload plus the decisions of earlier stages.
Two engines run the same compiled conditions (the negation normal form of each rule's `when`):

* `DurableEngine` (the default) drives the durable-rules C engine directly: each stage's rules
  are compiled into one or more rulesets, as the loader planned them so that none comes near the
  engine's fixed limits (recommender/_network.py); each call asserts the fact as one tagged fact
  in a pooled session of each of the stage's rulesets, drains the fired rule names, and retracts
  it, so no state survives the call. A lock serialises calls, so any number of threads may
  match at once. Decisions of one stage become facts of the next: forward chaining. After
  fork() the child replaces every lock (os.register_at_fork) and rebuilds the rulesets of an
  engine another thread was using at the fork, so a child never waits on a lock nobody holds
  or reuses a half-done session.
* `PythonEngine` evaluates the same conditions as generated Python, one function per stage. It
  is the reference the tests compare against, and the fallback where durable-rules cannot be
  imported (Python 3.13 and later).

Both return the indices of matching rules in rule-book order, without duplicates (`match`), or
grouped by the stage's categories, each group in advice order (`grouped`: highest priority
first, ties by id), which is what the advice is assembled from.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, Protocol

from ._errors import EngineError
from ._categories import STAGES

if TYPE_CHECKING:  # pragma: no cover - the command line imports this module before pydantic
    from ._rulebook import RuleBook

__all__ = ["Engine", "PythonEngine", "DurableEngine", "durable_available", "get_engine",
           "ENGINES"]

ENGINES = ("durable", "python")

try:  # pragma: no cover - depends on the interpreter
    import durable_rules_engine as _dre
except Exception:  # ImportError, or the extension failing to load on Python 3.13+
    _dre = None

_MARKER = "__wl"  # every workload fact carries it; every rule requires it


def durable_available() -> bool:
    return _dre is not None


class Engine(Protocol):
    name: str

    def match(self, stage: int, fact: dict[str, Any]) -> list[int]: ...

    def grouped(self, stage: int, fact: dict[str, Any]) -> list[list[int]]: ...


#: The value of a key the fact does not hold, in generated match functions.
_ABSENT = object()


class _Order:
    """Where each rule goes in the advice: its place in advice order (book.rank) and its
    category's slot among the categories of its stage (categories.STAGES). A bare book (the
    tests build some with neither ranks nor categories) has one group per stage, in rule-book
    order."""

    def __init__(self, book: Any):
        rules = book.rules
        rank = getattr(book, "rank", None) or {rule.index: rule.index for rule in rules}
        #: index -> place in advice order, and place -> index
        self.place = [0] * len(rules)
        for rule in rules:
            self.place[rule.index] = rank[rule.index]
        self.index = sorted(range(len(rules)), key=self.place.__getitem__)
        named = all(hasattr(rule, "category") for rule in rules)
        #: per stage, the category of each group (None: a bare book's single group)
        self.categories = [categories if named else (None,) for _, categories in STAGES]
        #: index -> its group among the groups of its stage, and the same by place
        self.slot = [self.categories[rule.stage].index(rule.category) if named else 0
                     for rule in sorted(rules, key=lambda r: r.index)]
        self.slot_at = [self.slot[index] for index in self.index]

    def arrange(self, stage: int, places: Any) -> list[list[int]]:
        """The indices of the matching rules at `places` (any order), per group of the stage,
        in advice order."""
        out: list[list[int]] = [[] for _ in self.categories[stage]]
        index, slot = self.index, self.slot_at
        for place in sorted(places):
            out[slot[place]].append(index[place])
        return out


class PythonEngine:
    """The reference engine: generated functions test a stage's rules in turn, in advice order
    and grouped by category, so that what they return needs no sorting.

    Where one key splits a stage's rules well (most rules hold only for some values of it,
    such as `task`), the stage has one function per value of that key, holding only the rules
    that can hold for that value (the rest test `key == value` or `key in {...}` for other
    values), in the same order; each is compiled when a fact with that value first comes."""

    name = "python"

    def __init__(self, book: RuleBook):
        from ._conditions import FLAT_FIELDS
        self.order = _Order(book)
        self._fields = FLAT_FIELDS
        #: per stage: its rules in advice order, each with its category's group
        self._plans: list[tuple[int, list[tuple[Any, int]]]] = []
        #: per stage: (key, {value: function}, guards) when split by a key, else None
        self._split: list[Any] = []
        self._stages: list[Callable[[dict[str, Any]], list[list[int]]]] = []
        self._lock = threading.Lock()
        for stage in range(len(STAGES)):
            rules = [(book.rules[i], self.order.slot[i]) for i in self.order.index
                     if book.rules[i].stage == stage]
            groups = len(self.order.categories[stage])
            self._plans.append((groups, rules))
            key, guards = _split_key([rule for rule, _ in rules], FLAT_FIELDS)
            if key is None:
                self._split.append(None)
                self._stages.append(self._compile(stage, rules))
            else:
                self._split.append((key, {}, guards))
                self._stages.append(functools.partial(self._by_value, stage))
        _LIVE.add(self)

    def _after_fork_in_child(self) -> None:
        """A fresh lock in a forked child (the compiled functions are whole: each is stored
        only once compiled)."""
        self._lock = threading.Lock()

    def _compile(self, stage: int, rules: list[tuple[Any, int]],
                 label: str = "") -> Callable[[dict[str, Any]], list[list[int]]]:
        """One function testing `rules` (in advice order) against a fact: the same compiled
        conditions as each rule's own predicate, without a Python call per rule; every key is
        read from the fact once, into a local variable."""
        from ._conditions import python_source
        groups: list[list[Any]] = [[] for _ in range(self._plans[stage][0])]
        for rule, slot in rules:
            groups[slot].append(rule)
        keys = sorted(set().union(*(rule.fields for rule, _ in rules)))
        local = {key: f"v{n}" for n, key in enumerate(keys)}
        lines = ["def match(f):", "    get = f.get"]
        for key in keys:
            read = f"get({key!r}, _ABSENT)" if self._fields[key].optional else f"f[{key!r}]"
            lines.append(f"    {local[key]} = {read}")
        for n, group in enumerate(groups):
            lines.append(f"    g{n} = []")
            if group:
                lines.append(f"    add = g{n}.append")
            for rule in group:
                lines.append(f"    if {python_source(rule.nnf, local.__getitem__)}: "
                             f"add({rule.index})")
        lines.append("    return [" + ", ".join(f"g{n}" for n in range(len(groups))) + "]")
        namespace: dict[str, Any] = {}
        exec(compile("\n".join(lines), f"<rule base, stage {stage}{label}>", "exec"),  # noqa: S102
             {"__builtins__": {}, "_ABSENT": _ABSENT}, namespace)
        return namespace["match"]

    def _by_value(self, stage: int, fact: dict[str, Any]) -> list[list[int]]:
        key, functions, guards = self._split[stage]
        value = fact.get(key, _ABSENT)
        function = functions.get(value)
        if function is None:
            with self._lock:  # compiled once per value (the dict is only ever added to)
                function = functions.get(value)
                if function is None:
                    rules = [(rule, slot) for rule, slot in self._plans[stage][1]
                             if guards.get(rule.index) is None or value in guards[rule.index]]
                    function = functions[value] = self._compile(
                        stage, rules, f", {key} = {value!r}")
        return function(fact)

    def grouped(self, stage: int, fact: dict[str, Any]) -> list[list[int]]:
        return self._stages[stage](fact)

    def match(self, stage: int, fact: dict[str, Any]) -> list[int]:
        return sorted(i for group in self._stages[stage](fact) for i in group)


def _guards(nnf: Any, fields: Any) -> dict[str, frozenset[Any]]:
    """Per key of closed values (an enumeration or a flag), the values it must have for a
    condition to hold: the tests `key == v` and `key in {...}` the whole condition needs."""
    from ._conditions import And, Leaf
    found: dict[str, frozenset[Any]] = {}
    for item in (nnf.items if isinstance(nnf, And) else (nnf,)):
        if isinstance(item, Leaf) and item.op in ("eq", "in") and \
                fields[item.key].kind in ("enum", "bool"):
            values = frozenset(item.value if isinstance(item.value, tuple) else (item.value,))
            found[item.key] = found[item.key] & values if item.key in found else values
    return found


#: A stage is split by a key only when its functions would test at most this share of its
#: rules on average (every value equally likely): a split saves little below it.
_SPLIT_WORTH = 0.75


def _split_key(rules: list[Any], fields: Any) -> tuple[str | None, dict[int, frozenset[Any]]]:
    """The key of closed values (an enumeration or a flag) that splits a stage's rules best,
    and each guarded rule's values of it; (None, {}) when no key splits them enough."""
    guards = {rule.index: _guards(rule.nnf, fields) for rule in rules}
    best: tuple[float, str] | None = None
    for key in sorted({key for found in guards.values() for key in found}):
        spec = fields[key]
        count = len(spec.values) if spec.kind == "enum" else 2
        tested = sum(len(guards[r.index][key]) / count if key in guards[r.index] else 1
                     for r in rules)
        if best is None or tested < best[0]:
            best = (tested, key)
    if best is None or best[0] > _SPLIT_WORTH * len(rules):
        return None, {}
    key = best[1]
    return key, {index: found[key] for index, found in guards.items() if key in found}


_names = itertools.count()

# durable-rules' JSON reader refuses an exponent without a fraction ("1e-07", "1e+20") with
# error 204; Python writes small and large floats that way. Facts and rules hold no free text
# (enumerations and numbers only), so every such token is a number and gains a ".0".
_BARE_EXPONENT = re.compile(r"(?<![\w.])(-?\d+)([eE][+-]?\d+)")


def _dumps(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # (an exponent is always signed in Python's floats; keys and rule names have neither sign)
    if "e+" in text or "e-" in text or "E+" in text or "E-" in text:
        text = _BARE_EXPONENT.sub(r"\1.0\2", text)
    return text


class _Codec:
    """A compact encoding of facts and rule expressions for the C engine.

    The engine parses the fact on every assert and copies it into the message of every rule
    that fires (dozens per workload), so each ruleset is given only the keys its own rules
    test, each renamed to a one- or two-letter name, with every value a number: enumerations
    and decisions (both only ever compared for equality) become their position among the
    field's values or among the choices the rules name (-1 for any other choice), booleans
    1 and 0. Each ruleset's fact is written by a function generated for its keys.
    """

    def __init__(self, rules: list[Any]):
        from ._conditions import FLAT_FIELDS, leaves
        self.fields = FLAT_FIELDS
        used: set[str] = set()
        named: dict[str, set[Any]] = {}  # the choices rules compare each decision with
        for rule in rules:
            used |= rule.fields
            for leaf in leaves(rule.nnf):
                if FLAT_FIELDS[leaf.key].kind == "choice" and leaf.value is not None:
                    named.setdefault(leaf.key, set()).update(
                        leaf.value if isinstance(leaf.value, tuple) else (leaf.value,))
        names = (name for name in _short_names() if name not in ("id", "sid"))
        self.keys = {key: next(names) for key in sorted(used)}
        self.codes: dict[str, dict[Any, int]] = {}
        for key in used:
            spec = FLAT_FIELDS[key]
            if spec.kind == "enum":
                self.codes[key] = {v: i for i, v in enumerate(spec.values)}
            elif spec.kind == "choice":
                self.codes[key] = {v: i for i, v in enumerate(sorted(named.get(key, ())))}

    def value(self, key: str, value: Any) -> Any:
        table = self.codes.get(key)
        if table is not None and isinstance(value, str):
            return table.get(value, -1)
        if value is True or value is False:
            return int(value)
        return value

    def fact(self, fact: dict[str, Any]) -> str:
        """The fact with every key some rule tests (any ruleset accepts it)."""
        parts = [_HEAD]
        for key, value in fact.items():
            short = self.keys.get(key)
            if short is not None:
                value = self.value(key, value)
                parts.append(f',"{short}":{_number(value) if type(value) is float else value}')
        return "".join(parts) + "}"

    def writer(self, keys: set[str]) -> Callable[[dict[str, Any]], str]:
        """A function writing a fact's text with `keys` only (generated: one f-string)."""
        namespace: dict[str, Any] = {"_number": _number}
        lines = ["def write(f):", "    get = f.get"]
        fields = []
        for n, key in enumerate(sorted(keys)):
            short, kind = self.keys[key], self.fields[key].kind
            optional = self.fields[key].optional
            # (inside the f-string below, which is in single quotes: the key in double quotes)
            value = f"v{n}" if optional or kind not in ("enum", "bool") else f'f["{key}"]'
            # a key and its value as written, looked up whole for an enumeration, a decision
            # or a flag
            if kind in ("enum", "choice"):
                namespace[f"T{n}"] = {v: f',"{short}":{c}' for v, c in self.codes[key].items()}
                namespace[f"O{n}"] = f',"{short}":-1'
                text = f"T{n}[{value}]" if kind == "enum" else f"T{n}.get({value}, O{n})"
            elif kind == "bool":
                namespace[f"T{n}"] = {True: f',"{short}":1', False: f',"{short}":0'}
                text = f"T{n}[{value}]"
            else:  # a count, a size or a measure
                text = (f"',\"{short}\":' + "
                        f"(_number({value}) if type({value}) is float else str({value}))")
            if value != f"v{n}":  # a required enumeration or flag: read in the f-string
                fields.append(f"{{{text}}}")
                continue
            read = f"get({key!r})" if optional else f"f[{key!r}]"
            absent = f"'' if v{n} is None else " if optional else ""  # an absent fact is left out
            lines += [f"    v{n} = {read}", f"    t{n} = {absent}{text}"]
            fields.append(f"{{t{n}}}")
        lines.append("    return f'" + _HEAD.replace("{", "{{") + "".join(fields) + "}}'")
        exec(compile("\n".join(lines), "<durable fact>", "exec"), namespace)  # noqa: S102
        return namespace["write"]


#: Every workload fact starts so: the marker every rule requires, one session, one fact id.
_HEAD = '{"__wl":1,"sid":"0","id":"w"'
#: What retracts it: the engine finds the fact by its session and id alone, but parses all of
#: the text it is given (with the whole fact, a call's retracts took 13 us instead of 4).
_RETRACT = '{"sid":"0","id":"w"}'


def _short_names() -> Any:
    """a, b, ..., Z, then aa, ab, ...: the shortest property names."""
    import string
    letters = string.ascii_letters
    yield from letters
    for size in itertools.count(2):
        for combination in itertools.product(letters, repeat=size):
            yield "".join(combination)


def _number(value: float) -> str:
    """A float as durable-rules reads it: finite, with a fraction before any exponent."""
    text = repr(value)
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


class DurableEngine:
    """durable-rules, driven through its C functions (see docs/engine.md for why).

    Rules of a ruleset with the same condition share one engine rule (each rule that holds
    costs the engine an action and a copy of the fact). A rule without conditions (`when:
    always`) holds for every workload: it is not given to the engine, and every match includes
    it. Every rule has `cap` set, so a rule whose `$or` holds on several branches fires one
    action, not one per branch; `pri` orders each ruleset's rules from the most to the least
    likely to fire (_conditions.likelihood), so the engine's scan for the next action (from
    the first rule, after every action) stops early."""

    name = "durable"

    def __init__(self, book: RuleBook):
        if _dre is None:
            raise EngineError("the durable engine is not available on this Python (durable-rules "
                              "could not be imported); use engine=\"python\"")
        from ._conditions import durable_expr, likelihood
        self.order = _Order(book)
        self._codec = _Codec(book.rules)
        #: Each engine rule's name -> the places in advice order (_Order) of the rules whose
        #: condition it tests: rules of a ruleset with the same condition share one.
        self._place: dict[str, tuple[int, ...]] = {}
        #: Per stage, the places of the rules that hold for every workload (never given to
        #: the engine).
        self._always: list[list[int]] = [[] for _ in STAGES]
        #: Per stage, the JSON of each of its rulesets (kept to rebuild them after a fork) and
        #: the function that writes a fact for it.
        self._rulesets: list[list[str]] = [[] for _ in STAGES]
        self._writers: list[list[Callable[[dict[str, Any]], str]]] = [[] for _ in STAGES]
        width = len(str(len(book.rules)))
        self._name = slice(2, 3 + width)  # where the rule name is in a message
        for stage, indices in book.rulesets:
            texts: list[str] = []  # the ruleset's rules, as JSON
            keys: set[str] = set()
            ranked = sorted(indices, key=lambda i: (-likelihood(book.rules[i].nnf), i))
            same: dict[str, str] = {}  # a condition's text -> its engine rule
            for place, index in enumerate(ranked):
                rule = book.rules[index]
                expr = durable_expr(rule.nnf, self._codec)
                if expr is None:
                    self._always[stage].append(self.order.place[index])
                    continue
                text = _dumps(expr)  # the same condition compiles to the same text
                name = same.get(text)
                if name is not None:  # the same condition as a rule given already
                    self._place[name] += (self.order.place[index],)
                    continue
                name = same[text] = f"r{rule.index:0{width}d}"  # one width: a fixed slice
                self._place[name] = (self.order.place[index],)
                keys |= rule.fields
                texts.append(f'"{name}":{{"all":[{{"m":{{"$and":[{{"{_MARKER}":1}},{text}]}}}}],'
                             f'"pri":{place},"cap":{_CAP}}}')
            if texts:
                self._rulesets[stage].append("{" + ",".join(texts) + "}")
                self._writers[stage].append(self._codec.writer(keys))
        self._stages = self._create()
        self._lock = threading.Lock()
        self._stale = False
        _LIVE.add(self)

    def _create(self) -> list[list[Any]]:
        """The C rulesets, per stage (fresh names: a name cannot be registered twice)."""
        stages: list[list[Any]] = []
        for stage, texts in enumerate(self._rulesets):
            stages.append([])
            for text in texts:
                try:
                    stages[-1].append(_dre.create_ruleset(f"recommender{next(_names)}", text))
                except Exception as exc:  # the C layer reports only a number
                    raise EngineError(f"durable-rules refused a compiled ruleset of stage "
                                      f"{stage} ({exc})") from None
        return stages

    def _after_fork_in_child(self) -> None:
        """In a forked child: a fresh lock, and when a thread of the parent was inside match()
        at the fork (it held the lock), a C session may hold its half-asserted fact: the
        rulesets are then rebuilt before the next use instead of being reused half done."""
        if self._lock.locked():
            self._stale = True
        self._lock = threading.Lock()

    def _fresh(self) -> list[list[Any]]:
        """The rulesets, rebuilt first if a fork left them half done (call with the lock)."""
        if self._stale:
            self._stages = self._create()
            self._stale = False
        return self._stages

    def _fired(self, stage: int, fact: dict[str, Any]) -> list[int]:
        """The places (in advice order) of the stage's rules that hold for the fact."""
        fired = list(self._always[stage])  # each place once: a rule fires once (cap)
        add, place, name = fired.extend, self._place, self._name
        start, complete = _dre.start_action_for_state, _dre.complete_and_start_action
        with self._lock:
            handles = self._fresh()[stage] if self._stale else self._stages[stage]
            for handle, write in zip(handles, self._writers[stage]):
                text = write(fact)
                try:
                    code, state = _dre.assert_fact(handle, text)
                    # 1: no rule of the ruleset holds (the fact is not kept)
                    if code != 0 and code != _NOT_HANDLED:
                        raise EngineError(f"durable-rules did not accept the workload (code "
                                          f"{code})")
                    message = start(handle, state)
                    if message:
                        message = message[1]
                    while message:
                        # The message is {"<rule name>": [...]}, every name equally long.
                        add(place[message[name]])
                        message = complete(handle, state)
                except EngineError:
                    self._reset(handle)
                    raise
                except Exception as exc:
                    self._reset(handle)
                    raise EngineError(f"durable-rules failed while matching ({exc})") from None
                try:
                    _dre.retract_fact(handle, _RETRACT)
                except Exception as exc:
                    raise EngineError(f"durable-rules could not clear the workload ({exc})") \
                        from None
        return fired

    def match(self, stage: int, fact: dict[str, Any]) -> list[int]:
        index = self.order.index
        return sorted(index[place] for place in self._fired(stage, fact))

    def grouped(self, stage: int, fact: dict[str, Any]) -> list[list[int]]:
        return self.order.arrange(stage, self._fired(stage, fact))

    def held(self) -> tuple[list[Any], list[Any]]:
        """The facts and pending events the engine holds between calls (both empty)."""
        facts: list[Any] = []
        events: list[Any] = []
        with self._lock:
            for handles in self._fresh():
                for handle in handles:
                    facts += json.loads(_dre.get_facts(handle, "0"))
                    events += json.loads(_dre.get_events(handle, "0"))
        return facts, events

    def _reset(self, handle: Any) -> None:
        try:
            _dre.retract_fact(handle, _RETRACT)
        except Exception:
            pass


#: `cap` of every rule: all of a rule's results in one action (at most this many).
_CAP = 65535
#: assert_fact's code when no rule of the ruleset holds for the fact (ERR_EVENT_NOT_HANDLED).
_NOT_HANDLED = 1


def get_engine(book: RuleBook, name: str | None = None) -> Engine:
    """The engine `name` ("durable", "python", or None for the default) for a rule book,
    built once per rule book (it keeps its engines)."""
    if name is None:
        name = "durable" if _dre is not None else "python"
    if name not in ENGINES:
        from ._errors import InputError, Problem, did_you_mean
        raise InputError([Problem(f"{name!r} is not an engine", key="engine", allowed=ENGINES,
                                  suggestion=did_you_mean(str(name), ENGINES))])
    engines = book.engines
    engine = engines.get(name)
    if engine is None:
        with _ENGINES_LOCK:
            engine = engines.get(name)
            if engine is None:
                engine = (DurableEngine if name == "durable" else PythonEngine)(book)
                engines[name] = engine
    return engine


_ENGINES_LOCK = threading.Lock()
#: Every engine of the process, so that a forked child can reset each one's lock.
_LIVE: "weakref.WeakSet[Any]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """os.register_at_fork hook. A lock held by another thread at fork() stays held in the
    child, where that thread does not exist: the child's first advise() would wait forever.
    Every lock of this module is replaced, and engines that were in use are rebuilt."""
    global _ENGINES_LOCK
    _ENGINES_LOCK = threading.Lock()
    for engine in list(_LIVE):
        engine._after_fork_in_child()


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)
