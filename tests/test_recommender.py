"""One Recommender owns one configuration, and everything done with it keeps it."""

from pathlib import Path

import yaml

from clirun import run
from recommender import Recommender, advise

ROOT = Path(__file__).resolve().parent.parent
HOUSE = ROOT / "examples" / "house-rules"
FORECAST = ROOT / "examples" / "retail-demand-forecast.yaml"
XRAY = ROOT / "examples" / "xray-triage.yaml"
MACIE = "Amazon Macie scan of the landing bucket"  # a choice of the house rules' choices.yaml


def _load(path):
    return yaml.safe_load(path.read_text())


def test_two_recommenders_with_different_rules_live_side_by_side():
    plain, team = Recommender(), Recommender(rules_dir=HOUSE)
    data = _load(XRAY)
    for _ in range(2):  # interleaved: neither changes the other
        assert MACIE not in plain.advise(data).choices("security")
        assert MACIE in team.advise(data).choices("security")
    assert len(team.book) > len(plain.book)
    assert MACIE in team.choices() and MACIE not in plain.choices()
    assert plain.advise(data).to_dict() == advise(data).to_dict()


def test_what_if_keeps_the_new_customer_policy():
    """Every edit is checked again as for a new customer: Amazon Forecast, closed to new
    customers, is never what an edit leads to, and each 'after' is what a new customer gets."""
    recommender = Recommender(new_customer=True)
    advice = recommender.advise(_load(FORECAST))
    assert advice.primary("service_choice").choice != "Amazon Forecast"
    from recommender._explain import apply_changes
    found = recommender.counterfactuals(advice)
    assert any(found.values())
    for category, changes in found.items():
        for change in changes:
            assert change.before == advice.primary(category).choice
            again = recommender.advise(apply_changes(advice.workload.to_dict(), change.changes))
            assert again.primary(category).choice == change.after != "Amazon Forecast"


def test_what_if_on_the_command_line_keeps_the_new_customer_policy(capsys):
    code, out, _ = run(["--what-if", "--new-customer", "--format", "json", str(FORECAST)],
                       capsys)
    import json
    document = json.loads(out)
    assert code == 0
    afters = [c["after"] for found in document["counterfactuals"].values() for c in found]
    befores = {c["category"]: c["before"] for found in document["counterfactuals"].values()
               for c in found}
    assert "Amazon Forecast" not in afters and befores.get("service_choice") != "Amazon Forecast"


def test_why_not_knows_a_teams_own_choices(capsys):
    code, out, err = run(["why-not", "--rules", str(HOUSE), str(XRAY), MACIE.lower()], capsys)
    assert code == 0, err
    assert f"security: {MACIE} is recommended" in out
    code, _, err = run(["why-not", str(XRAY), MACIE], capsys)
    assert code == 2 and "not a choice" in err


def test_rules_commands_honour_team_rules(capsys):
    team_rule = "security.macie-before-training"
    code, out, _ = run(["rules", "--rules", str(HOUSE), "show", team_rule], capsys)
    assert code == 0 and MACIE in out
    code, _, err = run(["rules", "show", team_rule], capsys)
    assert code == 2 and "is not a rule id" in err
    code, out, _ = run(["rules", "--rules", str(HOUSE), "--choice", "macie"], capsys)
    assert code == 0 and team_rule in out
    code, out, _ = run(["rules", "--rules", str(HOUSE), "docs"], capsys)
    assert code == 0 and team_rule in out
    code, out, _ = run(["rules", "--rules", str(HOUSE), "coverage", "--missing"], capsys)
    assert code == 0 and "176/176" in out


def test_existing_services_bring_back_a_closed_service(capsys):
    data = _load(FORECAST)
    assert advise(data).primary("service_choice").choice == "SageMaker Canvas"
    again = advise({**data, "existing_services": ["Amazon Forecast"]})
    assert again.primary("service_choice").choice == "Amazon Forecast"
    assert "lifecycle.amazon-forecast" in {w.rule for w in again.warnings}
    code, out, _ = run(["--existing-service", "Amazon Forecast", "--format", "json",
                        str(FORECAST)], capsys)
    import json
    assert code == 0
    assert json.loads(out)["recommendations"]["service_choice"][0]["choice"] == \
        "Amazon Forecast"


def test_an_unknown_existing_service_is_refused_with_a_suggestion(capsys, tmp_path):
    code, _, err = run(["--existing-service", "Amazon Forcast", str(FORECAST)], capsys)
    assert code == 2 and "did you mean `Amazon Forecast`?" in err
    bad = tmp_path / "w.yaml"
    bad.write_text(FORECAST.read_text() + "existing_services: [Forecast]\n")
    code, _, err = run([str(bad)], capsys)
    assert code == 2 and "existing_services" in err and str(bad) in err
