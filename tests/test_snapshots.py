"""Snapshots: the advice on every bundled example, in every format, equals the committed one.

tests/snapshots/<example>/<variant> holds the output of `recommend` on examples/<example>.yaml
(tools/snapshots.py, modelled on cfn-lint's snapshot results). A change of knowledge or rendering
fails here with a readable diff until it is accepted with `python tools/snapshots.py` and the
regenerated snapshots are committed, so it is reviewed instead of slipping through.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_tool():
    spec = importlib.util.spec_from_file_location("snapshots_tool",
                                                  ROOT / "tools" / "snapshots.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


snapshots = _load_tool()
EXAMPLES = snapshots.examples()
CASES = [(e, v) for e in EXAMPLES for v in snapshots.VARIANTS]


@pytest.mark.parametrize("example,variant", CASES, ids=[f"{e}/{v.file}" for e, v in CASES])
def test_snapshot_is_current(example, variant):
    try:
        problem = snapshots.check_one(example, variant)
    except snapshots.SnapshotError as exc:
        pytest.fail(str(exc), pytrace=False)
    if problem is not None:
        pytest.fail(problem, pytrace=False)


def test_no_stale_snapshots():
    """Every snapshot belongs to an example and a variant (a renamed example leaves none)."""
    left = [snapshots._shown(p) for p in snapshots.stale(EXAMPLES)]
    assert not left, (f"snapshots of no example or variant: {', '.join(left)}; "
                      "run python tools/snapshots.py to remove them")


def test_every_example_has_every_variant():
    assert len(EXAMPLES) >= 10
    assert "house-rules" not in EXAMPLES
    assert {v.file for v in snapshots.VARIANTS} == {
        "advice.json", "existing-customer.json", "record.md", "page.html", "summary.txt",
        "details.txt", "existing-customer-summary.txt"}


@pytest.mark.slow
def test_in_process_output_is_the_real_commands():
    """The tool runs the CLI in-process for speed; it must print exactly what the installed
    `recommend` prints (python -P: never the checkout)."""
    example = "fraud-scoring"
    for name in ("advice.json", "existing-customer-summary.txt"):
        variant = snapshots.VARIANT[name]
        real = subprocess.run(
            [sys.executable, "-P", "-m", "recommender.cli", *variant.args,
             str(snapshots.EXAMPLES / f"{example}.yaml")],
            capture_output=True, text=True, encoding="utf-8", cwd=ROOT, check=True).stdout
        assert snapshots.normalise(real) == snapshots.render(example, variant)


def test_normalised_is_only_what_varies():
    text = ("rule base 0.1.0+31205e32f995, 274 rules, durable engine\n"
            "rule base 0.1.0+0123456789ab, 274 rules, python engine\n"
            f"{ROOT}/examples/fraud-scoring.yaml\nAmazon S3 + 12 more, XGBoost 1.7")
    assert snapshots.normalise(text) == (
        "rule base 0.1.0+<hash>, 274 rules, <engine> engine\n"
        "rule base 0.1.0+<hash>, 274 rules, <engine> engine\n"
        "<root>/examples/fraud-scoring.yaml\nAmazon S3 + 12 more, XGBoost 1.7")


# ------------------------------------------------------------------ the readable diff itself


@pytest.fixture(scope="module")
def advice():
    return json.loads((snapshots.SNAPSHOTS / "fraud-scoring" / "advice.json")
                      .read_text(encoding="utf-8"))


def _changes(old, new, variant="advice.json"):
    return snapshots.json_diff("fraud-scoring", snapshots.VARIANT[variant],
                               json.dumps(old, indent=2), json.dumps(new, indent=2))


def _item(choice, rule):
    return {"choice": choice, "justification": "Because.", "rule": rule, "sources": ["MON-01"]}


def test_a_different_service_is_named(advice):
    new = copy.deepcopy(advice)
    new["recommendations"]["service_choice"][0]["choice"] = "SageMaker Autopilot"
    assert _changes(advice, new) == [
        "fraud-scoring: service_choice: Amazon SageMaker -> SageMaker Autopilot"]
    assert _changes(advice, new, "existing-customer.json") == [
        "fraud-scoring (existing customer): service_choice: Amazon SageMaker -> "
        "SageMaker Autopilot"]


def test_stack_items_added_removed_and_reordered(advice):
    new = copy.deepcopy(advice)
    monitoring = new["recommendations"]["monitoring"]
    monitoring[:] = [i for i in monitoring if i["choice"] != "MLflow on SageMaker"]
    monitoring.append(_item("Amazon CloudWatch Logs", "monitoring.logs"))
    security = new["recommendations"]["security"]
    security[0], security[1] = security[1], security[0]
    lines = _changes(advice, new)
    assert ("fraud-scoring: monitoring: + Amazon CloudWatch Logs, - MLflow on SageMaker"
            in lines)
    assert "fraud-scoring: security: moved: AWS KMS encryption now before IAM roles with " \
        "least privilege" in lines


def test_justifications_sources_and_warnings(advice):
    new = copy.deepcopy(advice)
    item = new["recommendations"]["storage"][0]
    item["justification"] += " And more."
    item["sources"] = ["STO-01", "STO-02"]
    new["warnings"].pop(0)
    new["warnings"].append({"rule": "warnings.new-one", "message": "Look at this."})
    new["warnings"][0]["message"] += "!"
    lines = _changes(advice, new)
    assert lines == [
        "fraud-scoring: justification of storage.s3-hybrid-landing-zone changed",
        "fraud-scoring: sources of storage.s3-hybrid-landing-zone: + STO-02, - ING-11",
        "fraud-scoring: warnings: + warnings.new-one: Look at this.",
        "fraud-scoring: warnings: - lifecycle.amazon-sagemaker",
        "fraud-scoring: warnings: message of lifecycle.sagemaker-experiments changed"]


def test_lost_alternatives_are_named(advice):
    new = copy.deepcopy(advice)
    del new["alternatives"]["deployment"]
    lost = new["alternatives"]["ingestion"].pop()["choice"]
    assert _changes(advice, new) == [
        f"fraud-scoring: alternatives of ingestion: - {lost}",
        "fraud-scoring: alternatives of deployment: gone (were "
        + ", ".join(a["choice"] for a in advice["alternatives"]["deployment"]) + ")"]
    del new["alternatives"]
    assert _changes(advice, new) == [
        f"fraud-scoring: alternatives: removed from the JSON (was "
        f"{len(advice['alternatives'])} categories)"]


def test_anything_else_is_named_by_key(advice):
    new = copy.deepcopy(advice)
    new["rulebase"]["rules"] += 1
    new["workload"]["traffic"] = "steady"
    new["lifecycle"] = {"x": 1}
    assert _changes(advice, new) == [
        "fraud-scoring: workload.traffic: spiky -> steady",
        f"fraud-scoring: rule base.rules: {advice['rulebase']['rules']} -> "
        f"{advice['rulebase']['rules'] + 1}",
        "fraud-scoring: lifecycle: new in the JSON"]


def test_a_lost_runner_up_column_shows_in_a_short_diff():
    summary = (snapshots.SNAPSHOTS / "fraud-scoring" / "summary.txt").read_text(encoding="utf-8")
    assert "Runner-up" in summary
    without = "\n".join(line[:50].rstrip() for line in summary.splitlines()) + "\n"
    diff = snapshots.text_diff(summary, without)
    assert len(diff) <= snapshots.MAX_DIFF_LINES + 1
    assert any(line.startswith("-") and "Runner-up" in line for line in diff)
    assert diff[-1].startswith("... ") and diff[-1].endswith(" more diff lines")


def test_check_fails_readably_and_regeneration_accepts(tmp_path, monkeypatch, capsys):
    """`--check` exits 1 with the readable diff and the way to accept it; a plain run rewrites
    the snapshot and removes stale ones; then `--check` passes."""
    copy_of = tmp_path / "snapshots"
    shutil.copytree(snapshots.SNAPSHOTS / "fraud-scoring", copy_of / "fraud-scoring")
    monkeypatch.setattr(snapshots, "SNAPSHOTS", copy_of)
    assert snapshots.main(["-q", "fraud-scoring"]) == 0   # current, whatever the committed ones
    capsys.readouterr()
    path = copy_of / "fraud-scoring" / "advice.json"
    advice = json.loads(path.read_text(encoding="utf-8"))
    advice["recommendations"]["deployment"][0]["choice"] = "SageMaker asynchronous inference"
    path.write_text(json.dumps(advice, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = copy_of / "fraud-scoring" / "summary.txt"
    summary.write_text(summary.read_text(encoding="utf-8").replace("Runner-up", "Also"),
                       encoding="utf-8")

    problem = snapshots.check_one("fraud-scoring", snapshots.VARIANT["advice.json"])
    assert "fraud-scoring: deployment: SageMaker asynchronous inference -> SageMaker real-time " \
           "endpoint" in problem
    assert problem.endswith("run python tools/snapshots.py to accept it, and read the diff as "
                            "an AWS architect would")

    assert snapshots.main(["--check", "fraud-scoring"]) == 1
    out = capsys.readouterr().out
    assert "fraud-scoring/summary.txt differs:" in out
    assert "-Category             Choice                        Also" in out
    assert "2 of 7 snapshots differ" in out
    assert out.index("summary.txt differs") < out.index("What changed in the advice") < \
        out.index("fraud-scoring: deployment: SageMaker asynchronous inference -> ")
    assert snapshots.main(["--check", "--brief", "fraud-scoring"]) == 1
    assert "fraud-scoring/summary.txt differs (2 lines added or removed)" in \
        capsys.readouterr().out

    (copy_of / "gone-example").mkdir()
    assert snapshots.main(["-q", "fraud-scoring"]) == 0
    assert "rewrote 2 of 7 snapshots" in capsys.readouterr().out
    assert snapshots.main(["--check", "fraud-scoring"]) == 0
    assert snapshots.stale(EXAMPLES) == [copy_of / "gone-example"]
