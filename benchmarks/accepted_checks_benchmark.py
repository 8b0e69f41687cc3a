"""What the accepted-input checks cost on an existing warehouse (see docs/benchmarks.md).

    uv run python benchmarks/accepted_checks_benchmark.py --warehouse W [--repeat 3]

Imports Great Expectations first (timed apart: a run overlaps it with ingestion), then runs
the three accepted-input suites (`checks.input_checks.validate_accepted`) on every file of the
warehouse, as `modmetrics validate` does, read-only. Prints one JSON line: wall and CPU seconds
of the suites (the minimum of `--repeat`), the expectations they ran, and the process's resident
memory after the import and at its peak. The checks' only interface here is validate_accepted,
so the same script measures older code (run it with that code on PYTHONPATH).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import duckdb

    from checks import gx_runner, input_checks

    started = time.perf_counter()
    gx_runner.start_loading()
    gx_runner._batch_definition()  # waits for the import
    import_s = time.perf_counter() - started
    after_import = _peak_mib()

    con = duckdb.connect(str(args.warehouse), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    now = datetime.now(UTC)
    walls, cpus, expectations = [], [], 0
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        outcomes = [
            o
            for kind in ("decisions", "appeals", "audits")
            for o in input_checks.validate_accepted(con, kind, None, now)
        ]
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        expectations = len(outcomes)
        assert all(o.success for o in outcomes), [o for o in outcomes if not o.success][:3]
    print(
        json.dumps(
            {
                "decisions": con.execute("select count(*) from decisions").fetchone()[0],
                "gx_import_s": round(import_s, 2),
                "suites_wall_s": round(min(walls), 2),
                "suites_cpu_s": round(min(cpus), 2),
                "expectations": expectations,
                "rss_after_import_mib": round(after_import),
                "peak_rss_mib": round(_peak_mib()),
            }
        )
    )


if __name__ == "__main__":
    main()
