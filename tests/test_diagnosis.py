"""Fit diagnosis thresholds, tested at their edges (docs/output.md, "Fit diagnosis").

- overfitting: gap ratio (validation - train) / validation >= 0.2
- underfitting with a target: train_error / target_error >= 1.2
- underfitting without a target, errors read as rates (both <= 1): train_error >= 0.15
- good fit: neither, when underfitting can be judged; otherwise the fit is inconclusive
"""

import pytest

from recommender import advise

BASE = {"task": "classification", "modality": "tabular", "data_volume": "10 GB",
        "latency": "batch", "labels": "labeled", "customization": "high"}


def verdicts(**diagnostics):
    advice = advise({**BASE, "diagnostics": diagnostics})
    return {c for c in advice.choices("diagnosis")
            if c in {"Overfitting", "Underfitting", "Good fit", "Inconclusive fit"}}


@pytest.mark.parametrize("train, validation, overfit", [
    (0.4, 0.5, True),          # gap ratio exactly 0.2
    (0.0801, 0.1, False),      # 0.199
    (0.08, 0.1, True),         # 0.2
    (0.02, 0.1, True),
    (0.1, 0.1, False),
    (0.1, 0.05, False),        # validation below training: no overfitting
])
def test_overfitting_edge(train, validation, overfit):
    assert ("Overfitting" in verdicts(train_error=train, validation_error=validation)) == overfit


@pytest.mark.parametrize("train, underfit", [(0.15, True), (0.1499, False), (0.5, True),
                                             (0.01, False)])
def test_underfitting_edge_without_target(train, underfit):
    got = verdicts(train_error=train, validation_error=train)
    assert ("Underfitting" in got) == underfit
    assert ("Good fit" in got) == (not underfit)


@pytest.mark.parametrize("train, target, underfit", [(12, 10, True), (11.99, 10, False),
                                                     (0.06, 0.05, True), (0.0599, 0.05, False)])
def test_underfitting_edge_against_a_target(train, target, underfit):
    got = verdicts(train_error=train, validation_error=train, target_error=target)
    assert ("Underfitting" in got) == underfit


def test_both_at_once():
    assert verdicts(train_error=0.3, validation_error=0.6) == {"Overfitting", "Underfitting"}


def test_errors_that_are_not_rates_need_a_target():
    advice = advise({**BASE, "diagnostics": {"train_error": 120.0, "validation_error": 125.0}})
    assert advice.primary("diagnosis").choice == "Inconclusive fit"
    assert any("target_error" in w.message for w in advice.warnings)


def test_remedies_follow_the_verdict():
    over = advise({**BASE, "diagnostics": {"train_error": 0.02, "validation_error": 0.2}})
    assert over.primary("diagnosis").choice == "Overfitting"
    assert "Increase regularization" in over.choices("diagnosis")
    under = advise({**BASE, "diagnostics": {"train_error": 0.4, "validation_error": 0.42}})
    assert under.primary("diagnosis").choice == "Underfitting"
    assert "Increase model complexity" in under.choices("diagnosis")
    assert "Increase regularization" not in under.choices("diagnosis")
