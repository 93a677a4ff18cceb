"""The service lifecycle catalogue: complete, consistent with choices.yaml, and guarded by a
loader that refuses a malformed file and lists every problem."""

import re
import textwrap
from datetime import date

import pytest

from recommender._catalogue import choices
from recommender._lifecycle import (ALLOWED_URL_PREFIXES, STATUSES, Lifecycle, LifecycleError,
                                   all_entries, default_lifecycle_path, lifecycle,
                                   load_lifecycle)

ENTRIES = all_entries()
CHOICES = choices()
NAMED_PRODUCTS = {"Keras", "MXNet with Gluon", "PyTorch", "TensorFlow", "Scikit-learn"}


def _ids(entries):
    return [e.name for e in entries]


def test_every_service_and_algorithm_choice_has_an_entry():
    covered = {e.name for e in ENTRIES}
    wanted = {name for name, c in CHOICES.items() if c.kind in ("service", "algorithm")}
    assert not wanted - covered, f"choices without a lifecycle entry: {sorted(wanted - covered)}"
    assert NAMED_PRODUCTS <= covered


def test_every_entry_names_a_choice_once():
    names = [e.name for e in ENTRIES]
    assert not set(names) - set(CHOICES), sorted(set(names) - set(CHOICES))
    assert len(names) == len(set(names))


#: Closures whose AWS pages give no date.
UNDATED = {"SageMaker Model Monitor", "Amazon Elastic Inference", "SageMaker Clarify",
           "SageMaker Ground Truth", "Amazon Augmented AI human review"}


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_entry_fields(entry: Lifecycle):
    assert entry.status in STATUSES
    assert entry.current_name.strip()
    assert set(entry.replacements) <= set(CHOICES), entry.replacements
    assert entry.name not in entry.replacements
    assert entry.source_url.startswith(ALLOWED_URL_PREFIXES), entry.source_url
    if entry.source_url.startswith(("https://mxnet.apache.org/", "https://attic.apache.org/")):
        assert entry.name == "MXNet with Gluon"
    if entry.since is not None:
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", entry.since)
        first_day = entry.since if len(entry.since) == 10 else entry.since + "-01"
        assert date.fromisoformat(first_day) <= date.today()
    if entry.status == "available":
        assert entry.since is None and not entry.replacements and not entry.replacement_note
        assert not entry.needs_warning and not entry.closed
    else:
        assert entry.needs_warning
    if entry.status == "renamed":
        assert entry.current_name != entry.name
    if entry.closed and entry.name not in UNDATED:  # AWS's pages give no date for these
        assert entry.since is not None
    if entry.status in ("closed_to_new_customers", "retired", "maintenance"):
        assert entry.replacements or entry.replacement_note


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.needs_warning],
                         ids=_ids(e for e in ENTRIES if e.needs_warning))
def test_message_states_date_replacement_and_source(entry: Lifecycle):
    text = entry.message()
    assert text.endswith(".") and text.count("\n") == 0
    assert entry.name in text and entry.source_url in text
    if entry.since:
        assert entry.since in text
    for replacement in entry.replacements:
        assert replacement in text
    if entry.replacement_note:
        assert entry.replacement_note.rstrip(".") in text
    if entry.status == "renamed":
        assert entry.current_name in text


@pytest.mark.parametrize("name, status, since, replacement", [
    ("Amazon Kinesis Data Firehose", "renamed", "2024-02-09", None),
    ("Amazon Elastic Inference", "retired", None,
     "SageMaker real-time endpoint"),
    ("Amazon Forecast", "closed_to_new_customers", "2024-07-29", "Amazon SageMaker"),
    ("AWS Data Pipeline", "closed_to_new_customers", "2024-07-25", "AWS Glue"),
    ("MXNet with Gluon", "retired", "2023-09", "PyTorch"),
    ("AWS Snow Family", "closed_to_new_customers", "2025-11-07", "AWS DataSync"),
    ("SageMaker Experiments", "maintenance", None, "MLflow on SageMaker"),
    ("Amazon SageMaker", "renamed", "2024-12-03", None),
])
def test_known_status_changes(name, status, since, replacement):
    entry = lifecycle(name)
    assert entry is not None and entry.status == status and entry.since == since
    if replacement:
        assert replacement in entry.replacements


def test_closed_entries():
    closed = {e.name for e in ENTRIES if e.closed}
    assert {"Amazon Elastic Inference", "Amazon Forecast", "AWS Data Pipeline",
            "MXNet with Gluon", "AWS Snow Family"} <= closed
    assert "Amazon Kinesis Data Firehose" not in closed


def test_lookup_by_any_name_ignoring_case_and_spacing():
    firehose = lifecycle("Amazon Kinesis Data Firehose")
    assert lifecycle("amazon data firehose") is firehose
    assert lifecycle("  AMAZON   Kinesis Firehose ") is firehose
    assert lifecycle("Firehose") is firehose                    # an alias of the choice
    assert lifecycle("Amazon Quick Sight") is lifecycle("QuickSight")
    assert lifecycle("Amazon SageMaker AI").name == "Amazon SageMaker"
    assert lifecycle("Amazon CloudWatch Events").name == "Amazon EventBridge"
    assert lifecycle("SMOTE oversampling") is None               # a technique: no entry
    assert lifecycle("no such thing") is None


def test_all_entries_returns_a_fresh_list_and_the_file_is_read_once():
    first, second = all_entries(), all_entries()
    assert first == second and first is not second
    assert all(a is b for a, b in zip(first, second))           # the same cached objects


def test_the_bundled_file_loads_through_an_explicit_path_too():
    assert load_lifecycle(default_lifecycle_path()) == ENTRIES


GOOD = """\
lifecycle:
  - name: Amazon S3
    current_name: Amazon S3
    status: available
    source_url: https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html
"""


def _write(tmp_path, text):
    path = tmp_path / "lifecycle.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_small_valid_file_loads(tmp_path):
    [entry] = load_lifecycle(_write(tmp_path, GOOD))
    assert entry == Lifecycle("Amazon S3", "Amazon S3", (), "available", None, (), None,
                              "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html")


def test_the_loader_refuses_a_malformed_file_and_lists_every_problem(tmp_path):
    path = _write(tmp_path, """\
        lifecycle:
          - name: Amazon S3
            current_name: Amazon S3
            status: available
            since: 2020-01-01
            source_url: https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html
            colour: blue
          - name: Amazon Forcast
            current_name: Amazon Forecast
            status: closed
            source_url: https://example.com/forecast
          - name: AWS Data Pipeline
            current_name: AWS Data Pipeline
            status: closed_to_new_customers
            since: 2999-01-01
            replacements: [AWS Glu]
            source_url: http://aws.amazon.com/blogs/big-data/migrate-workloads-from-aws-data-pipeline/
          - name: Amazon Elastic Inference
            current_name: Amazon Elastic Inference
            status: retired
            source_url: https://docs.aws.amazon.com/cli/latest/reference/elastic-inference
          - name: Amazon QuickSight
            current_name: Amazon QuickSight
            status: renamed
            since: "2025-13-01"
            source_url: https://docs.aws.amazon.com/quicksight/latest/APIReference/Welcome.html
          - name: AWS Glue
            current_name: AWS Glue
            former_names: [Amazon S3]
            status: available
            source_url: https://docs.aws.amazon.com/glue/latest/dg/what-is-glue.html
          - just text
        """)
    with pytest.raises(LifecycleError) as caught:
        load_lifecycle(path)
    problems = {(p.key, p.message) for p in caught.value.problems}
    keys = {key for key, _ in problems}
    expected = {
        "lifecycle[0].colour",            # unknown field
        "lifecycle[0].since",             # a date on an available entry
        "lifecycle[1].status",            # not a status
        "lifecycle[1].name",              # not a choice (checked although the status is bad)
        "lifecycle[1].source_url",        # not an AWS page
        "lifecycle[2].since",             # in the future
        "lifecycle[2].replacements[0]",   # not a choice
        "lifecycle[2].source_url",        # not https
        "lifecycle[3].replacements",      # retired with nothing to use instead
        "lifecycle[4].since",             # not a real date
        "lifecycle[5]",                   # claims a name another entry owns
        "lifecycle[6]",                   # not a mapping
    }
    assert expected <= keys, sorted(keys)
    assert all(p.where == str(path) for p in caught.value.problems)
    text = str(caught.value)
    assert text.startswith(f"{len(caught.value.problems)} problems:")
    assert "did you mean `AWS Glue`" in text
    assert "allowed: available, renamed" in text
    assert "(Amazon Elastic Inference)" in text                 # problems name their entry


def test_the_loader_checks_the_name_and_the_url_site(tmp_path):
    path = _write(tmp_path, """\
        lifecycle:
          - name: Amazon Forcast
            current_name: Amazon Forecast
            status: available
            source_url: https://example.com/forecast
        """)
    with pytest.raises(LifecycleError) as caught:
        load_lifecycle(path)
    keys = {p.key for p in caught.value.problems}
    assert {"lifecycle[0].name", "lifecycle[0].source_url"} <= keys
    assert "did you mean `Amazon Forecast`" in str(caught.value)


@pytest.mark.parametrize("text, fragment", [
    ("", "is empty"),
    ("lifecycle:\n  - name: Amazon S3\n    since: 2025-13-01\n", "cannot read"),
    ("lifecycle: []\n", "lifecycle"),
    ("entries: []\n", "entries"),
    ("lifecycle:\n  - name: a\n    name: b\n", "appears twice"),
])
def test_the_loader_refuses_files_of_the_wrong_shape(tmp_path, text, fragment):
    with pytest.raises(LifecycleError) as caught:
        load_lifecycle(_write(tmp_path, text))
    assert fragment in str(caught.value)
