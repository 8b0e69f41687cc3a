"""The views behind the dashboards: kpi_periods, metric_breakdowns, market_kpis, checked by hand.

Dataset (as of 2026-10-31, appeal window 0 days: every day settled): BR, five penalties a day
from 2026-10-17 to 10-30, policy spam, queues q1 (p0, p1) and none (p2, p3, p4). From 10-24 on,
p0 and p1 of each day are overturned on appeal: the last 7 days have 14 overturned of 35
penalties, the 7 before 0 of 35.
"""

from __future__ import annotations

import math

import duckdb
import pytest

from conftest import Landing, appeal, decision, query, rows, run, wilson
from warehouse import resources

pytestmark = pytest.mark.usefixtures("isolated_settings")

DAYS = [f"2026-10-{d}" for d in range(17, 31)]
OVERTURNED_FROM = "2026-10-24"


def _build(landing: Landing, path):
    decisions, appeals = [], []
    for day in DAYS:
        for k in range(5):
            decisions.append(
                decision(f"p{k}-{day}", f"{day}T10:00:00Z", queue="q1" if k < 2 else "")
            )
            if k < 2 and day >= OVERTURNED_FROM:
                appeals.append(
                    appeal(
                        f"a{k}-{day}",
                        f"p{k}-{day}",
                        "overturned",
                        appealed_at=f"{day}T12:00:00Z",
                        resolved_at="2026-10-31T01:00:00Z",
                    )
                )
    landing.csv("decisions/d.csv", decisions)
    landing.csv("appeals/a.csv", appeals)
    run(landing, path, appeal_window_days=0)
    return path


@pytest.fixture(scope="module")
def shared_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """The dataset's warehouse, built once for the tests that only read it."""
    root = tmp_path_factory.mktemp("breakdowns")
    return _build(Landing(root / "landing"), root / "data" / "warehouse.duckdb")


@pytest.fixture
def warehouse(request: pytest.FixtureRequest, shared_warehouse, tmp_path):
    """The dataset's warehouse. A test that asks for `landing` runs the pipeline on it again:
    it gets a warehouse of its own, built from its own landing folder; the others share one."""
    if "landing" not in request.fixturenames:
        return shared_warehouse
    return _build(request.getfixturevalue("landing"), tmp_path / "data" / "warehouse.duckdb")


def test_kpi_periods_end_on_the_latest_complete_day(warehouse) -> None:
    assert rows(
        warehouse, "select period, first_day::varchar, last_day::varchar from kpi_periods"
    ) == [
        ("latest_day", "2026-10-30", "2026-10-30"),
        ("same_day_last_week", "2026-10-23", "2026-10-23"),
        ("last_7_days", "2026-10-24", "2026-10-30"),
        ("previous_7_days", "2026-10-17", "2026-10-23"),
        ("settled_7_days", "2026-10-24", "2026-10-30"),
        ("previous_settled_7_days", "2026-10-17", "2026-10-23"),
    ]


def test_settled_windows_end_out_of_the_appeal_window(landing: Landing, warehouse) -> None:
    run(landing, warehouse, appeal_window_days=10)  # settled: up to 2026-10-21
    assert rows(
        warehouse,
        "select period, first_day::varchar, last_day::varchar from kpi_periods "
        "where period like '%settled%'",
    ) == [
        ("settled_7_days", "2026-10-15", "2026-10-21"),
        ("previous_settled_7_days", "2026-10-08", "2026-10-14"),
    ]


def test_provisional_appeal_metrics_are_not_compared_with_older_periods(
    landing: Landing, warehouse
) -> None:
    run(landing, warehouse, appeal_window_days=30)  # every day provisional
    assert rows(
        warehouse,
        "select metric, span, change_is_significant from market_kpis "
        "where market = 'BR' and metric in ('overkill_rate', 'penalty_ratio') "
        "and span = '7 days' order by metric",
    ) == [("overkill_rate", "7 days", None), ("penalty_ratio", "7 days", False)]


def test_a_window_sums_its_days_before_dividing(warehouse) -> None:
    (row,) = query(
        warehouse,
        "select penalties, overturned_penalties, overkill_rate, overkill_rate_low, "
        "overkill_rate_high from metric_breakdowns "
        "where breakdown = 'market' and period = 'last_7_days' and market = 'BR'",
    )
    low, high = wilson(14 / 35, 35)
    assert row == {
        "penalties": 35,
        "overturned_penalties": 14,
        "overkill_rate": pytest.approx(0.4),
        "overkill_rate_low": pytest.approx(low),
        "overkill_rate_high": pytest.approx(high),
    }


def test_policy_queue_breakdown_names_a_missing_queue_unspecified(warehouse) -> None:
    assert rows(
        warehouse,
        "select policy, queue, penalties, overturned_penalties from metric_breakdowns "
        "where breakdown = 'policy_queue' and period = 'last_7_days' order by queue",
    ) == [("spam", "q1", 14, 14), ("spam", "unspecified", 21, 0)]


def test_a_change_larger_than_its_interval_is_significant(warehouse) -> None:
    (row,) = query(
        warehouse,
        "select value, previous_value, change, change_low, change_high, change_is_significant "
        "from market_kpis where market = 'BR' and metric = 'overkill_rate' and span = '7 days'",
    )
    l1, u1 = wilson(0.4, 35)
    _, u2 = wilson(0.0, 35)
    # Newcombe's hybrid score interval for p1 - p2 (p2 = 0, so its low bound is 0)
    assert row == {
        "value": pytest.approx(0.4),
        "previous_value": 0.0,
        "change": pytest.approx(0.4),
        "change_low": pytest.approx(0.4 - math.sqrt((0.4 - l1) ** 2 + u2**2)),
        "change_high": pytest.approx(0.4 + (u1 - 0.4)),
        "change_is_significant": True,
    }


def test_the_day_is_compared_with_the_same_weekday_a_week_before(warehouse) -> None:
    """Friday 10-30 (2 of 5 overturned) against Friday 10-23 (0 of 5, before the overturns
    began), not against Thursday 10-29 (2 of 5): +40 points, within the noise of 5 penalties."""
    (row,) = query(
        warehouse,
        "select previous_first_day::varchar as previous_day, value, previous_value, change, "
        "change_is_significant from market_kpis "
        "where market = 'BR' and metric = 'overkill_rate' and span = 'day'",
    )
    assert row == {
        "previous_day": "2026-10-23",
        "value": pytest.approx(0.4),
        "previous_value": 0.0,
        "change": pytest.approx(0.4),
        "change_is_significant": False,
    }


def test_a_warehouse_without_the_queue_column_is_rebuilt_on_the_next_run(
    landing: Landing, warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = rows(warehouse, "select * from market_daily_metrics order by all")
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    con = duckdb.connect(str(work))
    con.execute("alter table daily_metrics drop column queue")  # as an earlier version made it
    con.close()
    monkeypatch.setattr(resources, "_SCHEMA_APPLIED", set())  # a new process, a new version
    run(landing, warehouse, appeal_window_days=0)
    assert rows(warehouse, "select * from market_daily_metrics order by all") == before
    assert rows(warehouse, "select count(distinct queue) from daily_metrics") == [(2,)]


def test_a_warehouse_without_the_lag_data_counts_every_day_again(
    landing: Landing, warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warehouse made before overturn_development existed gets it for every day."""
    lag_data = "select * exclude (run_id) from overturn_development order by all"
    before = rows(warehouse, lag_data)
    assert before
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    con = duckdb.connect(str(work))
    con.execute("drop table overturn_development")  # as an earlier version made the warehouse
    con.close()
    monkeypatch.setattr(resources, "_SCHEMA_APPLIED", set())  # a new process, a new version
    run(landing, warehouse, appeal_window_days=0)
    assert rows(warehouse, lag_data) == before
