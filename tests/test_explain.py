"""Alternatives, why-not, counterfactuals and diff: every claim is checked against advise()."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from recommender import InputError, advise, load_rulebook
from recommender._categories import SINGLE
from recommender._diff import diff
from recommender._documents import load_path
from recommender._explain import (FIXED, alternatives, apply_changes, counterfactuals, resolve_choice,
                                 why_not)
from clirun import run
from strategies import workloads

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
BOOK = load_rulebook()


def _check_counterfactuals(advice):
    data = advice.workload.to_dict()
    for category, found in counterfactuals(advice).items():
        assert len(found) <= 3
        for cf in found:
            assert 1 <= len(cf.changes) <= 2
            assert not {c.path for c in cf.changes} & set(FIXED)
            again = advise(apply_changes(data, cf.changes))
            assert cf.before == advice.primary(category).choice
            assert again.primary(category).choice == cf.after != cf.before
            assert again.primary(category).rule == cf.rule


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_counterfactual_of_the_examples_really_changes_the_primary(path):
    _check_counterfactuals(advise(load_path(path)))


@settings(max_examples=25)
@given(workloads)
def test_counterfactuals_hold_for_generated_workloads(data):
    _check_counterfactuals(advise(data))


def test_a_known_counterfactual_is_found():
    """Making the house-price data arrive as a stream moves ingestion to a streaming service."""
    advice = advise(load_path(ROOT / "examples" / "house-prices.yaml"))
    sentences = [c.sentence() for c in counterfactuals(advice, per_category=10)["ingestion"]]
    assert any("velocity: streaming" in s and "Kinesis" in s for s in sentences), sentences


@given(workloads)
def test_alternatives_are_the_losers_and_the_strongest_unmatched(data):
    advice = advise(data)
    fired = set(advice.fired)
    for category in SINGLE:
        alts = alternatives(advice)[category]
        lost = [a.choice for a in alts if a.status == "lost"]
        assert lost == advice.choices(category)[1:]
        unmatched = [a for a in alts if a.status == "not_matched"]
        assert len(unmatched) <= 3
        for alt in unmatched:
            assert alt.rule not in fired and alt.choice not in advice.choices(category)
            assert alt.failed and "the workload has" in alt.reason


@pytest.mark.parametrize("text, name", [("kinesis data streams", "Amazon Kinesis Data Streams"),
                                        ("KDS", "Amazon Kinesis Data Streams"),
                                        ("  amazon   s3 ", "Amazon S3"),
                                        ("xgboost", "XGBoost")])
def test_choices_resolve_by_name_or_alias_in_any_case(text, name):
    assert resolve_choice(text) == name


def test_unknown_choice_gets_a_suggestion():
    with pytest.raises(InputError) as info:
        resolve_choice("sagemakr")
    assert info.value.problems[0].suggestion == "Amazon SageMaker"


@pytest.mark.parametrize("choice", ["Amazon Kinesis Data Streams", "AWS Snow Family",
                                    "Amazon Redshift", "SageMaker serverless inference",
                                    "Amazon Comprehend", "Prophet", "SMOTE oversampling"])
@pytest.mark.parametrize("path", EXAMPLES[:6], ids=lambda p: p.stem)
def test_what_it_would_take_is_verified(path, choice):
    advice = advise(load_path(path))
    result = why_not(advice, choice)
    assert result.lines
    data = advice.workload.to_dict()
    for category, edits in result.takes.items():
        if edits is None:
            continue
        got = advise(apply_changes(data, edits)).choices(category)
        assert (got[0] == choice) if category in SINGLE else (choice in got)


def test_why_not_names_the_failing_conditions_and_values():
    advice = advise(load_path(ROOT / "examples" / "house-prices.yaml"))
    text = str(why_not(advice, "Amazon Kinesis Data Streams"))
    assert "velocity in {streaming, hybrid}" in text and "workload has batch" in text
    assert "What it would take: with" in text


def test_diff_names_keys_categories_and_causes():
    a = advise(load_path(ROOT / "examples" / "house-prices.yaml"))
    b = advise({**a.workload.to_dict(), "velocity": "streaming"})
    result = diff(a, b)
    assert [(k.path, k.before, k.after) for k in result.keys] == \
        [("velocity", "batch", "streaming")]
    changed = {c.category: c for c in result.categories}
    assert changed["ingestion"].primary_changed
    assert set(changed["ingestion"].rules_new) <= set(b.fired) - set(a.fired)
    assert diff(a, a).categories == () and diff(a, a).keys == ()


def test_cli_why_not_diff_and_what_if(capsys):
    code, out, _ = run(["why-not", str(EXAMPLES[0]), "kinesis", "data", "firehose"], capsys)
    assert code == 0 and "Amazon Kinesis Data Firehose" in out
    code, _, err = run(["why-not", str(EXAMPLES[0]), "sagemakr"], capsys)
    assert code == 2 and "did you mean `Amazon SageMaker`" in err
    code, out, _ = run(["diff", str(EXAMPLES[0]), str(EXAMPLES[1])], capsys)
    assert code == 0 and "Workload keys that differ" in out
    code, out, _ = run(["diff", "-f", "json", str(EXAMPLES[0]), str(EXAMPLES[0])], capsys)
    assert code == 0 and json.loads(out)["categories"] == []
    code, out, _ = run(["--what-if", "-f", "json", str(EXAMPLES[0])], capsys)
    doc = json.loads(out)
    assert code == 0 and set(doc["counterfactuals"]) == set(SINGLE)
    code, out, _ = run(["--what-if", str(EXAMPLES[0])], capsys)
    assert code == 0 and "What would change it:" in out
