"""Rendering an advice for people and programs: a terminal table, JSON, and a Markdown report."""

from __future__ import annotations

import json
import shutil
from typing import Any

from tabulate import tabulate

from .advice import Advice
from .catalogue import rows
from .categories import SINGLE
from .workload import format_size

__all__ = ["FORMATS", "render", "to_json", "to_table", "to_markdown", "category_title",
           "source_label"]

FORMATS = ("table", "json", "markdown")


def category_title(category: str) -> str:
    return category.replace("_", " ").capitalize()


def source_label(row_id: str) -> str:
    """"ING-04 (Data Ingestion Solutions for ML in AWS: Amazon Kinesis Data Firehose ...)"."""
    row = rows().get(row_id)
    return f"{row_id} ({row.label})" if row else row_id


def render(advice: Advice, fmt: str, width: int | None = None) -> str:
    if fmt == "json":
        return to_json(advice)
    if fmt == "markdown":
        return to_markdown(advice)
    return to_table(advice, width)


def to_json(advice: Advice) -> str:
    return json.dumps(advice.to_dict(), indent=2, ensure_ascii=False)


def _value(key: str, value: Any) -> str:
    if key == "data_volume" and isinstance(value, int):
        return format_size(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(k, v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def to_table(advice: Advice, width: int | None = None) -> str:
    """A table of category, choice, why and sources, wrapped to `width` (default: terminal)."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    width = max(width, 60)
    category_w, source_w = 19, 6       # "Feature engineering", "ING-11"
    choice_w = 24 if width >= 100 else 16
    # tabulate pads the "Sources" header to 9 columns and puts two spaces between columns
    why_w = width - category_w - choice_w - 9 - 6
    table = []
    for category, items in advice.recommendations.items():
        title = category_title(category)
        if category in SINGLE:
            primary, others = items[0], items[1:]
            choice = primary.choice
            if others:
                choice += " (also: " + ", ".join(i.choice for i in others) + ")"
            table.append([title, choice, primary.justification, " ".join(primary.sources)])
        else:
            for n, item in enumerate(items):
                table.append([title if n == 0 else "", item.choice, item.justification,
                              " ".join(item.sources)])
    body = tabulate(table, headers=["Category", "Choice", "Why", "Sources"], tablefmt="simple",
                    maxcolwidths=[category_w, choice_w, why_w, source_w])
    head = f"Architecture for {advice.workload.name} " \
           f"({advice.workload.task}, {advice.workload.modality}, " \
           f"{format_size(advice.workload.data_volume)}, {advice.workload.latency})"
    parts = [head, "", body]
    if advice.warnings:
        parts += ["", "Warnings:"]
        parts += [f"  ! {w.message} [{w.rule}]" for w in advice.warnings]
    parts += ["", f"rule base {advice.rulebase_version}, {advice.rule_count} rules, "
                  f"{advice.engine} engine"]
    return "\n".join(parts)


def to_markdown(advice: Advice) -> str:
    """A report a person can paste into a design document."""
    w = advice.workload
    out = [f"# ML architecture: {w.name}", "",
           f"Recommended AWS architecture for a {w.task.replace('_', ' ')} workload on "
           f"{w.modality.replace('_', ' ')} data ({format_size(w.data_volume)}, "
           f"{w.latency.replace('_', ' ')} predictions), produced by the `recommender` rule base "
           f"{advice.rulebase_version}.", "", "## Workload", "", "| Key | Value |", "|---|---|"]
    for key, value in w.to_dict().items():
        out.append(f"| `{key}` | {_md(_value(key, value))} |")
    out += ["", "## Decisions", ""]
    for category, items in advice.recommendations.items():
        out.append(f"### {category_title(category)}")
        out.append("")
        if category in SINGLE:
            primary = items[0]
            out += [f"**{primary.choice}**. {primary.justification}", "",
                    f"Rule `{primary.rule}`; sources: {_sources(primary.sources)}.", ""]
            if len(items) > 1:
                out.append("Also matched, with lower priority: " +
                           "; ".join(f"{i.choice} (`{i.rule}`)" for i in items[1:]) + ".")
                out.append("")
        else:
            for item in items:
                out.append(f"- **{item.choice}**. {item.justification} "
                           f"(rule `{item.rule}`; sources: {_sources(item.sources)})")
            out.append("")
    out += ["## Warnings", ""]
    if advice.warnings:
        out += [f"- {w.message} (rule `{w.rule}`)" for w in advice.warnings]
    else:
        out.append("None.")
    out.append("")
    return "\n".join(out)


def _sources(ids: tuple[str, ...]) -> str:
    return ", ".join(source_label(i) for i in ids)


def _md(text: str) -> str:
    return text.replace("|", "\\|")
