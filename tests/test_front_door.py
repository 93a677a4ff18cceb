"""The front door: the package works wherever it is installed, the default answer fits on one
screen, and the command behaves as users of checkov, cfn-lint and semgrep expect."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import recommender
from clirun import run
from recommender import advise
from recommender._advice import lifecycle_entry
from recommender._categories import SINGLE
from recommender._documents import load_path
from recommender._rulebook import default_rules_dir, discover
from recommender._terminal import terminal_width, width_of

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
HOUSE_RULES = ROOT / "examples" / "house-rules"
COMMAND = Path(sys.executable).parent / "recommend"


# ---------------------------------------------------------------------------------------------
# Where the package lives does not matter


def test_the_suite_imports_the_installed_package_not_the_checkout():
    assert Path(recommender.__file__).resolve().parent != ROOT / "recommender"
    assert default_rules_dir().parent == Path(recommender.__file__).resolve().parent


@pytest.mark.slow
def test_the_suite_refuses_to_test_the_checkout():
    """`python -m pytest` from the root puts the checkout first on sys.path: the suite stops."""
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "tests/test_documents.py"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode != 0
    assert "imported recommender from the checkout" in result.stdout + result.stderr


def test_team_rules_inside_a_dotted_folder_are_found(tmp_path, capsys):
    team = tmp_path / ".recommender" / "rules"
    shutil.copytree(HOUSE_RULES, team)
    found, _ = discover(team)
    assert {p.name for p in found} == {p.name for p in HOUSE_RULES.rglob("*.yaml")
                                       if p.name != "choices.yaml"}
    code, out, err = run(["--format", "json", "--rules", str(team),
                          str(ROOT / "examples" / "xray-triage.yaml")], capsys)
    assert code == 0, err
    rules = {i["rule"] for items in json.loads(out)["recommendations"].values() for i in items}
    assert any(r.startswith(("security.", "mlops.", "deployment.")) and
               (team / r.split(".")[0] / f"{r.split('.', 1)[1]}.yaml").exists() for r in rules)


def test_hidden_entries_below_the_rules_directory_are_skipped_and_named(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(HOUSE_RULES, rules)
    (rules / ".git").mkdir()
    (rules / ".git" / "x.yaml").write_text("not a rule")
    (rules / "security" / ".draft.yaml").write_text("not a rule")
    found, skipped = discover(rules)
    assert all(not any(part.startswith(".") for part in p.relative_to(rules).parts)
               for p in found)
    assert set(skipped["hidden"]) == {".git", "security/.draft.yaml"}


def test_a_directory_without_rule_files_says_what_it_looked_at(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(["--no-bundled-rules", "--rules", str(empty), str(EXAMPLES[0])], capsys)
    assert code == 2 and "it is empty" in err
    stray = tmp_path / "stray"
    (stray / ".hidden").mkdir(parents=True)
    (stray / ".hidden" / "r.yaml").write_text("x: 1")
    (stray / "top.yaml").write_text("x: 1")
    (stray / "notes.txt").write_text("x")
    code, _, err = run(["--no-bundled-rules", "--rules", str(stray), str(EXAMPLES[0])], capsys)
    assert code == 2
    for fragment in ("of 3 entries looked at", "1 hidden (.hidden)", "notes.txt",
                     "top.yaml", "<category>/<name>.yaml"):
        assert fragment in err


# ---------------------------------------------------------------------------------------------
# An answer on one screen


def _summary(path: Path, width: int = 80, *extra: str) -> str:
    """`recommend [extra] PATH` at `width` columns, in process (the width is given the way a
    terminal gives it: COLUMNS)."""
    import io
    import contextlib
    from recommender.cli import main
    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main([*extra, str(path)])
            except SystemExit as exc:
                assert not exc.code, err.getvalue()
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    return out.getvalue()


def test_the_width_reaches_a_real_process_through_columns():
    result = subprocess.run([str(COMMAND), str(EXAMPLES[0])], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "64"})
    assert result.returncode == 0
    assert max(width_of(line) for line in result.stdout.splitlines()) <= 64


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_fits_one_screen_at_80_columns(path):
    """Under 40 lines, none wider than 80 columns, and every category on its own line with its
    primary choice."""
    text = _summary(path)
    lines = text.splitlines()
    assert len(lines) < 40
    assert max(width_of(line) for line in lines) <= 80
    advice = advise(load_path(path))
    for category, items in advice.recommendations.items():
        title = "MLOps" if category == "mlops" else category.replace("_", " ").capitalize()
        row = next(line for line in lines if line.startswith(title + " "))
        assert items[0].choice[:10] in row


def test_the_readme_sample_is_real_output():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("## A sample", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]

    def unversioned(text):  # the rule base's hash changes with every rule edit
        return re.sub(r"\+[0-9a-f]{12}", "+<hash>", text)
    assert unversioned(sample) == unversioned(_summary(ROOT / "examples" / "fraud-scoring.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_flagged_service_is_marked_on_the_row_that_recommends_it(path):
    """A closed, retired or renamed choice carries a note number on its own row, and the note
    under the table says what happened to it."""
    lines = _summary(path).splitlines()
    advice = advise(load_path(path))
    for category, items in advice.recommendations.items():
        shown = items[:1] if category in SINGLE else items
        for item in shown:
            entry = lifecycle_entry(item.choice)
            if entry is None or not entry.needs_warning:
                continue
            note = next(line for line in lines if line.startswith("[") and
                        f"] {item.choice}: " in line)
            mark = note.split("]")[0] + "]"
            title = "MLOps" if category == "mlops" else category.replace("_", " ").capitalize()
            row = next(line for line in lines if line.startswith(title + " "))
            assert mark in row, (row, note)
            if entry.closed:
                assert "closed" in note or "retired" in note


def test_narrow_terminals_get_a_stacked_layout():
    text = _summary(ROOT / "examples" / "fraud-scoring.yaml", 40)
    lines = text.splitlines()
    assert max(width_of(line) for line in lines) <= 40
    assert any(line.startswith("Storage: ") for line in lines)
    details = _summary(ROOT / "examples" / "fraud-scoring.yaml", 70, "--details")
    assert "\nSTORAGE\n" in details  # no 30-column justification table
    # every line fits, but an AWS page's address, which is never broken
    assert max(width_of(line) for line in details.splitlines()
               if "https://" not in line) <= 70


@pytest.mark.parametrize("width", [80, 120])
def test_details_hold_every_justification_and_source(width):
    """`--details` is the full record: the primary justification of each single-choice
    category, every stack item's, every source and every warning."""
    path = ROOT / "examples" / "xray-triage.yaml"
    lines = _summary(path, width, "--details").splitlines()
    header = next((line for line in lines if line.startswith("Category ")), None)
    if header is not None:  # a table: read the Why column alone, line after line
        start, end = header.index("Why"), header.index("Sources")
        text = " ".join(" ".join(line[start:end] for line in lines).split())
        text += " " + " ".join(line[end:] for line in lines) + " " + " ".join(lines)
    else:
        text = " ".join(" ".join(lines).split())
    advice = advise(load_path(path))
    for category, items in advice.recommendations.items():
        for item in items[:1] if category in SINGLE else items:
            assert " ".join(item.justification.split()) in text
            assert all(s in text for s in item.sources)
    for warning in advice.warnings:
        assert warning.rule in text


def test_the_width_comes_from_columns_then_the_terminal_then_100(monkeypatch):
    monkeypatch.setenv("COLUMNS", "93")
    assert terminal_width() == 93
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr(os, "isatty", lambda fd: False)

    def no_tty(*args, **kwargs):
        raise OSError("no controlling terminal")
    monkeypatch.setattr(os, "open", no_tty)
    assert terminal_width() == 100


def test_a_pager_still_gets_the_controlling_terminal_width(monkeypatch):
    """Piped into `less`, standard output is not a terminal; /dev/tty still is."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(os, "isatty", lambda fd: False)
    opened = []
    monkeypatch.setattr(os, "open", lambda path, flags: opened.append(path) or 99)
    monkeypatch.setattr(os, "close", lambda fd: None)
    monkeypatch.setattr(os, "get_terminal_size",
                        lambda fd: os.terminal_size((132, 40)) if fd == 99 else (_ for _ in ()).throw(OSError()))
    assert terminal_width() == 132 and opened == ["/dev/tty"]


def test_control_characters_from_team_rules_are_shown_not_sent(tmp_path, capsys):
    team = tmp_path / "team"
    shutil.copytree(HOUSE_RULES, team)
    rule = team / "security" / "macie-before-training.yaml"
    data = yaml.safe_load(rule.read_text())
    data["because"] = "\x1b]0;pwned\x07\x1b[2J " + data["because"]
    rule.write_text(yaml.safe_dump(data))  # PyYAML writes the controls as "\e" escapes
    code, out, err = run(["--details", "--rules", str(team),
                          str(ROOT / "examples" / "xray-triage.yaml")], capsys)
    assert code == 0, err
    assert "\x1b" not in out and "\\x1b]0;pwned" in out


# ---------------------------------------------------------------------------------------------
# CLI conventions


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html"])
def test_output_file_for_every_format_equals_standard_output(fmt, tmp_path, capsys):
    example = str(ROOT / "examples" / "house-prices.yaml")
    target = tmp_path / f"advice.{fmt}"
    code, out, _ = run(["--format", fmt, "--width", "100", example], capsys)
    assert code == 0
    code, written, err = run(["--format", fmt, "--width", "100", "-o", str(target), example],
                             capsys)
    assert code == 0 and written == "" and err == ""
    assert target.read_text(encoding="utf-8") == out
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_output_over_the_input_is_refused_before_any_work(tmp_path, capsys):
    source = tmp_path / "w.yaml"
    source.write_bytes((ROOT / "examples" / "house-prices.yaml").read_bytes())
    before = source.read_bytes()
    link = tmp_path / "link.yaml"
    link.symlink_to(source)
    hard = tmp_path / "hard.yaml"
    os.link(source, hard)
    for target in (source, link, hard):
        code, out, err = run(["-o", str(target), str(source)], capsys)
        assert code == 2 and "the same file" in err and out == ""
        assert source.read_bytes() == before


def test_an_unwritable_output_is_exit_2_and_names_it(tmp_path, capsys):
    example = str(ROOT / "examples" / "house-prices.yaml")
    for target in (tmp_path / "missing" / "x.txt", tmp_path):
        code, _, err = run(["-o", str(target), example], capsys)
        assert code == 2 and str(target) in err and "writ" in err
        assert "Traceback" not in err


def test_fail_on_closed_and_warning(capsys):
    forecast = str(ROOT / "examples" / "retail-demand-forecast.yaml")
    clean = str(ROOT / "examples" / "support-chatbot.yaml")
    code, out, err = run(["--existing-customer", "--fail-on", "closed", forecast], capsys)
    assert code == 3 and "Amazon Forecast (service choice) is closed" in err and out
    code, out, err = run(["--existing-service", "Amazon Forecast", "--fail-on", "closed",
                          forecast], capsys)
    assert code == 3 and "Amazon Forecast (service choice) is closed" in err and out
    code, _, err = run(["--fail-on", "closed", clean], capsys)
    assert code == 0 and err == ""
    code, _, err = run(["--fail-on", "warning", str(ROOT / "examples" / "house-prices.yaml")],
                       capsys)
    assert code == 3 and "--fail-on" in err
    # a rename alone does not stop a build
    code, _, _ = run(["--fail-on", "warning", clean], capsys)
    assert code == 0
    code, _, _ = run(["--fail-on", "closed", forecast], capsys)  # new customer: the default
    assert code == 0


def test_diff_exit_code(capsys):
    a = str(ROOT / "examples" / "house-prices.yaml")
    b = str(ROOT / "examples" / "customer-segments.yaml")
    assert run(["diff", "--exit-code", a, a], capsys)[0] == 0
    code, out, _ = run(["diff", "--exit-code", a, b], capsys)
    assert code == 1 and "Recommendations that changed" in out
    assert run(["diff", a, b], capsys)[0] == 0


def test_top_level_help_shows_the_main_options_and_examples(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    for fragment in ("Examples:", "--details", "--format", "--output", "--fail-on",
                     "--version", "Commands:", "sweep", "why-not"):
        assert fragment in out
    assert out.count("recommend ") >= 3


def _commands(group, prefix=()):
    import click
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def test_every_option_of_every_command_has_help():
    import click
    from recommender.cli import cli
    missing = [f"{' '.join(path)} {param.opts[0]}" for path, command in _commands(cli)
               for param in command.params
               if isinstance(param, click.Option) and not param.help]
    missing += [f"recommend {p.opts[0]}" for p in cli.params
                if isinstance(p, click.Option) and not p.help]
    assert missing == []


def test_a_misspelt_subcommand_gets_a_suggestion(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["swep", "x.jsonl"], capsys)
    assert code == 2 and "did you mean 'sweep'" in err
    code, _, err = run(["rules", "shwo", "x"], capsys)
    assert code == 2 and "show" in err
    # a file of that name is a workload, not a typo
    (tmp_path / "swep").write_text((ROOT / "examples" / "house-prices.yaml").read_text())
    assert run(["swep"], capsys)[0] == 0


@pytest.mark.parametrize("asked, expected", [
    ("content moderation", "Amazon Rekognition"),
    ("Content  Moderation", "Amazon Rekognition"),
    ("automl", "SageMaker Autopilot"),
    ("kinesys data streams", "Amazon Kinesis Data Streams"),
    ("apache airflow", "Amazon MWAA"),
])
def test_why_not_knows_synonyms_and_typos(asked, expected, capsys):
    code, out, err = run(["why-not", str(ROOT / "examples" / "house-prices.yaml"), asked], capsys)
    assert (code == 0 and expected in out) or (code == 2 and f"did you mean `{expected}`" in err)


@pytest.mark.parametrize("asked, says", [
    ("OpenSearch", "not in the rule base yet"),
    ("Contact Lens", "not in the rule base yet"),
    ("xyz", None),
    ("content", None),
])
def test_why_not_stays_silent_on_weak_matches(asked, says, capsys):
    code, _, err = run(["why-not", str(ROOT / "examples" / "house-prices.yaml"), asked], capsys)
    assert code == 2 and "did you mean" not in err
    if says:
        assert says in err


def test_shell_completion_script_is_generated():
    result = subprocess.run([str(COMMAND)], env={**os.environ, "_RECOMMEND_COMPLETE":
                                                 "bash_source"}, capture_output=True, text=True)
    assert result.returncode == 0 and "_recommend_completion" in result.stdout


def test_pre_commit_hooks_check_workloads_and_rule_directories(tmp_path):
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"recommend-check-workloads", "recommend-check-rules"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: regression\n")

    def hook(name, *args):
        entry = hooks[name]["entry"].split()
        assert entry[0] == "recommend"
        return subprocess.run([str(COMMAND), *entry[1:], *args], capture_output=True, text=True)

    ok = hook("recommend-check-workloads", *map(str, EXAMPLES[:3]))
    assert ok.returncode == 0 and ok.stdout == ""
    refused = hook("recommend-check-workloads", str(EXAMPLES[0]), str(bad))
    assert refused.returncode == 2 and str(bad) in refused.stderr and "modality" in refused.stderr
    assert hook("recommend-check-rules", str(HOUSE_RULES)).returncode == 0
    broken = tmp_path / "team" / "security"
    broken.mkdir(parents=True)
    (broken / "x.yaml").write_text("id: security.x\n")
    result = hook("recommend-check-rules", str(tmp_path / "team"))
    assert result.returncode == 2 and "x.yaml" in result.stderr
