"""The output categories of an advice, in the order a pipeline meets them."""

from __future__ import annotations

__all__ = ["SINGLE", "STACK", "OPTIONAL", "ALL", "ALWAYS_PRESENT", "WARNINGS", "RULE_CATEGORIES",
           "kind_of"]

#: The primary (first) item is the answer; other matching choices follow it.
SINGLE = ("storage", "ingestion", "transformation", "learning_paradigm", "algorithm",
          "service_choice", "deployment")
#: Every item counts.
STACK = ("data_preparation", "feature_engineering", "training", "evaluation", "monitoring",
         "security", "mlops")
#: Stacks present only when the workload gives grounds: diagnosis when `diagnostics` is given,
#: visualization and framework when the team explores data or writes its own model code.
OPTIONAL = ("visualization", "framework", "diagnosis")

ALL = ("storage", "ingestion", "transformation", "data_preparation", "visualization",
       "feature_engineering", "learning_paradigm", "algorithm", "service_choice", "framework",
       "training", "deployment", "evaluation", "monitoring", "security", "mlops", "diagnosis")
ALWAYS_PRESENT = tuple(c for c in ALL if c not in OPTIONAL)
#: Rules in this category raise warnings instead of recommending: `recommend` is a short title
#: and `because` the message.
WARNINGS = "warnings"
RULE_CATEGORIES = ALL + (WARNINGS,)

assert set(ALL) == set(SINGLE) | set(STACK) | set(OPTIONAL)


def kind_of(category: str) -> str:
    """"single" or "stack"."""
    return "single" if category in SINGLE else "stack"
