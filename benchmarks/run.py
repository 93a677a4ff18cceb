"""Every performance figure of the recommender, measured in one run on this machine.

    python benchmarks/run.py            # the full run (a few minutes on 2 cores)
    python benchmarks/run.py --quick    # smaller counts, for a first look

Prints, with the targets of issue 5 beside them:
  1. advise() per call, median and p99, on the examples and on generated workloads, for the
     durable engine and the Python reference; the matching step alone and its ratio;
  2. a sweep of 100,000 generated workloads through advise(), and through `recommend sweep`;
  3. resident memory before and after 200,000 calls;
  4. CLI start-up: `recommend examples/fraud-scoring.yaml` against `python -c pass`;
  5. rule-base load (full validation, and from the cache) and engine compile time.
Timings are never asserted in tests; this script is where they are measured.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from recommender import advise, load_rulebook  # noqa: E402
from recommender._categories import STAGES  # noqa: E402
from recommender._documents import load_path  # noqa: E402
from recommender._engine import DurableEngine, PythonEngine, durable_available  # noqa: E402
from recommender._rulebook import _load, default_rules_dir  # noqa: E402
from recommender._workload import Workload  # noqa: E402

TARGETS = {"advise": 150.0, "ratio": 3.0, "sweep": 30.0, "rss": 5.0, "startup": 400.0}


def generated(n: int, seed: int = 7) -> list[dict]:
    """Random valid workloads over every enumeration and flag (deterministic)."""
    rng = random.Random(seed)
    fields = Workload.model_fields
    out = []
    for _ in range(n):
        w: dict = {"data_volume": rng.choice(["500 MB", "20 GB", "3 TB", "2 PB"])}
        for name in ("task", "modality", "latency", "labels", "customization", "velocity",
                     "source", "network", "access_pattern", "ml_expertise", "traffic",
                     "transfer", "training_throughput", "costlier_error", "feedback"):
            w[name] = rng.choice(typing.get_args(fields[name].annotation))
        for name, info in fields.items():
            if info.annotation is bool:
                w[name] = rng.random() < 0.3
        w["quality"] = {"class_imbalance": rng.random() < 0.3, "outliers": rng.random() < 0.3,
                        "missing_values": rng.random() < 0.3}
        w["features"] = {"count": rng.choice([5, 50, 5000]), "sparse": rng.random() < 0.3,
                         "categorical": rng.random() < 0.5}
        if rng.random() < 0.2:
            w["diagnostics"] = {"train_error": rng.random(), "validation_error": rng.random()}
        out.append(w)
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


def time_calls(fn, items: list, calls: int) -> list[float]:
    samples = []
    clock = time.perf_counter_ns
    for i in range(calls):
        item = items[i % len(items)]
        start = clock()
        fn(item)
        samples.append((clock() - start) / 1000)
    return samples


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def verdict(value: float, target: float) -> str:
    return "meets target" if value <= target else "MISSES target"


def section(title: str) -> None:
    print(f"\n{title}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller counts")
    args = parser.parse_args()
    calls = 5_000 if args.quick else 20_000
    sweep_n = 10_000 if args.quick else 100_000
    rss_calls = 20_000 if args.quick else 200_000
    engines = (["durable"] if durable_available() else []) + ["python"]
    default = engines[0]
    print(f"recommender benchmarks, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"default engine {default}{' (quick)' if args.quick else ''}")

    # 5 first: it needs a cold process state for the load figures
    section("5. Rule base load and compile")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["RECOMMENDER_CACHE_DIR"] = cache
        start = time.perf_counter()
        _load(default_rules_dir())
        full = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        _load(default_rules_dir())
        cached = (time.perf_counter() - start) * 1000
    book = load_rulebook()
    print(f"  load with full validation: {full:7.1f} ms   from the cache: {cached:6.1f} ms   "
          f"({len(book)} rules)")
    for name, cls in (("durable", DurableEngine), ("python", PythonEngine)):
        if name in engines:
            start = time.perf_counter()
            cls(book)
            print(f"  compile {name:7}: {(time.perf_counter() - start) * 1000:7.1f} ms")

    section("1. advise() per call (microseconds)")
    examples = [load_path(p) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    sets = {"examples": examples, "generated": generated(2000)}
    medians: dict[tuple[str, str], float] = {}
    for label, items in sets.items():
        for engine in engines:
            time_calls(lambda w: advise(w, engine=engine), items, 500)
            med, p99 = percentiles(time_calls(lambda w: advise(w, engine=engine), items, calls))
            medians[(label, engine)] = med
            note = f"   target {TARGETS['advise']:.0f}: {verdict(med, TARGETS['advise'])}" \
                if engine == default else ""
            print(f"  {label:9} {engine:7} median {med:7.1f}   p99 {p99:7.1f}{note}")
    # the facts every stage sees: the workload and the decisions of the stages before it
    facts = [advise(w, engine="python").fact for w in sets["generated"]]
    matchers = {"python": PythonEngine(book)}
    if "durable" in engines:
        matchers["durable"] = DurableEngine(book)
    stages = range(len(STAGES))
    match_med = {}
    for name, matcher in matchers.items():
        def match_all(fact, matcher=matcher):
            return [matcher.match(stage, fact) for stage in stages]
        time_calls(match_all, facts, 500)
        match_med[name], p99 = percentiles(time_calls(match_all, facts, calls))
        print(f"  matching only, {name:7} median {match_med[name]:7.1f}   p99 {p99:7.1f}")
    if "durable" in match_med:
        ratio = match_med["durable"] / match_med["python"]
        print(f"  durable / python matching: {ratio:.2f}x   target {TARGETS['ratio']:.0f}x: "
              f"{verdict(ratio, TARGETS['ratio'])}")

    section(f"2. Sweep of {sweep_n:,} generated workloads")
    workloads = generated(sweep_n, seed=11)
    start = time.perf_counter()
    for w in workloads:
        advise(w)
    api = time.perf_counter() - start
    print(f"  advise() loop ({default}): {api:6.1f} s  ({sweep_n / api:,.0f} workloads/s)   "
          f"target {TARGETS['sweep']:.0f} s: {verdict(api, TARGETS['sweep'])}")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "sweep.jsonl"
        source.write_text("\n".join(json.dumps(w) for w in workloads) + "\n")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-P", "-m", "recommender.cli", "sweep", "--brief",
                        "--no-progress", str(source), "-o", os.devnull], check=True, cwd=ROOT)
        cli = time.perf_counter() - start
    print(f"  recommend sweep --brief: {cli:6.1f} s  ({sweep_n / cli:,.0f} workloads/s)   "
          f"target {TARGETS['sweep']:.0f} s: {verdict(cli, TARGETS['sweep'])}")

    section(f"3. Memory over {rss_calls:,} calls")
    sample = generated(1000, seed=5)
    for w in sample:
        advise(w)
    before = rss_mb()
    for i in range(rss_calls):
        advise(sample[i % len(sample)])
    after = rss_mb()
    growth = after - before
    print(f"  RSS {before:.1f} MB -> {after:.1f} MB: growth {growth:+.2f} MB   "
          f"target {TARGETS['rss']:.0f} MB: {verdict(growth, TARGETS['rss'])}")

    section("4. CLI start-up (milliseconds, median of 15 runs)")
    example = ROOT / "examples" / "fraud-scoring.yaml"
    subprocess.run([sys.executable, "-P", "-m", "recommender.cli", str(example)], check=True,
                   capture_output=True, cwd=ROOT)  # fills the rule-base cache

    def wall(command: list[str]) -> float:
        runs = []
        for _ in range(15):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
            runs.append((time.perf_counter() - start) * 1000)
        return statistics.median(runs)

    bare = wall([sys.executable, "-c", "pass"])
    cli = wall([sys.executable, "-P", "-m", "recommender.cli", str(example)])
    print(f"  python -c pass: {bare:6.0f}   recommend examples/fraud-scoring.yaml: {cli:6.0f}"
          f"   target {TARGETS['startup']:.0f}: {verdict(cli, TARGETS['startup'])}")


if __name__ == "__main__":
    main()
