"""sql/views/decisions_of.sql finds the decisions of a set of ids among the recent days first,
then among the older days for the rest: the same rows as one lookup, whatever the bound; and
sql/ingest/recent_days_from.sql sets that bound from the latest day and the longer window."""

from __future__ import annotations

from datetime import date

import pytest

from warehouse.runner import read_sql, set_variables

from .helpers import assert_rows, given, select

OLD, RECENT = date(2026, 8, 1), date(2026, 10, 1)


@pytest.fixture
def decisions(con):
    """d-old decided on 08-01, d-new on 10-01 (d-dup repeats it: counted once), d-conflict's
    rows are a conflicting duplicate: the view decisions holds d-old and d-new only."""
    given(con, "decision_rows", [
        {"decision_id": i, "metric_date": d, "is_duplicate": dup, "is_conflicting": conflict}
        for i, d, dup, conflict in [
            ("d-old", OLD, False, False),
            ("d-new", RECENT, False, False),
            ("d-new", RECENT, True, False),
            ("d-conflict", OLD, False, True),
            ("d-conflict", RECENT, False, True),
        ]
    ])  # fmt: skip
    con.execute(
        "create view decisions as select decision_id, metric_date from decision_rows "
        "where not is_duplicate and not is_conflicting"
    )
    con.execute(read_sql("views/decisions_of.sql"))
    given(con, "ids", [{"decision_id": i} for i in ("d-old", "d-new", "d-conflict", "d-none")])
    return con


@pytest.mark.parametrize(
    "recent_days_from",
    [RECENT, date(2026, 9, 1), OLD, date(2026, 12, 1), None],
    ids=["d-new's day", "between", "d-old's day", "after both", "unset"],
)
def test_decisions_of_finds_each_decision_once_whatever_the_bound(
    decisions, recent_days_from
) -> None:
    if recent_days_from is not None:
        set_variables(decisions, recent_days_from=recent_days_from)
    assert_rows(
        select(decisions, "select decision_id, metric_date from decisions_of(ids) order by 1"),
        [
            {"decision_id": "d-new", "metric_date": RECENT},
            {"decision_id": "d-old", "metric_date": OLD},
        ],
    )


@pytest.mark.parametrize(
    ("audit_window_days", "expected"),
    [(None, date(2026, 8, 30)), (45, date(2026, 8, 15))],  # 31 and 46 days before 09-30
    ids=["appeal window 30 days, no audit window", "audit window 45 days"],
)
def test_recent_days_from_is_the_latest_day_less_the_longer_window(
    con, audit_window_days, expected
) -> None:
    given(con, "daily_metrics", [{"metric_date": date(2026, 9, 30)}, {"metric_date": OLD}])
    given(
        con,
        "warehouse_info",
        [{"appeal_window_days": 30, "audit_window_days": audit_window_days}],
        audit_window_days="integer",
    )
    con.execute(read_sql("ingest/recent_days_from.sql"))
    assert con.execute("select getvariable('recent_days_from')").fetchone()[0] == expected


def test_recent_days_from_of_a_new_warehouse_is_null(con) -> None:
    given(con, "daily_metrics", [], metric_date="date")
    given(con, "warehouse_info", [], appeal_window_days="integer", audit_window_days="integer")
    con.execute(read_sql("ingest/recent_days_from.sql"))
    assert con.execute("select getvariable('recent_days_from')").fetchone()[0] is None
