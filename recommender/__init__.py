"""recommender: a justified AWS architecture for a machine-learning workload.

    >>> from recommender import advise
    >>> advice = advise({"task": "forecasting", "modality": "time_series",
    ...                  "data_volume": "5 GB", "latency": "batch", "labels": "labeled",
    ...                  "customization": "low"})
    >>> advice.primary("service_choice").choice   # Amazon Forecast is closed to new customers
    'SageMaker Canvas'
    >>> advise({**advice.workload.to_dict(), "existing_services": ["Amazon Forecast"]}
    ...        ).primary("service_choice").choice
    'Amazon Forecast'

The names below are imported when first used (PEP 562), so that `recommend --version`, or a
module of the package imported on its own, does not wait for pydantic and the rule base.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__

__all__ = ["advise", "Recommender", "Advice", "Recommendation", "Warning", "Workload", "RuleBook",
           "load_rulebook", "RecommenderError", "InputError", "DocumentError", "WorkloadError",
           "RuleBaseError", "EngineError", "Problem", "__version__"]

#: Where each public name is defined.
_HOMES = {"advise": "_core", "Recommender": "_core", "Advice": "_advice",
          "Recommendation": "_advice", "Warning": "_advice", "Workload": "_workload",
          "RuleBook": "_rulebook", "load_rulebook": "_rulebook",
          **{name: "_errors" for name in ("RecommenderError", "InputError", "DocumentError",
                                          "WorkloadError", "RuleBaseError", "EngineError",
                                          "Problem")}}

if TYPE_CHECKING:  # pragma: no cover
    from ._advice import Advice, Recommendation, Warning
    from ._core import Recommender, advise
    from ._errors import (DocumentError, EngineError, InputError, Problem, RecommenderError,
                          RuleBaseError, WorkloadError)
    from ._rulebook import RuleBook, load_rulebook
    from ._workload import Workload


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'recommender' has no attribute {name!r}")
    from importlib import import_module
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
