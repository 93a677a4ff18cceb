"""The keys of a workload: their kinds, allowed values, bounds, sizes and meanings, as plain
data read from the generated tables of the models (recommender/_vocabulary.py).

Everything here is free of pydantic, so that checking a workload (recommender/_workload.py),
loading rules and advising never import it; the models (recommender/_model.py) use these too.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from ._documents import NumberLike
from ._errors import did_you_mean
from ._vocabulary import MODELS

__all__ = ["FIELDS", "FieldSpec", "DERIVED", "LIST_FIELDS", "TOP_LEVEL_KEYS", "ROWS",
           "SIZE_FIELDS", "OPTIONAL_GROUPS", "TIME_SERIES_DEFAULTS", "DESCRIPTIONS",
           "parse_size", "format_size", "MAX_BYTES", "SIZE_HELP", "SIZE_PATTERN",
           "SIZE_MAX_LENGTH", "NAME_PATTERN", "OTHER_FORMS", "MODELS"]

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


class FieldSpec(NamedTuple):
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


# ---------------------------------------------------------------------------------------------
# Field catalogue for rule conditions

#: The fields that hold a size (bytes, written as text such as "750 MB").
SIZE_FIELDS = ("data_volume", "serving.payload")
#: The optional mappings whose facts come and go with the mapping (given, every fact with a
#: default is present; an Optional one stays unknown unless given).
OPTIONAL_GROUPS = ("serving", "security", "generative")
_SPEC_KIND = {"enum": "enum", "bool": "bool", "int": "int", "float": "number", "size": "size",
              "set": "set"}


def _spec(path: str, row: tuple[Any, ...], optional: bool) -> FieldSpec:
    _, kind, values, _, nullable, low, _, high, description = row
    if kind == "size":
        low, high = 1, MAX_BYTES
    return FieldSpec(path, _SPEC_KIND[kind], values if kind in ("enum", "set") else (),
                     optional or nullable, description,
                     low if kind != "bool" else None, high if kind != "bool" else None)


def _build_fields() -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for row in MODELS["Workload"]:
        name, kind, values, _, nullable = row[:5]
        if kind in ("name", "services"):  # not for rules to test
            continue
        if kind == "group":
            for sub in MODELS[values[0]]:
                spec = _spec(f"{name}.{sub[0]}", sub, nullable)
                fields[spec.path] = spec
        else:
            fields[name] = _spec(name, row, False)
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
TOP_LEVEL_KEYS: tuple[str, ...] = tuple(row[0] for row in MODELS["Workload"])
#: The table row (recommender/_vocabulary.py) of every key, top-level (`task`) or nested
#: (`serving.models`): (name, kind, values, default, nullable, low, low_excluded, high, ...).
ROWS: dict[str, tuple[Any, ...]] = {
    **{row[0]: row for row in MODELS["Workload"]},
    **{f"{row[0]}.{sub[0]}": sub for row in MODELS["Workload"] if row[1] == "group"
       for sub in MODELS[row[2][0]]}}
#: The value of every time-series fact that the workload does not give.
TIME_SERIES_DEFAULTS: dict[str, Any] = {row[0]: row[3] for row in MODELS["TimeSeries"]}


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


_NAME = re.compile("^[^\x00-\x1f\x7f-\x9f]*\\Z")


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


#: Every rule example is laid over this workload (top-level keys replace, nested mappings too).


def flat_key(path: str) -> str:
    """The key of a field in the flat fact both engines match against."""
    return path.replace(".", "__")
