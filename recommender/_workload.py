"""The workload: what a user describes (the input contract, docs/workload.md).

`Workload.from_mapping()` validates a plain mapping and raises `WorkloadError` listing every
problem, each naming the key, what is allowed and the nearest valid spelling. `FIELDS` describes
every key a rule condition may test.

The vocabulary is defined once, by the pydantic models of recommender/_model.py. This module
reads them as plain tables (recommender/_vocabulary.py, generated from the models) and checks a
workload with code made from those tables (recommender/_generated.py, written by
recommender/_codegen.py), without importing pydantic: a command-line run answers
without paying for pydantic's import and model building, and a call of `advise()` checks its
workload in a few microseconds. The check accepts only what it is sure the models accept, with
the values they would give; anything else (every mistake, and unusual but valid forms such as
5.0 for a count or a str subclass) goes to the models, which accept it or word each problem
(`recommender._model.validate`). A property test holds the two to the same results.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Any, Iterable, Mapping

from . import _generated
from ._errors import Problem, WorkloadError
from ._keys import (DERIVED, DESCRIPTIONS, FIELDS, LIST_FIELDS, MAX_BYTES, MODELS, NAME_PATTERN,
                    OPTIONAL_GROUPS, OTHER_FORMS, ROWS, SIZE_FIELDS, TIME_SERIES_DEFAULTS,
                    TOP_LEVEL_KEYS, FieldSpec, _NAME, _kind, format_size, parse_size)

__all__ = ["EXAMPLE_BASE", "Workload", "Features", "Quality", "TimeSeries", "Diagnostics",
           "Serving", "Security", "Generative", "schema",
           # the keys of a workload (recommender/_keys.py), for the modules that read workloads
           "FIELDS", "FieldSpec", "DERIVED", "DESCRIPTIONS", "LIST_FIELDS", "MAX_BYTES", "MODELS",
           "NAME_PATTERN", "OPTIONAL_GROUPS", "OTHER_FORMS", "ROWS", "SIZE_FIELDS",
           "TIME_SERIES_DEFAULTS", "TOP_LEVEL_KEYS", "format_size", "parse_size"]

# ---------------------------------------------------------------------------------------------
# The validated workload: immutable records, made by the check below or from the models

_REQUIRED = ...


class _Record:
    """An immutable, validated mapping of a workload (the workload itself or one of its nested
    mappings), with one attribute per key of its model and every default filled in.

    `Workload.from_mapping()` makes them; calling a class with keyword arguments validates them
    the same way (`Features(sparse=True)`)."""

    #: the model's keys in order (from its table; each record class is named after its model)
    _FIELDS: tuple[str, ...] = ()

    def __init_subclass__(cls) -> None:
        cls._FIELDS = tuple(row[0] for row in MODELS[cls.__name__])

    def __init__(self, **data: Any):
        made = _validated(type(self), data)
        object.__setattr__(self, "__dict__", dict(made.__dict__))

    @classmethod
    def _make(cls, values: Mapping[str, Any], given: Iterable[str]) -> Any:
        record = object.__new__(cls)
        object.__setattr__(record, "__dict__", {**values, "_given": given})
        return record

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a {type(self).__name__} cannot be changed; make a new one with "
                             "Workload.from_mapping()")

    __delattr__ = __setattr__  # type: ignore[assignment]

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._FIELDS)
        return f"{type(self).__name__}({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_remake, (type(self).__name__, dict(zip(self._FIELDS, self._values())),
                          self._given))

    def to_dict(self) -> dict[str, Any]:
        """The normalised values as plain JSON-ready data (absent facts left out); valid
        input to `from_mapping`."""
        return _TO_DICT[type(self).__name__](self.__dict__)


class Features(_Record):
    """The shape of the inputs. Unknown facts stay false (or, for `count`, absent)."""


class Quality(_Record):
    """Known problems in the data."""


class TimeSeries(_Record):
    """Facts about a forecasting problem; missing facts take TIME_SERIES_DEFAULTS."""

    @property
    def defaults_only(self) -> bool:
        """Derived: every time-series fact has its default value (likely none was given)."""
        return self._values() == _TIME_SERIES_DEFAULT_VALUES


class Diagnostics(_Record):
    """Results of a training run: errors on the same metric, lower is better."""

    @property
    def gap_ratio(self) -> float:
        """Derived: how much of the validation error the training error does not show,
        (validation - train) / validation, at least -1 (training error twice the validation
        error or worse); 0 when the validation error is 0."""
        if self.validation_error == 0:
            return 0.0
        ratio = (self.validation_error - self.train_error) / self.validation_error
        return round(max(-1.0, ratio), 9)  # rounded: 0.5 vs 0.4 is a gap of exactly 0.2

    @property
    def validation_to_target(self) -> float | None:
        """Derived: validation error as a multiple of the target error (absent without one)."""
        if self.target_error is None:
            return None
        return round(min(1e12, self.validation_error / self.target_error), 9)

    @property
    def train_to_target(self) -> float | None:
        """Derived: training error as a multiple of the target error (absent without one)."""
        if self.target_error is None:
            return None
        return round(min(1e12, self.train_error / self.target_error), 9)


class Serving(_Record):
    """The shape of inference: request size and time, how many models, where it runs."""


class Security(_Record):
    """The security posture the design must meet, beyond least privilege."""


class Generative(_Record):
    """Facts about a workload served by a foundation model."""


class Workload(_Record):
    """A machine-learning workload, validated and with every default filled in (the keys and
    values of docs/workload.md, as attributes)."""

    @classmethod
    def from_mapping(cls, data: Any, *, where: str | None = None) -> "Workload":
        """Validate `data` (a mapping) into a Workload, or raise WorkloadError listing every
        problem."""
        if type(data) is dict and (where is None or "name" in data):  # the common case
            return _CHECKS["Workload"](data) or _by_models(cls, data, where)
        if isinstance(data, Workload):
            return data
        if not isinstance(data, Mapping):
            raise WorkloadError([Problem(
                f"a workload must be a mapping of keys to values, not {_kind(data)}",
                where=where)])
        data = dict(data)
        if "name" not in data and where and where not in ("<stdin>", "-"):
            stem = re.sub(r"\.(ya?ml|json)$", "", where.replace("\\", "/").rsplit("/", 1)[-1])
            # a file name that is not UTF-8 reaches Python with lone surrogates in it, and a
            # file name may hold control characters that a name must not
            stem = re.sub("[\ud800-\udfff]", "\ufffd", stem)
            stem = "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in stem)
            if stem:
                data["name"] = stem[:200]
        return _validated(cls, data, where)

    def facts_given(self) -> set[str]:
        """Top-level keys the user wrote (the rest were defaulted)."""
        return set(self._given)


_TIME_SERIES_DEFAULT_VALUES = tuple(TIME_SERIES_DEFAULTS[name] for name in TimeSeries._FIELDS)
_CLASSES: dict[str, type[_Record]] = {cls.__name__: cls for cls in (
    Workload, Features, Quality, TimeSeries, Diagnostics, Serving, Security, Generative)}


def _remake(name: str, values: dict[str, Any], given: Iterable[str]) -> Any:
    """A record again, from pickled data."""
    return _CLASSES[name]._make(values, given)


def _validated(cls: type[_Record], data: dict[str, Any], where: str | None = None) -> Any:
    """The record of `cls` for `data`: by the plain check when it is sure, else by the models
    (which word every problem)."""
    return _check(cls.__name__, data) or _by_models(cls, data, where)


def _by_models(cls: type[_Record], data: dict[str, Any], where: str | None) -> Any:
    """The record of `cls` as the models validate `data` (or WorkloadError, worded by them)."""
    from ._model import validate
    return _plain(validate(data, where, cls.__name__))


def _plain(model: Any) -> Any:
    """The record of a validated pydantic model (recommender/_model.py): same class name, same
    values, the same keys given."""
    values = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if hasattr(value, "model_fields_set"):
            value = _plain(value)
        values[name] = value
    name = type(model).__name__
    return _CLASSES[name]._make(values, frozenset(model.model_fields_set if name == "Workload"
                                                  else ()))


# ---------------------------------------------------------------------------------------------
# The plain check

_MISSING = object()


def _members(value: Any, allowed: frozenset[str]) -> tuple[str, ...] | None:
    """A list of allowed names as the models keep it (sorted), or None."""
    if type(value) is not list and type(value) is not tuple:
        return None
    for item in value:
        if type(item) is not str or item not in allowed:
            return None
    held = tuple(sorted(value))
    return held if len(set(held)) == len(held) else None


def _services(value: Any) -> tuple[str, ...] | None:
    """AWS services named as the catalogue spells them (recommender/_catalogue.py), or None."""
    if type(value) is not list and type(value) is not tuple:
        return None
    if not value:
        return ()
    from ._catalogue import choices
    return _members(value, choices().keys())  # type: ignore[arg-type]


def _bind() -> dict[str, Any]:
    """Bind the names the generated checks use (recommender/_generated.py); their functions
    per model."""
    names: dict[str, Any] = {
        "_MISSING": _MISSING, "new": object.__new__, "setattr": object.__setattr__,
        "isfinite": math.isfinite, "name_ok": _NAME.match, "_size": _size,
        "_members": _members, "_services": _services}
    for model, rows in MODELS.items():
        names[f"cls_{model}"] = _CLASSES[model]
        names[f"KEYS_{model}"] = frozenset(row[0] for row in rows)
        names[f"D_{model}"] = {row[0]: _default(row) for row in rows if row[3] is not _REQUIRED}
        names.update({f"A_{model}_{i}": frozenset(row[2]) for i, row in enumerate(rows)
                      if row[1] in ("enum", "set")})
    names["FORECASTING_SERIES"] = TimeSeries._make(
        {row[0]: row[3] for row in MODELS["TimeSeries"]}, frozenset())
    _generated.bind(names)
    return {model: getattr(_generated, f"_check_{model}") for model in MODELS}


def _default(row: tuple[Any, ...]) -> Any:
    """The value a key takes when not given: its default, or for a nested mapping that
    defaults to its own defaults, that record (one, shared: records do not change)."""
    name, kind, values, default = row[:4]
    if kind == "group" and default == {}:
        return _CLASSES[values[0]]._make({r[0]: r[3] for r in MODELS[values[0]]}, frozenset())
    return default


def _size(value: Any) -> int | None:
    """Bytes in a size the models take as it is, else None."""
    if type(value) is int:
        return value if 1 <= value <= MAX_BYTES else None
    if type(value) is str:
        return _text_size(value)
    return None


@lru_cache(maxsize=1024)
def _text_size(text: str) -> int | None:
    try:
        return parse_size(text)
    except ValueError:
        return None


_CHECKS = _bind()


_TO_DICT = {model: getattr(_generated, f"to_dict_{model}") for model in MODELS}


def _check(model: str, data: Any) -> Any:
    """The record of `model` for `data` when every key and value is one the models take as
    it is (or normalise the same way: sizes, lists, whole numbers for a float); None when the
    check is not sure, and the models decide."""
    return _CHECKS[model](data)


def schema() -> dict[str, Any]:
    """The JSON Schema of a workload document (recommender/_model.py)."""
    from ._model import schema as build
    return build()


EXAMPLE_BASE: dict[str, Any] = {"task": "classification", "modality": "tabular",
                                "data_volume": "10 GB", "latency": "batch", "labels": "labeled",
                                "customization": "high"}
