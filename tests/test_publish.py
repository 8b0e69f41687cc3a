"""Publishing (warehouse/publish.py): the published warehouse is one of a pair of files, the idle
one brought up to date with what changed and swapped in; readers keep their snapshot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import Landing, appeal, audit, decision, query, run, scalar
from warehouse.publish import publish

pytestmark = pytest.mark.usefixtures("isolated_settings")


def _work(warehouse: Path) -> Path:
    return warehouse.parent / ".modmetrics-work" / warehouse.name


def differing_tables(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Tables whose rows differ between the working and the published file (EXCEPT ALL both
    ways): {table: (rows only in working, rows only in published)}."""
    con = duckdb.connect()
    try:
        con.execute("attach ? as working (read_only)", [str(_work(warehouse))])
        con.execute("attach ? as published (read_only)", [str(warehouse)])
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'working' order by 1"
            ).fetchall()
        ]
        assert len(tables) > 15
        differing = {}
        for t in tables:
            only = con.execute(
                f"select (select count(*) from (from working.{t} except all from published.{t})),"
                f" (select count(*) from (from published.{t} except all from working.{t}))"
            ).fetchone()
            if only != (0, 0):
                differing[t] = only
        return differing
    finally:
        con.close()


def published_file(warehouse: Path) -> tuple[str, int]:
    """The pair file the published path points to, and its inode (a whole copy makes a new one)."""
    target = warehouse.resolve()
    return target.name, target.stat().st_ino


def test_the_published_warehouse_equals_the_working_one_after_every_run(landing, warehouse):
    """Day by day: new days, late and resolved appeals, audits, a rejected row, a file
    redelivered with new content, an appeal found made before its decision."""
    landing.csv(
        "decisions/d1.csv",
        [decision("d-1", "2026-10-01T10:00:00Z"), decision("d-2", "2026-10-01T11:00:00Z")],
    )
    run(landing, warehouse)
    assert differing_tables(warehouse) == {}
    first = published_file(warehouse)

    landing.csv("decisions/d2.csv", [decision("d-3", "2026-10-02T10:00:00Z")])
    landing.csv("appeals/a2.csv", [appeal("a-1", "d-1", appealed_at="2026-10-02T10:00:00Z")])
    landing.csv("audits/q2.csv", [audit("q-1", "d-2", audited_at="2026-10-02T12:00:00Z")])
    landing.csv("appeals/early.csv", [appeal("a-9", "d-9", appealed_at="2026-10-02T09:00:00Z")])
    run(landing, warehouse)
    assert differing_tables(warehouse) == {}
    second = published_file(warehouse)
    assert second[0] != first[0]  # the other file of the pair

    # a late resolution of an old day's appeal, a rejected row, and d-9 decided after its appeal
    landing.csv(
        "appeals/a3.csv",
        [
            appeal(
                "a-1",
                "d-1",
                "overturned",
                appealed_at="2026-10-02T10:00:00Z",
                resolved_at="2026-10-03T10:00:00Z",
            )
        ],
    )
    landing.csv(
        "decisions/d3.csv",
        [
            decision("d-9", "2026-10-03T10:00:00Z"),
            decision("d-4", "2026-10-03T10:00:00Z", market="XX"),
        ],
    )
    run(landing, warehouse)
    assert differing_tables(warehouse) == {}
    assert published_file(warehouse) == first  # brought up to date in place, not copied
    assert scalar(warehouse, "select count(*) from rejected_rows") == 2  # XX, and a-9 too early
    assert (
        scalar(
            warehouse,
            "select overturned_penalties from market_daily_metrics "
            "where metric_date = '2026-10-01'",
        )
        == 1
    )

    # the source corrects d1.csv: d-2 (and its audit's decision) is gone, d-5 is new
    landing.csv(
        "decisions/d1.csv",
        [decision("d-1", "2026-10-01T10:00:00Z"), decision("d-5", "2026-10-01T12:00:00Z")],
    )
    run(landing, warehouse)
    assert differing_tables(warehouse) == {}
    assert published_file(warehouse) == second
    assert query(warehouse, "select decision_id from decisions order by 1") == [
        {"decision_id": d} for d in ("d-1", "d-3", "d-5", "d-9")
    ]

    run(landing, warehouse)  # nothing new: no pipeline, nothing published
    assert published_file(warehouse) == second
    run(landing, warehouse, memory_limit="900MB")  # the same data, by a run that publishes
    assert differing_tables(warehouse) == {}
    assert published_file(warehouse) == first


@pytest.mark.parametrize("line_block", [2048, 1])
def test_a_conflict_found_and_resolved_later_is_published_by_syncs(
    landing, warehouse, monkeypatch, line_block
) -> None:
    """A stored decision that a later run makes conflicting, and a correction that resolves the
    conflict: both change only the flags of stored rows (same row counts), and each sync
    carries them (publish/changed_day_files.sql hashes is_conflicting). With blocks of one line,
    d-1's and d-0's lines of d1.csv are blocks of their own: publish.py's WHERE must name the
    blocks as the SQL does, or d-1's flags are not carried."""
    monkeypatch.setattr("warehouse.publish.LINE_BLOCK", line_block)
    landing.csv(
        "decisions/d1.csv",
        [decision("d-1", "2026-10-01T10:00:00Z"), decision("d-0", "2026-10-01T11:00:00Z")],
    )
    run(landing, warehouse)
    first = published_file(warehouse)
    landing.csv("decisions/d2.csv", [decision("d-2", "2026-10-02T10:00:00Z")])
    run(landing, warehouse)
    second = published_file(warehouse)
    # d-1 again with another action: both versions are rejected
    landing.csv("decisions/d3.csv", [decision("d-1", "2026-10-01T10:00:00Z", action="no_action")])
    run(landing, warehouse)
    assert published_file(warehouse) == first  # brought up to date in place, not copied
    assert differing_tables(warehouse) == {}
    assert query(warehouse, "select decision_id from decisions order by 1") == [
        {"decision_id": d} for d in ("d-0", "d-2")
    ]
    # the source corrects d3.csv: d-1 has one version again
    landing.csv("decisions/d3.csv", [decision("d-3", "2026-10-03T10:00:00Z")])
    run(landing, warehouse)
    assert published_file(warehouse) == second
    assert differing_tables(warehouse) == {}
    assert query(warehouse, "select decision_id from decisions order by 1") == [
        {"decision_id": d} for d in ("d-0", "d-1", "d-2", "d-3")
    ]


# Holds the published warehouse open, prints a count, then one again each time it reads a line.
READER = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
for _ in sys.stdin:
    print(con.execute("select count(*) from decisions").fetchone()[0], flush=True)
"""


def test_a_reader_keeps_its_snapshot_while_runs_publish(landing, warehouse) -> None:
    landing.csv("decisions/d1.csv", [decision("d-1", "2026-10-01T10:00:00Z")])
    run(landing, warehouse)
    run(landing, warehouse, memory_limit="900MB")  # a second run that publishes: both files exist
    held = published_file(warehouse)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def reader_count() -> int:
        reader.stdin.write("\n")
        reader.stdin.flush()
        return int(reader.stdout.readline())

    try:
        assert reader_count() == 1
        # the idle file is free: brought up to date in place
        landing.csv("decisions/d2.csv", [decision("d-2", "2026-10-02T10:00:00Z")])
        run(landing, warehouse)
        assert reader_count() == 1
        assert scalar(warehouse, "select count(*) from decisions") == 2
        # the idle file is the one the reader holds: copied whole beside it, renamed over it
        landing.csv("decisions/d3.csv", [decision("d-3", "2026-10-03T10:00:00Z")])
        run(landing, warehouse)
        assert reader_count() == 1
        assert scalar(warehouse, "select count(*) from decisions") == 3
        now = published_file(warehouse)
        assert now[0] == held[0] and now[1] != held[1]
        assert differing_tables(warehouse) == {}
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)


def _two_runs(landing: Landing, warehouse: Path) -> None:
    """Two runs that publish, so both files of the pair exist (a run with nothing new publishes
    nothing: the second changes a setting that moves no number)."""
    landing.csv("decisions/d1.csv", [decision("d-1", "2026-10-01T10:00:00Z")])
    run(landing, warehouse)
    run(landing, warehouse, memory_limit="900MB")


def test_a_new_table_in_the_working_file_is_published_by_a_whole_copy(landing, warehouse):
    _two_runs(landing, warehouse)
    with duckdb.connect(str(_work(warehouse))) as con:
        con.execute("create table extra as select 7 as x")
    result = publish(_work(warehouse), warehouse)
    assert (result.full_copy, result.reason) == (True, "the tables changed")
    assert scalar(warehouse, "select x from extra") == 7


def test_the_published_views_are_those_of_the_code(landing, warehouse) -> None:
    """An idle file written since its last sync (by another version, or an analyst's session
    that replaced a view): its views are replaced by sql/views/."""
    _two_runs(landing, warehouse)
    idle = warehouse.parent / ".modmetrics-published" / "warehouse.duckdb.a"
    assert published_file(warehouse)[0] != idle.name
    with duckdb.connect(str(idle)) as con:
        con.execute("create or replace view decisions as select 1 as one")
    result = publish(_work(warehouse), warehouse)
    assert (result.file, result.full_copy, result.views_applied) == (idle, False, True)
    assert query(warehouse, "select decision_id from decisions") == [{"decision_id": "d-1"}]


def test_a_file_as_its_last_publish_left_it_keeps_its_views(landing, warehouse) -> None:
    """The idle file is as the publish before last left it: its rows are synced, and no view or
    macro is created again (publishing's cost follows the rows that changed)."""
    _two_runs(landing, warehouse)  # .a (the first run applied the schema: stamped), then .b
    result = publish(_work(warehouse), warehouse)  # syncs .a
    assert (result.file.name, result.full_copy, result.views_applied) == (
        "warehouse.duckdb.a",
        False,
        False,
    )
    assert differing_tables(warehouse) == {}
    assert query(warehouse, "select decision_id from decisions") == [{"decision_id": "d-1"}]


def test_a_schema_of_another_version_is_applied_again(landing, warehouse) -> None:
    """A stamp written under another schema hash (an earlier version's sql/): views again."""
    _two_runs(landing, warehouse)
    idle = warehouse.parent / ".modmetrics-published" / "warehouse.duckdb.a"
    stamp = idle.with_name(".warehouse.duckdb.a.schema")
    assert stamp.exists()
    stamp.write_text("0" * 64 + stamp.read_text()[64:])
    result = publish(_work(warehouse), warehouse)
    assert (result.file, result.full_copy, result.views_applied) == (idle, False, True)


def test_rows_changed_behind_the_metric_days_fall_back_to_a_whole_copy(landing, warehouse):
    """The safety net: a change that left no trace the sync reads still gets published."""
    _two_runs(landing, warehouse)
    with duckdb.connect(str(_work(warehouse))) as con:
        con.execute("delete from decision_rows")
    result = publish(_work(warehouse), warehouse)
    assert (result.full_copy, result.reason) == (True, "decision_rows has 0 rows, its sync 1")
    assert differing_tables(warehouse) == {}


def test_a_publish_without_changes_is_a_sync(landing, warehouse) -> None:
    _two_runs(landing, warehouse)
    idle = published_file(warehouse)
    result = publish(_work(warehouse), warehouse)
    assert (result.full_copy, result.reason) == (False, "")
    assert result.file.name != idle[0]
    assert os.readlink(warehouse) == f".modmetrics-published/{result.file.name}"
    assert differing_tables(warehouse) == {}


def test_an_appeal_deleted_since_the_last_sync_is_found_by_the_whole_comparison(landing, warehouse):
    """The quick look finds the appeals and audits of the runs the idle file does not know; an
    appeal deleted (its rows withdrawn) leaves none: the rests' sizes differ, and the whole
    comparison finds it, with no whole copy."""
    landing.csv("decisions/d1.csv", [decision("d-1", "2026-10-01T10:00:00Z")])
    landing.csv("appeals/a.csv", [appeal("a-1", "d-1"), appeal("a-2", "d-1")])
    landing.csv("audits/q.csv", [audit("q-1", "d-1")])
    _two_runs(landing, warehouse)
    with duckdb.connect(str(_work(warehouse))) as con:
        con.execute("delete from appeal_rows where appeal_id = 'a-2'")
        con.execute("delete from appeals where appeal_id = 'a-2'")
        con.execute("delete from audit_rows")
        con.execute("delete from audits")
    result = publish(_work(warehouse), warehouse)
    assert (result.full_copy, result.reason) == (False, "")
    assert differing_tables(warehouse) == {}
    assert query(warehouse, "select appeal_id from appeals") == [{"appeal_id": "a-1"}]


def test_a_runs_steps_share_a_connection_and_each_starts_clean(tmp_path) -> None:
    import dagster as dg

    from warehouse.resources import WarehouseResource

    resource = WarehouseResource(
        database=str(tmp_path / "work.duckdb"), published=str(tmp_path / "warehouse.duckdb")
    )
    resource.setup_for_execution(dg.build_init_resource_context())
    try:
        with resource.get_connection() as con:
            first = con
            con.execute("create temp table step_a as select 1 as x")
            con.execute("create temp view step_a_view as select 2 as y")
            con.execute("set variable as_of = '2026-10-31'")
            con.begin()  # left open by a failed step
            con.execute("create table half_written (x int)")
        with resource.get_connection() as con:
            assert con is first
            assert con.execute(
                "select count(*) from duckdb_tables() where temporary"
            ).fetchone() == (0,)
            assert con.execute(
                "select count(*) from duckdb_views() where temporary and not internal"
            ).fetchone() == (0,)
            assert con.execute("select getvariable('as_of')").fetchone() == (None,)
            assert con.execute(
                "select count(*) from duckdb_tables() where table_name = 'half_written'"
            ).fetchone() == (0,)
            con.execute("create table kept (x int)")
        resource.publish()  # closes the run's connection: publishing reads the working file
        with resource.get_connection() as con:
            assert con is not first
            assert con.execute(
                "select count(*) from duckdb_tables() where table_name = 'kept'"
            ).fetchone() == (1,)
    finally:
        resource.teardown_after_execution(dg.build_init_resource_context())
    assert resource._run_connection is None


def test_a_step_that_raised_leaves_no_shared_connection_behind(tmp_path) -> None:
    import dagster as dg

    from warehouse.resources import WarehouseResource

    resource = WarehouseResource(
        database=str(tmp_path / "work.duckdb"), published=str(tmp_path / "warehouse.duckdb")
    )
    resource.setup_for_execution(dg.build_init_resource_context())
    try:
        with pytest.raises(duckdb.CatalogException, match="no_such_table"):
            with resource.get_connection() as con:
                first = con
                con.execute("select * from no_such_table")
        with resource.get_connection() as con:
            assert con is not first  # opened again
            assert con.execute("select count(*) from file_manifest").fetchone() == (0,)
    finally:
        resource.teardown_after_execution(dg.build_init_resource_context())
    assert resource._run_connection is None and resource._run_lock is None
