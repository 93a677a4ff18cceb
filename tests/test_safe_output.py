"""Output safe for its reader: hostile workload names, team rule files and file names can reach
every output, and none of them may act there (recommender/_safetext.py, docs/output.md).

Each output is read back with a real parser: the Markdown report with markdown-it-py (CommonMark
and GFM tables), the HTML page with html.parser, the Mermaid diagram with a strict line grammar
and its entity codes decoded, and the terminal outputs (diff, why-not, error messages) byte by
byte: no ESC (0x1b) or C1 CSI (U+009B) may reach them, and the escape must be shown instead.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from clirun import run
from recommender import advise
from recommender._categories import SINGLE
from recommender._diagram import mermaid
from recommender._explain import alternatives, counterfactuals, why_not
from recommender._render import render
from recommender._values import category_title
from recommender._safetext import (MERMAID_LIMIT, for_json_text, for_markdown, for_markdown_cell,
                                  for_markdown_code, for_mermaid, for_terminal)

BASE = {"task": "classification", "modality": "tabular", "data_volume": "10 GB",
        "latency": "batch", "labels": "labeled", "customization": "low", "traffic": "steady"}

#: Workload names the workload model accepts (it refuses control characters in a name).
NAMES = ["<script>alert(1)</script>", "[x](javascript:alert(1))", "**bold** | a | b",
         "[x](https://evil.example/)", "![i](https://evil.example/i.png) <https://evil.example>",
         "run ``` of ```` backticks `", "</code>", "# heading", "- item", "1. first",
         "> quote", "<img src=x onerror=alert(1)>", "&lt;entity&gt; &amp;",
         "_under_ ~~strike~~ $x$", "\\[escaped\\] \\", "\u202eevil\u202c bidi",
         "Crème brûlée 数据 🚀"]

ESC_OSC = "\x1b]0;pwned\x07"       # sets the terminal's window title
ESC_CLEAR = "\x1b[2J"              # clears the screen
C1_CSI = "\x9b2J"                  # the same, with the 8-bit CSI

#: Choice names a team's choices.yaml adds; each is recommended by a rule below.
STORAGE = ('Evil ``` "]) --> X[ %%{init: {"securityLevel": "loose"}}%% #quot; ; {b} (c) |d|'
           f"\n# pwned <b>x</b> {ESC_OSC} {ESC_CLEAR} end")
DEPLOY = f"Deploy [x](javascript:alert(1)) <script>alert(1)</script> | a | b {C1_CSI}"
SECURITY = "**bold** `code` </code> _e_ ~~s~~ \u202ertl\u202c"
WARNING = (f"Careful <img src=x onerror=alert(1)> </code> `x` ``` [a](b) {ESC_CLEAR} "
           "**bold** | a | b")
JUSTIFY = (f"Because <img src=x onerror=alert(1)> [x](javascript:alert(1)) **b** ``` {ESC_OSC}"
           " and the data is in {source}")
HOSTILE_CHOICES = (STORAGE, DEPLOY, SECURITY)


def _rule(category: str, stem: str, choice: str, priority: int, when, because: str,
          no_match=()) -> dict:
    return {"id": f"{category}.{stem}", "category": category, "title": f"Hostile {stem} rule",
            "recommend": choice, "priority": priority, "when": when, "because": because,
            "sources": ["STO-01"],
            "examples": {"match": [{}] if when == "always" else [{"traffic": "spiky"}],
                         **({"no_match": list(no_match)} if no_match else {})}}


@pytest.fixture(scope="module")
def hostile_rules(tmp_path_factory) -> Path:
    """A team rule directory, used with the bundled rules, whose choice names, justifications
    and warning are hostile: storage and security always match; deployment matches spiky
    traffic (so it shows as an alternative, and in the what-ifs of steady traffic)."""
    root = tmp_path_factory.mktemp("hostile") / "rules"
    rules = [
        _rule("storage", "evil", STORAGE, 990, "always", JUSTIFY),
        _rule("deployment", "evil", DEPLOY, 990, {"traffic": "spiky"}, JUSTIFY,
              no_match=[{"traffic": "steady"}]),
        _rule("security", "evil", SECURITY, 990, "always", JUSTIFY),
        _rule("warnings", "evil", "Hostile warning", 5, "always", WARNING),
    ]
    for rule in rules:
        path = root / rule["category"] / f"{rule['id'].split('.')[1]}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    choices = [{"name": name, "kind": "service"} for name in HOSTILE_CHOICES]
    (root / "choices.yaml").write_text(yaml.safe_dump({"choices": choices}, allow_unicode=True),
                                       encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def hostile_advice(hostile_rules):
    return advise({**BASE, "name": NAMES[0]}, rules_dir=hostile_rules)


def shown(text: str) -> str:
    """What a value reads as on one line: line breaks as spaces, controls as escapes."""
    return for_terminal(" ".join(re.split(r"\r\n|[\n\r\v\f\x85\u2028\u2029]", text)).strip())


def test_the_hostile_rules_reach_the_advice(hostile_advice):
    """The fixture really feeds the hostile strings into the advice (else the rest proves
    nothing)."""
    assert hostile_advice.primary("storage").choice == STORAGE.strip()
    assert SECURITY in hostile_advice.choices("security")
    assert "\x1b]0;pwned" in hostile_advice.primary("storage").justification
    assert any(w.rule == "warnings.evil" and w.message == WARNING
               for w in hostile_advice.warnings)
    assert any(a.choice == DEPLOY for a in alternatives(hostile_advice)["deployment"])


# ---------------------------------------------------------------------------------------------
# Markdown, read with markdown-it-py


MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def inline_tokens(tokens):
    for token in tokens:
        yield token
        yield from token.children or ()


def plain(token) -> str:
    """The text an inline token shows (text and code), markup left out."""
    return "".join(c.content for c in token.children or ()
                   if c.type in ("text", "code_inline", "softbreak"))


def check_markdown(advice, text: str, whatif=None) -> list:
    """The report parses into exactly the structure to_markdown writes, whatever the values."""
    tokens = MD.parse(text)
    types = {t.type for t in inline_tokens(tokens)}
    assert not types & {"html_block", "html_inline", "link_open", "image", "s_open",
                        "blockquote_open", "code_block", "hr", "ordered_list_open",
                        "lheading"}, types
    # headings: the ones the report writes, no more
    headings = [(t.tag, plain(tokens[i + 1])) for i, t in enumerate(tokens)
                if t.type == "heading_open"]
    expected = [("h1", f"Decision record: ML architecture for {shown(advice.workload.name)}"),
                ("h2", "Context"), ("h2", "Architecture"), ("h2", "Decisions"),
                *[("h3", category_title(c)) for c in advice.recommendations],
                ("h2", "Warnings")]
    if whatif:
        expected.append(("h2", "What would change the decisions"))
    assert headings == expected
    # the context table: two cells a row, the name shown whole in its cell
    rows: list[list[str]] = []
    tables = [i for i, t in enumerate(tokens) if t.type in ("table_open", "table_close")]
    assert len(tables) == 2
    for token in tokens[tables[0]:tables[1]]:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline":
            rows[-1].append(plain(token))
    assert rows and all(len(r) == 2 for r in rows)
    assert ["name", shown(advice.workload.name)] in rows
    # code spans hold only keys and rule ids
    codes = {c.content for t in tokens if t.type == "inline" for c in t.children
             if c.type == "code_inline"}
    ids = {r.id for r in advice.book.rules} | {w.rule for w in advice.warnings} | \
        {i.rule for items in advice.recommendations.values() for i in items}
    assert codes <= set(advice.workload.to_dict()) | ids | {"recommender"}, codes - ids
    # emphasis only where the report puts it: around "Decision: ...", a stack item's choice,
    # and the words Rule / Sources
    stack = {shown(i.choice) for c, items in advice.recommendations.items() for i in items}
    for token in (t for t in tokens if t.type == "inline"):
        kids = token.children
        for i, kid in enumerate(kids):
            if kid.type in ("strong_open", "em_open"):
                inner = kids[i + 1]
                assert inner.type == "text" and kids[i + 2].type in ("strong_close",
                                                                      "em_close")
                assert inner.content.startswith("Decision: ") or inner.content in stack or \
                    inner.content in ("Rule", "Sources:", "rule", "sources:"), inner.content
    # the diagram: one mermaid fence holding the whole diagram, then the decisions
    fences = [t for t in tokens if t.type == "fence"]
    assert [f.info for f in fences] == ["mermaid"]
    assert fences[0].content == mermaid(advice) + "\n"
    after = tokens[tokens.index(fences[0]) + 1:]
    assert after[0].type == "heading_open" and plain(after[1]) == "Decisions"
    assert "\x1b" not in text and "\x9b" not in text
    return tokens


def words(advice) -> list[str]:
    """Every decision's choice and justification (the primary of a single-choice category,
    every item of a stack) and every warning, as the report must show them."""
    items = [i for c, found in advice.recommendations.items()
             for i in (found[:1] if c in SINGLE else found)]
    out = [i.choice for i in items] + [i.justification for i in items]
    out += [w.message for w in advice.warnings]
    return [shown(x) for x in out]


def shown_text(tokens) -> str:
    return "\n".join(plain(t) for t in tokens if t.type == "inline")


@pytest.mark.parametrize("name", NAMES)
def test_markdown_shows_a_hostile_name_as_text(name):
    advice = advise({**BASE, "name": name})
    check_markdown(advice, render(advice, "markdown"))  # the title and the table show it whole


def test_markdown_shows_hostile_rules_as_text(hostile_advice):
    whatif = counterfactuals(hostile_advice)
    assert any(c.after == DEPLOY for c in whatif["deployment"]), "the what-if shows the choice"
    text = render(hostile_advice, "markdown", whatif=whatif)
    tokens = check_markdown(hostile_advice, text, whatif)
    seen = shown_text(tokens)
    for expected in words(hostile_advice):
        assert expected in seen
    assert shown(STORAGE) in seen and "\\x1b]0;pwned\\x07" in seen
    # the what-if names the hostile choice as text, in a list item of its own
    assert f"deployment would be {shown(DEPLOY)}" in seen
    # alternatives name it too (the matched fallback lost to it)
    assert shown(DEPLOY) + " (not matched; deployment.evil)" in seen


# ---------------------------------------------------------------------------------------------
# Mermaid

_ENTITY = re.compile(r"#(quot|\d+);")
_LABEL = r'(?:[^"\[\]{}()|<>`;#%&\n]|#(?:quot|\d+);|<br/>)*'
_NODE = re.compile(rf'^    (\w+)\["({_LABEL})"\]$')
_EDGE = re.compile(r"^    (\w+) --> (\w+)$")


def decode(label: str) -> str:
    return _ENTITY.sub(lambda m: '"' if m.group(1) == "quot" else chr(int(m.group(1))), label)


def test_mermaid_labels_cannot_leave_their_node(hostile_advice):
    lines = mermaid(hostile_advice).split("\n")
    assert lines[0] == "flowchart LR"
    nodes = [_NODE.match(line) for line in lines[1:8]]
    assert all(nodes), lines[1:8]
    assert all(_EDGE.match(line) for line in lines[8:]) and len(lines) == 14
    labels = {m.group(1): m.group(2) for m in nodes}
    title, choice = labels["storage"].split("<br/>")
    assert len(shown(STORAGE)) > MERMAID_LIMIT  # so the label is cut
    assert decode(title) == "Storage"
    assert decode(choice) == shown(STORAGE)[:MERMAID_LIMIT - 1].rstrip() + "…"
    assert "%%" not in "\n".join(lines) and "`" not in "\n".join(lines)


def test_mermaid_label_is_capped():
    label = for_mermaid("x" * 500)
    assert len(label) == MERMAID_LIMIT and label.endswith("…")
    assert decode(for_mermaid('"' * 500)).endswith('"…')
    assert for_mermaid("a;b") == "a#59;b"      # a semicolon never ends an entity of ours


# ---------------------------------------------------------------------------------------------
# HTML, read with html.parser


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def parse_html(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


@pytest.mark.parametrize("name", NAMES[:7] + ['"><svg onload=alert(1)>', "' onmouseover='x"])
def test_html_has_no_element_or_attribute_from_a_name(name):
    advice = advise({**BASE, "name": name})
    page = parse_html(render(advice, "html"))
    plain_page = parse_html(render(advise({**BASE, "name": "plain"}), "html"))
    assert {t for t, _ in page.tags} == {t for t, _ in plain_page.tags}
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    assert name in "".join(page.text)


def test_html_has_no_element_or_attribute_from_team_rules(hostile_advice):
    whatif = counterfactuals(hostile_advice)
    text = render(hostile_advice, "html", whatif=whatif)
    page = parse_html(text)
    plain_advice = advise(BASE)
    plain_page = parse_html(render(plain_advice, "html", whatif=counterfactuals(plain_advice)))
    assert {t for t, _ in page.tags} <= {t for t, _ in plain_page.tags}
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    assert not [v for _, attrs in page.tags for v in attrs.values()
                if v and "javascript:" in v]
    body = "".join(page.text)
    assert "<img src=x onerror=alert(1)>" in body and "<script>alert(1)</script>" in body
    assert "\x1b" not in text and "\x9b" not in text and "\\x1b]0;pwned\\x07" in body


# ---------------------------------------------------------------------------------------------
# Terminals: diff, why-not, error messages (through the CLI, in process)


def no_escapes(text: str) -> None:
    """Nothing a terminal acts on: no ESC, no C1 control, no bidi override, and UTF-8-safe."""
    data = text.encode("utf-8")          # fails on a lone surrogate
    assert b"\x1b" not in data and b"\x07" not in data
    found = re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    assert found is None, repr(text[max(found.start() - 60, 0):found.end() + 20])


def test_diff_shows_file_names_and_choices_escaped(tmp_path, capsys, hostile_rules):
    a = tmp_path / f"a{ESC_OSC}.yaml"
    b = tmp_path / f"b{ESC_CLEAR}{C1_CSI}.yaml"
    a.write_text(yaml.safe_dump({**BASE, "name": "a"}))
    b.write_text(yaml.safe_dump({**BASE, "name": "b", "traffic": "spiky"}))
    code, out, err = run(["diff", str(a), str(b), "--rules", str(hostile_rules)], capsys)
    assert code == 0, err
    no_escapes(out)
    assert "\\x1b]0;pwned\\x07.yaml" in out and "\\x1b[2J\\x9b2J.yaml" in out
    assert for_terminal(DEPLOY) in out   # the changed deployment names the hostile choice


def test_why_not_shows_a_hostile_winner_escaped(tmp_path, capsys, hostile_rules):
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(BASE))
    code, out, err = run(["why-not", str(path), "Amazon S3", "--rules", str(hostile_rules)],
                         capsys)
    assert code == 0, err
    no_escapes(out)
    # the winner is named whole on its line: its line break is shown, not obeyed
    assert for_terminal(STORAGE) in out and "\\x0a# pwned" in out
    assert not [line for line in out.splitlines() if line.startswith("# pwned")]
    assert str(why_not(advise(BASE, rules_dir=hostile_rules), "Amazon S3")) + "\n" == out


@pytest.mark.parametrize("argv", [
    [f"missing{ESC_OSC}{ESC_CLEAR}.yaml"],
    [f"missing{C1_CSI}\u202e.yaml"],
    ["missing\udc9b\udcff.yaml"],                          # bytes that are not UTF-8
    ["a.yaml", f"missing{ESC_CLEAR}.yaml"],                 # several files: _say per file
    ["--rules", f"nowhere{ESC_OSC}", "a.yaml"],             # a rule directory that is not one
])
def test_error_messages_show_file_names_escaped(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(BASE))
    code, out, err = run(argv, capsys)
    assert code == 2
    no_escapes(err)
    assert "missing" in err or "nowhere" in err
    assert re.search(r"\\x1b|\\x9b|\\udc9b", err), err


def test_an_invalid_file_with_a_hostile_name(tmp_path, capsys):
    path = tmp_path / f"bad{ESC_CLEAR}.yaml"
    path.write_text("task: [unclosed\n")
    code, out, err = run([str(path)], capsys)
    assert code == 2
    no_escapes(err)
    assert "bad\\x1b[2J.yaml" in err


def test_rules_check_shows_a_hostile_directory_name_escaped(tmp_path, capsys):
    from ruledirs import minimal_rules_dir
    root = minimal_rules_dir(tmp_path).rename(tmp_path / f"rules{ESC_OSC}")
    code, out, err = run(["rules", "check", "--no-bundled-rules", str(root)], capsys)
    assert code == 0, err
    no_escapes(out)
    assert "rules\\x1b]0;pwned\\x07" in out


def test_json_output_escapes_c1_and_bidi_controls(hostile_advice):
    text = render(hostile_advice, "json")
    no_escapes(text)
    assert json.loads(text)["recommendations"]["security"][0]["choice"] == SECURITY


# ---------------------------------------------------------------------------------------------
# The functions themselves


def test_for_terminal_escapes_controls_and_keeps_text():
    assert for_terminal("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert for_terminal("\x9b\x7f\x00\u202e\u2066") == "\\x9b\\x7f\\x00\\u202e\\u2066"
    assert for_terminal("line\none\tx") == "line\\x0aone\\x09x"
    assert for_terminal("line\none\tx", keep="\n") == "line\none\\x09x"
    assert for_terminal("\udcff") == "\\udcff"
    text = "Crème brûlée, 数据, café 🚀👩‍👩‍👧, עברית, \\ back"
    assert for_terminal(text) == text
    with pytest.raises(ValueError):
        for_terminal("x", keep="\x1b")


def test_for_json_text_keeps_the_json_value():
    value = {"x": "a\x9b\x85\x7f\u202eb é"}
    text = for_json_text(json.dumps(value, ensure_ascii=False))
    no_escapes(text)
    assert json.loads(text) == value and "é" in text


# The properties below hold for any text: each value reads back as exactly `shown(text)`.

TEXT = st.text(max_size=40) | st.text(alphabet="\\`*_[]()#|!~$<>&-+=.1 \n\t\x1bab:/%{}\"';",
                                      max_size=40)


#: Where to_markdown puts a value: (template, the text it reads as around the value).
PLACES = [("{}", "", ""), ("Start {} end", "Start ", " end"), ("- {}", "", ""),
          ("**Decision: {}.** Why", "Decision: ", ". Why"), ("# Title {}", "Title ", "")]


@given(TEXT)
def test_for_markdown_is_plain_text_anywhere_on_a_line(text):
    for template, before, after in PLACES:
        tokens = MD.parse(template.format(for_markdown(text)))
        blocks = [t.type for t in tokens if t.nesting == 1]
        assert blocks in ([], ["paragraph_open"], ["bullet_list_open", "list_item_open"],
                          ["bullet_list_open", "list_item_open", "paragraph_open"],
                          ["heading_open"]), (template, blocks)
        kids = [c for t in tokens if t.type == "inline" for c in t.children]
        markup = {"strong_open", "strong_close"} if "**" in template else set()
        assert {c.type for c in kids} <= {"text"} | markup, template
        got = "".join(c.content for c in kids if c.type == "text")
        assert got == (before + shown(text) + after).strip(), template


@given(TEXT, TEXT)
def test_for_markdown_cell_keeps_the_table(first, second):
    source = (f"| Key | Value |\n|---|---|\n| {for_markdown_cell(first)} | "
              f"{for_markdown_cell(second)} |\n| {for_markdown_code(first, cell=True)} | x |\n")
    tokens = MD.parse(source)
    rows = []
    for token in tokens:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline":
            rows[-1].append(token.children)
    assert len(rows) == 3 and all(len(r) == 2 for r in rows)
    assert "".join(c.content for c in rows[1][0]) == shown(first)
    assert "".join(c.content for c in rows[1][1]) == shown(second)
    assert [(c.type, c.content) for c in rows[2][0]] == [("code_inline", shown(first) or " ")]


@given(TEXT)
def test_for_markdown_code_is_one_code_span(text):
    tokens = MD.parse(f"Rule {for_markdown_code(text)} here")
    kids = tokens[1].children
    assert [c.type for c in kids] == ["text", "code_inline", "text"]
    assert kids[1].content == (shown(text) or " ")


@given(TEXT)
def test_for_mermaid_reads_back_and_has_no_syntax(text):
    label = for_mermaid(text, limit=1000)
    assert re.fullmatch(_LABEL, label)
    assert decode(label) == shown(text)
