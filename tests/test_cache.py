"""The cache of validated rule bases: same rules from the cache as from the files, and any
damage to the cache only means a full load."""

import json

from recommender import advise
from recommender import rulebook
from recommender.rulebook import _load, default_rules_dir
from strategies import workloads
from hypothesis import given, settings


def _summary(book):
    return [(r.id, r.category, r.choice, r.priority, r.reads, r.because, r.sources,
             r.examples_match, r.examples_no_match, r.alternative_only, r.index)
            for r in book.rules]


def test_cached_rule_base_equals_a_fresh_load(tmp_path, monkeypatch):
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path))
    fresh = _load(default_rules_dir())
    files = list(tmp_path.glob("rules-*.json"))
    assert len(files) == 1
    called = []
    monkeypatch.setattr(rulebook, "_load_one", lambda *a, **k: called.append(1))
    cached = _load(default_rules_dir())
    assert not called, "a cache hit must not validate the files again"
    assert _summary(cached) == _summary(fresh) and cached.version == fresh.version


@settings(max_examples=30)
@given(workloads)
def test_cached_rules_give_the_same_advice(data):
    book = _load(default_rules_dir())  # the session's cache folder holds a copy by now
    from recommender.advice import decide
    from recommender.engine import PythonEngine
    from recommender.workload import Workload
    again = decide(Workload.from_mapping(data), book, PythonEngine(book))
    assert again.to_dict()["recommendations"] == advise(data).to_dict()["recommendations"]


def test_a_damaged_cache_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path))
    fresh = _load(default_rules_dir())
    (cache,) = tmp_path.glob("rules-*.json")
    cache.write_text(json.dumps([{"id": "broken"}]))
    assert _summary(_load(default_rules_dir())) == _summary(fresh)
    cache.write_text("not json")
    assert _summary(_load(default_rules_dir())) == _summary(fresh)


def test_an_empty_setting_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    _load(default_rules_dir())
    assert not list(tmp_path.rglob("rules-*.json"))
