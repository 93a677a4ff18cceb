"""The cache of validated rule bases: same rules from the cache as from the files, and any
damage to the cache only means a full load."""

import json

from recommender import advise
from recommender import _rulebook as rulebook
from recommender._rulebook import _load, default_rules_dir
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
    from recommender._advice import decide
    from recommender._engine import PythonEngine
    from recommender._workload import Workload
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


def test_a_cached_rule_base_is_bound_to_where_the_rules_are_now(tmp_path, monkeypatch):
    """The cache is keyed by the files' content: the same rules in another folder (a moved
    checkout, another venv) come from the cache, and each rule points at its file there."""
    import shutil
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path / "cache"))
    first = tmp_path / "a" / "rules"
    shutil.copytree(default_rules_dir(), first)
    _load(first)
    moved = tmp_path / "b" / "rules"
    shutil.copytree(first, moved)
    shutil.rmtree(first)
    called = []
    monkeypatch.setattr(rulebook, "_load_one", lambda *a, **k: called.append(1))
    book = _load(moved)
    assert not called, "the moved rules must come from the cache"
    assert all(rule.path.is_relative_to(moved) and rule.path.is_file() for rule in book.rules)


def test_the_durable_rulesets_come_from_the_cache_only_when_they_place_every_rule(
        tmp_path, monkeypatch):
    """The plan of durable-rules rulesets is cached with the rules (planning is most of a
    cached load); an authentic entry whose plan leaves a rule out, places one twice or in
    another stage's ruleset gets a new plan instead."""
    from recommender import _cache as cache
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path))
    fresh = _load(default_rules_dir())
    planned = []
    real_plan = rulebook.plan_rulesets
    monkeypatch.setattr(rulebook, "plan_rulesets",
                        lambda rules: planned.append(1) or real_plan(rules))
    assert _load(default_rules_dir()).rulesets == fresh.rulesets and not planned
    (path,) = tmp_path.glob("rules-*.json")
    key = json.loads(path.read_bytes().partition(b"\n")[2])["key"]  # a header line, then JSON
    entry = cache.read("rules", key)
    ids = [[stage, [fresh.rules[i].id for i in indices]] for stage, indices in fresh.rulesets]
    other_stage = next(r.id for r in fresh.rules if r.stage != ids[0][0])
    for bad in ([[stage, rules[1:]] for stage, rules in ids],                 # a rule left out
                ids + [[ids[0][0], ids[0][1][:1]]],                           # a rule twice
                [[ids[0][0], ids[0][1] + [other_stage]]] +                    # in another stage
                [[stage, [r for r in rules if r != other_stage]] for stage, rules in ids[1:]],
                "not a plan"):
        cache.write("rules", key, {**entry, "rulesets": bad})
        planned.clear()
        book = _load(default_rules_dir())
        assert planned and book.rulesets == fresh.rulesets and \
            _summary(book) == _summary(fresh)
