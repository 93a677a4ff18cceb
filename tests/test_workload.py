"""The workload contract: sizes, defaults, and errors that name the key and what is allowed."""

import pytest
from hypothesis import given

from recommender import Workload, WorkloadError
from recommender._workload import FIELDS, format_size, parse_size
from strategies import workloads

BASE = {"task": "classification", "modality": "tabular", "data_volume": "10 GB",
        "latency": "batch", "labels": "labeled", "customization": "high"}


@pytest.mark.parametrize("text, expected", [
    ("750 MB", 750_000_000), ("3 TB", 3_000_000_000_000), ("2 PB", 2 * 10**15),
    ("1.5 GB", 1_500_000_000), ("10GB", 10**10), ("1 kb", 1000), ("512 B", 512), ("42", 42),
    (123456, 123456), (2e6, 2_000_000),
])
def test_sizes_are_decimal_bytes(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "3 XB", "-1 GB", "0", 0, True, 1.5, "1 TiB", "", None,
                                  float("inf"), "1001 PB"])
def test_bad_sizes_are_refused(text):
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize("nbytes, text", [(2 * 10**12, "2 TB"), (750 * 10**6, "750 MB"),
                                          (1_500_000_000, "1.5 GB"), (999, "999 B")])
def test_format_size(nbytes, text):
    assert format_size(nbytes) == text


def test_defaults_are_filled_and_echoed():
    w = Workload.from_mapping(BASE)
    d = w.to_dict()
    assert d["velocity"] == "batch" and d["source"] == "s3" and d["network"] == "good"
    assert d["features"] == {"sparse": False, "categorical": False, "scales_differ": False,
                             "entity_ip_pairs": False}
    assert d["data_volume"] == 10**10
    assert "time_series" not in d and "diagnostics" not in d


def test_forecasting_gets_documented_time_series_defaults():
    w = Workload.from_mapping({**BASE, "task": "forecasting", "modality": "time_series"})
    assert w.to_dict()["time_series"] == {"related_series": 1, "seasonality": "weak",
                                          "stationary": False, "history": "long",
                                          "intermittent": False, "quantiles": False,
                                          "cold_start": False}
    partial = Workload.from_mapping({**BASE, "task": "forecasting",
                                     "time_series": {"seasonality": "strong"}})
    assert partial.time_series.seasonality == "strong"
    assert partial.time_series.related_series == 1


def test_name_defaults_to_the_file_stem():
    assert Workload.from_mapping(BASE, where="dir/fraud.yaml").name == "fraud"
    assert Workload.from_mapping(BASE).name == "workload"


def _problems(data):
    with pytest.raises(WorkloadError) as info:
        Workload.from_mapping(data, where="w.yaml")
    return info.value.problems


def test_unknown_key_suggests_the_nearest():
    (p,) = _problems({**BASE, "latncy": "batch"})
    assert p.key == "latncy" and p.suggestion == "latency" and "latency" in p.allowed
    assert "did you mean `latency`?" in str(p) and str(p).startswith("w.yaml:")


def test_unknown_nested_key_suggests_the_nearest():
    (p,) = _problems({**BASE, "features": {"sparce": True}})
    assert p.key == "features.sparce" and p.suggestion == "sparse"


def test_bad_enum_lists_allowed_values_and_suggests():
    (p,) = _problems({**BASE, "latency": "real-time"})
    assert p.key == "latency" and p.allowed == ("realtime", "near_realtime", "batch")
    assert p.suggestion == "realtime"


def test_enumerations_are_case_sensitive_but_helpful():
    (p,) = _problems({**BASE, "customization": "High"})
    assert p.suggestion == "high"


def test_every_problem_is_reported_at_once():
    problems = _problems({"task": "clasification", "modality": "tabular", "data_volume": "x",
                          "latency": "soon", "labels": "labeled", "extra": 1})
    assert {p.key for p in problems} == {"task", "data_volume", "latency", "customization",
                                         "extra"}


@pytest.mark.parametrize("key, value", [("interpretability", "yes"), ("features", [1]),
                                         ("existing_stack", ["kafka", "kafka"]),
                                         ("existing_stack", ["cobol"]),
                                         ("diagnostics", {"train_error": float("nan"),
                                                          "validation_error": 1}),
                                         ("velocity", None), ("name", ""),
                                         ("features", {"count": 0})])
def test_wrong_values_are_errors_not_defaults(key, value):
    problems = _problems({**BASE, key: value})
    assert problems and all(p.key.startswith(key) for p in problems)


def test_not_a_mapping():
    (p,) = _problems(["task"])
    assert "mapping" in p.message


def test_field_catalogue_matches_the_model():
    assert FIELDS["velocity"].values == ("batch", "streaming", "hybrid")
    assert FIELDS["features.count"].optional and not FIELDS["features.sparse"].optional
    assert FIELDS["existing_stack"].kind == "set"
    assert FIELDS["data_volume"].kind == "size"


@given(workloads)
def test_normalised_workload_round_trips(data):
    """Echoing a workload and reading it back changes nothing: the echo is valid input."""
    w = Workload.from_mapping(data)
    again = Workload.from_mapping(w.to_dict())
    assert again == w and again.to_dict() == w.to_dict()


def test_names_with_control_characters_are_refused():
    (p,) = _problems({**BASE, "name": "fraud\x1b[2J"})
    assert p.key == "name" and "control characters" in p.message
    assert Workload.from_mapping({**BASE, "name": "détection 😀"}).name == "détection 😀"


#: Vocabulary v2: a wrong value of each new fact, and what the message must name.
V2_BAD = [
    ("task", "speech_recognition", "speech_to_text"),
    ("modality", "pdf", "documents"),
    ("labels", "tolabel", "to_label"),
    ("access_pattern", "key-lookup", "key_lookup"),
    ("other_sources", ["saas", "saas"], "twice"),
    ("other_sources", ["ftp"], "partner_files"),
    ("stream_destination", "lake", "store"),
    ("processing", "pandas", "scikit_learn_code"),
    ("time_ordered", "yes", "true or false"),
    ("team_skills", ["python"], "ml_engineering"),
    ("cost_priorities", ["cheap"], "lowest_cost"),
    ("domain", "legal", "medical"),
    ("serving", {"payload": "20 parsecs"}, "unit"),
    ("serving", {"processing_seconds": 0}, "greater than 0"),
    ("serving", {"models": 2.5}, "whole number"),
    ("serving", {"edge": "on"}, "true or false"),
    ("serving", {"gpus": True}, "gpu"),
    ("security", {"pii": True}, "pii_discovery"),
    ("generative", {"knowledge_changes": "daily"}, "often"),
    ("generative", {"tuning_examples": 500}, "many"),
    ("generative", {"audience": "staff"}, "employees"),
    ("features", {"entity_ip_pairs": 1}, "true or false"),
    ("time_series", {"quantiles": [0.1, 0.9]}, "true or false"),
]


@pytest.mark.parametrize("key, value, named", V2_BAD, ids=[f"{k}-{i}" for i, (k, _, _) in
                                                            enumerate(V2_BAD)])
def test_the_new_facts_refuse_bad_values_naming_what_is_allowed(key, value, named):
    """Every fact of vocabulary v2 refuses a wrong value with a message that names the key
    and what is allowed (or the nearest spelling), never a silent default."""
    problems = _problems({**BASE, "task": "forecasting", key: value}
                         if key == "time_series" else {**BASE, key: value})
    assert problems and all(p.key.startswith(key) for p in problems)
    assert any(named in str(p) for p in problems), [str(p) for p in problems]


def test_the_new_facts_are_optional_and_change_nothing_when_absent():
    """A workload of the first vocabulary reads exactly as before: the new mappings stay
    absent, the new lists empty, and no new key is defaulted into the rule facts' meaning."""
    w = Workload.from_mapping(BASE)
    assert (w.serving, w.security, w.generative, w.processing, w.stream_destination) == \
        (None, None, None, None, None)
    assert w.other_sources == w.team_skills == w.cost_priorities == ()
    assert not w.time_ordered and not w.exploration and w.domain == "general"
    given = Workload.from_mapping({**BASE, "serving": {"payload": "7.5 MB", "models": 12.0}})
    assert given.serving.payload == 7_500_000 and given.serving.models == 12


# ---------------------------------------------------------------------------------------------
# The plain check (recommender/_workload.py) and the models (recommender/_model.py) agree


def test_the_plain_tables_are_generated_from_the_current_models():
    """recommender/_vocabulary.py is what tools/make_vocabulary.py writes from the models."""
    from pathlib import Path

    import recommender
    from recommender._model import vocabulary_source
    written = Path(recommender.__file__).with_name("_vocabulary.py").read_text(encoding="utf-8")
    assert written == vocabulary_source(), "run: python tools/make_vocabulary.py"


def test_the_generated_code_is_made_from_the_current_tables():
    """recommender/_generated.py (the plain checks, to_dict and flatten) is what
    tools/make_vocabulary.py writes from the current tables."""
    from pathlib import Path

    import recommender
    from recommender._codegen import generated_source
    written = Path(recommender.__file__).with_name("_generated.py").read_text(encoding="utf-8")
    assert written == generated_source(), "run: python tools/make_vocabulary.py"


def _by_models(data):
    from recommender._model import validate
    from recommender._workload import _plain
    return _plain(validate(dict(data)))


@given(workloads)
def test_the_plain_check_takes_every_plain_workload_as_the_models_do(data):
    """Every workload of plain values is checked without the models, with their result: the
    same values and defaults, the same keys given."""
    from recommender._workload import _check
    plain = _check("Workload", dict(data))
    assert plain is not None
    models = _by_models(data)
    assert type(plain) is type(models) and plain == models
    assert plain.to_dict() == models.to_dict() and plain.facts_given() == models.facts_given()
    assert plain.features == models.features and plain.time_series == models.time_series


# Values the models take after normalising, or refuse: the plain check must leave each to them
# (None) or agree with them.
_ODD = [("features", {"count": 5.0}), ("time_series", {"related_series": 2.0}),
        ("serving", {"models": 3.0}), ("serving", {"processing_seconds": 0}),
        ("serving", {"processing_seconds": True}), ("serving", {"processing_seconds": 86401}),
        ("serving", {"payload": 0}), ("serving", {"payload": "2 KB"}), ("data_volume", 5.0),
        ("data_volume", True), ("data_volume", 10**18 + 1), ("name", ""), ("name", "a\x07"),
        ("name", "x" * 201), ("existing_stack", ["spark", "spark"]), ("existing_stack", "spark"),
        ("existing_stack", ("hive", "spark")), ("existing_services", ["Amazon Forecast"]),
        ("existing_services", ["Amazon Forecast", "Amazon Forecast"]),
        ("existing_services", ["not a service"]), ("time_series", None), ("diagnostics", None),
        ("features", None), ("features", {"count": 0}), ("features", {"count": True}),
        ("diagnostics", {"train_error": 0.1, "validation_error": float("nan")}),
        ("diagnostics", {"train_error": 1, "validation_error": 2, "target_error": 0}),
        ("task", "Classification"), ("unknown", 1), ("security", {}), ("generative", [])]


@pytest.mark.parametrize("key, value", _ODD, ids=[f"{k}-{i}" for i, (k, _) in enumerate(_ODD)])
@pytest.mark.parametrize("task", ["classification", "forecasting"])
def test_the_plain_check_leaves_what_it_is_not_sure_of_to_the_models(key, value, task):
    from recommender._workload import _check
    data = {**BASE, "task": task, key: value}
    plain = _check("Workload", data)
    try:
        models = _by_models(data)
    except WorkloadError:
        assert plain is None
        return
    assert plain is None or (plain == models and plain.to_dict() == models.to_dict() and
                             plain.facts_given() == models.facts_given())


def test_records_are_immutable_compare_by_value_and_pickle():
    import pickle
    w = Workload.from_mapping({**BASE, "serving": {"models": 3}})
    with pytest.raises(AttributeError):
        w.task = "regression"
    assert pickle.loads(pickle.dumps(w)) == w and hash(w) == hash(Workload(**w.to_dict()))
    assert pickle.loads(pickle.dumps(w)).facts_given() == w.facts_given()
    with pytest.raises(WorkloadError, match="serving.models"):
        type(w.serving)(models=0)


def test_advice_from_the_cache_never_imports_pydantic(tmp_path):
    """A run that finds its rules and lifecycle catalogue in the cache checks the workload, the
    rules and the catalogue with plain tables: pydantic is imported only to word a problem."""
    import os
    import subprocess
    import sys
    script = ("import sys\nfrom recommender import advise\n"
              "advice = advise({'task': 'forecasting', 'modality': 'time_series', "
              "'data_volume': '5 GB', 'latency': 'batch', 'labels': 'labeled', "
              "'customization': 'low', 'existing_services': ['Amazon Forecast']})\n"
              "advice.recommendations, advice.warnings, advice.to_dict()\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))\n")
    env = {**os.environ, "RECOMMENDER_CACHE_DIR": str(tmp_path / "cache"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env=env, cwd=tmp_path, check=True).stdout.strip() for _ in range(2)]
    assert runs[0] != "[]"  # the first run validated the rule files (the models word problems)
    assert runs[1] == "[]"
