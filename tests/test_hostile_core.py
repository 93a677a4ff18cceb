"""Hostile conditions around the core (issue 9: nothing lost, nothing hung, nothing trusted that
was not checked): huge and endless files, hostile rule values, YAML 1.1 number forms, a poisoned
cache, and fork() while other threads advise.

Each test's docstring names the class of fault it reproduces.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clirun import run
from ruledirs import _write, minimal_rules_dir

from recommender import advise, load_rulebook
from recommender.documents import MAX_BYTES, load_path, read_bytes
from recommender.errors import DocumentError, RuleBaseError
from recommender.rulebook import MAX_RULE_FILE_BYTES, _load, default_rules_dir

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fraud-scoring.yaml"
TWO_GB = 2 * 1024 ** 3
#: Address space for a subprocess that must not read a huge file into memory: enough for the
#: interpreter, pydantic and durable-rules (they run in well under 100 MB), far below 2 GB.
ADDRESS_SPACE = 768 * 1024 ** 2


def _recommend(args: list[str], timeout: float = 60) -> tuple[int, str, float]:
    """Run `recommend` in a subprocess with bounded memory; (exit status, stderr, seconds)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    script = "import sys; from recommender.cli import main; main(sys.argv[1:])"
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                            text=True, timeout=timeout, preexec_fn=limit, cwd="/")
    return result.returncode, result.stderr, time.monotonic() - start


def _sparse(path: Path, size: int = TWO_GB, head: str = "") -> Path:
    """A sparse file of `size` bytes (costs no disk), optionally starting with `head`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head)
    os.truncate(path, size)
    return path


# ---------------------------------------------------------------------------------------------
# 2. Bounded everywhere


def test_a_2gb_sparse_rule_file_is_refused_fast(tmp_path):
    """Unbounded read: a 2 GB rule file was read whole (to hash it) before any limit applied,
    so `recommend rules check` ran out of memory (exit 1) instead of refusing the file."""
    rules = minimal_rules_dir(tmp_path)
    _sparse(rules / "storage" / "huge.yaml", head="id: storage.huge\n")
    code, err, seconds = _recommend(["rules", "check", str(rules)])
    assert code == 2, err
    assert "rules/storage/huge.yaml" in err and f"{MAX_RULE_FILE_BYTES:,}" in err
    assert "a rule file" in err and "Traceback" not in err
    assert seconds < 15
    code, err, _ = _recommend(["--rules", str(rules), str(EXAMPLE)])
    assert code == 2 and "rules/storage/huge.yaml" in err, err


def test_a_2gb_sparse_choices_file_is_refused_fast(tmp_path):
    """Unbounded read: a team's choices.yaml was hashed by reading it whole."""
    rules = minimal_rules_dir(tmp_path)
    _sparse(rules / "choices.yaml", head="choices: []\n")
    code, err, seconds = _recommend(["rules", "check", str(rules)])
    assert code == 2 and "choices.yaml" in err and f"{MAX_BYTES:,}" in err, err
    assert seconds < 15


def test_a_2gb_sparse_workload_file_is_refused_fast(tmp_path):
    """Unbounded read (the workload side): refused from its size, before reading."""
    code, err, seconds = _recommend([str(_sparse(tmp_path / "w.yaml"))])
    assert code == 2 and "w.yaml" in err and f"{MAX_BYTES:,}" in err, err
    assert seconds < 15


def test_reading_dev_zero_stops_at_the_limit():
    """Read-then-check: read_bytes returned limit + 1 bytes of an endless file and left the
    check to the caller; it must refuse the file itself, naming it and the limit."""
    start = time.monotonic()
    with pytest.raises(DocumentError) as info:
        read_bytes("/dev/zero", limit=1000)
    assert time.monotonic() - start < 5
    (problem,) = info.value.problems
    assert problem.where == "/dev/zero" and "1,000" in problem.message
    with pytest.raises(DocumentError, match="limit"):
        load_path("/dev/zero")
    with pytest.raises(DocumentError, match="10,000"):
        read_bytes("/dev/urandom", limit=10_000)


def test_an_endless_workload_is_refused(capsys):
    """Unbounded read on the command line: `recommend /dev/zero` must stop at the limit."""
    code, _, err = run(["/dev/zero"], capsys)
    assert code == 2 and "/dev/zero" in err and f"{MAX_BYTES:,}" in err


def test_a_huge_lifecycle_catalogue_is_refused(tmp_path):
    """Unbounded read: the lifecycle catalogue is read within the document limit."""
    from recommender.lifecycle import LifecycleError, load_lifecycle
    with pytest.raises(LifecycleError, match=f"{MAX_BYTES:,}"):
        load_lifecycle(_sparse(tmp_path / "lifecycle.yaml"))


def test_a_rule_file_over_the_limit_is_named(tmp_path):
    """Unbounded read: one byte over the rule-file limit is refused, exactly at it is read."""
    rules = minimal_rules_dir(tmp_path)
    path = rules / "storage" / "fallback.yaml"
    text = path.read_text()
    path.write_text(text + "#" * (MAX_RULE_FILE_BYTES - len(text.encode()) - 1) + "\n")
    assert path.stat().st_size == MAX_RULE_FILE_BYTES
    _load(rules)
    path.write_text(text + "#" * (MAX_RULE_FILE_BYTES - len(text.encode())) + "\n")
    with pytest.raises(RuleBaseError) as info:
        _load(rules)
    (problem,) = info.value.problems
    assert problem.where == "rules/storage/fallback.yaml"
    assert f"{MAX_RULE_FILE_BYTES:,}" in problem.message


def test_a_rules_directory_with_too_many_entries_is_refused(tmp_path, monkeypatch):
    """Unbounded walk: `--rules /` walked the whole disk; discovery stops at its limit."""
    from recommender import rulebook
    monkeypatch.setattr(rulebook, "MAX_RULE_ENTRIES", 40)
    rules = minimal_rules_dir(tmp_path)
    for i in range(30):
        (rules / "storage" / f"note{i}.txt").write_text("x")
    with pytest.raises(RuleBaseError, match="more than 40 files and folders"):
        _load(rules)


# ---------------------------------------------------------------------------------------------
# 4. Numbers mean what they look like

_BASE = ("task: forecasting\nmodality: time_series\nlatency: batch\nlabels: labeled\n"
         "customization: high\n")
#: (YAML text after the base, the key in the message). YAML 1.1 read each as another number.
_OTHER_FORMS = [
    ("data_volume: 190:20:30", "data_volume"),        # base 60: 685230
    ("data_volume: 0x10", "data_volume"),             # hexadecimal: 16
    ("data_volume: 017", "data_volume"),              # octal: 15
    ("data_volume: 0o17", "data_volume"),
    ("data_volume: 0b11", "data_volume"),             # binary: 3
    ("data_volume: 1_000", "data_volume"),            # underscores: 1000
    ("data_volume: 10 GB\nfeatures: {count: 0x10}", "features.count"),
    ("data_volume: 10 GB\nfeatures: {count: 1_000}", "features.count"),
    ("data_volume: 10 GB\nfeatures: {count: 3:20}", "features.count"),
    ("data_volume: 10 GB\ntime_series: {related_series: 017}", "time_series.related_series"),
    ("data_volume: 10 GB\ndiagnostics: {train_error: 1:30, validation_error: 0.2}",
     "diagnostics.train_error"),
    ("data_volume: 10 GB\ndiagnostics: {train_error: 0.1, validation_error: 1_000.5}",
     "diagnostics.validation_error"),
    ("data_volume: 10 GB\ndiagnostics: {train_error: 0.1, validation_error: 0x1}",
     "diagnostics.validation_error"),
]


@pytest.mark.parametrize("text, key", _OTHER_FORMS, ids=[t.splitlines()[-1] for t, _ in
                                                         _OTHER_FORMS])
def test_yaml_11_number_forms_are_refused_with_the_accepted_forms(text, key, tmp_path, capsys):
    """YAML 1.1 numbers: `190:20:30` read as 685230 bytes, `0x10` as 16, `017` as 15 and
    `1_000` as 1000, silently; each must be refused with a message showing the accepted forms."""
    from recommender.documents import load_text
    from recommender.errors import WorkloadError
    from recommender.workload import Workload
    with pytest.raises(WorkloadError) as info:
        Workload.from_mapping(load_text(_BASE + text))
    (problem,) = info.value.problems
    assert problem.key == key
    accepted = ("750 MB", "whole number of bytes") if key == "data_volume" else ("12",) if "count" in key or \
        "series" in key else ("0.25", "1e-3")
    assert all(form in problem.message for form in accepted), problem.message
    assert "number form this tool does not read" in problem.message
    path = tmp_path / "w.yaml"
    path.write_text(_BASE + text)
    code, _, err = run([str(path)], capsys)
    assert code == 2 and key in err


@pytest.mark.parametrize("text, key, value", [
    ("data_volume: 500 GB", "data_volume", 500 * 10**9),
    ("data_volume: 2 TB", "data_volume", 2 * 10**12),
    ("data_volume: 750mb", "data_volume", 750 * 10**6),
    ("data_volume: 1500000", "data_volume", 1_500_000),
    ("data_volume: 1.5e3", "data_volume", 1500),
    ("data_volume: 2E+9", "data_volume", 2 * 10**9),
    ("data_volume: 10 GB\nfeatures: {count: 4000}", "features.count", 4000),
    ("data_volume: 10 GB\ndiagnostics: {train_error: 1e-3, validation_error: 0.25}",
     "diagnostics.train_error", 0.001),
    ("data_volume: 10 GB\ndiagnostics: {train_error: 0.1, validation_error: 1.5e3}",
     "diagnostics.validation_error", 1500.0),
    ("data_volume: 10 GB\ndiagnostics: {train_error: .5, validation_error: 1E-3}",
     "diagnostics.validation_error", 0.001),
])
def test_plain_numbers_with_and_without_exponents_are_numbers(text, key, value):
    """YAML 1.1 floats: `1e-3` and `1.5e3` (no dot, or no exponent sign) were read as text and
    refused as "not a number"; they are numbers, as in JSON."""
    import json

    from recommender.documents import load_text
    from recommender.workload import Workload
    data = load_text(_BASE + text)
    workload = Workload.from_mapping(data)
    got = workload
    for part in key.split("."):
        got = getattr(got, part)
    assert got == value
    as_json = json.dumps(data)  # the same workload as JSON, through both JSON readers
    assert load_text(as_json) == json.loads(as_json) == data


def test_explicit_number_tags_are_read_the_same_way():
    """`!!int 0x10` still read hex through PyYAML's own constructor."""
    from recommender.documents import load_text
    assert load_text("a: !!int 12\nb: !!float 1e-3\nc: !!float 2") == {"a": 12, "b": 0.001,
                                                                        "c": 2.0}
    for token in ("!!int 0x10", "!!int 1_000", "!!int 017", "!!float 1:30", "!!float 1_0.5"):
        with pytest.raises(DocumentError, match="YAML tag.*plain decimal numbers"):
            load_text(f"a: {token}")


def test_other_documents_keep_their_text():
    """Values that only looked like YAML 1.1 numbers stay the text they were written as."""
    from recommender.documents import load_text
    assert load_text("a: 12:30\nb: 0x1F\nc: 007\nd: 2024-07-29\ne: 2023-09") == {
        "a": "12:30", "b": "0x1F", "c": "007", "d": __import__("datetime").date(2024, 7, 29),
        "e": "2023-09"}


# ---------------------------------------------------------------------------------------------
# 3. Rule values refused at load time

_HUGE = "1" + "0" * 399  # a 400-digit whole number


def _team_rule(tmp_path: Path, when: str, category: str = "diagnosis",
               choice: str = "Gather more training data",
               examples: str = "match: [{diagnostics: {train_error: 0.1, validation_error: 0.2}}]"
                               "\n          no_match: [{}]") -> Path:
    """A team rules directory holding one rule with condition `when` (used with the bundled
    rules, which cover every category)."""
    root = tmp_path / "team"
    _write(root, category, "hostile", f"""\
        id: {category}.hostile
        category: {category}
        title: A rule with a hostile condition
        recommend: {choice}
        priority: 5
        when: {when}
        because: A justification long enough for {{task}} workloads in this test.
        sources: [STO-01]
        examples:
          {examples}
        """)
    return root


@pytest.mark.parametrize("when, key, allowed", [
    ("{all: [{diagnostics.train_error: {lt: .nan}}]}", "when.all[0].diagnostics.train_error.lt",
     "a finite number from 0 to 1e+12"),
    ("{all: [{diagnostics.train_error: {lt: .inf}}]}", "when.all[0].diagnostics.train_error.lt",
     "a finite number from 0 to 1e+12"),
    ("{diagnostics.validation_error: {gte: -.inf}}", "when.diagnostics.validation_error.gte",
     "a finite number from 0 to 1e+12"),
    ("{diagnostics.validation_error: {gte: 1e400}}", "when.diagnostics.validation_error.gte",
     "a finite number from 0 to 1e+12"),
    (f"{{diagnostics.train_error: {{gt: {_HUGE}}}}}", "when.diagnostics.train_error.gt",
     "a finite number from 0 to 1e+12"),
    (f"{{any: [{{features.count: {{gt: 3}}}}, {{features.count: {{lt: {_HUGE}}}}}]}}",
     "when.any[1].features.count.lt", "a whole number from 1 to 1,000,000,000"),
    ("{features.count: {in: [5, .nan]}}", "when.features.count.in",
     "a whole number from 1 to 1,000,000,000"),
    ("{diagnostics.gap_ratio: {gt: 2}}", "when.diagnostics.gap_ratio.gt",
     "a finite number from -1 to 1"),
    ("{not: {time_series.related_series: -5}}", "when.not.time_series.related_series",
     "a whole number from 1 to 1,000,000,000"),
])
def test_non_finite_and_out_of_range_thresholds_are_refused(when, key, allowed, tmp_path,
                                                            capsys):
    """Rule values: `.nan`, `.inf`, `-.inf` and a 400-digit threshold passed `rules check` or
    crashed it (exit 1, NameError from the compiled predicate, OverflowError); they must be
    refused as problems naming the file, the key and what is allowed."""
    team = _team_rule(tmp_path, when)
    code, out, err = run(["rules", "check", str(team)], capsys)
    assert code == 2, out + err
    assert "team/diagnosis/hostile.yaml" in err and f"key `{key}`" in err, err
    assert allowed in err and "internal error" not in err
    code, _, err = run(["--rules", str(team), str(EXAMPLE)], capsys)
    assert code == 2 and "your rule base is invalid" in err and key in err, err
    with pytest.raises(RuleBaseError):
        _load([default_rules_dir(), team])


def _many_alternatives(count: int) -> str:
    """An `all` of `count` two-way `any`s: 2 ** count alternatives once expanded."""
    pair = "{any: [{velocity: batch}, {velocity: streaming}]}"
    return "{all: [" + ", ".join([pair] * count) + "]}"


@pytest.mark.parametrize("category, choice", [("diagnosis", "Gather more training data"),
                                              ("storage", "Amazon S3")])
def test_a_condition_of_too_many_alternatives_is_refused(category, choice, tmp_path, capsys):
    """Condition size: 2 ** 13 alternatives passed `rules check` in a stack category and
    crashed it (exit 1, ValueError from the tie check) in a single-choice one."""
    team = _team_rule(tmp_path, _many_alternatives(13), category, choice)
    code, out, err = run(["rules", "check", str(team)], capsys)
    assert code == 2, out + err
    assert f"team/{category}/hostile.yaml: key `when`" in err
    assert "more than 4,096 alternatives" in err and "split it into several rules" in err
    code, _, err = run(["--rules", str(team), str(EXAMPLE)], capsys)
    assert code == 2 and "4,096" in err


def test_a_condition_at_the_alternatives_limit_loads(tmp_path):
    """The limit itself: 2 ** 12 = 4,096 alternatives is allowed."""
    from recommender.conditions import MAX_ALTERNATIVES, alternatives, to_dnf
    team = _team_rule(tmp_path, _many_alternatives(12), "security",
                      "IAM roles with least privilege",
                      "match: [{}]\n          no_match: [{velocity: hybrid}]")
    (rule,) = [r for r in _load([default_rules_dir(), team]).rules
               if r.id == "security.hostile"]
    assert alternatives(rule.nnf) == len(to_dnf(rule.nnf)) == MAX_ALTERNATIVES
