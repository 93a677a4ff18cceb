"""Reading YAML and JSON documents safely: workloads from users and rule files from disk.

Limits are enforced before anything is built from the text, so that a hostile or broken document
costs little: at most MAX_BYTES of text, MAX_DEPTH levels of nesting, MAX_NODES values once
aliases are expanded, and no tags that would build Python objects. Duplicate keys are an error
rather than a silent "last one wins".
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml

from .errors import DocumentError, Problem

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "load_text", "load_path", "read_input"]

MAX_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_NODES = 10_000

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """A safe loader that refuses duplicate keys."""


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be plain text", key_node.start_mark) from None
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice in one mapping",
                key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_shape(text: str, where: str) -> None:
    """Walk the event stream (no objects built) to enforce depth and alias limits."""
    depth = 0
    aliases = 0
    events = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            events += 1
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise DocumentError([Problem(
                        f"is nested more than {MAX_DEPTH} levels deep; a workload needs 3",
                        where=where)])
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > 100:
                    raise DocumentError([Problem("uses more than 100 YAML aliases", where=where)])
            if events > MAX_NODES * 3:
                raise DocumentError([Problem(f"holds more than {MAX_NODES} values",
                                             where=where)])
    except yaml.YAMLError as exc:
        raise DocumentError([Problem(_yaml_message(exc), where=where)]) from None


def _count_nodes(value: Any, where: str) -> None:
    """Refuse documents whose aliases expand into more than MAX_NODES values."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise DocumentError([Problem(
                f"expands to more than {MAX_NODES} values (through YAML aliases)", where=where)])
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in str(problem):
        problem = ("uses a YAML tag that would build a program object; only plain mappings, "
                   "lists, text, numbers and true/false are allowed")
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return f"is not valid YAML: {problem}{where}"


def load_text(text: str, where: str = "<text>") -> Any:
    """Parse one YAML (or JSON) document from `text`, within the limits above."""
    if len(text) > MAX_BYTES:
        raise DocumentError([Problem(
            f"is {len(text):,} characters long; the limit is {MAX_BYTES:,}", where=where)])
    if "\x00" in text:
        raise DocumentError([Problem("contains a NUL character; it is not a text file",
                                     where=where)])
    _check_shape(text, where)
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise DocumentError([Problem(_yaml_message(exc), where=where)]) from None
    except RecursionError:
        raise DocumentError([Problem("is nested too deeply", where=where)]) from None
    except (ValueError, OverflowError) as exc:  # e.g. an impossible date such as 2025-13-01
        raise DocumentError([Problem(f"holds a value YAML cannot read ({exc})",
                                     where=where)]) from None
    documents = [d for d in documents if d is not None] if len(documents) > 1 else documents
    if len(documents) > 1:
        raise DocumentError([Problem(
            f"holds {len(documents)} YAML documents; give one workload per file", where=where)])
    if not documents or documents[0] is None:
        raise DocumentError([Problem("is empty; expected a workload mapping", where=where)])
    _count_nodes(documents[0], where)
    return documents[0]


def load_path(path: str | os.PathLike[str], where: str | None = None) -> Any:
    """Read and parse a file, turning every way reading can fail into a DocumentError."""
    where = where or str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise DocumentError([Problem("is a directory; give the path of a workload file",
                                         where=where)])
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise DocumentError([Problem(
                f"is {size:,} bytes; the limit is {MAX_BYTES:,}", where=where)])
        with open(p, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise DocumentError([Problem("does not exist", where=where)]) from None
    except PermissionError:
        raise DocumentError([Problem("cannot be read (permission denied)", where=where)]) from None
    except OSError as exc:
        raise DocumentError([Problem(f"cannot be read ({exc.strerror or exc})",
                                     where=where)]) from None
    return load_text(_decode(raw, where), where)


def read_input(name: str) -> tuple[Any, str]:
    """Parse the workload named on the command line (`-` = standard input); returns
    (document, display name)."""
    if name == "-":
        raw = sys.stdin.buffer.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise DocumentError([Problem(f"is longer than {MAX_BYTES:,} bytes",
                                         where="<stdin>")])
        return load_text(_decode(raw, "<stdin>"), "<stdin>"), "<stdin>"
    return load_path(name), name


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError([Problem(
            f"is not UTF-8 text (bad byte at offset {exc.start})", where=where)]) from None
