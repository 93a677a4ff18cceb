"""The pydantic models of the workload: the source of truth of its vocabulary, the words of
every error about it, and its JSON Schema.

A valid workload of plain values never reaches this module: `recommender/_vocabulary.py` holds
the models as plain tables (generated from them by `tools/make_vocabulary.py`; a test keeps it
current), and `recommender/_workload.py` checks a workload with those tables, taking only what
the models take, with the values they give. Only when that check is not sure (a mistake, or an
unusual but valid form such as 5.0 for a count) does `validate()` run the models, which decide
and word every problem; `schema()` publishes them.
"""

from __future__ import annotations

import copy
import math
import pprint
import textwrap
import types
import typing
from typing import Any, Literal, Mapping, Optional, Union

from pydantic import (BaseModel, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from ._documents import OTHER_NUMBER_FORMS
from ._errors import Problem, WorkloadError, did_you_mean
from ._keys import (DESCRIPTIONS, FIELDS, MAX_BYTES, NAME_PATTERN, OTHER_FORMS, SIZE_FIELDS,
                    SIZE_HELP, SIZE_MAX_LENGTH, SIZE_PATTERN, _NAME, _kind, _short, parse_size)

__all__ = ["Workload", "validate", "schema", "vocabulary_source"]

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
# Models

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


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



class TimeSeries(BaseModel):
    """Facts about a forecasting problem; missing facts take their defaults."""

    model_config = _STRICT
    related_series: int = Field(default=1, ge=1, le=10**9,
                                description="how many related series are forecast together")
    seasonality: Seasonality = "weak"
    stationary: bool = False
    history: History = "long"
    intermittent: bool = False
    quantiles: bool = False
    cold_start: bool = False

    _series = field_validator("related_series", mode="before")(
        classmethod(lambda cls, v: _whole(v)))


class Diagnostics(BaseModel):
    """Results of a training run: errors on the same metric, lower is better."""

    model_config = _STRICT
    train_error: float = Field(ge=0, le=1e12)
    validation_error: float = Field(ge=0, le=1e12)
    target_error: Optional[float] = Field(
        default=None, gt=0, le=1e12,
        description="the error the team would accept (a baseline or human-level error)")


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


def validate(data: dict[str, Any], where: str | None = None,
             model: str = "Workload") -> BaseModel:
    """The model `model` validated from `data`; or WorkloadError listing every problem with it
    (a nested mapping's problems are named by their key in the workload, such as
    `serving.models`). recommender/_workload.py makes its plain record of it."""
    cls = _MODELS[model]
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        prefix = () if cls is Workload else (_GROUP_OF[model],)
        errors = [{**err, "loc": prefix + tuple(err["loc"])}
                  for err in exc.errors(include_url=False)]
        raise WorkloadError(_problems(errors, data), where=where) from None


def vocabulary_source() -> str:
    """The text of recommender/_vocabulary.py: every model as a table of its fields."""
    lines = ['"""The workload\'s models as plain tables, for checking a workload without pydantic',
             "(recommender/_workload.py). Generated from recommender/_model.py by",
             "`python tools/make_vocabulary.py`; do not edit (a test keeps it current).",
             "",
             "MODELS: per model, per field in order: (name, kind, values, default, nullable,",
             "low, low_excluded, high, description). kind: enum, bool, int, float, size, name,",
             "set, services, or group (values: the nested model). default: Ellipsis when the",
             "key is required; for a group, {} when it defaults to its own defaults. low and",
             'high: the bounds of a number, or the lengths of a name; None when unbounded.',
             '"""', "", "MODELS = {"]
    for model in (Workload, Features, Quality, TimeSeries, Diagnostics, Serving, Security,
                  Generative):
        lines.append(f"    {model.__name__!r}: (")
        for name, info in model.model_fields.items():
            row = pprint.pformat(_row(model, name, info), width=91, compact=True)
            lines.append(textwrap.indent(row, " " * 8) + ",")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _row(model: type[BaseModel], name: str, info: Any) -> tuple[Any, ...]:
    annotation, nullable = _unwrap(info.annotation)
    origin = typing.get_origin(annotation)
    values: tuple[Any, ...] = ()
    if origin is Literal:
        kind, values = "enum", typing.get_args(annotation)
    elif origin is tuple:
        item = typing.get_args(annotation)[0]
        kind, values = ("set", typing.get_args(item)) if typing.get_origin(item) is Literal \
            else ("services", ())
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        kind, values = "group", (annotation.__name__,)
    elif annotation is bool:
        kind = "bool"
    elif annotation is int:
        path = name if model is Workload else f"{_GROUP_OF[model.__name__]}.{name}"
        kind = "size" if path in SIZE_FIELDS else "int"
    elif annotation is float:
        kind = "float"
    elif annotation is str:
        kind = "name"
    else:  # pragma: no cover - a new kind of field needs a check in recommender/_workload.py
        raise TypeError(f"no plain check for {model.__name__}.{name}: {annotation!r}")
    if info.is_required():
        default: Any = ...
    elif info.default_factory is not None:
        default = {}
    else:
        default = info.default
    low = high = None
    low_excluded = False
    for item in info.metadata:
        if getattr(item, "ge", None) is not None:
            low = item.ge
        if getattr(item, "gt", None) is not None:
            low, low_excluded = item.gt, True
        if getattr(item, "le", None) is not None:
            high = item.le
        if getattr(item, "min_length", None) is not None:
            low = item.min_length
        if getattr(item, "max_length", None) is not None:
            high = item.max_length
    return (name, kind, values, default, nullable, low, low_excluded, high,
            info.description or "")


_MODELS: dict[str, type[BaseModel]] = {}  # filled below the models

#: Which key of the workload holds each nested model.
_GROUP_OF = {"Features": "features", "Quality": "quality", "TimeSeries": "time_series",
             "Diagnostics": "diagnostics", "Serving": "serving", "Security": "security",
             "Generative": "generative"}


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


def _problems(errors: list[Any], data: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in errors:
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


_MODELS.update({model.__name__: model for model in (
    Workload, Features, Quality, TimeSeries, Diagnostics, Serving, Security, Generative)})
