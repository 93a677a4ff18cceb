"""Rendering an advice: the decision record (view.py) built once, in the format asked for.

    table     the terminal summary, or with `details` the full record (terminal.py)
    json      the JSON document (docs/output.md)
    markdown  a decision record (markdown.py)
    html      one self-contained page (html.py)
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ._safetext import for_json_text

if TYPE_CHECKING:  # pragma: no cover - the command line imports this module before pydantic
    from ._advice import Advice

__all__ = ["FORMATS", "render"]

FORMATS = ("table", "json", "markdown", "html")


def render(advice: Advice, fmt: str, width: int | None = None,
           whatif: dict[str, list[Any]] | None = None, details: bool = False) -> str:
    """The advice in `fmt`; `whatif` (Recommender.counterfactuals) adds what would change it;
    `details` turns the terminal summary into the full record (other formats are full);
    `width` (table) defaults to the terminal's."""
    from ._view import document, record
    view = record(advice, whatif, alternatives=fmt != "table")
    if fmt == "json":
        # DEL, C1 and bidi controls as \u escapes: the same JSON, safe on a terminal
        return for_json_text(json.dumps(document(view), indent=2, ensure_ascii=False))
    if fmt == "markdown":
        from ._markdown import to_markdown
        return to_markdown(view)
    if fmt == "html":
        from ._html import to_html
        return to_html(view)
    from ._terminal import terminal_width, to_details, to_summary
    return (to_details if details else to_summary)(view, width or terminal_width())
