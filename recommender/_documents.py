"""Reading YAML and JSON documents safely: workloads from users and rule files from disk.

Limits are enforced before anything is built from the text, so that a hostile or broken document
costs little: at most MAX_BYTES of text, MAX_DEPTH levels of nesting, MAX_NODES values once
aliases are expanded, and no tags that would build Python objects. Duplicate keys are an error
rather than a silent "last one wins".

Files are read with `read_bytes(path, where, limit)` (streams with `read_limited`), which
checks the limit while reading: a regular file over the limit is refused from its size, anything
else (a pipe, /dev/zero, a file that grows) is read no further than limit + 1 bytes. Every limit
is listed in docs/workload.md and docs/rules-format.md ("Limits").
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from ._errors import DocumentError, Problem

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "load_text", "load_path", "read_input",
           "read_bytes", "read_limited"]

MAX_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_NODES = 10_000

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_MERGE_TAG = "tag:yaml.org,2002:merge"
_OWN = "_recommender_own_pairs"  # set on a MappingNode: how many pairs it wrote itself
_FLAT = "_recommender_flattened"  # set on a MappingNode once its merge keys are resolved


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """A safe loader that refuses duplicate keys."""

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        # YAML merge keys (`<<: *base` or `<<: [*a, *b]`), done here rather than by PyYAML,
        # whose merging changed between releases: a mapping's own keys override merged ones,
        # and an earlier merged mapping wins over a later one. Neither is a duplicate key. The
        # merged pairs are kept once per key, so merging the same mapping again and again (a
        # "billion laughs" of merge keys) cannot multiply them; the node remembers how many
        # pairs it wrote itself, and only those are checked for duplicates.
        if getattr(node, _FLAT, False):
            return
        own: list[tuple[Any, Any]] = []
        sources: list[yaml.MappingNode] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                own.append((key_node, value_node))
                continue
            subnodes = value_node.value if isinstance(value_node, yaml.SequenceNode) \
                else [value_node]
            for sub in subnodes:
                if not isinstance(sub, yaml.MappingNode):
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"a merge key needs a mapping or a list of mappings, not {sub.id}",
                        sub.start_mark)
                self.flatten_mapping(sub)
                sources.append(sub)
        taken = {_identity(key) for key, _ in own}
        merged: list[tuple[Any, Any]] = []
        for sub in sources:
            for key_node, value_node in sub.value:
                identity = _identity(key_node)
                if identity not in taken:
                    taken.add(identity)
                    merged.append((key_node, value_node))
        node.value = merged + own
        setattr(node, _OWN, len(own))
        setattr(node, _FLAT, True)


def _identity(key_node: Any) -> Any:
    """What makes two mapping keys the same key: a scalar's tag and text, else the node."""
    if isinstance(key_node, yaml.ScalarNode):
        return (key_node.tag, key_node.value)
    return id(key_node)


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    split = len(node.value) - getattr(node, _OWN, len(node.value))
    mapping: dict[Any, Any] = {}
    own: set[Any] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be plain text", key_node.start_mark) from None
        if index >= split:  # merged pairs (before `split`) may be overridden; own ones not
            if key in own:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {_short(key)} appears twice in one mapping",
                    key_node.start_mark)
            own.add(key)
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # e.g. an integer too long to print
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# ---------------------------------------------------------------------------------------------
# Numbers mean what they look like. YAML 1.1 (PyYAML) reads `190:20:30` as 685230 (base 60),
# `0x10` as 16, `017` and `0o17`-like forms as octal, `0b11` as binary and `1_000` as 1000, and
# reads `1e-3` and `1.5e3` as text (its floats need a dot and a signed exponent). Here a plain
# number is decimal digits, with an optional sign, fraction and exponent, as in JSON; everything
# else stays text, which the workload and rule models refuse with a message that shows the
# accepted forms. `.inf` and `.nan` are still read as floats so that they can be refused by name.

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
#: A whole number: no leading zero (`017` is octal in YAML 1.1, 17 elsewhere: neither is assumed).
PLAIN_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
#: A number with a fraction or an exponent (`0.25`, `.5`, `1e-3`, `1.5E+3`), or .inf / .nan.
PLAIN_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?
                              |[-+]?[0-9]+[eE][-+]?[0-9]+
                              |[-+]?\.(?:inf|Inf|INF)
                              |\.(?:nan|NaN|NAN))$""", re.X)
#: The YAML 1.1 number forms this loader reads as text instead: base 60 (`1:30`), hexadecimal,
#: octal (`017`, `0o17`), binary, or digits grouped with underscores.
OTHER_NUMBER_FORMS = re.compile(r"""^[-+]?(?:[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
                                    |0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-9_]+
                                    |(?=[0-9._]*_)(?=[._]*[0-9])(?:[0-9_]+(?:\.[0-9_]*)?|\.[0-9_]+)
                                     (?:[eE][-+]?[0-9]+)?)$""", re.X)
NUMBER_FORMS_HELP = ("plain decimal numbers such as 12, 0.25 or 1e-3 (not hexadecimal, octal, "
                     "binary, base-60 `1:30` or `1_000` forms)")

_NUMBER_LIKE_TAG = "tag:recommender,2025:number-like"


class NumberLike(str):
    """Unquoted text that YAML 1.1 reads as a number in one of OTHER_NUMBER_FORMS (`017`,
    `0x10`, `1_000`, `190:20:30`). It is text everywhere, but a numeric key refuses it, even
    where the same text in quotes would be read (a size such as "017" is 17 bytes; unquoted
    `017` was 15 in YAML 1.1 and is refused as ambiguous)."""

    __slots__ = ()


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(_INT_TAG, PLAIN_INT, list("-+0123456789"))
_Loader.add_implicit_resolver(_FLOAT_TAG, PLAIN_FLOAT, list("-+0123456789."))
_Loader.add_implicit_resolver(_NUMBER_LIKE_TAG, OTHER_NUMBER_FORMS, list("-+0123456789._"))
_Loader.add_constructor(_NUMBER_LIKE_TAG,
                        lambda loader, node: NumberLike(loader.construct_scalar(node)))


class _NotANumber(ValueError):
    """An explicitly tagged number (`!!int 0x10`) in a form this loader does not read."""


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if not PLAIN_INT.match(text):  # only an explicit `!!int 0x10` gets here
        raise _NotANumber(f"{_short(text)} under !!int is not a number this tool reads; use "
                          f"{NUMBER_FORMS_HELP}")
    return int(text)


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    text = loader.construct_scalar(node)
    if not (PLAIN_FLOAT.match(text) or PLAIN_INT.match(text)):
        raise _NotANumber(f"{_short(text)} under !!float is not a number this tool reads; "
                          f"use {NUMBER_FORMS_HELP}")
    lowered = text.lower()
    if lowered.endswith((".inf", ".nan")):
        return float(lowered.replace(".", ""))
    return float(text)


_Loader.add_constructor(_INT_TAG, _construct_int)
_Loader.add_constructor(_FLOAT_TAG, _construct_float)


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


def check_size(value: Any, where: str) -> None:
    """Refuse documents whose aliases expand into more than MAX_NODES values, or nest deeper
    than MAX_DEPTH levels once expanded (an alias can hold a deep value at any depth)."""
    count = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise DocumentError([Problem(
                f"expands to more than {MAX_NODES} values (through YAML aliases)", where=where)])
        if isinstance(item, (dict, list)) and depth > MAX_DEPTH:
            raise DocumentError([Problem(
                f"is nested more than {MAX_DEPTH} levels deep; a workload needs 3",
                where=where)])
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "nesting depth" in str(problem):  # PyYAML 6.0.4+ stops at its own depth limit
        return f"is nested more than {MAX_DEPTH} levels deep; a workload needs 3"
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
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: only a str built in Python has one
        raise DocumentError([Problem(
            f"is not valid Unicode text (a lone surrogate at position {exc.start})",
            where=where)]) from None
    try:
        _check_shape(text, where)
    except DocumentError as exc:
        if "Unicode character escape" in str(exc) and text.lstrip().startswith("{"):
            # libyaml refuses the escaped surrogate pair JSON writes for a character beyond
            # U+FFFF ("\ud83d\ude00", as json.dumps does by default): read such a file as JSON
            return _load_json(text, where)
        raise
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise DocumentError([Problem(_yaml_message(exc), where=where)]) from None
    except RecursionError:
        raise DocumentError([Problem("is nested too deeply", where=where)]) from None
    except _NotANumber as exc:
        raise DocumentError([Problem(f"holds a value that does not fit its YAML tag: {exc}",
                                     where=where)]) from None
    except (ValueError, OverflowError) as exc:  # e.g. an impossible date such as 2025-13-01
        raise DocumentError([Problem(f"holds a value YAML cannot read ({exc})",
                                     where=where)]) from None
    except (LookupError, AttributeError, TypeError):
        # PyYAML's own constructors fail this way on explicitly tagged text they cannot read:
        # `!!bool maybe` (KeyError), `!!int ''` (IndexError), `!!timestamp x` (AttributeError)
        raise DocumentError([Problem(
            "holds a value that does not fit its YAML tag (such as `!!bool maybe` or "
            "`!!timestamp soon`)", where=where)]) from None
    documents = [d for d in documents if d is not None] if len(documents) > 1 else documents
    if len(documents) > 1:
        raise DocumentError([Problem(
            f"holds {len(documents)} YAML documents; give one workload per file", where=where)])
    if not documents or documents[0] is None:
        raise DocumentError([Problem("is empty; expected a workload mapping", where=where)])
    check_size(documents[0], where)
    return documents[0]


class _DuplicateKey(ValueError):
    pass


def json_mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object (json.loads' object_pairs_hook), refusing a key written twice."""
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(f"the key {_short(key)} appears twice in one mapping")
            seen.add(key)
    return mapping


#: json.loads(text, object_pairs_hook=json_mapping), without making a decoder at every call.
decode_json = json.JSONDecoder(object_pairs_hook=json_mapping).decode


def _load_json(text: str, where: str) -> Any:
    """A JSON document YAML could not read, within the same limits (and no duplicate keys)."""
    try:
        value = decode_json(text)
    except ValueError as exc:  # a duplicate key, or not JSON either
        raise DocumentError([Problem(f"is not valid JSON: {exc}", where=where)]) from None
    except RecursionError:
        raise DocumentError([Problem(f"is nested more than {MAX_DEPTH} levels deep; a workload "
                                     "needs 3", where=where)]) from None
    check_size(value, where)
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise DocumentError([Problem("holds a \\u escape that is not a character (a lone "
                                     "surrogate)", where=where)]) from None
    return value


def read_limited(stream: BinaryIO, limit: int, where: str, what: str = "the input",
                 chunk_size: int | None = None) -> bytes:
    """At most `limit` bytes from an open binary stream, checked while reading: the stream is
    read in chunks (of `chunk_size`, at most _CHUNK) and never past `limit` + 1 bytes, so that
    /dev/zero, an endless pipe or a sparse file of gigabytes costs at most `limit` bytes of
    memory. More than `limit` bytes is a DocumentError naming `where` and the limit."""
    chunks: list[bytes] = []
    taken = 0
    size = min(_CHUNK, max(chunk_size or _CHUNK, 4096))
    while taken <= limit:
        chunk = stream.read(min(size, limit + 1 - taken))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        taken += len(chunk)
    raise DocumentError([Problem(f"is longer than {limit:,} bytes, the limit for {what}",
                                 where=where)])


_CHUNK = 1 << 16


def read_bytes(path: str | os.PathLike[str], where: str | None = None,
               limit: int | None = MAX_BYTES, what: str = "a document") -> bytes:
    """A file's bytes, at most `limit` of them, turning every way reading can fail into a
    DocumentError that names the file.

    The limit is checked while reading (read_limited), not after: a regular file whose size is
    known is refused before any byte is read, and anything else (/dev/zero, a pipe, a file that
    grows while it is read) is read no further than `limit` + 1 bytes. `what` names the kind of
    file in the message ("a rule file"). `limit=None` reads the whole file; no caller in the
    package should need it."""
    where = where or str(path)
    p = Path(path)
    try:
        with open(p, "rb", buffering=0) as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):  # where opening a directory works at all
                raise IsADirectoryError
            regular = stat.S_ISREG(info.st_mode)
            if limit is not None and regular and info.st_size > limit:
                raise DocumentError([Problem(
                    f"is {info.st_size:,} bytes; the limit for {what} is {limit:,}",
                    where=where)])
            if limit is None:
                return handle.readall()
            # a regular file is read in one piece of its size (and one byte more, to see a
            # file that grew), not in chunks of the largest size allowed
            return read_limited(handle, limit, where,  # type: ignore[arg-type]
                                what, info.st_size + 1 if regular else _CHUNK)
    except FileNotFoundError:
        raise DocumentError([Problem("does not exist", where=where)]) from None
    except IsADirectoryError:
        raise DocumentError([Problem("is a directory; give the path of a workload file",
                                     where=where)]) from None
    except PermissionError:
        if p.is_dir():  # Windows refuses to open a directory so
            raise DocumentError([Problem("is a directory; give the path of a workload file",
                                         where=where)]) from None
        raise DocumentError([Problem("cannot be read (permission denied)", where=where)]) from None
    except OSError as exc:
        raise DocumentError([Problem(f"cannot be read ({exc.strerror or exc})",
                                     where=where)]) from None
    except ValueError:  # a path holding a NUL character
        raise DocumentError([Problem("is not a usable file name", where=where)]) from None


def load_path(path: str | os.PathLike[str], where: str | None = None,
              limit: int = MAX_BYTES, what: str = "a document") -> Any:
    """Read (at most `limit` bytes, see read_bytes) and parse a file, turning every way reading
    can fail into a DocumentError."""
    where = where or str(path)
    return load_text(decode(read_bytes(path, where, limit, what), where), where)


def read_input(name: str) -> tuple[Any, str]:
    """Parse the workload named on the command line (`-` = standard input); returns
    (document, display name)."""
    if name == "-":
        raw = read_limited(sys.stdin.buffer, MAX_BYTES, "<stdin>", "a workload")
        return load_text(decode(raw, "<stdin>"), "<stdin>"), "<stdin>"
    return load_path(name), name


def decode(raw: bytes, where: str) -> str:
    """UTF-8 text (a byte-order mark dropped), or a DocumentError naming the input."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError([Problem(
            f"is not UTF-8 text (bad byte at offset {exc.start})", where=where)]) from None
