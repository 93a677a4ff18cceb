"""The plain checks of rule files and lifecycle entries (used when reading them from the cache,
without pydantic) take exactly what the models take, with the same values, and leave anything
else to the models, which word the problems."""

import copy

import pytest

from recommender._documents import load_path
from recommender._lifecycle import _models as lifecycle_models, _plain_entry, \
    default_lifecycle_path
from recommender._rulebook import _models as rule_models, _plain_rule_file, default_rules_dir

RULES = sorted(default_rules_dir().rglob("*.yaml"))
ENTRIES = load_path(default_lifecycle_path())["lifecycle"]


def _as_dict(fields):
    """A plain check's named tuple as the models dump it (nested ones included)."""
    return {key: _as_dict(value) if hasattr(value, "_asdict") else value
            for key, value in fields._asdict().items()}


def _same(plain_check, model, raw):
    """The plain check's fields equal the model's, or it left the document to the model."""
    plain = plain_check(raw)
    try:
        made = model.model_validate(raw)
    except Exception:
        assert plain is None
        return None
    if plain is not None:
        assert _as_dict(plain) == made.model_dump()
    return plain


def _same_rule(raw):
    return _same(_plain_rule_file, rule_models()[0], raw)


def test_every_bundled_rule_is_checked_plainly_as_the_models_do():
    for path in RULES:
        assert _same_rule(load_path(path)) is not None, path


_RULE_EDITS = [("priority", True), ("priority", 1001), ("priority", 5.0), ("title", "ab"),
               ("because", "too short"), ("sources", []), ("sources", ("ING-01",)),
               ("examples", {"match": []}), ("examples", {"match": [{1: 2}]}),
               ("examples", {"match": [{}], "other": []}), ("alternative_only", 1),
               ("extra", 1), ("id", 12)]


@pytest.mark.parametrize("key, value", _RULE_EDITS)
def test_a_rule_the_plain_check_is_not_sure_of_goes_to_the_models(key, value):
    raw = copy.deepcopy(load_path(RULES[0]))
    raw[key] = value
    assert _plain_rule_file(raw) is None
    _same_rule(raw)


def _same_entry(item):
    return _same(_plain_entry, lifecycle_models()[0], item)


def test_every_lifecycle_entry_is_checked_plainly_as_the_models_do():
    for item in ENTRIES:
        item = dict(item)
        if "since" in item and not isinstance(item["since"], str):  # a YAML date: as cached
            item["since"] = item["since"].isoformat()
        assert _same_entry(item) is not None, item["name"]


_ENTRY_EDITS = [("status", "gone"), ("status", ["retired"]), ("since", "2025-13-01"),
                ("since", "2025"), ("replacements", [" "]), ("former_names", ("a",)),
                ("replacement_note", "short"), ("source_url", "http://x"), ("name", ""),
                ("extra", 1)]


@pytest.mark.parametrize("key, value", _ENTRY_EDITS)
def test_an_entry_the_plain_check_is_not_sure_of_goes_to_the_models(key, value):
    item = {**ENTRIES[0], key: value}
    assert _plain_entry(item) is None
    _same_entry(item)
