"""The decision record as Markdown (CommonMark with GitHub's tables and a Mermaid diagram).

Every value from the workload or the rule files goes through recommender/_safetext.py: it reads
as plain text, never as Markdown or HTML (docs/output.md).
"""

from __future__ import annotations

from ._diagram import mermaid
from ._safetext import for_markdown as _md, for_markdown_cell as _cell
from ._safetext import for_markdown_code as _code
from ._view import Record
from ._workload import format_size

__all__ = ["to_markdown"]


def to_markdown(view: Record) -> str:
    """A decision record for a design review: context, diagram, decisions with their reasons,
    sources and alternatives, warnings, and (when asked) what would change the decisions."""
    advice = view.advice
    w = advice.workload
    out = [f"# Decision record: ML architecture for {_md(view.name)}", "",
           "## Context", "",
           f"A {_md(w.task.replace('_', ' '))} workload on {_md(w.modality.replace('_', ' '))} "
           f"data ({format_size(w.data_volume)}, {_md(w.latency.replace('_', ' '))} "
           "predictions). "
           f"Decisions below come from the `recommender` rule base "
           f"{_md(advice.rulebase_version)} "
           f"({advice.rule_count} rules); each names the rule that made it and the cheat-sheet "
           "rows it rests on.", "", "| Key | Value |", "|---|---|"]
    for key, value in view.context:
        out.append(f"| {_code(key, cell=True)} | {_cell(value)} |")
    out += ["", "## Architecture", "", "```mermaid", mermaid(advice), "```", "",
            "## Decisions", ""]
    for decision in view.decisions:
        out.append(f"### {decision.title}")
        out.append("")
        if decision.single:
            primary = decision.items[0]
            out += [f"**Decision: {_md(primary.choice)}.** {_md(primary.justification)}"
                    + _note(primary), "",
                    f"*Rule* {_code(primary.rule)}. *Sources:* {_sources(primary)}.", ""]
            if decision.considered:
                out.append("Alternatives considered:")
                out.append("")
                for alt in decision.considered:
                    out.append(f"- {_md(alt.choice)} ({alt.verdict}; {_code(alt.rule)}): "
                               f"{_md(alt.reason)}.")
                out.append("")
        else:
            for item in decision.items:
                out.append(f"- **{_md(item.choice)}**. {_md(item.justification)}{_note(item)} "
                           f"(*rule* {_code(item.rule)}; *sources:* {_sources(item)})")
            out.append("")
    out += ["## Warnings", ""]
    if view.warnings:
        out += [f"- {_md(message)} (rule {_code(rule)})" for rule, message in view.warnings]
    else:
        out.append("None.")
    out.append("")
    if view.whatif:
        out += ["## What would change the decisions", "",
                "Each line was checked by running the advice again on the changed workload.", ""]
        out += [f"- {_md(sentence[:1].upper() + sentence[1:])} (rule {_code(rule)})."
                for _, sentence, rule in view.whatif]
        out.append("")
    return "\n".join(out)


def _note(item) -> str:
    return f" *AWS: {_md(item.note.short)}.*" if item.note is not None else ""


def _sources(item) -> str:
    return ", ".join(_md(f"{row} ({label})" if label else row) for row, label in item.sources)
