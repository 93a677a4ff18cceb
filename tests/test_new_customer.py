"""Lifecycle in the advice: warnings for renamed, closed or retired services, and
`new_customer=True` making closed services lose to the rest or to their replacement."""

from hypothesis import given

from recommender import advise
from recommender._categories import SINGLE
from recommender._lifecycle import lifecycle
from strategies import workloads

FORECAST = {"task": "forecasting", "modality": "time_series", "data_volume": "40 GB",
            "latency": "batch", "labels": "labeled", "customization": "low"}


def _closed(choice):
    entry = lifecycle(choice)
    return entry is not None and entry.closed


@given(workloads)
def test_every_recommended_name_with_a_status_change_is_warned_about(data):
    advice = advise(data)
    messages = {w.message for w in advice.warnings if w.rule.startswith("lifecycle.")}
    expected = set()
    for items in advice.recommendations.values():
        for item in items:
            entry = lifecycle(item.choice)
            if entry is not None and entry.needs_warning:
                expected.add(entry.message())
                assert entry.since is None or entry.since in entry.message()
    assert messages == expected


@given(workloads)
def test_new_customers_never_get_a_closed_service_first_when_anything_else_fits(data):
    """With new_customer, a closed or retired choice is never the primary of a single-choice
    category, and stacks list closed choices after all others."""
    advice = advise(data, new_customer=True)
    for category, items in advice.recommendations.items():
        flags = [_closed(i.choice) for i in items]
        assert flags == sorted(flags)  # open choices first
        if category in SINGLE:
            assert not flags[0] or all(flags)


def test_amazon_forecast_is_flagged_and_replaced_for_new_customers():
    advice = advise({**FORECAST, "existing_services": ["Amazon Forecast"]})
    assert advice.primary("service_choice").choice == "Amazon Forecast"
    entry = lifecycle("Amazon Forecast")
    assert entry.closed and any(w.message == entry.message() for w in advice.warnings)
    fresh = advise(FORECAST)  # a new customer: the default
    assert fresh.primary("service_choice").choice in entry.replacements
    assert "closed to new customers" in fresh.primary("service_choice").justification


def test_renamed_services_keep_their_place():
    advice = advise({**FORECAST, "velocity": "streaming", "source": "clickstream"})
    firehose = lifecycle("Amazon Kinesis Data Firehose")
    assert firehose.status == "renamed" and firehose.current_name == "Amazon Data Firehose"
    assert advise({**FORECAST, "velocity": "streaming", "source": "clickstream"},
                  new_customer=True).choices("ingestion") == advice.choices("ingestion")
