"""End-to-end benchmark of `modmetrics run` (see docs/benchmarks.md).

    uv run python benchmarks/run_benchmark.py [--decisions N] [--days N] [--formats parquet csv]
        [--validation on off] [--repeat N]

For each format: generate the landing data once (cached under benchmarks/out/), then time
  1. full run: `modmetrics run` on a fresh warehouse with all days but the last;
  2. incremental run: the last day's files added, `modmetrics run` again;
  3. floor: one plain DuckDB query that scans the same files and aggregates decisions per
     market and day, joined to their appeals (the least any engine must do).
Each is a separate process; peak memory is its maximum resident set size.

`--validation on off` times the runs with and without the Great Expectations checks, one after
the other, `--repeat` times: on a shared, noisy machine the minimum of each is the comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
START = date(2026, 9, 1)


# A fresh wrapper process per measurement, so that RUSAGE_CHILDREN is this command's own peak.
_WRAPPER = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(time.perf_counter() - t, u.ru_maxrss, u.ru_utime + u.ru_stime)"
)


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Run `cmd` in a child process; return (wall seconds, peak RSS of that child in MiB, CPU
    seconds it used: on a shared machine, what a change costs shows there first)."""
    # Python caches compiled modules unless told not to; users' machines do, so measure that.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *cmd],
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024, float(out[2])


def generate(fmt: str, decisions: int, days: int) -> Path:
    """Landing data for `days` days (cached); returns the folder."""
    folder = OUT / f"landing-{fmt}-{decisions}-{days}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        sys.path.insert(0, str(ROOT))
        from sample_data.generate import generate_landing

        started = time.perf_counter()
        generate_landing(
            folder, START, days=days, decisions_per_day=decisions // days, seed=11, file_format=fmt
        )
        print(f"  generated {folder.name} in {time.perf_counter() - started:.1f} s")
        marker.touch()
    return folder


def split_last_day(full: Path, days: int) -> tuple[Path, list[tuple[Path, Path]]]:
    """A landing folder with every file except those dated the last day, and those files."""
    last = (START + timedelta(days=days - 1)).isoformat()
    history = full.parent / (full.name + "-history")
    shutil.rmtree(history, ignore_errors=True)
    held_back = []
    for path in sorted(p for p in full.rglob("*") if p.is_file() and p.name != ".complete"):
        target = history / path.relative_to(full)
        target.parent.mkdir(parents=True, exist_ok=True)
        if last in path.name:
            held_back.append((path, target))
        else:
            os.link(path, target)
    return history, held_back


def floor_query(landing: Path, fmt: str) -> list[str]:
    ext = "parquet" if fmt == "parquet" else "csv*"
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    opts = "" if fmt == "parquet" else ", union_by_name = true, all_varchar = true"
    sql = f"""
        set TimeZone = 'UTC';
        with d as (
            select decision_id, upper(trim(market)) as market,
                   try_cast(decided_at::varchar as timestamptz)::date as day,
                   lower(action) as action
            from {reader}('{landing}/decisions/**/*.{ext}'{opts})
        ),
        a as (
            select decision_id, max(lower(status) = 'overturned') as overturned
            from {reader}('{landing}/appeals/**/*.{ext}'{opts})
            group by decision_id
        )
        select day, market, count(*), count(*) filter (where action = 'penalize'),
               count(*) filter (where a.overturned)
        from d left join a using (decision_id)
        group by all
    """
    return [sys.executable, "-c", f"import duckdb; duckdb.sql({sql!r}).fetchall()"]


def bench(fmt: str, decisions: int, days: int, validation: list[str], repeat: int) -> dict:
    full = generate(fmt, decisions, days)
    as_of = (START + timedelta(days=days)).isoformat()
    runs: dict[str, list[tuple]] = {v: [] for v in validation}
    for _ in range(repeat):
        for variant in validation:  # interleaved, so that both meet the same machine
            history, held_back = split_last_day(full, days)
            work = OUT / f"warehouse-{fmt}"
            shutil.rmtree(work, ignore_errors=True)
            warehouse = work / "warehouse.duckdb"
            run = [
                *[sys.executable, "-m", "pipelines.cli", "run", "--landing", str(history)],
                *["--warehouse", str(warehouse), "--as-of", as_of],
                *(["--no-validation"] if variant == "off" else []),
            ]
            full_s, full_mb, full_cpu = timed(run)
            for source, target in held_back:
                os.link(source, target)
            incr_s, incr_mb, incr_cpu = timed(run)
            runs[variant].append((full_s, full_mb, incr_s, incr_mb, full_cpu, incr_cpu))
            print(
                f"  validation {variant}: full {full_s:.1f} s ({full_cpu:.1f} s CPU), "
                f"incremental {incr_s:.1f} s ({incr_cpu:.1f} s CPU)"
            )
    floor_s, floor_mb, _ = timed(floor_query(full, fmt))
    size = sum(p.stat().st_size for p in full.rglob("*") if p.is_file())
    result = {
        "format": fmt,
        "decisions": decisions,
        "days": days,
        "landing_mb": round(size / 2**20),
        "floor_query_s": round(floor_s, 2),
        "floor_peak_mib": round(floor_mb),
        "warehouse_mb": round(warehouse.stat().st_size / 2**20),
    }
    for variant, measured in runs.items():
        suffix = "" if variant == "on" else "_without_validation"
        full_s = min(m[0] for m in measured)
        result |= {
            f"full_run_s{suffix}": round(full_s, 2),
            f"full_run_peak_mib{suffix}": round(max(m[1] for m in measured)),
            f"rows_per_s{suffix}": round(decisions * (days - 1) / days / full_s),
            f"incremental_run_s{suffix}": round(min(m[2] for m in measured), 2),
            f"incremental_peak_mib{suffix}": round(max(m[3] for m in measured)),
            f"full_run_cpu_s{suffix}": round(min(m[4] for m in measured), 1),
            f"incremental_run_cpu_s{suffix}": round(min(m[5] for m in measured), 1),
        }
    if len(runs) == 2:
        for run in ("full_run", "incremental_run", "full_run_cpu", "incremental_run_cpu"):
            added = result[f"{run}_s"] / result[f"{run}_s_without_validation"] - 1
            result[f"{run}_validation_adds"] = f"{added:+.0%}"
    print(json.dumps(result))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"])
    parser.add_argument("--validation", nargs="+", choices=["on", "off"], default=["on"])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the minimum counts")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for fmt in args.formats:
        bench(fmt, args.decisions, args.days, args.validation, args.repeat)


if __name__ == "__main__":
    main()
