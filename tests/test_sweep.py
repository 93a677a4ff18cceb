"""`recommend sweep`: many workloads in, one JSON line each out, bad ones reported in place."""

import json

from hypothesis import given, settings, strategies as st

from recommender import advise
from clirun import run
from strategies import workloads

GOOD = {"task": "regression", "modality": "tabular", "data_volume": "5 GB",
        "latency": "batch", "labels": "labeled", "customization": "high"}


def test_jsonl_in_jsonl_out_in_order(tmp_path, capsys):
    source = tmp_path / "many.jsonl"
    rows = [GOOD, {**GOOD, "latency": "realtime"}, {**GOOD, "task": "regresion"}, {**GOOD, "task": "clustering",
                                                                        "labels": "unlabeled"}]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n\nnot json\n")
    code, out, err = run(["sweep", "--brief", str(source)], capsys)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and [line["line"] for line in lines] == [1, 2, 3, 4, 6]  # line 5 is blank
    assert lines[0]["choices"]["deployment"] == advise(GOOD).choices("deployment")
    assert "error" in lines[2] and "did you mean" in lines[2]["error"]
    assert lines[2]["error"].startswith(f"{source}, line 3: ")
    assert "error" in lines[4] and lines[4]["error"].startswith(f"{source}, line 6: ")
    assert "2 of 5 workloads" in err and "lines 3, 6 of" in err


def test_full_advice_and_yaml_lists(tmp_path, capsys):
    source = tmp_path / "few.yaml"
    source.write_text("- " + json.dumps(GOOD) + "\n- " + json.dumps({**GOOD, "name": "b"}) + "\n")
    out_file = tmp_path / "out.jsonl"
    code, _, _ = run(["sweep", str(source), "-o", str(out_file)], capsys)
    lines = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert code == 0 and len(lines) == 2 and lines[1]["name"] == "b"
    assert [line["line"] for line in lines] == [1, 2]
    assert lines[0]["advice"] == json.loads(json.dumps(advise(GOOD).to_dict()))


def test_missing_sweep_file_exits_2(tmp_path, capsys):
    code, _, err = run(["sweep", str(tmp_path / "none.jsonl")], capsys)
    assert code == 2 and "does not exist" in err


def test_worker_processes_keep_the_input_order(tmp_path, capsys):
    source = tmp_path / "many.jsonl"
    rows = [{**GOOD, "name": f"w{i}", "latency": ["batch", "realtime"][i % 2]}
            for i in range(1200)]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    code, out_one, _ = run(["sweep", "--brief", "-j", "1", str(source)], capsys)
    code_two, out_two, _ = run(["sweep", "--brief", "-j", "2", str(source)], capsys)
    assert code == code_two == 0 and out_one == out_two
    assert [json.loads(line)["name"] for line in out_two.splitlines()] == \
        [r["name"] for r in rows]


def test_sweep_lines_refuse_duplicate_keys_like_workload_files(tmp_path, capsys):
    source = tmp_path / "dup.jsonl"
    source.write_text('{"task": "regression", "task": "clustering"}\n')
    code, out, _ = run(["sweep", "--brief", str(source)], capsys)
    assert code == 2 and "appears twice" in json.loads(out)["error"]


# --- issue 9: lines are lines, one numbering, bounded input, prompt and clean stops ----------

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recommender.sweep import MAX_LINE_BYTES, Sweep, input_format_for, sweep


def good(**changes) -> str:
    return json.dumps({**GOOD, **changes})


def recommend(*argv, stdin=None, stdout=subprocess.PIPE, timeout=60, cwd=None):
    """`recommend argv` in a child running the installed package (-P: not the checkout)."""
    environment = {k: v for k, v in os.environ.items() if k != "RECOMMEND_DEBUG"}
    return subprocess.run([sys.executable, "-P", "-m", "recommender.cli", *map(str, argv)],
                          stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=timeout,
                          env=environment, cwd=cwd)


def test_a_u2028_inside_a_json_string_stays_in_its_line(tmp_path, capsys):
    source = tmp_path / "names.jsonl"
    raw = json.dumps({**GOOD, "name": "a\u2028b\u2029c"}, ensure_ascii=False)
    assert "\u2028" in raw and len(raw.splitlines()) == 3  # str.splitlines would break it
    source.write_text(raw + "\n" + good(name="e") + "\n", encoding="utf-8")
    code, out, _ = run(["sweep", "--brief", str(source)], capsys)
    assert code == 0
    records = [json.loads(line) for line in out.split("\n") if line]
    assert [(r["line"], r["name"]) for r in records] == [(1, "a\u2028b\u2029c"), (2, "e")]
    assert len(out.splitlines()) == 2  # escaped in the output: no Unicode line end breaks it


def test_crlf_line_ends_and_a_byte_order_mark_are_tolerated(tmp_path, capsys):
    source = tmp_path / "windows.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + (good(name="a") + "\r\n" + good(name="b") + "\r\n")
                       .encode())
    code, out, _ = run(["sweep", "--brief", str(source)], capsys)
    assert code == 0 and [json.loads(x)["name"] for x in out.splitlines()] == ["a", "b"]


def test_a_bad_first_line_does_not_fail_the_file(tmp_path, capsys):
    source = tmp_path / "first.jsonl"
    source.write_text("- this is not JSON\n" + good(name="ok") + "\n")
    code, out, err = run(["sweep", "--brief", str(source)], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and [r["line"] for r in records] == [1, 2]
    assert records[0]["error"].startswith(f"{source}, line 1: is not a JSON workload")
    assert "--input-format yaml" in records[0]["error"]  # a hint, never a guess
    assert records[1]["name"] == "ok" and "1 of 2 workloads" in err and "line 1 of" in err


def test_errors_name_the_source_line_of_every_kind_of_bad_line(tmp_path, capsys):
    source = tmp_path / "bad.jsonl"
    source.write_bytes(b"\n".join([
        good().encode(),                          # 1
        b"",                                      # 2: blank, skipped
        b'{"task": "regression", "task": "x"}',   # 3: duplicate key
        b"\xff\xfe",                              # 4: not UTF-8
        b'{"task": "regression"',                 # 5: broken JSON
        good(latency="soon").encode(),            # 6: not a workload
        b"[1, 2]",                                # 7: not a mapping
        good(name="last").encode(),               # 8: no newline at the end
    ]))
    code, out, _ = run(["sweep", "--brief", str(source)], capsys)
    records = {r["line"]: r for r in map(json.loads, out.splitlines())}
    assert code == 2 and sorted(records) == [1, 3, 4, 5, 6, 7, 8]
    for number in (3, 4, 5, 6, 7):
        assert records[number]["error"].startswith(f"{source}, line {number}: ")
    assert "appears twice" in records[3]["error"] and "UTF-8" in records[4]["error"]
    assert "column" in records[5]["error"] and "line 1 column" not in records[5]["error"]
    assert "latency" in records[6]["error"] and records[8]["name"] == "last"


def test_yaml_list_records_carry_the_line_where_each_item_starts(tmp_path, capsys):
    source = tmp_path / "list.yaml"
    source.write_text("# three workloads\n"
                      "- name: a\n  task: regression\n  modality: tabular\n"
                      "  data_volume: 5 GB\n  latency: batch\n  labels: labeled\n"
                      "  customization: high\n"
                      "\n"
                      "- name: b\n  task: regresion\n"
                      "- " + good(name="c") + "\n")
    code, out, _ = run(["sweep", "--brief", str(source)], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and [r["line"] for r in records] == [2, 10, 12]
    assert f"{source}, line 10: key `task`: " in records[1]["error"]  # one of its problems


def test_a_json_list_read_as_json_still_numbers_its_items(tmp_path, capsys):
    source = tmp_path / "emoji.json"  # libyaml refuses the surrogate-pair escape: read as JSON
    source.write_text('[\n  ' + good(name="\U0001f600") + ',\n\n  ' + good(name="b") + '\n]\n')
    assert "\\ud83d\\ude00" in source.read_text()
    code, out, _ = run(["sweep", "--brief", str(source)], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [(r["line"], r["name"]) for r in records] == [(2, "\U0001f600"),
                                                                        (4, "b")]
    source.write_text('[' + good(name="\U0001f600") + ', ' + good(name="\ud800") + ']')
    code, out, _ = run(["sweep", "--brief", str(source)], capsys)  # a lone surrogate
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and "lone surrogate" in records[1]["error"]


@pytest.mark.parametrize("name, given, expected", [
    ("many.jsonl", None, "jsonl"), ("many.NDJSON", None, "jsonl"), ("many.txt", None, "jsonl"),
    ("few.yaml", None, "yaml"), ("few.yml", None, "yaml"), ("few.json", None, "yaml"),
    ("-", None, "jsonl"), ("-", "yaml", "yaml"), ("few.yaml", "jsonl", "jsonl"),
])
def test_the_input_format_comes_from_the_flag_or_the_extension(name, given, expected):
    assert input_format_for(name, given) == expected


def test_the_input_format_flag_overrides_the_extension(tmp_path, capsys, monkeypatch):
    listed = "[" + good(name="a") + ",\n" + good(name="b") + "]\n"
    source = tmp_path / "list.txt"
    source.write_text(listed)
    code, out, _ = run(["sweep", "--brief", "--input-format", "yaml", str(source)], capsys)
    assert code == 0 and [json.loads(x)["line"] for x in out.splitlines()] == [1, 2]
    code, out, _ = run(["sweep", "--brief", "--input-format", "yaml", "-"], capsys,
                       listed.encode(), monkeypatch)
    assert code == 0 and len(out.splitlines()) == 2
    lines = tmp_path / "lines.json"  # JSON lines in a file named like a list
    lines.write_text(good(name="a") + "\n" + good(name="b") + "\n")
    code, _, err = run(["sweep", "--brief", str(lines)], capsys)
    assert code == 2 and "--input-format jsonl" in err
    code, out, _ = run(["sweep", "--brief", "--input-format", "jsonl", str(lines)], capsys)
    assert code == 0 and len(out.splitlines()) == 2


def test_standard_input_is_json_lines_by_default(capsys, monkeypatch):
    code, out, _ = run(["sweep", "--brief", "-"], capsys,
                       (good(name="a") + "\n" + good(name="b") + "\n").encode(), monkeypatch)
    assert code == 0 and [json.loads(x)["name"] for x in out.splitlines()] == ["a", "b"]


def test_an_overlong_line_is_reported_and_the_rest_go_on(tmp_path, capsys):
    source = tmp_path / "long.jsonl"
    padding = "x" * (MAX_LINE_BYTES + 10)
    source.write_text(good(name="a") + "\n" + good(name=padding) + "\n" + good(name="c") + "\n")
    code, out, _ = run(["sweep", "--brief", "-j", "1", str(source)], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and [r["line"] for r in records] == [1, 2, 3]
    assert f"a line may hold {MAX_LINE_BYTES:,}" in records[1]["error"]
    assert records[2]["name"] == "c"


def test_the_total_limit_stops_the_run_and_keeps_what_was_done(tmp_path, capsys, monkeypatch):
    import recommender.sweep as module
    monkeypatch.setattr(module, "MAX_SWEEP_BYTES", 1500)
    monkeypatch.setattr(module, "_READ", 256)
    lines = "".join(good(name=f"w{i}") + "\n" for i in range(40)).encode()
    source = tmp_path / "big.jsonl"
    source.write_bytes(lines)
    code, _, err = run(["sweep", "--brief", str(source)], capsys)  # a file: refused at once
    assert code == 2 and "a sweep input may hold 1,500" in err
    out_file = tmp_path / "out.jsonl"  # a stream: stopped when reading gets there
    code, _, err = run(["sweep", "--brief", "-j", "1", "-", "-o", str(out_file)], capsys,
                       lines, monkeypatch)
    assert code == 2 and "the limit of a sweep input" in err and not out_file.exists()
    kept = [json.loads(x) for x in Path(f"{out_file}.partial").read_text().splitlines()]
    assert kept and [r["line"] for r in kept] == list(range(1, len(kept) + 1))


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["--input-format", "yaml"]])
def test_dev_zero_is_refused_promptly(extra):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    start = time.monotonic()
    result = recommend("sweep", "/dev/zero", *extra, timeout=30)
    err = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in err and "MemoryError" not in err
    assert "limit" in err and "/dev/zero" in err and len(err.strip().splitlines()) == 1
    assert time.monotonic() - start < 10


def test_the_python_api_takes_lines_mappings_and_files(tmp_path):
    from recommender import Workload
    records = list(sweep([good(name="a"), "", {**GOOD, "name": "b"}, "{oops", 5,
                          Workload.from_mapping({**GOOD, "name": "w"})], brief=True))
    assert [(r["line"], r.get("name")) for r in records] == \
        [(1, "a"), (3, "b"), (4, None), (5, None), (6, "w")]
    assert records[2]["error"].startswith("<items>, line 4: ")
    assert "must be a mapping" in records[3]["error"]
    source = tmp_path / "many.jsonl"
    source.write_text("".join(good(name=f"w{i}") + "\n" for i in range(1100)))
    with Sweep(source, brief=True, jobs=2) as run_:
        names = [r["name"] for r in run_.records()]
    assert names == [f"w{i}" for i in range(1100)] and run_.failures == 0
    with open(source, "rb") as handle:
        first = next(sweep(handle))
    assert first["line"] == 1 and first["advice"]["workload"]["name"] == "w0"


# --- the same file in and out, unwritable outputs --------------------------------------------

@pytest.fixture
def source(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(good(name="a") + "\n" + good(name="b") + "\n")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("how", ["same path", "symlink", "hard link", "stdin redirect",
                                 "partial", "stdout append"])
def test_writing_over_the_input_is_refused(source, tmp_path, how):
    before = source.read_bytes()
    stdin, stdout, argv = None, subprocess.PIPE, ["sweep", "--brief", source]
    if how == "same path":
        argv += ["-o", source]
    elif how == "symlink":
        (tmp_path / "link.jsonl").symlink_to(source)
        argv += ["-o", tmp_path / "link.jsonl"]
    elif how == "hard link":
        os.link(source, tmp_path / "hard.jsonl")
        argv += ["-o", tmp_path / "hard.jsonl"]
    elif how == "stdin redirect":
        stdin, argv = open(source, "rb"), ["sweep", "--brief", "-", "-o", source]
    elif how == "partial":  # an interrupted run would replace the input with its .partial
        partial = tmp_path / "out.jsonl.partial"
        os.replace(source, partial)
        source = partial
        argv = ["sweep", "--brief", partial, "-o", tmp_path / "out.jsonl"]
    else:
        stdout = open(source, "ab")
    try:
        result = recommend(*argv, stdin=stdin, stdout=stdout)
    finally:
        for stream in (stdin, stdout):
            if hasattr(stream, "close"):
                stream.close()
    err = result.stderr.decode()
    assert result.returncode == 2 and len(err.strip().splitlines()) == 1, err
    assert "the same file" in err or "is the input file" in err or "reads from" in err
    assert source.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_unwritable_output_is_refused_before_any_work(source, tmp_path, capsys):
    for target, says in [(tmp_path / "none" / "out.jsonl", "does not exist"),
                         (tmp_path, "is a directory")]:
        code, out, err = run(["sweep", "--brief", str(source), "-o", str(target)], capsys)
        assert code == 2 and out == "" and str(target) in err and says in err
        assert len(err.strip().splitlines()) == 1
    if os.geteuid() != 0:  # root may write anything
        locked = tmp_path / "locked.jsonl"
        locked.write_text("keep\n")
        locked.chmod(0o444)
        code, _, err = run(["sweep", "--brief", str(source), "-o", str(locked)], capsys)
        assert code == 2 and "permission denied" in err and locked.read_text() == "keep\n"


def test_an_existing_output_is_replaced_only_when_complete(source, tmp_path, capsys):
    out_file = tmp_path / "out.jsonl"
    out_file.write_text("previous\n")
    out_file.chmod(0o640)
    code, _, _ = run(["sweep", "--brief", str(source), "-o", str(out_file)], capsys)
    assert code == 0 and len(out_file.read_text().splitlines()) == 2
    assert (out_file.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


# --- prompt, clean stops ----------------------------------------------------------------------

def many(tmp_path, count=20_000) -> Path:
    path = tmp_path / "big.jsonl"
    with open(path, "w") as handle:
        for i in range(count):
            handle.write(good(name=f"w{i}", latency=["batch", "realtime"][i % 2]) + "\n")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("existing", [False, True])
def test_ctrl_c_stops_a_parallel_sweep_at_once_and_keeps_the_finished_lines(tmp_path, existing):
    big = many(tmp_path)
    out_file = tmp_path / "out.jsonl"
    if existing:
        out_file.write_text("the previous output\n")
    environment = {k: v for k, v in os.environ.items() if k != "RECOMMEND_DEBUG"}
    child = subprocess.Popen([sys.executable, "-P", "-m", "recommender.cli", "sweep", "--brief",
                              str(big), "-o", str(out_file), "--jobs", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    try:
        deadline = time.monotonic() + 30  # wait until records reach the temporary file
        while time.monotonic() < deadline:
            temporary = [p for p in tmp_path.iterdir() if p.name.startswith(".out.jsonl.")]
            if temporary and temporary[0].stat().st_size > 0:
                break
            assert child.poll() is None, child.stderr.read()
            time.sleep(0.05)
        else:
            pytest.fail("no output after 30 s")
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        sent = time.monotonic()
        code = child.wait(timeout=10)
        took = time.monotonic() - sent
    finally:
        child.kill()
    err = child.stderr.read().decode()
    child.stdout.close()
    child.stderr.close()
    assert code == 130 and took < 2, (code, took, err)
    assert "Traceback" not in err and err.strip().endswith("recommend: interrupted")
    assert "out.jsonl.partial" in err and "was not changed" in err
    if existing:
        assert out_file.read_text() == "the previous output\n"
    else:
        assert not out_file.exists()
    data = Path(f"{out_file}.partial").read_bytes()
    assert data.endswith(b"\n")
    records = [json.loads(line) for line in data.splitlines()]
    assert 0 < len(records) < 20_000
    assert [r["line"] for r in records] == list(range(1, len(records) + 1))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_a_closed_pipe_stops_the_sweep_at_once_and_quietly(tmp_path):
    big = many(tmp_path)
    environment = {k: v for k, v in os.environ.items() if k != "RECOMMEND_DEBUG"}
    child = subprocess.Popen([sys.executable, "-P", "-m", "recommender.cli", "sweep", "--brief",
                              str(big), "--jobs", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    try:
        first = child.stdout.readline()  # like `| head -1`
        child.stdout.close()
        closed = time.monotonic()
        code = child.wait(timeout=20)
        took = time.monotonic() - closed
    finally:
        child.kill()
    err = child.stderr.read()
    child.stderr.close()
    assert json.loads(first)["line"] == 1
    assert code == 141 and err == b"" and took < 5, (code, took)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_full_disk_is_exit_2_with_one_line(source):
    for argv, stdout in [(["-o", "/dev/full"], subprocess.PIPE), ([], "/dev/full")]:
        if stdout == "/dev/full":
            with open("/dev/full", "wb") as full:
                result = recommend("sweep", "--brief", source, *argv, stdout=full)
        else:
            result = recommend("sweep", "--brief", source, *argv, stdout=stdout)
        err = result.stderr.decode()
        assert result.returncode == 2 and len(err.strip().splitlines()) == 1, err
        assert "no space left" in err and "Traceback" not in err


def test_json_lines_are_held_to_the_workload_limits_at_their_edges(tmp_path, capsys):
    """A JSON line is walked for its depth and its number of values only when its brackets or
    its length could exceed them, and for lone surrogates only when it holds a \\u escape: at
    each edge the verdict is what the full checks give."""
    nest = lambda levels: {**GOOD, "name": "deep", "x": json.loads("[" * levels + "]" * levels)}
    rows = [nest(19), nest(20),                                     # within, then one too many
            {**GOOD, "name": "many", "x": [0] * 10_000},             # 10,001 values
            {**GOOD, "name": "{[" * 30},                             # brackets in text only
            {**GOOD, "name": "escaped \u00e9"}, {**GOOD, "name": "lone \ud800"}]
    source = tmp_path / "edges.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))  # \u escapes
    code, out, _ = run(["sweep", "--brief", str(source)], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and len(records) == 6
    assert "not a workload key" in records[0]["error"]   # read, then refused as a workload
    assert "nested more than 20 levels" in records[1]["error"]
    assert "more than 10000 values" in records[2]["error"]
    assert records[3]["name"] == "{[" * 30 and records[4]["name"] == "escaped \u00e9"
    assert "lone surrogate" in records[5]["error"]


@settings(max_examples=40, deadline=None)
@given(workloads, st.text(min_size=1, max_size=20).filter(
    lambda s: all(not ("\x00" <= c <= "\x1f" or "\x7f" <= c <= "\x9f") for c in s)))
def test_a_brief_line_is_the_json_of_its_record(data, name):
    """--brief lines are put together from each name's JSON text: the same line as encoding
    the record, for any name (quotes, non-ASCII, line separators) and any advice."""
    from recommender._advice import brief
    from recommender.sweep import _brief_line, _encode
    advice = advise({**data, "name": name})
    record = {"line": 7, "name": advice.workload.name, "choices": brief(advice)}
    assert _brief_line(7, advice) == _encode(record)
    advice.recommendations  # read: the line is written from the recommendations
    assert _brief_line(7, advice) == _encode(record)
