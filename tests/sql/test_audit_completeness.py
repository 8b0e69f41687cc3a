"""sql/views/audit_completeness.sql (the expected share of a young day's audits already in) and
what sql/views/metric_breakdowns.sql makes of it and of as_of: audit_provisional,
audit_completeness, and the overturns known by as_of.

The audit history is made by hand: audit_window_days = 2, as of 2026-12-31, the days up to
2026-12-29 are audit-settled. Each of the 28 history days of BR has 4 audits, in 1 at age 0, 1 at
age 1 and 2 at age 2: c(0) = 28/112 = 1/4, c(1) = 56/112 = 1/2.
"""

from __future__ import annotations

from datetime import date, timedelta

from warehouse.runner import run_sql

from .helpers import LAG_DATA, assert_rows, given, select

AS_OF = date(2026, 12, 31)
AUDIT_WINDOW = 2
SEGMENT = {"policy": "spam", "source": "human", "object_type": "post", "queue": "q1"}
AUDIT_LAG = {0: 1, 1: 1, 2: 2}  # audits of a history day by development age


def day(age: int) -> date:
    return AS_OF - timedelta(days=age)


def audits(metric_date: date, age: int, k: int, market: str = "BR") -> dict:
    return {"metric_date": metric_date, "market": market} | SEGMENT | {
        "action": "penalize", "development_age": age, "audits": k}  # fmt: skip


def overturns(metric_date: date, action: str, age: int, k: int) -> dict:
    return {"metric_date": metric_date, "market": "BR"} | SEGMENT | {
        "action": action, "development_age": age, "overturns": k}  # fmt: skip


def counts(metric_date: date, decisions: int = 20, market: str = "BR", **values) -> dict:
    """A daily_metrics row: `decisions`, half of them penalties, the other counts 0 unless given."""
    row = {"metric_date": metric_date, "market": market} | SEGMENT
    row |= {"decisions": decisions, "penalties": decisions // 2, "no_actions": decisions // 2}
    for column in ("appealed_penalties", "overturned_penalties", "appealed_no_actions",
                   "overturned_no_actions", "pending_appeals", "audited_penalties",
                   "audited_no_actions"):  # fmt: skip
        row[column] = values.pop(column, 0)
    for column in ("audited_penalty_weight", "audited_penalty_weight_sq",
                   "non_violating_penalty_weight", "audited_no_action_weight",
                   "audited_no_action_weight_sq", "violating_no_action_weight"):  # fmt: skip
        row[column] = 0.0
    assert not values, values
    return row


def audit_history(cohorts: int = 28, market: str = "BR") -> tuple[list[dict], list[dict]]:
    days = [day(AUDIT_WINDOW + i) for i in range(cohorts)]
    lags = [audits(d, a, k, market) for d in days for a, k in AUDIT_LAG.items()]
    return [counts(d, market=market) for d in days], lags


def warehouse(con, rows, audit_lags, overturn_lags=(), as_of: date = AS_OF, periods=()) -> None:
    given(con, "daily_metrics", rows)
    given(con, "audit_development", audit_lags, **LAG_DATA, audits="bigint")
    given(con, "overturn_development", list(overturn_lags), **LAG_DATA, overturns="bigint")
    info = {"as_of_date": as_of, "appeal_window_days": 30, "audit_window_days": AUDIT_WINDOW}
    # integers, as in schema/warehouse_info.sql
    given(con, "warehouse_info", [info], appeal_window_days="integer", audit_window_days="integer")
    given(con, "kpi_periods", list(periods), period="varchar", first_day="date", last_day="date")
    run_sql(con, "views/audit_completeness.sql")
    run_sql(con, "views/known_daily_metrics.sql")
    run_sql(con, "views/metric_breakdowns.sql")


def test_completeness_of_young_days_from_the_audit_lag_history(con) -> None:
    """BR: c(1) = 1/2, c(0) = 1/4 (an audit at age 3 of the day aged 2 arrives after as_of: it
    is not in the history). EMEA has 27 history days (MIN_COHORTS is 28): no row."""
    rows, lags = audit_history()
    lags.append(audits(day(2), 3, 50))
    emea_rows, emea_lags = audit_history(27, "EMEA")
    rows += emea_rows + [counts(day(a), market=m) for a in (1, 0) for m in ("BR", "EMEA")]
    warehouse(con, rows, lags + emea_lags + [audits(day(1), 0, 1)])
    assert_rows(
        select(con, "select metric_date, market, age, completeness from audit_completeness "
                    "order by metric_date desc, market"),
        [{"metric_date": day(0), "market": "BR", "age": 0, "completeness": 0.25},
         {"metric_date": day(1), "market": "BR", "age": 1, "completeness": 0.5}],
    )  # fmt: skip


def test_audit_provisional_and_completeness_of_days_and_periods(con) -> None:
    """Day rows: audit-settled day(2) complete, day(1) 1/2, day(0) 1/4; EMEA's young day has no
    completeness (too little history). A period of day(1) (30 decisions) and day(0) (10): the
    days' completeness weighted by decisions, (30 * 1/2 + 10 * 1/4) / 40 = 0.4375; EMEA's is
    NULL, as its day is."""
    rows, lags = audit_history()
    rows += [counts(day(1), 30), counts(day(0), 10), counts(day(0), 10, "EMEA")]
    period = {"period": "last_7_days", "first_day": day(1), "last_day": day(0)}
    warehouse(con, rows, lags, periods=[period])
    assert_rows(
        select(con, "select period, first_day, market, audit_provisional, audit_completeness "
                    "from metric_breakdowns where breakdown = 'market' and first_day >= ? "
                    "order by period, first_day, market", [day(2)]),
        [{"period": "day", "first_day": day(2), "market": "BR", "audit_provisional": False,
          "audit_completeness": 1.0},
         {"period": "day", "first_day": day(1), "market": "BR", "audit_provisional": True,
          "audit_completeness": 0.5},
         {"period": "day", "first_day": day(0), "market": "BR", "audit_provisional": True,
          "audit_completeness": 0.25},
         {"period": "day", "first_day": day(0), "market": "EMEA", "audit_provisional": True,
          "audit_completeness": None},
         {"period": "last_7_days", "first_day": day(1), "market": "BR",
          "audit_provisional": True, "audit_completeness": 0.4375},
         {"period": "last_7_days", "first_day": day(1), "market": "EMEA",
          "audit_provisional": True, "audit_completeness": None}],
    )  # fmt: skip


def test_an_overturn_known_after_as_of_does_not_count(con) -> None:
    """The warehouse holds every overturn of day(3) (a replay with an as_of in the past): 10
    penalties with 3 overturns, known at ages 0, 2 and 5, and 10 no_actions with 1, known at
    age 4. As of AS_OF (age 3) 2 and 0 were known: overkill 0.2, leakage 0. As of two days
    later (age 5) all are: 0.3 and 0.1."""
    lags = [overturns(day(3), "penalize", a, 1) for a in (0, 2, 5)]
    lags.append(overturns(day(3), "no_action", 4, 1))
    row = counts(day(3), overturned_penalties=3, overturned_no_actions=1)
    query = ("select breakdown, overturned_penalties, overkill_rate, overturned_no_actions, "
             "leakage_rate from metric_breakdowns where breakdown in ('market', 'policy') "
             "order by breakdown")  # fmt: skip
    warehouse(con, [row], [], lags)
    known = {"overturned_penalties": 2, "overkill_rate": 0.2, "overturned_no_actions": 0,
             "leakage_rate": 0.0}  # fmt: skip
    assert_rows(select(con, query), [{"breakdown": b} | known for b in ("market", "policy")])
    con.execute("update warehouse_info set as_of_date = ?", [day(3) + timedelta(days=5)])
    every = {"overturned_penalties": 3, "overkill_rate": 0.3, "overturned_no_actions": 1,
             "leakage_rate": 0.1}  # fmt: skip
    assert_rows(select(con, query), [{"breakdown": b} | every for b in ("market", "policy")])
