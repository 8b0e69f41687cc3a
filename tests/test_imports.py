"""What a process loads: plotly, pandas, Great Expectations and pyspark only when it needs them,
and pyspark never on a DuckDB run (Great Expectations would import it whenever it is installed).
Each check runs in a fresh interpreter, whose sys.modules holds only what it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import Landing, br_only_deployment, decision

HEAVY = ("dagster", "great_expectations", "pandas", "plotly", "polars", "pyspark")

# Runs `modmetrics` with the arguments it is given, then prints which heavy packages it loaded.
REPORT = f"""
import json, sys
from pipelines.cli import main
code = main(sys.argv[1:])
loaded = sorted(set({HEAVY!r}) & {{name.split(".")[0] for name in sys.modules}})
print(json.dumps({{"code": code, "loaded": loaded}}))
"""


def _fresh(code: str, *args: str, cwd: Path) -> tuple[dict, str]:
    """(the JSON the interpreter printed last, its stderr), no MODMETRICS_* variable set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODMETRICS_")}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.stdout, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), done.stderr


def test_a_duckdb_run_imports_no_pyspark(tmp_path: Path) -> None:
    """A validated run with its dashboards: GX, pandas and plotly, never pyspark, and nothing
    on stderr (pyspark's pandas FutureWarning was printed on every run)."""
    landing = Landing(tmp_path / "landing")
    landing.csv("decisions/d.csv", [decision("d-1"), decision("d-2", action="no_action")])
    br_only_deployment(tmp_path)
    report, err = _fresh(
        REPORT,
        "run",
        "--landing",
        str(landing.root),
        "--warehouse",
        str(tmp_path / "warehouse.duckdb"),
        "--as-of",
        "2026-10-31",
        cwd=tmp_path,
    )
    assert (report, err) == (
        {"code": 0, "loaded": ["dagster", "great_expectations", "pandas", "plotly", "polars"]},
        "",
    )


def test_the_definitions_load_no_heavy_package(tmp_path: Path) -> None:
    """`dagster dev` and the CLI start without plotly, pandas, GX or pyspark."""
    code = REPORT.replace("code = main(sys.argv[1:])", "import pipelines.definitions; code = 0")
    report, err = _fresh(code, cwd=tmp_path)
    assert (report, err) == ({"code": 0, "loaded": ["dagster"]}, "")


def test_a_query_starts_without_dagster(tmp_path: Path) -> None:
    """`modmetrics sql` reads its settings and the warehouse, and needs none of them."""
    report, err = _fresh(REPORT, "sql", "select 1", "--warehouse", "none.duckdb", cwd=tmp_path)
    assert (report, err) == (
        {"code": 2, "loaded": []},
        "modmetrics: error: none.duckdb: no warehouse there yet (run `modmetrics run`)\n",
    )
