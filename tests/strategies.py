"""Hypothesis strategies for workloads, derived from the workload model itself."""

from __future__ import annotations

import typing

from hypothesis import strategies as st

from recommender._model import Generative, Quality, Security, TimeSeries
from recommender._model import Workload as Model
from recommender._workload import Workload, format_size

_LIT = typing.Literal


def _literal_values(model: type, name: str) -> tuple[str, ...]:
    annotation = model.model_fields[name].annotation
    if typing.get_origin(annotation) is typing.Union:
        annotation = [a for a in typing.get_args(annotation) if a is not type(None)][0]
    return typing.get_args(annotation)


def values(name: str) -> tuple[str, ...]:
    return _literal_values(Model, name)


def _members(name: str) -> tuple[str, ...]:
    """The allowed items of a list field (tuple[Literal[...], ...])."""
    item = typing.get_args(Model.model_fields[name].annotation)[0]
    return typing.get_args(item)


#: The list fields a workload may give (existing_services names catalogue choices: left out).
_SETS = [n for n, f in Model.model_fields.items()
         if typing.get_origin(f.annotation) is tuple and n != "existing_services"]


sizes = st.one_of(
    st.integers(min_value=1, max_value=10**18),
    st.builds(lambda n, unit: f"{n} {unit}", st.integers(1, 999),
              st.sampled_from(["B", "KB", "MB", "GB", "TB", "PB"])),
    st.integers(min_value=1, max_value=10**18).map(format_size),
)

features = st.fixed_dictionaries({}, optional={
    "count": st.integers(1, 100_000), "sparse": st.booleans(), "categorical": st.booleans(),
    "scales_differ": st.booleans(), "entity_ip_pairs": st.booleans()})
quality = st.fixed_dictionaries({}, optional={k: st.booleans() for k in Quality.model_fields})
time_series = st.fixed_dictionaries({}, optional={
    "related_series": st.integers(1, 100_000),
    "seasonality": st.sampled_from(_literal_values(TimeSeries, "seasonality")),
    "stationary": st.booleans(),
    "history": st.sampled_from(_literal_values(TimeSeries, "history")),
    "intermittent": st.booleans(), "quantiles": st.booleans(), "cold_start": st.booleans()})
serving = st.fixed_dictionaries({}, optional={
    "payload": st.sampled_from(["2 KB", "1 MB", "5 MB", "50 MB", "800 MB"]),
    "processing_seconds": st.sampled_from([0.05, 2, 45, 90, 1800]),
    "models": st.sampled_from([1, 3, 12, 400]), "edge": st.booleans(), "gpu": st.booleans(),
    "mixed_frameworks": st.booleans()})
security = st.fixed_dictionaries({}, optional={k: st.booleans() for k in Security.model_fields})
generative = st.fixed_dictionaries({}, optional={
    "knowledge_changes": st.sampled_from(_literal_values(Generative, "knowledge_changes")),
    "cite_sources": st.booleans(),
    "tuning_examples": st.sampled_from(_literal_values(Generative, "tuning_examples")),
    "data_residency": st.booleans(), "uses_tools": st.booleans(),
    "audience": st.sampled_from(_literal_values(Generative, "audience"))})
errors = st.one_of(st.floats(0, 1, allow_nan=False), st.floats(0, 1000, allow_nan=False),
                   st.sampled_from([0.0, 0.15, 0.2, 1.0]))
diagnostics = st.fixed_dictionaries(
    {"train_error": errors, "validation_error": errors},
    optional={"target_error": st.floats(0.001, 1000, allow_nan=False)})

_BOOLS = [n for n, f in Model.model_fields.items() if f.annotation is bool]
_ENUMS = [n for n in Model.model_fields
          if n not in ("task", "modality", "latency", "labels", "customization")
          and values(n) and isinstance(values(n)[0], str)]

workloads = st.fixed_dictionaries(
    {name: st.sampled_from(values(name))
     for name in ("task", "modality", "latency", "labels", "customization")}
    | {"data_volume": sizes},
    optional={**{n: st.sampled_from(values(n)) for n in _ENUMS},
              **{n: st.booleans() for n in _BOOLS},
              "features": features, "quality": quality, "time_series": time_series,
              "diagnostics": diagnostics,
              "serving": serving, "security": security, "generative": generative,
              **{n: st.lists(st.sampled_from(_members(n)), unique=True, max_size=3)
                 for n in _SETS},
              "name": st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1,
                              max_size=30).filter(lambda s: s.strip() != "")})


def conditions_of(tests: list, max_leaves: int = 6) -> st.SearchStrategy:
    """Raw rule conditions (`when` values) built from the given field tests with all, any and
    not."""
    return st.recursive(
        st.sampled_from(tests),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            inner.map(lambda x: {"not": x})),
        max_leaves=max_leaves)


def fact_of(overlay: dict) -> dict:
    """The flat fact of a rule example or witness (a partial workload over the example base,
    perhaps with `decided: {category: choice}`): every decision it does not give is a choice
    no rule names."""
    from recommender._categories import SINGLE
    from recommender._conditions import OTHER_CHOICE, decided_key, flatten
    from recommender._rulebook import example_workload
    overlay = dict(overlay)
    decided = {decided_key(c): OTHER_CHOICE for c in SINGLE}
    decided.update({decided_key(k): v for k, v in overlay.pop("decided", {}).items()})
    return {**flatten(Workload.from_mapping(example_workload(overlay))), **decided}
