"""The advice in a terminal: a one-screen summary by default, the full record with `--details`.

The summary has one line per category: the primary choice and its strongest alternative for a
single-choice category, the items for a stack. A choice AWS has closed, retired or renamed is
flagged on the row that recommends it, with a numbered note under the table; the rule-base
warnings follow, one line each. The details view prints every justification and source, as a
table where the terminal is wide enough, else stacked (one block per category), so that the
justification never shrinks to a narrow column.

Width comes from `--width`, else `COLUMNS`, else the controlling terminal (also when standard
output is a pipe into a pager), else 100 columns.
"""

from __future__ import annotations

import os
import textwrap
import unicodedata
from typing import TYPE_CHECKING, Callable

from ._safetext import for_terminal

if TYPE_CHECKING:  # pragma: no cover - the command line imports this module before pydantic
    from ._view import Record

__all__ = ["terminal_width", "to_summary", "to_details", "DEFAULT_WIDTH", "MIN_WIDTH"]

DEFAULT_WIDTH = 100
#: The narrowest layout the renderers draw; a smaller --width is refused by the CLI.
MIN_WIDTH = 30
#: Below this width the summary stacks each category on two lines instead of three columns.
_SUMMARY_COLUMNS_FROM = 60
#: The details table is used only when its justification column gets at least this many columns.
_DETAILS_WHY_AT_LEAST = 40
_CATEGORY_W = 19  # "Feature engineering"


def terminal_width(default: int = DEFAULT_WIDTH) -> int:
    """Columns to draw in: `COLUMNS`, then the controlling terminal, then `default`."""
    configured = os.environ.get("COLUMNS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    for fd in (1, 2, 0):
        try:
            if os.isatty(fd):
                return os.get_terminal_size(fd).columns or default
        except (OSError, ValueError):
            continue
    try:  # standard streams are all redirected, as in `recommend x.yaml | less`
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return default
    try:
        return os.get_terminal_size(fd).columns or default
    except OSError:
        return default
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------
# Text that is safe and measured for a terminal


def visible(text: str) -> str:
    """`text` with control characters shown as escapes (`\\x1b`), so that no string from a
    workload, a file name or a team's rules can move the cursor, retitle or clear a terminal;
    line breaks too, since every cell is one line."""
    return for_terminal(text)


def _cells(c: str) -> int:
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else \
        0 if unicodedata.combining(c) else 1


def width_of(text: str) -> int:
    """Columns `text` takes in a terminal (wide East Asian characters take two)."""
    return sum(_cells(c) for c in text) if not text.isascii() else len(text)


def cut(text: str, width: int) -> str:
    """`text` shortened to `width` columns, ending in an ellipsis when something was cut."""
    if width_of(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        if used + _cells(c) > width - 1:
            break
        out.append(c)
        used += _cells(c)
    return "".join(out).rstrip() + "\N{HORIZONTAL ELLIPSIS}"


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - width_of(text))


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, width=max(width, 10), initial_indent=first,
                         subsequent_indent=rest, break_on_hyphens=False) or [first.rstrip()]


# ---------------------------------------------------------------------------------------------
# The summary


def to_summary(view: Record, width: int) -> str:
    """One line per category, the flagged choices' notes, the warnings, and how to see more."""
    from ._view import runner_up
    marks = {note.choice: n for n, note in enumerate(view.notes, 1)}

    def mark(choice: str) -> str:
        return f" [{marks[choice]}]" if choice in marks else ""

    columns = width >= _SUMMARY_COLUMNS_FROM
    rest = width - _CATEGORY_W - 2
    # the choice column is as wide as its longest primary choice (with a note mark), so that
    # the runner-up gets the rest of the line
    widest = max((width_of(visible(d.items[0].choice) + mark(d.items[0].choice))
                  for d in view.decisions if d.single), default=10)
    choice_w = max(10, min(widest, rest - 2 - 20))
    alt_w = rest - choice_w - 2
    out = [cut(visible(f"{view.name}: {view.headline}"), width), ""]
    if columns:
        out.append(f"{pad('Category', _CATEGORY_W)}  {pad('Choice', choice_w)}  Runner-up")
        out.append(f"{'-' * _CATEGORY_W}  {'-' * choice_w}  {'-' * alt_w}")
    nearest = False
    for decision in view.decisions:
        name = decision.title
        alternative = ""
        if decision.single:
            choice = visible(decision.items[0].choice) + mark(decision.items[0].choice)
            others, matched = runner_up(decision)
            if matched and others:
                alternative = _stack(others, mark, alt_w if columns else width - 14)
            elif others:
                alternative = visible(others[0]) + " *"
                nearest = True
        else:
            room = rest if columns else width - width_of(name) - 2
            choice = _stack([i.choice for i in decision.items], mark, room)
        if not columns:
            out.append(_fit(f"{name}: {choice}", width))
            if alternative:
                out.append(_fit(f"  also: {alternative}", width))
        elif alternative:
            out.append(f"{pad(name, _CATEGORY_W)}  {pad(_fit(choice, choice_w), choice_w)}  "
                       f"{_fit(alternative, alt_w)}".rstrip())
        else:
            out.append(f"{pad(name, _CATEGORY_W)}  {_fit(choice, rest)}".rstrip())
    out.append("")
    if nearest:
        out.append(cut("* did not match: the choice whose rule comes nearest to matching", width))
    for n, note in enumerate(view.notes, 1):
        out += _note_lines(visible(f"[{n}] {note.choice}: {note.short}"), width)
    for rule, message in view.warnings:
        if not rule.startswith("lifecycle."):
            out += _note_lines(visible(f"! {message}"), width)
    if view.whatif:
        out += ["", "What would change it:"]
        for _, sentence, _ in view.whatif:
            out += wrap(visible(f"- {sentence}"), width, rest="  ")
    if out[-1] != "":
        out.append("")
    out.append(cut("Every justification and source: recommend --details", width))
    out.append(cut(view.rulebase, width))
    return "\n".join(out)


def _note_lines(text: str, width: int) -> list[str]:
    """A note in at most two lines, the second indented and cut if need be."""
    lines = wrap(text, width, "", "    ")
    if len(lines) > 2:
        lines = [lines[0], cut(" ".join([lines[1]] + [x.strip() for x in lines[2:]]), width)]
    return lines


def _fit(text: str, width: int) -> str:
    """A cell: control characters made visible, and a cut that keeps a trailing note mark."""
    text = visible(text)
    if width_of(text) <= width:
        return text
    head, sep, mark = text.rpartition(" [")
    if sep and mark.endswith("]") and mark[:-1].isdigit():
        return cut(head, width - len(mark) - 2) + " [" + mark
    return cut(text, width)


def _stack(choices: list[str], mark: Callable[[str], str], width: int) -> str:
    """Items on one line of `width` columns: as many as fit, then "+N more", which carries the
    note marks of the items it hides, so that no flag is lost to the cut."""
    marked = [visible(choice) + mark(choice) for choice in choices]
    for shown in range(len(marked), 0, -1):
        line = ", ".join(marked[:shown]) + _more(choices[shown:], mark)
        if width_of(line) <= width:
            return line
    suffix = _more(choices[1:], mark)
    if width - width_of(suffix) >= 8:
        return cut(visible(choices[0]), width - width_of(suffix) - len(mark(choices[0]))) \
            + mark(choices[0]) + suffix
    return f"{len(choices)} items" + "".join(mark(c) for c in choices)


def _more(hidden: list[str], mark: Callable[[str], str]) -> str:
    return f", +{len(hidden)} more" + "".join(mark(c) for c in hidden) if hidden else ""


# ---------------------------------------------------------------------------------------------
# The details


def to_details(view: Record, width: int) -> str:
    """Every decision with its justification and sources, warnings, what-if and the rows."""
    choice_w = 24 if width >= 100 else 16
    why_w = width - _CATEGORY_W - choice_w - 6 - 6
    entries: list[tuple[str, str, str, str]] = []
    for decision in view.decisions:
        items = decision.items[:1] if decision.single else decision.items
        for n, item in enumerate(items):
            choice = item.choice
            if decision.single and len(decision.items) > 1:
                choice += " (also: " + ", ".join(i.choice for i in decision.items[1:]) + ")"
            entries.append((decision.title if n == 0 else "", choice, item.justification,
                            " ".join(row for row, _ in item.sources)))
    out = [cut(visible(f"{view.name}: {view.headline}"), width), ""]
    if why_w >= _DETAILS_WHY_AT_LEAST:
        out += _details_table(entries, (_CATEGORY_W, choice_w, why_w, 6))
    else:
        out += _details_stacked(entries, width)
    if view.warnings:
        out += ["", "Warnings:"]
        for rule, message in view.warnings:
            out += wrap(visible(f"! {message} [{rule}]"), width, "  ", "    ")
    if view.whatif:
        out += ["", "What would change it:"]
        for _, sentence, _ in view.whatif:
            out += wrap(visible(f"- {sentence}"), width, "  ", "    ")
    cited = dict(row for d in view.decisions for i in d.items for row in i.sources)
    out += ["", "Sources (cheat-sheet section: row):"]
    for row_id, label in cited.items():
        out += wrap(visible(f"{row_id}  {label}".rstrip()), width, "  ", "        ")
    out += ["", view.rulebase]
    return "\n".join(out)


def _details_table(entries: list[tuple[str, str, str, str]], widths: tuple[int, ...]) -> list[str]:
    headers = ("Category", "Choice", "Why", "Sources")
    out = ["  ".join(pad(h, w) for h, w in zip(headers, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    for entry in entries:
        columns = [wrap(visible(cell), w) if cell else [""] for cell, w in
                   zip((entry[0], entry[1], entry[2]), widths)]
        columns.append(entry[3].split() or [""])
        for n in range(max(len(c) for c in columns)):
            cells = [c[n] if n < len(c) else "" for c in columns]
            out.append("  ".join(pad(cell, w) for cell, w in zip(cells, widths)).rstrip())
    return out


def _details_stacked(entries: list[tuple[str, str, str, str]], width: int) -> list[str]:
    out: list[str] = []
    for category, choice, why, sources in entries:
        if category:
            out += ["", visible(category.upper())]
        out += wrap(visible(f"{choice}"), width, "  ", "    ")
        out += wrap(visible(why), width, "    ", "    ")
        out += textwrap.wrap(f"sources: {sources}", width=max(width, 10), initial_indent="    ",
                             subsequent_indent="    ", break_long_words=False,
                             break_on_hyphens=False)  # an AWS page's address stays whole
    return out[1:] if out and out[0] == "" else out
