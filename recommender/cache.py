"""A small on-disk cache of validated data (the rule base, the lifecycle catalogue), so that a
command-line run does not validate the same files again.

Entries are plain JSON (never pickled objects), named by what they hold and a key that covers
their source files and the code that validates them. Any problem reading or writing the cache
just means the caller validates from scratch. RECOMMENDER_CACHE_DIR moves the cache; an empty
value turns it off; the default is $XDG_CACHE_HOME/recommender or ~/.cache/recommender.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ._version import __version__

__all__ = ["read", "write", "folder"]

_CODE = ("rulebook.py", "conditions.py", "solver.py", "workload.py", "categories.py",
         "lifecycle.py", "catalogue/rows.yaml", "catalogue/choices.yaml",
         "catalogue/lifecycle.yaml")


def folder() -> Path | None:
    configured = os.environ.get("RECOMMENDER_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "recommender"


@lru_cache(maxsize=1)
def _fingerprint() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def _path(kind: str, key: str) -> Path | None:
    base = folder()
    return None if base is None else base / f"{kind}-{_fingerprint()}-{key[:32]}.json"


def read(kind: str, key: str) -> Any | None:
    """The cached data, or None when there is none (or it cannot be read)."""
    try:
        path = _path(kind, key)
        if path is None or not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except Exception:
        return None


def write(kind: str, key: str, data: Any) -> None:
    """Store data; a read-only home or a full disk only costs the next run some time."""
    try:
        path = _path(kind, key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
    except Exception:
        return
