"""Scenario suites as a 100% ratchet: the project's exam-style scenarios, the sourced dev
scenarios, and two independent suites written from AWS pages by sessions that had not read
the rules (the second for the workload vocabulary v2, before its rules existed). Every expectation passes except those listed, with their reason, in
tests/scenarios/known-misses.yaml; a listed one that starts to pass must be removed from the list.
Single-choice categories are scored on the primary item, stacks on any item
(`python -m recommender.scenarios FILE` prints the score).
"""

from pathlib import Path

import pytest

from recommender._catalogue import choices, rows
from recommender._categories import ALL
from recommender._documents import load_path
from recommender.scenarios import run_file
from recommender._workload import Workload

HERE = Path(__file__).parent / "scenarios"
SUITES = {"project": HERE / "project.yaml", "dev": HERE / "dev.yaml",
          "independent": HERE / "independent.yaml", "vocabulary": HERE / "vocabulary.yaml"}
KNOWN = load_path(HERE / "known-misses.yaml")


def _answers(expected):
    if isinstance(expected, dict):
        return expected["all_of"]
    return expected if isinstance(expected, list) else [expected]


@pytest.mark.parametrize("suite", SUITES)
def test_scenario_files_are_well_formed(suite):
    scenarios = load_path(SUITES[suite])
    assert len({s["id"] for s in scenarios}) == len(scenarios)
    for s in scenarios:
        Workload.from_mapping(s["workload"])
        assert s.get("source", {}).get("url") or suite == "project", s["id"]
        for category, expected in s["expected"].items():
            assert category in ALL
            assert all(a in choices() for a in _answers(expected)), s["id"]
        assert all(r in rows() for r in s.get("rows", ())), s["id"]


@pytest.mark.parametrize("suite, at_least, categories", [
    ("independent", 80, ALL),
    ("project", 60, [c for c in ALL if c not in ("visualization", "framework")]),
])
def test_the_suites_are_large_and_spread(suite, at_least, categories):
    """Enough scenarios, and at least four expectations on every category they must cover."""
    scenarios = load_path(SUITES[suite])
    assert len(scenarios) >= at_least
    counts: dict[str, int] = {}
    for s in scenarios:
        for category in s["expected"]:
            counts[category] = counts.get(category, 0) + 1
    assert all(counts.get(c, 0) >= 4 for c in categories), counts


@pytest.mark.parametrize("suite", SUITES)
def test_every_expectation_passes_but_the_known_misses(suite):
    known = {(m["scenario"], m["category"]): m["why"] for m in KNOWN.get(suite, [])}
    outcomes = run_file(SUITES[suite])
    misses = {(o.scenario, o.category): o for o in outcomes if not o.passed}
    new = [f"{s} {c}: expected {o.expected!r}, got {o.got[:3]}"
           for (s, c), o in misses.items() if (s, c) not in known]
    fixed = [f"{s} {c} passes now: remove it from known-misses.yaml"
             for (s, c) in known if (s, c) not in misses]
    assert new == [] and fixed == [], "\n".join(new + fixed)
