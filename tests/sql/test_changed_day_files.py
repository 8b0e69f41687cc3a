"""sql/publish/changed_day_files.sql: the blocks of decision_rows a sync copies again."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from warehouse.runner import read_sql

from .helpers import select

DAY = date(2026, 10, 1)


def _rows(lines: range, file_id: int = 1, flagged=()) -> list[tuple]:
    return [
        (DAY, file_id, line, 1000 + line, False, line in flagged, f"r{file_id}") for line in lines
    ]


@pytest.fixture
def pair():
    """The two catalogs of a sync, in memory: working and published, each with decision_rows."""
    con = duckdb.connect()
    for catalog in ("working", "published"):
        con.execute(f"attach ':memory:' as {catalog}")
        con.execute(
            f"create table {catalog}.decision_rows (metric_date date, file_id bigint, "
            "line_number bigint, row_hash ubigint, is_duplicate boolean, "
            "is_conflicting boolean, run_id varchar)"
        )
    con.execute("create temp table changed_days as select ?::date as metric_date", [DAY])
    con.execute("set variable first_changed_day = ?::date", [DAY])
    con.execute("set variable line_block = 4")
    yield con
    con.close()


def _changed(con, working: list[tuple], published: list[tuple]) -> list[dict]:
    for catalog, rows in (("working", working), ("published", published)):
        if rows:
            con.executemany(
                f"insert into {catalog}.decision_rows values (?, ?, ?, ?, ?, ?, ?)", rows
            )
    con.execute(read_sql("publish/changed_day_files.sql"))
    return select(con, "select * from changed_day_files order by all")


def test_a_flag_changed_on_a_stored_row_marks_its_block_only(pair) -> None:
    # lines 1..10 in blocks of 4: 0 (lines 1-3), 1 (4-7), 2 (8-10); line 5 found conflicting
    changed = _changed(pair, _rows(range(1, 11), flagged={5}), _rows(range(1, 11)))
    assert changed == [{"metric_date": DAY, "file_id": 1, "line_block": 1}]


def test_new_lines_of_a_file_mark_their_blocks(pair) -> None:
    # a new file (2) of 5 lines: blocks 0 (lines 0-3) and 1 (line 4)
    changed = _changed(pair, _rows(range(1, 4)) + _rows(range(5), file_id=2), _rows(range(1, 4)))
    assert changed == [
        {"metric_date": DAY, "file_id": 2, "line_block": 0},
        {"metric_date": DAY, "file_id": 2, "line_block": 1},
    ]


def test_a_withdrawn_file_marks_the_blocks_the_published_file_still_has(pair) -> None:
    changed = _changed(pair, [], _rows(range(1, 6), file_id=3))
    assert changed == [
        {"metric_date": DAY, "file_id": 3, "line_block": 0},
        {"metric_date": DAY, "file_id": 3, "line_block": 1},
    ]


def test_a_line_without_a_number_is_in_block_zero(pair) -> None:
    unnumbered = [(DAY, 4, None, 7, False, False, "r4")]
    changed = _changed(pair, unnumbered, [])
    assert changed == [{"metric_date": DAY, "file_id": 4, "line_block": 0}]


def test_identical_files_mark_nothing(pair) -> None:
    assert _changed(pair, _rows(range(1, 11)), _rows(range(1, 11))) == []
