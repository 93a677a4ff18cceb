"""Rendering an advice for people and programs: a terminal table, JSON, and a Markdown report."""

from __future__ import annotations

import json
from typing import Any

from .advice import Advice
from .catalogue import rows
from .categories import SINGLE
from .safetext import for_json_text, for_markdown as _md, for_markdown_cell as _cell
from .safetext import for_markdown_code as _code
from .workload import format_size

__all__ = ["FORMATS", "render", "to_json", "to_table", "to_markdown", "category_title",
           "source_label", "display_value"]

FORMATS = ("table", "json", "markdown", "html")


def category_title(category: str) -> str:
    return "MLOps" if category == "mlops" else category.replace("_", " ").capitalize()


def source_label(row_id: str) -> str:
    """"ING-04 (Data Ingestion Solutions for ML in AWS: Amazon Kinesis Data Firehose ...)"."""
    row = rows().get(row_id)
    return f"{row_id} ({row.label})" if row else row_id


def render(advice: Advice, fmt: str, width: int | None = None,
           whatif: dict[str, list[Any]] | None = None, details: bool = False) -> str:
    """The advice in `fmt`; `whatif` (explain.counterfactuals) adds what would change it;
    `details` turns the terminal summary into the full record (other formats are full)."""
    if fmt == "json":
        return to_json(advice)
    if fmt == "markdown":
        return to_markdown(advice, whatif)
    if fmt == "html":
        from .html import to_html
        return to_html(advice, whatif)
    return to_table(advice, width, whatif, details)


def to_json(advice: Advice) -> str:
    # DEL, C1 and bidi controls as \u escapes: the same JSON, safe on a terminal
    return for_json_text(json.dumps(advice.to_dict(), indent=2, ensure_ascii=False))


def display_value(key: str, value: Any) -> str:
    """A workload value as a person reads it: sizes, yes/no, lists and mappings spelled out."""
    if key == "data_volume" and isinstance(value, int):
        return format_size(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {display_value(k, v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def to_table(advice: Advice, width: int | None = None,
             whatif: dict[str, list[Any]] | None = None, details: bool = False) -> str:
    """The terminal view (recommender/terminal.py): a one-screen summary, or with `details`
    every justification and source; `width` defaults to the terminal's."""
    from .terminal import terminal_width, to_details, to_summary
    width = width or terminal_width()
    return (to_details if details else to_summary)(advice, width, whatif)


def to_markdown(advice: Advice, whatif: dict[str, list[Any]] | None = None) -> str:
    """A decision record for a design review: context, diagram, decisions with their reasons,
    sources and alternatives, warnings, and (when given) what would change the decisions.

    Every value from the workload or the rule files goes through recommender/safetext.py: it
    reads as plain text, never as Markdown or HTML (docs/output.md)."""
    from .diagram import mermaid
    w = advice.workload
    out = [f"# Decision record: ML architecture for {_md(w.name)}", "",
           "## Context", "",
           f"A {_md(w.task.replace('_', ' '))} workload on {_md(w.modality.replace('_', ' '))} "
           f"data ({format_size(w.data_volume)}, {_md(w.latency.replace('_', ' '))} "
           "predictions). "
           f"Decisions below come from the `recommender` rule base "
           f"{_md(advice.rulebase_version)} "
           f"({advice.rule_count} rules); each names the rule that made it and the cheat-sheet "
           "rows it rests on.", "", "| Key | Value |", "|---|---|"]
    for key, value in w.to_dict().items():
        out.append(f"| {_code(key, cell=True)} | {_cell(display_value(key, value))} |")
    out += ["", "## Architecture", "", "```mermaid", mermaid(advice), "```", "",
            "## Decisions", ""]
    for category, items in advice.recommendations.items():
        out.append(f"### {category_title(category)}")
        out.append("")
        if category in SINGLE:
            primary = items[0]
            out += [f"**Decision: {_md(primary.choice)}.** {_md(primary.justification)}", "",
                    f"*Rule* {_code(primary.rule)}. *Sources:* {_sources(primary.sources)}.", ""]
            considered = _alternatives(advice).get(category, [])
            if considered:
                out.append("Alternatives considered:")
                out.append("")
                for alt in considered:
                    verdict = "matched, lower priority" if alt.status == "lost" else "not chosen"
                    out.append(f"- {_md(alt.choice)} ({verdict}; {_code(alt.rule)}): "
                               f"{_md(alt.reason)}.")
                out.append("")
        else:
            for item in items:
                out.append(f"- **{_md(item.choice)}**. {_md(item.justification)} "
                           f"(*rule* {_code(item.rule)}; *sources:* {_sources(item.sources)})")
            out.append("")
    out += ["## Warnings", ""]
    if advice.warnings:
        out += [f"- {_md(w.message)} (rule {_code(w.rule)})" for w in advice.warnings]
    else:
        out.append("None.")
    out.append("")
    if whatif:
        out += ["## What would change the decisions", "",
                "Each line was checked by running the advice again on the changed workload.", ""]
        out += [f"- {_md(c.sentence()[:1].upper() + c.sentence()[1:])} (rule {_code(c.rule)})."
                for found in whatif.values() for c in found]
        out.append("")
    return "\n".join(out)


def _sources(ids: tuple[str, ...]) -> str:
    return ", ".join(_md(source_label(i)) for i in ids)


def _alternatives(advice: Advice) -> dict[str, list[Any]]:
    """The alternatives of each single-choice category, computed once per advice."""
    from .explain import alternatives
    cached = getattr(advice, "_shown_alternatives", None)
    if cached is None:
        cached = alternatives(advice)
        object.__setattr__(advice, "_shown_alternatives", cached)
    return cached
