"""Both JSON Schemas are exact: the workload schema accepts what the validator accepts and
nothing else, the output schema describes every key the JSON carries, and both are documented."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
from hypothesis import example, given, strategies as st

from clirun import run
from recommender._errors import WorkloadError
from recommender._schemas import OUTPUT_KEYS, output_schema
from recommender._workload import DESCRIPTIONS, Workload, schema

from strategies import workloads

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
WORKLOAD = jsonschema.Draft202012Validator(schema())
OUTPUT = jsonschema.Draft202012Validator(output_schema())
BASE = {"task": "regression", "modality": "tabular", "data_volume": "1 GB", "latency": "batch",
        "labels": "labeled", "customization": "low"}


def test_the_schemas_are_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.Draft202012Validator.check_schema(output_schema())


def _accepted(document) -> bool:
    try:
        Workload.from_mapping(document)
    except WorkloadError:
        return False
    return True


def _agree(document) -> None:
    by_schema = WORKLOAD.is_valid(document)
    assert by_schema == _accepted(document), (document, by_schema)


@pytest.mark.parametrize("size, valid", [
    ("750mb", True), ("1.5 tb", True), ("1.5\tGB\n", True), ("0.5 KB", True), (".5 GB", True),
    ("1000 PB", True), ("1000.000 PB", True), ("0001 TB", True), (5.0, True), (1, True),
    ("0 B", False), ("0.0 GB", False), ("2000 PB", False), ("1000.1 PB", False),
    ("1.5 B", False), ("0.0005 KB", False), ("1e3", False), ("\u0663 GB", False),
    ("5 XB", False), ("", False), (0, False), (10**18 + 1, False), (1.5, False), (True, False),
    ("1" + " " * 100 + "GB", False),
])
def test_sizes_the_issue_names(size, valid):
    document = {**BASE, "data_volume": size}
    assert WORKLOAD.is_valid(document) == valid
    assert _accepted(document) == valid


@pytest.mark.parametrize("name, valid", [
    ("plain", True), ("caf\u00e9 \u5e97 \U0001f600", True), ("tab\there", False),
    ("bell\x07", False), ("c1\x9b[2J", False), ("", False), ("x" * 200, True), ("x" * 201, False),
])
def test_names(name, valid):
    document = {**BASE, "name": name}
    assert WORKLOAD.is_valid(document) == valid
    assert _accepted(document) == valid


_DIGITS = st.text("0123456789", min_size=0, max_size=22)
_SIZES = st.one_of(
    st.builds(lambda lead, a, dot, b, gap, unit, tail: f"{lead}{a}{dot}{b}{gap}{unit}{tail}",
              st.sampled_from(["", " ", "\t", "\n"]), _DIGITS, st.sampled_from(["", ".", ".."]),
              _DIGITS, st.sampled_from(["", " ", "\t", "  ", "\n"]),
              st.sampled_from(["", "B", "b", "kB", "KB", "Mb", "GB", "gb", "TB", "Pb", "PB",
                               "EB", "KiB", "bytes"]),
              st.sampled_from(["", " ", "\n", "\r\n", "x"])),
    st.text(max_size=12),
    st.integers(min_value=-5, max_value=10**19),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.none(),
)
_ANY = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**10), st.floats(allow_nan=False),
                 st.text(max_size=8), st.lists(st.sampled_from(["spark", "kafka", "x"]),
                                               max_size=3))


@given(size=_SIZES)
@example(size="1000000000000000000")
@example(size="10000000000000000000 B")
@example(size="0.000000000000001 PB")
@example(size="0.0000000000000001 PB")
def test_schema_and_validator_agree_on_sizes(size):
    _agree({**BASE, "data_volume": size})


@given(base=workloads, key=st.sampled_from(sorted(DESCRIPTIONS)), value=_ANY)
def test_schema_and_validator_agree_on_any_key(base, key, value):
    """Valid workloads with one key (top-level or nested) set to an arbitrary value."""
    document = json.loads(json.dumps(base))
    head, _, tail = key.partition(".")
    if tail:
        nested = document.get(head)
        document[head] = {**(nested if isinstance(nested, dict) else {}), tail: value}
        if head == "diagnostics":
            document[head].setdefault("train_error", 0.1)
            document[head].setdefault("validation_error", 0.1)
    else:
        document[key] = value
    _agree(document)


@given(workloads)
def test_every_generated_workload_is_valid_by_the_schema(document):
    assert WORKLOAD.is_valid(json.loads(json.dumps(document)))


def _documented_meanings() -> dict[str, str]:
    out = {}
    for line in (ROOT / "docs" / "workload.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `([a-z_.]+)` \| .* \| (.*) \|\s*$", line)
        if match:
            out[match.group(1)] = match.group(2)
    return out


def test_every_property_carries_its_description_from_docs():
    documented = _documented_meanings()
    assert documented == DESCRIPTIONS
    doc = schema()
    for key, prop in doc["properties"].items():
        assert prop["description"] == documented[key]
    for definition in doc["$defs"].values():
        assert all(p.get("description") for p in definition["properties"].values())


def test_the_schema_is_printed_by_the_command(capsys):
    code, out, _ = run(["--schema"], capsys)
    assert code == 0 and json.loads(out) == schema()
    code, out, _ = run(["--schema", "output"], capsys)
    assert code == 0 and json.loads(out) == output_schema()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_output_is_valid_by_the_output_schema(path, capsys):
    for extra in ([], ["--what-if"], ["--new-customer"]):
        code, out, err = run(["--format", "json", *extra, str(path)], capsys)
        assert code == 0, err
        OUTPUT.validate(json.loads(out))


def test_several_workloads_give_a_list_valid_by_the_output_schema(capsys):
    code, out, _ = run(["--format", "json", *map(str, EXAMPLES)], capsys)
    document = json.loads(out)
    assert code == 0 and isinstance(document, list)
    OUTPUT.validate(document)


def test_an_undocumented_key_fails_the_output_schema(capsys):
    code, out, _ = run(["--format", "json", str(EXAMPLES[0])], capsys)
    document = json.loads(out)
    document["recommendations"]["storage"][0]["extra"] = 1
    assert not OUTPUT.is_valid(document)


def _keys(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found.update(value)
            _keys(value, found)
    elif isinstance(node, list):
        for value in node:
            _keys(value, found)
    return found


def test_every_output_key_is_documented():
    """Every property the output schema names, outside the workload's own (docs/workload.md),
    appears in docs/output.md as `key`."""
    text = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    schema_ = output_schema()
    workload_keys = _keys(schema(), set())
    keys = _keys({k: v for k, v in schema_["$defs"].items()
                  if k in ("advice", "item", "alternative", "counterfactual")}, set())
    assert keys - workload_keys <= set(OUTPUT_KEYS) | set(workload_keys)
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert missing == []
