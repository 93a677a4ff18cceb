"""The rule-base lint: the bundled rules are clean, and each kind of defect is found, named and
shown with a workload."""

import dataclasses
import itertools
import time

import pytest

from recommender import RuleBaseError, load_rulebook
from recommender._categories import SINGLE
from recommender._conditions import compile_python, parse, to_nnf
from recommender._lint import lint, load_strict, witness_workload
from recommender._solver import find
from recommender._rulebook import RuleBook, _load

from ruledirs import _write, rule_text
from strategies import fact_of

BOOK = load_rulebook()


def _add(root, id_, *args, **kwargs):
    category, stem = id_.split(".")
    _write(root, category, stem, rule_text(id_, *args, **kwargs))


def _findings(root):
    return [str(p) for p in lint(_load(root))]


def _replace_condition(book, rule_id, when):
    """The book with one rule's condition replaced, bypassing the loader (whose match examples
    would refuse a condition that nothing satisfies)."""
    node, errors = parse(when)
    assert not errors
    nnf = to_nnf(node)
    compiled = {"predicate": compile_python(nnf)} if "predicate" in {
        f.name for f in dataclasses.fields(book.rules[0])} else {}  # else compiled when used
    rules = [dataclasses.replace(r, when=when, condition=node, nnf=nnf, **compiled)
             if r.id == rule_id else r for r in book.rules]
    return RuleBook(rules, book.directory, book.version)


# ---------------------------------------------------------------------------------------------
# The bundled rule base


def test_bundled_rule_base_is_lint_clean():
    assert [str(p) for p in lint(BOOK)] == []
    assert load_strict() is BOOK


def test_lint_of_the_bundled_rule_base_is_fast():
    started = time.perf_counter()
    lint(BOOK)
    assert time.perf_counter() - started < 3


def test_the_lint_knows_how_every_derived_fact_is_computed():
    from recommender._lint import KNOWN_DERIVED
    from recommender._workload import DERIVED
    assert set(DERIVED) == KNOWN_DERIVED


def test_intended_alternatives_are_marked_and_really_never_primary():
    marked = [r for r in BOOK.rules if r.alternative_only]
    assert marked and all(r.category in SINGLE for r in marked)


# ---------------------------------------------------------------------------------------------
# 1. A rule that can never match


def test_a_rule_that_can_never_match_is_reported(rules_dir):
    _add(rules_dir, "warnings.gap", "A gap", 50, "{diagnostics.gap_ratio: {gte: 0.5}}",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.4}}]",
         "[{diagnostics: {train_error: 0.4, validation_error: 0.4}}]")
    _add(rules_dir, "warnings.series", "A series", 50, "{time_series.history: short}",
         "[{task: forecasting, time_series: {history: short}}]",
         "[{task: forecasting, time_series: {history: long}}]")
    book = _load(rules_dir)
    assert lint(book) == []
    # a gap of at least half the validation error while training error is above it, and a
    # forecasting task without time-series facts: each is impossible only under the schema
    book = _replace_condition(book, "warnings.gap", {"all": [
        {"diagnostics.gap_ratio": {"gte": 0.5}}, {"diagnostics.train_error": {"gte": 1}},
        {"diagnostics.validation_error": {"lte": 1}}]})
    book = _replace_condition(book, "warnings.series", {"all": [
        {"task": "forecasting"}, {"time_series.seasonality": {"present": False}}]})
    found = [str(p) for p in lint(book) if "can never match" in p.message]
    assert len(found) == 2, found
    assert any("warnings/gap.yaml" in p and "diagnostics.gap_ratio ≥ 0.5" in p for p in found)
    assert any("warnings/series.yaml" in p for p in found)


def test_facts_the_loader_reasons_about_poorly_still_count_as_possible(rules_dir):
    """A negative gap ratio (training error above validation error) is a valid fact."""
    _add(rules_dir, "warnings.below", "Below", 50, "{diagnostics.gap_ratio: {lte: -0.5}}",
         "[{diagnostics: {train_error: 0.3, validation_error: 0.2}}]",
         "[{diagnostics: {train_error: 0.2, validation_error: 0.3}}]")
    assert _findings(rules_dir) == []


# ---------------------------------------------------------------------------------------------
# 2. Shadowed rules and `alternative_only`


STREAMS = ("Amazon Kinesis Data Streams", 50, "{velocity: {in: [streaming, hybrid]}}",
           "[{velocity: streaming}]", "[{velocity: batch}]")
FIREHOSE = ("Amazon Kinesis Data Firehose", 40, "{all: [{velocity: streaming}, {latency: batch}]}",
            "[{velocity: streaming, latency: batch}]", "[{velocity: streaming, latency: realtime}]")


def test_a_rule_that_is_never_the_primary_choice_is_reported(rules_dir):
    _add(rules_dir, "ingestion.streams", *STREAMS)
    _add(rules_dir, "ingestion.firehose", *FIREHOSE)
    found = _findings(rules_dir)
    assert len(found) == 1, found
    assert "ingestion/firehose.yaml" in found[0] and "can never be the primary choice" in found[0]
    assert "ingestion.streams ('Amazon Kinesis Data Streams', priority 50)" in found[0]
    assert "alternative_only: true" in found[0]


def test_a_marked_alternative_is_accepted(rules_dir):
    _add(rules_dir, "ingestion.streams", *STREAMS)
    _add(rules_dir, "ingestion.firehose", *FIREHOSE, extra="alternative_only: true")
    assert _findings(rules_dir) == []


def test_shadowing_needs_the_union_of_several_stronger_rules(rules_dir):
    _add(rules_dir, "ingestion.streams", "Amazon Kinesis Data Streams", 50,
         "{velocity: streaming}", "[{velocity: streaming}]", "[{velocity: batch}]")
    _add(rules_dir, "ingestion.hybrid", "Amazon MSK", 60, "{velocity: hybrid}",
         "[{velocity: hybrid}]", "[{velocity: batch}]")
    _add(rules_dir, "ingestion.firehose", "Amazon Kinesis Data Firehose", 40,
         "{velocity: {in: [streaming, hybrid]}}", "[{velocity: hybrid}]", "[{velocity: batch}]")
    found = _findings(rules_dir)
    assert len(found) == 1 and "ingestion/firehose.yaml" in found[0]
    assert "ingestion.streams" in found[0] and "ingestion.hybrid" in found[0]


def test_alternative_only_on_a_rule_that_can_be_primary_is_reported(rules_dir):
    _add(rules_dir, "ingestion.streams", "Amazon Kinesis Data Streams", 50,
         "{velocity: streaming}", "[{velocity: streaming}]", "[{velocity: batch}]")
    _add(rules_dir, "ingestion.firehose", "Amazon Kinesis Data Firehose", 40,
         "{all: [{velocity: streaming}, {latency: batch}, {network: limited}]}",
         "[{velocity: streaming, latency: batch, network: limited}]",
         "[{velocity: streaming, latency: batch}]", extra="alternative_only: true")
    _add(rules_dir, "ingestion.hybrid", "Amazon MSK", 30, "{velocity: hybrid}",
         "[{velocity: hybrid}]", "[{velocity: batch}]", extra="alternative_only: true")
    found = _findings(rules_dir)
    assert len(found) == 1, found  # firehose is shadowed, as marked; hybrid is not
    assert "ingestion/hybrid.yaml" in found[0] and "marked `alternative_only`" in found[0]
    assert "for example velocity=hybrid" in found[0]


def test_alternative_only_in_a_stack_is_reported(rules_dir):
    _add(rules_dir, "data_preparation.split", "Stratified split", 50,
         "{quality.class_imbalance: true}", "[{quality: {class_imbalance: true}}]",
         "[{quality: {class_imbalance: false}}]", extra="alternative_only: true")
    found = _findings(rules_dir)
    assert len(found) == 1 and "data_preparation/split.yaml" in found[0]
    assert "single-choice categories only" in found[0]


def test_a_stronger_rule_with_the_same_choice_does_not_shadow(rules_dir):
    _add(rules_dir, "ingestion.streams", *STREAMS)
    _add(rules_dir, "ingestion.streams-late", "Amazon Kinesis Data Streams", 40,
         "{velocity: streaming}", "[{velocity: streaming}]", "[{velocity: batch}]")
    assert _findings(rules_dir) == []


# ---------------------------------------------------------------------------------------------
# 3. Tested keys that no example sets


def test_a_tested_key_that_no_example_sets_is_reported(rules_dir):
    _add(rules_dir, "ingestion.streams", "Amazon Kinesis Data Streams", 50,
         "{all: [{velocity: streaming}, {network: good}, {quality.outliers: false}]}",
         "[{velocity: streaming}]", "[{velocity: batch, quality: {missing_values: true}}]")
    found = _findings(rules_dir)
    assert len(found) == 2, found
    assert all("ingestion/streams.yaml" in p and "none of its examples" in p for p in found)
    assert any("tests `network`" in p for p in found)
    assert any("tests `quality.outliers`" in p for p in found)


def test_keys_of_the_example_base_and_derived_facts_count_as_set(rules_dir):
    _add(rules_dir, "warnings.gap", "A gap", 50,
         "{all: [{task: classification}, {diagnostics.gap_ratio: {gte: 0.5}}]}",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.4}}]",
         "[{diagnostics: {train_error: 0.4, validation_error: 0.4}}]")
    _add(rules_dir, "warnings.assumed", "Assumed", 50, "{time_series.defaults_only: true}",
         "[{task: forecasting}]", "[{task: forecasting, time_series: {history: short}}]")
    assert _findings(rules_dir) == []


def test_ratios_to_the_target_need_an_example_with_a_target(rules_dir):
    _add(rules_dir, "warnings.far", "Far from target", 50,
         "{diagnostics.train_to_target: {gte: 2}}",
         "[{diagnostics: {train_error: 0.4, validation_error: 0.4, target_error: 0.1}}]",
         "[{diagnostics: {train_error: 0.4, validation_error: 0.4}}]")
    _add(rules_dir, "warnings.near", "Near the target", 50,
         "{diagnostics.validation_to_target: {lte: 1}}",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.1, target_error: 0.2}}]",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.1, target_error: 0.05}}]")
    assert _findings(rules_dir) == []
    _add(rules_dir, "warnings.far", "Far from target", 50,
         "{any: [{diagnostics.train_to_target: {gte: 2}}, {diagnostics.train_error: {gte: 5}}]}",
         "[{diagnostics: {train_error: 6, validation_error: 6}}]",
         "[{diagnostics: {train_error: 0.4, validation_error: 0.4}}]")
    found = _findings(rules_dir)
    assert len(found) == 1 and "tests `diagnostics.train_to_target`" in found[0]
    assert "a target error" in found[0]


# ---------------------------------------------------------------------------------------------
# 4. Overlapping rules of equal priority


def test_overlapping_rules_of_equal_priority_and_choice_are_reported(rules_dir):
    _add(rules_dir, "ingestion.streams", *STREAMS)
    _add(rules_dir, "ingestion.iot", "Amazon Kinesis Data Streams", 50,
         "{source: iot_devices}", "[{source: iot_devices}]", "[{source: s3}]")
    found = _findings(rules_dir)
    assert len(found) == 1, found
    assert "ingestion/iot.yaml" in found[0] and "overlaps ingestion.streams" in found[0]
    assert "same priority 50" in found[0]
    assert "velocity=streaming" in found[0] and "source=iot_devices" in found[0]


def test_equal_priorities_that_never_meet_or_differ_in_a_stack_are_fine(rules_dir):
    _add(rules_dir, "ingestion.streams", *STREAMS)
    _add(rules_dir, "ingestion.batch-streams", "Amazon Kinesis Data Streams", 50,
         "{all: [{velocity: batch}, {source: iot_devices}]}",
         "[{velocity: batch, source: iot_devices}]", "[{source: iot_devices, velocity: hybrid}]")
    # a stack lists both; equal priorities are a deliberate band there
    _add(rules_dir, "feature_engineering.standard", "Standardization", 50,
         "{features.scales_differ: true}", "[{features: {scales_differ: true}}]",
         "[{features: {scales_differ: false}}]")
    _add(rules_dir, "feature_engineering.minmax", "Min-max scaling", 50,
         "{features.scales_differ: true}", "[{features: {scales_differ: true}}]",
         "[{features: {scales_differ: false}}]")
    assert _findings(rules_dir) == []


def test_overlaps_are_decided_on_the_workload_schema(rules_dir):
    """Training error below 0.15 with validation error above 1 means a gap ratio above 0.85:
    the two rules below look compatible field by field, but no workload matches both."""
    _add(rules_dir, "warnings.fit", "Fit", 50,
         "{all: [{diagnostics.gap_ratio: {lt: 0.2}}, {diagnostics.train_error: {lt: 0.15}}]}",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.11}}]",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.2}}]")
    _add(rules_dir, "warnings.fit-high", "Fit", 50, "{diagnostics.validation_error: {gt: 1}}",
         "[{diagnostics: {train_error: 2, validation_error: 2}}]",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.2}}]")
    assert _findings(rules_dir) == []
    _add(rules_dir, "warnings.fit-high", "Fit", 50, "{diagnostics.validation_error: {gt: 0.12}}",
         "[{diagnostics: {train_error: 2, validation_error: 2}}]",
         "[{diagnostics: {train_error: 0.1, validation_error: 0.1}}]")
    found = _findings(rules_dir)
    assert len(found) == 1 and "overlaps warnings.fit-high" in found[0]


def test_strict_loading_refuses_a_rule_base_with_findings(rules_dir):
    _add(rules_dir, "ingestion.streams", *STREAMS)
    _add(rules_dir, "ingestion.firehose", *FIREHOSE)
    with pytest.raises(RuleBaseError) as info:
        load_strict(rules_dir)
    assert any("can never be the primary choice" in str(p) for p in info.value.problems)


# ---------------------------------------------------------------------------------------------
# The reasoning itself, checked against the bundled rules and their examples


def _pairs():
    for category in sorted({r.category for r in BOOK.rules}):
        rules = BOOK.in_category(category)
        yield from itertools.combinations(rules, 2)


def _matches(rule, overlay):
    return rule.predicate(fact_of(overlay))


def test_witnesses_are_real_workloads_that_do_what_the_lint_says():
    """For every two rules of a category: a workload matching both, and one matching the first
    but not the second. Each witness is checked through the rules' own predicates; each
    'none exists' answer is checked against every example of the rules."""
    examples = {r.id: [fact_of(e) for e in r.examples_match + r.examples_no_match]
                for r in BOOK.rules}
    for a, b in _pairs():
        both, _ = find([x + y for x in a.dnf for y in b.dnf])
        only, _ = find(a.dnf, [(b, c) for c in b.dnf])
        if both is not None:
            w = witness_workload(both)
            assert _matches(a, w) and _matches(b, w), (a.id, b.id, w)
        if only is not None:
            w = witness_workload(only)
            assert _matches(a, w) and not _matches(b, w), (a.id, b.id, w)
        for fact in examples[a.id] + examples[b.id]:
            if a.predicate(fact) and b.predicate(fact):
                assert both is not None, (a.id, b.id)
            if a.predicate(fact) and not b.predicate(fact):
                assert only is not None, (a.id, b.id)


def _base():
    from recommender._rulebook import EXAMPLE_BASE
    return EXAMPLE_BASE


# ---------------------------------------------------------------------------------------------
# What a clean lint promises, checked on random workloads

from hypothesis import given  # noqa: E402

from recommender import advise  # noqa: E402
from strategies import workloads  # noqa: E402


@given(workloads)
def test_a_marked_alternative_never_wins_and_equal_priorities_never_meet(data):
    fact = advise(data, engine="python").fact  # the workload and every decision
    fired = [r for r in BOOK.rules if r.predicate(fact)]
    for rule in fired:
        if rule.alternative_only:
            assert any(o.category == rule.category and o.priority > rule.priority
                       and o.choice != rule.choice for o in fired), rule.id
    for a, b in itertools.combinations(fired, 2):
        if a.category == b.category and a.priority == b.priority:
            assert a.choice != b.choice and a.category not in SINGLE, (a.id, b.id)
