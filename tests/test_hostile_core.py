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
from recommender._documents import MAX_BYTES, load_path, read_bytes
from recommender._errors import DocumentError, RuleBaseError
from recommender._rulebook import MAX_RULE_FILE_BYTES, _load, default_rules_dir

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
    from recommender._lifecycle import LifecycleError, load_lifecycle
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
    from recommender import _rulebook as rulebook
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
    from recommender._documents import load_text
    from recommender._errors import WorkloadError
    from recommender._workload import Workload
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

    from recommender._documents import load_text
    from recommender._workload import Workload
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
    from recommender._documents import load_text
    assert load_text("a: !!int 12\nb: !!float 1e-3\nc: !!float 2") == {"a": 12, "b": 0.001,
                                                                        "c": 2.0}
    for token in ("!!int 0x10", "!!int 1_000", "!!int 017", "!!float 1:30", "!!float 1_0.5"):
        with pytest.raises(DocumentError, match="YAML tag.*plain decimal numbers"):
            load_text(f"a: {token}")


def test_other_documents_keep_their_text():
    """Values that only looked like YAML 1.1 numbers stay the text they were written as."""
    from recommender._documents import load_text
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
    from recommender._conditions import MAX_ALTERNATIVES, alternatives, to_dnf
    team = _team_rule(tmp_path, _many_alternatives(12), "security",
                      "IAM roles with least privilege",
                      "match: [{}]\n          no_match: [{velocity: hybrid}]")
    (rule,) = [r for r in _load([default_rules_dir(), team]).rules
               if r.id == "security.hostile"]
    assert alternatives(rule.nnf) == len(to_dnf(rule.nnf)) == MAX_ALTERNATIVES


# ---------------------------------------------------------------------------------------------
# 1. A cache that is verified, not trusted


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """`recommend` in a subprocess with its own cache folder and cache key."""
    return subprocess.run([sys.executable, "-c",
                           "import sys; from recommender.cli import main; main(sys.argv[1:])",
                           *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env}, cwd="/")


@pytest.fixture
def cache_env(tmp_path):
    """A fresh cache folder and state folder (where the cache key lives) for subprocesses."""
    return {"RECOMMENDER_CACHE_DIR": str(tmp_path / "cache"),
            "XDG_STATE_HOME": str(tmp_path / "state")}


def _entries(cache_env, kind="rules") -> list[Path]:
    return sorted(Path(cache_env["RECOMMENDER_CACHE_DIR"]).glob(f"{kind}-*.json"))


def _poison(path: Path, pattern: str, replacement: str) -> None:
    import re
    text = path.read_text(encoding="utf-8")
    poisoned, count = re.subn(pattern, replacement, text)
    assert count, f"nothing to poison: {pattern}"
    path.write_text(poisoned, encoding="utf-8")


def test_a_forged_rule_cache_does_not_change_the_advice(cache_env):
    """Cache poisoning: whoever could write the cache folder changed the advice (S3 became
    EFS) without changing the rule-base version. The entry no longer verifies: it is
    rebuilt, and the advice and version are those of the rule files."""
    first = _cli(["-f", "json", str(EXAMPLE)], cache_env)
    assert first.returncode == 0 and '"Amazon S3"' in first.stdout
    (entry,) = _entries(cache_env)
    built = entry.read_bytes()
    _poison(entry, r"Amazon S3\b", "Amazon EFS")
    again = _cli(["-f", "json", str(EXAMPLE)], cache_env)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert entry.read_bytes() == built, "the forged entry was not rebuilt"


def test_a_cached_placeholder_cannot_print_module_globals(cache_env):
    """Template injection through the cache: a justification placeholder that walks
    attributes (`{to_dict.__globals__}`) printed a module's globals into the advice."""
    first = _cli(["-f", "json", str(EXAMPLE)], cache_env)
    (entry,) = _entries(cache_env)
    _poison(entry, r"\{task\}", "{to_dict.__globals__}")
    again = _cli(["-f", "json", str(EXAMPLE)], cache_env)
    assert again.returncode == 0, again.stderr
    assert "__builtins__" not in again.stdout and "__globals__" not in again.stdout
    assert again.stdout == first.stdout


@pytest.mark.parametrize("pattern, replacement", [
    (r'("priority":\s*)(\d+)', r'\1"\2"'),            # a number become text
    (r'("when":\s*)', r'\1{"bogus": []}, "x":'),      # a malformed condition
    (r"[\]}]\s*$", ""),                                # truncated
    (r"(?s)^.*$", "[1, 2, 3]"),                        # another layout
    (r"(?s)^.*$", "\x00\xff garbage"),                 # not text
])
def test_a_structurally_wrong_cache_is_rebuilt_not_fatal(pattern, replacement, cache_env):
    """A damaged cache: a structurally wrong entry failed every run with exit 1 (a
    TypeError while ranking rules) until someone deleted it."""
    first = _cli(["-f", "json", str(EXAMPLE)], cache_env)
    (entry,) = _entries(cache_env)
    _poison(entry, pattern, replacement)
    for _ in range(2):  # the run that meets the damage, and the one after it
        again = _cli(["-f", "json", str(EXAMPLE)], cache_env)
        assert again.returncode == 0, again.stderr
        assert again.stdout == first.stdout


def _summary(book):
    return [(r.id, r.category, r.choice, r.priority, r.reads, r.because, r.sources,
             r.examples_match, r.examples_no_match, r.alternative_only, r.index)
            for r in book.rules]


def _rules_key(cache_dir: Path) -> str:
    """The key (source digest) of the one rule-base entry in `cache_dir`."""
    import json
    (entry,) = cache_dir.glob("rules-*.json")
    return json.loads(entry.read_bytes().partition(b"\n")[2])["key"]


def test_an_authentic_entry_is_still_validated(tmp_path, monkeypatch):
    """Trusting an authentic entry: data written with the user's own key by older or buggy
    code (a placeholder walking attributes, an unknown choice, a malformed rule) is checked by
    the same per-rule validators as a rule file, and refused."""
    from recommender import _cache as cache, _rulebook as rulebook
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path))
    fresh = _load(default_rules_dir())
    key = _rules_key(tmp_path)
    good = cache.read("rules", key)
    assert isinstance(good, dict) and len(good["rules"]) == len(fresh.rules)
    called = []
    original = rulebook._load_one
    monkeypatch.setattr(rulebook, "_load_one", lambda *a, **k: called.append(1) or original(*a, **k))
    assert _summary(_load(default_rules_dir())) == _summary(fresh) and not called

    def rewritten(change):
        import copy
        data = copy.deepcopy(good)
        change(data["rules"][0]["rule"])
        cache.write("rules", key, data)
        called.clear()
        book = _load(default_rules_dir())
        assert called, "a bad authentic entry was used"
        assert _summary(book) == _summary(fresh)

    rewritten(lambda r: r.update(because=r["because"] + " {to_dict.__globals__}"))
    rewritten(lambda r: r.update(recommend="Amazon Nonexistent"))
    rewritten(lambda r: r.update(priority="70"))
    rewritten(lambda r: r.update(when={"diagnostics.train_error": {"lt": 10 ** 400}}))
    rewritten(lambda r: r.update(id="storage.elsewhere"))
    rewritten(lambda r: r.pop("title"))


def test_an_entry_written_with_another_key_is_ignored(tmp_path, monkeypatch):
    """A shared cache folder: an entry another user wrote (with their own key) is not read."""
    from recommender import _cache as cache
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path / "shared"))
    _load(default_rules_dir())
    key = _rules_key(tmp_path / "shared")
    assert cache.read("rules", key) is not None
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "other-user"))
    cache.write("rules", key, [])  # the other user's entry replaces ours
    assert cache.read("rules", key) == []
    monkeypatch.undo()
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path / "shared"))
    assert cache.read("rules", key) is None


def test_the_temporary_name_is_unpredictable_and_links_are_not_followed(tmp_path, monkeypatch):
    """Symlink attack on the cache write: the temporary file had a predictable name
    (<entry>.<pid>.tmp) and writing it followed a symbolic link planted there, overwriting the
    link's target. Neither that name nor a link at the entry's own name is followed."""
    from recommender import _cache as cache
    folder = tmp_path / "cache"
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(folder))
    cache.write("probe", "k" * 32, {"n": 1})
    (entry,) = folder.glob("probe-*.json")
    entry.unlink()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    old_temporary = entry.with_suffix(f".{os.getpid()}.tmp")
    old_temporary.symlink_to(victim)
    cache.write("probe", "k" * 32, {"n": 2})
    assert victim.read_text() == "precious"
    assert entry.is_file() and not entry.is_symlink() and cache.read("probe", "k" * 32) == {"n": 2}
    entry.unlink()
    entry.symlink_to(victim)
    assert cache.read("probe", "k" * 32) is None  # a link at the entry's name is not read
    cache.write("probe", "k" * 32, {"n": 3})
    assert victim.read_text() == "precious"
    assert not entry.is_symlink() and cache.read("probe", "k" * 32) == {"n": 3}
    assert [p for p in folder.iterdir() if p.name.endswith(".tmp")] == [old_temporary]


def test_a_planted_fifo_or_huge_entry_does_not_hang_or_grow_a_read(tmp_path, monkeypatch):
    """Hang through the cache: a FIFO or an endless file at an entry's name is not read."""
    from recommender import _cache as cache
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path))
    cache.write("probe", "f" * 32, {"n": 1})
    (entry,) = tmp_path.glob("probe-*.json")
    entry.unlink()
    os.mkfifo(entry)
    start = time.monotonic()
    assert cache.read("probe", "f" * 32) is None
    entry.unlink()
    _sparse(entry, cache.MAX_CACHE_BYTES + 1)
    assert cache.read("probe", "f" * 32) is None
    assert time.monotonic() - start < 5


def test_cache_files_are_for_the_user_alone(tmp_path, monkeypatch):
    """Cache permissions: entries were created with the umask's mode (0644, readable by
    everyone); entries are 0600, the folders the cache creates 0700, and so is the key."""
    import stat as st
    from recommender import _cache as cache
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path / "new" / "cache"))
    old = os.umask(0o022)
    try:
        _load(default_rules_dir())
    finally:
        os.umask(old)
    (entry,) = (tmp_path / "new" / "cache").glob("rules-*.json")
    assert st.S_IMODE(entry.stat().st_mode) == 0o600
    assert st.S_IMODE((tmp_path / "new" / "cache").stat().st_mode) == 0o700
    key = cache.key_file()
    assert st.S_IMODE(key.stat().st_mode) == 0o600
    assert st.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert cache.folder() not in key.parents


def test_a_key_others_could_read_is_replaced(tmp_path, monkeypatch):
    """A leaked key: a key file readable by others is not used; it is replaced, and what was
    written with it no longer verifies."""
    from recommender import _cache as cache
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    cache.write("probe", "a" * 32, {"n": 1})
    assert cache.read("probe", "a" * 32) == {"n": 1}
    before = cache.key_file().read_bytes()
    cache.key_file().chmod(0o644)
    assert cache.read("probe", "a" * 32) is None
    cache.write("probe", "b" * 32, {"n": 2})
    assert cache.key_file().read_bytes() != before
    assert cache.read("probe", "a" * 32) is None and cache.read("probe", "b" * 32) == {"n": 2}


def test_a_cache_folder_that_is_a_link_is_not_used(tmp_path, monkeypatch):
    """Symlinked cache folder: a link planted as the cache folder is not written through."""
    from recommender import _cache as cache
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "cache").symlink_to(elsewhere)
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path / "cache"))
    cache.write("probe", "c" * 32, {"n": 1})
    assert not list(elsewhere.iterdir()) and cache.read("probe", "c" * 32) is None


def test_a_poisoned_lifecycle_cache_is_validated_again(tmp_path, monkeypatch):
    """Lifecycle cache poisoning: cached entries were turned back into objects unchecked; the
    cached document is validated whole, like the file, and refused data is read again."""
    import hashlib

    from recommender import _cache as cache, _lifecycle as lifecycle
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(tmp_path))
    path = lifecycle.default_lifecycle_path()
    key = hashlib.sha256(path.read_bytes()).hexdigest()
    expected = lifecycle._load(path)
    try:
        lifecycle._bundled.cache_clear()
        assert list(lifecycle._bundled()) == expected
        document = cache.read("lifecycle", key)
        assert document is not None, "the catalogue was not cached"
        document["lifecycle"][0]["source_url"] = "javascript:alert(1)"
        document["lifecycle"][1]["status"] = "gone"
        cache.write("lifecycle", key, document)
        lifecycle._bundled.cache_clear()
        assert list(lifecycle._bundled()) == expected
        (entry,) = tmp_path.glob("lifecycle-*.json")
        _poison(entry, r'"retired"', '"available"')
        lifecycle._bundled.cache_clear()
        assert list(lifecycle._bundled()) == expected
    finally:
        lifecycle._bundled.cache_clear()


# ---------------------------------------------------------------------------------------------
# 5. advise() safe after fork()

from recommender._engine import durable_available  # noqa: E402

ENGINES = ["python"] + (["durable"] if durable_available() else [])
_WORKLOADS = [
    {"task": "classification", "modality": "tabular", "data_volume": "10 GB",
     "latency": "batch", "labels": "labeled", "customization": "high"},
    {"task": "forecasting", "modality": "time_series", "data_volume": "2 TB",
     "latency": "realtime", "labels": "labeled", "customization": "low",
     "velocity": "streaming", "source": "iot_devices", "traffic": "spiky"},
    {"task": "image_classification", "modality": "image", "data_volume": "500 GB",
     "latency": "near_realtime", "labels": "partially_labeled", "customization": "medium",
     "sensitive_data": True, "diagnostics": {"train_error": 0.02, "validation_error": 0.3}},
]


def _reap(pids: list[int], seconds: float) -> tuple[dict[int, int], list[int]]:
    """Wait for forked children: ({pid: exit status}, pids still running after `seconds`,
    which are killed)."""
    done: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    waiting = list(pids)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            got, status = os.waitpid(pid, os.WNOHANG)
            if got:
                done[pid] = os.waitstatus_to_exitcode(status)
                waiting.remove(pid)
        time.sleep(0.02)
    for pid in waiting:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    return done, waiting


def _fork_while(busy, child, forks: int = 20, spacing: float = 0.01) -> tuple[dict, list]:
    """Start `busy` in 4 threads, fork `forks` children while they run; each child runs
    `child()` and exits with its result (0 = right), 70 on an exception."""
    import threading
    stop = threading.Event()
    threads = [threading.Thread(target=busy, args=(stop, k), daemon=True) for k in range(4)]
    for thread in threads:
        thread.start()
    pids = []
    try:
        time.sleep(0.05)
        for _ in range(forks):
            time.sleep(spacing)
            pid = os.fork()
            if pid == 0:  # the child: never return into pytest
                code = 70
                try:
                    code = child()
                finally:
                    os._exit(code)
            pids.append(pid)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    return _reap(pids, 60)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() with threads, Python 3.12+
@pytest.mark.parametrize("engine", ENGINES)
def test_advise_in_a_child_forked_while_threads_advise(engine):
    """Deadlock after fork(): a process forked while other threads were inside advise()
    inherited the durable engine's lock held by threads that do not exist in the child: 20 of
    20 children hung on their first advise(). Each child must get the same advice as the
    parent, and leave the durable session empty (the Python engine runs as the control)."""
    from recommender._engine import get_engine
    expected = [advise(w, engine=engine).to_dict() for w in _WORKLOADS]

    def busy(stop, k):
        n = k
        while not stop.is_set():
            assert advise(_WORKLOADS[n % 3], engine=engine).to_dict() == expected[n % 3]
            n += 1

    def child() -> int:
        got = [advise(w, engine=engine).to_dict() for w in _WORKLOADS]
        if engine == "durable":
            matcher = get_engine(load_rulebook(), "durable")
            if matcher.held() != ([], []):
                return 2
        return 0 if got == expected else 1

    done, hung = _fork_while(busy, child)
    assert not hung, f"{len(hung)} of {len(done) + len(hung)} children hung"
    assert sorted(done.values()) == [0] * len(done), done


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_load_rulebook_in_a_child_forked_while_a_thread_loads(tmp_path, monkeypatch):
    """Deadlock after fork(): the rule-book lock, held by a thread loading a rule directory
    at the fork, stayed held in the child, whose own load_rulebook() then waited forever."""
    import shutil
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", "")  # full loads: the lock is held longer
    copies = []
    for i in range(12):
        copies.append(tmp_path / f"copy{i}")
        shutil.copytree(default_rules_dir(), copies[-1])
    other = minimal_rules_dir(tmp_path / "other")

    def busy(stop, k):
        for copy in copies[k::4]:
            if stop.is_set():
                return
            load_rulebook(copy)

    def child() -> int:
        return 0 if len(load_rulebook(other)) == len(_load(other)) else 1

    done, hung = _fork_while(busy, child, forks=8, spacing=0.03)
    assert not hung, f"{len(hung)} of {len(done) + len(hung)} children hung"
    assert sorted(done.values()) == [0] * len(done), done


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.skipif(not durable_available(), reason="durable-rules not installed")
def test_a_session_in_use_at_fork_is_not_reused_half_done():
    """Half-done session after fork(): a thread of the parent stopped (by the fork) between
    asserting its fact and retracting it left that fact in the child's copy of the session;
    reusing the session would match against it. The child rebuilds that ruleset."""
    import threading

    from recommender._conditions import flatten
    from recommender._engine import _dre, get_engine
    from recommender._workload import Workload
    book = load_rulebook()
    engine = get_engine(book, "durable")
    expected = advise(_WORKLOADS[0], engine="durable").to_dict()
    half_done = threading.Event()
    release = threading.Event()

    def stuck_in_match():
        text = engine._codec.fact(flatten(Workload.from_mapping(_WORKLOADS[1])))
        handles = [handle for stage in engine._stages for handle in stage]
        with engine._lock:
            for handle in handles:
                _dre.assert_fact(handle, text)  # what match() does first ...
            half_done.set()
            release.wait(30)
            for handle in handles:
                _dre.retract_fact(handle, text)  # ... and last

    thread = threading.Thread(target=stuck_in_match)
    thread.start()
    try:
        assert half_done.wait(10)
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                got = advise(_WORKLOADS[0], engine="durable").to_dict()
                code = 0 if got == expected and engine.held() == ([], []) else 1
            finally:
                os._exit(code)
    finally:
        release.set()
        thread.join(30)
    done, hung = _reap([pid], 60)
    assert not hung and done[pid] == 0, done
    assert engine.held() == ([], [])  # the parent's session is untouched
