"""Small rule directories built in a test's tmp_path, to break on purpose."""

import textwrap
from pathlib import Path

from recommender._categories import ALWAYS_PRESENT


def _write(root: Path, category: str, stem: str, body: str) -> Path:
    path = root / category / f"{stem}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body))
    return path


def _fallback(category: str, choice: str) -> str:
    return f"""\
        id: {category}.fallback
        category: {category}
        title: Fallback for {category}
        recommend: {choice}
        priority: 1
        when: always
        because: A fallback that always holds, for {{task}} workloads in this test.
        sources: [STO-01]
        examples:
          match: [{{}}]
        """


CHOICES = {"storage": "Amazon S3", "ingestion": "AWS Glue", "transformation": "AWS Glue",
           "data_preparation": "Data auditing", "feature_engineering": "Data type review",
           "learning_paradigm": "Supervised learning", "algorithm": "XGBoost",
           "service_choice": "Amazon SageMaker", "training": "File mode",
           "deployment": "SageMaker batch transform", "evaluation": "Accuracy",
           "monitoring": "Amazon CloudWatch", "security": "IAM roles with least privilege",
           "mlops": "Infrastructure as code"}


def rule_text(id_: str, recommend: str, priority: int, when: str, match: str, no_match: str,
              extra: str = "") -> str:
    """A rule file for `_write`, with a condition and examples written as YAML flow text."""
    category, _ = id_.split(".")
    return f"""\
        id: {id_}
        category: {category}
        title: A rule written for a test
        recommend: {recommend}
        priority: {priority}
        {extra}
        when: {when}
        because: A justification long enough for the loader, about {{task}} workloads.
        sources: [ING-02]
        examples:
          match: {match}
          no_match: {no_match}
        """


def minimal_rules_dir(tmp_path: Path) -> Path:
    """A valid rule directory: one `always` fallback per always-present category."""
    root = tmp_path / "rules"
    for category in ALWAYS_PRESENT:
        _write(root, category, "fallback", _fallback(category, CHOICES[category]))
    return root
