"""Decisions in stages: rules that test earlier decisions, rulesets within durable-rules' limits,
and a rule base five times the bundled one that still advises on both engines."""

import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings

from clirun import run
from recommender import advise, load_rulebook
from recommender._categories import STAGE_OF, STAGES
from recommender._engine import durable_available, get_engine
from recommender._network import ENGINE_STACK, STACK_LIMIT, needs
from recommender._rulebook import _load, default_rules_dir
from recommender._workload import Workload
from recommender._advice import decide
from strategies import workloads

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ["python"] + (["durable"] if durable_available() else [])
BOOK = load_rulebook()


def test_every_category_belongs_to_exactly_one_stage():
    named = [c for _, categories in STAGES for c in categories]
    assert len(named) == len(set(named)) == len(STAGE_OF)


def test_the_bundled_rules_in_one_ruleset_would_pass_the_engine_stack():
    """The measure predicts the wall that was hit: the bundled rules in a single ruleset can
    need more than the engine's 64 stack entries, while every planned ruleset is within the
    project's limit."""
    assert needs(r.durable for r in BOOK.rules).stack > ENGINE_STACK
    for stage, indices in BOOK.rulesets:
        found = needs(BOOK.rules[i].durable for i in indices)
        assert found.fits() and found.stack <= STACK_LIMIT
        assert {BOOK.rules[i].stage for i in indices} == {stage}
    assert sorted(i for _, indices in BOOK.rulesets for i in indices) == list(range(len(BOOK)))


def test_deployment_follows_the_decided_service_for_a_new_customer():
    """Amazon Forecast is closed to new customers; once the service choice is replaced, the
    deployment no longer calls a managed service's API (and for a team that already uses
    Forecast, it does)."""
    data = yaml.safe_load((ROOT / "examples" / "retail-demand-forecast.yaml").read_text())
    existing = advise({**data, "existing_services": ["Amazon Forecast"]})
    assert existing.primary("service_choice").choice == "Amazon Forecast"
    assert existing.primary("deployment").choice == "Managed service API"
    new = advise(data, new_customer=True)
    assert new.primary("service_choice").choice != "Amazon Forecast"
    assert "Managed service API" not in new.choices("deployment")


RULE = """\
id: {category}.{name}
category: {category}
title: A rule that follows an earlier decision
recommend: {choice}
priority: 99
when: {when}
because: Written for the test, long enough to pass the justification length check.
sources: {sources}
examples:
  match:
    - {match}
  no_match:
    - {no_match}
"""


def _rule(root, category, name, choice, when, match, no_match, sources="[DEP-01]"):
    path = root / category / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RULE.format(category=category, name=name, choice=choice, when=when,
                                match=match, no_match=no_match, sources=sources))
    return path


def test_a_rule_may_cite_an_aws_page_and_nothing_else(tmp_path, capsys):
    page = "https://docs.aws.amazon.com/athena/latest/ug/what-is.html"
    _rule(tmp_path, "security", "cites-page", "Security groups", "{network_isolation: true}",
          "{network_isolation: true}", "{network_isolation: false}", f"[SEC-01, {page!r}]")
    code, out, err = run(["rules", "check", str(tmp_path)], capsys)
    assert code == 0, err
    other = tmp_path / "other"
    _rule(other, "security", "cites-blog", "Security groups", "{network_isolation: true}",
          "{network_isolation: true}", "{network_isolation: false}",
          "['https://example.com/aws-tips']")
    code, _, err = run(["rules", "check", str(other)], capsys)
    assert code == 2 and "cites-blog.yaml" in err and "is not an AWS page" in err


def test_a_rule_may_test_only_earlier_decisions(tmp_path, capsys):
    _rule(tmp_path, "service_choice", "after-deployment", "Amazon SageMaker",
          "{decided.deployment: SageMaker real-time endpoint}",
          "{decided: {deployment: SageMaker real-time endpoint}}",
          "{decided: {deployment: SageMaker batch transform}}")
    _rule(tmp_path, "storage", "same-stage", "Amazon S3", "{decided.ingestion: AWS Glue}",
          "{decided: {ingestion: AWS Glue}}", "{decided: {ingestion: AWS DataSync}}")
    code, _, err = run(["rules", "check", str(tmp_path)], capsys)
    assert code == 2
    assert "after-deployment.yaml" in err and "'serving' stage" in err
    assert "same-stage.yaml" in err and "'data path' stage" in err
    assert "only decisions of earlier stages" in err


def test_a_decided_value_must_be_a_choice_and_examples_must_give_it(tmp_path, capsys):
    _rule(tmp_path, "deployment", "typo", "SageMaker real-time endpoint",
          "{decided.service_choice: Amazon SageMakr}",
          "{decided: {service_choice: Amazon SageMakr}}", "{task: regression}")
    code, _, err = run(["rules", "check", str(tmp_path)], capsys)
    assert code == 2 and "'Amazon SageMakr' is not a choice" in err
    assert "did you mean `Amazon SageMaker`?" in err
    shutil.rmtree(tmp_path / "deployment")
    _rule(tmp_path, "deployment", "no-decision", "SageMaker real-time endpoint",
          "{decided.service_choice: Amazon SageMaker}",
          "{task: regression}", "{decided: {service_choice: Amazon Comprehend}}")
    code, _, err = run(["rules", "check", str(tmp_path)], capsys)
    assert code == 2 and "give it under `decided:`" in err


def test_a_team_rule_that_follows_a_decision_is_used(tmp_path):
    _rule(tmp_path, "security", "managed-service-logs", "S3 server access logging",
          "{decided.service_choice: {in: [Amazon Comprehend, Amazon Rekognition]}}",
          "{decided: {service_choice: Amazon Comprehend}}",
          "{decided: {service_choice: Amazon SageMaker}}")
    data = yaml.safe_load((ROOT / "examples" / "support-ticket-sentiment.yaml").read_text())
    advice = advise(data, rules_dir=tmp_path)
    assert advice.primary("service_choice").choice == "Amazon Comprehend"
    assert "security.managed-service-logs" in {i.rule for i in advice.recommendations["security"]}
    other = advise({**data, "customization": "high", "ml_expertise": "high"}, rules_dir=tmp_path)
    assert "security.managed-service-logs" not in {i.rule for i in
                                                   other.recommendations["security"]}


def test_a_rule_too_big_for_one_ruleset_is_refused_with_what_to_split(tmp_path, capsys):
    branches = ", ".join(f"{{features.count: {{gt: {n}}}}}" for n in range(1, 80))
    _rule(tmp_path, "security", "too-wide", "Security groups", f"{{any: [{branches}]}}",
          "{features: {count: 100}}", "{features: {count: 1}}")
    code, _, err = run(["rules", "check", str(tmp_path)], capsys)
    assert code == 2 and "too-wide.yaml" in err and "split it into several rules" in err
    assert "stack" in err


@pytest.fixture(scope="module")
def fivefold(tmp_path_factory):
    """The bundled rules and four renamed copies of each: 5x the rule base."""
    root = tmp_path_factory.mktemp("fivefold") / "rules"
    for source in default_rules_dir().rglob("*.yaml"):
        relative = source.relative_to(default_rules_dir())
        text = source.read_text(encoding="utf-8")
        for n in range(5):
            target = root / relative.parent / (f"{source.stem}-copy{n}.yaml" if n else
                                               relative.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(re.sub(r"^id: (\S+)$", rf"id: \1-copy{n}", text, count=1,
                                     flags=re.M) if n else text, encoding="utf-8")
    return _load(root)


@settings(max_examples=25, deadline=None)
@given(workloads)
def test_five_times_the_rules_advise_on_both_engines(fivefold, data):
    """No engine error at five times the rule base, the engines agree, and the copies change
    no decision."""
    assert len(fivefold) == 5 * len(BOOK)
    workload = Workload.from_mapping(data)
    results = [decide(workload, fivefold, get_engine(fivefold, e)) for e in ENGINES]
    choices = [{c: [i.choice for i in items] for c, items in r.recommendations.items()}
               for r in results]
    assert all(c == choices[0] for c in choices)
    bundled = advise(workload)
    assert choices[0] == {c: [i.choice for i in items]
                          for c, items in bundled.recommendations.items()}
