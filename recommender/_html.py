"""The decision record as one self-contained HTML page.

`to_html(advice, whatif)` writes the same record as the Markdown report (context, architecture,
decisions with their reasons, sources and alternatives, warnings, and what would change the
decisions) as a single HTML5 document: inline CSS only, no JavaScript, no external assets, and
the architecture diagram drawn here as inline SVG. The page reads on a phone (fluid layout, the
diagram is a vertical chain that scales with the screen) and prints (no background fills,
a decision is not split across pages).

Stable hooks for tests and style sheets: each category is a <section id="category-<name>">,
its primary choice is in an element of class "choice", the diagram is <svg id="architecture">
and each of its stages a <g class="stage" data-stage="<key>"> holding the stage's choice.
"""

from __future__ import annotations

import textwrap
from html import escape
from typing import Any

from ._advice import Advice
from ._diagram import Stage, stages
from ._safetext import for_terminal
from ._view import Decision, Item, Record
from ._workload import format_size

__all__ = ["to_html", "svg_diagram"]


def _e(value: Any) -> str:
    """`value` as HTML text or attribute value: markup escaped, and control characters (not
    allowed in HTML text, and acted on when the page is printed on a terminal) shown as
    safetext.for_terminal shows them."""
    return escape(for_terminal(str(value), keep="\n\t"), quote=True)


# ---------------------------------------------------------------------------------------------
# The diagram: a vertical chain of boxes, one per stage, in viewBox units that scale to the page.

_VIEW_W = 320           # width of the drawing
_BOX_X, _BOX_W = 20, 280
_PAD = 12               # inside a box, above the title and below the last line
_TITLE_H = 18           # the stage title line
_LINE_H = 20            # one line of the choice
_GAP = 30               # between boxes, where the arrow goes
_WRAP = 26              # characters per line of a choice (fits _BOX_W at 15 units a glyph em)


def _lines(text: str) -> list[str]:
    return textwrap.wrap(text, _WRAP, break_long_words=True, break_on_hyphens=True) or [""]


def svg_diagram(advice: Advice) -> str:
    """The architecture of `advice` as an inline <svg id="architecture"> element."""
    nodes = stages(advice)
    parts: list[str] = []
    y = 10
    for n, stage in enumerate(nodes):
        if n:
            parts.append(_arrow(y - _GAP, y))
        lines = _lines(stage.choice)
        height = _PAD + _TITLE_H + _LINE_H * len(lines) + _PAD - 4
        parts.append(_box(stage, lines, y, height))
        y += height + _GAP
    total = y - _GAP + 10
    w = advice.workload
    chain = " → ".join(f"{s.title}: {s.choice}" for s in nodes)
    return "\n".join([
        f'<svg id="architecture" viewBox="0 0 {_VIEW_W} {total}" width="100%" '
        f'preserveAspectRatio="xMidYMin meet" role="img" '
        f'aria-labelledby="architecture-title architecture-desc">',
        f'<title id="architecture-title">Architecture for {_e(w.name)}</title>',
        f'<desc id="architecture-desc">{_e(chain)}</desc>',
        *parts,
        "</svg>",
    ])


def _box(stage: Stage, lines: list[str], y: int, height: int) -> str:
    cx = _VIEW_W // 2
    out = [f'<g class="stage" data-stage="{_e(stage.key)}">',
           f'<title>{_e(stage.title)}: {_e(stage.choice)}</title>',
           f'<rect x="{_BOX_X}" y="{y}" width="{_BOX_W}" height="{height}" rx="8" ry="8" '
           f'fill="#eef4fb" stroke="#2f5d8a" stroke-width="1.5"/>',
           f'<text class="stage-title" x="{cx}" y="{y + _PAD + 12}" text-anchor="middle" '
           f'font-size="12" font-weight="700" fill="#2f5d8a">{_e(stage.title.upper())}</text>',
           f'<text class="stage-choice" x="{cx}" y="{y + _PAD + _TITLE_H}" '
           f'text-anchor="middle" font-size="15" fill="#111">'
           # One <tspan> a line, with no whitespace around them; a trailing space keeps the
           # words apart in the text content (copy, search, tests).
           + "".join(f'<tspan x="{cx}" dy="{_LINE_H if n else 16}">'
                     f'{_e(line + (" " if n < len(lines) - 1 else ""))}</tspan>'
                     for n, line in enumerate(lines))
           + "</text>",
           "</g>"]
    return "\n".join(out)


def _arrow(top: int, bottom: int) -> str:
    cx = _VIEW_W // 2
    tip = bottom - 2
    return (f'<g class="arrow"><line x1="{cx}" y1="{top + 2}" x2="{cx}" y2="{tip - 8}" '
            f'stroke="#2f5d8a" stroke-width="2"/>'
            f'<polygon points="{cx - 6},{tip - 9} {cx + 6},{tip - 9} {cx},{tip}" '
            f'fill="#2f5d8a"/></g>')


# ---------------------------------------------------------------------------------------------
# The page


_CSS = """
:root { color-scheme: light; }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "DejaVu Sans", sans-serif; color: #1b1b1b; background: #fff; overflow-wrap: anywhere; }
main { max-width: 50rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; padding-bottom: .25rem;
  border-bottom: 2px solid #2f5d8a; }
h3 { font-size: 1.1rem; margin: 0 0 .5rem; }
h4 { font-size: .95rem; margin: .75rem 0 .25rem; }
p, ul { margin: .5rem 0; }
ul { padding-left: 1.25rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em;
  background: #f1f3f5; padding: 0 .2em; border-radius: 3px; overflow-wrap: anywhere; }
.summary { color: #333; }
nav ol { display: flex; flex-wrap: wrap; gap: .25rem .5rem; list-style: none; padding: 0;
  margin: .5rem 0; font-size: .9rem; }
nav a { color: #2f5d8a; }
table.context { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: .9rem; }
table.context th, table.context td { text-align: left; vertical-align: top; padding: .3rem .4rem;
  border-bottom: 1px solid #dde3ea; }
table.context th { width: 42%; font-weight: 600; }
figure { margin: 0; }
svg#architecture { display: block; width: 100%; max-width: 22rem; height: auto; margin: 0 auto;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
  sans-serif; }
figcaption { font-size: .85rem; color: #555; text-align: center; margin-top: .5rem; }
.decision { border: 1px solid #dde3ea; border-left: 4px solid #2f5d8a; border-radius: 6px;
  padding: .75rem 1rem; margin: 1rem 0; background: #fbfcfe; }
.decision .kind { font-size: .75rem; font-weight: 600; color: #555; text-transform: uppercase;
  letter-spacing: .04em; margin: 0; }
.choice { font-weight: 700; }
.single > .choice { font-size: 1.2rem; color: #17395c; margin: .25rem 0; }
.meta { font-size: .875rem; color: #333; }
.sources { font-size: .875rem; }
.items { list-style: none; padding: 0; }
.items > li { padding: .5rem 0; border-top: 1px solid #e6eaef; }
.items > li:first-child { border-top: 0; }
.alternatives { font-size: .9rem; }
.alternatives .status { font-size: .8rem; color: #555; }
.warning { color: #7a3b00; }
.warnings li { margin: .25rem 0; }
footer { font-size: .8rem; color: #555; margin: 2rem 0 1rem; border-top: 1px solid #dde3ea;
  padding-top: .5rem; }
@media (max-width: 30rem) {
  main { padding: .75rem; }
  h1 { font-size: 1.3rem; }
  .decision { padding: .6rem .7rem; }
  table.context th { width: 48%; }
}
@media print {
  body { font-size: 11pt; color: #000; background: none; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  code { background: none; padding: 0; }
  .decision { background: none; border: 1px solid #999; border-left-width: 3px; }
  /* a decision stays on one page: a single-choice category whole, a stack item by item */
  .decision.single, .items > li, .decision li, .warnings li, .whatif li {
    break-inside: avoid; page-break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  figure { break-inside: avoid; page-break-inside: avoid; }
  svg#architecture { max-width: 16rem; }
  svg#architecture rect { fill: none; stroke: #000; }
  svg#architecture text, svg#architecture .stage-title { fill: #000; }
  svg#architecture line { stroke: #000; }
  svg#architecture polygon { fill: #000; }
  a { color: inherit; text-decoration: none; }
}
"""


def to_html(view: Record) -> str:
    """The decision record (view.py) as one self-contained HTML5 page."""
    advice = view.advice
    w = advice.workload
    title = f"Decision record: ML architecture for {w.name}"
    body: list[str] = [
        "<header>",
        f'<h1>Decision record: ML architecture for <span class="workload-name">{_e(w.name)}'
        "</span></h1>",
        f'<p class="summary">A {_e(w.task.replace("_", " "))} workload on '
        f'{_e(w.modality.replace("_", " "))} data ({_e(format_size(w.data_volume))}, '
        f'{_e(w.latency.replace("_", " "))} predictions). Decisions below come from the '
        f"<code>recommender</code> rule base {_e(advice.rulebase_version)} "
        f"({advice.rule_count} rules); each names the rule that made it and the cheat-sheet "
        "rows it rests on.</p>",
        _nav(view),
        "</header>",
    ]
    body += _context(view)
    body += ['<section id="architecture-section">', "<h2>Architecture</h2>", "<figure>",
             svg_diagram(advice),
             "<figcaption>From data source to monitoring; each box names the primary choice of "
             "its stage.</figcaption>", "</figure>", "</section>"]
    body += ['<section id="decisions">', "<h2>Decisions</h2>"]
    for decision in view.decisions:
        body += _decision(decision)
    body.append("</section>")
    body += _warnings(view)
    if view.counterfactuals is not None:
        body += _whatif(view)
    body.append(f"<footer>Rule base {_e(advice.rulebase_version)}, {advice.rule_count} rules, "
                f"{_e(advice.engine)} engine.</footer>")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        *body,
        "</main>",
        "</body>",
        "</html>",
        "",
    ])


def _nav(view: Record) -> str:
    links = [("context", "Context"), ("architecture-section", "Architecture")]
    links += [(f"category-{d.category}", d.title) for d in view.decisions]
    links.append(("warnings", "Warnings"))
    if view.counterfactuals is not None:
        links.append(("whatif", "What would change it"))
    items = "".join(f'<li><a href="#{_e(anchor)}">{_e(text)}</a></li>' for anchor, text in links)
    return f'<nav aria-label="Contents"><ol>{items}</ol></nav>'


def _context(view: Record) -> list[str]:
    out = ['<section id="context">', "<h2>Context</h2>", '<table class="context">',
           "<thead><tr><th scope=\"col\">Key</th><th scope=\"col\">Value</th></tr></thead>",
           "<tbody>"]
    for key, shown in view.context:
        # a long key breaks after an underscore rather than anywhere
        out.append(f'<tr data-key="{_e(key)}"><th scope="row">'
                   f'<code>{_e(key).replace("_", "_<wbr>")}</code></th>'
                   f"<td>{_e(shown)}</td></tr>")
    out += ["</tbody>", "</table>", "</section>"]
    return out


def _sources(item: Item) -> str:
    if not item.sources:
        return '<p class="sources">Sources: none.</p>'
    # a cheat-sheet row carries its id; an AWS page is shown as text, never put in an attribute
    rows = "".join(f'<li data-row="{_e(row)}">{_e(f"{row} ({label})" if label else row)}</li>'
                   if not row.startswith("https://") else f'<li class="page">{_e(row)}</li>'
                   for row, label in item.sources)
    return f'<div class="sources">Sources:<ul>{rows}</ul></div>'


def _meta(item: Item) -> str:
    note = (f'<p class="lifecycle" data-status="{_e(item.note.status)}">AWS: '
            f"{_e(item.note.short)}.</p>" if item.note is not None else "")
    return note + f'<p class="meta">Rule <code class="rule">{_e(item.rule)}</code></p>'


def _decision(decision: Decision) -> list[str]:
    kind = "single" if decision.single else "stack"
    out = [f'<section class="decision {kind}" id="category-{_e(decision.category)}" '
           f'data-category="{_e(decision.category)}">',
           f"<h3>{_e(decision.title)}</h3>",
           f'<p class="kind">{"Decision" if decision.single else "Every item applies"}</p>']
    if not decision.items:
        out += ['<p class="none">No recommendation: no rule of this category matched.</p>',
                "</section>"]
        return out
    if decision.single:
        primary = decision.items[0]
        out += [f'<p class="choice primary">{_e(primary.choice)}</p>',
                f'<p class="justification">{_e(primary.justification)}</p>',
                _meta(primary), _sources(primary)]
        if decision.considered:
            out += ["<h4>Alternatives considered</h4>", '<ul class="alternatives">']
            for alt in decision.considered:
                out.append(f'<li class="alternative" data-status="{_e(alt.status)}">'
                           f'<span class="alt-choice"><strong>{_e(alt.choice)}</strong></span> '
                           f'<span class="status">({_e(alt.verdict)}; rule '
                           f'<code>{_e(alt.rule)}</code>)</span>: '
                           f'<span class="reason">{_e(alt.reason)}</span></li>')
            out.append("</ul>")
    else:
        out.append('<ul class="items">')
        for item in decision.items:
            out += ["<li>", f'<p class="choice">{_e(item.choice)}</p>',
                    f'<p class="justification">{_e(item.justification)}</p>',
                    _meta(item), _sources(item), "</li>"]
        out.append("</ul>")
    out.append("</section>")
    return out


def _warnings(view: Record) -> list[str]:
    out = ['<section id="warnings">', "<h2>Warnings</h2>"]
    if view.warnings:
        out.append('<ul class="warnings">')
        out += [f'<li class="warning" data-rule="{_e(rule)}">{_e(message)} '
                f'(rule <code>{_e(rule)}</code>)</li>' for rule, message in view.warnings]
        out.append("</ul>")
    else:
        out.append("<p>None.</p>")
    out.append("</section>")
    return out


def _whatif(view: Record) -> list[str]:
    items = []
    for category, sentence, rule in view.whatif:
        sentence = sentence[:1].upper() + sentence[1:]
        items.append(f'<li class="counterfactual" data-category="{_e(category)}">'
                     f'{_e(sentence)} (rule <code>{_e(rule)}</code>).</li>')
    out = ['<section id="whatif">', "<h2>What would change it</h2>"]
    if items:
        out += ["<p>Each line was checked by running the advice again on the changed "
                "workload.</p>", '<ul class="whatif">', *items, "</ul>"]
    else:
        out.append("<p>No edit of one or two workload keys changes a decision.</p>")
    out.append("</section>")
    return out
