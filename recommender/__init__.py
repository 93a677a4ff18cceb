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
"""

from ._version import __version__  # noqa: E402,F401

from ._advice import Advice, Recommendation, Warning  # noqa: E402
from ._core import Recommender, advise  # noqa: E402
from ._errors import (DocumentError, EngineError, InputError, Problem,  # noqa: E402
                     RecommenderError, RuleBaseError, WorkloadError)
from ._rulebook import RuleBook, load_rulebook  # noqa: E402
from ._workload import Workload  # noqa: E402

__all__ = ["advise", "Recommender", "Advice", "Recommendation", "Warning", "Workload", "RuleBook",
           "load_rulebook", "RecommenderError", "InputError", "DocumentError", "WorkloadError",
           "RuleBaseError", "EngineError", "Problem", "__version__"]
