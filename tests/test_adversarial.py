"""Hostile input, generated: nothing a user can write may crash, hang or leak a traceback.

Every input here must end in one of two ways:

- a valid advice: `recommend` exits 0 with output; `advise()` returns an Advice whose
  `to_dict()` serialises to strict JSON (no NaN) that a UTF-8 stream can hold;
- the project's own refusal: `InputError` (or a subclass) from the API; `recommend` exits 2 with
  a message on stderr naming the input (the file, or <stdin>) and no traceback.

Anything else (another exception, exit 1, a hang, a crash of the C engine) fails. Inputs go in as
YAML text (valid, nearly valid and hostile), as bytes (garbage, BOMs, bad UTF-8, huge), and as
Python mappings built directly (wrong types, odd keys, subclasses). The most hostile cases also
run in real subprocesses, so a segfault shows up as a negative return code instead of killing
pytest.

Budgets: every test's max_examples is its budget at the "default" profile (150 examples per
test) scaled by SCALE, read from the active profile: HYPOTHESIS_PROFILE=thorough (2000) runs
about 13 times as many examples.
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import json
import os
import signal
import subprocess
import sys
import time
import types
import typing
from collections import OrderedDict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import note as _note
from hypothesis import strategies as st

from clirun import run
from strategies import workloads
from recommender import advise
from recommender import _engine as engine_module
from recommender._advice import Advice
from recommender._documents import MAX_BYTES, MAX_DEPTH, MAX_NODES, load_path, load_text
from recommender._errors import DocumentError, InputError, WorkloadError
from recommender._workload import DERIVED, FIELDS, TOP_LEVEL_KEYS, Workload, parse_size

ROOT = Path(__file__).resolve().parent.parent

#: 1.0 under the "default" profile (150 examples), about 13 under "thorough" (2000).
SCALE = settings.default.max_examples / 150
#: Seconds any single call (CLI run, advise(), load_text()) may take before it counts as a hang.
CALL_LIMIT = 20
DURABLE = getattr(engine_module, "_dre", None) is not None
ENGINES = ("durable", "python") if DURABLE else ("python",)
FORMATS = ("table", "json", "markdown", "html")


def budget(examples: int) -> settings:
    """Hypothesis settings: `examples` at the default profile, scaled by SCALE."""
    return settings(max_examples=max(1, round(examples * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


# ---------------------------------------------------------------------------------------------
# Checking one outcome


def note(text: str) -> None:
    """hypothesis.note, also callable from a plain (parametrized) test."""
    if currently_in_test_context():
        _note(text)


def tally(outcome) -> None:
    """Count outcomes (see --hypothesis-show-statistics): are the inputs hostile enough to be
    refused in every way, and valid often enough to reach the engine?"""
    if currently_in_test_context():
        event(f"outcome: {type(outcome).__name__}")


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so that no `except Exception` can swallow it."""


@contextlib.contextmanager
def finishes_within(seconds: float = CALL_LIMIT):
    """Fail (instead of hanging the run) when the block takes longer than `seconds`."""
    if not hasattr(signal, "setitimer"):  # pragma: no cover - Windows: measure instead
        start = time.monotonic()
        yield
        assert time.monotonic() - start < seconds, "took too long"
        return

    def expired(signum, frame):
        raise Hang(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_refusal(exc: InputError) -> str:
    assert isinstance(exc, InputError)
    assert exc.problems, "an InputError must list at least one problem"
    text = str(exc)
    assert text.strip() and "Traceback" not in text
    return text


def check_advice(advice: Advice) -> dict:
    assert isinstance(advice, Advice)
    document = advice.to_dict()
    text = json.dumps(document, ensure_ascii=False, allow_nan=False)
    text.encode("utf-8")  # no lone surrogate: the CLI can write it to a UTF-8 stream
    assert document["recommendations"] and document["workload"]["name"]
    return document


def outcome_of_advise(data, **options) -> Advice | InputError:
    """advise(data) under a time limit; the Advice or the InputError, after checking either."""
    with finishes_within():
        try:
            advice = advise(data, **options)
        except InputError as exc:
            check_refusal(exc)
            tally(exc)
            return exc
    check_advice(advice)
    tally(advice)
    if DURABLE and options.get("engine") != "python":
        # differential: the C engine and the reference evaluator fire the same rules
        reference = advise(data, engine="python")
        assert set(reference.fired) == set(advice.fired)
    return advice


def outcome_of_text(text: str, where: str = "w.yaml") -> Advice | InputError:
    """load_text + Workload.from_mapping + advise, as the CLI chains them."""
    with finishes_within():
        try:
            data = load_text(text, where)
            workload = Workload.from_mapping(data, where=where)
        except InputError as exc:
            check_refusal(exc)
            tally(exc)
            return exc
    return outcome_of_advise(workload)


def check_cli(argv, capsys, monkeypatch=None, stdin: bytes | None = None,
              where: str | None = None) -> tuple[int, str, str]:
    """Run `recommend argv` in-process: exit 0 with output, or exit 2 naming `where`."""
    with finishes_within():
        code, out, err = run(list(argv), capsys, stdin, monkeypatch)
    note(f"exit {code}; stderr: {err[:2000]}")
    assert code in (0, 2), f"exit status {code}: {err[-2000:]}"
    assert "Traceback" not in err and "internal error" not in err
    if code == 0:
        assert out.strip()
    else:
        assert "recommend:" in err
        if where is not None:
            assert where in err
    return code, out, err


def run_subprocess(argv, stdin: bytes | None = None, env: dict | None = None,
                   cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`python -P -m recommender.cli argv` in a child (the installed package, never the
    checkout in the working directory): a crash is a negative return code."""
    environment = {**os.environ, **(env or {})}
    environment.pop("RECOMMEND_DEBUG", None)
    result = subprocess.run([sys.executable, "-P", "-m", "recommender.cli", *argv], input=stdin,
                            capture_output=True, timeout=CALL_LIMIT, env=environment, cwd=cwd)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode in (0, 2), f"exit status {result.returncode}: {err[-3000:]}"
    assert "Traceback" not in err and "internal error" not in err
    return result


# ---------------------------------------------------------------------------------------------
# Writing YAML by hand, so that any raw token can stand where a value goes


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def flow(value) -> str:
    """One YAML flow token that reads back as `value` (a plain str/int/float/bool/list/dict)."""
    text = yaml.dump([value], Dumper=_DUMPER, default_flow_style=True, allow_unicode=True,
                     width=2**30).strip()
    assert text.startswith("[") and text.endswith("]")
    return text[1:-1]


def render(workload: dict, subs: typing.Iterable[tuple[str, str]] = (),
           extra: typing.Iterable[str] = ()) -> str:
    """A workload as block YAML, each (dotted path, raw token) in `subs` replacing that value,
    and each line of `extra` (raw YAML) appended."""
    top = {k: flow(v) for k, v in workload.items() if not isinstance(v, dict)}
    nested = {k: {sk: flow(sv) for sk, sv in v.items()}
              for k, v in workload.items() if isinstance(v, dict)}
    for path, token in subs:
        head, _, sub = path.partition(".")
        if sub:
            top.pop(head, None)
            nested.setdefault(head, {})[sub] = token
        else:
            nested.pop(head, None)
            top[head] = token
    lines = [f"{flow(k)}: {t}" for k, t in top.items()]
    lines += [f"{flow(k)}: {{{', '.join(f'{flow(sk)}: {t}' for sk, t in sub.items())}}}"
              for k, sub in nested.items()]
    return "\n".join([*lines, *extra]) + "\n"


VALID = {"task": "regression", "modality": "tabular", "data_volume": "800 MB",
         "latency": "batch", "labels": "labeled", "customization": "medium"}
REQUIRED = tuple(VALID)
NESTED = ("features", "quality", "time_series", "diagnostics")
#: every dotted path a user writes (rule-only derived facts excluded), and the nested mappings
PATHS = tuple(sorted({p for p in FIELDS if p not in DERIVED} | {"name", *NESTED}))
#: paths where null is a valid value
NULLABLE = {"features.count", "diagnostics.target_error", "time_series", "diagnostics"}

HUGE_HEX = "0x" + "f" * 5000          # an int of ~6000 digits: repr() refuses it
HOSTILE_TOKENS = (
    # numbers at and beyond every edge
    ".nan", ".NaN", ".NAN", ".inf", ".Inf", "-.inf", "+.inf", "1e309", "-1e309", "1e-400",
    "4.9e-324", "2.2250738585072014e-308", "1e12", "1.0e+12", "1000000000000", "1000000000001",
    str(10**400), str(-10**30), str(10**18), str(10**18 + 1), str(2**63), str(-2**63 - 1),
    "-0", "0", "-1", "1", "0.0", "-0.0", "0.5", "1.5", "3.0", "1_000", "0o777", "0b101",
    "0xFF", HUGE_HEX, "0b" + "1" * 5000, "190:20:30", "-1:00", "1_0.5_0",
    # the YAML 1.1 booleans and nulls
    "~", "null", "Null", "NULL", "", "yes", "no", "on", "off", "y", "n", "Y", "True", "FALSE",
    # text that looks like something else
    "'true'", "'1'", "'.nan'", "'1e309'", "'800 MB'", "'8 XB'", "'1e3 MB'", "'-1 MB'",
    "'0 B'", "'1001 PB'", "'1000 PB'", "'  3 TB  '", "' '", "''", '""', '"\\0"', '"\\x1b[2J"',
    '"\\u202e"', '"\\U0001F600"', '"\\t\\n"', '"\\e\\a\\b"', "'\u202egnp.exe'", "😀",
    "'" + "9" * 400 + " B'", "'1" + " " * 3000 + "!'", "'" + "1" * 5000 + "'",
    "'regression '", "'REGRESSION'", "'regresion'", "'s3 '", "'Spark'",
    # collections of every shape
    "[]", "{}", "[[]]", "[{}]", "{a: b}", "[spark, spark]", "[spark, SPARK]", "[spark, kafka]",
    "[1, 2]", "[[spark]]", "[{spark: 1}]", "[null]", "[.nan]", "[spark, [kafka]]",
    "{count: 3}", "{train_error: .nan, validation_error: .inf}", "{<<: {a: 1}}",
    # tags: safe, unsafe, custom, malformed
    "!!binary aGVsbG8=", "!!binary '!!!'", "!!set {spark, kafka}", "!!set {}",
    "!!omap [a: 1, b: 2]", "!!pairs [a: 1, a: 2]", "!!timestamp 2001-12-14t21:59:43.10-05:00",
    "2001-12-14", "2025-13-01", "2001-12-14 21:59:43.10 -5", "!!timestamp 'garbage'",
    "!!python/object:os.system", "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system", "!!python/tuple [1]", "!!python/bytes aGk=", "!custom x",
    "!<tag:example.com,2000:x> 1", "!!str 12", "!!int '12'", "!!int 'x'", "!!float 'nan'",
    "!!float '1e400'", "!!bool 'maybe'", "!!null ''", "!!map {}", "!!seq []", "!!str",
    "!!merge x", "=", "!!value x",
    # anchors and aliases in odd places
    "*undefined", "&a 1", "&a [*a]", "&b {x: *b}",
)
HOSTILE_KEYS = (
    "1", "-1", ".nan", ".inf", "null", "~", "true", "yes", "2001-01-01", "[a]", "{a: 1}",
    "!!binary aGk=", "!!set {a}", "''", "'task '", "Task", "TASK", "'task\\u200b'", "\"t\\0\"",
    "'data-volume'", "'data volume'", "dataVolume", "'<<'", "=", "? complex", "😀",
    "'\u202etask'", "\"\\ud83d\\ude00\"",
)
MERGES = ("<<: {velocity: streaming}", "<<: [{velocity: streaming}, {velocity: batch}]",
          "<<: {task: clustering}", "<<: 1", "<<: [1]", "<<: *undefined", "<<: {}", "<<: []",
          "<<: {nonsense: 1}")
UNICODE = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.text(st.sampled_from(list(
        "aé😀👩‍👩‍👧\u202e\u202d\u200f\u200b\u200d\ufeff\ufffe\uffff\ue000\U0010ffffمرحباשלום"
        "\x01\x07\x08\x0b\x0c\x1b\x7f\x80\x85\x9f\u2028\u2029\t\n\r \\\"'#:-[]{},&*!|>%@`"
        "\u0301\u0663\U0001d7d8")), min_size=1, max_size=40),
)


def values_of(path: str) -> tuple[str, ...]:
    spec = FIELDS.get(path)
    return spec.values if spec else ()


# ---------------------------------------------------------------------------------------------
# Valid workloads: the positive control for everything below


@budget(30)
@given(workload=workloads, fmt=st.sampled_from(FORMATS), engine=st.sampled_from(ENGINES))
def test_valid_workloads_are_advised_through_yaml_cli_and_api(workload, fmt, engine, capsys,
                                                               monkeypatch):
    text = render(workload)
    assert load_text(text) == json.loads(json.dumps(workload))  # the emitter is faithful
    code, out, _ = check_cli(["--format", fmt, "--engine", engine, "-"], capsys, monkeypatch,
                             stdin=text.encode("utf-8"))
    assert code == 0
    api = outcome_of_text(text)
    assert isinstance(api, Advice)
    if fmt == "json":
        assert json.loads(out)["recommendations"] == check_advice(api)["recommendations"]


# ---------------------------------------------------------------------------------------------
# Nearly valid: one thing wrong, always refused, always naming the key


def _misspellings(word: str) -> st.SearchStrategy[str]:
    positions = st.integers(0, max(0, len(word) - 1))
    letters = st.sampled_from("abcdefghijklmnopqrstuvwxyz_-éÆ😀 ")
    return st.one_of(
        st.builds(lambda i, c: word[:i] + c + word[i:], positions, letters),
        st.builds(lambda i: word[:i] + word[i + 1:], positions),
        st.builds(lambda i: word[:i] + word[i + 1:i + 2] + word[i:i + 1] + word[i + 2:],
                  positions),
        st.builds(lambda i, c: word[:i] + c + word[i + 1:], positions, letters),
        st.just(word.upper()), st.just(word.replace("_", "-")), st.just(word + " "),
        st.just(word.title()),
    )


_WRONG_BY_KIND = {
    "enum": [1, 1.5, True, [], {}, ["x"], {"a": 1}],
    "bool": ["true", "false", "yes", 1, 0, 1.0, [], {}, "x"],
    "int": ["12", 3.5, 2.5, True, [], {}, "many"],  # 3.0 is 3, as JSON Schema reads it
    "number": ["0.5", True, [], {}, "low"],
    "size": [True, False, [], {}, 1.5, -5, 0, "lots", "8 XB", "1e3 MB"],
    "set": ["spark", 1, True, {"spark": 1}, ["nonsense"], ["spark", "spark"]],
    "text": [1, 1.5, True, [], {}, "", "x" * 201],
    "model": ["yes", 1, True, ["count"], "{}"],
}


def _kind_of(path: str) -> str:
    if path == "name":
        return "text"
    if path in NESTED:
        return "model"
    return FIELDS[path].kind


@st.composite
def nearly_valid(draw):
    """(document text, the key path the refusal must name)."""
    workload = draw(workloads)
    how = draw(st.sampled_from(["misspelt key", "missing key", "misspelt value", "wrong type"]))
    if how == "misspelt key":
        nested = [k for k in NESTED if isinstance(workload.get(k), dict) and workload[k]]
        path = draw(st.sampled_from(sorted(workload) + [f"{k}.{s}" for k in nested
                                                       for s in workload[k]]))
        head, _, sub = path.rpartition(".")
        siblings = set(workload[head]) if head else set(TOP_LEVEL_KEYS)
        valid_here = set(FIELDS) | set(TOP_LEVEL_KEYS)
        wrong = draw(_misspellings(sub).filter(
            lambda w: w and w not in siblings and (f"{head}.{w}" if head else w) not in valid_here
            and w != "<<"))
        if head:
            workload[head] = {(wrong if k == sub else k): v for k, v in workload[head].items()}
        else:
            workload = {(wrong if k == sub else k): v for k, v in workload.items()}
        return render(workload), wrong
    if how == "missing key":
        key = draw(st.sampled_from(REQUIRED))
        del workload[key]
        return render(workload), key
    if how == "misspelt value":
        enums = [p for p in PATHS if p in FIELDS and FIELDS[p].kind == "enum"
                 and "." not in p]
        path = draw(st.sampled_from(enums))
        current = workload.get(path, FIELDS[path].values[0])
        wrong = draw(_misspellings(current).filter(lambda w: w not in FIELDS[path].values))
        return render(workload, [(path, flow(wrong))]), path
    path = draw(st.sampled_from(PATHS))
    wrong = draw(st.sampled_from(_WRONG_BY_KIND[_kind_of(path)]))
    if path in ("time_series", "diagnostics") or path.startswith(("time_series.",
                                                                    "diagnostics.")):
        # these blocks are optional: make sure the rest of the block is valid
        workload.setdefault("diagnostics", {"train_error": 0.1, "validation_error": 0.2})
        workload.setdefault("time_series", {})
    return render(workload, [(path, flow(wrong))]), path


@budget(60)
@given(case=nearly_valid(), through_file=st.booleans())
def test_nearly_valid_documents_are_refused_naming_the_key(case, through_file, capsys,
                                                           monkeypatch, tmp_path_factory):
    text, key = case
    note(text)
    if through_file:
        path = tmp_path_factory.mktemp("nearly") / "w.yaml"
        path.write_text(text, encoding="utf-8")
        code, _, err = check_cli([str(path)], capsys, where=str(path))
    else:
        code, _, err = check_cli(["-"], capsys, monkeypatch, stdin=text.encode("utf-8"),
                                 where="<stdin>")
    assert code == 2
    assert key.split(".")[-1] in err
    refusal = outcome_of_text(text)
    assert isinstance(refusal, WorkloadError)


# ---------------------------------------------------------------------------------------------
# Hostile values and keys anywhere: YAML text through the API and the CLI, which must agree


_EDGE_TOKENS = {  # valid, but at an edge or in an unusual YAML spelling
    "bool": ["true", "false", "yes", "no", "on", "off", "True", "FALSE", "!!bool true"],
    "int": ["1", "1000000000", "0x10", "0o17", "1_000", "!!int '7'", "190:20", "+5"],
    "number": ["0", "0.0", "-0.0", "4.9e-324", "2.2250738585072014e-308", "1.0e+12", ".5",
               "1000000000000", "!!float '0.5'", "1_0.5", "0.1"],
    "size": ["1", "'1 B'", "'1000 PB'", "'0.000001 MB'", "'  3 TB  '", "3tb", "'\u0663 GB'",
             "1.0e+18", "1000000000000000000", "0x10", "'.5 KB'", "'999.999999 PB'"],
    "set": ["[]", "[spark]", "[airflow, sftp, hive, hadoop, spark, kafka]", "!!seq [kafka]",
            '["kafka"]', "[hive, spark]"],
    "model": ["{}", "!!map {}"],
}


def _edge_tokens(path: str) -> st.SearchStrategy[str]:
    kind = _kind_of(path)
    if kind == "enum":
        return st.sampled_from(values_of(path)).flatmap(lambda v: st.sampled_from(
            [v, f"'{v}'", f'"{v}"', f"!!str {v}", f"&x {v}"]))
    if kind == "text":
        return UNICODE.filter(lambda t: 1 <= len(t) <= 200).map(flow)
    tokens = _EDGE_TOKENS[kind] + (["null", "~", ""] if path in NULLABLE else [])
    return st.sampled_from(tokens)


_HOSTILE_TOKEN = st.one_of(st.sampled_from(HOSTILE_TOKENS), st.integers(-10**40, 10**40).map(str),
                           st.floats().map(repr), UNICODE.map(flow))


@st.composite
def hostile_documents(draw):
    """A valid workload with up to 3 values replaced, each by a hostile token or by a valid one
    at an edge (so that a share of documents still reaches the engine), and up to 2 extra
    lines with hostile keys or merge keys."""
    workload = draw(workloads)
    paths = draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=3))
    subs = [(path, draw(st.one_of(_edge_tokens(path), _HOSTILE_TOKEN))) for path in paths]
    if draw(st.integers(0, 3)) == 0:
        key = st.one_of(st.sampled_from(HOSTILE_KEYS), UNICODE.filter(bool).map(flow))
        extra = draw(st.lists(st.one_of(
            st.tuples(key, _HOSTILE_TOKEN).map(lambda kt: f"{kt[0]}: {kt[1]}"),
            st.sampled_from(MERGES)), min_size=1, max_size=2))
    else:
        extra = []
    return render(workload, subs, extra)


@budget(150)
@given(text=hostile_documents())
def test_hostile_values_and_keys_through_the_api(text):
    note(text)
    outcome_of_text(text)


@budget(40)
@given(text=hostile_documents(), fmt=st.sampled_from(FORMATS))
def test_hostile_values_and_keys_through_the_cli(text, fmt, capsys, monkeypatch):
    note(text)
    code, _, _ = check_cli(["--format", fmt, "-"], capsys, monkeypatch,
                           stdin=text.encode("utf-8"), where="<stdin>")
    api = outcome_of_text(text, "<stdin>")
    assert (code == 0) == isinstance(api, Advice)


# ---------------------------------------------------------------------------------------------
# Unicode everywhere, raw (not escaped by an emitter), and bytes that are not UTF-8


@budget(60)
@given(workload=workloads, raw=UNICODE, where=st.sampled_from(["name", "key", "value", "comment"]),
       bom=st.booleans())
def test_raw_unicode_in_names_keys_values_and_comments(workload, raw, where, bom):
    text = render(workload)
    if where == "name":
        text = render({k: v for k, v in workload.items() if k != "name"}) + f"name: {raw}\n"
    elif where == "key":
        text += f"{raw}: 1\n"
    elif where == "value":
        text = text.replace("task: ", f"task: {raw}", 1)
    else:
        text = f"# {raw}\n" + text
    if bom:
        text = "\ufeff" + text
    note(repr(text))
    outcome_of_text(text)
    outcome_of_text(text.encode("utf-8").decode("utf-8-sig"))


@budget(30)
@given(workload=workloads, raw=UNICODE, garbage=st.binary(min_size=1, max_size=8),
       at=st.integers(0, 10_000))
def test_surrogate_escaped_bytes_in_files_and_on_stdin(workload, raw, garbage, at, capsys,
                                                       monkeypatch, tmp_path_factory):
    """Text holding surrogate escapes (bytes that are not UTF-8) written to a file."""
    text = render(workload)
    at = at % (len(text) + 1)
    smuggled = text[:at] + garbage.decode("utf-8", "surrogateescape") + raw + text[at:]
    data = smuggled.encode("utf-8", "surrogateescape")
    path = tmp_path_factory.mktemp("bytes") / "w.yaml"
    path.write_bytes(data)
    file_code, _, _ = check_cli([str(path)], capsys, where=str(path))
    stdin_code, _, _ = check_cli(["-"], capsys, monkeypatch, stdin=data, where="<stdin>")
    assert file_code == stdin_code
    # load_text is given text, not bytes: a lone surrogate is refused, not passed to libyaml
    with finishes_within():
        try:
            load_text(smuggled)
        except InputError as exc:
            check_refusal(exc)


@budget(40)
@given(data=st.binary(max_size=3000), prefix=st.sampled_from(
    [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"task: "]))
def test_binary_garbage_is_refused_or_read(data, prefix, capsys, monkeypatch):
    check_cli(["-"], capsys, monkeypatch, stdin=prefix + data, where="<stdin>")


# ---------------------------------------------------------------------------------------------
# Python mappings handed straight to advise() / Workload.from_mapping()


class Text(str):
    pass


class Loud(str):
    """A str subclass whose own methods all fail: only str's own behaviour may be relied on."""

    def __str__(self):
        raise RuntimeError("__str__")

    def __repr__(self):
        raise RuntimeError("__repr__")

    def __format__(self, spec):
        raise RuntimeError("__format__")

    def lower(self):
        raise RuntimeError("lower")

    def upper(self):
        raise RuntimeError("upper")

    def strip(self, *args):
        raise RuntimeError("strip")


class Number(int):
    def __repr__(self):
        raise RuntimeError("__repr__")


class Real(float):
    pass


class Size(enum.IntEnum):
    BIG = 10**12


class Unprintable:
    def __repr__(self):
        raise RuntimeError("__repr__")

    __str__ = __repr__


class Slots:
    __slots__ = ("task",)

    def __init__(self):
        self.task = "regression"


def _deep(n: int, leaf=None):
    for _ in range(n):
        leaf = [leaf]
    return leaf


def _recursive_list():
    item: list = []
    item.append(item)
    return item


def _recursive_dict():
    item: dict = {}
    item["count"] = item
    return item


_ODD_OBJECTS = [
    None, object(), Unprintable(), Slots(), Ellipsis, NotImplemented, len, int, type,
    range(3), b"regression", bytearray(b"regression"), memoryview(b"x"), 1j,
    datetime.date(2001, 12, 14), datetime.datetime(2001, 12, 14, 21, 59),
    datetime.timedelta(days=1), iter(["spark"]), (x for x in ["spark"]), {"spark"},
    frozenset({"spark"}), ("spark",), ("spark", "spark"), [["spark"]], [{}], [{"a": 1}],
    [None], [float("nan")], [Text("spark"), Text("kafka")], [Loud("spark")],
    [Loud("spark"), Loud("spark")], OrderedDict(count=3), types.MappingProxyType({"count": 3}),
    _deep(3000), _deep(25, "spark"), _recursive_list(), _recursive_dict(),
    10**400, -10**30, 10**5000, -10**5000, 2**63, -2**63 - 1, 2**64, Number(5), Number(0),
    Number(10**30), Size.BIG, float("nan"), float("inf"), float("-inf"), -0.0, 5e-324,
    1.7976931348623157e308, Real("nan"), Real(0.5), Decimal("NaN"), Decimal("sNaN"),
    Decimal("Infinity"), Decimal("-Infinity"), Decimal("1e-999999"), Decimal("1e999999"),
    Decimal("0.5"), Decimal(10) ** 400, Fraction(1, 3), Fraction(10**400, 3),
    Text("regression"), Text("800 MB"), Loud("regression"), Loud("regresion"), Loud("8 XB"),
    Loud("800 MB"), "", " ", "\x00", "\ud800", "\udcff", "x" * 201, "x" * 100_000,
    "1" + " " * 100_000 + "!", "9" * 5000 + " B", "1e309 B", "nan", "inf", "-1 MB",
    True, False,
]
_ODD_KEYS = [1, 0, -1, 1.5, float("nan"), None, True, False, b"task", ("task",),
             frozenset({"task"}), Text("task"), Text("tsak"), Loud("task"), Loud("tsak"),
             Unprintable(), Number(1), 10**5000, "", " task", "task\x00", "\ud800",
             "x" * 100_000, datetime.date(2001, 1, 1), Decimal("NaN")]


_EDGE_VALUES = {  # valid, but at an edge, of a subclass, or of an unusual type
    "bool": [True, False],
    "int": [1, 10**9, Number(5), Number(10**9), Size.BIG],
    "number": [0, 0.0, -0.0, 5e-324, 1e12, 10**12, Decimal("0.5"), Decimal("1e-999999"),
               Fraction(1, 3), Real(0.5), Number(1)],
    "size": [1, 10**18, 1e18, Size.BIG, Number(10**12), "1000 PB", Text("3 TB"), Loud("3 TB"),
             " 3 TB ", "\u0663 GB", "3tb"],
    "set": [[], ("spark",), ["kafka", "spark"], [Text("spark")], [Loud("hive"), "kafka"]],
    "text": ["x", Text("x"), Loud("x"), "\U0001F600" * 200, "\u202e\u200b\x1b[2J\x00\x85"],
    "model": [{}, OrderedDict()],
}


def _values_for(path: str) -> st.SearchStrategy:
    valid = values_of(path)
    kind = _kind_of(path)
    if kind == "enum":
        edge = st.sampled_from(valid).flatmap(lambda v: st.sampled_from([v, Text(v), Loud(v)]))
    else:
        edge = st.sampled_from(_EDGE_VALUES[kind] + ([None] if path in NULLABLE else []))
    odd = st.sampled_from(_ODD_OBJECTS)
    generated = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(),
        st.decimals(allow_nan=True, allow_infinity=True), st.fractions(),
        st.complex_numbers(), st.text(max_size=30), st.binary(max_size=10),
        st.lists(st.one_of(st.text(max_size=8), st.integers()), max_size=4),
        st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
        st.datetimes(), st.timedeltas())
    if valid:  # the right names, but wrapped or spelt oddly
        generated = st.one_of(generated, st.sampled_from(valid).flatmap(lambda v: st.sampled_from(
            [v.upper(), f" {v}", v + "\x00", [v], (v,), {v}, v.encode()])))
    return st.one_of(edge, odd, generated)


@st.composite
def hostile_mappings(draw):
    data = dict(draw(workloads))
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=3)):
        head, _, sub = path.partition(".")
        if sub:
            block = data.get(head)
            block = dict(block) if isinstance(block, dict) else {}
            block[sub] = draw(_values_for(path))
            data[head] = block
        else:
            data[head] = draw(_values_for(path))
    for key in draw(st.lists(st.sampled_from(_ODD_KEYS), max_size=2)):
        data[key] = draw(st.sampled_from(_ODD_OBJECTS[:20]))
    container = draw(st.sampled_from([dict, OrderedDict, types.MappingProxyType]))
    return container(data)


@budget(200)
@given(data=hostile_mappings(), engine=st.sampled_from(ENGINES))
def test_hostile_python_mappings_through_advise(data, engine):
    outcome_of_advise(data, engine=engine)
    with finishes_within():
        try:
            Workload.from_mapping(data, where="w.yaml")
        except WorkloadError as exc:
            check_refusal(exc)


@pytest.mark.parametrize("data", [
    None, [], [("task", "regression")], "task: regression", b"task: regression", 42, 1.5,
    float("nan"), True, object(), Unprintable(), {"task"}, frozenset(), (), _deep(3000),
    _recursive_list(), _recursive_dict(), {}, OrderedDict(), types.MappingProxyType({}),
], ids=lambda d: type(d).__name__)
def test_a_workload_that_is_not_a_mapping_is_refused(data):
    assert isinstance(outcome_of_advise(data), WorkloadError)


# ---------------------------------------------------------------------------------------------
# Nesting, aliases, merge keys, tags, documents, sizes


def _nest(depth: int, kinds: list[str], leaf: str = "x") -> str:
    text = leaf
    for i in range(depth):
        kind = kinds[i % len(kinds)]
        text = f"[{text}]" if kind == "list" else f"{{k: {text}}}"
    return text


@budget(40)
@given(depth=st.integers(1, 3 * MAX_DEPTH), kinds=st.lists(
    st.sampled_from(["list", "map"]), min_size=1, max_size=4),
    key=st.sampled_from(["existing_stack", "features", "name", "unknown"]),
    block=st.booleans())
def test_nesting_up_to_and_beyond_the_limit(depth, kinds, key, block):
    if block:  # block style: indentation instead of brackets, innermost first
        kinds_out = [kinds[i % len(kinds)] for i in range(depth)][::-1]
        lines = ["  " * (i + 1) + ("-" if kind == "list" else "k:")
                 for i, kind in enumerate(kinds_out)]
        value_text = f"{key}:\n" + "\n".join(lines) + "\n" + "  " * (depth + 1) + "x\n"
    else:
        value_text = f"{key}: {_nest(depth, kinds)}\n"
    text = render(VALID) + value_text
    note(text)
    outcome = outcome_of_text(text)
    assert isinstance(outcome, InputError)  # no workload key holds a nested value
    if depth + 1 > MAX_DEPTH:  # the document mapping is the first level
        assert isinstance(outcome, DocumentError) and "nested" in str(outcome)
    else:
        assert isinstance(outcome, WorkloadError)


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 1000, 150_000])
@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_deep_documents_at_the_documented_limit(depth, opener):
    if opener == "- ":  # block sequences: the indentation grows, so stay under 1 MB
        depth = min(depth, 900)
        text = "\n".join("  " * i + "-" for i in range(depth)) + " x\n"
    else:
        closer = "]" if opener == "[" else "}"
        text = opener * depth + "x" + closer * depth
    with finishes_within():
        try:
            load_text(text)
            assert depth <= MAX_DEPTH
        except DocumentError as exc:
            assert depth > MAX_DEPTH and "nested" in str(exc)


@st.composite
def alias_bombs(draw):
    """A "billion laughs" of `levels` anchors, each repeating the previous `fanout` times."""
    levels = draw(st.integers(1, 12))
    fanout = draw(st.integers(1, 12))
    width = draw(st.integers(1, 20))
    kind = draw(st.sampled_from(["list", "map"]))
    use = draw(st.sampled_from(["unknown", "name", "existing_stack", "features"]))
    if kind == "list":
        lines = ["a0: &a0 [" + ", ".join(["spark"] * width) + "]"]
        lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fanout) + "]"
                  for i in range(1, levels + 1)]
    else:
        lines = ["a0: &a0 {" + ", ".join(f"k{j}: spark" for j in range(width)) + "}"]
        lines += [f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(fanout)) + "}"
                  for i in range(1, levels + 1)]
    lines.append(f"{use}: *a{levels}")
    sizes = [1 + width]
    for _ in range(levels):
        sizes.append(1 + fanout * sizes[-1])
    expanded = 1 + len(VALID) + sum(sizes) + sizes[-1]  # what check_size counts
    depth = levels + 2  # the document mapping, the last anchor's levels, the first's list
    aliases = levels * fanout + 1
    return render(VALID, extra=lines), expanded, depth, aliases


@budget(60)
@given(case=alias_bombs())
def test_alias_bombs_are_refused_by_their_exact_limits(case):
    text, expanded, depth, aliases = case
    note(f"expanded={expanded} depth={depth} aliases={aliases}")
    with finishes_within():
        try:
            load_text(text)
            refused = None
        except DocumentError as exc:
            refused = str(exc)
    should_refuse = aliases > 100 or expanded > MAX_NODES or depth > MAX_DEPTH
    assert (refused is not None) == should_refuse, refused
    outcome = outcome_of_text(text)
    assert isinstance(outcome, InputError)  # a0..aN are not workload keys


@pytest.mark.parametrize("text", [
    "a: &a [*a]", "a: &a {b: *a}", "a: &a [*a, *a, *a]", "&r [*r]", "&r {x: *r}",
    "a: &a {<<: *a}", "a: &a [{<<: *a}]", "a: &a {<<: [*a, *a]}", "&a {<<: *a, task: x}",
    "a: *a", "a: &a\nb: *a", "a: &a 1\na: &a 2", "a: &a [1]\nb: &a [*a, *a]\nc: *a",
    "a: &x\n  b: &y\n    c: *x",
], ids=range(14))
def test_self_referencing_anchors(text):
    document = text if text.startswith("&") else render(VALID) + text + "\n"
    assert isinstance(outcome_of_text(document), InputError)


@st.composite
def merge_documents(draw):
    """A valid workload split between merged base mappings and the mapping's own keys."""
    workload = draw(workloads)
    workload.pop("name", None)
    keys = [k for k in workload if not isinstance(workload[k], dict)]
    bases = draw(st.lists(st.lists(st.sampled_from(keys), unique=True), min_size=1,
                          max_size=3))
    own = draw(st.lists(st.sampled_from(keys), unique=True))
    covered = set(own).union(*map(set, bases))
    own += [k for k in keys if k not in covered]
    decoys = {k: draw(st.sampled_from([v for v in values_of(k) if v != workload[k]]))
              for k in keys if FIELDS[k].kind == "enum" and len(values_of(k)) > 1}
    decoys.update({k: not workload[k] for k in keys if FIELDS[k].kind == "bool"})
    if "data_volume" in keys and workload["data_volume"] != "1 B":
        decoys["data_volume"] = "1 B"
    lines = []
    for i, base in enumerate(bases):
        body = {}
        for k in base:
            # a base key that the mapping (or an earlier base) also sets gets a decoy value:
            # the merge rules must pick the right one
            overridden = k in own or any(k in b for b in bases[:i])
            body[k] = decoys.get(k, workload[k]) if overridden else workload[k]
        lines.append(f"b{i}: &b{i} {flow(body)}")
    merge = "*b0" if len(bases) == 1 else "[" + ", ".join(f"*b{i}" for i in
                                                           range(len(bases))) + "]"
    inner = {k: workload[k] for k in own}
    inner.update({k: v for k, v in workload.items() if isinstance(v, dict)})
    body = flow(inner)
    body = "{<<: " + merge + (", " + body[1:] if body != "{}" else "}")
    lines.append(f"w: {body}")
    return "\n".join(lines) + "\n", workload


@budget(50)
@given(case=merge_documents())
def test_merge_keys_override_like_yaml_says(case):
    """Own keys override merged ones and earlier merged mappings win over later ones; that is
    not a duplicate key (regression: it used to be refused as one)."""
    text, workload = case
    note(text)
    with finishes_within():
        document = load_text(text)
    assert document["w"] == json.loads(json.dumps(workload))
    assert isinstance(outcome_of_advise(document["w"]), Advice)


@pytest.mark.parametrize("text", [
    "task: a\ntask: b\n", "<<: {x: 1}\ntask: a\ntask: b\n", "a: {x: 1, x: 1}\n",
    "a: &a {x: 1}\nb: {<<: *a, y: 1, y: 2}\n",
])
def test_duplicate_own_keys_are_still_refused(text):
    with pytest.raises(DocumentError, match="appears twice"):
        load_text(text)


@budget(40)
@given(levels=st.integers(1, 12), fanout=st.integers(1, 12), width=st.integers(1, 50))
def test_merge_key_bombs_stay_cheap(levels, fanout, width):
    lines = ["m0: &m0 {" + ", ".join(f"k{i}: {i}" for i in range(width)) + "}"]
    lines += [f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * fanout) + "]}"
              for i in range(1, levels + 1)]
    with finishes_within(5):
        try:
            document = load_text("\n".join(lines))
        except DocumentError as exc:
            assert "aliases" in str(exc) and levels * fanout > 100
        else:
            assert document[f"m{levels}"] == {f"k{i}": i for i in range(width)}


TAGGED_DOCUMENTS = [
    "!!python/object:os.system {}", "!!python/object/apply:os.system ['true']",
    "!!python/object/new:dict {}", "!!python/name:os.system", "!!python/module:os",
    "--- !!map {task: regression}", "--- !!omap [task: regression]", "--- !!set {task}",
    "--- !!binary dGFzazogcmVncmVzc2lvbgo=", "--- !!str task", "--- !custom {task: x}",
    "%TAG ! tag:yaml.org,2002:python/object:\n--- !os.system {}",
    "%YAML 1.1\n--- {task: regression}", "%YAML 9.9\n--- {task: regression}",
    "%YAML 1.1\n%YAML 1.1\n--- {}", "--- !<tag:yaml.org,2002:python/object/apply:os.system> []",
]


@pytest.mark.parametrize("text", TAGGED_DOCUMENTS, ids=range(len(TAGGED_DOCUMENTS)))
def test_tagged_documents(text, capsys, monkeypatch):
    assert isinstance(outcome_of_text(text), InputError)
    check_cli(["-"], capsys, monkeypatch, stdin=text.encode(), where="<stdin>")


_SEGMENTS = ["", " ", "\n", "\t\n", "\r\n", "# comment\n", "---\n", "...\n", "--- \n",
             "--- # c\n", "---\n...\n", "\ufeff", "%YAML 1.1\n---\n", "~\n", "null\n",
             "--- ~\n", "--- []\n", "--- {}\n", "--- 1\n"]


@budget(60)
@given(before=st.lists(st.sampled_from(_SEGMENTS), max_size=4),
       after=st.lists(st.sampled_from(_SEGMENTS), max_size=4),
       workload=st.one_of(st.none(), workloads), bom=st.booleans(),
       newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_multiple_empty_and_whitespace_documents(before, after, workload, bom, newline, capsys,
                                                 monkeypatch):
    body = "" if workload is None else "---\n" + render(workload)
    text = ("\ufeff" if bom else "") + "".join(before) + body + "".join(after)
    text = text.replace("\n", newline) if newline != "\n" else text
    note(repr(text))
    # the CLI decodes bytes as utf-8-sig (one leading BOM dropped): give the API the same text
    outcome = outcome_of_text(text.encode("utf-8").decode("utf-8-sig"))
    code, _, _ = check_cli(["-"], capsys, monkeypatch, stdin=text.encode("utf-8"),
                           where="<stdin>")
    assert (code == 0) == isinstance(outcome, Advice)
    if workload is None:
        assert isinstance(outcome, InputError)


def _padded(text: str, total: int, pad: str = "x") -> str:
    """`text` followed by a comment that makes it exactly `total` characters long."""
    room = total - len(text) - 3
    return text + "# " + pad * (room // len(pad)) + "\n"


@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_documents_at_the_size_limit(delta, capsys, monkeypatch, tmp_path):
    text = _padded(render(VALID), MAX_BYTES + delta)
    assert len(text.encode()) == MAX_BYTES + delta
    path = tmp_path / "big.yaml"
    path.write_text(text)
    expected = 0 if delta <= 0 else 2
    assert check_cli(["--format", "json", str(path)], capsys, where=str(path))[0] == expected
    assert check_cli(["--format", "json", "-"], capsys, monkeypatch,
                     stdin=text.encode())[0] == expected
    assert isinstance(outcome_of_text(text), Advice if delta <= 0 else DocumentError)


def test_multibyte_text_at_the_limit_counts_bytes_on_the_cli(capsys, monkeypatch):
    """1 MB of characters is 3 MB of bytes: the CLI refuses it, load_text (text) does not."""
    text = _padded(render(VALID), MAX_BYTES, "€")
    assert len(text) <= MAX_BYTES < len(text.encode())
    code, _, err = check_cli(["-"], capsys, monkeypatch, stdin=text.encode(), where="<stdin>")
    assert code == 2
    assert isinstance(outcome_of_text(text), Advice)


@pytest.mark.parametrize("value", [
    "x" * 199, "x" * 200, "x" * 201, "x" * (MAX_BYTES - 200), "\U0001F600" * 200, "😀" * 201,
], ids=["199", "200", "201", "near-1MB", "200-emoji", "201-emoji"])
@pytest.mark.parametrize("key", ["name", "task", "data_volume", "unknown", "as-key"])
def test_very_long_strings(value, key):
    token = f"'{value}'"  # quoted by hand: the emitter is slow on a megabyte
    if key == "as-key":
        text = render(VALID) + f"{token}: 1\n"
    else:
        text = render(VALID, [(key, token)])
    if len(text) > MAX_BYTES:
        text = text[:MAX_BYTES - 10] + "'\n"
    outcome = outcome_of_text(text)
    if key == "name" and len(value) <= 200:
        assert isinstance(outcome, Advice)
    else:
        assert isinstance(outcome, InputError)


# ---------------------------------------------------------------------------------------------
# Real subprocesses: the most hostile documents, many per process (multi-file runs), so that a
# crash of the C engine would show as a negative return code


def _extreme_valid_workloads() -> list[dict]:
    """Valid workloads at every numeric edge, for the C engine."""
    out = []
    for dv in (1, "1 B", ".5 KB", 10**18, "1000 PB", "0.000001 MB", "999.999999 PB"):
        out.append({**VALID, "data_volume": dv})
    for count in (1, 10**9):
        out.append({**VALID, "features": {"count": count, "sparse": True}})
    for related in (1, 10**9):
        out.append({**VALID, "task": "forecasting", "modality": "time_series",
                    "time_series": {"related_series": related}})
    for t, v, g in ((0, 0, None), (5e-324, 5e-324, 5e-324), (1e12, 0, 5e-324),
                    (0, 1e12, 1e12), (1e-300, 1e12, 1e-300), (2.2250738585072014e-308, 1.0, 1e12),
                    (1e12, 1e12, 1e12), (0.1, 1e-7, 1e-7), (1e-5, 1e5, None)):
        diagnostics = {"train_error": t, "validation_error": v}
        if g is not None:
            diagnostics["target_error"] = g
        out.append({**VALID, "diagnostics": diagnostics})
    out.append({**VALID, "name": "😀\u202e\u200b" + "é" * 100})  # control characters: refused
    return out


def _hostile_texts(witness: Path) -> list[str]:
    bomb = ["a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    bomb += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    chain = ["c0: &c0 " + _nest(18, ["list"])]
    chain += [f"c{i}: &c{i} " + _nest(18, ["list"], f"*c{i - 1}") for i in range(1, 30)]
    return [
        "\n".join(bomb), "\n".join(chain), "a: &a [*a]", "a: &a {<<: *a}",
        _nest(100_000, ["list"]), "{a: " * 50_000 + "}" * 50_000,
        render(VALID) + "existing_stack: [[spark]]\n",
        render(VALID) + "features: {count: " + HUGE_HEX + "}\n",
        render({**VALID, "data_volume": "1" + " " * 200_000 + "!"}),
        render({**VALID, "data_volume": "9" * 400 + " B"}),
        render(VALID) + f"!!python/object/apply:os.system ['touch {witness}']: 1\n",
        f"!!python/object/apply:os.system ['touch {witness}']\n",
        f"!!python/object/apply:subprocess.call [[touch, {witness}]]\n",
        render(VALID) + "diagnostics: {train_error: .nan, validation_error: .inf}\n",
        render(VALID) + "b: &b {x: 1}\nc: {<<: [*b, *b], x: 2}\n",
        '{"name": "\\ud83d\\ude00", ' + json.dumps(VALID)[1:],
        '{"name": "\\ud800", ' + json.dumps(VALID)[1:],
        "\ufeff" + render(VALID), "", "\n\n\t\n", "---\n---\n", "- 1\n- 2\n",
    ]


@pytest.mark.slow
def test_subprocess_multi_file_runs_of_the_most_hostile_documents(tmp_path):
    valid = [tmp_path / f"valid-{i}.yaml" for i, _ in enumerate(_extreme_valid_workloads())]
    for path, workload in zip(valid, _extreme_valid_workloads()):
        path.write_text(render(workload), encoding="utf-8")
    witness = tmp_path / "pwned"
    texts = _hostile_texts(witness)
    hostile = [tmp_path / f"hostile-{i}.yaml" for i, _ in enumerate(texts)]
    for path, text in zip(hostile, texts):
        path.write_text(text, encoding="utf-8")
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(bytes(range(256)) * 40)
    for engine in ENGINES:
        ok = run_subprocess(["--engine", engine, "--format", "json", *map(str, valid)])
        assert ok.returncode == 0
        documents = json.loads(ok.stdout)
        assert len(documents) == len(valid)
    bad = run_subprocess(["--format", "json", *map(str, valid[:1] + hostile + [garbage])])
    assert bad.returncode == 2
    err = bad.stderr.decode("utf-8", "replace")
    refused = [path for path in hostile + [garbage] if str(path) in err]
    assert len(refused) >= len(hostile) - 2  # the BOM'd valid one and the JSON emoji pass
    assert len(json.loads(bad.stdout)) == 1 + len(hostile) + 1 - len(refused)
    assert not witness.exists()


@pytest.mark.slow
def test_subprocess_stdin_garbage_and_odd_file_names(tmp_path):
    """Real stdin, real argv: a file name that is not UTF-8 (surrogate-escaped by Python),
    names with spaces, dashes and unicode, and bytes on stdin that are not text."""
    raw_dir = os.fsencode(tmp_path)
    names = [b"\xff\xfe.yaml", b"caf\xc3\xa9 \xf0\x9f\x98\x80.yaml", b"-dash.yaml",
             b" spaced .yaml", b"\x1b[31mred.yaml", b"no-extension"]
    paths = []
    for name in names:
        path = os.path.join(raw_dir, name)
        with open(path, "wb") as handle:
            handle.write(render(VALID).encode())
        paths.append(os.fsdecode(path))
    result = run_subprocess(["--format", "json", "--", *paths])
    assert result.returncode == 0, result.stderr
    names_out = [d["workload"]["name"] for d in json.loads(result.stdout)]
    assert names_out[0] == "\ufffd\ufffd" and names_out[1] == "café 😀"
    for data in (bytes(range(256)), b"\xef\xbb\xbf\xef\xbb\xbf", b"\x00" * 10,
                 b"task: \xff\n", b"\xfe\xff\x00t\x00a", "ñ: 1".encode("utf-16")):
        result = run_subprocess(["-"], stdin=data)
        assert result.returncode == 2 and b"<stdin>" in result.stderr


# ---------------------------------------------------------------------------------------------
# Regressions: each bug these tests found, by its smallest reproducer


def _refused(data) -> InputError:
    outcome = outcome_of_advise(data)
    assert isinstance(outcome, InputError), outcome
    return outcome


def test_regression_size_with_more_than_308_digits():
    """parse_size("1000...000 B") (float infinity) raised OverflowError from round()."""
    assert "1000 PB" in str(_refused({**VALID, "data_volume": "1" + "0" * 400 + " B"}))
    with pytest.raises(ValueError):
        parse_size("9" * 5000)


def test_regression_size_regex_was_quadratic():
    """"1" + N spaces + "!" took ~22 s for N = 64,000 (a 1 MB document: hours)."""
    with finishes_within(5):
        assert isinstance(_refused({**VALID, "data_volume": "1" + " " * 500_000 + "!"}),
                          WorkloadError)
    assert parse_size(" 3 TB ") == 3 * 10**12 and parse_size("1.5\tGB\n") == 1_500_000_000


def test_regression_int_too_long_to_print():
    """An int of more than 4300 digits (YAML reads 0x... of any length) made the error message
    itself fail: ValueError from repr()."""
    text = render({**VALID, "features": {"count": 1}}).replace("count: 1", "count: " + HUGE_HEX)
    assert "digits" in str(outcome_of_text(text))
    assert "digits" in str(_refused({**VALID, "data_volume": 10**5000}))
    assert "digits" in str(_refused({**VALID, "features": {"count": -10**5000}}))


def test_regression_unhashable_items_in_existing_stack():
    """existing_stack: [[spark]] raised TypeError (unhashable list) from the duplicate check."""
    assert "existing_stack" in str(outcome_of_text(render(VALID) + "existing_stack: [[spark]]\n"))
    for items in ([{}], [["spark"]], [{"a": 1}, "spark"], [Loud("spark")]):
        outcome_of_advise({**VALID, "existing_stack": items})


def test_regression_values_whose_repr_fails():
    """A value nested deeper than repr() can go, or an object whose repr raises, made the
    error message fail (RecursionError, RuntimeError)."""
    assert "name" in str(_refused({**VALID, "name": _deep(3000)}))
    assert "name" in str(_refused({**VALID, "name": Unprintable()}))
    assert "task" in str(_refused({**VALID, "task": Loud("regresion")}))


def test_regression_lone_surrogates_in_text():
    """load_text("a: \\ud800") raised UnicodeEncodeError inside libyaml's reader."""
    with pytest.raises(DocumentError, match="surrogate"):
        load_text(render(VALID) + "name: \ud800\n")


@pytest.mark.parametrize("token", ["!!timestamp garbage", "!!timestamp ''", "!!bool maybe",
                                   "!!int ''", "!!float ''"])
def test_regression_tagged_text_that_pyyaml_cannot_read(token):
    """PyYAML's constructors raise AttributeError (`!!timestamp garbage`), KeyError
    (`!!bool maybe`) or IndexError (`!!int ''`) on such text; they escaped load_text."""
    with pytest.raises(DocumentError, match="YAML tag"):
        load_text(render(VALID, [("access_pattern", token)]))


def test_regression_str_subclass_methods_are_not_called():
    """A str subclass is valid text, but its own methods may do anything: data_volume called
    its .strip(), existing_stack its __str__ (as a sort key), the error message its .lower()."""
    advice = outcome_of_advise({**VALID, "data_volume": Loud("3 TB"),
                                "existing_stack": [Loud("spark"), Loud("hive")]})
    assert isinstance(advice, Advice) and advice.workload.existing_stack == ("hive", "spark")


def test_regression_nul_in_a_path():
    with pytest.raises(DocumentError):
        load_path("w\x00.yaml")


def test_regression_file_name_that_is_not_utf8():
    """A file named with bytes that are not UTF-8 gave the workload a name with lone surrogates,
    then refused it: "key `name`: expected text", for a key the user never wrote."""
    workload = Workload.from_mapping(dict(VALID), where="/tmp/\udcff\udcfe-x.yaml")
    assert workload.name == "\ufffd\ufffd-x"


def test_regression_merge_keys_are_not_duplicates():
    """An own key overriding a merged one, or two merged mappings sharing a key, was refused
    as "the key ... appears twice"."""
    assert load_text("b: &b {x: 1, y: 1}\nc: {<<: *b, x: 2}\n")["c"] == {"x": 2, "y": 1}
    assert load_text("a: &a {x: 1}\nb: &b {x: 2}\nc: {<<: [*a, *b]}\n")["c"] == {"x": 1}
    base = "base: &base {" + ", ".join(f"{k}: {flow(v)}" for k, v in VALID.items()) + "}\n"
    document = load_text(base + "w: {<<: *base, latency: realtime}\n")
    assert isinstance(outcome_of_advise(document["w"]), Advice)
    assert document["w"]["latency"] == "realtime"


def test_regression_merge_key_bomb_is_linear():
    """With merged keys allowed to repeat, merging a mapping ten times per level for ten levels
    would copy 10**10 pairs; merged pairs are now kept once per key."""
    lines = ["m0: &m0 {" + ", ".join(f"k{i}: {i}" for i in range(10)) + "}"]
    lines += [f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * 10) + "]}"
              for i in range(1, 11)]
    with finishes_within(5):
        assert load_text("\n".join(lines))["m10"] == {f"k{i}": i for i in range(10)}


def test_regression_alias_chains_deeper_than_the_limit():
    """Aliases of nested values stacked inside nested values built objects nested far deeper
    than MAX_DEPTH (the limit was checked on the text only)."""
    chain = ["c0: &c0 " + _nest(18, ["list"])]
    chain += [f"c{i}: &c{i} " + _nest(18, ["list"], f"*c{i - 1}") for i in range(1, 3)]
    with pytest.raises(DocumentError, match="nested more than"):
        load_text("\n".join(chain))


def test_regression_json_with_escaped_astral_characters():
    """json.dumps writes 😀 as "\\ud83d\\ude00"; libyaml refuses that escape, so a JSON workload
    written by Python with an emoji in its name was refused as invalid YAML."""
    text = json.dumps({**VALID, "name": "fraud 😀"})
    assert "\\ud83d" in text
    advice = outcome_of_text(text)
    assert isinstance(advice, Advice) and advice.workload.name == "fraud 😀"
    with pytest.raises(DocumentError, match="appears twice"):
        load_text('{"name": "\\ud83d\\ude00", "name": "x"}')
    with pytest.raises(DocumentError, match="surrogate"):
        load_text('{"name": "\\ud800"}')
    with pytest.raises(DocumentError, match="nested"):
        load_text('{"name": "\\ud83d\\ude00", "a": ' + "[" * 100_000 + "]" * 100_000 + "}")


# Once found in recommender/cli.py, now fixed there.

def test_sweep_deeply_nested_json_line(tmp_path, capsys):
    source = tmp_path / "deep.jsonl"
    source.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    check_cli(["sweep", "--brief", str(source)], capsys)


@pytest.mark.slow
def test_emoji_name_on_a_latin1_terminal(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(render({**VALID, "name": "😀"}), encoding="utf-8")
    run_subprocess([str(path)], env={"PYTHONIOENCODING": "latin-1"})
