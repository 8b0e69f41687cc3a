"""The daily run against the first load, and the run with nothing new (see docs/benchmarks.md).

    uv run python benchmarks/daily_benchmark.py [--landing DIR] [--days N] [--repeat N]
        [--out DIR]

On a landing folder of N days (default: the 5M-decision Parquet set of run_benchmark.py, 30 days
of 166,666 decisions), each repeat times, each command in a process of its own:
  1. first load: `modmetrics run` on a fresh warehouse with every day but the last two;
  2. second run: the last day but one added. The published warehouse is a pair of files and the
     first load made only one, so this run copies the working file whole into the other;
  3. daily run: the last day's files added, `modmetrics run` again: the run of every morning,
     which brings the idle file of the pair up to date (two runs behind) instead;
  4. no-op run: `modmetrics run` once more, nothing new (the fast path: no Dagster);
  5. as-of run: no new file, the as-of date one day later (the whole pipeline, no new rows).
Runs 1 to 4 are as of the day after the last day. Before each command the page cache is written
back (`os.sync`): a daily run comes a day after the one before it, not while the kernel is
still writing that run's files, which the daily run's fsyncs would otherwise wait for.
Wall time, CPU seconds and peak RSS of each (`timed` of run_benchmark.py); the repeats follow
one another, so every kind meets the machine's load in turn. Reports the minimum and the median
of each, and the ratios second run / first load and daily / first load (wall and CPU).
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

KINDS = ("first_load", "second_run", "daily", "no_op", "as_of_moved")


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
        # days 1..N-1 linked into one folder, then days 1..N-2 into another: the landing
        with_day_before, last_day = split_last_day(_copy_of(full, args.out), args.days)
        history, day_before = split_last_day(with_day_before, args.days - 1)
        work = args.out / "warehouse-daily"
        shutil.rmtree(work, ignore_errors=True)
        run = [
            *[sys.executable, "-m", "pipelines.cli", "run", "--landing", str(history)],
            *["--warehouse", str(work / "warehouse.duckdb"), "--as-of"],
        ]
        command = [*run, as_of.isoformat()]
        measured["first_load"].append(_synced_timed(command))
        for source, target in day_before:
            os.link(source, target)
        measured["second_run"].append(_synced_timed(command))
        for source, target in last_day:
            target = history / target.relative_to(with_day_before)
            target.parent.mkdir(parents=True, exist_ok=True)  # a folder of the last day only
            os.link(source, target)
        measured["daily"].append(_synced_timed(command))
        measured["no_op"].append(_synced_timed(command))
        measured["as_of_moved"].append(_synced_timed([*run, (as_of + timedelta(1)).isoformat()]))
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
    for kind in ("second_run", "daily"):
        for stat in ("s_min", "s_median", "cpu_s_min"):
            result[f"{kind}_over_first_load_{stat}"] = round(
                result[f"{kind}_{stat}"] / result[f"first_load_{stat}"], 3
            )
    print(json.dumps(result, indent=1))


def _synced_timed(cmd: list[str]) -> tuple[float, float, float]:
    os.sync()
    return timed(cmd)


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
