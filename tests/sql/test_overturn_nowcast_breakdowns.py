"""sql/views/overturn_nowcast_breakdowns.sql (the projection at the breakdown grain).

The history is made by hand, as in test_overturn_nowcast.py: appeal_window_days = 2, as of
2026-12-31, 28 settled days (ages 2 .. 29) of one BR market with two policies:
- spam: 100 penalties a day, 8 overturned, known 2 at age 0, 2 at age 1 and 4 at age 2: 224
  overturns in its history (>= MIN_PATTERN_OVERTURNS = 100), so its own pattern, c(1) = 4/8;
  r = 8/100, phi = 1.
- hate: 100 penalties a day, 2 overturned, both known at age 2: 56 overturns (< 100), so the
  market's pattern: overturns of the market a day 2, 2, 4 + 2 = 6 at ages 0, 1, 2, c(1) = 4/10;
  r = 2/100, phi = 1. Its own (thin) pattern would say c(1) = 0.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from warehouse.runner import run_sql

from .helpers import Z2, Z, assert_rows, given, select

AS_OF = date(2026, 12, 31)
WINDOW = 2
SEGMENT = {"source": "human", "object_type": "post", "queue": "q1"}
LAGS = {"spam": {0: 2, 1: 2, 2: 4}, "hate": {2: 2}}


def day(age: int) -> date:
    return AS_OF - timedelta(days=age)


def counts(metric_date: date, policy: str, penalties: int) -> dict:
    return (
        {"metric_date": metric_date, "market": "BR", "policy": policy}
        | SEGMENT
        | {
            "penalties": penalties,
            "no_actions": 0,
        }
    )


def development(metric_date: date, policy: str, age: int, overturns: int) -> dict:
    return (
        {"metric_date": metric_date, "market": "BR", "policy": policy}
        | SEGMENT
        | {
            "action": "penalize",
            "development_age": age,
            "overturns": overturns,
        }
    )


def history(policies: dict[str, int] | None = None) -> tuple[list[dict], list[dict]]:
    """The settled days: {policy: number of settled days} (28 each by default)."""
    policies = policies or {"spam": 28, "hate": 28}
    rows, lags = [], []
    for policy, days in policies.items():
        for metric_date in [day(WINDOW + i) for i in range(days)]:
            rows.append(counts(metric_date, policy, 100))
            lags += [development(metric_date, policy, a, k) for a, k in LAGS[policy].items()]
    return rows, lags


COLUMNS = (
    "metric_date, policy, provisional, age, n, overturns_known, completeness, phi, "
    "history_rate, pattern, no_projection_reason, rate_chain_ladder, rate_chain_ladder_low, "
    "rate_chain_ladder_high, rate_bf, rate_bf_low, rate_bf_high"
)


def nowcast(con, rows: list[dict], lags: list[dict], where: str = "provisional") -> list[dict]:
    given(con, "daily_metrics", rows)
    given(con, "overturn_development", lags)
    given(con, "warehouse_info", [{"as_of_date": AS_OF, "appeal_window_days": WINDOW}])
    run_sql(con, "views/overturn_nowcast.sql")
    run_sql(con, "views/overturn_nowcast_breakdowns.sql")
    return select(
        con,
        f"select {COLUMNS} from overturn_nowcast_breakdowns "
        f"where breakdown = 'policy' and action = 'penalize' and {where} "
        "order by metric_date, policy",
    )


def projected(policy: str, age: int, n: int, x: int, c: float, r: float, pattern: str) -> dict:
    """The hand formulas of the SQL header, phi = 1, history N = 28 * 100."""
    big_n = 2800
    y_cl, y_bf = x / c, x + (1 - c) * n * r
    var_cl = n * r * (1 - c) / c
    var_bf = (1 - c) * n * r + (1 - c) ** 2 * (n * n * r * (1 - r) / big_n)
    return {
        "metric_date": day(age), "policy": policy, "provisional": True, "age": age, "n": n,
        "overturns_known": x, "completeness": c, "phi": 1.0, "history_rate": r,
        "pattern": pattern, "no_projection_reason": None,
        "rate_chain_ladder": y_cl / n,
        "rate_chain_ladder_low": max(x / n, y_cl / n - Z * math.sqrt(var_cl) / n),
        "rate_chain_ladder_high": y_cl / n + Z * math.sqrt(var_cl) / n,
        "rate_bf": y_bf / n,
        "rate_bf_low": max(x / n, y_bf / n - Z * math.sqrt(var_bf) / n),
        "rate_bf_high": y_bf / n + Z * math.sqrt(var_bf) / n,
    }  # fmt: skip


def no_projection(policy: str, age: int, n: int, x: int, reason: str) -> dict:
    return {
        "metric_date": day(age), "policy": policy, "provisional": True, "age": age, "n": n,
        "overturns_known": x, "completeness": None, "phi": None, "history_rate": None,
        "pattern": None, "no_projection_reason": reason, "rate_chain_ladder": None,
        "rate_chain_ladder_low": None, "rate_chain_ladder_high": None, "rate_bf": None,
        "rate_bf_low": None, "rate_bf_high": None,
    }  # fmt: skip


def test_a_segment_with_enough_overturns_uses_its_own_pattern(con) -> None:
    """spam at age 1: 200 penalties, 6 overturns known (3 at age 0, 3 at age 1; one at age 2
    resolves after as_of and does not count), c(1) = 4/8: BF 6 + 0.5 * 200 * 0.08 = 14 -> 0.07,
    chain ladder 6 / 0.5 = 12 -> 0.06."""
    rows, lags = history()
    rows.append(counts(day(1), "spam", 200))
    lags += [development(day(1), "spam", 0, 3), development(day(1), "spam", 1, 3),
             development(day(1), "spam", 2, 1)]  # fmt: skip
    young = nowcast(con, rows, lags)
    assert_rows(young, [projected("spam", 1, 200, 6, 0.5, 0.08, "segment")])
    assert young[0]["rate_bf"] == 0.07


def test_a_segment_with_few_overturns_uses_its_market_pattern(con) -> None:
    """hate at age 1: 100 penalties, 1 overturn known; the market's c(1) = 4/10 (its day also
    holds 100 spam penalties, none overturned yet): BF 1 + 0.6 * 100 * 0.02 = 2.2 -> 0.022,
    chain ladder 1 / 0.4 = 2.5 -> 0.025. With its own pattern (c = 0) it would read 0.03."""
    rows, lags = history()
    rows += [counts(day(1), "hate", 100), counts(day(1), "spam", 100)]
    lags.append(development(day(1), "hate", 0, 1))
    young = [r for r in nowcast(con, rows, lags) if r["policy"] == "hate"]
    assert_rows(young, [projected("hate", 1, 100, 1, 0.4, 0.02, "market")])
    assert math.isclose(young[0]["rate_bf"], 0.022, abs_tol=1e-15)


def test_too_little_segment_history_projects_nothing(con) -> None:
    """scam has 27 settled days (MIN_COHORTS is 28), abuse 28 without an overturn: their young
    days have a row with NULL projection and the reason; spam's is projected."""
    rows, lags = history({"spam": 28})
    rows += [counts(day(WINDOW + i), "scam", 100) for i in range(27)]
    lags += [development(day(WINDOW + i), "scam", 2, 5) for i in range(27)]
    rows += [counts(day(WINDOW + i), "abuse", 100) for i in range(28)]
    rows += [counts(day(1), p, 100) for p in ("abuse", "scam", "spam")]
    lags += [development(day(1), p, 0, 1) for p in ("abuse", "scam", "spam")]
    young = nowcast(con, rows, lags)
    assert [r["policy"] for r in young] == ["abuse", "scam", "spam"]
    assert_rows(
        young[:2],
        [no_projection("abuse", 1, 100, 1, "no overturn in the history"),
         no_projection("scam", 1, 100, 1, "too few settled days")],
    )  # fmt: skip
    assert young[2]["pattern"] == "segment" and young[2]["rate_bf"] is not None


def test_a_settled_day_shows_its_observed_rate(con) -> None:
    """spam at age 2 (settled): 8 of 100 known, completeness 1, the Wilson interval of 0.08."""
    rows, lags = history()
    settled = nowcast(con, rows, lags, where=f"metric_date = '{day(2)}' and policy = 'spam'")
    p, n = 0.08, 100  # Wilson 1927
    center = (p + Z2 / (2 * n)) / (1 + Z2 / n)
    half = Z / (1 + Z2 / n) * math.sqrt(p * (1 - p) / n + Z2 / (4 * n * n))
    low, high = center - half, center + half
    assert_rows(
        settled,
        [{"metric_date": day(2), "policy": "spam", "provisional": False, "age": 2, "n": 100,
          "overturns_known": 8, "completeness": 1.0, "phi": None, "history_rate": None,
          "pattern": None, "no_projection_reason": None, "rate_chain_ladder": 0.08,
          "rate_chain_ladder_low": low, "rate_chain_ladder_high": high, "rate_bf": 0.08,
          "rate_bf_low": low, "rate_bf_high": high}],
    )  # fmt: skip


def test_a_segment_day_after_as_of_is_not_projected(con) -> None:
    """spam on 2027-01-01 (age -1, a replay with an earlier as_of): not known as of
    2026-12-31, so no row; its day at age 1 is projected."""
    rows, lags = history()
    rows += [counts(day(1), "spam", 200), counts(day(-1), "spam", 100)]
    lags += [development(day(1), "spam", 0, 3), development(day(1), "spam", 1, 3)]
    assert [r["age"] for r in nowcast(con, rows, lags)] == [1]
