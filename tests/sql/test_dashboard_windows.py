"""sql/dashboards/windows.sql: the days the site binds into qa_queues and appeal_capture are the
views' default windows (given rows, expected row)."""

from __future__ import annotations

from datetime import date

from warehouse.runner import read_sql, run_sql

from .helpers import given, select


def test_the_windows_are_the_latest_28_days_and_the_latest_28_settled_days(con) -> None:
    """Decisions up to 10-31 (daily_metrics): QA feedback 10-04 .. 10-31. As of 11-05 with a
    3-day appeal window the latest settled day is 11-02: appeal capture 10-06 .. 11-02."""
    counts = ("penalties", "overturned_penalties", "no_actions", "overturned_no_actions",
              "audited_penalty_weight", "non_violating_penalty_weight",
              "audited_no_action_weight", "violating_no_action_weight")  # fmt: skip
    given(con, "daily_metrics", [
        {"metric_date": day, "market": "BR"} | {c: 1.0 for c in counts}
        for day in (date(2026, 10, 31), date(2026, 9, 1))
    ])  # fmt: skip
    given(con, "warehouse_info", [{"as_of_date": date(2026, 11, 5), "appeal_window_days": 3}],
          appeal_window_days="integer")  # fmt: skip
    # the tables the views read, empty: windows.sql reads only the two above
    given(con, "decisions", [], decision_id="varchar", market="varchar", moderator_id="varchar",
          queue="varchar", action="varchar", metric_date="date")  # fmt: skip
    given(con, "audits", [], decision_id="varchar", audit_id="varchar", verdict="varchar",
          sample_weight="double")  # fmt: skip
    given(con, "appeals", [], decision_id="varchar", status="varchar")
    run_sql(con, "views/qa_audits.sql")
    run_sql(con, "views/appeal_capture.sql")
    assert select(con, read_sql("dashboards/windows.sql")) == [
        {"qa_first_day": date(2026, 10, 4), "qa_last_day": date(2026, 10, 31),
         "capture_first_day": date(2026, 10, 6), "capture_last_day": date(2026, 11, 2)}
    ]  # fmt: skip
