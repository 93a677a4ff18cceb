"""The `recommend` command: every example in every format, and clean refusals of bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clirun import run
from recommender._render import FORMATS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def test_there_are_enough_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_in_every_format(path, fmt, capsys):
    code, out, err = run(["--format", fmt, str(path)], capsys)
    assert code == 0 and err == ""
    if fmt == "json":
        doc = json.loads(out)
        assert doc["workload"]["name"]
        assert doc["recommendations"]["storage"][0]["choice"]
    elif fmt == "markdown":
        assert out.startswith("# Decision record: ") and "## Decisions" in out
        assert "```mermaid" in out and "Alternatives considered:" in out
    elif fmt == "html":
        assert out.lstrip().lower().startswith("<!doctype html>") and "<svg" in out
    else:
        assert "Storage" in out and "Deployment" in out and "Runner-up" in out


def test_table_fits_the_requested_width(capsys):
    code, out, _ = run(["--width", "80", str(EXAMPLES[0])], capsys)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80


def test_stdin(capsys, monkeypatch):
    code, out, _ = run(["--format", "json", "-"], capsys, EXAMPLES[0].read_bytes(), monkeypatch)
    assert code == 0 and json.loads(out)["workload"]["name"]


def test_schema(capsys):
    code, out, _ = run(["--schema"], capsys)
    schema = json.loads(out)
    assert code == 0 and set(schema["required"]) == {"task", "modality", "data_volume",
                                                     "latency", "labels", "customization"}
    assert schema["additionalProperties"] is False


BAD = {
    "bad-yaml.yaml": ("task: [unclosed\n", "not valid YAML"),
    "duplicate.yaml": ("task: regression\ntask: clustering\n", "appears twice"),
    "unknown-key.yaml": ("task: regression\nmodality: tabular\ndata_volume: 1 GB\n"
                         "latency: batch\nlabels: labeled\ncustomization: low\nlatancy: x\n",
                         "did you mean `latency`?"),
    "wrong-value.yaml": ("task: regression\nmodality: tabular\ndata_volume: 1 GB\n"
                         "latency: soon\nlabels: labeled\ncustomization: low\n",
                         "allowed: realtime, near_realtime, batch"),
    "bad-size.yaml": ("task: regression\nmodality: tabular\ndata_volume: 1 XB\n"
                      "latency: batch\nlabels: labeled\ncustomization: low\n", "unknown unit"),
    "tag.yaml": ("!!python/object/apply:os.system ['echo owned']\n", "YAML tag"),
    "nested.yaml": ("x: " + "[" * 60 + "]" * 60 + "\n", "nested"),
    "empty.yaml": ("", "empty"),
    "list.yaml": ("- task\n", "mapping"),
    "huge.yaml": ("x: '" + "a" * 1_100_000 + "'\n", "limit"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_exits_2_with_a_message_and_no_traceback(name, tmp_path, capsys):
    text, fragment = BAD[name]
    path = tmp_path / name
    path.write_text(text)
    code, out, err = run([str(path)], capsys)
    assert code == 2 and out == ""
    assert str(path) in err and fragment in err and "Traceback" not in err


def test_missing_file_and_directory_exit_2(tmp_path, capsys):
    code, _, err = run([str(tmp_path / "nope.yaml")], capsys)
    assert code == 2 and "does not exist" in err
    code, _, err = run([str(tmp_path)], capsys)
    assert code == 2 and "directory" in err


def test_bad_option_exits_2(capsys):
    code, _, err = run(["--format", "xml", str(EXAMPLES[0])], capsys)
    assert code == 2 and "xml" in err


def test_internal_fault_exits_1_without_traceback(capsys, monkeypatch):
    import recommender.cli as cli

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")
    monkeypatch.setattr(cli, "render", boom)
    code, _, err = run([str(EXAMPLES[0])], capsys)
    assert code == 1 and "internal error" in err and "Traceback" not in err


def test_the_installed_command_runs_as_a_process():
    """The real entry point, in a subprocess: exit statuses survive the process boundary."""
    ok = subprocess.run([sys.executable, "-P", "-m", "recommender.cli", str(EXAMPLES[0])],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "Storage" in ok.stdout
    bad = subprocess.run([sys.executable, "-P", "-m", "recommender.cli", "-"], input="- x\n",
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "<stdin>" in bad.stderr and "Traceback" not in bad.stderr


def test_several_workloads_in_one_run(capsys):
    """`recommend examples/*.yaml` prints every advice; JSON becomes a list in file order."""
    code, out, _ = run([str(p) for p in EXAMPLES], capsys)
    assert code == 0 and out.count("Every justification and source") == len(EXAMPLES)
    code, out, _ = run(["--format", "json", *map(str, EXAMPLES[:3])], capsys)
    names = [doc["workload"]["name"] for doc in json.loads(out)]
    from recommender._documents import load_path
    assert code == 0 and names == [load_path(p).get("name", p.stem) for p in EXAMPLES[:3]]


def test_a_bad_file_among_several_is_reported_and_the_rest_still_run(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: [\n")
    code, out, err = run([str(EXAMPLES[0]), str(bad), str(EXAMPLES[1])], capsys)
    assert code == 2 and out.count("Every justification and source") == 2 and str(bad) in err


def test_version_and_help_answer_without_pydantic_or_the_rule_base(tmp_path):
    """`recommend --version` and `--help` answer from the command's own module: importing it,
    and answering them, loads neither pydantic (the workload models) nor the rule base, so
    they take a fraction of an advising run (benchmarks/run.py measures it)."""
    probe = ("import sys\nfrom recommender.cli import main\n"
             "for argv in (['--version'], ['--help']):\n"
             "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
             "heavy = {'pydantic', 'tabulate', 'recommender._workload', 'recommender._rulebook',"
             " 'recommender._conditions', 'recommender._core', 'recommender._view'}\n"
             "print(sorted(heavy & set(sys.modules)), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert done.stderr.strip() == "[]"
    assert "recommend, version" in done.stdout and "Usage: recommend" in done.stdout


def test_the_package_names_load_when_first_used(tmp_path):
    """`import recommender` is cheap; each public name is there when asked for, and an
    unknown one is an AttributeError as for any module."""
    probe = ("import sys, recommender\nassert 'pydantic' not in sys.modules\n"
             "from recommender import Workload, advise, RuleBaseError\n"
             "assert set(recommender.__all__) <= set(dir(recommender))\n"
             "assert all(getattr(recommender, name) is not None for name in recommender.__all__)\n"
             "try:\n    recommender.nothing\nexcept AttributeError:\n    print('ok')\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert done.stdout.strip() == "ok"


def test_the_benchmark_draws_valid_workloads_of_every_field():
    """benchmarks/run.py draws its generated workloads from the field catalogue, so a field
    added later is drawn too; every one of them must be a valid workload (a size field drawn
    as a fraction once stopped the benchmark)."""
    import importlib.util
    from pathlib import Path

    from recommender._workload import FIELDS, Workload
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("benchmark_run", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    drawn = module.generated(400)
    for data in drawn:
        Workload.from_mapping(data)
    heads = {key.split(".")[0] for data in drawn for key in data}
    assert {path.split(".")[0] for path in FIELDS} - {"diagnostics"} <= heads | {"time_series"}
