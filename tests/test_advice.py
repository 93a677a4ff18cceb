"""Advice for any valid workload: complete, justified, deterministic, engine-independent."""

import json
import re
import threading

import pytest
from hypothesis import given, settings, strategies as st

from recommender import Workload, advise, load_rulebook
from recommender._catalogue import choices, rows
from recommender._categories import ALWAYS_PRESENT, SINGLE
from recommender._conditions import flatten
from recommender._engine import durable_available
from strategies import workloads

BOOK = load_rulebook()


@given(workloads)
def test_every_category_is_present_and_justified(data):
    advice = advise(data)
    recs = advice.recommendations
    assert set(ALWAYS_PRESENT) <= set(recs)
    assert ("diagnosis" in recs) <= ("diagnostics" in data)
    for category, items in recs.items():
        assert items, category
        assert len({i.choice for i in items}) == len(items), "a choice is listed twice"
        for item in items:
            assert item.choice in choices()
            assert len(item.justification) > 30 and not re.search(r"[{}]", item.justification)
            assert item.sources and all(s in rows() or s.startswith("https://") for s in
                                        item.sources)
            # a replacement for a closed service names the lifecycle entry instead of a rule
            assert item.rule.startswith("lifecycle.") or \
                BOOK.by_id[item.rule].category == category


@given(workloads)
def test_single_choice_categories_rank_by_priority(data):
    """The primary item comes from the highest-priority matching rule; the rest follow in
    order of priority, and every matching rule's choice is present (as for a customer who may
    use every service: for a new one, closed choices give way)."""
    advice = advise(data, new_customer=False)
    fired = [BOOK.by_id[r] for r in advice.fired]
    for category in SINGLE:
        items = advice.recommendations[category]
        priorities = [i.priority for i in items]
        assert priorities == sorted(priorities, reverse=True)
        matching = [r for r in fired if r.category == category]
        assert items[0].priority == max(r.priority for r in matching)
        assert {r.choice for r in matching} == {i.choice for i in items}


@given(workloads)
def test_advice_is_deterministic_and_serialisable(data):
    first, second = advise(data).to_dict(), advise(dict(data)).to_dict()
    assert first == second
    # the JSON of an advice whose recommendations were read is the same (to_dict() writes an
    # unread advice's items without making their objects)
    read = advise(data)
    assert {c: [r.to_dict() for r in items] for c, items in read.recommendations.items()} == \
        first["recommendations"] and read.to_dict() == first
    again = json.loads(json.dumps(first))
    assert again == first
    assert set(first) == {"workload", "recommendations", "warnings", "rulebase"}
    assert first["rulebase"]["rules"] == len(BOOK)
    for items in first["recommendations"].values():
        for item in items:
            assert set(item) == {"choice", "justification", "rule", "sources"}


@given(workloads)
def test_echoed_workload_gives_the_same_advice(data):
    advice = advise(data)
    assert advise(advice.to_dict()["workload"]).to_dict() == advice.to_dict()


@pytest.mark.skipif(not durable_available(), reason="durable-rules not installed")
@given(workloads)
def test_durable_and_python_engines_fire_the_same_rules(data):
    durable = advise(data, engine="durable")
    python = advise(data, engine="python")
    assert durable.fired == python.fired
    assert durable.to_dict() == python.to_dict()


def test_unknown_engine_is_an_input_error():
    from recommender import InputError
    with pytest.raises(InputError, match="did you mean `python`"):
        advise({"task": "classification"}, engine="pyton")


@pytest.mark.parametrize("engine", ["python"] + (["durable"] if durable_available() else []))
def test_threads_get_the_serial_results(engine):
    samples = [workloads.example() for _ in range(40)]
    serial = [advise(w, engine=engine).to_dict() for w in samples]
    results: dict[int, list] = {}

    def work(k):
        results[k] = [advise(w, engine=engine).to_dict() for w in samples]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[k] == serial for k in range(8))


def test_accepts_a_workload_model_or_a_mapping():
    data = {"task": "regression", "modality": "tabular", "data_volume": "5 GB",
            "latency": "batch", "labels": "labeled", "customization": "high"}
    assert advise(Workload.from_mapping(data)).to_dict() == advise(data).to_dict()


def test_flat_fact_has_one_key_per_field():
    w = Workload.from_mapping({"task": "forecasting", "modality": "time_series",
                               "data_volume": 10, "latency": "batch", "labels": "labeled",
                               "customization": "low", "existing_stack": ["kafka"]})
    fact = flatten(w)
    assert fact["existing_stack__kafka"] is True and fact["existing_stack__spark"] is False
    assert fact["time_series__related_series"] == 1
    assert "features__count" not in fact and "diagnostics__train_error" not in fact


def test_the_package_docstring_example_holds():
    import doctest

    import recommender
    assert doctest.testmod(recommender, raise_on_error=False).failed == 0


@pytest.mark.skipif(not durable_available(), reason="durable-rules not installed")
@given(workloads)
def test_the_durable_engine_holds_nothing_after_a_call(data):
    """No fact and no pending event survives a call, so calls cannot see each other."""
    from recommender._engine import get_engine
    advise(data, engine="durable")
    assert get_engine(BOOK, "durable").held() == ([], [])


ENGINES = ["python"] + (["durable"] if durable_available() else [])


@given(workloads)
def test_each_engine_groups_a_stage_by_category_in_advice_order(data):
    """`grouped` is what the advice is assembled from: the rules `match` finds, per category
    of the stage, highest priority first (ties by id), with nothing left out or added."""
    from recommender._categories import STAGES
    from recommender._engine import get_engine
    fact = advise(data, engine="python").fact  # every decision: any stage can be matched
    for engine in ENGINES:
        matcher = get_engine(BOOK, engine)
        for stage, (_, categories) in enumerate(STAGES):
            found = [BOOK.rules[i] for i in matcher.match(stage, fact)]
            expected = [[r.index for r in sorted(found, key=lambda r: (-r.priority, r.id))
                         if r.category == category] for category in categories]
            assert matcher.grouped(stage, fact) == expected
            # and what match finds is what each rule's own predicate says
            assert [r.index for r in found] == sorted(
                r.index for r in BOOK.rules if r.stage == stage and r.predicate(fact))


@given(workloads)
def test_the_brief_choices_are_the_recommendations_choices(data):
    """`brief` reads the choices without building the recommendations (sweep --brief); they
    are the same as the built ones', for a new and an existing customer."""
    from recommender._advice import brief
    for new_customer in (True, False):
        advice = advise(data, new_customer=new_customer)
        choices = brief(advice)
        assert choices == {category: [item.choice for item in items]
                           for category, items in advice.recommendations.items()}
        assert brief(advice) == choices  # and once they are built


@settings(max_examples=15)
@given(st.lists(workloads, min_size=2, max_size=6))
def test_remembered_lifecycle_outcomes_carry_each_workloads_own_values(datas):
    """decide() keeps the outcome of the policy for new customers per category, items and
    existing services; a workload that reuses one gets its own values in every justification
    and its own services kept, exactly what a fresh computation gives."""
    from recommender._advice import _tables
    from recommender._lifecycle import all_entries
    closed = sorted(e.name for e in all_entries() if e.closed and e.name in choices())
    variants = [{**data, "data_volume": size, "existing_services": services}
                for data in datas for size in ("3 GB", "2 PB") for services in ([], closed)]
    remembered = [advise(data).to_dict() for data in variants]
    policy = _tables(BOOK).policy
    for data, expected in zip(variants, remembered):
        policy.clear()
        assert advise(data).to_dict() == expected


@settings(max_examples=20)
@given(st.lists(workloads, min_size=2, max_size=4))
def test_justifications_read_in_any_order_carry_their_own_workloads_values(datas):
    """Justifications are written when read, from values kept for the workload last written
    for; read round-robin across advices, each still shows its own workload's values."""
    from recommender._rulebook import _display
    advices = [advise(data) for data in datas]
    queues = [[(item, advice.workload) for items in advice.recommendations.values()
               for item in items if not item.rule.startswith("lifecycle.")]
              for advice in advices]
    while any(queues):
        for queue in queues:
            if queue:
                item, workload = queue.pop()
                rule = BOOK.by_id[item.rule]
                expected = "".join(text if key is None else _display(workload, key)
                                   for text, key in rule._template)
                if item.justification != expected:  # the policy for new customers rewrote it
                    assert "closed to new customers" in item.justification
                    assert expected in item.justification


def test_advice_made_by_decide_is_the_dataclass_it_claims_to_be():
    """decide() writes an Advice's attributes at once instead of calling __init__: every field
    is there, and the advice equals one made by the dataclass from the same values."""
    from dataclasses import fields

    from recommender._advice import Advice
    made = advise({"task": "forecasting", "modality": "time_series", "data_volume": "5 GB",
                   "latency": "batch", "labels": "labeled", "customization": "medium"},
                  engine="python")
    again = Advice(**{f.name: getattr(made, f.name) for f in fields(Advice)})
    assert again == made and again.to_dict() == made.to_dict()
