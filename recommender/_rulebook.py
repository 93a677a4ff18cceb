"""The rule book: load every rule file, validate all of them, and refuse a bad rule base.

A rule file is `rules/<category>/<name>.yaml` holding one rule (docs/rules-format.md):

    id: ingestion.kinesis-data-streams      # <category>.<file stem>
    category: ingestion
    title: Custom real-time consumers of a stream
    recommend: Amazon Kinesis Data Streams  # the choice
    priority: 70                            # higher wins inside a single-choice category
    when: {all: [{velocity: streaming}, {source: {in: [application_logs, clickstream]}}]}
    because: Records arrive as a stream ({velocity}) from {source} ...
    sources: [ING-02, JOB-02]               # cheat-sheet row ids
    examples:                               # partial workloads laid over EXAMPLE_BASE
      match: [{velocity: streaming, source: application_logs}]
      no_match: [{velocity: batch}]

`load_rulebook()` collects every problem in every file (unknown fields, unknown workload keys,
values of the wrong type, unknown row ids, bad placeholders, invalid examples, duplicate ids,
priority ties that nothing breaks, categories that can end up empty) and raises one
RuleBaseError that lists them all.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence, Union


from . import _cache as cache
from ._version import __version__
from ._lazy import cached
from ._catalogue import choices as catalogue_choices, rows as catalogue_rows
from ._categories import (ALWAYS_PRESENT, RULE_CATEGORIES as CATEGORIES, SINGLE, STAGES,
                         STAGE_OF)
from ._conditions import (Always, Leaf, Node, compile_python, decided_category, decided_key,
                         durable_expr, fields_of, leaves, parse, to_dnf, to_nnf, flatten, describe,
                         alternatives, MAX_ALTERNATIVES)
from ._documents import MAX_BYTES, decode, load_path, load_text, read_bytes
from ._errors import DocumentError, Problem, RuleBaseError, WorkloadError, did_you_mean
from ._values import prose
from ._workload import EXAMPLE_BASE, FIELDS, Workload

__all__ = ["Rule", "RuleBook", "load_rulebook", "default_rules_dir", "EXAMPLE_BASE",
           "example_workload"]

#: The most bytes one rule file may hold (the bundled ones hold under 3,000); checked while
#: reading, so a huge or endless file is refused without being read (docs/rules-format.md).
MAX_RULE_FILE_BYTES = 65_536
#: The most entries (files and folders) discovery looks at below one rules directory, so that
#: `--rules /` stops instead of walking the whole disk.
MAX_RULE_ENTRIES = 10_000

_ID = re.compile(r"^[a-z_]+\.[a-z0-9]+(?:-[a-z0-9]+)*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
#: A page a rule may cite next to cheat-sheet rows: AWS's own documentation or site.
_AWS_PAGE = re.compile(r"^https://(docs\.aws\.amazon\.com|aws\.amazon\.com)/[\x21-\x7e]*$")


_RULE_TEXT = {"id": (3, 120), "title": (3, 120), "recommend": (2, 120), "because": (20, 1200)}
_RULE_KEYS = frozenset(("id", "category", "title", "recommend", "priority", "when", "because",
                        "sources", "examples", "alternative_only"))


class _Examples(NamedTuple):
    match: list[dict[str, Any]]
    no_match: list[dict[str, Any]]


class _RuleFile(NamedTuple):
    """A rule file's fields as the models give them (by _plain_rule_file, without pydantic)."""

    id: str
    category: str
    title: str
    recommend: str
    priority: int
    when: Any
    because: str
    sources: list[str]
    examples: _Examples
    alternative_only: bool


def _plain_rule_file(raw: Any) -> _RuleFile | None:
    """The rule's fields when the models would take them as they are, without importing
    pydantic (a run that reads the rules from the cache never does); None when unsure: the
    models then decide, and word every problem."""
    if type(raw) is not dict or not raw.keys() <= _RULE_KEYS or "when" not in raw:
        return None
    for key, (low, high) in _RULE_TEXT.items():
        value = raw.get(key)
        if type(value) is not str or not low <= len(value) <= high:
            return None
    category, priority, sources = raw.get("category"), raw.get("priority"), raw.get("sources")
    only = raw.get("alternative_only", False)
    if type(category) is not str or type(priority) is not int or not 0 <= priority <= 1000 \
            or type(only) is not bool or type(sources) is not list or not sources or \
            any(type(source) is not str for source in sources):
        return None
    examples = raw.get("examples")
    if type(examples) is not dict or not examples.keys() <= {"match", "no_match"}:
        return None
    found = []
    for key in ("match", "no_match"):
        items = examples.get(key, [])
        if type(items) is not list or \
                any(type(item) is not dict or any(type(k) is not str for k in item)
                    for item in items):
            return None
        found.append(items)
    if not found[0]:
        return None
    return _RuleFile(raw["id"], category, raw["title"], raw["recommend"], priority, raw["when"],
                     raw["because"], sources, _Examples(*found), only)


@lru_cache(maxsize=None)
def _models() -> Any:
    """The pydantic models of a rule file, made when a check is not sure (and to word what is
    wrong)."""
    from pydantic import BaseModel, ConfigDict, Field

    class _Examples(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        match: list[dict[str, Any]] = Field(min_length=1)
        no_match: list[dict[str, Any]] = Field(default_factory=list)

    class _RuleFile(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        id: str = Field(min_length=3, max_length=120)
        category: str
        title: str = Field(min_length=3, max_length=120)
        recommend: str = Field(min_length=2, max_length=120)
        priority: int = Field(ge=0, le=1000)
        when: Any
        because: str = Field(min_length=20, max_length=1200)
        sources: list[str] = Field(min_length=1)
        examples: _Examples
        #: The rule exists to list its choice below a stronger one; lint checks that it can
        #: never be the primary choice (and flags a shadowed rule without this mark).
        alternative_only: bool = False

    return _RuleFile, _Examples


def example_workload(overlay: dict[str, Any]) -> dict[str, Any]:
    """A rule example as a full workload mapping: EXAMPLE_BASE with `overlay` laid over it."""
    return {**EXAMPLE_BASE, **overlay}


@dataclass(frozen=True, eq=False)
class Rule:
    """One validated rule, with its condition parsed and compiled."""

    id: str
    category: str
    title: str
    choice: str
    priority: int
    when: Any                 # the condition as written
    condition: Node           # parsed
    nnf: Node                 # negation normal form, what both engines run
    because: str
    sources: tuple[str, ...]
    examples_match: tuple[dict[str, Any], ...]
    examples_no_match: tuple[dict[str, Any], ...]
    path: Path
    alternative_only: bool = False
    index: int = 0
    _template: tuple[tuple[str, str | None], ...] = field(repr=False, default=())

    @cached
    def predicate(self) -> Callable[[dict[str, Any]], bool]:
        """The condition as a Python predicate over the flat fact (compiled when first used)."""
        return compile_python(self.nnf)

    @cached
    def dnf(self) -> list[tuple[Leaf, ...]]:
        return to_dnf(self.nnf)

    @cached
    def fields(self) -> frozenset[str]:
        """The flat keys the condition tests."""
        return frozenset(fields_of(self.nnf))

    @property
    def stage(self) -> int:
        """The stage that decides this rule's category (categories.STAGES)."""
        return STAGE_OF[self.category]

    @cached
    def decisions(self) -> frozenset[str]:
        """The categories whose decision this rule tests."""
        return frozenset(c for c in map(decided_category, fields_of(self.nnf)) if c)

    @cached
    def durable(self) -> dict[str, Any] | None:
        """The condition as a durable-rules expression (compiled when first used)."""
        return durable_expr(self.nnf)

    @property
    def reads(self) -> str:
        """The condition in words."""
        return describe(self.condition)

    def justify(self, workload: Workload) -> str:
        """The justification with the workload's own values filled in."""
        global _LAST_WORDS
        words = _LAST_WORDS
        if words.workload is not workload:
            words = _LAST_WORDS = _Words(workload)
        parts, fields = self._pieces
        if not fields:
            return parts[0] if parts else ""
        out = parts.copy()
        for place, key in fields:
            out[place] = words[key]
        return "".join(out)

    @cached
    def _pieces(self) -> tuple[list[str], tuple[tuple[int, str], ...]]:
        """The template as its text parts and, for each placeholder, its place among them."""
        parts = [text or "" for text, _ in self._template]
        return parts, tuple((n, key) for n, (_, key) in enumerate(self._template)
                            if key is not None)


class _Words(dict):  # type: ignore[type-arg]
    """A workload's values as a justification shows them, each written when first asked
    for: the justifications of one advice repeat the same few values (the advice's items are
    written one after another, so the last workload's words are kept)."""

    def __init__(self, workload: Any):
        super().__init__()
        self.workload = workload

    def __missing__(self, path: str) -> str:
        text = self[path] = _display(self.workload, path)
        return text


_LAST_WORDS = _Words(None)


def _display(workload: Workload, path: str) -> str:
    if path not in FIELDS:  # validated templates hold workload fields only; never walk further
        return "unknown"
    value: Any = workload
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return _prose(path, value)  # every workload value can be hashed


#: prose() is a function of the key and the value alone, and a few values recur in every
#: workload: each is written once.
_prose = lru_cache(maxsize=4096)(prose)


def _template(because: str) -> tuple[tuple[tuple[str, str | None], ...], list[str]]:
    parts: list[tuple[str, str | None]] = []
    bad: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(because):
        parts.append((because[position:match.start()], None))
        key = match.group(1).strip()
        if key not in FIELDS:
            hint = did_you_mean(key, FIELDS)
            bad.append(f"placeholder {{{key}}} is not a workload field" +
                       (f" (did you mean `{hint}`?)" if hint else ""))
        parts.append(("", key))
        position = match.end()
    parts.append((because[position:], None))
    if "{" in because[position:] or "}" in because[position:]:
        bad.append("unbalanced { or } in `because`")
    return tuple((t, k) for t, k in parts if t or k), bad


class RuleBook:
    """A validated rule base: every rule, indexed, with its version."""

    def __init__(self, rules: list[Rule], directory: Path, version: str,
                 directories: tuple[Path, ...] = (),
                 rulesets: tuple[tuple[int, tuple[int, ...]], ...] | None = None,
                 extra_choices: Sequence[str] = ()):
        self.rules = rules
        #: Every choice a rule may recommend: the catalogue's, then the rule directories' own.
        self.choices: tuple[str, ...] = tuple(catalogue_choices()) + tuple(
            sorted(set(extra_choices) - set(catalogue_choices())))
        #: The durable-rules rulesets: (stage, rule indices), each within the engine's limits.
        self.rulesets = plan_rulesets(rules) if rulesets is None else rulesets
        #: Engines built for this rule book, by name (engine.get_engine).
        self.engines: dict[str, Any] = {}
        self.directory = directory
        self.directories = directories or (directory,)
        # Each rule's place in advice order: highest priority first, ties by id.
        ranked = sorted(rules, key=lambda r: (-r.priority, r.id))
        self.rank = {rule.index: place for place, rule in enumerate(ranked)}
        self.version = version
        self.by_id = {r.id: r for r in rules}

    def __len__(self) -> int:
        return len(self.rules)

    def in_category(self, category: str) -> list[Rule]:
        return [r for r in self.rules if r.category == category]

    def cited_rows(self) -> set[str]:
        return {s for r in self.rules for s in r.sources}


def plan_rulesets(rules: list[Rule]) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """The rulesets of the durable engine (recommender/_network.py); raises TooDeep."""
    from ._network import plan
    return plan([[(r.index, r.durable) for r in rules if r.stage == stage]
                 for stage in range(len(STAGES))])


def default_rules_dir() -> Path:
    """The bundled rules: inside the installed package, else beside it in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise RuleBaseError(f"the bundled rules directory was not found (looked in {here / 'rules'} "
                        f"and {here.parent / 'rules'})")


_CACHE: dict[tuple[str, ...], RuleBook] = {}
_CACHE_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    """A thread of the parent may have held the lock while loading a rule base; it does not
    exist in the child, so the lock would never be released (see docs/engine.md)."""
    global _CACHE_LOCK
    _CACHE_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


RulesDirs = Union[str, Path, Sequence[Union[str, Path]], None]


def load_rulebook(directory: RulesDirs = None) -> RuleBook:
    """Load and validate rule directories once per process (cached by resolved paths).

    directory: None for the bundled rules, a directory, or a list of directories whose rules
        are loaded together (for example the bundled directory and a team's own).
    The rule-base lint (`lint.load_strict`) refuses more: rules that can never match, rules
    shadowed in a single-choice category, tested keys that no example sets, overlapping rules
    of equal priority.
    """
    if directory is None:
        book = _CACHE.get(("",))
        if book is not None:  # the per-call fast path: no file-system look-ups
            return book
        book = load_rulebook(default_rules_dir())
        _CACHE[("",)] = book
        return book
    paths = [Path(directory)] if isinstance(directory, (str, Path)) else \
        [Path(d) for d in directory]
    key = tuple(str(p.resolve()) for p in paths)
    with _CACHE_LOCK:
        book = _CACHE.get(key)
        if book is None:
            book = _load(paths)
            _CACHE[key] = book
        return book


def _load(directories: Path | Sequence[Path]) -> RuleBook:
    dirs = [directories] if isinstance(directories, Path) else list(directories)
    problems: list[Problem] = []
    files: list[tuple[Path, Path]] = []  # (directory, file)
    for directory in dirs:
        if not directory.is_dir():
            problems.append(Problem("is not a directory of rule files", where=str(directory)))
            continue
        try:
            found, skipped = discover(directory)
        except RuleBaseError as exc:
            problems.extend(exc.problems)
            continue
        if not found:
            problems.append(Problem(_nothing_taken(skipped), where=str(directory)))
        files += [(directory, p) for p in found]
    if problems:
        raise RuleBaseError(problems)
    # Every file is read once, within its limit, and the same bytes are hashed and parsed: the
    # digest (the rule-base version and the cache key) always describes what was validated.
    texts: dict[Path, bytes] = {}
    choice_files: list[tuple[int, Path]] = []
    for n, directory in enumerate(dirs):
        own = directory / "choices.yaml"
        if own.is_file():
            choice_files.append((n, own))
        elif own.exists() or own.is_symlink():
            problems.append(Problem("is not a regular file", where=str(own)))
    for _, own in choice_files:
        _read(own, str(own), MAX_BYTES, "a choices.yaml", texts, problems)
    places = {path: _places(directory, path) for directory, path in files}
    for directory, path in files:
        _read(path, places[path][1], MAX_RULE_FILE_BYTES, "a rule file", texts, problems)
    if problems:
        raise RuleBaseError(problems)
    extra_choices = _extra_choices([(own, texts[own]) for _, own in choice_files], problems)
    digest = hashlib.sha256()
    for n, own in choice_files:
        digest.update(f"{n}:choices\0".encode() + texts[own])
    for directory, path in files:
        digest.update(f"{dirs.index(directory)}:{_native(places[path][0])}\0".encode() +
                      texts[path])
    version = f"{__version__}+{digest.hexdigest()[:12]}"
    known_rows = catalogue_rows()
    cached = _cache_read(digest.hexdigest(), dirs, files, known_rows, extra_choices, places) \
        if not problems else None
    if cached is not None:
        try:
            return RuleBook(cached[0], dirs[0], version, tuple(dirs), cached[1],
                            extra_choices=extra_choices)
        except Exception:  # rulesets beyond the engine's limits: validate and say why
            pass
    rules: list[Rule] = []
    raws: dict[Path, Any] = {}
    for directory, path in files:
        where = places[path][1]
        rule = _load_one(path, directory, where, known_rows, problems, extra_choices,
                         texts[path], raws)
        if rule is not None:
            rules.append(rule)
    _check_ids(rules, problems)
    _check_ties(rules, problems)
    _check_fallbacks(rules, problems, bool(files))
    if problems:
        raise RuleBaseError(problems)
    rules.sort(key=lambda r: r.id)
    for i, rule in enumerate(rules):
        object.__setattr__(rule, "index", i)
    from ._network import TooDeep
    try:
        rulesets = plan_rulesets(rules)
    except TooDeep as exc:
        rule = rules[exc.index]
        raise RuleBaseError([Problem(
            f"its condition alone needs more of durable-rules than one ruleset may use: "
            f"{exc}; split it into several rules (each `any` branch or long `in` list can be "
            "a rule of its own)", key="when", where=str(rule.path))]) from None
    _cache_write(digest.hexdigest(), dirs, files, places, raws, [
        [stage, [rules[i].id for i in indices]] for stage, indices in rulesets])
    return RuleBook(rules, dirs[0], version, tuple(dirs), rulesets, extra_choices)


def _places(directory: Path, path: Path) -> tuple[str, str]:
    """(`path` below `directory`, with `/` between its parts; `path` below the directory's
    parent, as messages name a rule file). discover() builds every path from its directory,
    so cutting the text is enough (pathlib's relative_to took a tenth of a cached load)."""
    text, base = str(path), str(directory)
    if directory.name and text.startswith(base + os.sep):
        native = text[len(base) + 1:]
        return native.replace(os.sep, "/"), directory.name + os.sep + native
    return path.relative_to(directory).as_posix(), str(path.relative_to(directory.parent))


def _native(posix: str) -> str:
    return posix.replace("/", os.sep)


def _read(path: Path, where: str, limit: int, what: str, texts: dict[Path, bytes],
          problems: list[Problem]) -> None:
    try:
        texts[path] = read_bytes(path, where, limit, what)
    except DocumentError as exc:
        problems.extend(exc.problems)


def discover(directory: Path) -> tuple[list[Path], dict[str, list[str]]]:
    """The rule files under `directory`, and what was passed over, by reason.

    A rule file is `<category>/<name>.yaml` (or `.yml`) below `directory`. Hidden files and
    folders are skipped, but only by the parts of their path *below* `directory`: where the
    rules live (a `.venv`, `~/.local`, a team's `.recommender/`) does not matter. A directory
    holding more than MAX_RULE_ENTRIES files and folders is refused (RuleBaseError).
    """
    found: list[Path] = []
    skipped: dict[str, list[str]] = {}

    def skip(reason: str, path: Path) -> None:
        skipped.setdefault(reason, []).append(path.relative_to(directory).as_posix())

    def walk_error(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else directory
        reason = f"could not be read ({exc.strerror or exc.__class__.__name__})"
        skipped.setdefault(reason, []).append(
            where.relative_to(directory).as_posix() if where != directory else ".")

    seen = 0
    for root, folders, names in os.walk(directory, onerror=walk_error, followlinks=False):
        base = Path(root)
        seen += len(folders) + len(names)
        if seen > MAX_RULE_ENTRIES:
            raise RuleBaseError([Problem(
                f"holds more than {MAX_RULE_ENTRIES:,} files and folders, the limit for a rules "
                "directory (rule files are <category>/<name>.yaml); is it the right directory?",
                where=str(directory))])
        for name in sorted(folders):
            if name.startswith("."):
                skip("hidden", base / name)
            elif (base / name).is_symlink():
                skip("a symbolic link to a folder, not followed", base / name)
        folders[:] = sorted(f for f in folders if not f.startswith(".") and
                            f != "__pycache__" and not (base / f).is_symlink())
        for name in sorted(names):
            path = base / name
            if name.startswith("."):
                skip("hidden", path)
            elif path.suffix not in (".yaml", ".yml"):
                skip("not .yaml or .yml", path)
            elif base == directory:
                if name not in ("choices.yaml", "choices.yml"):
                    skip("at the top level, not in a category folder", path)
            elif not path.is_file():
                skip("not a regular file", path)
            else:
                found.append(path)
    found.sort()
    return found, skipped


def _nothing_taken(skipped: dict[str, list[str]]) -> str:
    """Why a directory gave no rule file: what was looked at and what was passed over."""
    if not skipped:
        return "holds no rule files: it is empty (rule files are <category>/<name>.yaml)"
    seen = sum(len(v) for v in skipped.values())
    parts = []
    for reason, paths in skipped.items():
        shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        parts.append(f"{len(paths)} {reason} ({shown})")
    return (f"holds no rule files: of {seen} entries looked at, " + "; ".join(parts) +
            " (rule files are <category>/<name>.yaml)")


def _extra_choices(files: list[tuple[Path, bytes]], problems: list[Problem]) -> set[str]:
    """Choice names a user's rule directory adds in its own choices.yaml (same format as the
    bundled catalogue), so that house rules can recommend in-house services."""
    names: set[str] = set()
    for path, raw in files:
        try:
            data = load_text(decode(raw, str(path)), str(path))
        except DocumentError as exc:
            problems.extend(exc.problems)
            continue
        entries = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            problems.append(Problem("must hold `choices:`, a list of {name, kind, aliases}",
                                    where=str(path)))
            continue
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or \
                    entry.get("kind") not in ("service", "algorithm", "technique"):
                problems.append(Problem("needs a text `name` and a `kind` (service, algorithm "
                                        "or technique)", key=f"choices[{i}]", where=str(path)))
                continue
            names.add(entry["name"].strip())
    return names


# ---------------------------------------------------------------------------------------------
# Validated rule bases are cached (recommender/_cache.py), keyed by the rule files.

def _cache_read(key: str, dirs: list[Path], files: list[tuple[Path, Path]],
                known_rows: dict[str, Any], extra_choices: set[str],
                places: dict[Path, tuple[str, str]]) -> tuple[list[Rule], tuple[tuple[int, tuple[int, ...]], ...] | None] | None:
    """The rules of an authentic cache entry (cache.py) for exactly these files, each checked
    again by the same per-rule validators as a rule file, and the plan of durable-rules
    rulesets made for them (None when the entry has none that places every rule once, in its
    own stage); None (validate the files) when the entry is missing, foreign, or holds
    anything those validators refuse."""
    found = cache.read("rules", key)
    entries = found.get("rules") if isinstance(found, dict) else None
    if not isinstance(entries, list) or len(entries) != len(files):
        return None
    try:
        wanted = {(dirs.index(d), places[p][0]): (d, p) for d, p in files}
        problems: list[Problem] = []
        rules: list[Rule] = []
        for entry in entries:
            place = entry["file"]
            directory, path = wanted.pop((place[0], place[1]))
            where = places[path][1]
            checked = _checked_rule(entry["rule"], path, directory, where, known_rows,
                                    problems, extra_choices)
            if checked is None or problems:
                return None
            rules.append(checked[0])
        if wanted:
            return None
        rules.sort(key=lambda r: r.id)
        if len({r.id for r in rules}) != len(rules):
            return None
        for i, rule in enumerate(rules):
            object.__setattr__(rule, "index", i)
        return rules, _cached_plan(found.get("rulesets"), rules)
    except Exception:  # a malformed entry (missing keys, wrong types): validate from scratch
        return None


def _cached_plan(plan: Any, rules: list[Rule]) -> tuple[tuple[int, tuple[int, ...]], ...] | None:
    """The cached rulesets as (stage, rule indices), if they hold every rule exactly once and
    each rule in a ruleset of its own stage; else None (the plan is made again)."""
    try:
        index = {rule.id: rule.index for rule in rules}
        out = tuple((stage, tuple(index[i] for i in ids)) for stage, ids in plan)
        placed = [i for _, indices in out for i in indices]
        if sorted(placed) != list(range(len(rules))) or \
                any(rules[i].stage != stage for stage, indices in out for i in indices):
            return None
        return out
    except Exception:  # not a list of [stage, [ids]]
        return None


def _cache_write(key: str, dirs: list[Path], files: list[tuple[Path, Path]],
                 places: dict[Path, tuple[str, str]], raws: dict[Path, Any],
                 rulesets: list[Any]) -> None:
    """Cache each rule file's parsed document, with where it came from, and the plan of
    durable-rules rulesets (by rule id) made for them."""
    cache.write("rules", key, {"rules": [
        {"file": [dirs.index(directory), places[path][0]], "rule": raws[path]}
        for directory, path in files], "rulesets": rulesets})


def _load_one(path: Path, directory: Path, where: str, known_rows: dict[str, Any],
              problems: list[Problem], extra_choices: set[str] = frozenset(),
              text: bytes | None = None, raws: dict[Path, Any] | None = None) -> Rule | None:
    """Parse and validate one rule file (its bytes in `text` when already read); the parsed
    document goes into `raws` for the cache."""
    try:
        raw = load_path(path, where, MAX_RULE_FILE_BYTES, "a rule file") if text is None \
            else load_text(decode(text, where), where)
    except DocumentError as exc:
        problems.extend(exc.problems)
        return None
    before = len(problems)
    checked = _checked_rule(raw, path, directory, where, known_rows, problems, extra_choices)
    if checked is None:
        return None
    rule, data = checked
    if raws is not None:
        raws[path] = raw

    def bad(message: str, key: str | None = None, **extra: Any) -> None:
        problems.append(Problem(message, key=key, where=where, **extra))

    # examples: valid workloads (with the earlier decisions the rule tests) that do (not)
    # satisfy the condition
    for group, expected in (("match", True), ("no_match", False)):
        for i, overlay in enumerate(getattr(data.examples, group)):
            key = f"examples.{group}[{i}]"
            decided, overlay = _split_decided(overlay, rule, key, bad)
            try:
                workload = Workload.from_mapping(example_workload(overlay))
            except WorkloadError as exc:
                for p in exc.problems:
                    bad(f"is not a valid workload: {p.key}: {p.message}", key)
                continue
            if decided is None:
                continue
            if rule.predicate({**flatten(workload), **decided}) != expected:
                verb = "does not match" if expected else "matches"
                bad(f"{verb} the rule's condition ({rule.reads})", key)
    return rule if len(problems) == before else None


def _model_rule_file(raw: Any, where: str, problems: list[Problem]) -> Any:
    """The rule file validated by the models, or None with every problem added."""
    from pydantic import ValidationError
    model, examples = _models()
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            key = ".".join(str(p) for p in err["loc"]) or None
            if err["type"] == "extra_forbidden":
                name = str(err["loc"][-1])
                parent = examples if len(err["loc"]) > 1 else model
                problems.append(Problem("is not a rule field", key=key, where=where,
                                        allowed=tuple(parent.model_fields),
                                        suggestion=did_you_mean(name, parent.model_fields)))
            else:
                problems.append(Problem(err["msg"].lower(), key=key, where=where))
        return None


def _checked_rule(raw: Any, path: Path, directory: Path, where: str,
                  known_rows: dict[str, Any], problems: list[Problem],
                  extra_choices: set[str] = frozenset()) -> tuple[Rule, Any] | None:
    """Every check of one rule that needs no other rule and no example workload: its fields,
    id and file, category, choice, row ids, placeholders, and the condition (values, ranges,
    size). Run on every rule file, and again on every rule read from the cache."""
    data: Any = _plain_rule_file(raw)
    if data is None:
        data = _model_rule_file(raw, where, problems)
        if data is None:
            return None
    if not isinstance(raw, dict):  # pragma: no cover - model_validate already refused it
        return None
    before = len(problems)

    def bad(message: str, key: str | None = None, **extra: Any) -> None:
        problems.append(Problem(message, key=key, where=where, **extra))

    # identity: rules/<category>/<stem>.yaml with id <category>.<stem>
    relative = _places(directory, path)[0].split("/")
    if data.category not in CATEGORIES:
        bad(f"{data.category!r} is not a category", "category", allowed=CATEGORIES,
            suggestion=did_you_mean(data.category, CATEGORIES))
    if len(relative) != 2 or relative[0] != data.category:
        bad(f"the file must be at {data.category}/{path.name} inside the rules directory",
            "category")
    expected_id = f"{data.category}.{path.stem}"
    if not _ID.match(data.id):
        bad("must look like <category>.<lower-case-words-with-dashes>", "id")
    elif data.id != expected_id:
        bad(f"must be {expected_id!r}: the category, a dot and the file name", "id")
    # condition
    node, condition_errors = parse(data.when)
    for error in condition_errors:
        bad(str(error).split(": ", 1)[-1], error.path)
    # justification
    template, template_errors = _template(data.because)
    for error in template_errors:
        bad(error, "because")
    # the choice must be a catalogued name (warnings carry a free-text title instead)
    if data.category != "warnings" and data.recommend.strip() not in catalogue_choices() \
            and data.recommend.strip() not in extra_choices:
        bad(f"{data.recommend!r} is not a choice of recommender/catalogue/choices.yaml",
            "recommend", suggestion=did_you_mean(data.recommend.strip(), catalogue_choices()))
    # sources
    for i, source in enumerate(data.sources):
        if source.startswith("https://"):
            if not _AWS_PAGE.match(source):
                bad(f"{source!r} is not an AWS page; a source is a row id of the cheat-sheet "
                    "catalogue or the https:// address of a page on docs.aws.amazon.com or "
                    "aws.amazon.com", f"sources[{i}]")
        elif source not in known_rows:
            bad(f"{source!r} is not a row id of the cheat-sheet catalogue (or an AWS page's "
                "https:// address)", f"sources[{i}]", suggestion=did_you_mean(source, known_rows))
    if len(set(data.sources)) != len(data.sources):
        bad("cites a row twice", "sources")
    if len(problems) > before:
        return None
    nnf = to_nnf(node)
    if alternatives(nnf) > MAX_ALTERNATIVES:
        bad(f"the condition expands to more than {MAX_ALTERNATIVES:,} alternatives (each `any` "
            "multiplies the alternatives of the `all` around it, and a `not` over an `all` "
            "becomes an `any`), too many to check for ties and gaps; split it into several "
            "rules with the same recommendation, one for each branch of its largest `any`",
            "when")
        return None
    if isinstance(nnf, Always) and data.examples.no_match:
        bad("a rule that always matches cannot have no_match examples", "examples.no_match")
    elif not isinstance(nnf, Always) and not data.examples.no_match:
        bad("give at least one workload the rule must not match", "examples.no_match")
    rule = Rule(id=data.id, category=data.category, title=data.title.strip(),
                choice=data.recommend.strip(), priority=data.priority, when=data.when,
                condition=node, nnf=nnf, because=" ".join(data.because.split()),
                sources=tuple(data.sources), examples_match=tuple(data.examples.match),
                examples_no_match=tuple(data.examples.no_match), path=path,
                alternative_only=data.alternative_only,
                _template=template if " ".join(data.because.split()) == data.because else
                _template(" ".join(data.because.split()))[0])
    # decisions of earlier stages: only those, and only choices that exist
    known = set(catalogue_choices()) | set(extra_choices)
    for category in sorted(rule.decisions):
        if STAGE_OF[category] >= rule.stage:
            bad(f"tests decided.{category}, which is decided in the "
                f"{STAGES[STAGE_OF[category]][0]!r} stage, not before this rule's "
                f"{STAGES[rule.stage][0]!r} stage; a rule may test only decisions of earlier "
                "stages (docs/rules-format.md)", "when")
    for leaf in leaves(node):
        if decided_category(leaf.key):
            for value in (leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)):
                if value not in known:
                    bad(f"{value!r} is not a choice of the catalogue, so decided."
                        f"{decided_category(leaf.key)} can never be it", "when",
                        suggestion=did_you_mean(value, known))
    if len(problems) > before:
        return None
    return rule, data


def _split_decided(overlay: dict[str, Any], rule: Rule, key: str,
                   bad: Callable[..., None]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """An example's earlier decisions (`decided: {service_choice: ...}`) as flat keys, and the
    workload part of the example. Every decision the rule tests must be given."""
    overlay = dict(overlay)
    given = overlay.pop("decided", {})
    if not isinstance(given, dict):
        bad("`decided` maps categories to their primary choice", f"{key}.decided")
        return None, overlay
    out: dict[str, Any] = {}
    for category, choice in given.items():
        if category not in rule.decisions:
            bad(f"gives decided.{category}, which the rule does not test", f"{key}.decided")
            return None, overlay
        out[decided_key(category)] = choice
    missing = sorted(rule.decisions - set(given))
    if missing:
        bad(f"the rule tests {', '.join('decided.' + c for c in missing)}: give "
            f"{'it' if len(missing) == 1 else 'them'} under `decided:`", key)
        return None, overlay
    return out, overlay


def _check_ids(rules: list[Rule], problems: list[Problem]) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            problems.append(Problem(f"duplicate rule id, also used by {seen[rule.id].path}",
                                    key="id", where=str(rule.path)))
        seen[rule.id] = rule


def _check_ties(rules: list[Rule], problems: list[Problem]) -> None:
    """In a single-choice category two rules of equal priority recommending different choices
    must never match the same workload: nothing would decide between them."""
    from ._solver import meet  # only when rule files are validated (not read from the cache)
    by_slot: dict[tuple[str, int], list[Rule]] = {}
    for rule in rules:
        if rule.category in SINGLE:
            by_slot.setdefault((rule.category, rule.priority), []).append(rule)
    for (category, priority), group in by_slot.items():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a.choice == b.choice:
                    continue
                if meet(a.dnf, b.dnf) is not None:
                    problems.append(Problem(
                        f"ties with {b.id} ({b.choice!r}) at priority {priority} in the "
                        f"single-choice category {category}: both can match one workload; "
                        "give one of them a different priority", key="priority",
                        where=str(a.path)))


def _check_fallbacks(rules: list[Rule], problems: list[Problem], any_files: bool) -> None:
    """Every always-present category must have a matching rule for every possible workload,
    so that no advice ever has an empty category."""
    if not any_files:
        return
    from ._solver import TooComplex, show, uncovered
    for category in ALWAYS_PRESENT:
        group = [r for r in rules if r.category == category]
        try:
            gap = uncovered([r.dnf for r in group])
        except TooComplex:
            problems.append(Problem(
                f"category {category!r} is too intricate to prove that every workload gets a "
                "recommendation; add a rule with `when: always` as a fallback", where="rules"))
            continue
        if gap is not None:
            example = show(gap, focus=set().union(*(r.fields for r in group)))
            problems.append(Problem(
                f"category {category!r} has no rule for some workloads (for example {example});"
                " add a rule for them or a fallback with `when: always`", where="rules"))

