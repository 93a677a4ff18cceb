"""The output categories of an advice, in the order a pipeline meets them."""

from __future__ import annotations

__all__ = ["SINGLE", "STACK", "OPTIONAL", "ALL", "ALWAYS_PRESENT", "WARNINGS", "RULE_CATEGORIES",
           "STAGES", "STAGE_OF", "kind_of"]

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

#: The order in which categories are decided. A rule may test the decision of a single-choice
#: category of an earlier stage (`decided.service_choice`), never of its own stage or a later one,
#: so the decisions can never depend on each other in a circle. Inside a stage, categories are
#: decided independently of each other.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("approach", ("service_choice",)),
    # how the model learns follows the approach (a pre-trained service, a foundation model or
    # the team's own training); storage and ingestion need neither, so they share the stage
    ("data path", ("learning_paradigm", "storage", "ingestion")),
    ("preparation", ("transformation", "data_preparation", "visualization",
                     "feature_engineering")),
    ("model", ("algorithm", "framework", "training")),
    ("serving", ("deployment", "evaluation")),
    ("operations", ("monitoring", "security", "mlops", "diagnosis", WARNINGS)),
)
#: The stage number of every rule category.
STAGE_OF: dict[str, int] = {c: n for n, (_, cats) in enumerate(STAGES) for c in cats}

assert set(STAGE_OF) == set(RULE_CATEGORIES)


def kind_of(category: str) -> str:
    """"single" or "stack"."""
    return "single" if category in SINGLE else "stack"
