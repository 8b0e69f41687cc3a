"""The first load against a plain DuckDB script, side by side (docs/benchmarks.md, "First load
against a plain DuckDB script"; issue 15 targets 1 and 2).

    uv run python benchmarks/first_load_benchmark.py --landing L [--work DIR] [--repeat N]
        [--as-of 2026-10-01] [--variants baseline on off] [--pipeline-root DIR]

Each measurement is its own process, the variants interleaved, `--repeat` rounds:
  baseline  benchmarks/first_load_baseline.py: the same landing rules and the same
            market_daily_metrics, in one plain DuckDB script;
  on        `modmetrics run` on a fresh warehouse, validation on (what a user runs);
  off       the same with the hidden `--no-validation`.
For each: wall seconds, CPU seconds (user + system) and peak resident memory (see `timed` in
benchmarks/run_benchmark.py), then the median and minimum of each and the ratios pipeline /
baseline. After the last round the pipeline's market_daily_metrics is compared with the
baseline's, both ways (EXCEPT ALL): the two must hold the same numbers.
`--pipeline-root` runs the pipeline of another checkout (the code before a change) with the
baseline of this one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_benchmark import ROOT, timed  # noqa: E402

VARIANTS = ("baseline", "on", "off")


def command(variant: str, landing: Path, work: Path, as_of: str, root: Path) -> list[str]:
    if variant == "baseline":
        return [
            *[sys.executable, str(ROOT / "benchmarks" / "first_load_baseline.py")],
            *["--landing", str(landing), "--out", str(work / "baseline.duckdb")],
            *["--as-of", as_of],
        ]
    return [
        *[str(root / ".venv" / "bin" / "modmetrics"), "run", "--landing", str(landing)],
        *["--warehouse", str(work / variant / "warehouse.duckdb"), "--as-of", as_of],
        *(["--no-validation"] if variant == "off" else []),
    ]


def compare(work: Path, variant: str) -> int:
    """Rows of market_daily_metrics in one warehouse and not the other, both ways."""
    con = duckdb.connect()
    con.execute("attach ? as baseline (read_only)", [str(work / "baseline.duckdb")])
    con.execute("attach ? as pipeline (read_only)", [str(work / variant / "warehouse.duckdb")])
    columns = [
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = 'baseline' "
            "and table_name = 'market_daily_metrics' order by column_index"
        ).fetchall()
    ]
    select = ", ".join(f'"{c}"' for c in columns)
    differ = 0
    for a, b in [("baseline", "pipeline"), ("pipeline", "baseline")]:
        differ += con.execute(
            f"select count(*) from (select {select} from {a}.market_daily_metrics "
            f"except all select {select} from {b}.market_daily_metrics)"
        ).fetchone()[0]
    return differ


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out" / "first-load")
    parser.add_argument("--as-of", default="2026-10-01")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--pipeline-root", type=Path, default=ROOT)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    measured: dict[str, list[tuple[float, float, float]]] = {v: [] for v in args.variants}
    for round_ in range(args.repeat):
        for variant in args.variants:  # interleaved: each meets the same machine
            target = args.work / variant
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            cmd = command(variant, args.landing, args.work, args.as_of, args.pipeline_root)
            wall, peak, cpu = timed(cmd)
            measured[variant].append((wall, peak, cpu))
            print(
                f"  round {round_ + 1} {variant:8}: {wall:6.1f} s wall, {cpu:6.1f} s CPU, "
                f"peak {peak:,.0f} MiB (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    result: dict[str, object] = {"pipeline_root": str(args.pipeline_root)}
    for variant, runs in measured.items():
        result[variant] = {
            "wall_median_s": round(statistics.median(r[0] for r in runs), 1),
            "wall_min_s": round(min(r[0] for r in runs), 1),
            "cpu_median_s": round(statistics.median(r[2] for r in runs), 1),
            "cpu_min_s": round(min(r[2] for r in runs), 1),
            "peak_max_mib": round(max(r[1] for r in runs)),
        }
    if "baseline" in measured:
        base = result["baseline"]
        for variant in measured.keys() - {"baseline"}:
            mine = result[variant]
            result[variant] |= {
                "ratio_wall_median": round(mine["wall_median_s"] / base["wall_median_s"], 2),
                "ratio_wall_min": round(mine["wall_min_s"] / base["wall_min_s"], 2),
                "ratio_cpu_median": round(mine["cpu_median_s"] / base["cpu_median_s"], 2),
                "market_daily_metrics_rows_differing": compare(args.work, variant),
            }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
