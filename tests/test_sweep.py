"""`recommend sweep`: many workloads in, one JSON line each out, bad ones reported in place."""

import json

from recommender import advise
from clirun import run

GOOD = {"task": "regression", "modality": "tabular", "data_volume": "5 GB",
        "latency": "batch", "labels": "labeled", "customization": "high"}


def test_jsonl_in_jsonl_out_in_order(tmp_path, capsys):
    source = tmp_path / "many.jsonl"
    rows = [GOOD, {**GOOD, "latency": "realtime"}, {**GOOD, "task": "regresion"}, {**GOOD, "task": "clustering",
                                                                        "labels": "unlabeled"}]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n\nnot json\n")
    code, out, err = run(["sweep", "--brief", str(source)], capsys)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and [line["index"] for line in lines] == [0, 1, 2, 3, 4]
    assert lines[0]["choices"]["deployment"] == advise(GOOD).choices("deployment")
    assert "error" in lines[2] and "did you mean" in lines[2]["error"]
    assert "error" in lines[4] and "line 6" in lines[4]["error"]
    assert "2 of 5 workloads" in err


def test_full_advice_and_yaml_lists(tmp_path, capsys):
    source = tmp_path / "few.yaml"
    source.write_text("- " + json.dumps(GOOD) + "\n- " + json.dumps({**GOOD, "name": "b"}) + "\n")
    out_file = tmp_path / "out.jsonl"
    code, _, _ = run(["sweep", str(source), "-o", str(out_file)], capsys)
    lines = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert code == 0 and len(lines) == 2 and lines[1]["name"] == "b"
    assert lines[0]["advice"] == json.loads(json.dumps(advise(GOOD).to_dict()))


def test_missing_sweep_file_exits_2(tmp_path, capsys):
    code, _, err = run(["sweep", str(tmp_path / "none.jsonl")], capsys)
    assert code == 2 and "does not exist" in err


def test_worker_processes_keep_the_input_order(tmp_path, capsys):
    source = tmp_path / "many.jsonl"
    rows = [{**GOOD, "name": f"w{i}", "latency": ["batch", "realtime"][i % 2]}
            for i in range(1200)]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    code, out_one, _ = run(["sweep", "--brief", "-j", "1", str(source)], capsys)
    code_two, out_two, _ = run(["sweep", "--brief", "-j", "2", str(source)], capsys)
    assert code == code_two == 0 and out_one == out_two
    assert [json.loads(line)["name"] for line in out_two.splitlines()] == \
        [r["name"] for r in rows]


def test_sweep_lines_refuse_duplicate_keys_like_workload_files(tmp_path, capsys):
    source = tmp_path / "dup.jsonl"
    source.write_text('{"task": "regression", "task": "clustering"}\n')
    code, out, _ = run(["sweep", "--brief", str(source)], capsys)
    assert code == 2 and "appears twice" in json.loads(out)["error"]
