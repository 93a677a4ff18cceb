"""The solver: the loader's checks and the lint reason alike, and its answers are checked against
workloads."""

import pytest
from hypothesis import given, strategies as st

from recommender import RuleBaseError, _conditions as c
from recommender._lint import lint
from recommender._rulebook import _load
from recommender._solver import meet, satisfiable, uncovered, witness, witness_workload

from ruledirs import _write, minimal_rules_dir, rule_text
from strategies import conditions_of, fact_of

# ---------------------------------------------------------------------------------------------
# The loader and the lint agree (they once had two solvers that did not)


def _problems(root):
    try:
        _load(root)
    except RuleBaseError as error:
        return [str(p) for p in error.problems]
    return []


STREAMS, FIREHOSE = "Amazon Kinesis Data Streams", "Amazon Kinesis Data Firehose"

#: Pairs of rules (condition, match examples, no_match examples) and whether one workload can
#: match both.
PAIRS = {
    # time_series.defaults_only says every time-series fact has its default: history is long
    "defaults-only-and-short-history": (
        ("{time_series.defaults_only: true}", "[{task: forecasting}]",
         "[{task: forecasting, time_series: {history: short}}]"),
        ("{time_series.history: short}", "[{task: forecasting, time_series: {history: short}}]",
         "[{task: forecasting}]"),
        False),
    # a gap ratio of 0.5 or more needs a training error below the validation error
    "gap-ratio-and-the-errors": (
        ("{diagnostics.gap_ratio: {gte: 0.5}}",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.4}}]",
         "[{diagnostics: {train_error: 0.4, validation_error: 0.4}}]"),
        ("{all: [{diagnostics.train_error: {gte: 1}}, {diagnostics.validation_error: {lte: 1}}]}",
         "[{diagnostics: {train_error: 1, validation_error: 1}}]",
         "[{diagnostics: {train_error: 0.5, validation_error: 1}}]"),
        False),
    # a training error of 0.10000005 is above 0.1 and below 0.1000001: numbers are exact
    "numbers-closer-than-a-millionth": (
        ("{diagnostics.train_error: {gt: 0.1}}",
         "[{diagnostics: {train_error: 0.2, validation_error: 0.2}}]",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.2}}]"),
        ("{diagnostics.train_error: {lt: 0.1000001}}",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.2}}]",
         "[{diagnostics: {train_error: 0.2, validation_error: 0.2}}]"),
        True),
}
#: A workload that matches both rules of a pair that can meet, laid over the example base.
MEETING = {"numbers-closer-than-a-millionth": {
    "diagnostics": {"train_error": 0.10000005, "validation_error": 0.2}}}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_the_loader_and_the_lint_agree_whether_two_rules_can_meet(tmp_path, name):
    """The loader refuses two rules of one single-choice category and one priority with
    different choices when one workload can match both (a tie); the lint reports the same two
    rules with the same choice as overlapping when one workload can match both. Same question,
    so the same answer, and the right one."""
    first, second, meet = PAIRS[name]
    ties = minimal_rules_dir(tmp_path / "ties")
    _write(ties, "ingestion", "first", rule_text("ingestion.first", STREAMS, 50, *first))
    _write(ties, "ingestion", "second", rule_text("ingestion.second", FIREHOSE, 50, *second))
    tie = any("ties with" in p for p in _problems(ties))
    overlaps = minimal_rules_dir(tmp_path / "overlaps")
    _write(overlaps, "ingestion", "first", rule_text("ingestion.first", STREAMS, 50, *first))
    _write(overlaps, "ingestion", "second", rule_text("ingestion.second", STREAMS, 50, *second))
    book = _load(overlaps)
    overlap = any("overlaps" in str(p) for p in lint(book))
    if meet:  # the right answer, shown with a workload
        fact = fact_of(MEETING[name])
        pair = [r for r in book.rules if r.id in ("ingestion.first", "ingestion.second")]
        assert len(pair) == 2 and all(rule.predicate(fact) for rule in pair)
    assert (tie, overlap) == (meet, meet)


#: Rules that together cover every workload, though not every combination of flat fields.
COVERS = {
    # every forecasting workload has time-series facts (defaults fill what is not given)
    "forecasting-has-time-series-facts": [
        ("{task: {ne: forecasting}}", "[{task: classification}]", "[{task: forecasting}]"),
        ("{time_series.seasonality: {present: true}}", "[{task: forecasting}]",
         "[{task: classification}]")],
    # the gap ratio is given with the errors and is at most 1
    "the-gap-ratio-is-at-most-one": [
        ("{diagnostics.train_error: {present: false}}", "[{}]",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.4}}]"),
        ("{diagnostics.gap_ratio: {lte: 1}}",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.4}}]", "[{}]")],
}


@pytest.mark.parametrize("name", sorted(COVERS))
def test_the_loader_proves_cover_on_the_same_workloads_as_the_lint(tmp_path, name):
    """The loader's "some workload gets no ingestion rule" needs a real workload: a
    combination of facts that no workload has is no gap."""
    root = minimal_rules_dir(tmp_path)
    (root / "ingestion" / "fallback.yaml").unlink()
    for i, (when, match, no_match) in enumerate(COVERS[name]):
        _write(root, "ingestion", f"rule{i}",
               rule_text(f"ingestion.rule{i}", (STREAMS, FIREHOSE)[i], 50 + i, when, match,
                         no_match))
    assert _problems(root) == []


# ---------------------------------------------------------------------------------------------
# Its answers, against brute force on workloads

SAGEMAKER, BEDROCK = "Amazon SageMaker", "Amazon Bedrock"

#: Tests near the model's bounds, on facts tied by the schema, on derived facts, on decisions.
TESTS = [
    {"features.count": {"gt": 999_999_999}}, {"features.count": {"gte": 1_000_000_000}},
    {"features.count": {"ne": 1_000_000_000}}, {"features.count": {"lte": 1}},
    {"features.count": {"gt": 100}},
    {"features.count": {"present": False}},
    {"data_volume": {"gte": "1000 PB"}}, {"data_volume": {"lt": "2 B"}},
    {"data_volume": {"gt": "1 TB"}}, {"data_volume": {"lte": "1 TB"}},
    {"task": "forecasting"}, {"velocity": "streaming"}, {"existing_stack": {"contains": "kafka"}},
    {"time_series.defaults_only": True}, {"time_series.defaults_only": False},
    {"time_series.history": "short"}, {"time_series.seasonality": "weak"},
    {"time_series.seasonality": {"present": False}}, {"time_series.related_series": {"gte": 10}},
    {"time_series.stationary": True},
    {"diagnostics.gap_ratio": {"gte": 0.5}}, {"diagnostics.gap_ratio": {"lt": 0.2}},
    {"diagnostics.gap_ratio": {"lte": -0.5}}, {"diagnostics.gap_ratio": {"gte": 1}},
    {"diagnostics.gap_ratio": 0}, {"diagnostics.gap_ratio": {"present": False}},
    {"diagnostics.train_error": {"gt": 0.1}}, {"diagnostics.train_error": {"lt": 0.1000001}},
    {"diagnostics.train_error": {"gte": 1}}, {"diagnostics.validation_error": {"lte": 1}},
    {"diagnostics.validation_error": 0}, {"diagnostics.validation_error": {"gt": 0.12}},
    {"diagnostics.target_error": {"present": True}}, {"diagnostics.target_error": {"lt": 0.01}},
    {"diagnostics.target_error": {"lte": 0}}, {"diagnostics.train_error": {"gte": 1e12}},
    {"diagnostics.train_to_target": {"gte": 2}}, {"diagnostics.validation_to_target": {"lte": 1}},
    {"diagnostics.validation_to_target": {"gt": 1_000_000_000_000}},
    {"decided.service_choice": SAGEMAKER}, {"decided.service_choice": {"ne": BEDROCK}},
    {"decided.service_choice": {"in": [SAGEMAKER, BEDROCK]}},
]

conditions = conditions_of(TESTS, max_leaves=5)

_ERRORS = st.one_of(st.sampled_from([0.0, 0.1, 0.10000005, 0.1000001, 0.12, 0.2, 0.5, 1.0, 2.0,
                                     1e12]), st.floats(0, 1000, allow_nan=False))
#: Workloads (as rule examples give them, over the example base) whose values sit on and next
#: to the values the tests above name and the model's bounds.
near = st.fixed_dictionaries({}, optional={
    "task": st.sampled_from(["classification", "forecasting"]),
    "velocity": st.sampled_from(["batch", "streaming"]),
    "data_volume": st.sampled_from([1, 2, 10**12 - 1, 10**12, 10**12 + 1, "1000 PB"]),
    "features": st.fixed_dictionaries({}, optional={
        "count": st.sampled_from([1, 2, 100, 101, 999_999_999, 10**9])}),
    "time_series": st.fixed_dictionaries({}, optional={
        "related_series": st.sampled_from([1, 9, 10]),
        "seasonality": st.sampled_from(["none", "weak", "strong"]),
        "stationary": st.booleans(), "history": st.sampled_from(["short", "long"])}),
    "diagnostics": st.fixed_dictionaries(
        {"train_error": _ERRORS, "validation_error": _ERRORS},
        optional={"target_error": st.sampled_from([0.001, 0.05, 0.1, 0.5, 1.0, 1e-12])}),
    "existing_stack": st.lists(st.sampled_from(["kafka", "spark"]), unique=True),
    "decided": st.fixed_dictionaries({"service_choice": st.sampled_from(
        [SAGEMAKER, BEDROCK, c.OTHER_CHOICE])}),
})


def _dnf(raw):
    node, errors = c.parse(raw)
    assert errors == []
    return c.to_dnf(c.to_nnf(node))


def _holds(conjunction, fact):
    return all(leaf.holds(fact) for leaf in conjunction)


@given(conditions, conditions, st.lists(near, min_size=1, max_size=8))
def test_whether_two_conjunctions_can_meet_agrees_with_workloads(a, b, overlays):
    """Yes comes with a witness that is a valid workload satisfying both (checked through
    Leaf.holds on the workload's own flat fact); no is never contradicted by a workload."""
    facts = [fact_of(overlay) for overlay in overlays]
    da, db = _dnf(a), _dnf(b)
    for x in da:
        for y in db:
            found = witness(x, y)
            assert satisfiable(x, y) == (found is not None)
            if found is not None:
                fact = fact_of(witness_workload(found))
                assert _holds(x + y, fact), (found, x + y)
            else:
                assert not any(_holds(x + y, fact) for fact in facts), (x + y)
    both = meet(da, db)
    assert (both is not None) == any(satisfiable(x, y) for x in da for y in db)


@given(st.lists(conditions, min_size=1, max_size=4), st.lists(near, min_size=1, max_size=8))
def test_a_gap_in_cover_is_a_workload_and_a_proof_of_cover_holds_on_workloads(raws, overlays):
    dnfs = [_dnf(raw) for raw in raws]
    gap = uncovered(dnfs)
    if gap is not None:
        fact = fact_of(witness_workload(gap))
        assert not any(_holds(x, fact) for dnf in dnfs for x in dnf), gap
    else:
        for fact in map(fact_of, overlays):
            assert any(_holds(x, fact) for dnf in dnfs for x in dnf), fact
