"""sql/views/overturn_nowcast.sql (the projected final overkill and leakage rates of young days)
and its columns in sql/views/market_daily_metrics.sql.

The history is made by hand: with appeal_window_days = 2 and as_of 2026-12-31, the days up to
2026-12-29 are settled. Each settled penalty cohort has n = 100 penalties and 8 overturns, known
2 at age 0, 2 at age 1 and 4 at age 2, so c(0) = 2/8, c(1) = 4/8, r = 8/100 and phi = 1 (every
cohort has the same rate: Pearson chi2 = 0).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from warehouse.runner import run_sql

from .helpers import Z, assert_rows, given, select

AS_OF = date(2026, 12, 31)
WINDOW = 2
LAG = {0: 2, 1: 2, 2: 4}  # overturns of a settled cohort by development age


def day(age: int) -> date:
    return AS_OF - timedelta(days=age)


def counts(metric_date: date, penalties: int, overturned: int = 0, market: str = "BR") -> dict:
    return {
        "metric_date": metric_date,
        "market": market,
        "penalties": penalties,
        "no_actions": 0,
        "overturned_penalties": overturned,
        "overturned_no_actions": 0,
    }


def development(metric_date: date, age: int, overturns: int, market: str = "BR") -> dict:
    return {
        "metric_date": metric_date,
        "market": market,
        "action": "penalize",
        "development_age": age,
        "overturns": overturns,
    }


def history(cohorts: int = 28, lag: dict = LAG) -> tuple[list[dict], list[dict]]:
    """daily_metrics and overturn_development rows of `cohorts` settled days (ages 2, 3, ...)."""
    days = [day(WINDOW + i) for i in range(cohorts)]
    rows = [counts(d, 100, sum(lag.values())) for d in days]
    lags = [development(d, age, k) for d in days for age, k in lag.items() if k]
    return rows, lags


def nowcast(con, rows: list[dict], lags: list[dict]) -> list[dict]:
    given(con, "daily_metrics", rows)
    given(con, "overturn_development", lags, metric_date="date", market="varchar",
          action="varchar", development_age="integer", overturns="bigint")  # fmt: skip
    given(con, "warehouse_info", [{"as_of_date": AS_OF, "appeal_window_days": WINDOW}])
    run_sql(con, "views/overturn_nowcast.sql")
    return select(
        con,
        "select metric_date, age, n, overturns_known, completeness, phi, history_rate, "
        "rate_chain_ladder, rate_chain_ladder_low, rate_chain_ladder_high, "
        "rate_bf, rate_bf_low, rate_bf_high "
        "from overturn_nowcast where action = 'penalize' order by metric_date",
    )


def expected(age: int, n: int, x: int, c: float) -> dict:
    """The hand formulas of the SQL header, r = 0.08, phi = 1, history N = 28 * 100."""
    r, phi, big_n = 0.08, 1.0, 2800
    y_cl, y_bf = x / c, x + (1 - c) * n * r
    var_cl = phi * n * r * (1 - c) / c
    var_bf = (1 - c) * n * r + (1 - c) ** 2 * (
        (phi - 1) * n * r * (1 - r) + n * n * phi * r * (1 - r) / big_n
    )
    return {
        "metric_date": day(age),
        "age": age,
        "n": n,
        "overturns_known": x,
        "completeness": c,
        "phi": phi,
        "history_rate": r,
        "rate_chain_ladder": y_cl / n,
        "rate_chain_ladder_low": max(x / n, y_cl / n - Z * math.sqrt(var_cl) / n),
        "rate_chain_ladder_high": y_cl / n + Z * math.sqrt(var_cl) / n,
        "rate_bf": y_bf / n,
        "rate_bf_low": max(x / n, y_bf / n - Z * math.sqrt(var_bf) / n),
        "rate_bf_high": y_bf / n + Z * math.sqrt(var_bf) / n,
    }


def test_completeness_and_both_projections_from_a_hand_made_history(con) -> None:
    """Age 1: 6 overturns known of 200 (3 at age 0, 3 at age 1; one at age 2 resolves after
    as_of and does not count); c(1) = 4/8. BF: 6 + 0.5 * 200 * 0.08 = 14 -> 0.07; chain
    ladder: 6 / 0.5 = 12 -> 0.06. Age 0: 1 of 100 known, c(0) = 0.25: BF 1 + 0.75 * 8 = 7."""
    rows, lags = history()
    rows += [counts(day(1), 200, 7), counts(day(0), 100, 1)]
    lags += [development(day(1), 0, 3), development(day(1), 1, 3), development(day(1), 2, 1)]
    lags += [development(day(0), 0, 1)]
    young = [r for r in nowcast(con, rows, lags) if r["age"] < WINDOW]
    assert_rows(young, [expected(1, 200, 6, 0.5), expected(0, 100, 1, 0.25)])
    assert young[0]["rate_bf"] == 0.07 and math.isclose(young[1]["rate_bf"], 0.07)


def test_the_interval_widens_as_completeness_falls(con) -> None:
    """Two young days with the same n and the same rate of known overturns per completeness."""
    rows, lags = history()
    rows += [counts(day(1), 1000, 40), counts(day(0), 1000, 20)]
    lags += [development(day(1), 0, 20), development(day(1), 1, 20), development(day(0), 0, 20)]
    by_age = {r["age"]: r for r in nowcast(con, rows, lags)}
    width = {a: by_age[a]["rate_bf_high"] - by_age[a]["rate_bf_low"] for a in (0, 1)}
    assert by_age[0]["completeness"] < by_age[1]["completeness"]
    assert width[0] > width[1] > 0


def test_too_little_history_projects_nothing(con) -> None:
    """27 settled cohorts (MIN_COHORTS is 28), or 28 without an overturn: no row, so
    market_daily_metrics shows NULL."""
    rows, lags = history(cohorts=27)
    rows.append(counts(day(1), 100, 1))
    assert nowcast(con, rows, lags + [development(day(1), 0, 1)])[-1:] == []


def test_a_history_without_overturns_projects_nothing(con) -> None:
    rows, _ = history()
    rows = [r | {"overturned_penalties": 0} for r in rows] + [counts(day(1), 100, 0)]
    assert nowcast(con, rows, []) == []


def test_only_the_most_recent_56_settled_days_make_the_history(con) -> None:
    """28 recent cohorts at 8% and, older than 56 settled days, 28 at 80%: r stays 0.08."""
    rows, lags = history()
    old = [day(WINDOW + 56 + i) for i in range(28)]
    rows += [counts(d, 100, 80) for d in old] + [counts(day(1), 100, 4)]
    lags += [development(d, 2, 80) for d in old] + [development(day(1), 0, 4)]
    young = nowcast(con, rows, lags)[-1]
    assert young["history_rate"] == 0.08 and young["completeness"] == 0.5


BREAKDOWN_COUNTS = ["decisions", "penalties", "no_actions", "appealed_penalties",
                    "overturned_penalties", "appealed_no_actions", "overturned_no_actions",
                    "pending_appeals", "audited_penalties", "audited_no_actions"]  # fmt: skip
RATES = ("penalty_ratio", "overkill_rate", "leakage_rate", "audit_overkill_rate",
         "audit_leakage_rate")  # fmt: skip
BREAKDOWN_RATES = [f"{m}{s}" for m in RATES for s in ("", "_low", "_high")]


def market_day(first_day: date, provisional: bool, overkill: tuple, leakage: tuple) -> dict:
    row = {"period": "day", "first_day": first_day, "market": "BR", "breakdown": "market"}
    row |= {c: 1 for c in BREAKDOWN_COUNTS} | {r: 0.5 for r in BREAKDOWN_RATES}
    row |= dict(
        zip(("overkill_rate", "overkill_rate_low", "overkill_rate_high"), overkill, strict=True)
    )
    row |= dict(
        zip(("leakage_rate", "leakage_rate_low", "leakage_rate_high"), leakage, strict=True)
    )
    return row | {"provisional": provisional, "audit_provisional": False, "audit_completeness": 1.0}


def nowcast_row(metric_date: date, action: str, rate: float, low: float, high: float,
                completeness: float) -> dict:  # fmt: skip
    return {"metric_date": metric_date, "market": "BR", "action": action, "rate_bf": rate,
            "rate_bf_low": low, "rate_bf_high": high, "completeness": completeness}  # fmt: skip


def test_market_daily_metrics_projects_provisional_days_and_shows_settled_ones(con) -> None:
    """Settled: projected = observed with its Wilson bounds, completeness 1 (whatever the
    nowcast says). Provisional: the nowcast's BF columns. Provisional without a nowcast row (too
    little history): NULL."""
    given(con, "metric_breakdowns", [
        market_day(day(5), False, (0.01, 0.005, 0.02), (0.03, 0.02, 0.04)),
        market_day(day(1), True, (0.006, 0.004, 0.009), (0.02, 0.01, 0.03)),
        market_day(day(0), True, (0.001, 0.0, 0.003), (0.002, 0.0, 0.004)),
    ])  # fmt: skip
    given(con, "overturn_nowcast", [
        nowcast_row(day(5), "penalize", 0.9, 0.8, 1.0, 0.5),
        nowcast_row(day(1), "penalize", 0.011, 0.008, 0.015, 0.6),
        nowcast_row(day(1), "no_action", 0.033, 0.025, 0.041, 0.55),
    ])  # fmt: skip
    run_sql(con, "views/market_daily_metrics.sql")
    assert_rows(
        select(
            con,
            "select metric_date, overkill_rate_projected, overkill_rate_projected_low, "
            "overkill_rate_projected_high, overkill_completeness, leakage_rate_projected, "
            "leakage_rate_projected_low, leakage_rate_projected_high, leakage_completeness "
            "from market_daily_metrics order by metric_date",
        ),
        [
            {"metric_date": day(5), "overkill_rate_projected": 0.01,
             "overkill_rate_projected_low": 0.005, "overkill_rate_projected_high": 0.02,
             "overkill_completeness": 1.0, "leakage_rate_projected": 0.03,
             "leakage_rate_projected_low": 0.02, "leakage_rate_projected_high": 0.04,
             "leakage_completeness": 1.0},
            {"metric_date": day(1), "overkill_rate_projected": 0.011,
             "overkill_rate_projected_low": 0.008, "overkill_rate_projected_high": 0.015,
             "overkill_completeness": 0.6, "leakage_rate_projected": 0.033,
             "leakage_rate_projected_low": 0.025, "leakage_rate_projected_high": 0.041,
             "leakage_completeness": 0.55},
            {"metric_date": day(0), "overkill_rate_projected": None,
             "overkill_rate_projected_low": None, "overkill_rate_projected_high": None,
             "overkill_completeness": None, "leakage_rate_projected": None,
             "leakage_rate_projected_low": None, "leakage_rate_projected_high": None,
             "leakage_completeness": None},
        ],
    )  # fmt: skip


def test_the_projected_count_its_variance_and_the_part_shared_by_young_days(con) -> None:
    """Age 1, 6 of 200 known, c = 0.5, r = 0.08, phi = 1, N = 2800: Y = 6 + 0.5 * 200 * 0.08 = 14;
    the error of r gives shared_sd = 0.5 * 200 * sqrt(0.08 * 0.92 / 2800), the rest of the
    variance is the overturns to come, 0.5 * 200 * 0.08 = 8 (phi = 1: no extra day deviation)."""
    rows, lags = history()
    rows.append(counts(day(1), 200, 6))
    lags += [development(day(1), 0, 3), development(day(1), 1, 3)]
    nowcast(con, rows, lags)
    shared_sd = 0.5 * 200 * math.sqrt(0.08 * 0.92 / 2800)
    assert_rows(
        select(
            con,
            "select overturns_projected, overturns_projected_variance, "
            "overturns_projected_shared_sd from overturn_nowcast where age = 1",
        ),
        [
            {
                "overturns_projected": 14.0,
                "overturns_projected_variance": 8 + shared_sd**2,
                "overturns_projected_shared_sd": shared_sd,
            }
        ],
    )


def test_a_day_after_as_of_is_not_projected(con) -> None:
    """A replay with an earlier as_of: the decisions of 2027-01-01 (age -1) were not known as of
    2026-12-31, so the day has no projection; the as-of day itself (age 0) has one."""
    rows, lags = history()
    rows += [counts(day(0), 100, 1), counts(day(-1), 100, 0)]
    lags += [development(day(0), 0, 1)]
    young = [r for r in nowcast(con, rows, lags) if r["age"] < WINDOW]
    assert [(r["metric_date"], r["age"]) for r in young] == [(day(0), 0)]


def test_a_weekday_with_100_overturns_in_its_history_uses_its_own_pattern(con) -> None:
    """The settled cohorts of day(1)'s weekday (ages 8, 15, 22, 29) hold 30 overturns each, all
    known at age 0: 120 >= MIN_WEEKDAY_OVERTURNS, so at age 1 c = 120 / 120 = 1 from them (BF
    = the observed rate); the whole history would say (24 * 4 + 120) / (24 * 8 + 120) =
    216 / 312. day(0)'s weekday (ages 7, 14, 21, 28) holds 4 * 8 = 32 overturns: the whole
    history's c(0) = (24 * 2 + 120) / 312 = 168 / 312."""
    rows, lags = history()
    weekday = [day(a) for a in (8, 15, 22, 29)]
    rows = [counts(r["metric_date"], 100, 30) if r["metric_date"] in weekday else r for r in rows]
    lags = [g for g in lags if g["metric_date"] not in weekday]
    lags += [development(d, 0, 30) for d in weekday]
    rows += [counts(day(1), 100, 5), counts(day(0), 100, 1)]
    lags += [development(day(1), 0, 5), development(day(0), 0, 1)]
    nowcast(con, rows, lags)
    assert_rows(
        select(
            con,
            "select age, completeness, pattern, rate_bf from overturn_nowcast "
            "where action = 'penalize' and age < 2 order by age",
        ),
        [{"age": 0, "completeness": 168 / 312, "pattern": "all days",
          "rate_bf": (1 + (1 - 168 / 312) * 100 * 312 / 2800) / 100},
         {"age": 1, "completeness": 1.0, "pattern": "weekday", "rate_bf": 0.05}],
    )  # fmt: skip
