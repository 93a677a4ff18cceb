"""Per-call time of advise(), rule-base load time, for each engine.

    python benchmarks/bench_advise.py [--calls N]

Prints medians and p99 in microseconds, measured in this run on this machine. Not part of the
test suite: timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recommender import advise, load_rulebook  # noqa: E402
from recommender.documents import load_path  # noqa: E402
from recommender.engine import durable_available, get_engine  # noqa: E402
from recommender.workload import Workload  # noqa: E402


def generated(n: int, seed: int = 7) -> list[dict]:
    """Random valid workloads over every enumeration and flag (deterministic)."""
    rng = random.Random(seed)
    out = []
    fields = Workload.model_fields
    for _ in range(n):
        w: dict = {"data_volume": rng.choice(["500 MB", "20 GB", "3 TB", "2 PB"])}
        for name in ("task", "modality", "latency", "labels", "customization", "velocity",
                     "source", "network", "access_pattern", "ml_expertise", "traffic",
                     "transfer", "training_throughput"):
            w[name] = rng.choice(typing.get_args(fields[name].annotation))
        for name, info in fields.items():
            if info.annotation is bool:
                w[name] = rng.random() < 0.3
        w["quality"] = {"class_imbalance": rng.random() < 0.3, "outliers": rng.random() < 0.3}
        w["features"] = {"count": rng.choice([5, 50, 5000]), "sparse": rng.random() < 0.3}
        out.append(w)
    return out


def timed(workloads: list, engine: str, calls: int) -> list[float]:
    samples = []
    for i in range(calls):
        w = workloads[i % len(workloads)]
        start = time.perf_counter_ns()
        advise(w, engine=engine)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()

    start = time.perf_counter()
    book = load_rulebook()
    load_ms = (time.perf_counter() - start) * 1000
    engines = ["python"] + (["durable"] if durable_available() else [])
    compile_ms = {}
    for engine in engines:
        start = time.perf_counter()
        get_engine(book, engine)
        compile_ms[engine] = (time.perf_counter() - start) * 1000
    print(f"rule base: {len(book)} rules, loaded and validated in {load_ms:.0f} ms; "
          + ", ".join(f"{e} compile {compile_ms[e]:.1f} ms" for e in engines))

    examples = [load_path(p) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    sets = {"examples": examples, "generated": generated(1000)}
    medians = {}
    for label, workloads in sets.items():
        for engine in engines:
            timed(workloads, engine, 500)  # warm up
            med, p99 = summary(timed(workloads, engine, args.calls))
            medians[(label, engine)] = med
            print(f"advise() {label:9} {engine:7} median {med:7.1f} us   p99 {p99:7.1f} us")
    if "durable" in engines:
        for label in sets:
            ratio = medians[(label, "durable")] / medians[(label, "python")]
            print(f"durable / python on {label}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
