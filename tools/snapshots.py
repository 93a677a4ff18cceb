"""Snapshots of the advice on every bundled example, in every output format.

    python tools/snapshots.py                    # rewrite tests/snapshots/ (and show what changed)
    python tools/snapshots.py --check            # exit 1 with a readable diff when any differs
    python tools/snapshots.py --check fraud-scoring house-prices    # only these examples

Modelled on cfn-lint's snapshot results (scripts/update_snapshot_results.sh): the output of the
installed package on each examples/*.yaml is committed under tests/snapshots/<example>/, and
tests/test_snapshots.py fails when the current output differs, so a change of knowledge (a rule
that now recommends another service, a lost alternative, a new warning) or of rendering can no
longer slip through unnoticed: it must be accepted by regenerating and committing the snapshots,
and the diff is reviewed like any other.

What legitimately varies between runs is normalised, and nothing else: the hash of the rule base
in its version (0.1.0+<hash>), the name of the rule engine (durable or python, which give the
same advice) and absolute paths of the checkout.

Exit status: 0 done (or, with --check, every snapshot is current); 1 with --check, a snapshot
differs or is missing or stale; 2 the advice could not be produced (the message says why).
"""

from __future__ import annotations

import argparse
import difflib
import functools
import io
import json
import os
import re
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SNAPSHOTS = ROOT / "tests" / "snapshots"
WIDTH = "100"
#: Lines of unified diff shown per text file before the rest is counted.
MAX_DIFF_LINES = 40
#: Characters of one diff line shown (HTML lines can be long).
MAX_LINE = 160
ACCEPT = ("run python tools/snapshots.py to accept it, and read the diff as an AWS architect "
          "would")


@dataclass(frozen=True)
class Variant:
    file: str            # file name under tests/snapshots/<example>/
    args: tuple[str, ...]
    label: str           # how a change is introduced: "" or " (existing customer)"

    @property
    def is_json(self) -> bool:
        return self.file.endswith(".json")


#: Every format for the default policy (a new customer); JSON and the summary with
#: --existing-customer (every closed service allowed).
VARIANTS: tuple[Variant, ...] = (
    Variant("advice.json", ("--format", "json"), ""),
    Variant("record.md", ("--format", "markdown"), ""),
    Variant("page.html", ("--format", "html"), ""),
    Variant("summary.txt", ("--width", WIDTH), ""),
    Variant("details.txt", ("--details", "--width", WIDTH), ""),
    Variant("existing-customer.json", ("--format", "json", "--existing-customer"),
            " (existing customer)"),
    Variant("existing-customer-summary.txt", ("--existing-customer", "--width", WIDTH),
            " (existing customer)"),
)
VARIANT = {v.file: v for v in VARIANTS}


class SnapshotError(Exception):
    """The advice could not be produced (exit status 2)."""


# --------------------------------------------------------------------------- running the CLI


@functools.cache
def _cli() -> Any:
    """`recommender.cli.main` of the INSTALLED package. As `python -P` would, keep the checkout
    off sys.path: snapshots record what users get from `pip install .`, and the suite tests the
    installed package too (tests/conftest.py)."""
    if "recommender" not in sys.modules:
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
    try:
        import recommender
        from recommender.cli import main
    except ImportError as exc:
        raise SnapshotError(f"cannot import the installed package ({exc}); install it first: "
                            "pip install .") from exc
    if Path(recommender.__file__).resolve().parent == ROOT / "recommender":
        raise SnapshotError(f"recommender was imported from the checkout ({ROOT}), not the "
                            "installed package: pip install . and leave PYTHONPATH unset")
    return main


def examples(only: Iterable[str] = ()) -> list[str]:
    """The names of the bundled examples (examples/*.yaml, not the house-rules directory)."""
    found = sorted(p.stem for p in EXAMPLES.glob("*.yaml") if p.is_file())
    wanted = list(only)
    unknown = [w for w in wanted if w not in found]
    if unknown:
        raise SnapshotError(f"no example named {', '.join(unknown)} (examples: "
                            f"{', '.join(found)})")
    return [e for e in found if not wanted or e in wanted]


def run(argv: list[str]) -> str:
    """Run `recommend ARGV` in this process and return its standard output; raise SnapshotError
    on a non-zero exit status, with its standard error. One process for every example and
    variant keeps a whole regeneration to a couple of seconds (a process each would take ~25 s);
    tests/test_snapshots.py checks that the output equals a real `python -P -m recommender.cli`."""
    main = _cli()
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code
    if code not in (0, None):
        shown = " ".join(_shown(Path(a)) if os.path.isabs(a) else a for a in argv)
        raise SnapshotError(f"recommend {shown} exited with status {code}:\n"
                            f"{err.getvalue().rstrip()}")
    return out.getvalue()


def _engines() -> tuple[str, ...]:
    try:
        from recommender._engine import ENGINES
        return tuple(ENGINES)
    except (ImportError, AttributeError):
        return ("durable", "python")


def normalise(text: str) -> str:
    """Replace what legitimately varies between runs, and nothing else."""
    # the rule base's content hash: 0.1.0+31205e32f995 -> 0.1.0+<hash>
    text = re.sub(r"(\b\d+(?:\.\d+)+[0-9A-Za-z.\-]*)\+[0-9a-f]{8,64}\b", r"\1+<hash>", text)
    # the engine (durable or python) gives the same advice; only the footer names it
    engines = "|".join(re.escape(e) for e in _engines())
    text = re.sub(rf"\b(?:{engines})( engine)\b", r"<engine>\1", text)
    # absolute paths of this checkout (none today; a file name in a message would have one)
    for root in {str(ROOT), ROOT.as_posix()}:
        text = text.replace(root, "<root>")
    return text


def render(example: str, variant: Variant) -> str:
    """The normalised output of `recommend` for one example and variant."""
    path = EXAMPLES / f"{example}.yaml"
    return normalise(run([*variant.args, str(path)]))


@functools.cache
def probe() -> str | None:
    """None when `recommend` can advise on the first example; else why not (an invalid rule
    base, say). Checked once, so that a fault common to every run is reported once and fast
    instead of once per example and variant."""
    try:
        render(examples()[0], VARIANTS[0])
    except SnapshotError as exc:
        return str(exc)
    return None


def snapshot_path(example: str, variant: Variant) -> Path:
    return SNAPSHOTS / example / variant.file


def _shown(path: Path) -> str:
    """A path as a person would type it from the checkout."""
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- readable diffs


def _short(value: Any, limit: int = 100) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _list_change(old: list[str], new: list[str]) -> str | None:
    """"+ A, - B" for added and removed names, then "moved: C now before D" for the names kept
    whose order changed (those outside the longest run kept in order)."""
    if old == new:
        return None
    added = [x for x in new if x not in old]
    removed = [x for x in old if x not in new]
    parts = [f"+ {x}" for x in added] + [f"- {x}" for x in removed]
    kept_old = [x for x in old if x in new]
    kept_new = [x for x in new if x in old]
    if kept_old != kept_new:
        in_order: set[int] = set()
        for block in difflib.SequenceMatcher(None, kept_old, kept_new,
                                             autojunk=False).get_matching_blocks():
            in_order.update(range(block.b, block.b + block.size))
        moved = []
        for i, x in enumerate(kept_new):
            if i not in in_order:
                moved.append(f"{x} now before {kept_new[i + 1]}" if i + 1 < len(kept_new)
                             else f"{x} now last")
        parts.append("moved: " + ", ".join(moved))
    return ", ".join(parts) if parts else None


def _match(old: list[Any], new: list[Any], key: str
           ) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[Any], list[Any]]:
    """Pair the items of two lists by `key` (the n-th of a name with the n-th): the pairs, the
    new items without a partner (added) and the old ones (removed)."""
    def keyed(items: list[Any]) -> list[tuple[Any, int, Any]]:
        seen: dict[Any, int] = {}
        out = []
        for item in items:
            k = item.get(key) if isinstance(item, dict) else json.dumps(item)
            seen[k] = seen.get(k, -1) + 1
            out.append((k, seen[k], item))
        return out
    o = {(k, n): item for k, n, item in keyed(old)}
    n_ = keyed(new)
    pairs = [(o[(k, n)], item) for k, n, item in n_ if (k, n) in o]
    added = [item for k, n, item in n_ if (k, n) not in o]
    taken = {(k, n) for k, n, _ in n_}
    removed = [item for k, n, item in keyed(old) if (k, n) not in taken]
    return pairs, added, removed


def _names(items: Any, key: str = "choice") -> list[str]:
    if not isinstance(items, list):
        return []
    return [str(i.get(key)) if isinstance(i, dict) else _short(i) for i in items]


def _category_changes(category: str, old: list[dict[str, Any]], new: list[dict[str, Any]],
                      single: bool) -> list[str]:
    lines = []
    o, n = _names(old), _names(new)
    if single and o[:1] != n[:1]:
        # the answer of a single-choice category changed; then whatever else came or went
        lines.append(f"{category}: {o[0] if o else '(nothing)'} -> {n[0] if n else '(nothing)'}")
        added = [x for x in n[1:] if x not in o]
        removed = [x for x in o[1:] if x not in n]
        if added or removed:
            lines.append(f"{category} (also matched): "
                         + ", ".join([f"+ {x}" for x in added] + [f"- {x}" for x in removed]))
    else:
        change = _list_change(o, n)
        if change:
            lines.append(f"{category}: {change}")
    for before, after in _match(old, new, "choice")[0]:
        choice = after.get("choice")
        if before.get("rule") != after.get("rule"):
            lines.append(f"{category}: {choice} now from rule {after.get('rule')} "
                         f"(was {before.get('rule')})")
        rule = after.get("rule")
        if before.get("justification") != after.get("justification"):
            lines.append(f"justification of {rule} changed")
        if before.get("sources") != after.get("sources"):
            change = _list_change(list(before.get("sources") or []),
                                  list(after.get("sources") or []))
            lines.append(f"sources of {rule}: {change}")
        for field in sorted(set(before) | set(after)):
            if field in ("choice", "rule", "justification", "sources"):
                continue
            if before.get(field) != after.get(field):
                lines.append(f"{category}: {choice}: {field}: {_short(before.get(field), 40)} "
                             f"-> {_short(after.get(field), 40)}")
    return lines


def _warning_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    pairs, added, removed = _match(old, new, "rule")
    lines = [f"warnings: + {w.get('rule')}: {_short(w.get('message', ''))}" for w in added]
    lines += [f"warnings: - {w.get('rule')}" for w in removed]
    for before, after in pairs:
        for field in sorted(set(before) | set(after)):
            if field != "rule" and before.get(field) != after.get(field):
                lines.append(f"warnings: {field} of {after.get('rule')} changed"
                             if field == "message" else
                             f"warnings: {after.get('rule')}: {field}: "
                             f"{_short(before.get(field), 40)} -> {_short(after.get(field), 40)}")
    if not lines and old != new:
        lines.append(f"warnings: {_list_change(_names(old, 'rule'), _names(new, 'rule'))}")
    return lines


def _alternative_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for category in list(old) + [c for c in new if c not in old]:
        if category not in new:
            lines.append(f"alternatives of {category}: gone (were {', '.join(_names(old[category]))})")
            continue
        if category not in old:
            lines.append(f"alternatives of {category}: new: {', '.join(_names(new[category]))}")
            continue
        before_items, after_items = old[category], new[category]
        change = _list_change(_names(before_items), _names(after_items))
        if change:
            lines.append(f"alternatives of {category}: {change}")
        for before, after in _match(before_items, after_items, "choice")[0]:
            choice = after.get("choice")
            for field in sorted(set(before) | set(after)):
                if before.get(field) == after.get(field):
                    continue
                if field in ("reason", "failed_conditions"):
                    text = f"alternatives of {category}: reason for {choice} changed"
                else:
                    text = (f"alternatives of {category}: {choice}: {field}: "
                            f"{_short(before.get(field), 40)} -> {_short(after.get(field), 40)}")
                if text not in lines:
                    lines.append(text)
    return lines


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def _generic_changes(name: str, old: Any, new: Any) -> list[str]:
    """Any other part of the document: the dotted keys that changed."""
    o, n = _flat(old, name), _flat(new, name)
    lines = []
    for key in list(o) + [k for k in n if k not in o]:
        if key not in n:
            lines.append(f"{key}: removed (was {_short(o[key], 60)})")
        elif key not in o:
            lines.append(f"{key}: new: {_short(n[key], 60)}")
        elif o[key] != n[key]:
            lines.append(f"{key}: {_short(o[key], 60)} -> {_short(n[key], 60)}")
    return lines


def advice_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What an architect needs to know about the difference between two JSON advices, a line a
    change: per category the choices added, removed or reordered (for a single-choice category,
    `old primary -> new primary`), changed justifications and sources, warnings, alternatives,
    the rule base and the workload's defaults; any other part key by key."""
    try:
        from recommender._categories import SINGLE
    except ImportError:
        SINGLE = ("storage", "ingestion", "transformation", "learning_paradigm", "algorithm",
                  "service_choice", "deployment")
    lines: list[str] = []
    for key in list(old) + [k for k in new if k not in old]:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key not in new:
            what = f"{len(before)} categories" if isinstance(before, dict) else _short(before, 60)
            lines.append(f"{key}: removed from the JSON (was {what})")
        elif key not in old:
            lines.append(f"{key}: new in the JSON")
        elif key == "recommendations" and isinstance(before, dict) and isinstance(after, dict):
            for category in list(before) + [c for c in after if c not in before]:
                if category not in after:
                    lines.append(f"{category}: category gone (was "
                                 f"{', '.join(_names(before[category]))})")
                elif category not in before:
                    lines.append(f"{category}: new category: "
                                 f"{', '.join(_names(after[category]))}")
                elif before[category] != after[category]:
                    lines += _category_changes(category, before[category], after[category],
                                               category in SINGLE)
        elif key == "warnings" and isinstance(before, list) and isinstance(after, list):
            lines += _warning_changes(before, after)
        elif key == "alternatives" and isinstance(before, dict) and isinstance(after, dict):
            lines += _alternative_changes(before, after)
        elif key == "rulebase":
            lines += _generic_changes("rule base", before, after)
        else:
            lines += _generic_changes(key, before, after)
    if not lines and old != new:
        lines.append("changed (no summary for this change; see git diff)")
    return lines


def json_diff(example: str, variant: Variant, old: str, new: str) -> list[str]:
    """A line per change, `<example>[ (existing customer)]: <change>`; when either side is not JSON
    or only the text (indentation, key order) changed, a unified diff instead."""
    try:
        before, after = json.loads(old), json.loads(new)
    except ValueError:
        return text_diff(old, new)
    if before == after:
        return ["the JSON text changed but not its content (indentation, key order or escapes):",
                *text_diff(old, new)]
    if isinstance(before, dict) and isinstance(after, dict):
        changes = advice_changes(before, after)
    else:
        changes = _generic_changes("document", before, after)
    return [f"{example}{variant.label}: {line}" for line in changes]


def text_diff(old: str, new: str, limit: int = MAX_DIFF_LINES) -> list[str]:
    """A unified diff of at most `limit` lines, each cut to MAX_LINE characters."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "snapshot", "current",
                                      n=2, lineterm=""))
    shown = [line if len(line) <= MAX_LINE else line[:MAX_LINE - 1] + "…"
             for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"... {len(lines) - limit} more diff lines")
    return shown


def describe(example: str, variant: Variant, old: str | None, new: str,
             brief: bool = False) -> str | None:
    """None when the snapshot is current; else what changed, readably, for a person: for JSON a
    line a change of the advice, for text a unified diff of at most MAX_DIFF_LINES lines (with
    `brief`, only how many lines changed)."""
    if old == new:
        return None
    where = _shown(snapshot_path(example, variant))
    if old is None:
        return f"{where}: no snapshot yet"
    if variant.is_json:
        body = json_diff(example, variant, old, new)
    else:
        body = text_diff(old, new)
        if brief:
            changed = sum(1 for line in text_diff(old, new, limit=10**9)
                          if line[:1] in "+-" and line[:3] not in ("+++", "---"))
            return f"{where} differs ({changed} lines added or removed)"
    return "\n".join([f"{where} differs:", *("  " + line for line in body)])


def check_one(example: str, variant: Variant) -> str | None:
    """For tests: None when the snapshot of `example` in `variant` is current, else the readable
    diff and how to accept it."""
    fault = probe()
    if fault is not None:
        raise SnapshotError(f"the advice could not be produced: {fault}")
    path = snapshot_path(example, variant)
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    problem = describe(example, variant, old, render(example, variant))
    return None if problem is None else f"{problem}\n{ACCEPT}"


def stale(names: list[str]) -> list[Path]:
    """Snapshot files or folders that belong to no example or variant."""
    found: list[Path] = []
    if not SNAPSHOTS.is_dir():
        return found
    for entry in sorted(SNAPSHOTS.iterdir()):
        if entry.name == "README.md":
            continue
        if not entry.is_dir() or entry.name not in names:
            found.append(entry)
            continue
        found += [f for f in sorted(entry.iterdir()) if f.name not in VARIANT]
    return found


# --------------------------------------------------------------------------- command line


def _same_as_default(example: str, variant: Variant, report: str, earlier: list[str]) -> str:
    """The report of an existing-customer JSON, shortened when its changes are those of the default
    policy's JSON of the same example (reported just before it)."""
    default = _shown(snapshot_path(example, VARIANT["advice.json"]))
    if not variant.label or not earlier or not earlier[-1].startswith(default + " differs:"):
        return report
    body = report.split("\n", 1)[-1].replace(f"{example}{variant.label}: ", f"{example}: ")
    if body == earlier[-1].split("\n", 1)[-1]:
        return f"{report.splitlines()[0]} the same changes as advice.json"
    return report


def _common(reports: list[str]) -> list[str]:
    """The changes found in three or more examples, each once with the examples' count."""
    seen: dict[str, set[str]] = {}
    for report in reports:
        for line in report.splitlines()[1:]:
            example, _, change = line.strip().partition(": ")
            seen.setdefault(change, set()).add(example.removesuffix(" (existing customer)"))
    common = [f"  in {len(where)} examples: {change}"
              for change, where in sorted(seen.items(), key=lambda kv: -len(kv[1]))
              if len(where) >= 3]
    return ["", "Changes common to several examples:", *common] if common else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/snapshots.py",
        description="Regenerate (or, with --check, compare) the snapshots of the advice on "
                    "every bundled example under tests/snapshots/, from the installed package. "
                    "What changed is printed: the text formats as short unified diffs, then the "
                    "advice itself (from the JSON) a line a change.")
    parser.add_argument("examples", nargs="*", metavar="EXAMPLE",
                        help="only these examples (names of examples/*.yaml without .yaml)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 with the readable diff when a snapshot "
                             "differs, is missing or belongs to no example")
    parser.add_argument("--brief", action="store_true",
                        help="name the text files that differ instead of showing their diffs "
                             "(the advice changes are shown in full)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="without --check, print only the count of rewritten snapshots")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        names = examples(args.examples)
        _cli()
    except SnapshotError as exc:
        print(f"snapshots: {exc}", file=sys.stderr)
        return 2
    fault = probe()
    if fault is not None:
        print(f"snapshots: {'cannot check' if args.check else 'nothing written'}: {fault}",
              file=sys.stderr)
        return 2
    texts: list[str] = []     # unified diffs of the text formats
    advice: list[str] = []    # the advice changes, from the JSON variants
    errors: list[str] = []
    changed = 0
    for example in names:
        for variant in VARIANTS:
            path = snapshot_path(example, variant)
            try:
                new = render(example, variant)
            except SnapshotError as exc:
                errors.append(f"{example}/{variant.file}: {exc}")
                continue
            old = path.read_text(encoding="utf-8") if path.is_file() else None
            report = describe(example, variant, old, new, brief=args.brief)
            if report is None:
                continue
            changed += 1
            if variant.is_json:
                advice.append(_same_as_default(example, variant, report, advice))
            else:
                texts.append(report)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(new, encoding="utf-8", newline="\n")
    leftovers = [] if args.examples else stale(examples())
    for entry in leftovers:
        texts.append(f"{_shown(entry)}: belongs to no example or variant"
                     + ("" if args.check else "; removed"))
        if not args.check:
            for f in sorted(entry.rglob("*"), reverse=True) if entry.is_dir() else []:
                f.rmdir() if f.is_dir() else f.unlink()
            entry.rmdir() if entry.is_dir() else entry.unlink()
    total = len(names) * len(VARIANTS)
    took = time.perf_counter() - started
    if args.check or not args.quiet:
        sections = []
        if texts:
            sections.append("\n".join(texts))
        if advice:
            sections.append("\n".join(["What changed in the advice (from the JSON snapshots):",
                                       *advice, *_common(advice)]))
        if sections:
            print("\n\n".join(sections) + "\n")
    for error in errors[:5]:
        print(f"snapshots: {error}", file=sys.stderr)
    if len(errors) > 5:
        print(f"snapshots: ... and {len(errors) - 5} more runs failed", file=sys.stderr)
    if args.check:
        if changed or leftovers:
            print(f"{changed} of {total} snapshots differ"
                  + (f", {len(leftovers)} stale" if leftovers else "")
                  + f" ({took:.1f} s); {ACCEPT}.")
        elif not errors:
            print(f"all {total} snapshots are current ({took:.1f} s)")
    else:
        print(f"{'rewrote ' + str(changed) if changed else 'no change to any'} of {total} "
              f"snapshots" + (f", removed {len(leftovers)} stale" if leftovers else "")
              + f" ({took:.1f} s)" + ("; review them with git diff tests/snapshots"
                                      if changed or leftovers else ""))
    return 2 if errors else (1 if args.check and (changed or leftovers) else 0)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:          # `--check | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
