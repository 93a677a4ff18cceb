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
from recommender.rulebook import MAX_RULE_FILE_BYTES, _load

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
