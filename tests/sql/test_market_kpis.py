"""sql/views/market_kpis.sql (the KPI tiles: value, change, its 95% interval, significance) and
sql/views/kpi_periods.sql (the windows they compare).

market_kpis reads the market totals of metric_breakdowns over the KPI periods (rows like those of
market_daily_metrics, one per period): the first tests give it such rows by hand, with intervals
chosen so that the square roots of Newcombe's formula are exact (3-4-5 and 5-12-13 triangles).
The last test runs the whole chain, from daily_metrics rows.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from warehouse.runner import run_sql

from .helpers import Z2, Z, assert_rows, given, no_lag_data, select

METRICS = ("penalty_ratio", "overkill_rate", "leakage_rate", "audit_overkill_rate",
           "audit_leakage_rate")  # fmt: skip
COUNTS = {
    "decisions": "bigint",
    "penalties": "bigint",
    "no_actions": "bigint",
    "overturned_penalties": "bigint",
    "overturned_no_actions": "bigint",
    "audited_penalty_weight": "double",
    "audited_penalty_weight_sq": "double",
    "non_violating_penalty_weight": "double",
    "audited_no_action_weight": "double",
    "audited_no_action_weight_sq": "double",
    "violating_no_action_weight": "double",
    "audit_penalty_n": "double",
    "audit_no_action_n": "double",
}
RATES = {f"{m}{suffix}": "double" for m in METRICS for suffix in ("", "_low", "_high")}
WINDOW = {"appeal_window_days": "integer"}  # as in schema/warehouse_info.sql


def d(day: int) -> date:
    return date(2026, 10, day)


def period(name: str, first_day: date, last_day: date | None = None, *, market: str = "BR",
           breakdown: str = "market", provisional: bool = False, audit_provisional: bool = False,
           **values) -> dict:  # fmt: skip
    """A row of metric_breakdowns: `values` gives a metric as (value, low, high), or a count."""
    row = {"period": name, "first_day": first_day, "last_day": last_day or first_day,
           "market": market, "breakdown": breakdown, "provisional": provisional,
           "audit_provisional": audit_provisional}  # fmt: skip
    for metric in METRICS:
        value, low, high = values.pop(metric, (None, None, None))
        row |= {metric: value, f"{metric}_low": low, f"{metric}_high": high}
    assert values.keys() <= COUNTS.keys(), values
    return row | {count: values.get(count) for count in COUNTS}


DAY_COUNTS = {"metric_date": "date", "market": "varchar", "provisional": "boolean",
              "penalties": "bigint", "no_actions": "bigint", "overturned_penalties": "bigint",
              "overturned_no_actions": "bigint"}  # fmt: skip
NOWCAST = {"metric_date": "date", "market": "varchar", "action": "varchar",
           "overturns_projected": "double", "overturns_projected_variance": "double",
           "overturns_projected_shared_sd": "double", "completeness": "double",
           "history_rate": "double"}  # fmt: skip
KPI_PERIODS = {"period": "varchar", "first_day": "date", "last_day": "date"}
PERIOD = KPI_PERIODS | {"market": "varchar", "breakdown": "varchar", "provisional": "boolean",
                        "audit_provisional": "boolean"}  # fmt: skip


def market_kpis(con, periods: list[dict], columns: str, where: str = "true", *,
                kpi_periods: list[dict] = (), days: list[dict] = (),
                nowcast: list[dict] = ()) -> list[dict]:  # fmt: skip
    """market_kpis of the given metric_breakdowns rows and, for the projected span, the
    kpi_periods, market_daily_metrics and overturn_nowcast rows (none unless given)."""
    given(con, "metric_breakdowns", periods, **PERIOD, **COUNTS, **RATES)
    given(con, "kpi_periods", list(kpi_periods), **KPI_PERIODS)
    given(con, "market_daily_metrics", list(days), **DAY_COUNTS)
    given(con, "overturn_nowcast", list(nowcast), **NOWCAST)
    run_sql(con, "views/market_kpis.sql")
    return select(
        con, f"select {columns} from market_kpis where {where} order by market, metric, span"
    )


def test_each_span_compares_its_period_with_the_one_before(con) -> None:
    """day: Friday 10-30 against Friday 10-23, the same weekday a week before; 7 days:
    10-24..10-30 against 10-17..10-23; settled 7 days: 10-22..10-28 against 10-15..10-21."""
    periods = [
        period("latest_day", d(30), penalty_ratio=(0.30, 0.2, 0.4)),
        period("same_day_last_week", d(23), penalty_ratio=(0.20, 0.1, 0.3)),
        period("last_7_days", d(24), d(30), penalty_ratio=(0.25, 0.2, 0.3)),
        period("previous_7_days", d(17), d(23), penalty_ratio=(0.15, 0.1, 0.2)),
        period("settled_7_days", d(22), d(28), penalty_ratio=(0.40, 0.3, 0.5)),
        period("previous_settled_7_days", d(15), d(21), penalty_ratio=(0.10, 0.0, 0.2)),
    ]
    assert_rows(
        market_kpis(
            con,
            periods,
            "span, first_day, last_day, previous_first_day, previous_last_day, value, "
            "previous_value, change",
            "metric = 'penalty_ratio'",
        ),
        [
            {"span": "7 days", "first_day": d(24), "last_day": d(30),
             "previous_first_day": d(17), "previous_last_day": d(23),
             "value": 0.25, "previous_value": 0.15, "change": 0.10},  # 0.25 - 0.15
            {"span": "day", "first_day": d(30), "last_day": d(30),
             "previous_first_day": d(23), "previous_last_day": d(23),
             "value": 0.30, "previous_value": 0.20, "change": 0.10},  # 0.30 - 0.20
            {"span": "settled 7 days", "first_day": d(22), "last_day": d(28),
             "previous_first_day": d(15), "previous_last_day": d(21),
             "value": 0.40, "previous_value": 0.10, "change": 0.30},  # 0.40 - 0.10
        ],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("current", "previous", "change", "change_low", "change_high", "significant"),
    [
        # change 0.30 − 0.20 = 0.10, low 0.10 − √(0.03² + 0.04²), high 0.10 + √(0.05² + 0.12²)
        ((0.30, 0.27, 0.35), (0.20, 0.08, 0.24), 0.10, 0.05, 0.23, True),
        # change 0.25 − 0.20 = 0.05, low 0.05 − √(0.06² + 0.08²), high 0.05 + √(0.08² + 0.06²)
        ((0.25, 0.19, 0.33), (0.20, 0.14, 0.28), 0.05, -0.05, 0.15, False),
        # change 0.10 − 0.30 = −0.20, low −0.20 − √(0.03² + 0.04²), high −0.20 + √(0.06² + 0.08²)
        ((0.10, 0.07, 0.16), (0.30, 0.22, 0.34), -0.20, -0.25, -0.10, True),
    ],
    ids=["significant rise", "noise", "significant fall"],
)
def test_the_change_has_newcombes_interval_and_is_significant_when_it_leaves_out_zero(
    con, current, previous, change, change_low, change_high, significant
) -> None:
    """change ∓ sqrt((value − low)² + (previous_high − previous_value)²), resp.
    sqrt((high − value)² + (previous_value − previous_low)²) (data dictionary, market_kpis)."""
    periods = [
        period("latest_day", d(30), penalty_ratio=current, penalties=3, decisions=10),
        period("same_day_last_week", d(23), penalty_ratio=previous, penalties=2, decisions=10),
    ]
    assert_rows(
        market_kpis(
            con,
            periods,
            "value, low, high, numerator, denominator, sample_size, previous_value, previous_low, "
            "previous_high, change, change_low, change_high, change_is_significant",
            "metric = 'penalty_ratio'",
        ),
        [
            {
                "value": current[0],
                "low": current[1],
                "high": current[2],
                "numerator": 3,
                "denominator": 10,
                "sample_size": 10.0,
                "previous_value": previous[0],
                "previous_low": previous[1],
                "previous_high": previous[2],
                "change": change,
                "change_low": change_low,
                "change_high": change_high,
                "change_is_significant": significant,
            }
        ],
    )


def test_without_a_previous_value_the_change_is_not_significant(con) -> None:
    """BR has no day a week before at all; LATAM has one without a value (no penalty)."""
    periods = [
        period("latest_day", d(30), penalty_ratio=(0.30, 0.27, 0.35)),
        period("latest_day", d(30), market="LATAM", penalty_ratio=(0.30, 0.27, 0.35)),
        period("same_day_last_week", d(23), market="LATAM"),
    ]
    no_change = {"previous_value": None, "change": None, "change_low": None,
                 "change_high": None, "change_is_significant": False}  # fmt: skip
    assert_rows(
        market_kpis(
            con,
            periods,
            "market, previous_value, change, change_low, change_high, change_is_significant",
            "metric = 'penalty_ratio'",
        ),
        [{"market": "BR", **no_change}, {"market": "LATAM", **no_change}],
    )


def test_overkill_and_leakage_of_a_provisional_period_are_not_judged(con) -> None:
    """The same significant rise for every metric (the first case above): on the provisional
    latest day, overkill and leakage are NULL (not judged), the other metrics are; on the settled
    7 days all five are judged."""
    rise = {metric: (0.30, 0.27, 0.35) for metric in METRICS}
    before = {metric: (0.20, 0.08, 0.24) for metric in METRICS}
    periods = [
        period("latest_day", d(30), provisional=True, **rise),
        period("same_day_last_week", d(23), provisional=True, **before),
        period("settled_7_days", d(22), d(28), **rise),
        period("previous_settled_7_days", d(15), d(21), **before),
    ]
    judged = {"audit_leakage_rate": True, "audit_overkill_rate": True, "leakage_rate": None,
              "overkill_rate": None, "penalty_ratio": True}  # fmt: skip
    assert_rows(
        market_kpis(con, periods, "metric, span, provisional, change_is_significant"),
        [
            row
            for metric in sorted(METRICS)
            for row in (
                {"metric": metric, "span": "day", "provisional": True,
                 "change_is_significant": judged[metric]},
                {"metric": metric, "span": "settled 7 days", "provisional": False,
                 "change_is_significant": True},
            )
        ],
    )  # fmt: skip


def test_only_the_market_totals_of_the_kpi_periods_count(con) -> None:
    """A period 'day' row and a policy row of the latest day are no KPI, nor the day a week before
    of another breakdown."""
    periods = [
        period("latest_day", d(30), penalty_ratio=(0.30, 0.27, 0.35)),
        period("same_day_last_week", d(23), penalty_ratio=(0.20, 0.08, 0.24)),
        period("day", d(30), penalty_ratio=(0.30, 0.27, 0.35)),
        period("latest_day", d(30), breakdown="policy", penalty_ratio=(0.9, 0.8, 1.0)),
        period("same_day_last_week", d(23), breakdown="policy", penalty_ratio=(0.5, 0.4, 0.6)),
    ]
    assert_rows(
        market_kpis(con, periods, "span, value, previous_value", "metric = 'penalty_ratio'"),
        [{"span": "day", "value": 0.30, "previous_value": 0.20}],
    )


# --- kpi_periods, and the chain daily_metrics -> kpi_periods -> metric_breakdowns -> market_kpis


def test_kpi_periods_end_on_the_latest_complete_and_the_latest_settled_day(con) -> None:
    """Days with decisions 10-01..10-31, as of 10-31 with a 30-day appeal window: the latest
    complete day is 10-30 (10-31 is still being filled), compared with 10-23 (both Fridays); the
    latest settled day min(10-30, 10-31 - 30 = 10-01) = 10-01."""
    given(con, "daily_metrics", [{"metric_date": d(day)} for day in range(1, 32)])
    given(con, "warehouse_info", [{"as_of_date": d(31), "appeal_window_days": 30}], **WINDOW)
    run_sql(con, "views/kpi_periods.sql")
    assert_rows(
        select(con, "select period, first_day, last_day from kpi_periods"),
        [
            {"period": "latest_day", "first_day": d(30), "last_day": d(30)},
            {"period": "same_day_last_week", "first_day": d(23), "last_day": d(23)},
            {"period": "last_7_days", "first_day": d(24), "last_day": d(30)},
            {"period": "previous_7_days", "first_day": d(17), "last_day": d(23)},
            {"period": "settled_7_days", "first_day": date(2026, 9, 25), "last_day": d(1)},
            {"period": "previous_settled_7_days", "first_day": date(2026, 9, 18),
             "last_day": date(2026, 9, 24)},
        ],
    )  # fmt: skip


def test_no_kpi_period_without_a_day_before_the_as_of_date(con) -> None:
    given(con, "daily_metrics", [{"metric_date": d(31)}])
    given(con, "warehouse_info", [{"as_of_date": d(31), "appeal_window_days": 30}], **WINDOW)
    run_sql(con, "views/kpi_periods.sql")
    assert select(con, "select * from kpi_periods") == []


DAILY_METRICS_COLUMNS = ("appealed_penalties", "overturned_penalties", "appealed_no_actions",
                         "overturned_no_actions", "pending_appeals", "audited_penalties",
                         "audited_no_actions")  # fmt: skip
WEIGHT_COLUMNS = ("audited_penalty_weight", "audited_penalty_weight_sq",
                  "non_violating_penalty_weight", "audited_no_action_weight",
                  "audited_no_action_weight_sq", "violating_no_action_weight")  # fmt: skip


def day(metric_date: date, decisions: int, penalties: int) -> dict:
    """A daily_metrics row of BR, no appeal, no audit."""
    return {
        "metric_date": metric_date,
        "market": "BR",
        "policy": "spam",
        "source": "machine",
        "object_type": "live",
        "queue": "unspecified",
        "decisions": decisions,
        "penalties": penalties,
        "no_actions": decisions - penalties,
        **dict.fromkeys(DAILY_METRICS_COLUMNS, 0),
        **dict.fromkeys(WEIGHT_COLUMNS, 0.0),
        "run_id": "r1",
    }


def test_market_kpis_from_daily_metrics(con) -> None:
    """As of 10-31 with a 3-day appeal window: latest day 10-30, settled day min(10-30, 10-28).
    Each period's penalty_ratio is its penalties over its decisions (not an average of days);
    its bounds are Wilson's (x of n, as in test_macros.py); 10-31, the as-of day, is in none.

    day: Friday 10-30, 3/10 = 0.3 [0.10779126740630103, 0.6032218525388546], against Friday
      10-23 (not Thursday 10-29), 40/40 = 1 [40 / (40 + z²) = 0.9123783988027133, 1]: change
      −0.7, interval −0.7 − sqrt((0.3 − 0.10779...)² + (1 − 1)²) = −0.7 − 0.19220873259369897,
      −0.7 + sqrt((0.60322... − 0.3)² + (1 − 0.91237...)²) = −0.7 + 0.31562800391199647:
      below 0, significant (and judged although provisional: penalty_ratio).
    7 days: 10-24 + 10-29 + 10-30 = (2 + 1 + 3) / (20 + 10 + 10) = 6/40 = 0.15
      [0.0706118771732036, 0.29072324366489705] against 10-17 + 10-23 = 40/100 = 0.4
      [0.3094012864324589, 0.4979974132089382]: change −0.25,
      −0.25 − sqrt(0.0793881228267964² + 0.0979974132089382²) = −0.25 − 0.12611886076874418,
      −0.25 + sqrt(0.14072324366489705² + 0.0905987135675411²) = −0.25 + 0.16736534350833612:
      below 0, significant.
    settled 7 days: 10-23 + 10-24 = 42/60 = 0.7 [0.5749129205308552, 0.8010183386123089]
      against 10-17 = 0/60 = 0 [0, 0.06017185214208985]: change 0.7,
      0.7 − sqrt(0.1250870794691448² + 0.06017185214208985²) = 0.7 − 0.13880716566636486,
      0.7 + sqrt(0.1010183386123089² + 0²) = 0.8010183386123089: above 0, significant.
    """
    given(
        con,
        "daily_metrics",
        [
            day(d(17), 60, 0),
            day(d(23), 40, 40),
            day(d(24), 20, 2),
            day(d(29), 10, 1),
            day(d(30), 10, 3),
            day(d(31), 100, 100),
        ],
    )
    info = {"as_of_date": d(31), "appeal_window_days": 3, "audit_window_days": 3}
    given(con, "warehouse_info", [info], **WINDOW, audit_window_days="integer")
    no_lag_data(con)
    views = ("kpi_periods", "audit_completeness", "known_daily_metrics", "metric_breakdowns",
             "overturn_nowcast",
             "market_daily_metrics", "market_kpis")  # fmt: skip
    for view in views:
        run_sql(con, f"views/{view}.sql")
    assert_rows(
        select(
            con,
            "select span, first_day, last_day, provisional, numerator, denominator, value, low, "
            "high, previous_value, change, change_low, change_high, change_is_significant "
            "from market_kpis where metric = 'penalty_ratio' order by span",
        ),
        [
            {"span": "7 days", "first_day": d(24), "last_day": d(30), "provisional": True,
             "numerator": 6, "denominator": 40, "value": 0.15, "low": 0.0706118771732036,
             "high": 0.29072324366489705, "previous_value": 0.4, "change": -0.25,
             "change_low": -0.3761188607687442, "change_high": -0.08263465649166388,
             "change_is_significant": True},
            {"span": "day", "first_day": d(30), "last_day": d(30), "provisional": True,
             "numerator": 3, "denominator": 10, "value": 0.3, "low": 0.10779126740630103,
             "high": 0.6032218525388546, "previous_value": 1.0, "change": -0.7,
             "change_low": -0.8922087325936989, "change_high": -0.3843719960880035,
             "change_is_significant": True},
            {"span": "settled 7 days", "first_day": d(22), "last_day": d(28),
             "provisional": False, "numerator": 42, "denominator": 60, "value": 0.7,
             "low": 0.5749129205308552, "high": 0.8010183386123089, "previous_value": 0.0,
             "change": 0.7, "change_low": 0.5611928343336351,
             "change_high": 0.8010183386123089, "change_is_significant": True},
        ],
    )  # fmt: skip


# --- '7 days projected': overkill and leakage of the last 7 days on their projected values

SEVEN_DAYS = [
    {"period": "last_7_days", "first_day": d(24), "last_day": d(30)},
    {"period": "previous_7_days", "first_day": d(17), "last_day": d(23)},
]


def market_day(metric_date: date, provisional: bool, penalties: int, overturned: int,
               no_actions: int = 0, overturned_no_actions: int = 0) -> dict:  # fmt: skip
    """A row of market_daily_metrics (the columns market_kpis reads)."""
    return {"metric_date": metric_date, "market": "BR", "provisional": provisional,
            "penalties": penalties, "no_actions": no_actions,
            "overturned_penalties": overturned,
            "overturned_no_actions": overturned_no_actions}  # fmt: skip


def projection(metric_date: date, action: str, y: float, own_variance: float,
               shared_sd: float, completeness: float = 0.5,
               history_rate: float = 0.04) -> dict:  # fmt: skip
    """A row of overturn_nowcast: Y, its variance (own part + shared_sd²), shared_sd, c and r
    (by default (1 - c) * 100 * r = 2 overturns to come of 100 decisions)."""
    return {"metric_date": metric_date, "market": "BR", "action": action,
            "overturns_projected": y, "overturns_projected_variance": own_variance + shared_sd**2,
            "overturns_projected_shared_sd": shared_sd, "completeness": completeness,
            "history_rate": history_rate}  # fmt: skip


def wilson(p: float, n: float) -> tuple[float, float]:
    """Wilson's 95% bounds, as sql/macros.sql writes them (section 4.2 of the data dictionary)."""
    centre, half = p + Z2 / (2 * n), Z * math.sqrt(p * (1 - p) / n + Z2 / (4 * n * n))
    return (centre - half) / (1 + Z2 / n), (centre + half) / (1 + Z2 / n)


def projected_interval(value: float, n: float, rate_variance: float,
                       n_known: float) -> tuple[float, float]:  # fmt: skip
    """Wilson's interval with n_known, combined with 1.96 sqrt(rate_variance) / n, squared and
    added."""
    low, high = wilson(value, n_known)
    spread = Z * math.sqrt(rate_variance) / n
    return (value - math.sqrt((value - low) ** 2 + spread**2),
            value + math.sqrt((high - value) ** 2 + spread**2))  # fmt: skip


def test_the_projected_7_days_sum_projected_overturns_over_penalties(con) -> None:
    """Last 7 days: 10-24 settled, 4 of 100 overturned (as observed, variance 0); 10-29 and
    10-30 provisional, 1 and 0 of 100 known, c = 0.5 and r = 0.04: 2 overturns to come each,
    projected Y = 3 and 2, own variance 2 each (the binomial noise of the 2 to come), shared sd
    0.5 each. Value (4 + 3 + 2) / 300 = 0.03. The rate's error: 2 + 2 + (0.5 + 0.5)² less the 4
    to come = 1 (the shared part adds up linearly: 0.5 if it were added in quadrature); the
    overturns known are 100 + 50 + 50 decisions' worth: Wilson with n = 300² / 200 = 450. The 7
    before: 10-20 settled, 1 of 100: its Wilson interval. The projected span is judged although
    provisional."""
    days = [market_day(d(20), False, 100, 1), market_day(d(24), False, 100, 4),
            market_day(d(29), True, 100, 1), market_day(d(30), True, 100, 0)]  # fmt: skip
    nowcast = [projection(d(29), "penalize", 3.0, 2.0, 0.5),
               projection(d(30), "penalize", 2.0, 2.0, 0.5)]  # fmt: skip
    low, high = projected_interval(0.03, 300, 1.0, 450.0)
    previous_low, previous_high = wilson(0.01, 100)
    assert_rows(
        market_kpis(
            con, [], "span, first_day, last_day, provisional, value, low, high, numerator, "
            "denominator, sample_size, previous_value, previous_low, previous_high, change, "
            "change_low, change_high, change_is_significant",
            "metric = 'overkill_rate'", kpi_periods=SEVEN_DAYS, days=days, nowcast=nowcast,
        ),
        [
            {"span": "7 days projected", "first_day": d(24), "last_day": d(30),
             "provisional": True, "value": 0.03, "low": low, "high": high, "numerator": 9.0,
             "denominator": 300.0, "sample_size": 300.0, "previous_value": 0.01,
             "previous_low": previous_low, "previous_high": previous_high, "change": 0.02,
             "change_low": 0.02 - math.sqrt((0.03 - low) ** 2 + (previous_high - 0.01) ** 2),
             "change_high": 0.02 + math.sqrt((high - 0.03) ** 2 + (0.01 - previous_low) ** 2),
             "change_is_significant": False},
        ],
    )  # fmt: skip


def test_settled_days_project_to_their_observed_rate_and_wilson_interval(con) -> None:
    """10-24 .. 10-30 all settled (a short appeal window): 1 of 100 on 10-26, whatever a stray
    nowcast row says; no 7 days before."""
    days = [market_day(d(26), False, 100, 1)]
    nowcast = [projection(d(26), "penalize", 50.0, 9.0, 1.0)]
    low, high = wilson(0.01, 100)
    assert_rows(
        market_kpis(
            con, [], "provisional, value, low, high, numerator, previous_value",
            "span = '7 days projected' and metric = 'overkill_rate'", kpi_periods=SEVEN_DAYS,
            days=days, nowcast=nowcast,
        ),
        [{"provisional": False, "value": 0.01, "low": low, "high": high, "numerator": 1.0,
          "previous_value": None}],
    )  # fmt: skip


def test_a_provisional_day_without_a_projection_leaves_the_projected_7_days_null(con) -> None:
    """Leakage: 10-30 has 10 no_actions and no projection (too little history): NULL, not
    judged as false. 10-29 has none: it needs no projection. Overkill projects as usual: 2 to
    come of each day's 100 penalties and nothing else (the rate's error 0), known 50 + 50
    decisions' worth: Wilson with n = 200² / 100 = 400."""
    days = [market_day(d(29), True, 100, 1, 0, 0), market_day(d(30), True, 100, 0, 10, 0)]
    nowcast = [projection(d(29), "penalize", 3.0, 2.0, 0.0),
               projection(d(30), "penalize", 2.0, 2.0, 0.0)]  # fmt: skip
    assert_rows(
        market_kpis(
            con, [], "metric, value, low, high, change_is_significant",
            "span = '7 days projected'", kpi_periods=SEVEN_DAYS, days=days, nowcast=nowcast,
        ),
        [
            {"metric": "leakage_rate", "value": None, "low": None, "high": None,
             "change_is_significant": False},
            {"metric": "overkill_rate", "value": 5 / 200, "low": wilson(0.025, 400)[0],
             "high": wilson(0.025, 400)[1],
             "change_is_significant": False},
        ],
    )  # fmt: skip


def test_an_audit_rate_whose_audits_are_still_arriving_is_not_judged(con) -> None:
    """The same move of audit overkill, 0.10 -> 0.40 with intervals far apart: judged significant
    when the latest day's audits are in, not judged (NULL, audits arriving) when that day is
    audit-provisional. Its value is still shown."""

    def periods(arriving: bool) -> list[dict]:
        return [
            period("latest_day", d(30), audit_provisional=arriving,
                   audit_overkill_rate=(0.40, 0.35, 0.45)),
            period("same_day_last_week", d(23), audit_overkill_rate=(0.10, 0.05, 0.15)),
        ]  # fmt: skip

    columns = "span, value, change_is_significant, audits_arriving"
    where = "metric = 'audit_overkill_rate' and span = 'day'"
    assert market_kpis(con, periods(False), columns, where) == [
        {"span": "day", "value": 0.40, "change_is_significant": True, "audits_arriving": False}
    ]
    for table in ("metric_breakdowns", "kpi_periods", "market_daily_metrics", "overturn_nowcast"):
        con.execute(f"drop table {table}")
    assert market_kpis(con, periods(True), columns, where) == [
        {"span": "day", "value": 0.40, "change_is_significant": None, "audits_arriving": True}
    ]
