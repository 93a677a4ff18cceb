"""Scenario suites: workloads with the answers a knowledgeable architect would give.

A suite is a YAML list; each scenario has an `id`, a `workload` and `expected`: a mapping of
category -> answer, where the answer is a choice, a list of acceptable choices (any one of them),
or `{all_of: [...]}` (every one of them). Single-choice categories are scored on the primary
(first) item; stacks on any item. `python -m recommender.scenarios FILE...` prints the score.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._advice import Advice
from ._core import advise
from ._categories import SINGLE
from ._documents import load_path

__all__ = ["Outcome", "score", "run_file"]


@dataclass(frozen=True)
class Outcome:
    scenario: str
    category: str
    expected: Any
    got: list[str]
    passed: bool


def score(advice: Advice, expected: dict[str, Any], scenario: str = "") -> list[Outcome]:
    outcomes = []
    for category, answer in expected.items():
        got = advice.choices(category)
        considered = got[:1] if category in SINGLE else got
        if isinstance(answer, dict) and "all_of" in answer:
            passed = all(a in considered for a in answer["all_of"])
        elif isinstance(answer, list):
            passed = any(a in considered for a in answer)
        else:
            passed = answer in considered
        outcomes.append(Outcome(scenario, category, answer, got, passed))
    return outcomes


def run_file(path: str | Path, engine: str | None = None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for scenario in load_path(path):
        advice = advise(scenario["workload"], engine=engine)
        outcomes += score(advice, scenario["expected"], scenario["id"])
    return outcomes


def _main(argv: list[str]) -> int:
    total = passed = single = single_passed = 0
    for name in argv:
        for outcome in run_file(name):
            total += 1
            passed += outcome.passed
            if outcome.category in SINGLE:
                single += 1
                single_passed += outcome.passed
            if not outcome.passed:
                print(f"MISS {outcome.scenario} {outcome.category}: expected "
                      f"{outcome.expected!r}, got {outcome.got}")
    print(f"{passed}/{total} expectations met; primary item of single-choice categories: "
          f"{single_passed}/{single}" + (f" ({100 * single_passed / single:.1f}%)" if single else ""))
    return 0 if passed == total else 1


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
