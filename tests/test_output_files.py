"""Output files never destroy input (recommender/_output.py), and the standard streams' failures
get their conventional exit statuses (cli.main)."""

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import recommender._output as output
from recommender._errors import InputError
from recommender._output import (AtomicOutput, OutputError, check_target, refuse_same_file,
                                write_text_atomically)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fraud-scoring.yaml"
GOOD = {"task": "regression", "modality": "tabular", "data_volume": "5 GB",
        "latency": "batch", "labels": "labeled", "customization": "high"}


def leftovers(folder: Path) -> list[str]:
    """Temporary files left behind (they start with a dot)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- AtomicOutput -----------------------------------------------------------------------------

def test_the_target_is_replaced_only_when_complete(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with AtomicOutput(target) as out:
        out.write("new 1\n")
        assert target.read_text() == "old\n"  # not yet
        out.write("new 2\n")
    assert target.read_text() == "new 1\nnew 2\n" and leftovers(tmp_path) == []


@pytest.mark.parametrize("existed", [True, False])
@pytest.mark.parametrize("stop", [RuntimeError, KeyboardInterrupt])
def test_a_failure_leaves_the_target_as_it_was_and_nothing_else(tmp_path, existed, stop):
    target = tmp_path / "out.md"
    if existed:
        target.write_text("old\n")
    with pytest.raises(stop):
        with AtomicOutput(target) as out:
            out.write("half a report\n" * 10_000)
            raise stop()
    assert (target.read_text() == "old\n") if existed else not target.exists()
    assert leftovers(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == \
        (["out.md"] if existed else [])


def test_kept_partial_work_holds_only_complete_records(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "_BUFFER", 1)  # every record is written at once
    real_write, calls = os.write, []

    def full_disk(fd, data):
        calls.append(len(data))
        if len(calls) == 3:  # the third record: half of it fits, then the disk is full
            real_write(fd, bytes(data[:len(data) // 2]))
        if len(calls) >= 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    monkeypatch.setattr(output.os, "write", full_disk)
    out = AtomicOutput(target, keep_partial=True)
    with pytest.raises(OutputError, match="no space left"):
        with out:
            for n in range(5):
                out.write(json.dumps({"record": n}) + "\n")
    assert target.read_text() == "previous\n" and out.partial_path == f"{target}.partial"
    assert Path(out.partial_path).read_text() == '{"record": 0}\n{"record": 1}\n'
    assert out.kept == 2
    assert leftovers(tmp_path) == []


def test_an_interrupted_write_is_finished_into_the_partial_file(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "_BUFFER", 1)
    real_write, calls = os.write, []

    def interrupted(fd, data):  # Ctrl-C between two system calls of one record
        calls.append(1)
        if len(calls) == 2:
            real_write(fd, bytes(data[:3]))
            raise KeyboardInterrupt
        return real_write(fd, data)

    monkeypatch.setattr(output.os, "write", interrupted)
    target = tmp_path / "out.jsonl"
    out = AtomicOutput(target, keep_partial=True)
    with pytest.raises(KeyboardInterrupt):
        with out:
            out.write("one\n")
            out.write("two\n")
    assert not target.exists() and Path(out.partial_path).read_text() == "one\ntwo\n"
    assert out.kept == 2


def test_nothing_finished_means_no_partial_file(tmp_path):
    out = AtomicOutput(tmp_path / "out.jsonl", keep_partial=True)
    with pytest.raises(KeyboardInterrupt):
        with out:
            raise KeyboardInterrupt
    assert out.partial_path is None and list(tmp_path.iterdir()) == []


def test_permissions_are_kept_and_new_files_follow_the_umask(tmp_path):
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o604)
    write_text_atomically(kept, "new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604 and kept.read_text() == "new"
    mask = os.umask(0o027)
    try:
        write_text_atomically(tmp_path / "new.txt", "x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_text_atomically(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_a_device_is_written_in_place():
    write_text_atomically("/dev/null", "nothing to see\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_dash_means_standard_output(capsys):
    write_text_atomically("-", "to stdout\n")
    write_text_atomically(None, "again\n")
    assert capsys.readouterr().out == "to stdout\nagain\n"


def test_unwritable_targets_are_refused_before_any_work(tmp_path):
    cases = [(tmp_path / "missing" / "out.txt", "directory .* does not exist"),
             (tmp_path, "is a directory"),
             ("bad\x00name", "not a usable file name")]
    if os.geteuid() != 0:  # root may write anything
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        cases.append((locked / "out.txt", "no permission to create files"))
        read_only = tmp_path / "read-only.txt"
        read_only.write_text("keep")
        read_only.chmod(0o444)
        cases.append((read_only, "permission denied"))
    for target, message in cases:
        with pytest.raises(OutputError, match=message) as info:
            AtomicOutput(target)
        assert isinstance(info.value, InputError) and "\n" not in str(info.value)
        with pytest.raises(OutputError, match=message):
            check_target(target)


# --- the same file in and out -----------------------------------------------------------------

def test_the_same_file_however_reached_is_refused(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("data\n")
    (tmp_path / "soft").symlink_to(source)
    os.link(source, tmp_path / "hard")
    for target in (source, tmp_path / "soft", tmp_path / "hard", tmp_path / "." / "in.jsonl"):
        with pytest.raises(OutputError, match="same file") as info:
            refuse_same_file([tmp_path / "other", source], target)
        assert str(target) in str(info.value) and str(source) in str(info.value)
        with pytest.raises(OutputError):
            AtomicOutput(target, inputs=[source])
    refuse_same_file([source], tmp_path / "elsewhere")  # a new file is fine
    kept = tmp_path / "out.partial"  # where an interrupted run would keep its work
    kept.write_text("")
    refuse_same_file([kept], tmp_path / "out")
    with pytest.raises(OutputError, match="out.partial"):
        refuse_same_file([kept], tmp_path / "out", partial=True)
    assert source.read_text() == "data\n"


def test_standard_input_redirected_from_the_target_is_refused(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("data\n")
    code = ("import sys\nfrom recommender._output import refuse_same_file, OutputError\n"
            "try:\n    refuse_same_file(['-'], sys.argv[1])\nexcept OutputError as e:\n"
            "    print(e)\n")
    with open(source, "rb") as stdin:
        result = subprocess.run([sys.executable, "-P", "-c", code, str(source)], stdin=stdin,
                                capture_output=True, text=True, timeout=60)
    assert "the file standard input reads from" in result.stdout, result.stderr


# --- the standard streams: exit statuses --------------------------------------------------------

def recommend(*argv, close=(), stdin=None, stdout=subprocess.PIPE, **options):
    """Run `recommend argv` (the installed package) with the descriptors in `close` closed."""
    environment = {k: v for k, v in os.environ.items() if k != "RECOMMEND_DEBUG"}

    def closing():
        for fd in close:
            os.close(fd)

    return subprocess.run([sys.executable, "-P", "-m", "recommender.cli", *map(str, argv)],
                          stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=environment,
                          preexec_fn=closing if close else None, timeout=60, **options)


def one_line(result) -> str:
    err = result.stderr.decode()
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.slow
@pytest.mark.parametrize("argv", [[EXAMPLE], ["--format", "json", EXAMPLE], ["sweep", "IN"]])
def test_a_closed_standard_output_is_exit_2(argv, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(GOOD) + "\n")
    argv = [source if a == "IN" else a for a in argv]
    result = recommend(*argv, close=[1], stdout=subprocess.DEVNULL)
    assert result.returncode == 2 and "<stdout>: is closed" in one_line(result)


@pytest.mark.slow
def test_a_closed_standard_output_is_fine_when_not_used(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(GOOD) + "\n")
    result = recommend("sweep", "--brief", source, "-o", tmp_path / "out.jsonl", close=[1],
                       stdout=subprocess.DEVNULL)
    assert result.returncode == 0 and result.stderr == b""
    assert json.loads((tmp_path / "out.jsonl").read_text())["line"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("argv", [["-"], ["sweep", "-"]])
def test_a_closed_standard_input_is_exit_2(argv):
    result = recommend(*argv, close=[0], stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "<stdin>: is closed" in one_line(result)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("argv", [[EXAMPLE], ["--format", "markdown", EXAMPLE],
                                  ["rules", "--format", "json"]])
def test_a_full_disk_on_standard_output_is_exit_2(argv):
    with open("/dev/full", "wb") as full:
        result = recommend(*argv, stdout=full)
    assert result.returncode == 2 and "no space left" in one_line(result)


@pytest.mark.slow
@pytest.mark.parametrize("argv", [["--format", "markdown", EXAMPLE], ["rules"]])
def test_a_closed_pipe_is_exit_141_quietly(argv):
    reader, writer = os.pipe()
    os.close(reader)  # the reader has gone before the first write
    try:
        result = recommend(*argv, stdout=writer)
    finally:
        os.close(writer)
    assert result.returncode == 141 and result.stderr == b""


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_is_exit_130_with_one_line(jobs):
    environment = {k: v for k, v in os.environ.items() if k != "RECOMMEND_DEBUG"}
    child = subprocess.Popen([sys.executable, "-P", "-m", "recommender.cli", "sweep", "--brief",
                              "-j", jobs, "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=environment)
    try:
        child.stdin.write(json.dumps(GOOD).encode() + b"\n")
        child.stdin.flush()
        assert json.loads(child.stdout.readline())["line"] == 1  # running, waiting for more
        child.send_signal(signal.SIGINT)
        sent = time.monotonic()
        code = child.wait(timeout=10)
        took = time.monotonic() - sent
    finally:
        child.kill()
        child.stdin.close()
    err = child.stderr.read().decode()
    child.stdout.close()
    child.stderr.close()
    assert code == 130 and took < 1.5, (code, took, err)
    assert err.strip() == "recommend: interrupted"
