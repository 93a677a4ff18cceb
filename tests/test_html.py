"""The HTML decision record: a self-contained page (no script, no external assets) with every
decision, the inline SVG diagram, sources, alternatives, warnings and what-ifs; and, in headless
Chromium at a phone's width, a page whose choices and diagram render and fit the screen."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import zlib
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from recommender import advise
from recommender._categories import SINGLE
from recommender._diagram import stages
from recommender._explain import alternatives, counterfactuals
from recommender._catalogue import rows
from recommender._render import render
from recommender._workload import format_size

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["fraud-scoring", "sensor-anomalies"]   # the second has the longest stage names
ALL_EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.yaml"))
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / "examples" / f"{name}.yaml").read_text())


# ---------------------------------------------------------------------------------------------
# A small DOM from html.parser: enough to find elements by id/class and read their text.


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: "Node | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str):
        for node in self.iter():
            if tag and node.tag != tag:
                continue
            if cls and cls not in node.classes:
                continue
            if all(node.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                yield node

    def find(self, *args, **kwargs) -> "Node | None":
        return next(self.find_all(*args, **kwargs), None)


class TreeBuilder(HTMLParser):
    """Builds a Node tree and records structural problems (unclosed or stray end tags)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root
        self.problems: list[str] = []
        self.doctype: str | None = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.current.tag != tag:
            self.problems.append(f"</{tag}> closes <{self.current.tag}>")
            node = self.current
            while node is not None and node.tag != tag:
                node = node.parent
            if node is None:
                return
            self.current = node
        self.current = self.current.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(page: str) -> TreeBuilder:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    if builder.current is not builder.root:
        builder.problems.append(f"<{builder.current.tag}> is never closed")
    return builder


def norm(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# The page, without a browser


@pytest.fixture(scope="module")
def pages():
    out = {}
    for name in EXAMPLES:
        advice = advise(load(name))
        out[name] = (advice, render(advice, "html"))
    return out


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_page_is_well_formed(name):
    advice = advise(load(name))
    page = render(advice, "html")
    tree = parse(page)
    assert tree.doctype and tree.doctype.lower() == "doctype html"
    assert tree.problems == []
    html = tree.root.find("html")
    assert html is not None and html.attrs.get("lang") == "en"
    assert tree.root.find("meta", charset="utf-8") is not None
    viewport = tree.root.find("meta", name="viewport")
    assert viewport is not None and "width=device-width" in viewport.attrs["content"]
    assert norm(tree.root.find("title").text()) == \
        f"Decision record: ML architecture for {advice.workload.name}"
    ids = [n.attrs["id"] for n in tree.root.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    # every in-page link points at an element of the page
    for a in tree.root.find_all("a"):
        assert a.attrs["href"].startswith("#") and a.attrs["href"][1:] in ids


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_page_is_self_contained(name):
    page = render(advise(load(name)), "html")
    tree = parse(page)
    assert "<script" not in page.lower()
    assert tree.root.find("script") is None
    assert tree.root.find("link") is None and tree.root.find("iframe") is None
    assert tree.root.find("img") is None          # the diagram is inline SVG, not an image
    for node in tree.root.iter():
        for attr, value in node.attrs.items():
            assert not attr.startswith("on"), f"event handler {attr} on <{node.tag}>"
            # no attribute loads or links anything outside the page (src=, href=, ...);
            # a URL may appear in text, such as a warning that cites its source
            assert not re.match(r"\s*(https?:|//|javascript:|file:)", value or "", re.I), \
                f"<{node.tag} {attr}={value!r}>"
            if attr in ("src", "href", "xlink:href", "srcset", "action", "data", "poster"):
                assert (value or "").startswith("#"), f"<{node.tag} {attr}={value!r}>"
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    styles = "".join(n.text() for n in tree.root.find_all("style"))
    assert "@import" not in styles
    assert not re.search(r"url\(", styles), "a stylesheet asset"
    assert "http" not in styles
    # long words wrap and nothing is wider than a phone
    assert "overflow-wrap: anywhere" in styles
    for width in re.findall(r"(?<![-\w])(?:min-)?width:\s*(\d+(?:\.\d+)?)px", styles):
        assert float(width) <= 320, f"fixed width {width}px"
    assert "@media print" in styles and "break-inside: avoid" in styles


def test_every_choice_and_category_is_shown(pages):
    for advice, page in pages.values():
        tree = parse(page)
        for category, items in advice.recommendations.items():
            section = tree.root.find("section", id=f"category-{category}")
            assert section is not None, category
            choices = [norm(n.text()) for n in section.find_all(cls="choice")]
            if category in SINGLE:
                assert choices == [items[0].choice], category
                primary = section.find(cls="primary")
                assert norm(primary.text()) == items[0].choice
                assert escape(items[0].justification) in page
                assert section.find("code", cls="rule").text() == items[0].rule
            else:
                assert choices == [i.choice for i in items], category
            for item in items:
                assert escape(item.choice) in page
            for item in items[:1] if category in SINGLE else items:
                for row in item.sources:
                    if row.startswith("https://"):  # an AWS page: shown as text
                        assert any(norm(li.text()) == row
                                   for li in section.find_all("li", cls="page"))
                        continue
                    li = section.find("li", data_row=row)
                    assert li is not None and norm(li.text()) == norm(f"{row} ({rows()[row].label})")
        # categories in the advice's order
        shown = [n.attrs["id"] for n in tree.root.find_all("section", cls="decision")]
        assert shown == [f"category-{c}" for c in advice.recommendations]


def test_alternatives_are_listed(pages):
    advice, page = pages["fraud-scoring"]
    tree = parse(page)
    seen = 0
    for category in SINGLE:
        section = tree.root.find("section", id=f"category-{category}")
        found = list(section.find_all("li", cls="alternative"))
        assert len(found) == len(alternatives(advice).get(category, []))
        for li, alt in zip(found, alternatives(advice).get(category, [])):
            assert li.attrs["data-status"] == alt.status in ("lost", "not_matched")
            assert norm(li.find(cls="alt-choice").text()) == alt.choice
            assert norm(li.find(cls="reason").text()) in norm(alt.reason)
            assert alt.reason.endswith(li.find(cls="reason").text())
            status = norm(li.find(cls="status").text())
            assert ("lower priority" if alt.status == "lost" else "not matched") in status
            assert alt.rule in li.text()
            seen += 1
    assert seen, "the fraud example has alternatives"


def test_context_table(pages):
    advice, page = pages["fraud-scoring"]
    tree = parse(page)
    context = tree.root.find("section", id="context")
    rows = {n.attrs["data-key"]: norm(n.find("td").text())
            for n in context.find_all("tr") if "data-key" in n.attrs}
    assert list(rows) == list(advice.workload.to_dict())
    assert rows["data_volume"] == format_size(advice.workload.data_volume) == "2 TB"
    assert rows["task"] == "classification"
    assert rows["sensitive_data"] == "true"
    assert rows["name"] == "card-fraud-scoring"
    assert "card-fraud-scoring" in norm(tree.root.find("h1").text())


def test_diagram_is_inline_svg_of_the_stages(pages):
    for advice, page in pages.values():
        tree = parse(page)
        svg = tree.root.find("svg", id="architecture")
        assert svg is not None
        assert svg.attrs["width"] == "100%" and re.fullmatch(r"0 0 \d+ \d+", svg.attrs["viewBox"]
                                                                if "viewBox" in svg.attrs
                                                                else svg.attrs["viewbox"])
        boxes = list(svg.find_all("g", cls="stage"))
        expected = stages(advice)
        assert [b.attrs["data-stage"] for b in boxes] == [s.key for s in expected]
        for box, stage in zip(boxes, expected):
            choice = box.find("text", cls="stage-choice")
            assert norm(choice.text()) == stage.choice
            assert norm(box.find("text", cls="stage-title").text()) == stage.title.upper()
            assert box.find("rect") is not None
            for tspan in choice.find_all("tspan"):    # long names wrap onto several lines
                assert len(tspan.text().strip()) <= 26
        assert len(list(svg.find_all("g", cls="arrow"))) == len(expected) - 1
    # the longest stage name in the examples is on several lines
    advice, page = pages["sensor-anomalies"]
    svg = parse(page).root.find("svg", id="architecture")
    deployment = svg.find("g", data_stage="deployment").find("text", cls="stage-choice")
    assert len(list(deployment.find_all("tspan"))) >= 2


def test_text_is_escaped():
    data = load("fraud-scoring")
    data["name"] = '<b>fraud</b> & "co" <script>x</script>'
    page = render(advise(data), "html")
    assert "<b>fraud" not in page and "<script" not in page
    assert escape(data["name"]) in page
    tree = parse(page)
    assert tree.problems == []
    assert norm(tree.root.find("title").text()).endswith(data["name"])


def test_warnings_section():
    data = load("fraud-scoring")
    data["labels"] = "unlabeled"
    advice = advise(data)
    assert "warnings.labels-missing-supervised" in [w.rule for w in advice.warnings]
    tree = parse(render(advice, "html"))
    section = tree.root.find("section", id="warnings")
    items = list(section.find_all("li", cls="warning"))
    assert [li.attrs["data-rule"] for li in items] == [w.rule for w in advice.warnings]
    for li, warning in zip(items, advice.warnings):
        assert norm(warning.message) in norm(li.text())
    quiet = parse(render(dataclasses.replace(advice, warnings=()), "html"))
    section = quiet.root.find("section", id="warnings")
    assert section.find("li") is None and "None." in section.text()


def test_whatif_section():
    advice = advise(load("fraud-scoring"))
    whatif = counterfactuals(advice)
    assert parse(render(advice, "html")).root.find("section", id="whatif") is None
    page = render(advice, "html", whatif=whatif)
    tree = parse(page)
    assert tree.problems == []
    section = tree.root.find("section", id="whatif")
    assert "What would change it" in section.find("h2").text()
    items = list(section.find_all("li", cls="counterfactual"))
    expected = [c for found in whatif.values() for c in found]
    assert len(items) == len(expected) > 0
    for li, c in zip(items, expected):
        sentence = c.sentence()
        assert norm(sentence[0].upper() + sentence[1:]) in norm(li.text())
        assert c.rule in li.text()
    empty = parse(render(advice, "html", whatif={"storage": []})).root.find("section", id="whatif")
    assert empty is not None and empty.find("li") is None


# ---------------------------------------------------------------------------------------------
# In headless Chromium at a phone's width

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (CI installs Debian's chromium; "
                             "locally: apt-get install chromium)")

#: Measures the laid-out page at a phone's width. Headless Chromium will not make a window
#: narrower than 500 px for --dump-dom, so the page is loaded in a 390x844 iframe (srcdoc, so the
#: frame shares the harness's origin) with this script appended to a copy of it (the page
#: itself has no script); the script runs in the frame, where media queries and layout see a
#: 390 px viewport, and writes what it measured into <pre id="probe"> of the harness, which
#: --dump-dom prints.
PROBE = """<script>
(function () {
  var out = {innerWidth: window.innerWidth, clientWidth: document.documentElement.clientWidth,
             scrollWidth: document.documentElement.scrollWidth, stages: [], sections: []};
  var svg = document.getElementById("architecture");
  var r = svg.getBoundingClientRect();
  out.svg = {left: r.left, right: r.right, width: r.width, height: r.height,
             display: getComputedStyle(svg).display, visibility: getComputedStyle(svg).visibility};
  svg.querySelectorAll("g.stage").forEach(function (g) {
    var box = g.querySelector("rect").getBBox();
    var text = g.querySelector("text.stage-choice").getBBox();
    var title = g.querySelector("text.stage-title").getBBox();
    out.stages.push({key: g.dataset.stage, choice: g.querySelector("text.stage-choice").textContent,
                     box: [box.x, box.y, box.width, box.height],
                     text: [text.x, text.y, text.width, text.height],
                     title: [title.x, title.y, title.width, title.height]});
  });
  document.querySelectorAll("section.decision").forEach(function (s) {
    var c = s.querySelector(".choice");
    var rect = s.getBoundingClientRect();
    out.sections.push({id: s.id, choice: c ? c.textContent : null,
                       right: rect.right, width: rect.width, height: rect.height,
                       choiceVisible: c ? c.getBoundingClientRect().height > 0 : false});
  });
  var host = window.parent.document;
  var pre = host.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  host.body.appendChild(pre);
})();
</script>"""


def chromium(*args: str, profile: Path) -> str:
    """Run headless Chromium with `args`; its standard output. Killed after 60 s."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
               f"--user-data-dir={profile}", *args]
    env = dict(os.environ, HOME=str(profile))
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)   # Chromium's own child processes too
        proc.communicate()
        pytest.fail(f"chromium did not finish in 60 s: {' '.join(args)}")
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {err[-2000:]}"
    return out


def png_pixels(path: Path) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and the rows of RGB(A) pixels of an 8-bit non-interlaced PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Per example: the advice, Chromium's DOM of the page, the probe's measurements at 390 px,
    and a 390x844 screenshot."""
    out = {}
    for name in EXAMPLES:
        tmp = tmp_path_factory.mktemp(f"html-{name}")
        advice = advise(load(name))
        page = render(advice, "html", whatif=counterfactuals(advice))
        target = tmp / f"{name}.html"
        target.write_text(page, encoding="utf-8")
        profile = tmp / "profile"
        dom = chromium("--dump-dom", target.as_uri(), profile=profile)
        probe_page = tmp / f"{name}-probe.html"
        framed = escape(page.replace("</body>", PROBE + "\n</body>"), quote=True)
        probe_page.write_text(
            '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">'
            f'<iframe width="390" height="844" style="border:0" srcdoc="{framed}"></iframe>'
            "</body></html>", encoding="utf-8")
        probed = chromium("--window-size=800,900", "--dump-dom", probe_page.as_uri(),
                          profile=profile)
        match = re.search(r'<pre id="probe">(.*?)</pre>', probed, re.S)
        assert match, f"the probe did not run: {probed[-500:]}"
        probe = json.loads(unescape(match.group(1)))
        shot = tmp / "shot.png"
        chromium("--window-size=390,844", f"--screenshot={shot}", target.as_uri(),
                 profile=profile)
        out[name] = (advice, dom, probe, shot)
    return out


@needs_chromium
@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_browser_renders_choices_and_diagram(rendered, name):
    advice, dom, _, _ = rendered[name]
    tree = parse(dom)
    for category, items in advice.recommendations.items():
        section = tree.root.find("section", id=f"category-{category}")
        assert section is not None, category
        first = section.find(cls="choice")
        assert first is not None and norm(first.text()) == items[0].choice
    svg = tree.root.find("svg", id="architecture")
    assert svg is not None, "no svg#architecture in the rendered DOM"
    boxes = {b.attrs["data-stage"]: norm(b.find("text", cls="stage-choice").text())
             for b in svg.find_all("g", cls="stage")}
    assert boxes == {s.key: s.choice for s in stages(advice)}
    assert tree.root.find("section", id="whatif").find("li", cls="counterfactual") is not None
    assert tree.root.find("script") is None


@needs_chromium
@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_browser_fits_a_phone(rendered, name):
    advice, _, probe, _ = rendered[name]
    assert probe["innerWidth"] == 390, probe["innerWidth"]
    # nothing scrolls sideways on a phone
    assert probe["scrollWidth"] <= probe["clientWidth"] <= 390, probe
    svg = probe["svg"]
    assert svg["display"] != "none" and svg["visibility"] == "visible"
    assert svg["width"] > 200 and svg["height"] > 400, svg
    assert svg["left"] >= 0 and svg["right"] <= probe["innerWidth"], svg
    assert [s["key"] for s in probe["stages"]] == [s.key for s in stages(advice)]
    previous_bottom = 0
    for stage, expected in zip(probe["stages"], stages(advice)):
        assert norm(stage["choice"]) == expected.choice
        x, y, w, h = stage["box"]
        for part in ("text", "title"):
            tx, ty, tw, th = stage[part]
            assert tw > 0 and th > 0, (stage["key"], part)
            # the wrapped text stays inside its box
            assert x <= tx and tx + tw <= x + w, (stage["key"], part, stage[part], stage["box"])
            assert y <= ty and ty + th <= y + h, (stage["key"], part, stage[part], stage["box"])
        assert y >= previous_bottom, "stages overlap"
        previous_bottom = y + h
    assert [s["id"] for s in probe["sections"]] == \
        [f"category-{c}" for c in advice.recommendations]
    for section in probe["sections"]:
        assert section["choiceVisible"], section["id"]
        assert section["right"] <= probe["innerWidth"], section


@needs_chromium
@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_browser_screenshot_at_phone_width(rendered, name):
    _, _, _, shot = rendered[name]
    assert shot.exists() and shot.stat().st_size > 0
    width, height, bpp, rows = png_pixels(shot)
    assert (width, height) == (390, 844)
    # the screenshot is a page, not a blank: some dark text on the white background
    dark = sum(1 for row in rows for i in range(0, len(row), bpp)
               if row[i] < 100 and row[i + 1] < 100 and row[i + 2] < 100)
    assert dark > 0.005 * width * height, dark
