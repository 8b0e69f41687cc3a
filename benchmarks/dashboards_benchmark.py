"""Benchmark of building the dashboard site (see docs/benchmarks.md).

    uv run python benchmarks/dashboards_benchmark.py [--days 90] [--decisions-per-day 30000]

Generates `days` days of sample data for the three markets (cached under benchmarks/out/), runs
the pipeline once to make the warehouse, then times `modmetrics dashboards` three times, each a
fresh process (Python start-up included), and reports the fastest, the slowest and the peak RSS.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_benchmark import OUT, ROOT, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--decisions-per-day", type=int, default=30_000)
    args = parser.parse_args()
    root = OUT / f"dashboards-{args.days}-{args.decisions_per_day}"
    warehouse = root / "warehouse.duckdb"
    if not (root / ".complete").exists():
        shutil.rmtree(root, ignore_errors=True)
        cmd = ["uv", "run", "modmetrics"]
        subprocess.run(
            [*cmd, "generate", "--out", root / "landing", "--days", str(args.days),
             "--start", "2026-08-01", "--decisions-per-day", str(args.decisions_per_day)],
            check=True, cwd=ROOT,
        )  # fmt: skip
        as_of = date(2026, 8, 1).toordinal() + args.days
        subprocess.run(
            [*cmd, "run", "--landing", root / "landing", "--warehouse", warehouse,
             "--as-of", date.fromordinal(as_of).isoformat()],
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        (root / ".complete").touch()
    command = [sys.executable, "-m", "pipelines.cli", "dashboards", "--warehouse", str(warehouse),
               "--out", str(root / "site")]  # fmt: skip
    times = []
    for _ in range(3):
        # a build from scratch: with the site of the build before, no page would be redrawn
        shutil.rmtree(root / "site", ignore_errors=True)
        times.append(timed(command))
    seconds = sorted(t[0] for t in times)
    peak = max(t[1] for t in times)
    pages = sorted((root / "site").glob("*.html"))
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1024:.0f} KiB" for p in pages)
    print(
        f"{args.days} days x 3 markets, {args.decisions_per_day:,} decisions a day: "
        f"site built in {seconds[0]:.2f} s (slowest {seconds[-1]:.2f} s), peak RSS {peak:.0f} MiB"
    )
    print(f"pages: {sizes}")


if __name__ == "__main__":
    main()
