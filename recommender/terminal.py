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
from typing import Any, Iterable

from .advice import Advice, lifecycle_entry
from .catalogue import rows
from .safetext import for_terminal
from .categories import SINGLE
from .workload import format_size

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
# Shared pieces


def title(category: str) -> str:
    return "MLOps" if category == "mlops" else category.replace("_", " ").capitalize()


def headline(advice: Advice) -> str:
    w = advice.workload
    return visible(f"{w.name}: {w.task.replace('_', ' ')} on {w.modality.replace('_', ' ')} "
                   f"data, {format_size(w.data_volume)}, {w.latency.replace('_', ' ')}")


def footer(advice: Advice) -> str:
    return (f"rule base {advice.rulebase_version}, {advice.rule_count} rules, "
            f"{advice.engine} engine")


def _note_lines(text: str, width: int) -> list[str]:
    """A note in at most two lines, the second indented and cut if need be."""
    lines = wrap(text, width, "", "    ")
    if len(lines) > 2:
        lines = [lines[0], cut(" ".join([lines[1]] + [x.strip() for x in lines[2:]]), width)]
    return lines


class _Notes:
    """Numbered lifecycle notes: one per flagged choice, in the order the rows meet them."""

    def __init__(self) -> None:
        self.by_choice: dict[str, int] = {}
        self.lines: list[str] = []

    def mark(self, choice: str) -> str:
        entry = lifecycle_entry(choice)
        if entry is None or not entry.needs_warning:
            return ""
        if choice not in self.by_choice:
            self.by_choice[choice] = len(self.by_choice) + 1
            self.lines.append(f"[{self.by_choice[choice]}] {choice}: {short_status(entry)}")
        return f" [{self.by_choice[choice]}]"


def short_status(entry: Any) -> str:
    """A lifecycle entry in a few words: what changed and what to use."""
    since = f" since {entry.since}" if entry.since else ""
    if entry.status == "renamed":
        return f"now named {entry.current_name}" + (f" ({entry.since})" if entry.since else "")
    words = {"closed_to_new_customers": "closed to new customers", "retired": "retired",
             "maintenance": "in maintenance only"}.get(entry.status, entry.status)
    text = f"{words}{since}"
    if entry.replacements:
        text += f"; use {' or '.join(entry.replacements)}"
    return text


def next_best(advice: Advice, category: str) -> tuple[str, bool]:
    """The strongest alternative of a single-choice category, and whether its rule matched:
    the first matched choice that lost on priority, else the choice whose rule comes nearest to
    matching this workload (fewest failing tests, then priority)."""
    items = advice.recommendations[category]
    if len(items) > 1:
        return items[1].choice, True
    book = advice.book
    if book is None:
        return "", False
    from .conditions import flatten
    from .explain import check
    fired = set(advice.fired)
    fact = flatten(advice.workload)
    best: tuple[int, int, str] | None = None
    for rule in book.in_category(category):
        if rule.id in fired or rule.choice == items[0].choice:
            continue
        key = (len(check(rule, advice.workload, fact).failed), book.rank[rule.index], rule.choice)
        if best is None or key < best:
            best = key
    return (best[2], False) if best else ("", False)


# ---------------------------------------------------------------------------------------------
# The summary


def to_summary(advice: Advice, width: int, whatif: dict[str, list[Any]] | None = None) -> str:
    """One line per category, the flagged choices' notes, the warnings, and how to see more."""
    notes = _Notes()
    columns = width >= _SUMMARY_COLUMNS_FROM
    rest = width - _CATEGORY_W - 2
    # the choice column is as wide as its longest primary choice (with a note mark), so that
    # the alternatives get the rest of the line
    widest = max((width_of(visible(items[0].choice)) + (4 if _flagged(items[0].choice) else 0)
                  for category, items in advice.recommendations.items() if category in SINGLE),
                 default=10)
    choice_w = max(10, min(widest, rest - 2 - 20))
    alt_w = rest - choice_w - 2
    out = [cut(headline(advice), width), ""]
    if columns:
        out.append(f"{pad('Category', _CATEGORY_W)}  {pad('Choice', choice_w)}  Runner-up")
        out.append(f"{'-' * _CATEGORY_W}  {'-' * choice_w}  {'-' * alt_w}")
    unmatched = False
    for category, items in advice.recommendations.items():
        name = title(category)
        alternative = ""
        if category in SINGLE:
            choice = visible(items[0].choice) + notes.mark(items[0].choice)
            if len(items) > 1:
                alternative = _stack([i.choice for i in items[1:]], notes,
                                     alt_w if columns else width - 14)
            else:
                nearest, _ = next_best(advice, category)
                if nearest:
                    alternative = visible(nearest) + " *"
                    unmatched = True
        else:
            room = rest if columns else width - width_of(name) - 2
            choice = _stack([i.choice for i in items], notes, room)
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
    if unmatched:
        out.append(cut("* did not match: the choice whose rule comes nearest to matching", width))
    for line in notes.lines:
        out += _note_lines(visible(line), width)
    for w in advice.warnings:
        if not w.rule.startswith("lifecycle."):
            out += _note_lines(visible(f"! {w.message}"), width)
    if whatif:
        out += ["", "What would change it:"]
        for found in whatif.values():
            for c in found:
                out += wrap(visible(f"- {c.sentence()}"), width, rest="  ")
    if out[-1] != "":
        out.append("")
    out.append(cut("Every justification and source: recommend --details", width))
    out.append(cut(footer(advice), width))
    return "\n".join(out)


def _flagged(choice: str) -> bool:
    entry = lifecycle_entry(choice)
    return entry is not None and entry.needs_warning


def _fit(text: str, width: int) -> str:
    """A cell: control characters made visible, and a cut that keeps a trailing note mark."""
    text = visible(text)
    if width_of(text) <= width:
        return text
    head, sep, mark = text.rpartition(" [")
    if sep and mark.endswith("]") and mark[:-1].isdigit():
        return cut(head, width - len(mark) - 2) + " [" + mark
    return cut(text, width)


def _stack(choices: list[str], notes: _Notes, width: int) -> str:
    """A stack's items on one line of `width` columns: as many as fit, then "+N more", which
    carries the note marks of the items it hides, so that no flag is lost to the cut."""
    marked = [visible(choice) + notes.mark(choice) for choice in choices]  # numbered in order
    for shown in range(len(marked), 0, -1):
        line = ", ".join(marked[:shown]) + _more(choices[shown:], notes)
        if width_of(line) <= width:
            return line
    suffix = _more(choices[1:], notes)
    if width - width_of(suffix) >= 8:
        return cut(visible(choices[0]), width - width_of(suffix) - len(notes.mark(choices[0]))) \
            + notes.mark(choices[0]) + suffix
    return f"{len(choices)} items" + "".join(notes.mark(c) for c in choices)


def _more(hidden: list[str], notes: _Notes) -> str:
    return f", +{len(hidden)} more" + "".join(notes.mark(c) for c in hidden) if hidden else ""


# ---------------------------------------------------------------------------------------------
# The details


def to_details(advice: Advice, width: int, whatif: dict[str, list[Any]] | None = None) -> str:
    """Every decision with its justification and sources, warnings, what-if and the rows."""
    choice_w = 24 if width >= 100 else 16
    why_w = width - _CATEGORY_W - choice_w - 6 - 6
    entries: list[tuple[str, str, str, str]] = []
    for category, items in advice.recommendations.items():
        if category in SINGLE:
            primary, others = items[0], items[1:]
            choice = primary.choice
            if others:
                choice += " (also: " + ", ".join(i.choice for i in others) + ")"
            entries.append((title(category), choice, primary.justification,
                            " ".join(primary.sources)))
        else:
            for n, item in enumerate(items):
                entries.append((title(category) if n == 0 else "", item.choice,
                                item.justification, " ".join(item.sources)))
    out = [cut(headline(advice), width), ""]
    if why_w >= _DETAILS_WHY_AT_LEAST:
        out += _details_table(entries, (_CATEGORY_W, choice_w, why_w, 6))
    else:
        out += _details_stacked(entries, width)
    if advice.warnings:
        out += ["", "Warnings:"]
        for w in advice.warnings:
            out += wrap(visible(f"! {w.message} [{w.rule}]"), width, "  ", "    ")
    if whatif:
        out += ["", "What would change it:"]
        for found in whatif.values():
            for c in found:
                out += wrap(visible(f"- {c.sentence()}"), width, "  ", "    ")
    cited = dict.fromkeys(s for items in advice.recommendations.values() for i in items
                          for s in i.sources)
    out += ["", "Sources (cheat-sheet section: row):"]
    for row_id in cited:
        row = rows().get(row_id)
        out += wrap(visible(f"{row_id}  {row.label if row else ''}".rstrip()), width,
                    "  ", "        ")
    out += ["", footer(advice)]
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
        out += wrap(f"sources: {sources}", width, "    ", "    ")
    return out[1:] if out and out[0] == "" else out
