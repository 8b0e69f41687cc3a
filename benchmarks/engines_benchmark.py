"""DuckDB and Spark local side by side: a full run of the same landing folder (docs/benchmarks.md).

    uv run python benchmarks/engines_benchmark.py [--decisions N] [--days N] [--engines ...]

Uses the Parquet landing data of run_benchmark.py (generated and cached under benchmarks/out/).
Each run is `modmetrics run --engine E --no-validation` on a fresh warehouse, in its own process:
validation, alerts and dashboards run on DuckDB whatever the engine, so they are left out to
compare the engines. Peak memory is the largest total resident set of the whole process tree
(Spark's JVM is a child of the Python process), sampled every 0.2 s from /proc.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_benchmark import OUT, ROOT, generate  # noqa: E402


def _tree_rss_mib(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 2**20


def timed_run(engine: str, landing: Path, warehouse: Path) -> tuple[float, float]:
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    cmd = [
        sys.executable, "-m", "pipelines.cli", "run", "--engine", engine,
        "--landing", str(landing), "--warehouse", str(warehouse),
        "--as-of", "2026-10-15", "--no-validation",
    ]  # fmt: skip
    warehouse.parent.mkdir(parents=True)
    errors = (warehouse.parent / "stderr.txt").open("w+")
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _tree_rss_mib(process.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        errors.seek(0)
        raise SystemExit(f"{engine} run failed: {errors.read()[-500:]}")
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    args = parser.parse_args()
    landing = generate("parquet", args.decisions, args.days)
    python = platform.python_version()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {python}")
    print(f"landing: {landing.name} ({args.decisions:,} decisions over {args.days} days, Parquet)")
    for engine in args.engines:
        seconds, peak = timed_run(engine, landing, OUT / f"engines-{engine}" / "warehouse.duckdb")
        print(f"  {engine:7s} full run {seconds:7.1f} s   peak memory {peak:7.0f} MiB")


if __name__ == "__main__":
    main()
