"""The cheat-sheet row catalogue (rows.yaml beside this file): the ids that rules cite."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, NamedTuple, TypeVar

import yaml

__all__ = ["Row", "rows", "row", "Choice", "choices", "find_choice", "Synonym", "find_synonym"]

_FILE = Path(__file__).with_name("catalogue") / "rows.yaml"
T = TypeVar("T")


class Row(NamedTuple):
    id: str
    section: str
    item: str
    decides: str

    @property
    def label(self) -> str:
        """"Section: item" as shown beside a recommendation's sources."""
        return f"{self.section}: {self.item}"


def _parsed(path: Path, build: Callable[[Any], T]) -> T:
    """`build` applied to a bundled catalogue file's document, read within the document limit
    (documents.py). The parsed document is cached (recommender/_cache.py: authentic entries
    only, keyed by the file's bytes), which saves the YAML parse of every command-line run;
    anything `build` refuses in a cached document means a parse of the file after all."""
    import hashlib

    from . import _cache as cache
    from ._documents import MAX_BYTES, decode, read_bytes
    raw = read_bytes(path, str(path), MAX_BYTES, "a catalogue file")
    kind, key = f"catalogue-{path.stem}", hashlib.sha256(raw).hexdigest()
    data = cache.read(kind, key)
    if data is not None:
        try:
            return build(data)
        except Exception:  # an entry of another shape: parse the file
            pass
    data = yaml.load(decode(raw, str(path)), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    built = build(data)
    cache.write(kind, key, data)
    return built


@lru_cache(maxsize=1)
def rows() -> dict[str, Row]:
    """Every row of the catalogue by id, in catalogue order."""
    return _parsed(_FILE, lambda data: {r["id"]: Row(r["id"], r["section"], r["item"],
                                                      r["decides"]) for r in data["rows"]})


def row(row_id: str) -> Row:
    return rows()[row_id]


class Choice(NamedTuple):
    name: str
    kind: str
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def choices() -> dict[str, Choice]:
    """Every recommendable choice by canonical name (choices.yaml beside this file)."""
    return _parsed(_FILE.with_name("choices.yaml"), lambda data: {
        c["name"]: Choice(c["name"], c["kind"], tuple(c.get("aliases", ())))
        for c in data["choices"]})


def find_choice(text: str) -> Choice | None:
    """The choice whose name or alias is `text`, ignoring case and surrounding space."""
    return _spellings().get(" ".join(text.split()).lower())


@lru_cache(maxsize=1)
def _spellings() -> dict[str, Choice]:
    index: dict[str, Choice] = {}
    for choice in choices().values():
        for spelling in (choice.name, *choice.aliases):
            index.setdefault(spelling.lower(), choice)
    return index


class Synonym(NamedTuple):
    """A word for a choice that is not its name or alias: `means` a choice, or, for a service
    the rule base does not cover, a `note` saying so."""

    words: tuple[str, ...]
    means: str | None
    note: str | None


def find_synonym(text: str) -> Synonym | None:
    """The synonym entry for `text` (any case and spacing), or None."""
    return _synonyms().get(" ".join(text.split()).lower())


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, Synonym]:
    def build(data: Any) -> dict[str, Synonym]:
        index: dict[str, Synonym] = {}
        for entry in data["synonyms"]:
            synonym = Synonym(tuple(entry["words"]), entry.get("means"),
                              " ".join(entry["note"].split()) if entry.get("note") else None)
            for word in synonym.words:
                index[" ".join(word.split()).lower()] = synonym
        return index
    return _parsed(_FILE.with_name("synonyms.yaml"), build)
