"""The daily run against the first load, and the run with nothing new (see docs/benchmarks.md).

    uv run python benchmarks/daily_benchmark.py [--landing DIR] [--days N] [--repeat N]
        [--out DIR]

On a landing folder of N days (default: the 5M-decision Parquet set of run_benchmark.py, 30 days
of 166,666 decisions), each repeat times, each command in a process of its own:
  1. first load: `modmetrics run` on a fresh warehouse with every day but the last;
  2. daily run: the last day's files added, `modmetrics run` again (as of the day after it);
  3. no-op run: `modmetrics run` once more, nothing new (the fast path: no Dagster);
  4. as-of run: no new file, the as-of date one day later (the whole pipeline, no new rows).
Wall time, CPU seconds and peak RSS of each (`timed` of run_benchmark.py); the repeats follow
one another, so every kind meets the machine's load in turn. Reports the minimum and the median
of each, and the ratio daily / first load of both (wall and CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_benchmark import OUT, START, generate, split_last_day, timed  # noqa: E402

KINDS = ("first_load", "daily", "no_op", "as_of_moved")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--landing", type=Path, help="landing folder (default: generated)")
    parser.add_argument("--days", type=int, default=30, help="days in the landing folder")
    parser.add_argument("--decisions", type=int, default=5_000_000, help="when generated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT, help="where the warehouses go")
    args = parser.parse_args()
    full = args.landing or generate("parquet", args.decisions, args.days)
    as_of = START + timedelta(days=args.days)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f}"
    )
    measured: dict[str, list[tuple[float, float, float]]] = {k: [] for k in KINDS}
    for repeat in range(args.repeat):
        history, held_back = split_last_day(_copy_of(full, args.out), args.days)
        work = args.out / "warehouse-daily"
        shutil.rmtree(work, ignore_errors=True)
        run = [
            *[sys.executable, "-m", "pipelines.cli", "run", "--landing", str(history)],
            *["--warehouse", str(work / "warehouse.duckdb")],
        ]
        measured["first_load"].append(timed([*run, "--as-of", as_of.isoformat()]))
        for source, target in held_back:
            os.link(source, target)
        measured["daily"].append(timed([*run, "--as-of", as_of.isoformat()]))
        measured["no_op"].append(timed([*run, "--as-of", as_of.isoformat()]))
        measured["as_of_moved"].append(
            timed([*run, "--as-of", (as_of + timedelta(days=1)).isoformat()])
        )
        line = ", ".join(
            f"{kind} {m[-1][0]:.1f} s ({m[-1][2]:.1f} s CPU, {m[-1][1]:.0f} MiB)"
            for kind, m in measured.items()
        )
        print(f"  repeat {repeat + 1}: {line}; load average {os.getloadavg()[0]:.1f}")
    result = {"landing": str(full), "days": args.days, "repeats": args.repeat}
    for kind, m in measured.items():
        result |= {
            f"{kind}_s_min": round(min(x[0] for x in m), 2),
            f"{kind}_s_median": round(statistics.median(x[0] for x in m), 2),
            f"{kind}_cpu_s_min": round(min(x[2] for x in m), 2),
            f"{kind}_peak_mib": round(max(x[1] for x in m)),
        }
    for stat in ("s_min", "s_median", "cpu_s_min"):
        result[f"daily_over_first_load_{stat}"] = round(
            result[f"daily_{stat}"] / result[f"first_load_{stat}"], 3
        )
    print(json.dumps(result, indent=1))


def _copy_of(landing: Path, out: Path) -> Path:
    """A hard-linked copy of `landing` under `out` (the source stays read-only: the split
    links the held-back day in and out of a folder of its own)."""
    copy = out / f"{landing.name}-linked"
    if not copy.is_dir():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-al", str(landing), str(copy)], check=True)
    return copy


if __name__ == "__main__":
    main()
