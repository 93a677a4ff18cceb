"""Text from users and rule files made safe for the reader it goes to.

A workload's `name`, a file name, and everything a team's rule directory supplies (choice names,
justifications, warnings) are free text. Each output has its own reader, and each reader has
characters that are not text to it:

* a terminal obeys control characters: ESC (0x1b) and the 8-bit CSI (U+009B) start sequences
  that clear the screen, move the cursor, set the window title or hide what follows, and bidi
  overrides reorder what is shown (`for_terminal`);
* a Markdown renderer turns `<b>`, `[x](y)`, `**`, a `|` in a table, a backtick and a leading
  `#` or `- ` into markup (`for_markdown`, `for_markdown_cell`, `for_markdown_code`);
* Mermaid ends a node label at `"`, reads `#...;` as an entity, `%%{...}%%` as a directive and
  brackets and pipes as syntax, and a ``` line closes the Markdown fence around the diagram
  (`for_mermaid`).

Each function takes the raw value and returns text that its reader shows as exactly that value,
with the characters that would have acted shown visibly instead. Apply them where a value is put
into an output, to the value only: the output's own markup stays as it is. HTML is escaped with
`html.escape` in html.py.
"""

from __future__ import annotations

import re

__all__ = ["for_terminal", "for_json_text", "for_markdown", "for_markdown_cell",
           "for_markdown_code", "for_mermaid", "MERMAID_LIMIT"]

# ---------------------------------------------------------------------------------------------
# Terminals

#: Shown with a \u escape: bidi embeddings, overrides and isolates (they reorder the text shown
#: after them, "Trojan Source"), and lone surrogates (an undecodable byte of a file name).
_BIDI = "\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def for_terminal(text: str, keep: str = "") -> str:
    r"""`text` with every character a terminal would act on shown as an escape instead.

    C0 controls (U+0000-U+001F), DEL and the C1 controls (U+0080-U+009F) become `\x1b`-style
    escapes; bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and lone
    surrogates become `\u202e`-style escapes. `keep` names the characters among "\n" and "\t"
    the caller lets through (a multi-line message keeps "\n"). Everything else, accents, CJK
    and emoji included, is unchanged; a backslash already in the text is left as it is.

    >>> for_terminal("report\x1b[2J.yaml")
    'report\\x1b[2J.yaml'
    """
    if set(keep) - {"\n", "\t"}:
        raise ValueError("keep may hold only '\\n' and '\\t'")
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)


#: Characters that JSON may hold unescaped but a terminal acts on (json.dumps already escapes C0).
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}]")


def for_json_text(document: str) -> str:
    r"""A JSON document (from json.dumps, ensure_ascii=False) with DEL, the C1 controls and the
    bidi controls written as `\u` escapes: the same JSON value, safe to print on a terminal.
    (json.dumps escapes the C0 controls itself; these characters can only be inside strings.)"""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


# ---------------------------------------------------------------------------------------------
# Markdown (CommonMark and GitHub Flavored Markdown)

#: Escaped with a backslash wherever they are: they open or close emphasis (* ~), code spans
#: (`), links and images ([ ]), headings (#), table cells (|), math on GitHub ($), and the
#: backslash itself (so that a user's `\` cannot escape our own markup). `(`, `)` and `!` are
#: left alone: a link or image needs a `[`, which is always escaped. `_` is escaped unless it
#: stands between two letters or digits, where CommonMark never reads it as emphasis
#: (`training_throughput` stays readable in the raw record).
_MD_PUNCT = set("\\`*[]#|~$")
#: Written as entities: no raw HTML, autolink (<...>) or entity reference can start.
_MD_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
#: At the start of a value that may begin a line: a list item (- or +, or 1. or 1) before a
#: space), a setext heading underline or thematic break (= -); a block quote's > is already an
#: entity.
_MD_LEADING_MARK = re.compile(r"^[-+=]")
_MD_LEADING_NUMBER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x85\u2028\u2029]")


def _one_line(text: str) -> str:
    """Line breaks as spaces, surrounding white space dropped: a value never starts a block."""
    return _LINE_BREAKS.sub(" ", text).strip()


def _intraword(text: str, i: int) -> bool:
    """Whether text[i] stands between two letters or digits."""
    return 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()


def for_markdown(text: str) -> str:
    r"""`text` as plain text in CommonMark/GFM, on one line: no raw HTML, no link or image, no
    emphasis, no code span, no heading or list, no table-cell break, wherever it is put inline.

    HTML-active characters become entities (`&lt;`, `&gt;`, `&amp;`), Markdown punctuation
    (\ ` * [ ] # | ~ $, and _ outside a word) gets a backslash, a leading `-`, `+`, `=`, `1. `
    or `1) ` is escaped, line breaks become spaces and surrounding white space is dropped;
    control characters are shown as `for_terminal` shows them (reports go to terminals too).

    >>> for_markdown("[x](javascript:alert(1)) <b> _a_b_")
    '\\[x\\](javascript:alert(1)) &lt;b&gt; \\_a_b\\_'
    """
    text = for_terminal(_one_line(text))
    out = "".join(_MD_ENTITIES.get(c) or ("\\" + c if c in _MD_PUNCT or
                                          (c == "_" and not _intraword(text, i)) else c)
                  for i, c in enumerate(text))
    out = _MD_LEADING_MARK.sub(lambda m: "\\" + m.group(), out)
    out = _MD_LEADING_NUMBER.sub(lambda m: m.group(1) + "\\" + m.group(2), out)
    return out


def for_markdown_cell(text: str) -> str:
    r"""`text` for a cell of a GFM table: `for_markdown`, which also keeps it on one line (a
    line break would end the row) and escapes `|` (which would start a new cell)."""
    return for_markdown(text)


def for_markdown_code(text: str, cell: bool = False) -> str:
    r"""`text` as a complete inline code span, backticks included.

    The fence is one backtick longer than the longest run of backticks in `text`, and a space
    pads a value that starts or ends with a backtick, so nothing inside closes the span. Inside
    a code span nothing else is markup; line breaks become spaces and control characters are
    shown as `for_terminal` shows them. With `cell`, pipes are written `\|`, as a code span in
    a GFM table cell must (the table splits its row before it reads code spans).
    """
    text = for_terminal(_one_line(text)) or " "
    if cell:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    return f"{fence}{text}{fence}"


# ---------------------------------------------------------------------------------------------
# Mermaid

#: A node label is cut to this many characters (an ellipsis ends a cut label).
MERMAID_LIMIT = 100

#: Mermaid entity codes (`#<decimal>;`, or `#quot;`) for every character that is syntax in a
#: flowchart or in the Markdown fence around it: the label quote, the entity and comment
#: markers (# ; %), brackets, braces, parentheses and pipes (node shapes and edge labels), angle
#: brackets and & (HTML labels), and the backtick (Markdown strings, and the ``` fence).
_MERMAID = {'"': "#quot;", "#": "#35;", ";": "#59;", "%": "#37;", "&": "#38;",
            "<": "#60;", ">": "#62;", "[": "#91;", "]": "#93;", "{": "#123;", "}": "#125;",
            "(": "#40;", ")": "#41;", "|": "#124;", "`": "#96;"}


def for_mermaid(text: str, limit: int = MERMAID_LIMIT) -> str:
    r"""`text` for the inside of a quoted Mermaid node label (`id["..."]`): it can never close
    the quote, the node or the ``` fence around the diagram, start a comment or directive, or
    become HTML. Line breaks become spaces, control characters are shown as `for_terminal`
    shows them, the text is cut to `limit` characters (ending in "…"), then every syntax
    character is written as a Mermaid entity code (`#quot;`, `#35;`, ...).

    >>> for_mermaid('a"] --> X[b')
    'a#quot;#93; --#62; X#91;b'
    """
    text = for_terminal(_one_line(text))
    if len(text) > limit:
        text = text[:max(limit - 1, 0)].rstrip() + "…"
    return "".join(_MERMAID.get(c, c) for c in text)
