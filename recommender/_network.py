"""What a ruleset costs durable-rules' C engine, measured before the engine ever sees it.

durable-rules 2.0.28 compiles a ruleset into an alpha network and walks it for every fact with
a fixed 64-entry stack (`handleAlpha` in events.c): popping a node pushes every child that can
go on (the children whose test the fact passes, the `$nex` children whose key is absent, and the
join node that closes each `$or`). Past 64 entries the walk fails with error 303 at match time;
other fixed tables refuse a ruleset when it is created (128 `$nex`/join children of one node:
error 107; 256 rule endings on one node: 108; 512 tested children of one node: 106; 4,096
rules in a ruleset).

This module rebuilds the network's shape as `rete.c` does (`createAlpha`, `findAlpha`,
`linkAlpha`): tests under the same parent with the same key, operator and value are shared; a
`$nex` test and the join node of every `$or` are new nodes; an `$or`'s branches start from the
same parent and all lead to its join node. Over that shape it bounds the deepest stack any fact
can need: a node's children that can be pushed together are at most one equality test per key
(a key has one value) plus every other test on it, or, when the key is absent, its `$nex` tests,
plus the join nodes; a node then needs (children pushed − 1) + what its deepest child needs. The
bound never underestimates the real walk, so a ruleset within it can never fail with 303.

`plan()` splits each stage's rules into as few rulesets as keep every one within the limits
(with a margin); a rule that alone exceeds them is refused by the loader with what to split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

__all__ = ["STACK_LIMIT", "Needs", "needs", "plan", "TooDeep"]

#: The engine's stack (MAX_STACK_SIZE); rulesets are kept to STACK_LIMIT entries or fewer.
ENGINE_STACK = 64
STACK_LIMIT = 56
#: Per-node tables of rete.c (NEXT_LIST_LENGTH, BETA_LIST_LENGTH, NEXT_BUCKET_LENGTH) and the
#: rules of one ruleset (MAX_ACTIONS), each kept with a margin.
NEXT_LIST_LIMIT = 120
BETA_LIST_LIMIT = 240
NEXT_LIMIT = 480
ACTIONS_LIMIT = 4000

_MARKER = "__wl"


@dataclass(eq=False)
class _Node:
    key: str | None = None      # None: the root or a join node
    op: str = "eq"
    value: Any = None
    next: list["_Node"] = field(default_factory=list)       # tested children (hashed)
    next_list: list["_Node"] = field(default_factory=list)  # $nex tests and join nodes
    endings: int = 0                                          # rules that end here


@dataclass(frozen=True)
class Needs:
    """What a ruleset needs of the engine's fixed tables."""

    stack: int
    next_list: int
    endings: int
    tested_children: int
    rules: int

    def fits(self) -> bool:
        return (self.stack <= STACK_LIMIT and self.next_list <= NEXT_LIST_LIMIT and
                self.endings <= BETA_LIST_LIMIT and self.tested_children <= NEXT_LIMIT and
                self.rules <= ACTIONS_LIMIT)

    def excess(self) -> str:
        """What is over its limit, in words."""
        out = []
        if self.stack > STACK_LIMIT:
            out.append(f"a match could need {self.stack} entries of the engine's "
                       f"{ENGINE_STACK}-entry stack (this project allows {STACK_LIMIT})")
        if self.next_list > NEXT_LIST_LIMIT:
            out.append(f"{self.next_list} absence tests or `any` joins under one test "
                       f"(limit {NEXT_LIST_LIMIT})")
        if self.endings > BETA_LIST_LIMIT:
            out.append(f"{self.endings} rules ending on the same test (limit {BETA_LIST_LIMIT})")
        if self.tested_children > NEXT_LIMIT:
            out.append(f"{self.tested_children} different tests under one test "
                       f"(limit {NEXT_LIMIT})")
        return "; ".join(out) or "nothing"


class _Network:
    def __init__(self) -> None:
        self.root = _Node()
        self.rules = 0

    def add(self, expr: dict[str, Any] | None) -> None:
        test = {_MARKER: 1} if expr is None else {"$and": [{_MARKER: 1}, expr]}
        self._build(self.root, test).endings += 1
        self.rules += 1

    def _build(self, parent: _Node, expr: dict[str, Any]) -> _Node:
        (op, arg), = expr.items()
        if op == "$and":
            node = parent
            for item in arg:
                node = self._build(node, item)
            return node
        if op == "$or":
            join = _Node()
            for branch in arg:
                self._build(parent, branch).next_list.append(join)
            return join
        if op == "$nex":
            (key, _), = arg.items()
            node = _Node(key, "nex")
            parent.next_list.append(node)
            return node
        if op.startswith("$"):
            (key, value), = arg.items()
            operator = op[1:]
        else:
            key, value, operator = op, arg, "eq"
        for child in parent.next:
            if child.key == key and child.op == operator and child.value == value \
                    and type(child.value) is type(value):
                return child
        node = _Node(key, operator, value)
        parent.next.append(node)
        return node

    def needs(self) -> Needs:
        memo: dict[int, int] = {}
        next_list = endings = tested = 0
        seen: set[int] = set()
        stack = [self.root]
        while stack:  # every node once, for the per-node tables
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            next_list = max(next_list, len(node.next_list))
            endings = max(endings, node.endings)
            tested = max(tested, len(node.next))
            stack += node.next + node.next_list
        return Needs(self._depth(self.root, memo), next_list, endings, tested, self.rules)

    def _depth(self, node: _Node, memo: dict[int, int]) -> int:
        """The most stack entries the walk can hold from the moment `node` is on top of it."""
        found = memo.get(id(node))
        if found is not None:
            return found
        memo[id(node)] = 1  # the network has no cycles; this only guards the recursion
        by_key: dict[str, list[_Node]] = {}
        for child in node.next:
            by_key.setdefault(child.key or "", []).append(child)
        absent: dict[str, int] = {}
        joins = 0
        for child in node.next_list:
            if child.key is None:
                joins += 1
            else:
                absent[child.key] = absent.get(child.key, 0) + 1
        pushed = joins
        for key in set(by_key) | set(absent):
            group = by_key.get(key, [])
            equal = sum(1 for c in group if c.op == "eq")
            other = len(group) - equal
            pushed += max(min(equal, 1) + other, absent.get(key, 0))
        children = node.next + node.next_list
        deepest = max((self._depth(c, memo) for c in children), default=0)
        result = max(1, pushed - 1 + deepest) if pushed else 1
        memo[id(node)] = result
        return result


def needs(exprs: Iterable[dict[str, Any] | None]) -> Needs:
    """What one ruleset of these rule expressions (and the sentinel rule) needs."""
    network = _Network()
    network.add(None)  # the sentinel every fact matches
    for expr in exprs:
        network.add(expr)
    return network.needs()


class TooDeep(ValueError):
    """A single rule needs more of the engine than a ruleset may use."""

    def __init__(self, index: int, found: Needs):
        self.index = index
        self.needs = found
        super().__init__(found.excess())


def plan(stages: Iterable[list[tuple[int, dict[str, Any] | None]]]
         ) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Rulesets for the engine: (stage, rule indices) for each, every one within the limits.

    `stages` gives, per stage in order, each rule's index and durable expression. A stage is one
    ruleset when it fits; otherwise it is cut into the longest runs of rules that fit (what a
    ruleset needs only grows as rules are added, so each cut is found by bisection). Raises
    TooDeep for a rule that does not fit even alone.
    """
    out: list[tuple[int, tuple[int, ...]]] = []
    for stage, rules in enumerate(stages):
        remaining = list(rules)
        while remaining:
            if needs(e for _, e in remaining).fits():
                take = len(remaining)
            else:
                low, high = 0, len(remaining) - 1  # low fits (0 trivially), high does not
                while high - low > 1:
                    middle = (low + high) // 2
                    if needs(e for _, e in remaining[:middle]).fits():
                        low = middle
                    else:
                        high = middle
                take = low
                if take == 0:
                    index, expr = remaining[0]
                    raise TooDeep(index, needs([expr]))
            out.append((stage, tuple(i for i, _ in remaining[:take])))
            remaining = remaining[take:]
    return tuple(out)
