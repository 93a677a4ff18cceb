"""Writing output files without ever destroying input.

Every `-o FILE` the tool writes goes through `AtomicOutput`:

- Before any work, the target is checked: it may not be a file the run reads (the same file
  however it is reached: the same path, a symbolic link, a hard link, or standard input
  redirected from it), it may not be a directory, its directory must exist and be writable,
  and an existing file must be writable. Each refusal is an `OutputError` (an `InputError`: the
  CLI exits with status 2) whose one-line message names the path.
- The output is written to a temporary file with an unpredictable name (`tempfile.mkstemp`)
  in the target's directory, and renamed over the target (`os.replace`) only once it is
  complete. Until then the target keeps exactly its previous content, or stays absent.
- When the work fails or is interrupted, the temporary file is deleted, unless the writer
  asked to keep partial work (`keep_partial=True`, used by `recommend sweep`): then the
  complete records written so far (each `write()` call is one record) are kept as
  `<target>.partial`, and `partial_path` says where. The target itself is never touched.
- A symbolic link as target is followed: the file it points to is replaced. An existing
  target that is not a regular file (a device such as /dev/null, a named pipe) is written
  directly, as a shell redirection would.
- `-` (or None) means standard output, written as it comes (there is nothing to rename).
"""

from __future__ import annotations

import errno
import io
import os
import signal
import stat
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from ._errors import InputError, Problem

__all__ = ["AtomicOutput", "OutputError", "check_target", "refuse_same_file", "partial_name",
           "write_text_atomically", "prepare_standard_streams", "silence_stdout",
           "write_error", "deferred_interrupts", "STDOUT", "STDIN"]

STDOUT = "<stdout>"
STDIN = "<stdin>"
_BUFFER = 1 << 16  # bytes gathered before a write to the temporary file


class OutputError(InputError):
    """An output cannot be written where asked (exit status 2, like unusable input)."""


def _fail(where: str, message: str) -> OutputError:
    return OutputError([Problem(message, where=where)])


def _is_stdout(target: Any) -> bool:
    return target is None or str(target) == "-"


def _identity(name: Any) -> tuple[os.stat_result | None, str]:
    """(stat of the file behind an input or output name, how to call it in a message);
    None when it cannot be told (a missing file, a closed stream)."""
    try:
        if _is_stdout(name):
            return None, "-"
        return os.stat(name), str(name)
    except (OSError, ValueError):
        return None, str(name)


def _same(a: os.stat_result | None, b: os.stat_result | None) -> bool:
    return (a is not None and b is not None and stat.S_ISREG(a.st_mode)
            and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino))


def _fd_stat(fd: int) -> os.stat_result | None:
    try:
        return os.fstat(fd)
    except OSError:
        return None


def refuse_same_file(inputs: Iterable[Any], target: Any, *, partial: bool = False) -> None:
    """Raise OutputError when `target` (a path; `-` or None: standard output) is a file one of
    `inputs` (paths; `-`: standard input) reads. Files are the same when their device and inode
    numbers are, however they are reached: the same path, a symbolic or hard link, standard
    input or output redirected from or to the file. With `partial`, `<target>.partial` (where
    interrupted work is kept) may not be an input either."""
    if _is_stdout(target):
        outputs = [(_fd_stat(1), "standard output")]
    else:
        outputs = [(_identity(target)[0], str(target))]
        if partial:
            kept = partial_name(target)
            outputs.append((_identity(kept)[0], kept))
    for name in inputs:
        if name is None:
            continue
        if str(name) == "-":
            seen, label = _fd_stat(0), "standard input"
        else:
            seen, label = _identity(name)
        for out_stat, out_label in outputs:
            if _same(seen, out_stat):
                if out_label == "standard output":
                    what = (f"standard output is the file {label} reads from"
                            if label == "standard input"
                            else f"standard output is the input file {label}")
                    raise OutputError([Problem(
                        f"{what}; writing it would destroy the input, so nothing was done "
                        "(write the output to another file)")])
                source = ("the file standard input reads from" if label == "standard input"
                          else f"the input file {label}")
                raise _fail(out_label, f"is {source} (the same file); writing it would "
                            "destroy the input, so nothing was done (choose another -o)")


def partial_name(target: Any) -> str:
    """Where interrupted work for `target` is kept: beside the file it names (a symbolic link
    followed), with `.partial` added."""
    try:
        return os.path.realpath(target) + ".partial"
    except (OSError, ValueError):
        return f"{target}.partial"


def check_target(target: Any, inputs: Iterable[Any] = (), *, partial: bool = False) -> None:
    """Every check `AtomicOutput` makes before any work: `refuse_same_file`, and that the
    target can be written (not a directory, its directory exists and can be written, an
    existing file can be written). Raises OutputError naming the path."""
    refuse_same_file(inputs, target, partial=partial)
    if _is_stdout(target):
        return
    _plan(str(target))


def _plan(target: str) -> tuple[str, bool]:
    """(the path to write, whether it is written atomically), or OutputError."""
    try:
        if "\x00" in target:
            raise ValueError
        try:
            info = os.stat(target)
        except FileNotFoundError:
            info = None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise _fail(target, "is a directory; give the path of a file to write")
        if info is not None and not stat.S_ISREG(info.st_mode):
            if not os.access(target, os.W_OK):
                raise _fail(target, "cannot be written (permission denied)")
            return target, False  # a device or a pipe: written in place
        real = os.path.realpath(target)
        folder = os.path.dirname(real) or "."
        if not os.path.isdir(folder):
            raise _fail(target, f"cannot be written: the directory {folder} does not exist")
        if info is not None and not os.access(real, os.W_OK):
            raise _fail(target, "cannot be written (permission denied)")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise _fail(target, f"cannot be written: no permission to create files in {folder}")
        return real, True
    except ValueError:
        raise _fail(repr(target), "is not a usable file name") from None
    except OSError as exc:
        raise _fail(target, f"cannot be written ({_reason(exc)})") from None


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the device"
    return (exc.strerror or str(exc)).lower() if exc.strerror else str(exc)


def write_error(exc: OSError, where: str = STDOUT) -> OutputError:
    """The OutputError for a failed write (a full disk, an I/O error, a closed stream)."""
    if exc.errno == errno.EBADF:
        return _fail(where, "is closed; nothing can be written to it")
    return _fail(where, f"cannot be written ({_reason(exc)})")


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


class AtomicOutput:
    """A text output that replaces `target` only when complete (see the module docstring).

        with AtomicOutput("out.jsonl", inputs=["in.jsonl"], keep_partial=True) as out:
            for record in records:
                out.write(record)      # one complete record per call

    The checks run when the object is made (before any work); the temporary file is created on
    entering the `with`. `target` `-` or None writes to standard output. After the block,
    `partial_path` is the `.partial` file kept on failure (None if none), `kept` the number of
    records (`write()` calls) it or the target holds, and `written` the number of characters
    given to completed `write()` calls.
    """

    def __init__(self, target: Any, *, inputs: Iterable[Any] = (), keep_partial: bool = False,
                 encoding: str = "utf-8"):
        self.target = None if _is_stdout(target) else str(target)
        self.keep_partial = keep_partial
        self.encoding = encoding
        self.partial_path: str | None = None
        self.written = 0
        check_target(self.target, list(inputs), partial=keep_partial)
        self._path, self.atomic = (None, False) if self.target is None else _plan(self.target)
        self._fd: int | None = None
        self._temp: str | None = None
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._good = 0  # bytes of complete records on disk
        self.kept = 0  # records (write() calls) on disk: in the target, or in the .partial

    @property
    def name(self) -> str:
        return self.target if self.target is not None else STDOUT

    # --- the context manager -------------------------------------------------------------
    def __enter__(self) -> "AtomicOutput":
        if self.target is None:
            return self
        try:
            if self.atomic:
                assert self._path is not None
                folder, base = os.path.split(self._path)
                import tempfile  # only when a file is written (not for the terminal)
                self._fd, self._temp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp",
                                                        dir=folder or ".")
            else:
                self._fd = os.open(self.target, os.O_WRONLY | os.O_TRUNC | getattr(
                    os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise _fail(self.target, f"cannot be written ({_reason(exc)})") from None
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is None:
            self.commit()
        else:
            with deferred_interrupts():
                self.abort()

    # --- writing -------------------------------------------------------------------------
    def write(self, text: str) -> None:
        """Write one complete record (or any text); a failure raises OutputError, or
        BrokenPipeError when standard output's reader has gone."""
        if self.target is None:
            self._write_stdout(text)
            return
        data = text.encode(self.encoding)
        self._pending.append(data)  # one item per record: kept counts them
        self._pending_size += len(data)
        if self._pending_size >= _BUFFER:
            self._flush()
        self.written += len(text)

    def flush(self) -> None:
        if self.target is None:
            self._flush_stdout()
        else:
            self._flush()

    def _write_stdout(self, text: str) -> None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()  # a reader (`| head`, a pipeline) gets each record at once
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise write_error(exc) from None
        self.written += len(text)
        self.kept += 1

    def _flush_stdout(self) -> None:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise write_error(exc) from None

    def _flush(self) -> None:
        """Write the gathered records. A failure part way (a full disk, Ctrl-C between two
        system calls) rewinds to the end of the last complete write and keeps the records
        gathered, so that a `.partial` file never ends inside a record."""
        if not self._pending or self._fd is None:
            return
        data = b"".join(self._pending)
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view):]
        except BaseException as exc:
            if self.atomic:  # the records stay gathered, to be written again from _good
                try:
                    os.ftruncate(self._fd, self._good)
                    os.lseek(self._fd, self._good, os.SEEK_SET)
                except OSError:
                    pass
            if isinstance(exc, OSError):
                raise _fail(self.name, f"cannot be written ({_reason(exc)})") from None
            raise
        self.kept += len(self._pending)
        self._pending, self._pending_size = [], 0
        self._good += len(data)

    # --- ending ----------------------------------------------------------------------------
    def commit(self) -> None:
        """Finish: flush and move the complete output over the target."""
        if self.target is None:
            self._flush_stdout()
            return
        if self._fd is None:
            return
        self._flush()
        fd, self._fd = self._fd, None
        try:
            if self.atomic:
                os.fsync(fd)
                _chmod(fd, self._mode())
            os.close(fd)
            fd = -1
            if self.atomic:
                assert self._temp is not None and self._path is not None
                os.replace(self._temp, self._path)
                self._temp = None
        except OSError as exc:
            self._discard(fd)
            raise _fail(self.name, f"cannot be written ({_reason(exc)})") from None

    def abort(self) -> None:
        """Give up: the target is left as it was; the complete records written so far are
        kept as `<target>.partial` when `keep_partial`, else deleted."""
        if self.target is None or self._fd is None:
            return
        fd, self._fd = self._fd, None
        if not self.atomic:
            _close(fd)
            return
        if self.keep_partial:
            try:
                self._fd = fd
                self._flush()  # the records gathered are complete: keep them too
            except OutputError:
                pass
            self._fd = None
            try:
                os.ftruncate(fd, self._good)  # only complete records
                _chmod(fd, self._mode())
                os.close(fd)
                fd = -1
                if self._good:
                    assert self._temp is not None
                    kept = partial_name(self.target)
                    os.replace(self._temp, kept)
                    self._temp = None
                    self.partial_path = (f"{self.target}.partial" if kept == os.path.abspath(
                        f"{self.target}.partial") else kept)
            except OSError:
                pass
        self._discard(fd)

    def _discard(self, fd: int) -> None:
        if fd >= 0:
            _close(fd)
        if self._temp is not None:
            try:
                os.unlink(self._temp)
            except OSError:
                pass
            self._temp = None

    def _mode(self) -> int:
        try:
            return stat.S_IMODE(os.stat(self._path).st_mode)  # type: ignore[arg-type]
        except OSError:
            return 0o666 & ~_umask()


def _chmod(fd: int, mode: int) -> None:
    """The mode the target had (or a new file's, from the umask): mkstemp makes files 0600."""
    if hasattr(os, "fchmod"):  # not on Windows
        os.fchmod(fd, mode)


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def write_text_atomically(target: Any, text: str, inputs: Iterable[Any] = ()) -> None:
    """Write the whole `text` of a non-streaming format to `target` (`-`/None: standard
    output) through AtomicOutput: checked first, the target replaced only when complete, no
    partial file on failure."""
    with AtomicOutput(target, inputs=inputs) as out:
        out.write(text)


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) during a short clean-up, then raise it: a second Ctrl-C must
    not leave a half-renamed file or a half-stopped worker pool. Only the main thread can do
    this; elsewhere it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *args: caught.append(args))
    except (ValueError, TypeError):  # no signal handling here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


# --- the standard streams -----------------------------------------------------------------

class _ClosedStream(io.RawIOBase):
    """Stands for a standard stream that was closed when the program started: any use is an
    OutputError (or, for standard input, an InputError) that says so."""

    def __init__(self, where: str, error: type):
        super().__init__()
        self.where, self.error = where, error

    def readable(self) -> bool:
        return self.where == STDIN

    def writable(self) -> bool:
        return self.where == STDOUT

    def readinto(self, buffer: Any) -> int:
        raise self.error([Problem("is closed; nothing can be read from it", where=self.where)])

    def write(self, data: Any) -> int:
        raise self.error([Problem("is closed; nothing can be written to it (give -o FILE or "
                                  "redirect standard output)", where=self.where)])


def _hold(fd: int, flags: int) -> None:
    """Keep a closed standard descriptor taken (by /dev/null), so a file opened later never
    becomes descriptor 0 or 1 by accident."""
    try:
        os.fstat(fd)
        return
    except OSError:
        pass
    try:
        spare = os.open(os.devnull, flags)
        if spare != fd:
            os.dup2(spare, fd)
            os.close(spare)
    except OSError:
        pass


def prepare_standard_streams() -> None:
    """Make a closed standard input or output an error rather than silence: Python sets
    sys.stdin/sys.stdout to None when the descriptor is closed, and click then writes
    nothing and succeeds. Reading a closed standard input raises InputError; writing a closed
    standard output raises OutputError (both exit status 2)."""
    from ._errors import DocumentError
    if sys.stdin is None:
        _hold(0, os.O_WRONLY)  # reading it fails, should anything try
        sys.stdin = io.TextIOWrapper(io.BufferedReader(_ClosedStream(STDIN, DocumentError)),
                                     encoding="utf-8")
    if sys.stdout is None:
        _hold(1, os.O_RDONLY)  # writing it fails, should anything try
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(_ClosedStream(STDOUT, OutputError)),
                                      encoding="utf-8", errors="backslashreplace")


def silence_stdout() -> None:
    """After standard output failed (a closed pipe, a full disk): send what is still buffered
    to /dev/null, so that Python's final flush neither fails nor prints a warning."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
        finally:
            os.close(devnull)
    except OSError:
        pass
    stream = sys.stdout
    if stream is None or not hasattr(stream, "fileno") or _unusable(stream):
        sys.stdout = open(os.devnull, "w", encoding="utf-8")


def _unusable(stream: Any) -> bool:
    try:
        return stream.fileno() != 1
    except (OSError, ValueError, io.UnsupportedOperation):
        return True
