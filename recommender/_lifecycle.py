"""The service lifecycle catalogue (catalogue/lifecycle.yaml): which recommendable AWS services,
features, algorithms and frameworks were renamed, closed to new customers, put in maintenance or
retired, since when, what replaces them, and the page that says so.

    from recommender.lifecycle import lifecycle
    entry = lifecycle("Amazon Forecast")          # also by current or former name, any case
    if entry and entry.needs_warning:
        print(entry.message())

The file is validated as a whole before anything uses it: every entry against a strict model
(unknown keys, wrong types and bad values are refused), then against the choice catalogue and
each other (unknown choice names, replacements that are not choices, dates in the future, URLs
off the allowed sites, closed entries with nothing to use instead, names that two entries
claim). Every problem is collected, located by entry index and key, and raised at once as a
LifecycleError. The bundled file is loaded once per process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

from ._catalogue import choices as catalogue_choices, find_choice
from ._documents import MAX_BYTES, decode, load_text, read_bytes
from ._errors import DocumentError, Problem, RecommenderError, did_you_mean

__all__ = ["Lifecycle", "LifecycleError", "STATUSES", "ALLOWED_URL_PREFIXES", "lifecycle",
           "all_entries", "load_lifecycle", "default_lifecycle_path"]

#: Every status an entry may have, in order of severity.
STATUSES = ("available", "renamed", "maintenance", "closed_to_new_customers", "retired")

#: A source must be an AWS page, or (for the Apache MXNet framework) an Apache page.
ALLOWED_URL_PREFIXES = ("https://docs.aws.amazon.com/", "https://aws.amazon.com/",
                        "https://mxnet.apache.org/", "https://attic.apache.org/")

_CLOSED = ("closed_to_new_customers", "retired")
_SINCE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_TOP_KEY = "lifecycle"


class LifecycleError(RecommenderError):
    """Raised when the lifecycle catalogue is invalid; lists every problem found."""


def default_lifecycle_path() -> Path:
    """The bundled catalogue, beside choices.yaml."""
    return Path(__file__).resolve().parent / "catalogue" / "lifecycle.yaml"


def _since_before(value: Any) -> Any:
    # YAML reads 2024-07-29 as a date and 2023-09 as text; both forms are ISO 8601.
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD or YYYY-MM), not a date and time")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        if not _SINCE.match(value):
            raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD or YYYY-MM)")
        try:
            _as_date(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a real calendar date") from None
    return value


def _names_after(value: list[str] | None) -> list[str] | None:
    if value is not None and any(not item.strip() for item in value):
        raise ValueError("must not contain empty names")
    return value


_Status = Literal["available", "renamed", "maintenance", "closed_to_new_customers", "retired"]
_ENTRY_TEXT = {"name": (1, 120), "current_name": (1, 160), "source_url": (12, 300)}
_ENTRY_KEYS = frozenset(("name", "current_name", "former_names", "status", "since",
                         "replacements", "replacement_note", "source_url"))


class _Fields(NamedTuple):
    """An entry's fields as the models give them (by _plain_entry, without pydantic)."""

    name: str
    current_name: str
    former_names: list[str]
    status: str
    since: str | None
    replacements: list[str]
    replacement_note: str | None
    source_url: str


def _plain_entry(item: Any) -> _Fields | None:
    """The entry's fields when the models would take it as it is, without importing pydantic
    (a run that reads the catalogue from the cache never does); None when unsure: the models
    then decide, and word every problem."""
    if type(item) is not dict or not item.keys() <= _ENTRY_KEYS:
        return None
    for key, (low, high) in _ENTRY_TEXT.items():
        value = item.get(key)
        if type(value) is not str or not low <= len(value) <= high:
            return None
    if item.get("status") not in STATUSES or type(item["status"]) is not str:
        return None
    lists = []
    for key in ("former_names", "replacements"):
        value = item.get(key, [])
        if type(value) is not list or \
                any(type(name) is not str or not name.strip() for name in value):
            return None
        lists.append(value)
    since, note = item.get("since"), item.get("replacement_note")
    if since is not None:
        if type(since) is not str:
            return None
        try:
            _since_before(since)
        except ValueError:
            return None
    if note is not None and (type(note) is not str or not 10 <= len(note) <= 400):
        return None
    return _Fields(item["name"], item["current_name"], lists[0], item["status"], since,
                   lists[1], note, item["source_url"])


@lru_cache(maxsize=None)
def _models() -> Any:
    """The pydantic models of the catalogue's entries, made when a check is not sure (and to
    word what is wrong)."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator

    class _Entry(BaseModel):
        """One entry as the file must give it."""

        model_config = ConfigDict(extra="forbid", strict=True)
        name: str = Field(min_length=1, max_length=120)
        current_name: str = Field(min_length=1, max_length=160)
        former_names: list[str] = Field(default_factory=list)
        status: _Status
        since: str | None = None
        replacements: list[str] = Field(default_factory=list)
        replacement_note: str | None = Field(default=None, min_length=10, max_length=400)
        source_url: str = Field(min_length=12, max_length=300)

        _since = field_validator("since", mode="before")(_since_before)
        _names = field_validator("former_names", "replacements")(_names_after)

    class _Partial(BaseModel):
        """The same fields, all optional: what is left of a broken entry once its bad keys are
        set aside, so that the remaining checks still run in the same pass."""

        model_config = ConfigDict(extra="ignore", strict=True)
        name: str | None = Field(default=None, min_length=1, max_length=120)
        current_name: str | None = Field(default=None, min_length=1, max_length=160)
        former_names: list[str] = Field(default_factory=list)
        status: _Status | None = None
        since: str | None = None
        replacements: list[str] = Field(default_factory=list)
        replacement_note: str | None = Field(default=None, min_length=10, max_length=400)
        source_url: str | None = Field(default=None, min_length=12, max_length=300)

        _since = field_validator("since", mode="before")(_since_before)
        _names = field_validator("former_names", "replacements")(_names_after)

    class _File(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        lifecycle: list[Any] = Field(min_length=1)

    return _Entry, _Partial, _File



def _as_date(since: str) -> date:
    """The first day a `since` value can mean (YYYY-MM counts from the 1st)."""
    return date.fromisoformat(since if len(since) == 10 else f"{since}-01")


@dataclass(frozen=True)
class Lifecycle:
    """The lifecycle of one choice."""

    name: str
    current_name: str
    former_names: tuple[str, ...]
    status: str
    since: str | None
    replacements: tuple[str, ...]
    replacement_note: str | None
    source_url: str

    @property
    def needs_warning(self) -> bool:
        """True unless the choice is simply available under its name."""
        return self.status != "available"

    @property
    def closed(self) -> bool:
        """True when new customers can no longer start using it."""
        return self.status in _CLOSED

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the entry answers to: choice name, current name, former names."""
        return _names_of(self.name, self.current_name, self.former_names)

    def message(self) -> str:
        """One sentence for a warning: what changed, since when, what to use, and the source."""
        since = f" since {self.since}" if self.since else ""
        now = (f" (now called {self.current_name})"
               if self.former_names and self.current_name.lower() != self.name.lower()
               else "")
        if self.status == "renamed":
            text = (f"{self.name} has been called {self.current_name}{since}" if self.since
                    else f"{self.name} is now called {self.current_name}")
            text += "; only the name changed, so the recommendation stands under the new name"
        elif self.status == "closed_to_new_customers":
            text = (f"{self.name}{now} has been closed to new customers{since}: accounts "
                    f"already using it keep it, but a new design should not depend on it")
        elif self.status == "retired":
            text = f"{self.name}{now} has been retired{since} and no longer receives updates"
        elif self.status == "maintenance":
            text = (f"{self.name}{now} has been in maintenance{since}: it keeps working but "
                    f"gets no new features")
        else:
            text = f"{self.name} is available"
        if self.replacements:
            text += f"; use {' or '.join(self.replacements)} instead"
        if self.replacement_note:
            note = self.replacement_note.strip().rstrip(".")
            text += f" \N{EM DASH} {note}" if self.replacements else f"; {note}"
        return f"{text} (source: {self.source_url})."


def load_lifecycle(path: str | Path | None = None) -> list[Lifecycle]:
    """Load and validate a lifecycle catalogue; the bundled one (cached) when `path` is None.

    Raises LifecycleError listing every problem, each located by file, entry and key."""
    if path is None:
        return list(_bundled())
    return _load(Path(path))


@lru_cache(maxsize=1)
def _bundled() -> tuple[Lifecycle, ...]:
    """The bundled catalogue, validated once per process. The parsed document is cached
    (cache.py) to save the YAML parse, and validated whole again when read from the cache."""
    import hashlib

    from . import _cache as cache
    path = default_lifecycle_path()
    raw = _read(path)
    key = hashlib.sha256(raw).hexdigest()
    cached = cache.read("lifecycle", key)
    if cached is not None:
        try:
            return tuple(_validated(cached, str(path)))
        except Exception:  # a foreign or damaged entry: read the file
            pass
    document = _parse(raw, str(path))
    entries = tuple(_validated(document, str(path)))
    cache.write("lifecycle", key, _plain(document))
    return entries


def _plain(value: Any) -> Any:
    """The document as JSON can hold it: dates (since: 2024-07-29) in their ISO form, which
    the `since` check reads the same way."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


def _read(path: Path) -> bytes:
    """The catalogue's bytes, at most MAX_BYTES of them (checked while reading)."""
    try:
        return read_bytes(path, str(path), MAX_BYTES, "the lifecycle catalogue")
    except DocumentError as exc:
        raise LifecycleError(exc.problems) from None


def _load(path: Path, today: date | None = None, content: bytes | None = None
          ) -> list[Lifecycle]:
    """Validate the catalogue at `path` (its bytes, when already read, in `content`)."""
    where = str(path)
    return _validated(_parse(_read(path) if content is None else content, where), where, today)


def _parse(text: bytes, where: str) -> Any:
    try:
        return load_text(decode(text, where), where)
    except DocumentError as exc:  # impossible dates (since: 2025-13-01) included
        raise LifecycleError(exc.problems) from None


def _validated(raw: Any, where: str, today: date | None = None) -> list[Lifecycle]:
    """Every check of the catalogue on its parsed document (from the file or the cache)."""
    if type(raw) is dict and raw.keys() == {_TOP_KEY} and type(raw[_TOP_KEY]) is list and \
            raw[_TOP_KEY]:
        items = raw[_TOP_KEY]
    else:
        from pydantic import ValidationError
        _Entry, _Partial, _File = _models()
        try:
            items = _File.model_validate(raw).lifecycle
        except ValidationError as exc:
            raise LifecycleError(_pydantic_problems(exc, where, _File, "")) from None

    today = today or date.today()
    known = catalogue_choices()
    problems: list[Problem] = []
    entries: list[Lifecycle] = []
    claims: list[tuple[int, str, tuple[str, ...]]] = []   # (index in file, label, names)
    for index, item in enumerate(items):
        prefix = f"{_TOP_KEY}[{index}]"
        label = item.get("name") if isinstance(item, dict) else None
        data: Any = _plain_entry(item)
        whole = data is not None
        if data is None:
            from pydantic import ValidationError
            _Entry = _models()[0]
            try:
                data = _Entry.model_validate(item)
                whole = True
            except ValidationError as exc:
                problems.extend(_pydantic_problems(exc, where, _Entry, prefix, label))
                data = _salvage(item, exc)
                if data is None:
                    continue
        named = data.name or "?"
        problems.extend(Problem(f"({named}) {message}", key=f"{prefix}.{key}", where=where,
                                suggestion=suggestion)
                        for key, message, suggestion in _check_entry(data, today, known))
        names = _names_of(data.name, data.current_name, data.former_names)
        claims.append((index, named, names))
        if whole:
            entries.append(Lifecycle(data.name, data.current_name, tuple(data.former_names),
                                     data.status, data.since, tuple(data.replacements),
                                     data.replacement_note, data.source_url))
    problems.extend(_check_names(claims, where))
    if problems:
        raise LifecycleError(problems)
    return entries


def _salvage(item: Any, exc: Any) -> Any:
    """What is left of a broken entry once the keys with errors are set aside."""
    if not isinstance(item, dict):
        return None
    bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
    from pydantic import ValidationError
    try:
        return _models()[1].model_validate({k: v for k, v in item.items() if k not in bad})
    except ValidationError:  # pragma: no cover - every key with an error was set aside
        return None


def _pydantic_problems(exc: Any, where: str, model: Any, prefix: str,
                       label: Any = None) -> list[Problem]:
    named = f"({label}) " if isinstance(label, str) and label else ""
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        key = ".".join([prefix] + loc if prefix else loc) or None
        top = model is _models()[2]
        if err["type"] == "extra_forbidden":
            field = loc[-1]
            what = "a top-level key" if top else "a lifecycle field"
            out.append(Problem(f"{named}is not {what}", key=key, where=where,
                               allowed=tuple(model.model_fields),
                               suggestion=did_you_mean(field, model.model_fields)))
        elif err["type"] == "literal_error":
            out.append(Problem(f"{named}{err['input']!r} is not a status", key=key,
                               where=where, allowed=STATUSES,
                               suggestion=did_you_mean(str(err["input"]), STATUSES)))
        else:
            message = err["msg"]
            if err["type"] == "value_error":
                message = str(err["ctx"]["error"])
            elif err["type"] == "model_type":
                message = ("must be a mapping whose `lifecycle` key holds the list of entries"
                           if top else "must be a mapping of lifecycle fields")
            out.append(Problem(f"{named}{message[0].lower()}{message[1:]}", key=key,
                               where=where))
    return out


def _check_entry(data: Any, today: date, known: dict[str, Any]
                 ) -> list[tuple[str, str, str | None]]:
    """(key, message, suggestion) for each rule the entry breaks; checks that need a field the
    entry lacks (because it was missing or broken, already reported) are skipped."""
    bad: list[tuple[str, str, str | None]] = []

    def add(key: str, message: str, suggestion: str | None = None) -> None:
        bad.append((key, message, suggestion))

    if data.name is not None and data.name not in known:
        add("name", f"{data.name!r} is not a choice of choices.yaml",
            did_you_mean(data.name, known))
    for i, replacement in enumerate(data.replacements):
        if replacement not in known:
            add(f"replacements[{i}]", f"{replacement!r} is not a choice of choices.yaml",
                did_you_mean(replacement, known))
        elif replacement == data.name:
            add(f"replacements[{i}]", "an entry cannot replace itself")
    if data.source_url is not None:
        if not data.source_url.startswith(ALLOWED_URL_PREFIXES):
            add("source_url", f"{data.source_url!r} must start with one of "
                + ", ".join(ALLOWED_URL_PREFIXES))
        elif any(ch.isspace() for ch in data.source_url):
            add("source_url", "must not contain spaces")
    if data.since is not None and _as_date(data.since) > today:
        add("since", f"{data.since} is in the future (today is {today.isoformat()})")

    if data.status == "available":
        for key in ("since", "replacements", "replacement_note"):
            if getattr(data, key):
                add(key, "must be left out when the status is available")
    elif data.status == "renamed":
        if data.name and data.current_name and data.current_name.lower() == data.name.lower():
            add("current_name", "must differ from the name when the status is renamed")
    elif data.status is not None:
        # `since` is the date AWS's page gives; some pages give none (Model Monitor's)
        if not data.replacements and not data.replacement_note:
            add("replacements", f"a {data.status.replace('_', ' ')} entry needs replacements "
                "or a replacement_note saying what to use instead")
    return bad


def _names_of(*parts: Any) -> tuple[str, ...]:
    """Distinct names (case-insensitively), in order, from names and lists of names."""
    seen: dict[str, str] = {}
    for part in parts:
        for name in ([part] if isinstance(part, str) else part or []):
            seen.setdefault(name.lower(), name)
    return tuple(seen.values())


def _check_names(claims: list[tuple[int, str, tuple[str, ...]]], where: str) -> list[Problem]:
    """Each name, current name and former name must lead to exactly one entry."""
    owner: dict[str, tuple[int, str]] = {}
    problems = []
    for index, label, names in claims:
        for name in names:
            first, first_label = owner.setdefault(name.lower(), (index, label))
            if first != index:
                problems.append(Problem(
                    f"({label}) the name {name!r} is already used by entry {first} "
                    f"({first_label})", key=f"{_TOP_KEY}[{index}]", where=where))
    return problems


@lru_cache(maxsize=1)
def _index() -> dict[str, Lifecycle]:
    return {name.lower(): entry for entry in _bundled() for name in entry.names}


def lifecycle(choice: str) -> Lifecycle | None:
    """The lifecycle entry of a choice, looked up by its choice name, current name or former
    name, or by any alias choices.yaml gives the choice; case and spacing are ignored.
    None when the catalogue has no entry for it (most techniques have none)."""
    wanted = " ".join(choice.split()).lower()
    index = _index()
    if wanted in index:
        return index[wanted]
    found = find_choice(choice)
    return index.get(found.name.lower()) if found is not None else None


def all_entries() -> list[Lifecycle]:
    """Every entry of the bundled catalogue, in file order."""
    return list(_bundled())
