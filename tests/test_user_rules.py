"""A team's own rule directories, loaded with (or instead of) the bundled rules, through the
same loader and the same checks (examples/house-rules is the sample)."""

import json
import shutil
from pathlib import Path

import pytest

from recommender import RuleBaseError, advise, load_rulebook
from recommender._rulebook import default_rules_dir
from clirun import run

ROOT = Path(__file__).resolve().parent.parent
HOUSE = ROOT / "examples" / "house-rules"
XRAY = ROOT / "examples" / "xray-triage.yaml"
WORKLOAD = {"task": "image_classification", "modality": "image", "data_volume": "4 TB",
            "latency": "realtime", "labels": "labeled", "customization": "high",
            "traffic": "intermittent", "sensitive_data": True}


def test_house_rules_add_to_the_bundled_ones():
    plain = advise(WORKLOAD)
    house = advise(WORKLOAD, rules_dir=HOUSE)
    assert house.rule_count == plain.rule_count + 3
    assert plain.primary("deployment").choice == "SageMaker serverless inference"
    assert house.primary("deployment").choice == "SageMaker real-time endpoint"
    assert house.primary("deployment").rule == "deployment.no-serverless-in-production"
    assert "Amazon Macie scan of the landing bucket" in house.choices("security")
    assert house.primary("mlops").choice == "Platform team Terraform modules"
    assert house.rulebase_version != plain.rulebase_version


def test_explanations_use_the_same_rule_base():
    from recommender._explain import counterfactuals
    house = advise(WORKLOAD, rules_dir=HOUSE)
    for found in counterfactuals(house).values():
        for cf in found:
            assert cf.rule in house.book.by_id


def test_instead_of_the_bundled_rules_needs_a_complete_set(tmp_path):
    with pytest.raises(RuleBaseError, match="has no rule for some workloads"):
        advise(WORKLOAD, rules_dir=HOUSE, bundled_rules=False)
    complete = tmp_path / "all"
    shutil.copytree(default_rules_dir(), complete)
    shutil.copytree(HOUSE, complete, dirs_exist_ok=True)
    only = advise(WORKLOAD, rules_dir=complete, bundled_rules=False)
    assert only.to_dict()["recommendations"] == \
        advise(WORKLOAD, rules_dir=HOUSE).to_dict()["recommendations"]


def test_a_bad_house_rule_is_refused_with_every_problem(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(HOUSE, bad)
    path = bad / "security" / "macie-before-training.yaml"
    path.write_text(path.read_text().replace("sensitive_data: true}", "sensitiv_data: true}"))
    (bad / "deployment" / "no-serverless-in-production.yaml").write_text("id: [\n")
    with pytest.raises(RuleBaseError) as info:
        load_rulebook([default_rules_dir(), bad])
    text = str(info.value)
    assert "did you mean `sensitive_data`" in text and "not valid YAML" in text


def test_a_house_rule_id_cannot_collide_with_a_bundled_one(tmp_path):
    clash = tmp_path / "clash"
    (clash / "storage").mkdir(parents=True)
    shutil.copy(default_rules_dir() / "storage" / "s3-data-lake.yaml", clash / "storage")
    with pytest.raises(RuleBaseError, match="duplicate rule id"):
        load_rulebook([default_rules_dir(), clash])


def test_cli_rules_option(capsys, tmp_path):
    code, out, _ = run(["--rules", str(HOUSE), "-f", "json", str(XRAY)], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["recommendations"]["mlops"][0]["choice"] == \
        "Platform team Terraform modules"
    code, _, err = run(["--rules", str(tmp_path), str(XRAY)], capsys)
    assert code == 2 and "your rule base is invalid" in err
    code, _, err = run(["--no-bundled-rules", str(XRAY)], capsys)
    assert code == 2
    code, out, _ = run(["rules", "check", str(HOUSE)], capsys)
    assert code == 0 and "rules valid" in out
