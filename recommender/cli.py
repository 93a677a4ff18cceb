"""The `recommend` command.

    recommend WORKLOAD.yaml                 a table of the recommended architecture
    recommend --format json WORKLOAD.yaml   the JSON contract (docs/output.md)
    recommend --format markdown -           a report, reading the workload from stdin
    recommend --schema                      the JSON Schema of a workload
    recommend --what-if WORKLOAD.yaml       also the smallest changes that would alter each decision
    recommend why-not WORKLOAD.yaml CHOICE  why a choice is (not) recommended, what would get it
    recommend diff A.yaml B.yaml            what changed between two workloads, and why
    recommend sweep MANY.jsonl -o OUT.jsonl one JSON record per workload (recommender.sweep)
    recommend rules [--category C] [--row ID]   list rules; `rules show ID`, `rules coverage`,
                                            `rules docs`, `rules check [DIR]`

Exit status: 0 on success, 2 for unusable input (with a message naming the file, the key and what
is allowed) or an output that cannot be written, 130 when interrupted (Ctrl-C), 141 when the
reader of standard output has gone (a closed pipe), 1 for an internal fault.
"""

from __future__ import annotations

import atexit
import errno
import gc
import json
import os
import sys
from typing import TYPE_CHECKING, Any, Sequence

import click

# Only what the options and the error handling need is imported here: the rest (pydantic, the
# workload models, the rule base) when a command needs it, so that `recommend --version` and
# `--help` answer at once. tests/test_cli.py checks that importing this module keeps it so.
from ._version import __version__
from ._documents import read_input
from ._engine import ENGINES
from ._errors import InputError, RecommenderError, RuleBaseError
from ._categories import RULE_CATEGORIES
from ._errors import Problem, did_you_mean
from ._advice import FAIL_ON, attention
from ._render import FORMATS, render
from ._output import (OutputError, check_target, prepare_standard_streams, silence_stdout,
                     write_error, write_text_atomically)
from ._safetext import for_terminal
from .sweep import INPUT_FORMATS
from ._terminal import MIN_WIDTH

if TYPE_CHECKING:  # pragma: no cover
    from ._core import Recommender

__all__ = ["main", "cli"]


def rules_options(command: Any) -> Any:
    """--rules DIR (repeatable) and --no-bundled-rules, for every command that advises."""
    command = click.option("--no-bundled-rules", "no_bundled", is_flag=True,
                           help="Use only the --rules directories, not the bundled rules.")(command)
    return click.option("--rules", "rules_dirs", multiple=True,
                        type=click.Path(file_okay=False),
                        help="A directory of the team's own rule files, loaded with the "
                             "bundled ones and checked the same way (repeatable).")(command)


def _configure(rules_dirs: tuple[str, ...], no_bundled: bool, engine: str | None = None,
               new_customer: bool = True, existing_services: tuple[str, ...] = ()
               ) -> Recommender:
    """The Recommender of a command's options: every subcommand works through one."""
    from ._core import _recommender
    if no_bundled and not rules_dirs:
        raise click.UsageError("--no-bundled-rules needs at least one --rules directory")
    if existing_services:
        from ._catalogue import choices
        for name in existing_services:
            if name not in choices():
                raise InputError([Problem(
                    f"{name!r} is not a service of the catalogue (exact names, as recommend "
                    "prints them)", key="--existing-service",
                    suggestion=did_you_mean(name, choices()))])
    return _recommender(list(rules_dirs) or None, not no_bundled, engine, new_customer,
                        existing_services)


EXAMPLES = (
    ("recommend examples/fraud-scoring.yaml", "the architecture on one screen"),
    ("recommend --details -o design.txt examples/fraud-scoring.yaml",
     "every justification, written to a file"),
    ("recommend --format markdown --fail-on closed examples/*.yaml",
     "decision records; exit 3 if the advice builds on a closed service"),
)


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, is the workload of the
    default `advise` command: `recommend x.yaml` == `recommend advise x.yaml`."""

    default_command = "advise"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] in ("--help", "-h", "--version"):
            return super().parse_args(ctx, args)
        if args and args[0] not in self.commands:
            _refuse_misspelt_command(args[0], self.commands)
        if not args or args[0] not in self.commands:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        # click turns a closed pipe into exit status 1 and Ctrl-C into Abort ("aborted", 1);
        # main() gives them their conventional statuses, so they pass click in disguise
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise _Stopped("pipe") from None
        except KeyboardInterrupt:
            raise _Stopped("interrupt") from None

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "[OPTIONS] WORKLOAD.yaml... | COMMAND [ARGS]...")

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Usage, what it does, examples, the main command's options, then the commands."""
        self.format_usage(ctx, formatter)
        self.format_help_text(ctx, formatter)
        with formatter.section("Examples"):
            for command, what in EXAMPLES:
                formatter.write_text(command)
                with formatter.indentation():
                    formatter.write_text(what)
        main = self.commands[self.default_command]
        sub = click.Context(main, info_name=ctx.info_name, parent=ctx)
        records = [r for p in main.get_params(sub)
                   if isinstance(p, click.Option) and p.name != "help" and
                   (r := p.get_help_record(sub))]
        records += [r for p in self.get_params(ctx) if (r := p.get_help_record(ctx))]
        with formatter.section("Options (of the main command, `recommend advise`)"):
            formatter.write_dl(records)
        self.format_commands(ctx, formatter)


def _refuse_misspelt_command(word: str, commands: Any) -> None:
    """`recommend swep x.jsonl` names no file and is close to `sweep`: say so, rather than
    reporting a missing workload file called "swep"."""
    if word.startswith("-") or "." in word or "/" in word or os.sep in word or \
            os.path.exists(word):
        return
    hint = did_you_mean(word, commands, strong=True)
    if hint and hint != "advise":
        raise click.UsageError(f"no such command {word!r}; did you mean {hint!r}? (no workload "
                               f"file is called {word!r} either)")


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="recommend",
                      help="Show the version and exit.")
def cli() -> None:
    """Recommend a justified AWS architecture for a machine-learning workload described in a
    YAML or JSON file (`-` reads standard input). The default view is a summary on one screen;
    `--details` prints every decision with its justification and sources.

    Exit status: 0 done; 1 an internal fault; 2 unusable input or output (the message names the
    file, the key and what is allowed); 3 the advice has what --fail-on asked to stop on.
    """


def output_option(command: Any) -> Any:
    return click.option(
        "--output", "-o", "output", default=None, metavar="FILE",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="Write to FILE instead of standard output; FILE is replaced only once the whole "
             "output is written, and never when it is one of the inputs.")(command)


def engine_option(command: Any) -> Any:
    return click.option("--engine", type=click.Choice(ENGINES), default=None,
                        help="Rule engine: durable (default where installed) or python; both "
                             "give the same advice.")(command)


def new_customer_option(command: Any) -> Any:
    """--existing-service NAME (repeatable) and --new-customer/--existing-customer."""
    command = click.option(
        "--existing-service", "existing_services", multiple=True, metavar="NAME",
        help="A service the team already uses (a catalogue name, e.g. \"Amazon Forecast\"): "
             "it may be recommended though AWS has closed it to new customers; added to each "
             "workload's existing_services (repeatable).")(command)
    return click.option(
        "--new-customer/--existing-customer", "new_customer", default=True,
        help="--new-customer (the default): only what a customer can build today, apart from "
             "the services the workload lists in existing_services; --existing-customer: every "
             "closed service may still be recommended, with its warning.")(command)


@cli.command("advise")
@click.argument("workloads", nargs=-1, metavar="WORKLOAD.yaml...")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True,
              help="table: the terminal view; json: the contract (docs/output.md); markdown: a "
                   "decision record; html: one self-contained page.")
@click.option("--details", is_flag=True,
              help="In the table view, every decision with its justification and sources "
                   "instead of the one-screen summary.")
@output_option
@click.option("--fail-on", "fail_on", multiple=True, type=click.Choice(FAIL_ON),
              help="Exit 3 (after writing the advice) when it has a warning: a rule-base "
                   "warning, or a recommended service that is closed, retired or in "
                   "maintenance; with `closed`, only a recommended service that is closed to "
                   "new customers or retired. Repeatable.")
@engine_option
@click.option("--width", type=click.IntRange(MIN_WIDTH, 400), default=None,
              help="Table width in columns (default: COLUMNS, else the terminal's, else 100).")
@click.option("--schema", "show_schema", type=click.Choice(("workload", "output")),
              is_flag=False, flag_value="workload", default=None,
              help="Print the JSON Schema of a workload (`--schema` or `--schema workload`) or "
                   "of the JSON output (`--schema output`) and exit.")
@new_customer_option
@rules_options
@click.option("--what-if", "what_if", is_flag=True,
              help="Also show the smallest workload changes (one or two keys) that would change "
                   "each single-choice decision, each verified by re-running the advice.")
def advise_command(workloads: tuple[str, ...], fmt: str, details: bool, output: str | None,
                   fail_on: tuple[str, ...], engine: str | None, width: int | None,
                   show_schema: str | None, new_customer: bool,
                   existing_services: tuple[str, ...], what_if: bool,
                   rules_dirs: tuple[str, ...], no_bundled: bool) -> None:
    """Recommend an architecture for each WORKLOAD.yaml (`-` reads standard input).

    With several files, each advice is printed in turn (JSON: a list); a file that cannot be
    used is reported and the others still run, and the exit status is then 2.
    """
    from ._workload import Workload, schema
    if show_schema:
        from ._schemas import output_schema
        published = schema() if show_schema == "workload" else output_schema()
        _emit(json.dumps(published, indent=2, ensure_ascii=False) + "\n", output, ())
        return
    if not workloads:
        raise click.UsageError("give a workload file (or `-` for standard input), "
                               "or --schema")
    if workloads.count("-") > 1:
        raise click.UsageError("standard input (`-`) can be read only once")
    check_output(output, workloads)
    failures: list[InputError] = []
    documents: list[dict[str, Any]] = []
    texts: list[str] = []
    flagged: list[str] = []
    recommender = _configure(rules_dirs, no_bundled, engine, new_customer, existing_services)
    for name in workloads:
        try:
            data, where = read_input(name)
            advice = recommender.advise(Workload.from_mapping(data, where=where))
        except InputError as exc:
            if len(workloads) == 1:
                raise
            _say(f"recommend: error: {exc}")
            failures.append(exc)
            continue
        flagged += [f"{advice.workload.name}: {why}" for why in attention(advice, fail_on)]
        whatif = recommender.counterfactuals(advice) if what_if else None
        if fmt == "json":
            from ._view import document, record
            documents.append(document(record(advice, whatif)))
            continue
        texts.append(render(advice, fmt, width, whatif, details))
    if fmt == "json" and (documents or len(workloads) > 1):
        shown: Any = documents[0] if len(workloads) == 1 else documents
        _emit(json.dumps(shown, indent=2, ensure_ascii=False) + "\n", output, workloads)
    elif texts:
        between = "\n" + ("=" * 40 if fmt == "table" else "---") + "\n\n"
        _emit(between.join(texts) + "\n", output, workloads)
    if failures:
        raise _Failed(2)
    if flagged:
        for line in flagged:
            _say(f"recommend: --fail-on: {line}")
        raise _Failed(3)


def check_output(output: str | None, inputs: Sequence[str]) -> None:
    """Refuse, before any work, an output file that is one of the inputs (however reached) or
    that cannot be written (recommender/_output.py)."""
    check_target(output, inputs)


def _emit(text: str, output: str | None, inputs: Sequence[str]) -> None:
    """Write `text` to standard output, or to `output` through a temporary file in the same
    folder that replaces it only once complete (so an interrupted run leaves it as it was)."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    write_text_atomically(output, text, inputs)


class _Stopped(Exception):
    """Standard output's reader went away ("pipe") or Ctrl-C was pressed ("interrupt")."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


class _Failed(Exception):
    """Some inputs of a multi-file run were refused (already reported)."""

    def __init__(self, code: int):
        self.code = code


def _load_advice(name: str, recommender: Recommender) -> Any:
    from ._workload import Workload
    data, where = read_input(name)
    return recommender.advise(Workload.from_mapping(data, where=where))


@cli.command("why-not")
@click.argument("workload", metavar="WORKLOAD.yaml")
@click.argument("choice", nargs=-1, required=True)
@output_option
@engine_option
@new_customer_option
@rules_options
def why_not_command(workload: str, choice: tuple[str, ...], output: str | None,
                    engine: str | None, new_customer: bool,
                    existing_services: tuple[str, ...], rules_dirs: tuple[str, ...],
                    no_bundled: bool) -> None:
    """Explain why CHOICE (a service, algorithm or technique; name, alias, a common synonym or
    a team's own choice, any case) is or is not recommended for WORKLOAD.yaml, and what it
    would take to get it."""
    check_output(output, (workload,))
    recommender = _configure(rules_dirs, no_bundled, engine, new_customer, existing_services)
    advice = _load_advice(workload, recommender)
    _emit(str(recommender.why_not(advice, " ".join(choice))) + "\n", output, (workload,))


@cli.command("diff")
@click.argument("first", metavar="A.yaml")
@click.argument("second", metavar="B.yaml")
@click.option("--format", "-f", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True, help="text for people, json for programs.")
@click.option("--exit-code", "exit_code", is_flag=True,
              help="Exit 1 when any decision changed, 0 when none did (as `git diff "
                   "--exit-code`).")
@output_option
@engine_option
@new_customer_option
@rules_options
def diff_command(first: str, second: str, fmt: str, exit_code: bool, output: str | None,
                 engine: str | None, new_customer: bool,
                 existing_services: tuple[str, ...], rules_dirs: tuple[str, ...],
                 no_bundled: bool) -> None:
    """Show the workload keys that differ between A and B and, per category, how the
    recommendation changed and which rules caused it."""
    check_output(output, (first, second))
    recommender = _configure(rules_dirs, no_bundled, engine, new_customer, existing_services)
    result = recommender.diff(_load_advice(first, recommender),
                              _load_advice(second, recommender))
    if fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
    else:
        text = result.to_text(first, second)
    _emit(text + "\n", output, (first, second))
    if exit_code and result.categories:
        raise _Failed(1)


@cli.command("check")
@click.argument("workloads", nargs=-1, required=True, metavar="WORKLOAD.yaml...")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing for valid files.")
def check_command(workloads: tuple[str, ...], quiet: bool) -> None:
    """Validate workload files without advising (for editors and pre-commit): each problem is
    reported with its file and key; the exit status is 2 when any file is invalid."""
    from ._workload import Workload
    failed = 0
    for name in workloads:
        try:
            data, where = read_input(name)
            Workload.from_mapping(data, where=where)
        except InputError as exc:
            failed += 1
            _say(f"recommend: error: {exc}")
            continue
        if not quiet:
            click.echo(f"{name}: valid")
    if failed:
        raise _Failed(2)


@cli.command("sweep")
@click.argument("source", metavar="WORKLOADS")
@click.option("--output", "-o", default="-", metavar="FILE",
              help="Where to write the JSON lines (default: standard output). The file is "
                   "replaced only when the run is complete; an interrupted or failed run "
                   "leaves it untouched and keeps the finished lines in FILE.partial.")
@click.option("--input-format", "input_format", type=click.Choice(INPUT_FORMATS), default=None,
              help="jsonl: one JSON workload per line; yaml: one YAML/JSON list of workloads "
                   "(default: from the extension: .yaml, .yml, .json are lists; anything "
                   "else, and `-`, is JSON lines).")
@click.option("--brief", is_flag=True,
              help="Write only each category's choices, not the justifications.")
@engine_option
@new_customer_option
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when standard error is a terminal).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="Worker processes (default: one per CPU); output order is kept.")
@rules_options
def sweep_command(source: str, output: str, input_format: str | None, brief: bool,
                  engine: str | None, new_customer: bool, existing_services: tuple[str, ...],
                  progress: bool | None,
                  jobs: int | None, rules_dirs: tuple[str, ...], no_bundled: bool) -> None:
    """Advise on many workloads at once: WORKLOADS is a JSON-lines file (one workload per
    line; `-` for standard input) or a YAML/JSON list of workloads (up to 1 MB). Writes one JSON
    line per workload, in order: {"line", "name", "advice"} or {"line", "error"}, where `line`
    is the workload's line in WORKLOADS. Invalid workloads are reported on their line and the
    run goes on; the exit status is then 2."""
    from ._output import AtomicOutput
    from .sweep import Sweep
    recommender = _configure(rules_dirs, no_bundled, engine, new_customer, existing_services)
    out = AtomicOutput(output, inputs=[source], keep_partial=True)  # checked before any work
    with Sweep(source, input_format=input_format, engine=engine, new_customer=new_customer,
               existing_services=existing_services,
               brief=brief, jobs=jobs or os.cpu_count() or 1,
               rules_dir=list(recommender.rules_dirs) or None,
               bundled_rules=recommender.bundled_rules) as run:
        show = sys.stderr.isatty() if progress is None else progress
        try:
            with out, _sweep_bar(run, show) as bar:
                for _, _, line in run.json_lines():
                    out.write(line)
                    bar()
        except BaseException:
            if out.partial_path:
                _say(f"recommend: stopped; the {out.kept:,} finished records are in "
                     f"{out.partial_path}; {output} was not changed")
            elif out.atomic:
                _say(f"recommend: stopped; {output} was not changed")
            raise
    if run.failures:
        lines = ", ".join(str(n) for n in run.failed_lines)
        more = ", ..." if run.failures > len(run.failed_lines) else ""
        _say(f"recommend: {run.failures:,} of {run.count:,} workloads could not be used "
             f"(line{'s' if run.failures > 1 else ''} {lines}{more} of {run.name}; each "
             "record holds its error)")
        raise _Failed(2)


class _sweep_bar:
    """A progress bar over the sweep (bytes of a JSON-lines file, items of a list), updated
    once per record; nothing when not shown or when the size is unknown."""

    def __init__(self, run: Any, show: bool):
        self.run = run
        self.bar = (click.progressbar(length=run.total, label="advising", file=sys.stderr)
                    if show and run.total else None)
        self.shown = 0

    def __enter__(self) -> Any:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __call__(self) -> None:
        if self.bar is not None and self.run.done > self.shown:
            self.bar.update(self.run.done - self.shown)
            self.shown = self.run.done

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@cli.group("rules", invoke_without_command=True)
@click.option("--category", "-c", type=click.Choice(RULE_CATEGORIES), default=None,
              help="Only rules of this category.")
@click.option("--row", "-r", default=None, help="Only rules citing this row id (e.g. ING-04).")
@click.option("--choice", default=None, help="Only rules whose choice contains this text.")
@click.option("--format", "-f", "fmt", type=click.Choice(("table", "json")), default="table",
              show_default=True, help="table for people, json for programs.")
@rules_options
@click.pass_context
def rules_group(ctx: click.Context, category: str | None, row: str | None, choice: str | None,
                fmt: str, rules_dirs: tuple[str, ...], no_bundled: bool) -> None:
    """List the rules (filter by category, row id or choice); see the subcommands. With
    --rules, every subcommand but `check` works on the bundled rules and the team's
    (`recommend rules --rules team/ coverage`)."""
    ctx.obj = (rules_dirs, no_bundled)
    if ctx.invoked_subcommand is not None:
        return
    from tabulate import tabulate

    from ._catalogue import rows
    from ._ruledocs import select
    book = _configure(rules_dirs, no_bundled).book
    if row and row.upper() not in rows():
        raise InputError([Problem(f"{row!r} is not a row id", key="--row",
                                  suggestion=did_you_mean(row.upper(), rows()))])
    found = select(book, category, row, choice)
    if fmt == "json":
        click.echo(json.dumps([{"id": r.id, "category": r.category, "choice": r.choice,
                                "priority": r.priority, "when": r.reads,
                                "sources": list(r.sources)} for r in found], indent=2))
        return
    table = [[r.id, r.choice, r.priority, " ".join(r.sources)] for r in found]
    click.echo(for_terminal(tabulate(table, headers=["Rule", "Recommends", "Priority",
                                                     "Sources"]), keep="\n"))
    click.echo(f"\n{len(found)} of {len(book)} rules")


def _book(ctx: click.Context) -> Any:
    rules_dirs, no_bundled = ctx.obj or ((), False)
    return _configure(rules_dirs, no_bundled).book


@rules_group.command("show")
@click.argument("rule_id")
@click.pass_context
def rules_show(ctx: click.Context, rule_id: str) -> None:
    """Print one rule: condition, justification, sources and examples."""
    from ._ruledocs import show
    book = _book(ctx)
    rule = book.by_id.get(rule_id)
    if rule is None:
        raise InputError([Problem(f"{rule_id!r} is not a rule id", key="RULE_ID",
                                  suggestion=did_you_mean(rule_id, book.by_id))])
    click.echo(for_terminal(show(rule), keep="\n"))


@rules_group.command("coverage")
@click.option("--missing", is_flag=True, help="List only the rows no rule encodes.")
@click.pass_context
def rules_coverage(ctx: click.Context, missing: bool) -> None:
    """Which cheat-sheet rows the rule base encodes, and which it does not."""
    from tabulate import tabulate

    from ._catalogue import rows
    from ._ruledocs import choice_coverage, coverage
    cov = coverage(_book(ctx))
    catalogue = rows()
    if not missing:
        table = [[row_id, catalogue[row_id].decides, catalogue[row_id].item,
                  ", ".join(rule_ids)] for row_id, rule_ids in cov.covered.items()]
        click.echo(tabulate(table, headers=["Row", "Decides", "Item", "Encoded by"],
                            maxcolwidths=[None, None, 50, 50]))
        click.echo()
    if cov.uncovered:
        click.echo("Not encoded: " + ", ".join(cov.uncovered))
    click.echo(f"{cov.count}/{cov.total} rows encoded")
    reach = choice_coverage(_book(ctx))
    for label, names in (("Only listed as an alternative", reach.alternative),
                         ("Only as the replacement of a closed service", reach.replacement),
                         ("Retired (kept for the lifecycle note)", reach.retired),
                         ("No rule can give", reach.dead)):
        if names:
            click.echo(f"{label}: " + ", ".join(names))
    click.echo(f"{reach.reachable}/{reach.total - len(reach.retired)} catalogue choices "
               f"reachable, {len(reach.primary)} of them as a primary answer")


@rules_group.command("docs")
@output_option
@click.pass_context
def rules_docs(ctx: click.Context, output: str | None) -> None:
    """Generate docs/rules.md from the rule files."""
    from ._ruledocs import rules_markdown
    _emit(rules_markdown(_book(ctx)), output, ())


@rules_group.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--strict", is_flag=True,
              help="Also run the rule-base lint (never-matching, shadowed, unexercised keys, "
                   "overlapping equal priorities) and fail on any finding.")
@click.option("--no-bundled-rules", "no_bundled", is_flag=True,
              help="Check DIRECTORY on its own, not together with the bundled rules.")
def rules_check(directory: str | None, strict: bool, no_bundled: bool) -> None:
    """Validate the bundled rules, or a team's DIRECTORY of rules together with them, and
    report every problem."""
    from ._rulebook import default_rules_dir, load_rulebook
    if directory is None:
        dirs: Any = None
    else:
        dirs = ([] if no_bundled else [default_rules_dir()]) + [directory]
    try:
        if strict:
            from ._lint import load_strict
            book = load_strict(dirs)
        else:
            book = load_rulebook(dirs)
    except RuleBaseError as exc:
        raise InputError(exc.problems) from None
    from ._ruledocs import choice_coverage, coverage
    cov = coverage(book)
    reach = choice_coverage(book)
    if strict and reach.dead and not no_bundled:
        raise InputError([Problem(f"no rule can give the catalogue choice {name!r}; add a rule "
                                  "that recommends it, or remove it from the catalogue",
                                  where="recommender/catalogue/choices.yaml")
                          for name in reach.dead])
    click.echo(f"{len(book)} rules valid, {cov.count}/{cov.total} rows encoded, "
               f"{reach.reachable}/{reach.total - len(reach.retired)} choices reachable "
               f"({for_terminal(str(book.directory))})")


def main(argv: list[str] | None = None) -> Any:
    """Entry point: runs the CLI and maps errors to exit statuses without tracebacks.

    0 success; 2 unusable input or an output that cannot be written (a missing directory, a
    full disk, a closed standard output or input); 130 interrupted (Ctrl-C); 141 standard
    output's reader went away (a closed pipe, as `| head`), quietly; 1 an internal fault."""
    if argv is None:  # the program itself (the `recommend` script), not a caller in Python
        # Whatever is alive at the end lives until the process ends: exempting it from the
        # collection the interpreter runs on its way out saves a run about 30 ms (the rule
        # base, the engines and pydantic's models are many objects).
        atexit.register(gc.freeze)
    prepare_standard_streams()
    for stream in (sys.stdout, sys.stderr):  # never fail on a terminal's narrow encoding
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    try:
        try:
            cli.main(args=argv, prog_name="recommend", standalone_mode=False)
        except _Failed as exc:
            _flush_stdout()
            return _exit(exc.code)
        _flush_stdout()
        return _exit(0)
    except click.exceptions.Exit as exc:
        return _exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return _exit(exc.exit_code)
    except _Stopped as exc:
        if exc.why == "pipe":
            silence_stdout()  # the reader has gone: stop quietly, as `cmd | head` expects
            return _exit(141)
        _say("recommend: interrupted")
        return _exit(130)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # Ctrl-C while click parsed
            _say("recommend: interrupted")
            return _exit(130)
        click.echo("recommend: aborted", err=True)
        return _exit(1)
    except InputError as exc:
        if isinstance(exc, OutputError) and exc.problems[0].where == "<stdout>":
            silence_stdout()
        _say(f"recommend: error: {exc}")
        return _exit(2)
    except RuleBaseError as exc:
        args = sys.argv[1:] if argv is None else argv
        own = any(a == "--rules" or a.startswith("--rules=") for a in args)
        _say(f"recommend: {'your' if own else 'the bundled'} rule base is invalid: {exc}")
        return _exit(2 if own else 1)
    except RecommenderError as exc:
        _say(f"recommend: internal error: {exc}")
        return _exit(1)
    except BrokenPipeError:
        silence_stdout()  # the reader has gone: stop quietly, as `cmd | head` expects
        return _exit(141)
    except KeyboardInterrupt:
        _say("recommend: interrupted")
        return _exit(130)
    except OSError as exc:
        if exc.errno not in _WRITE_FAILURES:
            return _internal(exc)
        silence_stdout()
        _say(f"recommend: error: {write_error(exc, exc.filename or '<stdout>')}")
        return _exit(2)
    except Exception as exc:  # a bug: say so plainly, without a traceback unless asked
        return _internal(exc)


# a write that failed for want of room or a working device (raised by standard output; the
# files the tool writes itself raise OutputError)
_WRITE_FAILURES = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _flush_stdout() -> None:
    """Flush standard output inside main(), so that a failure is reported and mapped to its
    exit status rather than left to Python's exit (status 120 and a warning)."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except ValueError:  # closed by the command
        pass


def _internal(exc: BaseException) -> Any:
    if os.environ.get("RECOMMEND_DEBUG"):
        import traceback
        traceback.print_exception(exc)
    click.echo(f"recommend: internal error ({type(exc).__name__}: {exc}); "
               "set RECOMMEND_DEBUG=1 for details and please report it", err=True)
    return _exit(1)


def _say(text: str) -> None:
    """Write a message to standard error. Control characters (a file named with ESC[2J, say)
    and the lone surrogates of an undecodable file name are shown as escapes
    (safetext.for_terminal); the message's own line breaks stay."""
    click.echo(for_terminal(text, keep="\n"), err=True)


def _exit(code: int | None) -> Any:
    sys.exit(code or 0)


if __name__ == "__main__":
    main()
