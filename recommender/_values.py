"""How a workload value reads: one formatter for every output.

`shown(key, value)` writes a value as a user would write it in a workload file (sizes in a
short human form, true/false, lists in brackets, absent facts as "(not given)"); reports, the
terminal views, diff and the explanations all use it. `prose(key, value)` is the same value
inside a sentence (a rule's justification): "real-time" rather than `realtime`, "yes" rather
than `true`.
"""

from __future__ import annotations

from typing import Any

from ._workload import SIZE_FIELDS, format_size

__all__ = ["shown", "prose", "category_title"]

#: Keys whose numbers are byte sizes.
_SIZES = set(SIZE_FIELDS)


def shown(key: str, value: Any) -> str:
    """`value` of the workload key `key` (dotted or flat) as written in a workload file."""
    if value is None:
        return "(not given)"
    if key.replace("__", ".") in _SIZES and isinstance(value, (int, float)) and \
            not isinstance(value, bool):
        return format_size(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {shown(k, v)}" for k, v in value.items()) or "(none)"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


#: How some enumeration values read inside a sentence (the rest: underscores become spaces).
WORDS = {"s3": "S3", "on_premises_files": "on-premises files",
         "on_premises_database": "on-premises database", "cloud_database": "cloud database",
         "iot_devices": "IoT devices", "saas": "SaaS applications", "realtime": "real-time",
         "near_realtime": "near-real-time", "one_time": "one-time",
         "sql_analytics": "SQL analytics", "single_instance": "single-instance",
         "partially_labeled": "partially labeled", "reward_signal": "reward signal",
         "false_positive": "false positives", "false_negative": "false negatives"}


def prose(key: str, value: Any) -> str:
    """`value` of the workload key `key` inside a sentence."""
    if value is None:
        return "unknown"
    if key in _SIZES:
        return format_size(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (tuple, list)):
        return ", ".join(value) if value else "none"
    if isinstance(value, str):
        return WORDS.get(value, value.replace("_", " "))
    if isinstance(value, float):
        return f"{value:.3g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def category_title(category: str) -> str:
    """A category as a heading: "Feature engineering", "MLOps"."""
    return "MLOps" if category == "mlops" else category.replace("_", " ").capitalize()
