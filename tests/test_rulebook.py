"""The rule book: every rule's own examples, and a loader that refuses bad rule files."""

import shutil
import textwrap

import pytest

from recommender import RuleBaseError, load_rulebook
from recommender._advice import decide
from recommender._categories import ALWAYS_PRESENT, SINGLE
from recommender._conditions import OTHER_CHOICE, decided_key, flatten
from recommender._engine import durable_available, get_engine
from recommender._rulebook import _load, default_rules_dir, example_workload
from recommender._workload import Workload
from ruledirs import _write

BOOK = load_rulebook()
ENGINES = ["python"] + (["durable"] if durable_available() else [])


def _example_facts():
    """(rule, flat fact with the example's decisions, should it match) for every example."""
    for rule in BOOK.rules:
        for group, expected in ((rule.examples_match, True), (rule.examples_no_match, False)):
            for example in group:
                example = dict(example)
                # a decision the example does not give is some choice no rule names
                decided = {decided_key(c): OTHER_CHOICE for c in SINGLE}
                decided.update({decided_key(k): v for k, v in example.pop("decided", {}).items()})
                w = Workload.from_mapping(example_workload(example))
                yield rule, {**flatten(w), **decided}, expected


@pytest.mark.parametrize("engine", ENGINES)
def test_each_engine_runs_every_rule_example_as_the_loader_read_it(engine):
    """The loader checks each example against the rule's own predicate; here each engine,
    built from the whole rule base split into its rulesets, must agree on every example of
    every rule: the compiled rule base, not one rule alone."""
    matcher = get_engine(BOOK, engine)
    wrong = [(rule.id, expected) for rule, fact, expected in _example_facts()
             if (rule.index in matcher.match(rule.stage, fact)) != expected]
    assert wrong == []


def test_every_rule_has_examples_on_both_sides_unless_it_always_holds():
    for rule in BOOK.rules:
        assert rule.examples_match
        assert rule.examples_no_match or rule.reads == "always"


def test_rules_are_found_from_the_checkout_or_the_package():
    d = default_rules_dir()
    assert d.is_dir() and any(d.rglob("*.yaml"))


def test_rule_files_live_where_their_id_says():
    for rule in BOOK.rules:
        category, stem = rule.id.split(".", 1)
        assert rule.path.parent.name == category == rule.category and rule.path.stem == stem


# ----------------------------------------------------------------------------------------
# A small rule directory to break on purpose (tests/ruledirs.py; fixture in conftest.py)

GOOD = """\
    id: ingestion.streams
    category: ingestion
    title: Streams for streaming data
    recommend: Amazon Kinesis Data Streams
    priority: 50
    when: {velocity: streaming}
    because: Data arrives as a stream ({velocity}) and is read by the team's own consumers.
    sources: [ING-02]
    examples:
      match: [{velocity: streaming}]
      no_match: [{velocity: batch}]
    """


def _problems(root):
    with pytest.raises(RuleBaseError) as info:
        _load(root)
    return [str(p) for p in info.value.problems]


def test_a_small_valid_directory_loads(rules_dir):
    _write(rules_dir, "ingestion", "streams", GOOD)
    book = _load(rules_dir)
    assert len(book) == len(ALWAYS_PRESENT) + 1
    streaming = Workload.from_mapping(example_workload({"velocity": "streaming"}))
    advice = decide(streaming, book, get_engine(book, "python"))
    assert advice.choices("ingestion") == ["Amazon Kinesis Data Streams", "AWS Glue"]


def test_every_problem_in_every_file_is_reported(rules_dir):
    _write(rules_dir, "ingestion", "streams", GOOD.replace("title:", "titel:"))
    _write(rules_dir, "storage", "bad-field", GOOD.replace("ingestion", "storage")
           .replace("streams", "bad-field").replace("{velocity: streaming}", "{velocty: streaming}"))
    _write(rules_dir, "storage", "bad-value", GOOD.replace("ingestion", "storage")
           .replace("streams", "bad-value").replace("when: {velocity: streaming}",
                                                     "when: {sensitive_data: 'yes'}"))
    problems = _problems(rules_dir)
    text = "\n".join(problems)
    assert "ingestion/streams.yaml" in text and "`titel`" in text and "is not a rule field" in text
    assert "did you mean `title`?" in text
    assert "storage/bad-field.yaml" in text and "did you mean `velocity`" in text
    assert "storage/bad-value.yaml" in text and "true or false" in text


def test_unknown_row_ids_and_choices_are_refused(rules_dir):
    _write(rules_dir, "ingestion", "streams",
           GOOD.replace("[ING-02]", "[ING-99]").replace("Amazon Kinesis Data Streams",
                                                        "Amazon Kinesis Data Stream"))
    text = "\n".join(_problems(rules_dir))
    assert "ING-99" in text and "not a row id" in text
    assert "not a choice" in text and "Amazon Kinesis Data Streams" in text


def test_examples_that_contradict_the_condition_are_refused(rules_dir):
    _write(rules_dir, "ingestion", "streams",
           GOOD.replace("no_match: [{velocity: batch}]", "no_match: [{velocity: streaming}]"))
    assert any("examples.no_match[0]" in p and "matches the rule" in p
               for p in _problems(rules_dir))


def test_invalid_example_workloads_are_refused(rules_dir):
    _write(rules_dir, "ingestion", "streams",
           GOOD.replace("match: [{velocity: streaming}]", "match: [{velocity: fast}]"))
    assert any("examples.match[0]" in p and "not a valid workload" in p
               for p in _problems(rules_dir))


def test_bad_placeholders_are_refused(rules_dir):
    _write(rules_dir, "ingestion", "streams", GOOD.replace("({velocity})", "({speed})"))
    assert any("placeholder {speed}" in p for p in _problems(rules_dir))


def test_id_must_match_the_file(rules_dir):
    _write(rules_dir, "ingestion", "other-name", GOOD)
    assert any("ingestion.other-name" in p for p in _problems(rules_dir))


def test_duplicate_ids_are_refused(rules_dir):
    _write(rules_dir, "ingestion", "streams", GOOD)
    (rules_dir / "ingestion" / "streams.yml").write_text(textwrap.dedent(GOOD))
    assert any("duplicate rule id" in p for p in _problems(rules_dir))


def test_unbroken_priority_ties_are_refused(rules_dir):
    _write(rules_dir, "ingestion", "streams", GOOD)
    _write(rules_dir, "ingestion", "firehose", GOOD.replace("streams", "firehose")
           .replace("Amazon Kinesis Data Streams", "Amazon Kinesis Data Firehose"))
    assert any("ties with" in p for p in _problems(rules_dir))


def test_equal_priorities_that_can_never_meet_are_allowed(rules_dir):
    _write(rules_dir, "ingestion", "streams", GOOD)
    _write(rules_dir, "ingestion", "firehose", GOOD.replace("streams", "firehose")
           .replace("Amazon Kinesis Data Streams", "Amazon Kinesis Data Firehose")
           .replace("when: {velocity: streaming}", "when: {velocity: hybrid}")
           .replace("match: [{velocity: streaming}]", "match: [{velocity: hybrid}]"))
    _load(rules_dir)


def test_a_category_that_some_workload_would_leave_empty_is_refused(rules_dir):
    (rules_dir / "ingestion" / "fallback.yaml").unlink()
    _write(rules_dir, "ingestion", "streams", GOOD)
    problems = _problems(rules_dir)
    assert any("'ingestion' has no rule for some workloads" in p and "velocity=batch" in p
               for p in problems)


def test_yaml_errors_in_rule_files_are_reported_with_the_file(rules_dir):
    (rules_dir / "ingestion" / "broken.yaml").write_text("id: [unclosed\n")
    assert any("ingestion/broken.yaml" in p and "not valid YAML" in p
               for p in _problems(rules_dir))


def test_an_empty_directory_is_refused(tmp_path):
    assert any("no rule files" in p for p in _problems(tmp_path))


def test_bundled_rule_base_copies_cleanly(tmp_path):
    """The bundled rules load from any location (nothing depends on the checkout path)."""
    copy = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), copy)
    assert len(_load(copy)) == len(BOOK)


def test_row_catalogue_is_complete_and_well_formed():
    """176 rows, each with a section, a label whose brackets balance (the YAML once split
    labels at their commas), and a category it decides."""
    from recommender._catalogue import rows
    from recommender._categories import RULE_CATEGORIES
    catalogue = rows()
    assert len(catalogue) == 176
    for row in catalogue.values():
        assert row.section and row.item.count("(") == row.item.count(")")
        assert row.decides in RULE_CATEGORIES
