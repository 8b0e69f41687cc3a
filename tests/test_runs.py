"""Runs: idempotence, late data, unusable files, the file manifest, input formats, the CLI."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pytest

import assets.landing
from conftest import (
    DECISION_COLUMNS,
    Landing,
    appeal,
    audit,
    br_only_deployment,
    cli,
    decision,
    file_row,
    market_day,
    query,
    run,
    settings,
)
from pipelines.cli import run_pipeline

pytestmark = pytest.mark.usefixtures("isolated_settings")

HEADER = ",".join(DECISION_COLUMNS)


@pytest.fixture
def files_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the landing files whose rows a run reads (not counting hashing)."""
    names: list[str] = []
    original = assets.landing.load_file

    def spy(con, kind, file_id, path):
        names.append(Path(path).name)
        return original(con, kind, file_id, path)

    monkeypatch.setattr(assets.landing, "load_file", spy)
    return names


# --- idempotence ---------------------------------------------------------------------------------

ANALYST_TABLES = [
    "decisions",
    "appeals",
    "audits",
    "daily_metrics",
    "market_daily_metrics",
    "rejected_rows",
    "ingested_files",
]


def _snapshot(warehouse: Path) -> dict[str, list[dict]]:
    return {t: query(warehouse, f"select * from {t} order by all") for t in ANALYST_TABLES}


def test_running_twice_changes_nothing_and_reads_no_file(landing, warehouse, files_read) -> None:
    landing.csv(
        "decisions/day1.csv",
        [
            decision("d-1", "2026-10-01T10:00:00Z"),
            decision("d-1", "2026-10-01T10:00:00Z"),  # identical duplicate
            decision("d-2", "2026-10-01T11:00:00Z", action="no_action"),
            decision("d-3", "2026-10-01T12:00:00Z", market="XX"),  # rejected
            decision("d-4", "2026-10-02T12:00:00Z", market="EMEA"),
        ],
    )
    landing.csv("decisions/day2.csv", [decision("d-4", "2026-10-02T13:00:00Z", market="EMEA")])
    landing.csv("decisions/no_market.csv", [["d-9", "o-9"]], columns=["decision_id", "object_id"])
    landing.csv(
        "appeals/a.csv",
        [
            appeal("ap-1", "d-1", "overturned", resolved_at="2026-10-05T10:00:00Z"),
            appeal("ap-2", "d-2", "pending"),
            appeal("ap-3", "d-404", "pending"),  # orphan
        ],
    )
    landing.csv("audits/q.csv", [audit("au-1", "d-1", "non_violating", sample_weight="2")])
    run_1 = run(landing, warehouse)
    before = _snapshot(warehouse)
    assert len(files_read) == 5  # each new file opened once, the one lacking a column included
    assert before["market_daily_metrics"] and before["rejected_rows"]

    files_read.clear()
    out = io.StringIO()
    # a setting that moves no number still runs the pipeline (only identical inputs skip it);
    # no dashboards and no Great Expectations, as run() did: the setting is the one change
    assert (
        run_pipeline(
            settings(landing, warehouse, memory_limit="900MB"),
            out=out,
            dashboards=False,
            validation=False,
        )
        == 0
    )
    run_2 = query(warehouse, "select last_run_id from warehouse_info")[0]["last_run_id"]
    assert run_2 != run_1
    assert files_read == []
    assert _snapshot(warehouse) == before
    assert out.getvalue().startswith("modmetrics run: 0 new file(s)")
    assert query(
        warehouse, "select days_recomputed from pipeline_runs where run_id = ?", [run_2]
    ) == [{"days_recomputed": 0}]


# --- nothing new: no pipeline at all ----------------------------------------------------------


def _tables_differing(before: Path, after: Path) -> dict[str, tuple[int, int]]:
    """Every table of either warehouse whose rows differ: (rows only before, rows only after),
    compared with EXCEPT ALL (a repeated row counts as often as it is there)."""
    con = duckdb.connect()
    try:
        con.execute("attach ? as b (read_only)", [str(before)])
        con.execute("attach ? as a (read_only)", [str(after)])
        names = {
            (catalog, name)
            for catalog, name in con.execute(
                "select database_name, table_name from duckdb_tables() "
                "where database_name in ('a', 'b')"
            ).fetchall()
        }
        tables = sorted({name for _, name in names})
        assert all(("a", t) in names and ("b", t) in names for t in tables), names
        differing = {}
        for t in tables:
            gone, new = (
                con.execute(
                    f'select count(*) from (select * from {x}."{t}" except all '
                    f'select * from {y}."{t}")'
                ).fetchone()[0]
                for x, y in (("b", "a"), ("a", "b"))
            )
            if gone or new:
                differing[t] = (gone, new)
        return differing
    finally:
        con.close()


def _small_landing(landing: Landing) -> None:
    landing.csv(
        "decisions/day1.csv",
        [
            decision("d-1", "2026-10-01T10:00:00Z"),
            decision("d-2", "2026-10-01T11:00:00Z", action="no_action"),
            decision("d-3", "2026-10-01T12:00:00Z", market="XX"),  # rejected
        ],
    )
    landing.csv(
        "appeals/a.csv", [appeal("ap-1", "d-1", "overturned", resolved_at="2026-10-05T10:00:00Z")]
    )


def test_a_run_with_nothing_new_says_so_and_leaves_the_warehouse_identical(
    landing, warehouse, tmp_path: Path, files_read
) -> None:
    _small_landing(landing)
    run_1 = run(landing, warehouse)
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    shutil.copyfile(warehouse, tmp_path / "published-before.duckdb")
    shutil.copyfile(work, tmp_path / "work-before.duckdb")
    finished = query(
        warehouse,
        "select strftime(finished_at at time zone 'UTC', '%Y-%m-%d %H:%M:%S') as t "
        "from pipeline_runs where run_id = ?",
        [run_1],
    )[0]["t"]
    files_read.clear()

    out = io.StringIO()
    # as run() did: no dashboards, no Great Expectations (either would be something new)
    assert (
        run_pipeline(settings(landing, warehouse), out=out, dashboards=False, validation=False) == 0
    )

    assert out.getvalue() == (
        f"modmetrics run: nothing new since run {run_1} ({finished} UTC): no new landing file, "
        f"as of 2026-10-31, same settings; {warehouse} left as that run made it\n"
    )
    assert files_read == []
    assert _tables_differing(tmp_path / "published-before.duckdb", warehouse) == {}
    assert _tables_differing(tmp_path / "work-before.duckdb", work) == {}


def test_a_run_with_nothing_new_imports_no_dagster(landing, warehouse, tmp_path: Path) -> None:
    _small_landing(landing)
    run(landing, warehouse)
    script = (
        "import sys; from pipelines.cli import run_pipeline; from conftest import settings; "
        f"code = run_pipeline(settings({str(landing.root)!r}, {str(warehouse)!r}), "
        "dashboards=False, validation=False); "
        "print(code, 'dagster' in sys.modules)"
    )
    tests = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": f"{tests}{os.pathsep}{tests.parent}"},
        check=True,
    )
    assert done.stdout.startswith("modmetrics run: nothing new since run")
    assert done.stdout.splitlines()[-1] == "0 False"


def test_a_run_whose_as_of_date_moved_runs_the_pipeline(landing, warehouse) -> None:
    _small_landing(landing)
    run_1 = run(landing, warehouse)
    out = io.StringIO()
    # as run() did (no dashboards, no Great Expectations): the as-of date is the one change
    assert (
        run_pipeline(
            settings(landing, warehouse, as_of="2026-11-01"),
            out=out,
            dashboards=False,
            validation=False,
        )
        == 0
    )
    assert out.getvalue().startswith("modmetrics run: 0 new file(s)")
    assert query(
        warehouse,
        "select last_run_id <> ? as new_run, as_of_date::varchar as as_of from warehouse_info",
        [run_1],
    ) == [{"new_run": True, "as_of": "2026-11-01"}]


def test_a_run_after_a_failed_run_runs_the_pipeline(landing, warehouse) -> None:
    _small_landing(landing)
    run_1 = run(landing, warehouse)
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    con = duckdb.connect(str(work))  # as a run that failed after recording itself leaves it
    con.execute("update warehouse_info set last_run_id = 'failed-run'")
    con.close()
    out = io.StringIO()
    assert (
        run_pipeline(settings(landing, warehouse), out=out, dashboards=False, validation=False) == 0
    )
    assert out.getvalue().startswith("modmetrics run: 0 new file(s)")
    assert query(warehouse, "select last_run_id <> ? as new_run from warehouse_info", [run_1]) == [
        {"new_run": True}
    ]


def test_a_run_whose_dashboards_are_missing_runs_the_pipeline(landing, warehouse) -> None:
    _small_landing(landing)
    run(landing, warehouse, dashboards=True)
    index = warehouse.parent / "dashboards" / "index.html"
    index.unlink()
    out = io.StringIO()
    assert run_pipeline(settings(landing, warehouse), out=out, validation=False) == 0
    assert out.getvalue().startswith("modmetrics run: 0 new file(s)")
    assert index.is_file()


def test_a_touched_landing_file_runs_the_pipeline(landing, warehouse, files_read) -> None:
    _small_landing(landing)
    run(landing, warehouse)
    day1 = landing.root / "decisions" / "day1.csv"
    os.utime(day1, ns=(day1.stat().st_atime_ns, day1.stat().st_mtime_ns + 10**9))
    files_read.clear()
    out = io.StringIO()
    assert (
        run_pipeline(settings(landing, warehouse), out=out, dashboards=False, validation=False) == 0
    )
    # hashed, found to be the version read before: nothing read, nothing new
    assert out.getvalue().startswith("modmetrics run: 0 new file(s)")
    assert files_read == []


# --- late data restates its day and only it ------------------------------------------------------


@pytest.fixture(scope="module")
def late_data(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("late_data")
    landing = Landing(root / "landing")
    warehouse = root / "warehouse.duckdb"
    landing.csv(
        "decisions/decisions.csv",
        [
            decision("d-1", "2026-10-01T10:00:00Z"),
            decision("d-2", "2026-10-02T10:00:00Z"),
            decision("d-2b", "2026-10-02T11:00:00Z", market="LATAM"),
            decision("d-3", "2026-10-03T10:00:00Z"),
        ],
    )
    landing.csv("appeals/2026-10-02.csv", [appeal("ap-1", "d-1", "pending")])
    run_1 = run(landing, warehouse)
    # a late appeal on d-2 (decided 2026-10-02), filed two weeks later
    landing.csv(
        "appeals/2026-10-16.csv",
        [
            appeal(
                "ap-2",
                "d-2",
                "overturned",
                appealed_at="2026-10-15T10:00:00Z",
                resolved_at="2026-10-16T10:00:00Z",
            ),
        ],
    )
    run_2 = run(landing, warehouse)
    after_run_2 = query(
        warehouse,
        "select metric_date::varchar as day, market, run_id from daily_metrics order by all",
    )
    # then a late audit of d-3
    landing.csv("audits/2026-10-20.csv", [audit("au-3", "d-3", "non_violating")])
    run_3 = run(landing, warehouse)
    return warehouse, run_1, run_2, run_3, after_run_2


def test_late_appeal_restates_its_decisions_day_and_only_it(late_data) -> None:
    warehouse, run_1, run_2, _, after_run_2 = late_data
    assert after_run_2 == [
        {"day": "2026-10-01", "market": "BR", "run_id": run_1},
        {"day": "2026-10-02", "market": "BR", "run_id": run_2},
        {"day": "2026-10-02", "market": "LATAM", "run_id": run_2},
        {"day": "2026-10-03", "market": "BR", "run_id": run_1},
    ]
    assert query(
        warehouse,
        "select days_recomputed, first_day_recomputed::varchar as first, "
        "last_day_recomputed::varchar as last from pipeline_runs where run_id = ?",
        [run_2],
    ) == [{"days_recomputed": 1, "first": "2026-10-02", "last": "2026-10-02"}]
    day = market_day(warehouse, "2026-10-02", "BR")
    assert (day["appealed_penalties"], day["overturned_penalties"], day["overkill_rate"]) == (
        1,
        1,
        1.0,
    )


def test_late_audit_restates_its_decisions_day_and_only_it(late_data) -> None:
    warehouse, run_1, run_2, run_3, _ = late_data
    assert query(
        warehouse,
        "select metric_date::varchar as day, market, run_id from daily_metrics order by all",
    ) == [
        {"day": "2026-10-01", "market": "BR", "run_id": run_1},
        {"day": "2026-10-02", "market": "BR", "run_id": run_2},
        {"day": "2026-10-02", "market": "LATAM", "run_id": run_2},
        {"day": "2026-10-03", "market": "BR", "run_id": run_3},
    ]
    day = market_day(warehouse, "2026-10-03", "BR")
    assert (day["audited_penalties"], day["audit_overkill_rate"]) == (1, 1.0)


# --- files that cannot be used -------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("bad_files")
    landing = Landing(root / "landing")
    paths = {
        "good": landing.csv(
            "decisions/good.csv",
            [
                decision("d-1", "2026-10-01T10:00:00Z"),
                decision("d-2", "2026-10-01T11:00:00Z"),
            ],
        ),
        "no_market": landing.csv(
            "decisions/no_market.csv",
            [{k: v for k, v in decision("d-3").items() if k != "market"}],
        ),
        "no_market_source": landing.csv(
            "decisions/sub/dir/no_market_source.csv",
            [{k: v for k, v in decision("d-4").items() if k not in ("market", "source")}],
        ),
        "garbage_parquet": landing.bytes("decisions/garbage.parquet", b"PAR1 this is not parquet"),
        "not_gzip": landing.path("decisions/not_gzip.csv.gz"),
        "not_utf8": landing.bytes("decisions/latin1.csv", b"\xff\xfedecision_id\x00\x00,\xe9\n"),
        "empty": landing.bytes("decisions/empty.csv", b""),
        "no_source_parquet": landing.parquet(
            "decisions/no_source.parquet",
            {c: [v] for c, v in decision("d-6").items() if c != "source"},
        ),
        "no_status": landing.csv(
            "appeals/no_status.csv",
            [["ap-9", "d-1", "2026-10-02T10:00:00Z"]],
            columns=["appeal_id", "decision_id", "appealed_at"],
        ),
        "good_appeals": landing.csv("appeals/good.csv", [appeal("ap-1", "d-1", "pending")]),
    }
    paths["not_gzip"].write_bytes(b"decision_id,market\nd-5,BR\n")  # plain text named .csv.gz
    warehouse = root / "data" / "warehouse.duckdb"
    br_only_deployment(root)
    code, out, err = cli(
        "run",
        "--landing",
        landing.root,
        "--warehouse",
        warehouse,
        "--as-of",
        "2026-10-31",
        cwd=root,
    )
    return warehouse, paths, code, out, err


FAILED_FILES = [
    "no_market",
    "no_market_source",
    "garbage_parquet",
    "not_gzip",
    "not_utf8",
    "empty",
    "no_status",
    "no_source_parquet",
]


def test_unusable_files_do_not_fail_the_run(bad_files) -> None:
    warehouse, _, code, out, _ = bad_files
    assert code == 0
    assert out.startswith("modmetrics run: 10 new file(s): 2 ingested, 8 failed")
    # the usable files still load
    assert query(warehouse, "select decision_id from decisions order by 1") == [
        {"decision_id": "d-1"},
        {"decision_id": "d-2"},
    ]
    day = market_day(warehouse, "2026-10-01", "BR")
    assert (day["decisions"], day["appealed_penalties"], day["pending_appeals"]) == (2, 1, 1)


def test_missing_required_column_is_one_line_naming_file_and_column(bad_files) -> None:
    _, paths, _, _, err = bad_files
    lines = err.splitlines()
    assert "Traceback" not in err
    for name, message in [
        ("no_market", "missing required column: market"),
        ("no_market_source", "missing required columns: market, source"),
        ("no_status", "missing required column: status"),
        ("no_source_parquet", "missing required column: source"),
    ]:
        expected = f"modmetrics: error: {paths[name].resolve()}: {message}"
        assert lines.count(expected) == 1, (expected, lines)


def test_unreadable_files_are_one_line_each(bad_files) -> None:
    _, paths, _, _, err = bad_files
    errors = [line for line in err.splitlines() if line.startswith("modmetrics: error: ")]
    assert len(errors) == len(FAILED_FILES)
    for name in ("garbage_parquet", "not_gzip", "not_utf8", "empty"):
        prefix = f"modmetrics: error: {paths[name].resolve()}: cannot read the file: "
        assert sum(line.startswith(prefix) for line in errors) == 1, (prefix, errors)


@pytest.mark.parametrize("name", FAILED_FILES)
def test_unusable_file_is_recorded_as_failed(bad_files, name: str) -> None:
    warehouse, paths, _, _, _ = bad_files
    row = file_row(warehouse, paths[name])
    assert (row["status"], row["rows"], row["accepted"], row["rejected"]) == ("failed", None, 0, 0)
    if name.startswith("no_"):  # a missing column
        assert row["error"].startswith("missing required column")
    else:
        assert row["error"].startswith("cannot read the file: ")
    assert (
        query(
            warehouse,
            "select * from rejected_rows where source_file = ?",
            [str(paths[name].resolve())],
        )
        == []
    )


# --- per file: rows read = accepted + rejected + identical duplicates ----------------------------

GOOD = "live,c-1,BR,spam,penalize,warning,machine,,,2026-10-01T10:00:00Z"
SHORT = "live,c-1,BR,spam,penalize,warning,machine,,2026-10-01T10:00:00Z"  # 11 fields in all
MESSY_LINES = [
    f"m-1,o-1,{GOOD}",  # 1 accepted
    f"m-2,o-2,{SHORT}",  # 2 malformed: a field short
    f"m-3,o-3,{GOOD.replace(',BR,', ',XX,')}",  # 3 rejected: market XX
    f"m-4,o-4,{GOOD},extra",  # 4 malformed: a field too many
    f"m-1,o-1,{GOOD}",  # 5 identical duplicate of line 1
    f"m-5,o-5,{GOOD}",  # 6 accepted
    f"m-6,o-6,{GOOD.replace(',machine,', ',robot,')}",  # 7 rejected: source robot
]
MESSY_CSV = HEADER + "\n" + "\n".join(MESSY_LINES) + "\n"


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("messy")
    landing = Landing(root / "landing")
    path = landing.text("decisions/messy.csv", MESSY_CSV)
    warehouse = root / "warehouse.duckdb"
    br_only_deployment(root)
    code, out, err = cli(
        "run", "--landing", landing.root, "--warehouse", warehouse, "--as-of", "2026-10-31",
        cwd=root,
    )  # fmt: skip
    assert (code, err) == (0, "")
    return warehouse, path, out


def test_run_prints_a_summary(messy) -> None:
    warehouse, _, out = messy
    lines = out.splitlines()
    assert lines[:2] == [
        "modmetrics run: 1 new file(s): 1 ingested, 0 failed, "
        "0 with the same content as an earlier file",
        "  rows read 7: accepted 2, rejected 4, identical duplicates 1",
    ]
    assert [line.split() for line in lines[2:5]] == [
        ["rejected", "decisions", "malformed", "CSV", "line", "2"],
        ["rejected", "decisions", "market", "not", "allowed", "1"],
        ["rejected", "decisions", "source", "not", "allowed", "1"],
    ]
    assert lines[5] == "  metric days recomputed: 1 (2026-10-01 .. 2026-10-01); as of 2026-10-31"
    # 14 on the decision file's profile + 23 on the market-day metrics + 1 every market every
    # day + 6 upstream health. Warnings: messy.csv rejects 4 of its 7 rows, and 2026-10-01 has 2
    # rejected rows (market XX, source robot) beside 2 accepted: both over 2%
    assert lines[6] == (
        "  validation: 44 expectations, 2 did not pass: upstream_health (WARN, 2 failed)"
    )
    assert lines[7] == (
        "  alerts: 0 opened, 0 escalated, 0 resolved; 0 open now; notifications 0 pending, 0 failed"
    )
    assert lines[8].startswith(f"  warehouse: {warehouse}  (")
    assert lines[8].endswith(" s)")
    assert lines[9] == f"  dashboards: {warehouse.parent / 'dashboards' / 'index.html'}"
    assert len(lines) == 10


def test_rows_read_equal_accepted_plus_rejected_plus_duplicates(messy) -> None:
    warehouse, path, _ = messy
    row = file_row(warehouse, path)
    assert (row["rows"], row["accepted"], row["rejected"], row["identical_duplicates"]) == (
        7,
        2,
        4,
        1,
    )
    assert query(warehouse, "select decision_id from decisions order by 1") == [
        {"decision_id": "m-1"},
        {"decision_id": "m-5"},
    ]


def test_malformed_csv_lines_are_rejected_with_the_line(messy) -> None:
    warehouse, _, _ = messy
    malformed = query(
        warehouse,
        "select record from rejected_rows where reason = 'malformed CSV line' order by record",
    )
    assert [json.loads(r["record"])["line"] for r in malformed] == [
        MESSY_LINES[1],
        MESSY_LINES[3],
    ]


def test_rejected_rows_carry_their_data_line_number(messy) -> None:
    """line_number counts data rows (1 = first row after the header), malformed lines included."""
    warehouse, _, _ = messy
    assert query(
        warehouse,
        "select line_number, reason from rejected_rows order by line_number, reason",
    ) == [
        {"line_number": 2, "reason": "malformed CSV line"},
        {"line_number": 3, "reason": "market not allowed"},
        {"line_number": 4, "reason": "malformed CSV line"},
        {"line_number": 7, "reason": "source not allowed"},
    ]


# --- the same content at another path ------------------------------------------------------------


def test_same_content_at_another_path_is_not_read_again(landing, warehouse, files_read) -> None:
    original = landing.csv(
        "decisions/2026/10/a.csv",
        [
            decision("d-1", "2026-10-01T10:00:00Z"),
            decision("d-2", "2026-10-01T11:00:00Z"),
        ],
    )
    twin = landing.path("decisions/resent/a_again.csv")  # sorts after 2026/10/a.csv
    shutil.copyfile(original, twin)
    run(landing, warehouse)
    assert files_read == ["a.csv"]

    files_read.clear()
    later = landing.path("decisions/zz_archive/a_copy.csv")
    shutil.copyfile(original, later)
    landing.csv("decisions/b.csv", [decision("d-3", "2026-10-01T12:00:00Z")])
    run(landing, warehouse)
    assert files_read == ["b.csv"]

    for copy in (twin, later):
        row = file_row(warehouse, copy)
        assert (
            row["status"],
            row["rows"],
            row["accepted"],
            row["rejected"],
            row["identical_duplicates"],
        ) == ("same_content", None, 0, 0, 0)
        # the error names a file seen earlier with this content
        assert row["error"] in (
            f"same content as {original.resolve()}",
            f"same content as {twin.resolve()}",
        )
    assert file_row(warehouse, twin)["error"] == f"same content as {original.resolve()}"
    assert file_row(warehouse, original)["accepted"] == 2
    assert market_day(warehouse, "2026-10-01", "BR")["decisions"] == 3


def test_incremental_runs_end_where_one_run_on_the_final_folder_ends(tmp_path) -> None:
    """A twin file (same content, other path) still delivers its rows when the original changes."""
    landing = Landing(tmp_path / "landing")
    original = landing.csv(
        "decisions/a.csv",
        [
            decision("d-1", "2026-10-01T10:00:00Z"),
            decision("d-2", "2026-10-01T11:00:00Z"),
        ],
    )
    shutil.copyfile(original, landing.path("decisions/b_twin.csv"))
    incremental = tmp_path / "incremental.duckdb"
    run(landing, incremental)
    # a.csv is delivered again with other content; b_twin.csv still holds d-1 and d-2
    landing.csv("decisions/a.csv", [decision("d-3", "2026-10-01T12:00:00Z")])
    run(landing, incremental)
    once = tmp_path / "once.duckdb"
    run(landing, once)
    expected = [{"decision_id": "d-1"}, {"decision_id": "d-2"}, {"decision_id": "d-3"}]
    assert query(once, "select decision_id from decisions order by 1") == expected
    assert query(incremental, "select decision_id from decisions order by 1") == expected
    assert market_day(incremental, "2026-10-01", "BR")["decisions"] == 3


def test_a_file_redelivered_with_new_content_replaces_its_earlier_version(landing, warehouse):
    path = landing.csv(
        "decisions/day.csv",
        [decision("d-1", "2026-10-01T10:00:00Z"), decision("d-2", "2026-10-02T10:00:00Z")],
    )
    run(landing, warehouse)
    # the source corrects the delivery: d-2 is gone, d-3 is new
    landing.csv("decisions/day.csv", [decision("d-1", "2026-10-01T10:00:00Z"), decision("d-3")])
    run_2 = run(landing, warehouse)
    assert query(warehouse, "select decision_id from decisions order by 1") == [
        {"decision_id": "d-1"},
        {"decision_id": "d-3"},
    ]
    assert query(
        warehouse,
        "select status, rows, accepted, rejected, identical_duplicates from ingested_files "
        "where path = ? order by file_id",
        [str(path.resolve())],
    ) == [
        {"status": "replaced", "rows": 2, "accepted": 0, "rejected": 0, "identical_duplicates": 0},
        {"status": "ingested", "rows": 2, "accepted": 2, "rejected": 0, "identical_duplicates": 0},
    ]
    assert query(
        warehouse,
        "select metric_date::varchar as day, decisions from market_daily_metrics order by 1",
    ) == [{"day": "2026-10-01", "decisions": 2}]
    assert query(
        warehouse, "select days_recomputed from pipeline_runs where run_id = ?", [run_2]
    ) == [{"days_recomputed": 2}]  # 2026-10-01 (d-1, d-3) and 2026-10-02 (d-2 withdrawn)


def test_an_unusable_redelivery_replaces_nothing(landing, warehouse) -> None:
    path = landing.csv("decisions/day.csv", [decision("d-1"), decision("d-2")])
    run(landing, warehouse)
    landing.csv("decisions/day.csv", [["d-1", "o-1"]], columns=["decision_id", "object_id"])
    run(landing, warehouse)
    assert [
        (r["status"], r["accepted"])
        for r in query(
            warehouse,
            "select status, accepted from ingested_files where path = ? order by file_id",
            [str(path.resolve())],
        )
    ] == [("ingested", 2), ("failed", 0)]
    assert market_day(warehouse, "2026-10-01", "BR")["decisions"] == 2


# --- input formats -------------------------------------------------------------------------------


def test_a_csv_with_a_byte_order_mark_loads(landing, warehouse) -> None:
    """Excel writes a UTF-8 byte-order mark before the header; it is not part of a column name."""
    path = landing.bytes(
        "decisions/excel.csv",
        b"\xef\xbb\xbfdecision_id,object_id,object_type,creator_id,market,policy,action,source,"
        b"decided_at\r\nd-bom,o-1,video,c-1,BR,spam,penalize,human,2026-10-01T10:00:00Z\r\n",
    )
    run(landing, warehouse)
    row = file_row(warehouse, path)
    assert (row["status"], row["rows"], row["accepted"], row["rejected"]) == ("ingested", 1, 1, 0)
    assert query(warehouse, "select decision_id from decisions") == [{"decision_id": "d-bom"}]


def test_csv_gz_and_parquet_with_tz_aware_and_naive_timestamps(landing, warehouse) -> None:
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    landing.csv("decisions/day.csv.gz", [decision("d-gz", "2026-10-01T10:00:00Z")])
    decisions = {c: [] for c in DECISION_COLUMNS}
    for row in (
        decision("d-aware", market="LATAM"),
        decision("d-aware-2", action="no_action", policy=""),
    ):
        for column in DECISION_COLUMNS:
            decisions[column].append(row[column] or None)
    landing.parquet(
        "decisions/aware.parquet",
        {
            **decisions,
            "decided_at": pa.array(
                [
                    datetime(2026, 10, 1, 22, 30, tzinfo=sao_paulo),  # 2026-10-02 01:30 UTC
                    datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
                ],
                pa.timestamp("us", tz="America/Sao_Paulo"),
            ),
        },
    )
    landing.parquet(
        "decisions/naive.parquet",
        {
            **{c: [decision("d-naive")[c] or None] for c in DECISION_COLUMNS},
            "decided_at": pa.array([datetime(2026, 10, 1, 23, 30)], pa.timestamp("us")),  # UTC
        },
    )
    landing.parquet(
        "appeals/appeals.parquet",
        {
            "appeal_id": ["ap-1"],
            "decision_id": ["d-naive"],
            "appealed_at": pa.array(
                [datetime(2026, 10, 2, 8, 0, tzinfo=UTC)], pa.timestamp("ms", tz="UTC")
            ),
            "status": [" Overturned"],
            "resolved_at": pa.array([datetime(2026, 10, 3, 8, 0)], pa.timestamp("ms")),
        },
    )
    landing.parquet(
        "audits/audits.parquet",
        {
            "audit_id": ["au-1"],
            "decision_id": ["d-gz"],
            "audited_at": pa.array([datetime(2026, 10, 4, 8, 0)], pa.timestamp("us")),
            "verdict": ["non_violating"],
            "sample_weight": pa.array([2.5], pa.float64()),
        },
    )
    run(landing, warehouse)

    assert query(
        warehouse,
        "select decision_id, market, policy, decided_at, metric_date::varchar as day "
        "from decisions order by 1",
    ) == [
        {
            "decision_id": "d-aware",
            "market": "LATAM",
            "policy": "spam",
            "decided_at": datetime(2026, 10, 2, 1, 30, tzinfo=UTC),
            "day": "2026-10-02",
        },
        {
            "decision_id": "d-aware-2",
            "market": "BR",
            "policy": "unspecified",
            "decided_at": datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
            "day": "2026-10-01",
        },
        {
            "decision_id": "d-gz",
            "market": "BR",
            "policy": "spam",
            "decided_at": datetime(2026, 10, 1, 10, 0, tzinfo=UTC),
            "day": "2026-10-01",
        },
        {
            "decision_id": "d-naive",
            "market": "BR",
            "policy": "spam",
            "decided_at": datetime(2026, 10, 1, 23, 30, tzinfo=UTC),
            "day": "2026-10-01",
        },
    ]
    assert query(warehouse, "select appeal_id, status, appealed_at, resolved_at from appeals") == [
        {
            "appeal_id": "ap-1",
            "status": "overturned",
            "appealed_at": datetime(2026, 10, 2, 8, 0, tzinfo=UTC),
            "resolved_at": datetime(2026, 10, 3, 8, 0, tzinfo=UTC),
        },
    ]
    assert query(warehouse, "select audit_id, audited_at, sample_weight from audits") == [
        {
            "audit_id": "au-1",
            "audited_at": datetime(2026, 10, 4, 8, 0, tzinfo=UTC),
            "sample_weight": 2.5,
        },
    ]
    assert query(
        warehouse,
        "select path.split('/')[-1] as name, status, rows, accepted, rejected "
        "from ingested_files order by name",
    ) == [
        {"name": "appeals.parquet", "status": "ingested", "rows": 1, "accepted": 1, "rejected": 0},
        {"name": "audits.parquet", "status": "ingested", "rows": 1, "accepted": 1, "rejected": 0},
        {"name": "aware.parquet", "status": "ingested", "rows": 2, "accepted": 2, "rejected": 0},
        {"name": "day.csv.gz", "status": "ingested", "rows": 1, "accepted": 1, "rejected": 0},
        {"name": "naive.parquet", "status": "ingested", "rows": 1, "accepted": 1, "rejected": 0},
    ]
    br = market_day(warehouse, "2026-10-01", "BR")
    assert (
        br["decisions"],
        br["overturned_penalties"],
        br["audited_penalties"],
        br["audit_overkill_rate"],
    ) == (3, 1, 1, 1.0)


# --- the CLI -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("published")
    landing = Landing(root / "landing")
    landing.csv(
        "decisions/d.csv",
        [
            decision("d-1", "2026-10-01T10:00:00Z"),
            decision("d-2", "2026-10-02T10:00:00Z", market="EMEA", action="no_action"),
        ],
    )
    warehouse = root / "data" / "warehouse.duckdb"
    run(landing, warehouse)
    return warehouse


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SQL = "select decision_id, market, metric_date, decided_at from decisions order by 1"


def test_cli_sql_csv(published, tmp_path) -> None:
    code, out, err = cli("sql", SQL, "--warehouse", published, "--format", "csv", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out == (
        "decision_id,market,metric_date,decided_at\n"
        "d-1,BR,2026-10-01,2026-10-01 10:00:00+00:00\n"
        "d-2,EMEA,2026-10-02,2026-10-02 10:00:00+00:00\n"
    )


def test_cli_sql_json(published, tmp_path) -> None:
    code, out, err = cli("sql", SQL, "--warehouse", published, "--format", "json", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert json.loads(out) == [
        {
            "decision_id": "d-1",
            "market": "BR",
            "metric_date": "2026-10-01",
            "decided_at": "2026-10-01 10:00:00+00:00",
        },
        {
            "decision_id": "d-2",
            "market": "EMEA",
            "metric_date": "2026-10-02",
            "decided_at": "2026-10-02 10:00:00+00:00",
        },
    ]


def test_cli_sql_table(published, tmp_path) -> None:
    code, out, _ = cli(
        "sql",
        "select decision_id from decisions order by 1",
        "--warehouse",
        published,
        cwd=tmp_path,
    )
    assert code == 0
    assert out.splitlines() == ["decision_id", "-----------", "d-1", "d-2", "(2 rows)"]


@pytest.mark.parametrize(
    "statement",
    [
        "create table notes as select 1 as x",
        "insert into quarantine select * from quarantine",
        "delete from decision_rows",
        "update file_manifest set status = 'failed'",
        "drop view market_daily_metrics",
    ],
)
def test_cli_sql_refuses_writes(published, tmp_path, statement: str) -> None:
    before = _sha256(published)
    code, out, err = cli("sql", statement, "--warehouse", published, cwd=tmp_path)
    assert code == 2
    assert out == ""
    assert err.startswith("modmetrics: error: ")
    assert len(err.splitlines()) == 1
    assert _sha256(published) == before
    assert query(published, "select count(*) as n from decisions") == [{"n": 2}]


def _modmetrics() -> list[str]:
    script = Path(sys.executable).with_name("modmetrics")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipelines.cli"]


def test_analysts_query_while_another_process_writes(published, tmp_path) -> None:
    work = published.parent / ".modmetrics-work" / published.name
    assert work.is_file()
    writer = duckdb.connect(str(work))  # this process holds the working file's write lock
    try:
        writer.execute("create table if not exists held (x int)")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODMETRICS_")}
        result = subprocess.run(
            [
                *_modmetrics(),
                "sql",
                "--warehouse",
                str(published),
                "--format",
                "csv",
                "select market, decisions from market_daily_metrics order by market",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == "market,decisions\nBR,1\nEMEA,1\n"
        # the working file itself is locked: that is why analysts read the published copy
        blocked = subprocess.run(
            [*_modmetrics(), "sql", "--warehouse", str(work), "select 1"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
        assert blocked.returncode == 2
        assert blocked.stderr.startswith("modmetrics: error: ")
        assert len(blocked.stderr.splitlines()) == 1
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "--landing", "{tmp}/nowhere", "--warehouse", "{tmp}/w.duckdb"],
            "{tmp}/nowhere: landing folder not found",
        ),
        (
            ["run", "--landing", "{tmp}/empty_landing", "--warehouse", "{tmp}/w.duckdb"],
            "{tmp}/empty_landing: no decisions/ folder in the landing folder",
        ),
        (
            [
                "run",
                "--landing",
                "{tmp}/landing",
                "--warehouse",
                "{tmp}/w.duckdb",
                "--as-of",
                "2026-02-30",
            ],
            None,
        ),
        (["sql", "select 1", "--warehouse", "{tmp}/w.duckdb"], None),
        (["sql", "select * from no_such_table", "--warehouse", "{published}"], None),
    ],
    ids=["no-landing", "no-decisions-folder", "bad-as-of", "no-warehouse", "bad-query"],
)
def test_cli_user_errors_exit_2_with_one_line(published, tmp_path, args, message) -> None:
    (tmp_path / "empty_landing").mkdir()
    (tmp_path / "landing" / "decisions").mkdir(parents=True)
    code, out, err = cli(*[a.format(tmp=tmp_path, published=published) for a in args], cwd=tmp_path)
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("modmetrics: error: ")
    if message:
        assert err == f"modmetrics: error: {message.format(tmp=tmp_path)}\n"
    assert not (tmp_path / "w.duckdb").exists()


# --- a failed run --------------------------------------------------------------------------------


def test_a_failed_run_leaves_the_published_warehouse_as_it_was(landing, warehouse, capsys) -> None:
    landing.csv("decisions/a.csv", [decision("d-1", "2026-10-01T10:00:00Z")])
    run(landing, warehouse)
    before = _sha256(warehouse)
    landing.csv("decisions/b.csv", [decision("d-2", "2026-10-01T11:00:00Z")])
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(120)",
            str(work),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        code = run_pipeline(settings(landing, warehouse), out=io.StringIO())
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    err = capsys.readouterr().err
    assert "modmetrics: run failed: " in err
    assert "Traceback" not in err
    assert _sha256(warehouse) == before
    assert query(warehouse, "select decision_id from decisions") == [{"decision_id": "d-1"}]
    # the next run, once the lock is gone, picks the new file up
    run(landing, warehouse)
    assert market_day(warehouse, "2026-10-01", "BR")["decisions"] == 2
