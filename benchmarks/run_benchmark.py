"""End-to-end benchmark of `modmetrics run` (see docs/benchmarks.md).

    uv run python benchmarks/run_benchmark.py [--decisions N] [--days N] [--formats parquet csv]

For each format: generate the landing data once (cached under benchmarks/out/), then time
  1. full run: `modmetrics run` on a fresh warehouse with all days but the last;
  2. incremental run: the last day's files added, `modmetrics run` again;
  3. floor: one plain DuckDB query that scans the same files and aggregates decisions per
     market and day, joined to their appeals (the least any engine must do).
Each is a separate process; peak memory is its maximum resident set size.
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
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run `cmd` in a child process; return (wall seconds, peak RSS of that child in MiB)."""
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
    return float(out[0]), int(out[1]) / 1024


def generate(fmt: str, decisions: int, days: int) -> Path:
    """Landing data for `days` days (cached); returns the folder."""
    folder = OUT / f"landing-{fmt}-{decisions}-{days}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        sys.path.insert(0, str(ROOT))
        from pipelines.sample_data import generate_landing

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


def bench(fmt: str, decisions: int, days: int) -> dict:
    full = generate(fmt, decisions, days)
    history, held_back = split_last_day(full, days)
    work = OUT / f"warehouse-{fmt}"
    shutil.rmtree(work, ignore_errors=True)
    warehouse = work / "warehouse.duckdb"
    as_of = (START + timedelta(days=days)).isoformat()
    run = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "run",
        "--landing",
        str(history),
        "--warehouse",
        str(warehouse),
        "--as-of",
        as_of,
    ]

    full_s, full_mb = timed(run)
    for source, target in held_back:
        os.link(source, target)
    incr_s, incr_mb = timed(run)
    floor_s, floor_mb = timed(floor_query(full, fmt))
    size = sum(p.stat().st_size for p in full.rglob("*") if p.is_file())
    result = {
        "format": fmt,
        "decisions": decisions,
        "days": days,
        "landing_mb": round(size / 2**20),
        "full_run_s": round(full_s, 2),
        "full_run_peak_mib": round(full_mb),
        "rows_per_s": round(decisions * (days - 1) / days / full_s),
        "incremental_run_s": round(incr_s, 2),
        "incremental_peak_mib": round(incr_mb),
        "floor_query_s": round(floor_s, 2),
        "floor_peak_mib": round(floor_mb),
        "warehouse_mb": round(warehouse.stat().st_size / 2**20),
    }
    print(json.dumps(result))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"])
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for fmt in args.formats:
        bench(fmt, args.decisions, args.days)


if __name__ == "__main__":
    main()
