"""sql/dashboards/rejections.sql and rejection_reasons.sql: the quality page's rejected rows by
reason and file, and per reason summed from those rows (given rows, expected rows)."""

from __future__ import annotations

from .helpers import assert_rows, given, select, view


def rejected(source_table: str, reason: str, source_file: str) -> dict:
    return {"source_table": source_table, "reason": reason, "source_file": source_file}


def test_rejection_reasons_sum_the_rows_and_count_the_files_of_each_reason(con) -> None:
    given(
        con,
        "rejected_rows",
        [
            rejected("decisions", "market not allowed", "/l/d1.csv"),
            rejected("decisions", "market not allowed", "/l/d1.csv"),
            rejected("decisions", "market not allowed", "/l/d2.csv"),
            rejected("decisions", "decided_at missing", "/l/d2.csv"),
            rejected("appeals", "appealed_at missing", "/l/a1.csv"),
        ],
    )
    view(con, "dashboard_rejections", "dashboards/rejections.sql")
    assert_rows(
        select(con, "select * from dashboard_rejections"),
        [
            {"source_table": "decisions", "reason": "market not allowed",
             "source_file": "/l/d1.csv", "rejected_rows": 2},
            {"source_table": "appeals", "reason": "appealed_at missing",
             "source_file": "/l/a1.csv", "rejected_rows": 1},
            {"source_table": "decisions", "reason": "decided_at missing",
             "source_file": "/l/d2.csv", "rejected_rows": 1},
            {"source_table": "decisions", "reason": "market not allowed",
             "source_file": "/l/d2.csv", "rejected_rows": 1},
        ],
    )  # fmt: skip
    # 3 rows of 'market not allowed' from 2 files; the ties ordered by table, then reason
    assert_rows(
        select(con, "select * from (" + _read("dashboards/rejection_reasons.sql") + ")"),
        [
            {"source_table": "decisions", "reason": "market not allowed", "rejected_rows": 3,
             "files": 2},
            {"source_table": "appeals", "reason": "appealed_at missing", "rejected_rows": 1,
             "files": 1},
            {"source_table": "decisions", "reason": "decided_at missing", "rejected_rows": 1,
             "files": 1},
        ],
    )  # fmt: skip


def _read(sql_file: str) -> str:
    from warehouse.runner import read_sql

    return read_sql(sql_file).rstrip().rstrip(";")
