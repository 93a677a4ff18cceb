"""Reading documents: limits enforced before anything is built, and clear refusals."""

import pytest

from recommender._documents import MAX_BYTES, MAX_DEPTH, load_path, load_text
from recommender._errors import DocumentError


def _refused(text):
    with pytest.raises(DocumentError) as info:
        load_text(text, "w.yaml")
    (problem,) = info.value.problems
    assert problem.where == "w.yaml"
    return problem.message


def test_plain_yaml_and_json_are_read():
    assert load_text("a: 1\nb: [x, y]\n") == {"a": 1, "b": ["x", "y"]}
    assert load_text('{"a": 1, "b": true}') == {"a": 1, "b": True}


def test_duplicate_keys_are_refused():
    assert "appears twice" in _refused("task: a\ntask: b\n")


def test_object_building_tags_are_refused():
    assert "tag" in _refused("!!python/object/apply:os.system ['true']\n")
    assert "tag" in _refused("x: !!python/name:os.system\n")


def test_deep_nesting_is_refused_before_building():
    deep = "x: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert "nested" in _refused(deep)


def test_alias_expansion_is_bounded():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    assert "values" in _refused("\n".join(lines))


def test_oversized_text_is_refused():
    assert "limit" in _refused("x: '" + "a" * MAX_BYTES + "'")


def test_empty_and_multi_document_input_is_refused():
    assert "empty" in _refused("")
    assert "empty" in _refused("# only a comment\n")
    assert "documents" in _refused("a: 1\n---\nb: 2\n")


def test_invalid_yaml_names_line_and_column():
    assert "line 2" in _refused("a: 1\n b: [\n")


def test_files(tmp_path):
    with pytest.raises(DocumentError, match="does not exist"):
        load_path(tmp_path / "missing.yaml")
    with pytest.raises(DocumentError, match="directory"):
        load_path(tmp_path)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00a")
    with pytest.raises(DocumentError):
        load_path(binary)
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (MAX_BYTES + 10))
    with pytest.raises(DocumentError, match="limit"):
        load_path(big)


def test_impossible_dates_are_a_document_error():
    assert "cannot read" in _refused("name: 2025-13-01\n")
