"""Conditions: parsing errors, and that every compiled form means what the condition says.

The reference meaning is `meaning()` below, a direct reading of the rule-file syntax written
independently of the compiler. NNF, DNF, the generated Python predicate and the durable-rules
expression must all agree with it.
"""

from types import SimpleNamespace

import pytest
from hypothesis import given, strategies as st

from recommender import _conditions as c
from recommender import _solver as solver
from recommender._engine import DurableEngine, PythonEngine, durable_available
from recommender._workload import Workload
from strategies import conditions_of, workloads

FIELD_TESTS = [
    {"velocity": "streaming"}, {"velocity": {"ne": "batch"}},
    {"source": {"in": ["s3", "clickstream"]}}, {"source": {"not_in": ["s3", "saas"]}},
    {"data_volume": {"gte": "1 TB"}}, {"data_volume": {"lt": "5 GB"}},
    {"features.count": {"gt": 100}}, {"features.count": {"lte": 10}},
    {"features.count": {"present": True}}, {"features.sparse": True},
    {"time_series.seasonality": "strong"}, {"time_series.related_series": {"gte": 10}},
    {"existing_stack": {"contains": "kafka"}}, {"diagnostics.train_error": {"gt": 0.2}},
    {"sensitive_data": False}, {"network": "limited"},
]


def meaning(raw, data):
    """What a raw condition says about a normalised workload dict (to_dict form)."""
    if raw == "always":
        return True
    (key, value), = raw.items()
    if key == "all":
        return all(meaning(v, data) for v in value)
    if key == "any":
        return any(meaning(v, data) for v in value)
    if key == "not":
        return not meaning(value, data)
    got = data
    for part in key.split("."):
        got = got.get(part) if isinstance(got, dict) else None
    op, expected = next(iter(value.items())) if isinstance(value, dict) else ("eq", value)
    if op == "present":
        return (got is not None) == expected
    if got is None:
        return False
    if key == "data_volume" and isinstance(expected, str):
        from recommender._workload import parse_size
        expected = parse_size(expected)
    return {"eq": lambda: got == expected, "ne": lambda: got != expected,
            "in": lambda: got in expected, "not_in": lambda: got not in expected,
            "lt": lambda: got < expected, "lte": lambda: got <= expected,
            "gt": lambda: got > expected, "gte": lambda: got >= expected,
            "contains": lambda: expected in got}[op]()


conditions = conditions_of(FIELD_TESTS)


def _compiled(raw):
    node, errors = c.parse(raw)
    assert errors == []
    return c.to_nnf(node)


@given(conditions, workloads)
def test_compiled_python_predicate_means_what_the_condition_says(raw, data):
    w = Workload.from_mapping(data)
    nnf = _compiled(raw)
    fact = c.flatten(w)
    expected = meaning(raw, w.to_dict())
    assert c.compile_python(nnf)(fact) == expected
    assert any(all(leaf.holds(fact) for leaf in conj) for conj in c.to_dnf(nnf)) == expected


@pytest.mark.skipif(not durable_available(), reason="durable-rules not installed")
@given(st.lists(conditions, min_size=1, max_size=8), st.lists(workloads, min_size=1, max_size=5))
def test_durable_engine_agrees_with_the_meaning(raws, datas):
    """The durable engine, fed the compiled conditions, fires exactly the rules whose
    conditions hold, for any conditions and workloads (numbers of any size included)."""
    rules = []
    for i, raw in enumerate(raws):
        nnf = _compiled(raw)
        rules.append(SimpleNamespace(index=i, durable=c.durable_expr(nnf), stage=0,
                                     predicate=c.compile_python(nnf), fields=c.fields_of(nnf),
                                     nnf=nnf))
    book = SimpleNamespace(rules=rules, rulesets=((0, tuple(range(len(rules)))),))
    durable, python = DurableEngine(book), PythonEngine(book)
    for data in datas:
        w = Workload.from_mapping(data)
        expected = [i for i, raw in enumerate(raws) if meaning(raw, w.to_dict())]
        assert durable.match(0, c.flatten(w)) == expected
        assert python.match(0, c.flatten(w)) == expected


@given(st.lists(st.sampled_from(FIELD_TESTS), min_size=2, max_size=6), st.randoms())
def test_an_all_reaches_the_durable_engine_rarest_test_first_whatever_its_order(raws, rng):
    """The tests of an `all` are given to durable-rules rarest first, in one order whatever
    the order they were written in: the same condition written two ways compiles to one
    expression (so rules share the engine's nodes and, with the same condition, one engine
    rule), and no test comes after one less likely to hold."""
    nnf = _compiled({"all": raws})
    shuffled = list(raws)
    rng.shuffle(shuffled)
    assert c.durable_expr(_compiled({"all": shuffled})) == c.durable_expr(nnf)
    if isinstance(nnf, c.And):
        chances = [c.likelihood(item) for item in
                   sorted(nnf.items, key=lambda item: _position(c.durable_expr(nnf),
                                                                c.durable_expr(item)))]
        assert chances == sorted(chances)


def _position(whole, part):
    """Where `part` is among the tests of the `$and` `whole`."""
    return whole["$and"].index(part)


@given(conditions, conditions)
def test_satisfiable_agrees_with_a_search(a, b):
    """satisfiable(x, y) is true exactly when some workload satisfies both (checked against a
    witness that is itself verified)."""
    da, db = c.to_dnf(_compiled(a)), c.to_dnf(_compiled(b))
    for x in da:
        for y in db:
            found = solver.witness(x, y)
            assert (found is not None) == solver.satisfiable(x, y)
            if found is not None:
                fact = {k: v for k, v in found.items() if v is not None}
                assert all(leaf.holds(fact) for leaf in x + y)


def test_uncovered_finds_gaps_and_proves_cover():
    def d(raw):
        return c.to_dnf(_compiled(raw))
    assert solver.uncovered([d({"labels": "labeled"}), d({"labels": {"ne": "labeled"}})]) is None
    gap = solver.uncovered([d({"data_volume": {"gt": "1 TB"}}), d({"data_volume": {"lt": "1 TB"}})])
    assert gap == {"data_volume": 10**12}
    gap = solver.uncovered([d({"features.count": {"gt": 5}}), d({"features.count": {"lte": 5}})])
    assert gap == {"features__count": None}  # the count may be unknown
    assert solver.uncovered([d("always")]) is None


@pytest.mark.parametrize("raw, fragment", [
    ({"velocty": "batch"}, "did you mean `velocity`"),
    ({"velocity": "stream"}, "did you mean `streaming`"),
    ({"velocity": {"inn": ["batch"]}}, "unknown operator"),
    ({"velocity": {"in": "batch"}}, "non-empty list"),
    ({"sensitive_data": "yes"}, "true or false"),
    ({"data_volume": {"gt": "lots"}}, "not a size"),
    ({"velocity": {"gt": 3}}, "compares numbers"),
    ({"existing_stack": "kafka"}, "contains"),
    ({"velocity": {"contains": "batch"}}, "list fields only"),
    ({"velocity": "batch", "source": "s3"}, "exactly one key"),
    ({"all": []}, "non-empty list"),
    ({"features.sparse": {"present": True}}, "always has a value"),
    ({"features.count": {"gt": 1.5}}, "whole numbers"),
])
def test_malformed_conditions_are_explained(raw, fragment):
    _, errors = c.parse(raw)
    assert errors and fragment in str(errors[0])


def test_describe_reads_like_the_condition():
    node, _ = c.parse({"all": [{"velocity": {"in": ["streaming", "hybrid"]}},
                               {"not": {"data_volume": {"lt": "1 PB"}}}]})
    assert c.describe(node) == "velocity in {streaming, hybrid} and not (data_volume < 1 PB)"


DECISION_TESTS = [
    {"decided.service_choice": "Amazon SageMaker"},
    {"decided.service_choice": {"ne": "Amazon Forecast"}},
    {"decided.service_choice": {"in": ["Amazon Comprehend", "Amazon Personalize"]}},
    {"decided.service_choice": {"not_in": ["Amazon SageMaker", "Amazon Forecast"]}},
    "always",
]


@pytest.mark.skipif(not durable_available(), reason="durable-rules not installed")
@given(st.lists(st.sampled_from(DECISION_TESTS), min_size=1, max_size=5),
       st.sampled_from(["Amazon SageMaker", "Amazon Forecast", "Amazon Comprehend",
                        "SageMaker Autopilot", "A choice no rule names"]))
def test_engines_agree_on_decisions_whatever_choice_was_made(raws, decided):
    """The durable engine gets decisions as the position of the choice among those its rules
    name, and any other choice as one code for all of them; rules that hold for every workload
    never reach it. Both engines still fire exactly the rules whose conditions hold."""
    rules = []
    for i, raw in enumerate(raws):
        nnf = _compiled(raw)
        rules.append(SimpleNamespace(index=i, durable=c.durable_expr(nnf), stage=1,
                                     fields=c.fields_of(nnf), nnf=nnf))
    book = SimpleNamespace(rules=rules, rulesets=((1, tuple(range(len(rules)))),))
    durable, python = DurableEngine(book), PythonEngine(book)
    fact = {**c.flatten(Workload.from_mapping({"task": "regression", "modality": "tabular",
                                               "data_volume": "1 GB", "latency": "batch",
                                               "labels": "labeled", "customization": "low"})),
            "decided__service_choice": decided}
    expected = [i for i, raw in enumerate(raws)
                if meaning(raw, {"decided": {"service_choice": decided}})]
    assert durable.match(1, fact) == python.match(1, fact) == expected
