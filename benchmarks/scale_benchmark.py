"""Scale benchmark: does the daily run follow the new data, or the stored history?
(issue 15 target 4; see docs/benchmarks.md).

    uv run python benchmarks/scale_benchmark.py prepare --landing L --out DIR
    uv run python benchmarks/scale_benchmark.py tile --base DIR5M --times 10 --out DIR50M
    uv run python benchmarks/scale_benchmark.py measure --base DIR5M --base DIR50M [--repeat N]

`prepare` links every landing file but those of the last day into DIR/history (hard links, the
landing stays untouched), builds the warehouse of that history with `modmetrics run` (DIR/base),
and publishes it once more so that both published files exist (the state of any warehouse after
its second run with a new file; a run with none publishes nothing). `tile` makes a longer history
without loading it (a first load of 50M decisions takes an hour on a loaded 2-core machine): the
base's working file with `--times - 1` more copies of its stored history, each shifted back by
the span of the base's days, with ids and file ids of their own; the held-back day is the same.
`measure` times, for each base, the same step: the last day's files added and
one `modmetrics run`, in a process of its own (wall, CPU, peak RSS), on a fresh copy of the base,
the bases interleaved, `--repeat` times; the publish step's own time is read from the run's
Dagster step events (as benchmarks/step_times.py does).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from statistics import median

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from warehouse.publish import publish  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# A fresh wrapper process per measurement, so that RUSAGE_CHILDREN is this command's own.
_WRAPPER = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "out = subprocess.run(sys.argv[1:], check=True, capture_output=True, text=True).stdout; "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(out); print(time.perf_counter() - t, u.ru_maxrss, u.ru_utime + u.ru_stime)"
)

# Prints the step times of the run it makes (see benchmarks/step_times.py).
_STEPS = """
import json, sys
import dagster as dg
from pipelines import cli
results = []
materialize = dg.materialize
def keep(*a, **k):
    results.append(materialize(*a, **k))
    return results[-1]
dg.materialize = keep
code = cli.main(["run", *sys.argv[1:]])
steps = {
    e.step_key: e.event_specific_data.duration_ms / 1000
    for e in results[0].all_events
    if e.event_type_value == "STEP_SUCCESS"
}
print("STEPS " + json.dumps(steps))
sys.exit(code)
"""


def landing_days(landing: Path) -> list[str]:
    days = {
        m.group(0) for p in landing.rglob("*") if (m := re.search(r"\d{4}-\d{2}-\d{2}", p.name))
    }
    return sorted(days)


def prepare(landing: Path, out: Path) -> None:
    last = landing_days(landing / "decisions")[-1]
    history, held = out / "history", out / "held-back"
    for folder in (history, held, out / "base"):
        shutil.rmtree(folder, ignore_errors=True)
    for path in sorted(p for p in landing.rglob("*") if p.is_file() and p.name != ".complete"):
        target = (held if last in path.name else history) / path.relative_to(landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
    as_of = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    run = [sys.executable, "-m", "pipelines.cli", "run", "--landing", str(history)]
    run += ["--warehouse", str(out / "base" / "warehouse.duckdb"), "--as-of", as_of]
    started = time.perf_counter()
    subprocess.run(run, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    print(f"  {out.name}: run in {time.perf_counter() - started:.1f} s")
    # the other file of the pair, as tile() makes it: a second run with no new file publishes
    # nothing, and the measured run would then copy the working file whole instead of syncing
    base = out / "base"
    publish(base / ".modmetrics-work" / "warehouse.duckdb", base / "warehouse.duckdb")
    (out / "as_of").write_text(as_of)


def tile(base: Path, times: int, out: Path) -> None:
    """`base` with its stored history repeated `times` times, further back in time."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name in ("history", "held-back"):
        subprocess.run(["cp", "-al", str(base / name), str(out / name)], check=True)
    shutil.copy(base / "as_of", out / "as_of")
    work = out / "base" / ".modmetrics-work" / "warehouse.duckdb"
    work.parent.mkdir(parents=True)
    shutil.copyfile(base / "base" / ".modmetrics-work" / "warehouse.duckdb", work)
    started = time.perf_counter()
    con = duckdb.connect(str(work))
    con.execute("set TimeZone = 'UTC'")
    con.execute((ROOT / "benchmarks" / "tile_history.sql").read_text())
    for k in range(1, times):
        con.execute("set variable k = ?", [k])
        con.execute((ROOT / "benchmarks" / "tile_copy.sql").read_text())
    con.execute("checkpoint")
    con.close()
    print(f"  tiled {times}x in {time.perf_counter() - started:.1f} s")
    published = out / "base" / "warehouse.duckdb"
    for _ in range(2):  # both files of the pair, as after a second run
        publish(work, published)


def measure_once(base: Path, scratch: Path) -> dict:
    """One daily run on a fresh copy of `base`: the held-back day's files added."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    subprocess.run(["cp", "-a", str(base / "base"), str(scratch / "base")], check=True)
    subprocess.run(["cp", "-al", str(base / "history"), str(scratch / "landing")], check=True)
    subprocess.run(["cp", "-al", f"{base / 'held-back'}/.", str(scratch / "landing")], check=True)
    # the copy's pages written back first (as daily_benchmark.py does): else the run's fsyncs wait
    # for the kernel to write the copy, which is ten times larger at 50M than at 5M
    os.sync()
    cmd = [sys.executable, "-c", _STEPS, "--landing", str(scratch / "landing")]
    cmd += ["--warehouse", str(scratch / "base" / "warehouse.duckdb")]
    cmd += ["--as-of", (base / "as_of").read_text()]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    lines = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *cmd],
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    steps = json.loads(next(x for x in lines if x.startswith("STEPS "))[6:])
    wall, rss, cpu = lines[-1].split()
    return {
        "wall_s": float(wall),
        "cpu_s": float(cpu),
        "peak_mib": int(rss) / 1024,
        "publish_s": steps.get("published_warehouse", float("nan")),
        "steps": steps,
    }


def measure(bases: list[Path], repeat: int, scratch: Path) -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    runs: dict[str, list[dict]] = {b.name: [] for b in bases}
    for i in range(repeat):
        for base in bases:  # interleaved, so that each meets the same machine
            load = os.getloadavg()[0]
            m = measure_once(base, scratch)
            m["load"] = load
            runs[base.name].append(m)
            print(
                f"  {i + 1}/{repeat} {base.name}: {m['wall_s']:.1f} s wall, {m['cpu_s']:.1f} s "
                f"CPU, {m['peak_mib']:.0f} MiB, publish {m['publish_s']:.2f} s (load {load:.1f})",
                flush=True,
            )
    shutil.rmtree(scratch, ignore_errors=True)
    summary = {}
    for name, ms in runs.items():
        summary[name] = {
            f"{k}_{stat.__name__}": round(stat(m[k] for m in ms), 2)
            for k in ("wall_s", "cpu_s", "peak_mib", "publish_s")
            for stat in (median, min)
        }
        slow = sorted(ms[0]["steps"], key=lambda s: -median(m["steps"].get(s, 0) for m in ms))
        summary[name]["slowest_steps_median_s"] = {
            s: round(median(m["steps"].get(s, 0) for m in ms), 2) for s in slow[:8]
        }
    print(json.dumps(summary, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare")
    prep.add_argument("--landing", type=Path, required=True)
    prep.add_argument("--out", type=Path, required=True)
    til = sub.add_parser("tile")
    til.add_argument("--base", type=Path, required=True)
    til.add_argument("--times", type=int, default=10)
    til.add_argument("--out", type=Path, required=True)
    meas = sub.add_parser("measure")
    meas.add_argument("--base", type=Path, action="append", required=True)
    meas.add_argument("--repeat", type=int, default=3)
    meas.add_argument("--scratch", type=Path, help="default: beside the first base")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.landing, args.out)
    elif args.command == "tile":
        tile(args.base, args.times, args.out)
    else:
        measure(args.base, args.repeat, args.scratch or args.base[0].parent / "scratch")


if __name__ == "__main__":
    main()
