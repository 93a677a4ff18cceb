"""The JSON Schema of the advice (`recommend --schema output`), beside the workload's own
(`workload.schema()`, `recommend --schema`).

The schema is closed (`additionalProperties: false` everywhere), so a key the JSON gains without
a description here fails the test that validates every bundled example's output against it; and
every key described here must be documented in docs/output.md (another test).
"""

from __future__ import annotations

from typing import Any

from ._categories import ALL, ALWAYS_PRESENT, SINGLE
from ._workload import schema as workload_schema

__all__ = ["output_schema", "OUTPUT_KEYS"]


def _object(properties: dict[str, Any], required: list[str] | None = None,
            description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties,
                           "required": list(properties) if required is None else required,
                           "additionalProperties": False}
    if description:
        out["description"] = description
    return out


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


_ITEM = _object({
    "choice": _text("a canonical service, algorithm, mode or technique name"),
    "justification": _text("why, in the project's words, naming the workload facts that led "
                           "here"),
    "rule": _text("the id of the rule that made this recommendation"),
    "sources": {"type": "array", "items": {"type": "string"},
                "description": "cheat-sheet row ids the rule rests on"},
}, description="one recommended item")

_ALTERNATIVE = _object({
    "choice": _text("a choice that did not win the category"),
    "rule": _text("the rule that would recommend it"),
    "priority": {"type": "integer", "description": "that rule's priority"},
    "status": {"enum": ["lost", "not_matched"],
               "description": "lost: its rule matched with a lower priority; not_matched: its "
                              "rule did not match this workload"},
    "reason": _text("why it did not win, in words"),
    "failed_conditions": {"type": "array", "items": {"type": "string"},
                          "description": "for not_matched: each test of the rule that fails, "
                                         "with the workload's value"},
}, required=["choice", "rule", "priority", "status", "reason"],
    description="a choice considered for a single-choice category")

_COUNTERFACTUAL = _object({
    "category": _text("the category whose primary choice the edit changes"),
    "changes": {"type": "object", "description": "the workload keys to set (dotted paths) and "
                                                  "their new values; null removes an optional "
                                                  "fact"},
    "before": _text("the primary choice now"),
    "after": _text("the primary choice after the edit (checked by advising again)"),
    "rule": _text("the rule that makes `after` win"),
    "sentence": _text("the edit and its effect in one sentence"),
}, description="a verified edit of the workload that changes a decision")

#: Every key of the JSON output, with where it sits; docs/output.md documents each.
OUTPUT_KEYS = ("workload", "recommendations", "warnings", "rulebase", "alternatives",
               "counterfactuals", "choice", "justification", "rule", "sources", "message",
               "version", "rules", "priority", "status", "reason", "failed_conditions",
               "category", "changes", "before", "after", "sentence", *ALL)


def output_schema() -> dict[str, Any]:
    """The JSON Schema of `recommend --format json`: one advice, or a list of them when several
    workload files are given."""
    advice = _object({
        "workload": {"$ref": "#/$defs/workload",
                     "description": "the normalised workload, with every default filled in"},
        "recommendations": _object(
            {c: {"type": "array", "items": {"$ref": "#/$defs/item"}, "minItems": 1,
                 "description": ("single choice: the first item is the answer"
                                 if c in SINGLE else "a stack: every item counts")}
             for c in ALL},
            required=list(ALWAYS_PRESENT),
            description="per category, in pipeline order; visualization, framework and "
                        "diagnosis appear only when the workload gives grounds for them"),
        "warnings": {"type": "array", "description": "inputs that do not fit together, and "
                                                     "recommended services AWS renamed, "
                                                     "closed or retired",
                     "items": _object({"rule": _text("the rule (or lifecycle entry) that "
                                                     "raised it"),
                                       "message": _text("what to look at, and why")})},
        "rulebase": _object({"version": _text("the package version and a hash of the rule "
                                              "files"),
                             "rules": {"type": "integer", "description": "how many rules"}},
                            description="the knowledge the advice came from"),
        "alternatives": {"type": "object", "description": "per single-choice category, the "
                                                          "choices that lost and the strongest "
                                                          "that did not match",
                         "propertyNames": {"enum": list(SINGLE)},
                         "additionalProperties": {"type": "array",
                                                  "items": {"$ref": "#/$defs/alternative"}}},
        "counterfactuals": {"type": "object", "description": "with --what-if: per category, "
                                                             "the smallest verified edits that "
                                                             "change its decision",
                            "propertyNames": {"enum": list(SINGLE)},
                            "additionalProperties": {
                                "type": "array", "items": {"$ref": "#/$defs/counterfactual"}}},
    }, required=["workload", "recommendations", "warnings", "rulebase", "alternatives"],
        description="the advice for one workload")
    workload = workload_schema()
    definitions = workload.pop("$defs", {})
    for key in ("$schema", "title"):
        workload.pop(key, None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "recommender advice",
        "description": "The output of `recommend --format json` (docs/output.md).",
        "anyOf": [{"$ref": "#/$defs/advice"},
                  {"type": "array", "items": {"$ref": "#/$defs/advice"},
                   "description": "several workload files: one advice each, in order"}],
        "$defs": {"advice": advice, "item": _ITEM, "alternative": _ALTERNATIVE,
                  "counterfactual": _COUNTERFACTUAL,
                  # the workload's own references (#/$defs/Features, ...) resolve here too
                  "workload": workload, **definitions},
    }
