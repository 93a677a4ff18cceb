"""A small on-disk cache of validated data (the rule base, the lifecycle catalogue), so that a
command-line run does not parse and validate the same files again.

The cache is verified, never trusted. Whoever can write the cache folder (another user of a
shared RECOMMENDER_CACHE_DIR, a CI cache restored from another branch or runner, a damaged
disk) must not be able to change the advice, leak data, or make a run fail. So:

* **Authentic.** Each entry carries an HMAC-SHA256 of its bytes, keyed with a random 32-byte
  secret of this user that is never stored in the cache folder: it lives in
  $XDG_STATE_HOME/recommender/cache-key (default ~/.local/state/recommender), a file of mode
  0600 in a folder of mode 0700, and is used only when it is a regular file owned by this user
  that no one else can read. A plain hash (sha256 of the source digest and the data) would
  catch damage but not forgery: anyone who can write the entry can recompute it. Without the
  key nobody can produce an entry that verifies, so a poisoned or foreign entry (including one
  restored together with the cache folder from another machine) is simply rebuilt. The MAC
  covers the kind of entry, its key (the digest of the source files), a fingerprint of every
  module and catalogue file of the installed package (so that code which validates or reads
  differently never reads another version's entry) and the data.
* **Checked again.** The data goes through the same validators as the files it came from:
  the lifecycle catalogue is validated whole, and every cached rule goes through the rule
  loader's per-rule checks (fields, id and file, category, choice, row ids, placeholders, the
  condition with its value ranges and size). Only the cross-rule proofs (examples, ties,
  coverage of every category) and the plan of durable-rules rulesets (which rules share a
  ruleset within the engine's limits; used only when it places every rule once, in its own
  stage) are taken from an authentic entry without being redone: they are what the cache
  saves. So even an authentic entry written by older or buggy code cannot
  carry a placeholder that walks attributes (`{workload.__class__.__init__.__globals__}`), an
  unknown choice or a malformed condition.
* **Never fatal.** Any problem (missing, unreadable, foreign, forged, malformed or invalid
  entry, or no usable key) means the caller validates from scratch; a cache cannot make a run
  fail or exit 1.
* **Written safely.** Entries are written to an unpredictable temporary name (mkstemp, created
  exclusively, mode 0600) in the cache folder and moved into place with os.replace, which
  replaces a symbolic link planted at the final name instead of following it; entries are
  opened with O_NOFOLLOW (and O_NONBLOCK, so a planted FIFO cannot hang a run) and read within
  MAX_CACHE_BYTES. The folder is created with mode 0700; a cache folder that is a symbolic
  link is not used.

Entries are plain JSON (never pickled objects). RECOMMENDER_CACHE_DIR moves the cache; an empty
value turns it off; the default is $XDG_CACHE_HOME/recommender or ~/.cache/recommender.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

from ._version import __version__

__all__ = ["read", "write", "folder", "key_file", "MAX_CACHE_BYTES"]

#: The most bytes a cache entry may hold (the bundled rule base takes about 350 KB).
MAX_CACHE_BYTES = 16_000_000
_MAGIC = b"recommender-cache"
_FORMAT = b"2"
_KEY_BYTES = 32
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | \
    getattr(os, "O_CLOEXEC", 0)


def folder() -> Path | None:
    configured = os.environ.get("RECOMMENDER_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "recommender"


def key_file() -> Path:
    """Where this user's cache key lives: never inside the cache folder."""
    base = os.environ.get("XDG_STATE_HOME") or \
        os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "recommender" / "cache-key"


@lru_cache(maxsize=1)
def _fingerprint() -> str:
    """A digest of every module and catalogue file of the installed package."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted([*here.glob("*.py"),
                        *(here / "catalogue").glob("*.yaml")]):
        digest.update(f"{path.relative_to(here).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _path(base: Path, kind: str, key: str) -> Path:
    return base / f"{kind}-{_fingerprint()}-{key[:32]}.json"


def _own_folder(path: Path, create: bool) -> bool:
    """Whether `path` is a real folder (not a symbolic link) owned by this user, creating it
    (mode 0700) when asked. An existing folder's mode is left alone: it may be shared."""
    if create:
        try:
            path.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            pass
    info = os.lstat(path)
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()


def _usable_folder(path: Path) -> bool:
    """Whether entries may be read from or written to `path`: a real folder, not a link."""
    return stat.S_ISDIR(os.lstat(path).st_mode)


def _secret(create: bool) -> bytes | None:
    """This user's cache key, or None when there is none that can be trusted."""
    path = key_file()
    if not path.is_absolute():  # no home directory: `~` was left as it is
        return None
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return _new_secret(path) if create else None
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        secret = handle.read(_KEY_BYTES + 1)
    if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and \
            not info.st_mode & 0o077 and len(secret) == _KEY_BYTES:
        return secret
    if create and stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
        # our own key, but others may have read it (or it is damaged): replace it, which
        # also makes every entry written with it fail verification
        return _new_secret(path, replace=True)
    return None  # someone else's file (or not a file): no cache rather than their key


def _new_secret(path: Path, replace: bool = False) -> bytes | None:
    if not _own_folder(path.parent, create=True):
        return None
    import tempfile  # only when a key or an entry is written
    fd, temporary = tempfile.mkstemp(prefix=".cache-key-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(_KEY_BYTES))
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # never replaces a key another process just made
            except FileExistsError:
                pass
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
    return _secret(create=False)


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest().encode()


def read(kind: str, key: str) -> Any | None:
    """The cached data, or None when there is none, or it cannot be read or verified."""
    try:
        base = folder()
        if base is None or not _usable_folder(base):
            return None
        secret = _secret(create=False)
        if secret is None:
            return None
        fd = os.open(_path(base, kind, key), _OPEN_FLAGS)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
                return None
            blob = handle.read(MAX_CACHE_BYTES + 1)
        if len(blob) > MAX_CACHE_BYTES:
            return None
        header, _, payload = blob.partition(b"\n")
        parts = header.split(b" ")
        if len(parts) != 3 or parts[:2] != [_MAGIC, _FORMAT] or \
                not hmac.compare_digest(parts[2], _mac(secret, payload)):
            return None
        document = json.loads(payload.decode("utf-8"))
        if not isinstance(document, dict) or document.get("kind") != kind or \
                document.get("key") != key or document.get("code") != _fingerprint():
            return None
        return document.get("data")
    except Exception:  # missing, unreadable, foreign, forged or malformed: validate again
        return None


def write(kind: str, key: str, data: Any) -> None:
    """Store data; a read-only home or a full disk only costs the next run some time."""
    try:
        base = folder()
        if base is None:
            return
        secret = _secret(create=True)
        if secret is None:
            return
        try:
            base.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            pass
        if not _usable_folder(base):
            return
        payload = json.dumps({"kind": kind, "key": key, "code": _fingerprint(), "data": data},
                             ensure_ascii=False, separators=(",", ":"),
                             allow_nan=False).encode("utf-8")
        blob = b" ".join([_MAGIC, _FORMAT, _mac(secret, payload)]) + b"\n" + payload
        if len(blob) > MAX_CACHE_BYTES:
            return
        import tempfile  # only when a key or an entry is written
        fd, temporary = tempfile.mkstemp(prefix=f".{kind}-", suffix=".tmp", dir=base)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(temporary, _path(base, kind, key))
        except BaseException:
            os.unlink(temporary)
            raise
    except Exception:
        return
