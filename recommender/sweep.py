"""Advice for many workloads at once: the engine of `recommend sweep`, usable from Python.

    from recommender.sweep import sweep
    for record in sweep("many.jsonl", brief=True, jobs=4):
        print(record["line"], record.get("choices") or record["error"])

The source is either JSON lines (one workload per line; `.jsonl`, `.ndjson`, any other name,
and standard input) or one YAML/JSON list of workloads (`.yaml`, `.yml`, `.json`), or as
`input_format` says; the format is never guessed from the content. Each workload gives one
record, in input order:

    {"line": N, "name": "...", "advice": {...}}     (brief: "choices" instead of "advice")
    {"line": N, "error": "many.jsonl, line N: ..."}

`line` is the 1-based line of the source where the workload starts (for a YAML list, the line
of its item), the one numbering used in every message. Lines are split on "\\n" only (a
"\\r" before it is dropped), so a U+2028 inside a JSON string stays inside its line. Blank
lines are skipped. A bad line is reported in its record and the rest go on.

Limits, checked while reading: a JSON line may hold MAX_LINE_BYTES (1,000,000) bytes, a
longer one is an error record; a JSON-lines source may hold MAX_SWEEP_BYTES (2,000,000,000)
bytes in all, beyond that the run stops with a DocumentError. A YAML/JSON list may hold
1,000,000 bytes and 10,000 values, like a workload file. JSON lines are read as they are
used: memory holds only the lines in flight.

With jobs > 1 the lines go to worker processes in chunks of up to CHUNK_LINES lines, at most
2 * jobs chunks in flight, and the records come back in input order. Workers ignore Ctrl-C;
closing the sweep (or an exception or Ctrl-C in the caller) terminates them at once.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import deque
from typing import Any, Sequence, Iterable, Iterator

from ._documents import (MAX_BYTES, MAX_DEPTH, MAX_NODES, check_size, decode, decode_json,
                         load_text)
from ._errors import DocumentError, InputError, Problem

__all__ = ["sweep", "Sweep", "input_format_for", "INPUT_FORMATS", "MAX_LINE_BYTES",
           "MAX_SWEEP_BYTES", "CHUNK_LINES"]

INPUT_FORMATS = ("jsonl", "yaml")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl",
              ".yaml": "yaml", ".yml": "yaml", ".json": "yaml"}
MAX_LINE_BYTES = MAX_BYTES
MAX_SWEEP_BYTES = 2_000_000_000
CHUNK_LINES = 500
CHUNK_BYTES = 4_000_000
_READ = 1 << 20  # bytes read at a time while skipping an overlong line
_KEEP_FAILED = 20
_SMALL = 1 << 17  # a JSON-lines file this small is advised without worker processes  # line numbers of failures remembered for the summary


def input_format_for(source: Any, given: str | None = None) -> str:
    """The format of a sweep source: `given` when set; else by the file extension (.jsonl and
    .ndjson: JSON lines; .yaml, .yml and .json: a list); else (standard input, any other
    name, a stream) JSON lines."""
    if given is not None:
        if given not in INPUT_FORMATS:
            raise InputError([Problem(f"{given!r} is not an input format",
                                      key="--input-format", allowed=INPUT_FORMATS)])
        return given
    if isinstance(source, (str, os.PathLike)) and str(source) != "-":
        return EXTENSIONS.get(os.path.splitext(os.fspath(source))[1].lower(), "jsonl")
    return "jsonl"


def sweep(source: Any, *, input_format: str | None = None, engine: str | None = None,
          new_customer: bool = True, brief: bool = False, jobs: int = 1,
          rules_dir: Any = None, bundled_rules: bool = True,
          existing_services: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """Advise on every workload of `source`; yields one record (a dict) per workload, in
    order (see the module docstring).

    source: a path (`-`: standard input), a binary or text file object, or an iterable whose
        items are lines (str or bytes) or workloads (mappings, Workload), each one line.
    input_format: "jsonl" or "yaml" (default: from the extension, see input_format_for).
    jobs: worker processes (1: in this process).
    The other options are those of advise(). The source is opened and the rules loaded
    before this returns (InputError, RuleBaseError); a source over its limit raises
    DocumentError when the reading gets there.
    """
    run = Sweep(source, input_format=input_format, engine=engine, new_customer=new_customer,
                brief=brief, jobs=jobs, rules_dir=rules_dir, bundled_rules=bundled_rules,
                existing_services=existing_services)
    return run.records()


class Sweep:
    """One sweep run; `records()` yields dicts, `json_lines()` yields (line, ok, text) with
    `text` the record as one JSON line. Use it as a context manager (or call close()) so that
    an abandoned run stops its workers at once.

    Attributes while running: `name` (the source as messages call it), `format`, `total` and
    `done` (progress: bytes of a JSON-lines file, workloads of a list; `total` is None when
    unknown), `count` (records so far), `failures` (records that are errors) and
    `failed_lines` (the first few of their line numbers).
    """

    def __init__(self, source: Any, *, input_format: str | None = None,
                 engine: str | None = None, new_customer: bool = True, brief: bool = False,
                 jobs: int = 1, rules_dir: Any = None, bundled_rules: bool = True,
                 existing_services: Sequence[str] = ()):
        from ._core import _recommender
        self.format = input_format_for(source, input_format)
        self.format_given = input_format is not None
        self.settings = {"engine": engine, "new_customer": new_customer, "brief": brief,
                         "rules_dir": rules_dir, "bundled_rules": bundled_rules,
                         "existing_services": tuple(existing_services)}
        self.jobs = max(1, int(jobs))
        self.count = self.failures = 0
        self.failed_lines: list[int] = []
        self.done = 0
        self._read = 0
        self.total: int | None = None
        self._generator: Iterator[Any] | None = None
        self._stream: Any = None
        self._close_stream = False
        # refuse bad rules (and an unknown engine) first
        _recommender(rules_dir, bundled_rules, engine, new_customer, existing_services)
        try:
            self._open(source)
        except BaseException:
            self.close()
            raise

    # --- the source ----------------------------------------------------------------------
    def _open(self, source: Any) -> None:
        self._items: Iterable[Any] | None = None
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            if path == "-":
                self.name = "<stdin>"
                if sys.stdin is None:
                    raise DocumentError([Problem("is closed; nothing can be read from it",
                                                 where=self.name)])
                self._stream = sys.stdin.buffer
            else:
                self.name = path
                self._stream = _open_file(path)
                self._close_stream = True
                size = _size(self._stream)
                if size is not None and self.format == "jsonl":
                    self.total = size
                    if size > MAX_SWEEP_BYTES:
                        raise DocumentError([Problem(
                            f"is {size:,} bytes; a sweep input may hold {MAX_SWEEP_BYTES:,} "
                            "(split it into several files)", where=self.name)])
        elif hasattr(source, "readline"):
            self.name = getattr(source, "name", None) or "<stream>"
            if not isinstance(self.name, str):
                self.name = "<stream>"
            self._stream = source
        else:
            self.name = "<items>"
            self._items = source
        if self.format == "yaml":
            self._list = self._read_list()
            self.total = len(self._list)

    def _read_list(self) -> list[tuple[int, Any]]:
        """(line, workload) for each item of a YAML/JSON list, within the workload limits."""
        if self._items is not None:
            raise InputError([Problem("a list of items is swept as it is; input_format "
                                      "'yaml' needs a file or stream", key="input_format")])
        raw = self._stream.read(MAX_BYTES + 1)
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > MAX_BYTES:
            raise DocumentError([Problem(
                f"is over {MAX_BYTES:,} bytes, the limit of a YAML/JSON list; write one JSON "
                "workload per line instead (a .jsonl file, or --input-format jsonl)",
                where=self.name)])
        text = decode(raw, self.name)
        try:
            value = load_text(text, self.name)
        except DocumentError as exc:
            if "Unicode character escape" in str(exc) and text.lstrip().startswith("["):
                # libyaml refuses the surrogate-pair escapes json.dumps writes for characters
                # beyond U+FFFF; load_text reads such a mapping as JSON, this does a list
                value = _json_list(text, self.name)
                return list(zip(_item_lines(text, len(value)), value))
            raise DocumentError([Problem(p.message + _list_hint(p.message), p.key, p.where,
                                         p.allowed, p.suggestion)
                                 for p in exc.problems]) from None
        if not isinstance(value, list):
            raise DocumentError([Problem(
                "is not a list of workloads (for one JSON workload per line, name the file "
                ".jsonl or give --input-format jsonl)", where=self.name)])
        lines = _item_lines(text, len(value))
        return list(zip(lines, value))

    def _lines(self) -> Iterator[tuple[int, Any]]:
        """(line number, the line's bytes, or its length when over the limit, or a mapping)
        for each non-blank line, checking the limits as it reads."""
        if self._items is not None:
            for number, item in enumerate(self._items, 1):
                if not isinstance(item, (str, bytes, bytearray, memoryview)):
                    yield number, item  # a mapping, a Workload: advise() takes it as it is
                    continue
                if isinstance(item, str):
                    item = item.encode("utf-8", "surrogatepass")
                item = bytes(item).rstrip(b"\n")
                if item.endswith(b"\r"):
                    item = item[:-1]
                if item.strip():
                    yield number, (item if len(item) <= MAX_LINE_BYTES else _TooLong(len(item)))
            return
        for number, line in _split(self._blocks(), self.name):
            if number <= 0:  # the end of what the source had ready (0), an idle source (-1)
                yield number, line
                continue
            if number == 1 and isinstance(line, bytes) and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if isinstance(line, _TooLong) or line.strip():
                yield number, line

    def _blocks(self) -> Iterator[bytes]:
        """The source's bytes as they come (a pipe's whatever is there, up to _READ), with
        the progress (`done`) and the total limit kept up to date."""
        stream = self._stream
        read1 = getattr(stream, "read1", None)
        waits = _would_wait(stream) if self.total is None else None
        while True:
            if waits is not None and waits():
                yield b""  # nothing ready now: whoever waits for records may have them first
            block = read1(_READ) if read1 is not None else stream.readline(_READ)
            if isinstance(block, str):  # a text stream, as it splits lines
                block = block.encode("utf-8", "surrogatepass")
            if not block:
                return
            self._read += len(block)
            yield block

    def _chunks(self) -> Iterator[tuple[list[tuple[int, Any]], int]]:
        """Lists of (line, item) of up to CHUNK_LINES lines (and about CHUNK_BYTES bytes),
        each with the progress reached at its end. When the source fails (its limit, a read
        error), the lines read before still come, then (None, the error)."""
        if self.format == "yaml":
            for start in range(0, len(self._list), CHUNK_LINES):
                part = self._list[start:start + CHUNK_LINES]
                yield part, start + len(part)
            return
        chunk: list[tuple[int, Any]] = []
        size = 0
        lines = self._lines()
        while True:
            try:
                item = next(lines)
            except StopIteration:
                break
            except InputError as exc:
                if chunk:
                    yield chunk, self._read
                yield None, exc  # type: ignore[misc]
                return
            if item[0] <= 0:  # no more lines ready (a pipe): do not wait to fill the chunk
                if chunk:
                    yield chunk, self._read
                    chunk, size = [], 0
                if item[0] < 0:
                    yield [], -1  # the source is idle: time to hand on finished records
                continue
            chunk.append(item)
            size += len(item[1]) if isinstance(item[1], bytes) else 64
            if len(chunk) >= CHUNK_LINES or size >= CHUNK_BYTES:
                yield chunk, self._read
                chunk, size = [], 0
        if chunk:
            yield chunk, self._read

    # --- running -------------------------------------------------------------------------
    def json_lines(self) -> Iterator[tuple[int, bool, str]]:
        """(line, ok, the record as one JSON line ending in "\\n") for each workload."""
        return self._run(encode=True)

    def records(self) -> Iterator[dict[str, Any]]:
        """The record of each workload, as a dict."""
        for _, _, record in self._run(encode=False):
            yield record

    __iter__ = records

    def _run(self, encode: bool) -> Iterator[Any]:
        if self._generator is not None:
            raise RuntimeError("a Sweep runs once")
        self._generator = self._results(encode)
        try:
            for line, ok, payload in self._generator:
                self.count += 1
                if not ok:
                    self.failures += 1
                    if len(self.failed_lines) < _KEEP_FAILED:
                        self.failed_lines.append(line)
                yield line, ok, payload
        finally:
            self.close()

    def _results(self, encode: bool) -> Iterator[tuple[int, bool, Any]]:
        context = (self.name, self.format_given, encode, self.settings)
        chunks = self._chunks()
        if self.jobs > 1 and not self._small():
            yield from self._parallel(chunks, context)
            return
        for part, done in chunks:  # in this process
            if part is None:
                raise done
            if not part:
                continue
            results = _work(part, context)
            self.done = done
            yield from results

    def _small(self) -> bool:
        """Whether the source is known to fit in one or two chunks (no workers then)."""
        if self.format == "yaml":
            return len(self._list) <= CHUNK_LINES
        if self._items is not None:
            return hasattr(self._items, "__len__") and len(self._items) <= CHUNK_LINES
        return self.total is not None and self.total <= _SMALL

    def _parallel(self, chunks: Iterator[tuple[Any, Any]], context: Any
                  ) -> Iterator[tuple[int, bool, Any]]:
        import multiprocessing
        method = "fork" if sys.platform != "win32" else "spawn"
        try:  # workers started now inherit "ignore Ctrl-C"; the parent stops them
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:  # not the main thread
            previous = None
        try:
            pool = multiprocessing.get_context(method).Pool(self.jobs, initializer=_worker_init)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        finished = False
        failure: BaseException | None = None
        pending: deque[tuple[Any, int]] = deque()
        try:
            for part, done in chunks:
                if part is None:  # the source failed: finish what was read, then say so
                    failure = done
                    break
                if part:
                    pending.append((pool.apply_async(_work, (part, context)), done))
                # keep at most 2 * jobs chunks in flight; when the source is idle (a pipe
                # with nothing to read yet), hand on everything finished before waiting on it
                while pending and (len(pending) >= 2 * self.jobs or not part
                                   or pending[0][0].ready()):
                    result, reached = pending.popleft()
                    records = result.get()
                    self.done = reached
                    yield from records
            while pending:
                result, reached = pending.popleft()
                records = result.get()
                self.done = reached
                yield from records
            pool.close()
            finished = True
        finally:
            from ._output import deferred_interrupts
            with deferred_interrupts():
                if finished:
                    pool.join()
                else:
                    pool.terminate()  # at once: no waiting for the work in flight
        if failure is not None:
            raise failure

    def close(self) -> None:
        """Stop: terminate the workers (if any) and close the source file."""
        generator = self._generator
        if generator is not None and generator is not _CLOSED:
            self._generator = _CLOSED
            try:
                generator.close()  # type: ignore[attr-defined]
            except ValueError:  # it is running: the caller is inside it
                pass
        if self._close_stream and self._stream is not None:
            self._close_stream = False
            try:
                self._stream.close()
            except OSError:
                pass

    def __enter__(self) -> "Sweep":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_CLOSED: Any = object()  # stands for a run that has ended


class _TooLong(int):
    """Stands for a line over MAX_LINE_BYTES (its bytes skipped): its length."""


def _split(blocks: Iterable[bytes], name: str) -> Iterator[tuple[int, bytes | int]]:
    """(line number, line) for each line of the byte blocks: split on b"\\n" only, one "\\r"
    before it dropped; a line over MAX_LINE_BYTES comes as its length (_TooLong) instead, its
    bytes skipped. (0, 0) marks the end of a short block (the source gave what it had), (-1, 0)
    an idle source. More than MAX_SWEEP_BYTES in all is a DocumentError."""
    number, read = 0, 0
    pending = b""      # the start of a line whose end is in a later block
    overlong = -1      # the length so far of an overlong line being skipped, or -1
    for block in blocks:
        if not block:  # the source has nothing ready: say so, and carry on
            yield -1, 0
            continue
        read += len(block)
        start = 0
        while True:
            end = block.find(b"\n", start)
            if end < 0:
                break
            number += 1
            if overlong >= 0:
                yield number, _TooLong(overlong + end - start)
                overlong = -1
            else:
                line = pending + block[start:end] if pending else block[start:end]
                pending = b""
                if line.endswith(b"\r"):
                    line = line[:-1]
                yield number, (line if len(line) <= MAX_LINE_BYTES else _TooLong(len(line)))
            start = end + 1
        rest = block[start:]
        if overlong >= 0:
            overlong += len(rest)
        elif rest:
            pending += rest
            if len(pending) > MAX_LINE_BYTES + 1:
                overlong, pending = len(pending), b""
        if len(block) < _READ:
            yield 0, 0  # the reader gave what there was: hand on the lines read so far
        if read > MAX_SWEEP_BYTES:
            raise DocumentError([Problem(
                f"is over {MAX_SWEEP_BYTES:,} bytes, the limit of a sweep input (reading "
                f"stopped in line {number + 1}); split it into several files", where=name)])
    if overlong >= 0:
        yield number + 1, _TooLong(overlong)
    elif pending:
        line = pending[:-1] if pending.endswith(b"\r") else pending
        yield number + 1, (line if len(line) <= MAX_LINE_BYTES else _TooLong(len(line)))


def _would_wait(stream: Any) -> Any:
    """A function telling whether reading `stream` (a pipe, a terminal) would wait now, or
    None when that cannot be told (then reading just waits)."""
    try:
        fd = stream.fileno()
        import select
        poller = select.poll()
        poller.register(fd, select.POLLIN)
    except (OSError, AttributeError, ValueError, ImportError):  # no poll() on Windows
        return None
    return lambda: not poller.poll(0)


def _open_file(path: str) -> Any:
    where = path
    try:
        if os.path.isdir(path):
            raise DocumentError([Problem("is a directory; give the path of a workload file",
                                         where=where)])
        return open(path, "rb")
    except FileNotFoundError:
        raise DocumentError([Problem("does not exist", where=where)]) from None
    except PermissionError:
        raise DocumentError([Problem("cannot be read (permission denied)", where=where)]) from None
    except OSError as exc:
        raise DocumentError([Problem(f"cannot be read ({exc.strerror or exc})",
                                     where=where)]) from None
    except ValueError:  # a NUL in the name
        raise DocumentError([Problem("is not a usable file name", where=where)]) from None


def _size(stream: Any) -> int | None:
    """The size of a regular file, or None (a pipe, a device)."""
    import stat
    try:
        info = os.fstat(stream.fileno())
    except (OSError, AttributeError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _list_hint(message: str) -> str:
    """What to do when a YAML/JSON list cannot be read whole."""
    if message.startswith("is not valid YAML") or "YAML documents" in message:
        return " (for one JSON workload per line, name the file .jsonl or give --input-format " \
               "jsonl)"
    if "more than" in message:
        return (" (a YAML/JSON list is read whole, within the limits of one workload file; "
                "for more workloads write one JSON workload per line)")
    return ""


def _json_list(text: str, where: str) -> Any:
    """A JSON list YAML could not read, within the same limits (and no duplicate keys)."""
    try:
        value = decode_json(text)
    except ValueError as exc:
        raise DocumentError([Problem(f"is not valid JSON: {exc}", where=where)]) from None
    except RecursionError:
        raise DocumentError([Problem("is nested too deeply", where=where)]) from None
    check_size(value, where)
    if not isinstance(value, list):
        raise DocumentError([Problem("is not a list of workloads", where=where)])
    return value


def _item_lines(text: str, count: int) -> list[int]:
    """The line where each item of the top-level list starts (1-based)."""
    import yaml
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        lines = [node.start_mark.line + 1 for node in root.value]
    except Exception:  # read as JSON by load_text (a surrogate-pair escape): count newlines
        lines = []
    if len(lines) != count:
        try:
            lines = _json_item_lines(text, count)
        except (ValueError, IndexError):  # cannot be told: the line where the list starts
            lines = [1] * count
    return lines


def _json_item_lines(text: str, count: int) -> list[int]:
    decoder = json.JSONDecoder()
    lines, position = [], text.index("[") + 1
    for _ in range(count):
        while text[position] in " \t\r\n,":
            position += 1
        lines.append(text.count("\n", 0, position) + 1)
        _, position = decoder.raw_decode(text, position)
    return lines


# --- the work, in this process or in a worker ----------------------------------------------

def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def _encode(record: dict[str, Any]) -> str:
    """One JSON line; line and paragraph separators escaped so that no reader splitting on
    Unicode line ends (str.splitlines, JavaScript) breaks a record in two. (A record rarely
    holds one, and translate() walks every character of a 20 KB record: it runs only when one
    is there.)"""
    text = json.dumps(record, ensure_ascii=False)
    if "\u2028" in text or "\u2029" in text or "\x85" in text:
        text = text.translate(_SEPARATORS)
    return text + "\n"


def _brief_line(number: int, advice: Any) -> str:
    """The JSON line of `{"line", "name", "choices": brief(advice)}`, as _encode() writes it,
    put together from each name's JSON text (written once per name and process; a rule's
    choice once per rule book) instead of building the mapping and encoding it: a --brief
    sweep writes one per workload."""
    from ._advice import _Pending, brief as choices_of
    text = _JSON_TEXT
    name = advice.workload.name
    pending = advice.__dict__.get("_recommendations")
    book = advice.book
    if type(pending) is _Pending and book is not None and pending.rules is book.rules:
        chosen = _choice_texts(book)  # the items are the rules' indices (or _Written items)
        groups = []
        for category, items in pending.items.items():
            names = [chosen[i] if type(i) is int else _json_text(i.choice) for i in items]
            groups.append(f"{text.get(category) or _json_text(category)}: [{', '.join(names)}]")
    else:
        groups = [f"{text.get(category) or _json_text(category)}: "
                  f"[{', '.join([text.get(n) or _json_text(n) for n in names])}]"
                  for category, names in choices_of(advice).items()]
    return (f'{{"line": {number}, "name": {text.get(name) or _json_text(name)}, '
            f'"choices": {{{", ".join(groups)}}}}}\n')


def _choice_texts(book: Any) -> list[str]:
    """The JSON text of each rule's choice, by rule index (once per rule book and process)."""
    texts = book.__dict__.get("_choice_json")
    if texts is None:  # two threads may both write it: the same list
        texts = book.__dict__["_choice_json"] = [_encode(rule.choice)[:-1] for rule in book.rules]
    return texts


#: The JSON text of each name a --brief line has written (names, categories, choices).
_JSON_TEXT: dict[str, str] = {}


def _json_text(name: str) -> str:
    """A string as _encode() writes it (separators escaped), remembered for the next line
    (a workload's name only while few are: names are often all different)."""
    found = _encode(name)[:-1]
    if len(_JSON_TEXT) < 8192:
        _JSON_TEXT[name] = found
    return found


def _work(chunk: list[tuple[int, Any]], context: tuple[str, bool, bool, dict[str, Any]]
          ) -> list[tuple[int, bool, Any]]:
    """The records of one chunk of lines: (line, ok, dict or JSON line)."""
    from ._advice import brief as choices_of
    from ._core import _recommender
    name, format_given, encode, settings = context
    options = dict(settings)
    brief = options.pop("brief")
    recommender = _recommender(**options)  # made once per configuration and process
    out = []
    for number, item in chunk:
        where = f"{name}, line {number}"
        try:
            value = _parse(number, item, where, format_given)
            advice = recommender.advise(value)
        except InputError as exc:
            record: dict[str, Any] = {"line": number, "error": str(exc.located(where))}
            ok = False
        else:
            ok = True
            if brief and encode:  # the line written straight from the rules' choices
                out.append((number, ok, _brief_line(number, advice)))
                continue
            if brief:
                record = {"line": number, "name": advice.workload.name,
                          "choices": choices_of(advice)}
            else:
                record = {"line": number, "name": advice.workload.name,
                          "advice": advice.to_dict()}
        out.append((number, ok, _encode(record) if encode else record))
    return out


def _parse(number: int, item: Any, where: str, format_given: bool) -> Any:
    """The workload value of one line (bytes), or of a list item (already parsed)."""
    if isinstance(item, _TooLong):
        raise DocumentError([Problem(
            f"is {item:,} bytes long; a line may hold {MAX_LINE_BYTES:,}", where=where)])
    if not isinstance(item, bytes):
        check_size(item, where)
        _check_characters(item, where)
        return item
    try:
        text = item.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError([Problem(
            f"is not UTF-8 text (bad byte at column {exc.start + 1})", where=where)]) from None
    try:
        value = decode_json(text)
    except json.JSONDecodeError as exc:
        hint = ""
        if not format_given and text.lstrip()[:1] in ("-", "["):
            hint = ("; for a YAML or JSON list, name the file .yaml or .json, or give "
                    "--input-format yaml")
        raise DocumentError([Problem(
            f"is not a JSON workload ({exc.msg} at column {exc.colno}){hint}",
            where=where)]) from None
    except ValueError as exc:  # a duplicate key
        raise DocumentError([Problem(f"is not a JSON workload ({exc})", where=where)]) from None
    except RecursionError:
        raise DocumentError([Problem("is nested too deeply", where=where)]) from None
    # A line of at most MAX_NODES bytes with at most MAX_DEPTH brackets cannot hold more
    # values or deeper nesting than a workload may (each value takes a byte, each level a
    # bracket), and a lone surrogate can only come from a \u escape: the walks over the value
    # are needed only beyond that.
    if len(item) > MAX_NODES or item.count(b"{") + item.count(b"[") > MAX_DEPTH:
        check_size(value, where)
    if b"\\u" in item:
        _check_characters(value, where)
    return value


def _check_characters(value: Any, where: str) -> None:
    """Refuse text that is not made of characters (a lone surrogate, from a \\u escape): no
    record could be written for it."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise DocumentError([Problem("holds a \\u escape that is not a character (a lone "
                                     "surrogate)", where=where)]) from None
    except (TypeError, ValueError):  # not plain data (a Workload given in Python): advise() checks
        pass
