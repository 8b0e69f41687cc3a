"""given rows -> expected rows, for the SQL unit tests (the way dbt and SQLMesh unit tests work).

    given(con, "appeals", [{"decision_id": "p1", "status": "overturned"}])
    view(con, "day_decisions", "metrics/day_decisions.sql")  # the cohort daily_counts reads
    view(con, "daily_counts", "metrics/daily_counts.sql")
    assert_rows(select(con, "select decision_id, ... from daily_counts"), [{...}])

A table holds only the columns the SQL under test reads; their types come from the Python values
(str, int, float, bool, date, datetime) or, for a column that is all None, from `types`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

import duckdb

from warehouse.runner import read_sql

TOLERANCE = 1e-12  # for every double compared
Z = 1.959963984540054  # the z of a 95% interval, as sql/macros.sql writes it
Z2 = Z * Z  # 3.841458820694125

_SQL_TYPES = (  # in this order: a bool is an int, a datetime is a date
    (bool, "boolean"),
    (int, "bigint"),
    (float, "double"),
    (datetime, "timestamptz"),
    (date, "date"),
    (str, "varchar"),
)


def _sql_type(column: str, values: list) -> str:
    kinds = {next(t for py, t in _SQL_TYPES if isinstance(v, py)) for v in values if v is not None}
    if kinds == {"bigint", "double"}:
        return "double"
    if len(kinds) > 1:
        raise TypeError(f"column {column} mixes {sorted(kinds)}")
    return kinds.pop() if kinds else "varchar"


def given(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict], **types: str) -> None:
    """Create `table` holding `rows`; `types` names the SQL type of a column (required for the
    columns of an empty table)."""
    columns = list(rows[0]) if rows else list(types)
    for row in rows:
        assert list(row) == columns, f"{table}: every row needs the columns {columns}"
    declared = {c: types.get(c) or _sql_type(c, [r[c] for r in rows]) for c in columns}
    con.execute(f"create table {table} ({', '.join(f'{c} {t}' for c, t in declared.items())})")
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"insert into {table} values ({marks})", [list(r.values()) for r in rows])


LAG_DATA = {  # the columns of schema/overturn_development.sql and schema/audit_development.sql
    "metric_date": "date", "market": "varchar", "policy": "varchar", "source": "varchar",
    "object_type": "varchar", "queue": "varchar", "action": "varchar",
    "development_age": "integer",
}  # fmt: skip


def no_lag_data(con: duckdb.DuckDBPyConnection) -> None:
    """Empty overturn_development and audit_development tables, for the views that read them."""
    given(con, "overturn_development", [], **LAG_DATA, overturns="bigint")
    given(con, "audit_development", [], **LAG_DATA, audits="bigint")


def view(con: duckdb.DuckDBPyConnection, name: str, sql_file: str) -> None:
    """The query of sql/<sql_file> as the temp view `name` (as assets/metrics.py does)."""
    con.execute(f"create or replace temp view {name} as\n{read_sql(sql_file)}\n")


def select(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    """The rows of a query, as dicts."""
    result = con.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _same(actual, expected) -> bool:
    if actual is None or expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, float) or isinstance(actual, float):
        # a double within TOLERANCE; a count may be compared with an integral double (4 and 4.0)
        numbers = all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in (actual, expected)
        )
        return numbers and math.isclose(actual, expected, rel_tol=0, abs_tol=TOLERANCE)
    return type(actual) is type(expected) and actual == expected


def assert_rows(actual: list[dict], expected: list[dict]) -> None:
    """The same rows in the same order, the same columns, each value equal (doubles within
    TOLERANCE; None only equals None)."""
    assert [list(r) for r in actual] == [list(r) for r in expected], "columns or row count differ"
    different = [
        (i, column, a[column], e[column])
        for i, (a, e) in enumerate(zip(actual, expected, strict=True))
        for column in e
        if not _same(a[column], e[column])
    ]
    assert different == [], f"(row, column, actual, expected): {different}"
