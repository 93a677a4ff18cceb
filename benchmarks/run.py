"""Every performance figure of the recommender, measured in one run on this machine, each printed
against its target (issue 13).

    python benchmarks/run.py            # the full run (about five minutes on 2 cores)
    python benchmarks/run.py --quick    # smaller counts and no 100,000-line sweeps

  1. advise() per call, median and p99, on the bundled examples and on generated workloads:
     the Python engine at most 60 us (matching and assembly, no alternatives); the durable
     engine at most 2.5 times the Python engine in the same run; matching alone;
  2. the JSON: to_dict() + json.dumps at most 300 us per workload; alternatives and
     counterfactuals, computed only when asked, beside it;
  3. scaling: per-call cost at 1, 2, 5 and 10 times the rule base (copies of the rules, each
     copy with a condition of its own) on both engines, growing no worse than linearly (each
     size measured at its own time: the best of 4 rounds' medians);
  4. sweeps: `recommend sweep` at 1,000, 10,000 and 100,000 lines: 100,000 workloads in under
     15 s with --brief and under 60 s with the full advice, on the default engine, the cost per
     line flat from 1,000 to 100,000 lines;
  5. memory: resident memory after import, after loading, after 100,000 calls, and no
     growth over 100,000 more;
  6. cold start: `recommend --version` within 100 ms and `recommend examples/house-prices.yaml`
     within 200 ms of wall time, beside `python -c pass`; what the workload's plain checks cost
     to import, and what pydantic and the models would (imported only to word a problem);
  7. rule-base load and engine compile, and which build of durable-rules is installed.

Medians come from interleaved rounds (the engines, or the commands, take turns), so that other
work on the machine weighs on all of them alike. The test suite never asserts timings; this
script is where they are measured, on the installed package.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent

from recommender import Recommender, advise, load_rulebook  # noqa: E402
from recommender._categories import STAGES  # noqa: E402
from recommender._documents import load_path  # noqa: E402
from recommender._engine import DurableEngine, PythonEngine, durable_available  # noqa: E402
from recommender._rulebook import _load, default_rules_dir  # noqa: E402
from recommender._workload import DERIVED, FIELDS  # noqa: E402

#: The targets of issue 13 (microseconds, seconds, milliseconds, megabytes, ratios).
TARGETS = {"python_us": 60.0, "ratio": 2.5, "json_us": 300.0, "brief_s": 15.0, "full_s": 60.0,
           "flat": 1.25, "linear": 1.3, "rss_mb": 1.0, "version_ms": 100.0, "summary_ms": 200.0}
SIZES = ("500 MB", "20 GB", "3 TB", "2 PB")


# ---------------------------------------------------------------------------------------------
# Workloads and timing


def generated(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Random valid workloads over every enumeration and flag of the workload (deterministic;
    read from the field catalogue, so keys added later are drawn too)."""
    rng = random.Random(seed)
    groups: dict[str, list[Any]] = {}
    for spec in FIELDS.values():
        if spec.path not in DERIVED and spec.path != "data_volume":
            groups.setdefault(spec.path.split(".")[0], []).append(spec)
    out = []
    for _ in range(n):
        w: dict[str, Any] = {"data_volume": rng.choice(SIZES)}
        for head, specs in groups.items():
            if head == "diagnostics":
                if rng.random() < 0.2:
                    w[head] = {"train_error": rng.random(), "validation_error": rng.random()}
                continue
            values = {}
            for spec in specs:
                if spec.optional and rng.random() < 0.5:
                    continue
                values[spec.path.split(".")[-1]] = _draw(rng, spec)
            if "." in specs[0].path:
                if values or not all(s.optional for s in specs):
                    w[head] = values
            else:
                w.update(values)
        out.append(w)
    return out


def _draw(rng: random.Random, spec: Any) -> Any:
    if spec.kind == "enum":
        return rng.choice(spec.values)
    if spec.kind == "bool":
        return rng.random() < 0.3
    if spec.kind == "set":
        return rng.sample(spec.values, rng.choice([0, 0, 0, 1, 2]))
    if spec.kind == "int":
        return rng.choice([5, 50, 5000])
    if spec.kind == "size":
        return rng.choice(SIZES)
    if spec.path == "serving.processing_seconds":
        return rng.choice([0.05, 2, 90, 1800])
    return rng.random()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


def interleaved(fns: dict[str, Callable[[Any], Any]], items: list[Any], calls: int,
                rounds: int = 4) -> dict[str, list[float]]:
    """Per-call microseconds of each function, the functions taking turns in `rounds` rounds
    (after a warm-up), each call on the next item."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    clock = time.perf_counter_ns
    per_round = max(1, calls // rounds)
    for name, fn in fns.items():
        for item in items[:200]:
            fn(item)
    for r in range(rounds):
        for name, fn in fns.items():
            out = samples[name]
            for i in range(r * per_round, (r + 1) * per_round):
                item = items[i % len(items)]
                start = clock()
                fn(item)
                out.append((clock() - start) / 1000)
    return samples


def verdict(value: float, target: float) -> str:
    return "meets target" if value <= target else "MISSES target"


def section(title: str) -> None:
    print(f"\n{title}", flush=True)


def wall(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall milliseconds of each command, the commands taking turns."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True,
                           cwd=tempfile.gettempdir())
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def recommend_command() -> list[str]:
    """The installed `recommend` script beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("recommend")
    return [str(script)] if script.exists() else [sys.executable, "-m", "recommender.cli"]


# ---------------------------------------------------------------------------------------------
# The durable-rules build


def durable_build() -> str:
    """Which build of durable-rules' C extension is installed. At -O0 gcc gives every function
    a frame pointer (push %rbp; mov %rsp,%rbp); with -O1 and above it leaves it out of almost
    every one. The share of function symbols that start so tells the builds apart (x86-64 ELF
    with a symbol table; anything else is "unknown")."""
    try:
        import durable_rules_engine
        path = Path(durable_rules_engine.__file__)
        share = _frame_pointer_share(path.read_bytes())
    except Exception as exc:  # not installed, not ELF, stripped
        return f"unknown ({exc})"
    if share is None:
        return "unknown (no x86-64 symbol table)"
    if share >= 0.8:
        return (f"unoptimised (-O0: {share:.0%} of its functions keep a frame pointer); "
                "docs/engine.md says how to install an optimised build")
    if share <= 0.3:
        return f"optimised ({share:.0%} of its functions keep a frame pointer)"
    return f"unknown ({share:.0%} of its functions keep a frame pointer)"


def _frame_pointer_share(data: bytes) -> float | None:
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1 or \
            struct.unpack_from("<H", data, 18)[0] != 62:  # 64-bit, little-endian, x86-64
        return None
    shoff, = struct.unpack_from("<Q", data, 40)
    shentsize, shnum = struct.unpack_from("<HH", data, 58)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    code = [s for s in sections if s[2] & 0x4 and s[1] == 1]  # executable PROGBITS
    found = total = 0
    for name, kind, flags, addr, offset, size, link, info, align, entsize in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        for at in range(offset, offset + size, entsize):
            _, stinfo, _, shndx, value, length = struct.unpack_from("<IBBHQQ", data, at)
            if stinfo & 0xF != 2 or length < 8 or shndx == 0:  # functions with a body
                continue
            owner = next((c for c in code if c[3] <= value < c[3] + c[5]), None)
            if owner is None:
                continue
            start = owner[4] + value - owner[3]
            body = data[start:start + 8]
            if body.startswith(b"\xf3\x0f\x1e\xfa"):  # endbr64 first
                body = body[4:]
            total += 1
            found += body.startswith(b"\x55\x48\x89\xe5")
    return found / total if total else None


# ---------------------------------------------------------------------------------------------
# Rule bases of several sizes


def scaled_rules(times: int, root: Path) -> Path:
    """The bundled rules and `times - 1` copies of each, renamed, and each copy's condition
    made its own: the copy n also tests `data_volume >= n bytes`, which every workload here
    passes (so the advice is the same) but no other rule tests. The durable engine gives rules
    of the same condition one engine rule; copies that only renamed the rules would cost it
    next to nothing, which is not how a larger rule base grows."""
    import yaml
    target = root / f"rules-x{times}"
    if target.exists():
        return target
    for source in default_rules_dir().rglob("*.yaml"):
        relative = source.relative_to(default_rules_dir())
        text = source.read_text(encoding="utf-8")
        for n in range(times):
            path = target / relative.parent / (f"{source.stem}-copy{n}.yaml" if n else
                                               relative.name)
            path.parent.mkdir(parents=True, exist_ok=True)
            if n and relative.parent.name:  # a rule file (choices.yaml stays as it is)
                rule = yaml.safe_load(text)
                rule["id"] = f"{rule['id']}-copy{n}"
                if rule["when"] != "always":
                    rule["when"] = {"all": [rule["when"], {"data_volume": {"gte": f"{n} B"}}]}
                path.write_text(yaml.safe_dump(rule, sort_keys=False, allow_unicode=True),
                                encoding="utf-8")
            else:
                path.write_text(text, encoding="utf-8")
    return target


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smaller counts, and the 100,000-line sweeps left out")
    args = parser.parse_args()
    quick = args.quick
    calls = 4_000 if quick else 20_000
    engines = (["durable"] if durable_available() else []) + ["python"]
    default = engines[0]
    print(f"recommender benchmarks, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"default engine {default}{' (quick)' if quick else ''}")
    if durable_available():
        print(f"durable-rules build: {durable_build()}")

    # 7 first: the load figures need a process that has loaded nothing yet
    section("7. Rule base load and compile")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["RECOMMENDER_CACHE_DIR"] = cache
        start = time.perf_counter()
        _load(default_rules_dir())
        full = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        _load(default_rules_dir())
        cached = (time.perf_counter() - start) * 1000
        del os.environ["RECOMMENDER_CACHE_DIR"]
    book = load_rulebook()
    print(f"  load with full validation: {full:7.1f} ms   from the cache: {cached:6.1f} ms   "
          f"({len(book)} rules, {len(book.rulesets)} durable rulesets)")
    for name, cls in (("durable", DurableEngine), ("python", PythonEngine)):
        if name in engines:
            start = time.perf_counter()
            cls(book)
            print(f"  compile {name:7}: {(time.perf_counter() - start) * 1000:7.1f} ms")

    section("1. advise() per call (microseconds; matching and assembly, no alternatives)")
    examples = [load_path(p) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    sets = {"examples": examples, "generated": generated(2000)}
    for label, items in sets.items():
        found = interleaved({e: (lambda w, e=e: advise(w, engine=e)) for e in engines}, items,
                            calls)
        med = {e: percentiles(found[e]) for e in engines}
        for engine in engines:
            note = ""
            if engine == "python":
                note = f"   target {TARGETS['python_us']:.0f}: " \
                       f"{verdict(med[engine][0], TARGETS['python_us'])}"
            print(f"  {label:9} {engine:7} median {med[engine][0]:7.1f}   p99 "
                  f"{med[engine][1]:7.1f}{note}")
        if "durable" in med:
            ratio = med["durable"][0] / med["python"][0]
            print(f"  {label:9} durable / python: {ratio:.2f}x   target {TARGETS['ratio']}x: "
                  f"{verdict(ratio, TARGETS['ratio'])}")
    # the facts every stage sees: the workload and the decisions of the stages before it
    facts = [advise(w, engine="python").fact for w in sets["generated"]]
    matchers = {"python": PythonEngine(book)}
    if "durable" in engines:
        matchers["durable"] = DurableEngine(book)
    stages = range(len(STAGES))
    found = interleaved({name: (lambda f, m=m: [m.grouped(s, f) for s in stages])
                         for name, m in matchers.items()}, facts, calls)
    for name in matchers:
        med, p99 = percentiles(found[name])
        print(f"  matching only, {name:7} median {med:7.1f}   p99 {p99:7.1f}")

    section("2. The JSON (microseconds per workload)")
    work = sets["generated"]
    clock = time.perf_counter_ns
    json_times = []
    for i in range(calls // 2):
        advice = advise(work[i % len(work)])  # a fresh advice: nothing written yet
        start = clock()
        json.dumps(advice.to_dict(), ensure_ascii=False)
        json_times.append((clock() - start) / 1000)
    med, p99 = percentiles(json_times)
    print(f"  to_dict() + json.dumps   median {med:7.1f}   p99 {p99:7.1f}   target "
          f"{TARGETS['json_us']:.0f}: {verdict(med, TARGETS['json_us'])}")
    recommender = Recommender()
    advices = [advise(w) for w in examples]
    for what, fn, n in (("alternatives", recommender.alternatives, 200),
                        ("counterfactuals", recommender.counterfactuals, 28)):
        times = []
        for i in range(n):
            advice = advices[i % len(advices)]
            start = clock()
            fn(advice)
            times.append((clock() - start) / 1000)
        print(f"  {what:24} median {statistics.median(times):7.0f}   (only when asked: "
              "recommend --format json, --what-if)")

    section("3. Scaling with the rule base (microseconds per advise(), generated workloads, best "
            "of 4 rounds' medians; copies of the rules, each with a condition of its own)")
    scale_calls = 1_000 if quick else 3_000
    costs: dict[str, list[tuple[int, float]]] = {e: [] for e in engines}
    with tempfile.TemporaryDirectory() as folder:
        for times in (1, 2, 5, 10):
            directory = scaled_rules(times, Path(folder))
            start = time.perf_counter()
            team = {e: Recommender(directory, bundled_rules=False, engine=e) for e in engines}
            ready = time.perf_counter() - start
            found = interleaved({e: team[e].advise for e in engines}, sets["generated"],
                                scale_calls)
            size = len(team[engines[0]].book)
            # Each size is measured at its own time, so that one busy minute of a shared
            # machine would weigh on one size only: the best of the rounds' medians.
            per_round = max(1, scale_calls // 4)
            meds = {e: min(statistics.median(found[e][k:k + per_round])
                           for k in range(0, len(found[e]), per_round)) for e in engines}
            for e in engines:
                costs[e].append((size, meds[e]))
            ratio = f"   durable / python {meds['durable'] / meds['python']:.2f}x" \
                if "durable" in meds else ""
            print(f"  {times:2}x {size:5} rules: " +
                  "   ".join(f"{e} {meds[e]:7.1f}" for e in engines) +
                  f"{ratio}   (loaded and compiled in {ready:.1f} s)", flush=True)
    # the targets hold at five times the rule base too
    five = {e: costs[e][2][1] for e in engines}
    note = f"   durable / python {five['durable'] / five['python']:.2f}x, target " \
           f"{TARGETS['ratio']}x: {verdict(five['durable'] / five['python'], TARGETS['ratio'])}" \
        if "durable" in five else ""
    print(f"  at 5x the rules: python {five['python']:.1f}, target {TARGETS['python_us']:.0f}: "
          f"{verdict(five['python'], TARGETS['python_us'])}{note}")
    for e in engines:
        (n1, c1), (n2, c2), _, (n10, c10) = costs[e]
        first, last = (c2 - c1) / (n2 - n1), (c10 - costs[e][2][1]) / (n10 - costs[e][2][0])
        growth = last / first if first > 0 else float("inf")
        print(f"  {e:7} per added rule: {first * 1000:6.1f} ns from 1x to 2x, "
              f"{last * 1000:6.1f} ns from 5x to 10x ({growth:.2f}x)   linear (at most "
              f"{TARGETS['linear']}x): {verdict(growth, TARGETS['linear'])}")

    section("4. Sweeps: recommend sweep, default engine, one worker per CPU (seconds)")
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    lines = generated(max(sizes), seed=11)
    command = recommend_command()
    with tempfile.TemporaryDirectory() as folder:
        sources = {}
        for n in (0,) + sizes:
            sources[n] = Path(folder) / f"sweep-{n}.jsonl"
            sources[n].write_text("".join(json.dumps(w) + "\n" for w in lines[:n]))
        for mode in ("--brief", "full"):
            flags = ["--brief"] if mode == "--brief" else []
            took = {}
            for n in (0,) + sizes:
                start = time.perf_counter()
                subprocess.run([*command, "sweep", *flags, "--no-progress", str(sources[n]),
                                "-o", os.devnull], check=True, cwd=folder)
                took[n] = time.perf_counter() - start
            name = "sweep --brief" if flags else "sweep (full)"
            print(f"  {name:14} " + "   ".join(f"{n:,} lines {took[n]:6.2f} s" for n in sizes) +
                  f"   (an empty file: {took[0]:.2f} s)")
            target = TARGETS["brief_s" if flags else "full_s"]
            if 100_000 in took:
                print(f"  {name:14} 100,000 lines: {took[100_000]:.1f} s   target "
                      f"{target:.0f} s: {verdict(took[100_000], target)}")
            else:
                print(f"  {name:14} 100,000 lines: not run (--quick)")
            # the cost of each further line, between the sizes: start-up is not in it
            marginal = [(took[b] - took[a]) / (b - a) * 1e6 for a, b in zip(sizes, sizes[1:])]
            steps = "   ".join(f"{a:,} to {b:,}: {m:5.0f} us/line"
                               for (a, b), m in zip(zip(sizes, sizes[1:]), marginal))
            if len(marginal) > 1:
                spread = max(marginal) / min(marginal)
                print(f"  {name:14} {steps}   flat (at most {TARGETS['flat']}x): "
                      f"{spread:.2f}x {verdict(spread, TARGETS['flat'])}")
            else:
                print(f"  {name:14} {steps}   flat: not measured (--quick)")

    section("5. Memory (resident, MB)")
    rss_calls = 20_000 if quick else 100_000
    script = (
        "import sys, json\n"
        "def rss():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024\n"
        "out = [rss()]\n"
        "import recommender\n"
        "out.append(rss())\n"
        "from recommender import advise\n"
        "work = json.loads(sys.stdin.read())\n"
        "for w in work: advise(w).to_dict()\n"
        "out.append(rss())\n"
        "for _ in range(2):\n"
        f"    for i in range({rss_calls}): advise(work[i % len(work)]).to_dict()\n"
        "    out.append(rss())\n"
        "print(json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                          text=True, cwd=tempfile.gettempdir(),
                          input=json.dumps(generated(1000, seed=5)))
    bare, imported, loaded, first, second = json.loads(done.stdout)
    growth = second - first
    print(f"  interpreter {bare:.1f}, after import {imported:.1f}, after loading and 1,000 "
          f"calls {loaded:.1f}, after {rss_calls:,} calls {first:.1f} (allocator and caches "
          f"warming up), after {rss_calls:,} more {second:.1f}")
    print(f"  growth over the last {rss_calls:,} calls: {growth:+.2f}   target "
          f"{TARGETS['rss_mb']:.0f}: {verdict(growth, TARGETS['rss_mb'])}")

    section("6. Cold start (milliseconds of wall time, median of interleaved runs)")
    example = str(ROOT / "examples" / "house-prices.yaml")
    subprocess.run([*command, example], check=True, capture_output=True,
                   cwd=tempfile.gettempdir())  # fills the rule-base cache
    runs = 7 if quick else 21
    took = wall({"pass": [sys.executable, "-c", "pass"],
                 "version": [*command, "--version"],
                 "summary": [*command, example]}, runs)
    print(f"  python -c pass: {took['pass']:6.0f}")
    print(f"  recommend --version: {took['version']:6.0f}   target "
          f"{TARGETS['version_ms']:.0f}: {verdict(took['version'], TARGETS['version_ms'])}")
    print(f"  recommend examples/house-prices.yaml: {took['summary']:6.0f}   target "
          f"{TARGETS['summary_ms']:.0f}: {verdict(took['summary'], TARGETS['summary_ms'])}")
    probe = ("import time, sys\nt0 = time.perf_counter()\n"
             "import yaml, recommender._documents, recommender._errors\n"
             "t1 = time.perf_counter()\nimport recommender._workload\n"
             "t2 = time.perf_counter()\nimport recommender._model\n"
             "t3 = time.perf_counter()\n"
             "print((t2 - t1) * 1000, (t3 - t2) * 1000)\n")
    imports = [[float(x) for x in subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True,
        cwd=tempfile.gettempdir()).stdout.split()] for _ in range(runs)]
    print(f"  of which the workload's plain tables and checks (recommender._workload): "
          f"{statistics.median(i[0] for i in imports):5.0f}")
    print(f"  not paid by a run that reads its rules from the cache: importing pydantic and "
          f"building the workload models (recommender._model, only to word a problem): "
          f"{statistics.median(i[1] for i in imports):5.0f}")


if __name__ == "__main__":
    main()
