"""The workload: what a user describes (the input contract, docs/workload.md).

`Workload.from_mapping()` validates a plain mapping and raises `WorkloadError` listing every
problem, each naming the key, what is allowed and the nearest valid spelling. `FIELDS` describes
every key a rule condition may test, derived from the models below so that the two never drift.
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
from decimal import Decimal
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Optional, Union

from pydantic import (BaseModel, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from ._documents import OTHER_NUMBER_FORMS, NumberLike
from ._errors import Problem, WorkloadError, did_you_mean

__all__ = ["EXAMPLE_BASE", "Workload", "Features", "Quality", "TimeSeries", "Diagnostics", "FIELDS", "FieldSpec", "schema",
           "parse_size", "format_size", "TIME_SERIES_DEFAULTS"]

Task = Literal["classification", "regression", "forecasting", "recommendation", "clustering",
               "anomaly_detection", "topic_modeling", "text_classification", "sentiment_analysis",
               "translation", "conversational", "image_classification", "object_detection",
               "semantic_segmentation", "embeddings", "speech_to_text", "text_to_speech",
               "document_extraction", "question_answering", "text_generation", "summarization",
               "similarity_search", "dimensionality_reduction", "content_moderation"]
Modality = Literal["tabular", "text", "image", "video", "time_series", "interactions", "logs",
                   "sensor", "audio", "documents"]
Latency = Literal["realtime", "near_realtime", "batch"]
Labels = Literal["labeled", "unlabeled", "partially_labeled", "reward_signal", "to_label"]
Level = Literal["low", "medium", "high"]
Velocity = Literal["batch", "streaming", "hybrid"]
Source = Literal["s3", "on_premises_files", "on_premises_database", "cloud_database",
                 "application_logs", "clickstream", "iot_devices", "video_cameras", "partner_files",
                 "saas"]
Network = Literal["good", "limited"]
AccessPattern = Literal["object", "shared_files", "single_instance", "sql_analytics",
                        "transactional", "key_lookup"]
Traffic = Literal["steady", "spiky", "intermittent"]
Seasonality = Literal["none", "weak", "strong"]
History = Literal["short", "long"]
StackItem = Literal["kafka", "spark", "hadoop", "hive", "sftp", "airflow"]
Transfer = Literal["one_time", "recurring"]
Throughput = Literal["standard", "high"]
CostlierError = Literal["none", "false_positive", "false_negative"]
Feedback = Literal["implicit", "explicit"]
Processing = Literal["per_record", "stateful_windows", "sql_over_lake", "scikit_learn_code",
                     "spark_code"]
StreamDestination = Literal["store", "consumers"]
Skill = Literal["sql", "no_code", "spark", "ml_engineering"]
CostPriority = Literal["lowest_cost", "interruptible_training", "scale_to_zero"]
KnowledgeChanges = Literal["never", "rarely", "often"]
TuningExamples = Literal["none", "few", "many"]
Audience = Literal["customers", "employees"]
Domain = Literal["general", "medical"]

# ---------------------------------------------------------------------------------------------
# Sizes

_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15}
MAX_BYTES = 1000 * 10**15  # 1000 PB: beyond any workload this tool is meant for
SIZE_HELP = 'a size such as "750 MB", "1.5 TB" or "2 PB" (units B, KB, MB, GB, TB, PB, any ' \
            "case; decimal: 1 KB = 1,000 B) or a whole number of bytes, from 1 byte to 1000 PB"


def _size_pattern() -> str:
    """The one grammar of a size written as text, used by the validator and published in the
    JSON Schema: a number and an optional unit (any case), spaces or tabs around them, worth a
    whole number of bytes from 1 byte to MAX_BYTES. Written in the part of regular-expression
    syntax that Python and ECMAScript (JSON Schema validators in editors) read alike."""
    top = len(str(MAX_BYTES)) - 1  # MAX_BYTES is 10**top
    forms = []
    for unit, factor in _UNITS.items():
        places = len(str(factor)) - 1          # decimal places that still make whole bytes
        digits = top - places                  # the number is at most 10**digits
        cased = "".join(f"[{c.upper()}{c.lower()}]" for c in unit)
        fraction = f"(?:\\.[0-9]{{0,{places}}}0*)?" if places else "(?:\\.0*)?"
        bare = [f"\\.[0-9]{{1,{places}}}0*"] if places else []
        number = "|".join([f"0*[0-9]{{1,{digits}}}{fraction}", f"0*10{{{digits}}}(?:\\.0*)?",
                           *bare])
        forms.append(f"(?:{number})[ \\t]*{cased}")
        if unit == "B":  # a number alone is bytes
            forms.append(f"(?:{number})")
    # at least one digit 1-9 in the number: a size is at least one byte
    # (?![\\s\\S]) ends the text in both dialects; Python's `$` would also allow a final newline
    return "^[ \\t\\r\\n]*(?=[0-9.]*[1-9])(?:" + "|".join(forms) + ")[ \\t\\r\\n]*(?![\\s\\S])"


SIZE_PATTERN = _size_pattern()
_SIZE_STRICT = re.compile(SIZE_PATTERN)
# A looser reading, used only to say what is wrong with a size the grammar refuses.
_SIZE = re.compile(r"^[ \t\r\n]*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[ \t]*([A-Za-z]+))?[ \t\r\n]*\Z")
#: No size needs more characters than this; longer text is refused before any pattern is tried.
SIZE_MAX_LENGTH = 64

#: How a refused YAML 1.1 number form (documents.OTHER_NUMBER_FORMS) is described.
OTHER_FORMS = ("a number form this tool does not read (hexadecimal, octal or a leading zero, "
               "binary, base 60 as in 1:30, or digits grouped with _)")


def parse_size(value: Any) -> int:
    """Bytes in `value`: a whole number of bytes, or text in the grammar of SIZE_PATTERN.

    Raises ValueError with a message that says what is allowed.
    """
    shown = _short(value)  # repr() fails on an int of more than 4300 digits
    if isinstance(value, bool):
        raise ValueError(f"{shown} is not a size; expected {SIZE_HELP}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"{shown} is not a whole number of bytes; expected {SIZE_HELP}")
        number = int(value)
    elif isinstance(value, str):
        if isinstance(value, NumberLike):  # unquoted YAML such as 017, 0x10, 1_000, 1:30
            raise ValueError(f"{shown} is {OTHER_FORMS}; expected {SIZE_HELP}")
        text = str.__str__(value)  # plain text, even from a subclass
        if len(text) > SIZE_MAX_LENGTH:
            raise ValueError(f"{shown} is not a size: longer than {SIZE_MAX_LENGTH} characters; "
                             f"expected {SIZE_HELP}")
        if _SIZE_STRICT.match(text):
            match = _SIZE.match(text)
            assert match is not None  # the grammar is a subset of the loose reading
            unit = (match.group(2) or "B").upper()
            return int(Decimal(match.group(1)) * _UNITS[unit])
        raise ValueError(_why_not_a_size(text, shown))
    else:
        raise ValueError(f"{shown} is not a size; expected {SIZE_HELP}")
    if number < 1:
        raise ValueError(f"{shown} is not a usable size: it must be at least 1 byte")
    if number > MAX_BYTES:
        raise ValueError(f"{shown} is larger than the 1000 PB this tool accepts")
    return number


def _why_not_a_size(text: str, shown: str) -> str:
    """The message for text that the size grammar refuses: the first thing wrong with it."""
    match = _SIZE.match(text)
    if not match:
        return f"{shown} is not a size; expected {SIZE_HELP}"
    unit = (match.group(2) or "B")
    if unit.upper() not in _UNITS:
        hint = did_you_mean(unit.upper(), _UNITS)
        extra = f" (did you mean `{hint}`?)" if hint else ""
        return f"unknown unit {_short(unit)} in {shown}; units are B, KB, MB, GB, TB, PB{extra}"
    exact = Decimal(match.group(1)) * _UNITS[unit.upper()]
    if exact < 1:
        return f"{shown} is not a usable size: it must be at least 1 byte"
    if exact > MAX_BYTES:
        return f"{shown} is larger than the 1000 PB this tool accepts"
    return f"{shown} is not a whole number of bytes; expected {SIZE_HELP}"


def format_size(nbytes: int) -> str:
    """A short human form of a byte count: 2000000000000 -> "2 TB"."""
    for unit in ("PB", "TB", "GB", "MB", "KB"):
        size = _UNITS[unit]
        if nbytes >= size:
            value = nbytes / size
            text = f"{value:.1f}".rstrip("0").rstrip(".") if value < 100 else f"{value:.0f}"
            return f"{text} {unit}"
    return f"{nbytes} B"


# ---------------------------------------------------------------------------------------------
# Models

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)
_NAME = re.compile("^[^\x00-\x1f\x7f-\x9f]*\\Z")


def _whole(value: Any) -> Any:
    """A whole float (5.0) as the int it is: JSON and its schema do not tell 5.0 from 5."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return value


class Features(BaseModel):
    """The shape of the inputs. Unknown facts stay false (or, for `count`, absent)."""

    model_config = _STRICT
    count: Optional[int] = Field(default=None, ge=1, le=10**9,
                                 description="number of input features, when known")
    sparse: bool = Field(default=False, description="most feature values are zero or missing")
    categorical: bool = Field(default=False, description="some inputs are categories")
    scales_differ: bool = Field(default=False, description="numeric inputs have different ranges")
    entity_ip_pairs: bool = False

    _count = field_validator("count", mode="before")(classmethod(lambda cls, v: _whole(v)))


class Quality(BaseModel):
    """Known problems in the data."""

    model_config = _STRICT
    missing_values: bool = False
    outliers: bool = False
    duplicates: bool = False
    class_imbalance: bool = False


TIME_SERIES_DEFAULTS = {"related_series": 1, "seasonality": "weak", "stationary": False,
                        "history": "long", "intermittent": False, "quantiles": False,
                        "cold_start": False}


class TimeSeries(BaseModel):
    """Facts about a forecasting problem; missing facts take TIME_SERIES_DEFAULTS."""

    model_config = _STRICT
    related_series: int = Field(default=TIME_SERIES_DEFAULTS["related_series"], ge=1, le=10**9,
                                description="how many related series are forecast together")
    seasonality: Seasonality = TIME_SERIES_DEFAULTS["seasonality"]
    stationary: bool = TIME_SERIES_DEFAULTS["stationary"]
    history: History = TIME_SERIES_DEFAULTS["history"]
    intermittent: bool = TIME_SERIES_DEFAULTS["intermittent"]
    quantiles: bool = TIME_SERIES_DEFAULTS["quantiles"]
    cold_start: bool = TIME_SERIES_DEFAULTS["cold_start"]

    _series = field_validator("related_series", mode="before")(
        classmethod(lambda cls, v: _whole(v)))

    @property
    def defaults_only(self) -> bool:
        """Derived: every time-series fact has its default value (likely none was given)."""
        return self.model_dump() == TIME_SERIES_DEFAULTS


class Diagnostics(BaseModel):
    """Results of a training run: errors on the same metric, lower is better."""

    model_config = _STRICT
    train_error: float = Field(ge=0, le=1e12)
    validation_error: float = Field(ge=0, le=1e12)
    target_error: Optional[float] = Field(
        default=None, gt=0, le=1e12,
        description="the error the team would accept (a baseline or human-level error)")

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
    def validation_to_target(self) -> Optional[float]:
        """Derived: validation error as a multiple of the target error (absent without one)."""
        if self.target_error is None:
            return None
        return round(min(1e12, self.validation_error / self.target_error), 9)

    @property
    def train_to_target(self) -> Optional[float]:
        """Derived: training error as a multiple of the target error (absent without one)."""
        if self.target_error is None:
            return None
        return round(min(1e12, self.train_error / self.target_error), 9)


class Serving(BaseModel):
    """The shape of inference: request size and time, how many models, where it runs."""

    model_config = _STRICT
    payload: Optional[int] = Field(default=None, description=SIZE_HELP)
    processing_seconds: Optional[float] = Field(default=None, gt=0, le=86400)
    models: Optional[int] = Field(default=None, ge=1, le=10**6)
    edge: bool = False
    gpu: bool = False
    mixed_frameworks: bool = False

    _payload = field_validator("payload", mode="before")(
        classmethod(lambda cls, v: None if v is None else parse_size(v)))
    _models = field_validator("models", mode="before")(classmethod(lambda cls, v: _whole(v)))


class Security(BaseModel):
    """The security posture the design must meet, beyond least privilege."""

    model_config = _STRICT
    private_connectivity: bool = False
    customer_managed_keys: bool = False
    pii_discovery: bool = False
    cross_account_sharing: bool = False
    audit_trail: bool = False


class Generative(BaseModel):
    """Facts about a workload served by a foundation model."""

    model_config = _STRICT
    knowledge_changes: KnowledgeChanges = "rarely"
    cite_sources: bool = False
    tuning_examples: TuningExamples = "none"
    data_residency: bool = False
    uses_tools: bool = False
    audience: Audience = "customers"


class Workload(BaseModel):
    """A machine-learning workload, validated and with every default filled in."""

    model_config = _STRICT
    # required
    task: Task
    modality: Modality
    data_volume: int = Field(description=SIZE_HELP)
    latency: Latency
    labels: Labels
    customization: Level
    # optional
    name: str = Field(default="workload", min_length=1, max_length=200)
    velocity: Velocity = "batch"
    source: Source = "s3"
    network: Network = "good"
    access_pattern: AccessPattern = "object"
    ml_expertise: Level = "medium"
    traffic: Traffic = "steady"
    interpretability: bool = False
    sensitive_data: bool = False
    bias_concern: bool = False
    pretrained_model_available: bool = False
    chained_models: bool = False
    features: Features = Field(default_factory=Features)
    quality: Quality = Field(default_factory=Quality)
    time_series: Optional[TimeSeries] = None
    evolving_data: bool = False
    existing_stack: tuple[StackItem, ...] = ()
    transfer: Transfer = "recurring"
    training_throughput: Throughput = "standard"
    network_isolation: bool = False
    builtin_algorithms_only: bool = False
    diagnostics: Optional[Diagnostics] = None
    # extensions of the contract (optional, documented in docs/workload.md)
    costlier_error: CostlierError = "none"
    feedback: Feedback = "implicit"
    #: AWS services (catalogue choice names) the team already uses: a service closed to new
    #: customers may be recommended only when it is listed here.
    existing_services: tuple[str, ...] = ()
    # vocabulary v2 (optional; docs/workload.md)
    other_sources: tuple[Source, ...] = ()
    stream_destination: Optional[StreamDestination] = None
    processing: Optional[Processing] = None
    time_ordered: bool = False
    exploration: bool = False
    domain: Domain = "general"
    team_skills: tuple[Skill, ...] = ()
    cost_priorities: tuple[CostPriority, ...] = ()
    serving: Optional[Serving] = None
    security: Optional[Security] = None
    generative: Optional[Generative] = None

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        # A name is printed in terminals and reports: control characters (escape sequences
        # that clear a screen, for one) have no place in it.
        if not _NAME.match(value):  # the same test as NAME_PATTERN in the schema
            raise ValueError("contains control characters; use printable text")
        return value

    @field_validator("data_volume", mode="before")
    @classmethod
    def _size(cls, value: Any) -> int:
        return parse_size(value)

    @field_validator("existing_stack", "other_sources", "team_skills", "cost_priorities",
                     mode="before")
    @classmethod
    def _stack(cls, value: Any) -> Any:
        if isinstance(value, list):
            value = tuple(value)
        if isinstance(value, tuple) and not all(isinstance(v, str) for v in value):
            return value  # the item check names what is wrong (an item may not even hash)
        if isinstance(value, tuple):
            value = tuple(str.__str__(v) for v in value)  # plain text, even from a subclass
            if len(set(value)) != len(value):
                raise ValueError("lists an item twice")
            value = tuple(sorted(value))
        return value

    @field_validator("existing_services", mode="before")
    @classmethod
    def _services(cls, value: Any) -> Any:
        if isinstance(value, list):
            value = tuple(value)
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            return value  # the type check names what is wrong
        from ._catalogue import choices
        known = choices()
        for item in value:
            if str.__str__(item) not in known:
                hint = did_you_mean(item, known)
                raise ValueError(f"{_short(item)} is not a service of the catalogue (exact "
                                 "names, as recommend prints them)" +
                                 (f"; did you mean `{hint}`?" if hint else ""))
        value = tuple(str.__str__(v) for v in value)
        if len(set(value)) != len(value):
            raise ValueError("lists a service twice")
        return tuple(sorted(value))

    @model_validator(mode="after")
    def _forecasting_defaults(self) -> "Workload":
        if self.task == "forecasting" and self.time_series is None:
            object.__setattr__(self, "time_series", TimeSeries())
        return self

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: Any, *, where: str | None = None) -> "Workload":
        """Validate `data` (a mapping) into a Workload, or raise WorkloadError listing every
        problem."""
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
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise WorkloadError(_problems(exc, data), where=where) from None

    def to_dict(self) -> dict[str, Any]:
        """The normalised workload as plain JSON-ready data; valid input to `from_mapping`."""
        out = self.model_dump(mode="json", exclude_none=True)
        for key in ("existing_stack", "existing_services", "other_sources", "team_skills",
                    "cost_priorities"):
            out[key] = list(getattr(self, key))
        return out

    def facts_given(self) -> set[str]:
        """Top-level keys the user wrote (the rest were defaulted)."""
        return set(self.model_fields_set)


# ---------------------------------------------------------------------------------------------
# Field catalogue for rule conditions


@dataclass(frozen=True)
class FieldSpec:
    """One key a rule may test: its dotted path, kind, allowed values and whether it may be
    absent from a normalised workload."""

    path: str
    kind: Literal["enum", "bool", "int", "number", "size", "set"]
    values: tuple[str, ...] = ()
    optional: bool = False
    description: str = ""
    #: For numbers, counts and sizes: the smallest and largest value a workload can hold (from
    #: the model's bounds); a rule's threshold must lie between them (docs/rules-format.md).
    low: float | None = None
    high: float | None = None


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], True
    return annotation, False


def _bounds(info: Any) -> tuple[float | None, float | None]:
    """The (low, high) bounds a pydantic field declares (ge/gt, le/lt), or None."""
    low = high = None
    for item in getattr(info, "metadata", ()):
        for name in ("ge", "gt"):
            if getattr(item, name, None) is not None:
                low = getattr(item, name)
        for name in ("le", "lt"):
            if getattr(item, name, None) is not None:
                high = getattr(item, name)
    return low, high


def _spec(path: str, annotation: Any, optional: bool, description: str,
          info: Any = None) -> FieldSpec:
    annotation, maybe_none = _unwrap(annotation)
    optional = optional or maybe_none
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return FieldSpec(path, "enum", typing.get_args(annotation), optional, description)
    if origin is tuple:
        (item,) = typing.get_args(annotation)[:1]
        return FieldSpec(path, "set", typing.get_args(item), optional, description)
    if annotation is bool:
        return FieldSpec(path, "bool", (), optional, description)
    if annotation is int and path in SIZE_FIELDS:
        return FieldSpec(path, "size", (), optional, description, 1, MAX_BYTES)
    if annotation is int:
        return FieldSpec(path, "int", (), optional, description, *_bounds(info))
    if annotation is float:
        return FieldSpec(path, "number", (), optional, description, *_bounds(info))
    raise TypeError(f"no rule field kind for {path}: {annotation!r}")


#: The fields that hold a size (bytes, written as text such as "750 MB").
SIZE_FIELDS = ("data_volume", "serving.payload")
#: The optional mappings whose facts come and go with the mapping (given, every fact with a
#: default is present; an Optional one stays unknown unless given).
OPTIONAL_GROUPS = ("serving", "security", "generative")


def _build_fields() -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for name, info in Workload.model_fields.items():
        annotation, maybe_none = _unwrap(info.annotation)
        if name in ("name", "existing_services"):  # not for rules to test
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub, subinfo in annotation.model_fields.items():
                spec = _spec(f"{name}.{sub}", subinfo.annotation, maybe_none,
                             subinfo.description or "", subinfo)
                fields[spec.path] = spec
        else:
            fields[name] = _spec(name, info.annotation, False, info.description or "", info)
    return fields


#: Facts computed from the workload, testable by rules but never given by the user.
DERIVED: dict[str, FieldSpec] = {spec.path: spec for spec in (
    FieldSpec("time_series.defaults_only", "bool", (), True,
              "every time-series fact has its default value"),
    FieldSpec("diagnostics.gap_ratio", "number", (), True,
              "(validation_error - train_error) / validation_error, from -1 to 1", -1, 1),
    FieldSpec("diagnostics.train_to_target", "number", (), True,
              "train_error / target_error (at most 1e12), when a target is given", 0, 1e12),
    FieldSpec("diagnostics.validation_to_target", "number", (), True,
              "validation_error / target_error (at most 1e12), when a target is given",
              0, 1e12),
)}

FIELDS: dict[str, FieldSpec] = {**_build_fields(), **DERIVED}
#: The list fields (existing_stack, other_sources, ...): one true/false fact per member.
LIST_FIELDS: frozenset[str] = frozenset(p for p, spec in FIELDS.items() if spec.kind == "set")
TOP_LEVEL_KEYS: tuple[str, ...] = tuple(Workload.model_fields)


# ---------------------------------------------------------------------------------------------
# Error translation


def _kind(value: Any) -> str:
    if value is None:
        return "an empty value (null)"
    return {bool: "true/false", int: "a number", float: "a number", str: "text",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4000:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    try:
        text = repr(value)
    except Exception:  # a value nested too deeply to print, or an object whose repr fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Workload
    for part in loc:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return None
        annotation, _ = _unwrap(model.model_fields[part].annotation)
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) \
            else None
    return model


def _allowed_at(loc: tuple[Any, ...]) -> tuple[str, ...]:
    path = ".".join(str(p) for p in loc if isinstance(p, str))
    spec = FIELDS.get(path)
    return spec.values if spec and spec.kind in ("enum", "set") else ()


_EXPECT = {"bool": "true or false",
           "int": "a whole number in plain decimal digits, such as 12 or 4000",
           "number": "a number such as 0.25, 3 or 1e-3", "size": SIZE_HELP}


def _problems(exc: ValidationError, data: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        value = err.get("input")
        # Pydantic reports a list element as (..., index); name the list key, not the index.
        # str.__str__: a plain copy of a str subclass, whose own methods may do anything
        names = [str.__str__(p) for p in loc if isinstance(p, str)]
        key = ".".join(names) or None
        if kind == "extra_forbidden":
            parent = _model_at(loc[:-1])
            options = tuple(parent.model_fields) if parent else ()
            problem = Problem("is not a workload key" if len(loc) == 1 else
                              f"is not a key of `{'.'.join(names[:-1])}`",
                              key=key, allowed=tuple(sorted(options)),
                              suggestion=did_you_mean(names[-1], options))
        elif kind == "missing":
            problem = Problem("is required but missing" + (
                "" if len(loc) > 1 else f" ({_describe_required(names[-1])})"), key=key)
        elif kind in ("literal_error", "enum"):
            allowed = _allowed_at(loc)
            value = str.__str__(value) if isinstance(value, str) else value
            got = value if isinstance(value, str) else _kind(value)
            problem = Problem(f"{got!r} is not allowed" if isinstance(value, str) else
                              f"expected one of the names below, got {got}",
                              key=key, allowed=allowed,
                              suggestion=did_you_mean(value, allowed)
                              if isinstance(value, str) else None)
        elif kind == "value_error" and key == "data_volume":
            problem = Problem(str(err["ctx"]["error"]), key=key)
        elif kind == "value_error":
            problem = Problem(str(err["ctx"]["error"]), key=key, allowed=_allowed_at(loc))
        elif kind == "model_type" or kind == "model_attributes_type" or kind == "dict_type":
            model = _model_at(loc)
            options = ", ".join(model.model_fields) if model else ""
            problem = Problem(f"expected a mapping with keys {options}, got {_kind(value)}",
                              key=key)
        elif kind in ("tuple_type", "list_type"):
            problem = Problem(f"expected a list, got {_kind(value)}", key=key,
                              allowed=_allowed_at(loc))
        else:
            spec = FIELDS.get(key or "")
            expect = _EXPECT.get(spec.kind, "") if spec else ""
            if key == "name":
                expect = "text of 1 to 200 characters"
            message = err["msg"][0].lower() + err["msg"][1:]
            if expect:
                message = f"expected {expect}, got {_short(value) if value is not None else _kind(value)}"
                if spec is not None and spec.kind in ("int", "number") and isinstance(value, str) and \
                        OTHER_NUMBER_FORMS.match(str.strip(value)):
                    message = f"{_short(value)} is {OTHER_FORMS}; write {expect}"
                if "greater" in err["msg"] or "less" in err["msg"]:
                    message = f"{_short(value)} is out of range: {err['msg'].lower()}"
                if kind in ("finite_number",):
                    message = f"{_short(value)} is not a finite number"
            problem = Problem(message, key=key)
        marker = (problem.key or "", problem.message)
        if marker not in seen:
            seen.add(marker)
            problems.append(problem)
    return problems


_REQUIRED_HELP = {
    "task": "what the model must do",
    "modality": "the shape of the main data",
    "data_volume": "how much data training reads, e.g. \"750 MB\"",
    "latency": "realtime, near_realtime or batch",
    "labels": "labeled, unlabeled, partially_labeled or reward_signal",
    "customization": "low, medium or high",
}


def _describe_required(name: str) -> str:
    return _REQUIRED_HELP.get(name, "")


#: What each key means: the "meaning" column of docs/workload.md (a test keeps them equal), and
#: the description of each property in the JSON Schema.
DESCRIPTIONS: dict[str, str] = {
    "task": "what the model must do",
    "modality": "the shape of the main data (interactions = user-item events, clicks, ratings)",
    "data_volume": "how much data training needs to read",
    "latency": "how fast predictions are needed: realtime = a synchronous answer within about a "
               "second, near_realtime = seconds to minutes, batch = hours or scheduled",
    "labels": "what supervision exists",
    "customization": "how much control over the model the user needs: low = a pre-built "
                     "managed AI service is fine, high = own algorithm, features, and training",
    "name": "a label for reports",
    "velocity": "how new data arrives",
    "source": "where the data comes from today",
    "network": "bandwidth from the source to AWS; limited + large volume favours offline "
               "transfer",
    "access_pattern": "how the stored data is read besides training",
    "ml_expertise": "the team's ML depth; low favours managed services and AutoML",
    "traffic": "the shape of inference requests over time",
    "interpretability": "the model must be explainable to people",
    "sensitive_data": "personal or regulated data is involved",
    "bias_concern": "decisions affect people and must be checked for bias",
    "pretrained_model_available": "a related pre-trained model exists (transfer learning)",
    "chained_models": "inference runs preprocessing and models in sequence",
    "features": "the shape of the inputs",
    "features.count": "how many input features there are, when known",
    "features.sparse": "most feature values are zero or missing",
    "features.categorical": "some inputs are categories",
    "features.scales_differ": "numeric inputs have very different ranges",
    "features.entity_ip_pairs": "records pair an entity (a user or account id) with the IPv4 "
                                "address it used",
    "quality": "known problems in the data",
    "quality.missing_values": "some values are missing",
    "quality.outliers": "some values are far outside the usual range",
    "quality.duplicates": "some records appear more than once",
    "quality.class_imbalance": "one class is much rarer than the others",
    "time_series": "only for forecasting; forecasting without it gets documented defaults",
    "time_series.related_series": "how many related series are forecast together",
    "time_series.seasonality": "how strongly the series repeat over a period",
    "time_series.stationary": "the series keep a stable mean and variance over time",
    "time_series.history": "how much history each series has",
    "time_series.intermittent": "many periods have no demand at all (sparse, lumpy series)",
    "time_series.quantiles": "forecasts must give ranges at several quantiles, not one number",
    "time_series.cold_start": "new items without history must be forecast too",
    "evolving_data": "the data distribution changes over time; models must keep learning",
    "existing_stack": "technology the team already runs and wants to keep (existing Kafka "
                      "favours Amazon MSK, existing Spark/Hive jobs favour Amazon EMR, partners "
                      "on SFTP favour AWS Transfer Family)",
    "transfer": "whether historical data moves once (a migration) or keeps arriving",
    "training_throughput": "high = training is I/O bound on many passes over large files "
                           "(favours Pipe mode or a high-throughput file system)",
    "network_isolation": "training and inference must have no path to the public internet",
    "builtin_algorithms_only": "the team must use SageMaker built-in algorithms",
    "diagnostics": "optional training results; when present the advice includes a fit "
                   "diagnosis",
    "diagnostics.train_error": "the error on the training data",
    "diagnostics.validation_error": "the error on held-out validation data, same metric",
    "diagnostics.target_error": "the error the team would accept (a baseline or human-level "
                                "error)",
    "costlier_error": "which mistake of a classifier costs more; decides between precision and "
                      "recall",
    "feedback": "for recommendation: clicks and views (implicit) or ratings (explicit)",
    "existing_services": "AWS services the team already uses (names as the catalogue spells "
                         "them); only these may be recommended when AWS has closed them to new "
                         "customers",
    "other_sources": "further places the data also comes from, when there is more than one "
                     "source",
    "stream_destination": "for streaming data: store = the stream only has to land in a store "
                          "(S3, Redshift, OpenSearch); consumers = the team's own applications "
                          "read it, several of them or with replay",
    "processing": "the nature of the data processing: a light change to each record, stateful "
                  "aggregation over time windows of a stream, SQL over the S3 data lake, existing "
                  "pandas/scikit-learn scripts, or existing Spark code",
    "time_ordered": "records have a time order that matters even though the task is not "
                    "forecasting (future records must not leak into training)",
    "exploration": "the team must first explore distributions and relationships in the data",
    "domain": "the field the text comes from: general, or medical (clinical notes, health "
              "records), which has its own entity types",
    "team_skills": "what the team can do today: sql = analysts who write SQL, no_code = "
                   "business analysts without code, spark = data engineers on Spark, "
                   "ml_engineering = engineers who build and operate models",
    "cost_priorities": "how the design should save money: lowest_cost overall, "
                       "interruptible_training (training may be stopped and resumed), "
                       "scale_to_zero (no cost while no requests arrive)",
    "serving": "the shape of inference; only when it matters",
    "serving.payload": "the size of one inference request, as a size such as \"200 MB\"",
    "serving.processing_seconds": "how long one inference takes, in seconds",
    "serving.models": "how many models are served side by side (one per tenant, region or "
                      "product)",
    "serving.edge": "inference runs on devices at the edge or at sites that may be disconnected",
    "serving.gpu": "serving the model needs GPUs or other accelerators",
    "serving.mixed_frameworks": "the models served together use different frameworks or "
                                "containers",
    "security": "the security posture the design must meet",
    "security.private_connectivity": "traffic to AWS services must stay on the AWS network, with "
                                     "no path over the internet",
    "security.customer_managed_keys": "the team must own, rotate and audit its encryption keys",
    "security.pii_discovery": "personal data must be found and classified in the S3 data lake",
    "security.cross_account_sharing": "the lake's tables are shared with other accounts, with "
                                      "access by column or row",
    "security.audit_trail": "every API call on the data and the models must be recorded for "
                            "auditors",
    "generative": "for a workload served by a foundation model (text generation, question "
                  "answering, summarization, a conversational assistant)",
    "generative.knowledge_changes": "how often the facts the model must know change",
    "generative.cite_sources": "answers must name the documents they come from",
    "generative.tuning_examples": "labelled prompt and response examples the team has for "
                                  "fine-tuning: none, few (tens), many (thousands)",
    "generative.data_residency": "the model itself must run inside the team's own account and "
                                 "network",
    "generative.uses_tools": "the assistant must call the team's APIs or tools to complete tasks",
    "generative.audience": "who asks: customers, or employees asking about company content",
}

#: Text a `name` may hold: no control characters (Unicode category Cc), which could move the
#: cursor or clear a terminal when the name is printed. Python and JSON Schema read it alike.
NAME_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"


def schema() -> dict[str, Any]:
    """The JSON Schema of a workload document, for editors and validators.

    It is pydantic's schema of the model that validates workloads, with the project's own
    checks expressed in it (the size grammar, the characters of a name, unique stack items),
    and each property described as in docs/workload.md; a property test checks that the
    schema and the validator accept exactly the same documents.
    """
    doc = Workload.model_json_schema(mode="validation")
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "recommender workload"
    doc["description"] = ("A machine-learning workload for `recommend`. Required: task, modality, "
                          "data_volume, latency, labels, customization.")
    props = doc["properties"]

    props["name"]["pattern"] = NAME_PATTERN
    for key in ("existing_stack", "other_sources", "team_skills", "cost_priorities"):
        stack = props[key]
        stack.pop("maxItems", None)
        stack.pop("minItems", None)
        stack["uniqueItems"] = True
    size = {"anyOf": [{"type": "string", "pattern": SIZE_PATTERN, "maxLength": SIZE_MAX_LENGTH},
                      {"type": "integer", "minimum": 1, "maximum": MAX_BYTES}]}
    props["data_volume"] = {"title": "Data Volume", **copy.deepcopy(size)}
    doc["$defs"]["Serving"]["properties"]["payload"] = {
        "title": "Payload", "default": None,
        "anyOf": copy.deepcopy(size["anyOf"]) + [{"type": "null"}]}
    from ._catalogue import choices
    props["existing_services"] = {"type": "array", "uniqueItems": True, "default": [],
                                  "title": "Existing Services",
                                  "items": {"enum": sorted(choices())}}
    definitions = doc.get("$defs", {})
    for key, prop in props.items():
        prop["description"] = DESCRIPTIONS[key]
        refs = [prop.get("$ref")] + [p.get("$ref") for p in prop.get("anyOf", [])]
        for ref in filter(None, refs):
            nested = definitions[ref.rsplit("/", 1)[-1]]
            nested.pop("description", None)
            for inner, inner_prop in nested["properties"].items():
                inner_prop["description"] = DESCRIPTIONS[f"{key}.{inner}"]
    return doc


#: Every rule example is laid over this workload (top-level keys replace, nested mappings too).
EXAMPLE_BASE: dict[str, Any] = {"task": "classification", "modality": "tabular",
                                "data_volume": "10 GB", "latency": "batch", "labels": "labeled",
                                "customization": "high"}
