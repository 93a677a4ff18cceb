"""The `Recommender`: one configuration (rules, engine, lifecycle policy) and everything done
with it.

    from recommender import Recommender
    team = Recommender(rules_dir="examples/house-rules", existing_services=["Amazon Forecast"])
    advice = team.advise({"task": "regression", ...})
    team.counterfactuals(advice), team.why_not(advice, "kinesis"), team.diff(a, b)

A recommender owns the bundled and the team's rule directories (and their `choices.yaml`), the
engine and the lifecycle policy. Every explanation re-runs advice through the recommender that
made it, so a what-if or a why-not keeps the configuration (a team's rules, `new_customer`).
Two recommenders with different rules live side by side in one process; nothing is keyed by
object identity: rule books are cached by the content of their files, engines belong to their
rule book.

`advise()` is the thin default: the recommender for its arguments, made once per distinct
configuration.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Mapping, Sequence

from ._advice import Advice, decide
from ._engine import get_engine
from ._errors import InputError, Problem
from ._rulebook import RuleBook, default_rules_dir, load_rulebook
from ._workload import Workload

__all__ = ["Recommender", "advise"]

RulesDir = Any  # str | Path | a sequence of them | None


class Recommender:
    """One configuration of the recommender.

    rules_dir: one or more directories of the team's own rule files (same format and checks
        as the bundled ones, each may carry a `choices.yaml`), used with the bundled rules.
    bundled_rules: False to use only `rules_dir`.
    engine: "durable" (the default where durable-rules is installed) or "python".
    existing_services: AWS services the team already uses, added to every workload's own
        `existing_services` (the CLI's --existing-service).
    new_customer: True (the default): advise what a customer can build today: a service AWS
        has closed to new customers (or retired) is recommended only when the workload lists it
        in `existing_services`, else it gives way to the rest or to its replacement, and later
        stages see the replacement. False: every closed service may still be recommended (with
        its lifecycle warning), as for a customer who already uses them all.
    Raises RuleBaseError for invalid rules and InputError for an unknown engine.
    """

    def __init__(self, rules_dir: RulesDir = None, *, bundled_rules: bool = True,
                 engine: str | None = None, new_customer: bool = True,
                 existing_services: Sequence[str] = ()):
        #: services every advised workload uses already (added to its `existing_services`)
        self.existing_services: tuple[str, ...] = tuple(sorted(set(existing_services)))
        self.rules_dirs: tuple[Path, ...] = _team_dirs(rules_dir)
        if not bundled_rules and not self.rules_dirs:
            raise InputError([Problem("bundled_rules=False needs a rules_dir to use instead",
                                      key="rules_dir")])
        self.bundled_rules = bundled_rules
        self.new_customer = new_customer
        directories = None if bundled_rules and not self.rules_dirs else \
            ([default_rules_dir()] if bundled_rules else []) + list(self.rules_dirs)
        self.book: RuleBook = load_rulebook(directories)
        self.matcher = get_engine(self.book, engine)
        self.engine: str = self.matcher.name

    def __repr__(self) -> str:
        rules = ", ".join(map(str, self.rules_dirs))
        return (f"Recommender(rules_dir=[{rules}], bundled_rules={self.bundled_rules}, "
                f"engine={self.engine!r}, new_customer={self.new_customer})")

    def with_options(self, **changes: Any) -> "Recommender":
        """The same configuration with some options changed (rules_dir, bundled_rules, engine,
        new_customer)."""
        options = {"rules_dir": list(self.rules_dirs) or None,
                   "bundled_rules": self.bundled_rules, "engine": self.engine,
                   "new_customer": self.new_customer,
                   "existing_services": self.existing_services, **changes}
        return _recommender(**options)

    # -- advice --------------------------------------------------------------------------------

    def advise(self, workload: Workload | Mapping[str, Any]) -> Advice:
        """The architecture for `workload` (a mapping or a Workload); raises WorkloadError
        listing every problem with it."""
        checked = Workload.from_mapping(workload)
        if self.existing_services and \
                not set(self.existing_services) <= set(checked.existing_services):
            data = checked.to_dict()
            data["existing_services"] = sorted({*checked.existing_services,
                                                *self.existing_services})
            checked = Workload.from_mapping(data)
        return decide(checked, self.book, self.matcher, self.new_customer, self)

    # -- explanations (recommender/_explain.py) ---------------------------------------------------

    def alternatives(self, advice: Advice, unmatched: int = 3) -> dict[str, list[Any]]:
        """Per single-choice category, the choices that lost and the strongest unmatched."""
        from ._explain import alternatives
        return alternatives(advice, unmatched)

    def counterfactuals(self, advice: Advice, per_category: int = 3,
                        max_keys: int = 2) -> dict[str, list[Any]]:
        """The smallest verified workload edits that change each single-choice decision."""
        from ._explain import counterfactuals
        return counterfactuals(advice, per_category, max_keys)

    def why_not(self, advice: Advice, choice: str) -> Any:
        """Why `choice` (name, alias, synonym, or a team's own choice) is or is not
        recommended, and the smallest verified edit that gets it."""
        from ._explain import why_not
        return why_not(advice, choice)

    def diff(self, a: Advice, b: Advice) -> Any:
        """What changed between two advices, and which rules caused it."""
        from ._diff import diff
        return diff(a, b)

    def lint(self) -> list[Problem]:
        """The rule-base lint (recommender/_lint.py) of this configuration's rules."""
        from ._lint import lint
        return lint(self.book)

    def choices(self) -> tuple[str, ...]:
        """Every choice a rule of this configuration may recommend: the catalogue's and the
        team's own."""
        return self.book.choices


def _team_dirs(rules_dir: RulesDir) -> tuple[Path, ...]:
    if rules_dir is None:
        return ()
    if isinstance(rules_dir, (str, Path)):
        return (Path(rules_dir),)
    return tuple(Path(d) for d in rules_dir)


_DEFAULTS: dict[tuple[Any, ...], Recommender] = {}
_DEFAULTS_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    """A thread of the parent may have held the lock while making a recommender; it does not
    exist in the child, whose first advise() would wait for it forever (docs/engine.md)."""
    global _DEFAULTS_LOCK
    _DEFAULTS_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _recommender(rules_dir: RulesDir = None, bundled_rules: bool = True,
                 engine: str | None = None, new_customer: bool = True,
                 existing_services: Sequence[str] = ()) -> Recommender:
    """The recommender for a configuration, made once per distinct configuration (keyed by
    the directories' resolved paths; the rule book underneath is keyed by their content)."""
    if rules_dir is None and not existing_services:  # the common case: no path to resolve
        key: tuple[Any, ...] = ((), bundled_rules, engine, new_customer, ())
        found = _DEFAULTS.get(key)
        if found is not None:
            return found
    dirs = _team_dirs(rules_dir)
    services = tuple(sorted(set(existing_services)))
    key = (tuple(str(d.resolve()) for d in dirs), bundled_rules, engine, new_customer, services)
    found = _DEFAULTS.get(key)
    if found is None:
        with _DEFAULTS_LOCK:
            found = _DEFAULTS.get(key)
            if found is None:
                found = Recommender(list(dirs) or None, bundled_rules=bundled_rules,
                                    engine=engine, new_customer=new_customer,
                                    existing_services=services)
                _DEFAULTS[key] = found
    return found


def advise(workload: Workload | Mapping[str, Any], *, engine: str | None = None,
           rules_dir: str | Path | Sequence[str | Path] | None = None,
           bundled_rules: bool = True, new_customer: bool = True) -> Advice:
    """Recommend an AWS architecture for `workload` (a mapping or a Workload): the default
    `Recommender` for these options, `Recommender(...).advise(workload)`.

    engine: "durable" (the default where durable-rules is installed) or "python".
    rules_dir: one or more directories of the team's own rule files (same format and checks
        as the bundled ones), used in addition to the bundled rules.
    bundled_rules: False to use only `rules_dir`, instead of the bundled rules.
    new_customer: True (the default): services closed to new customers (or retired) are
        recommended only when listed in the workload's `existing_services`; False: as for a
        customer who already uses every closed service.
    Raises WorkloadError for an invalid workload and RuleBaseError for invalid rules.
    """
    return _recommender(rules_dir, bundled_rules, engine, new_customer).advise(workload)
