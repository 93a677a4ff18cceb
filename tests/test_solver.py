"""The solver: the loader's checks and the lint reason alike, and its answers are checked against
workloads."""

import pytest

from recommender import RuleBaseError
from recommender.lint import lint
from recommender.rulebook import _load

from ruledirs import _write, minimal_rules_dir, rule_text
from strategies import fact_of

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
