"""sql/macros.sql rate_decomposition (the symmetric Kitagawa split of a rate's change into mix
and rate effects per segment), sql/queries/drivers.sql and drivers_periods.sql (`modmetrics
drivers`) and sql/views/rate_drivers.sql (the default comparison of every market and metric).

Two segments over two periods, by hand: with shares s0, s1 and rates r0, r1,
mix = (s1 - s0)(r0 + r1) / 2, rate = (r1 - r0)(s0 + s1) / 2, contribution = mix + rate.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from warehouse.runner import read_sql, run_sql

from .helpers import assert_rows, given, select

KEYS = ("policy", "queue", "source", "object_type")
OUT = ("baseline_share", "period_share", "baseline_rate", "period_rate", "mix_effect",
       "rate_effect", "contribution")  # fmt: skip
COUNTS = ("decisions", "penalties", "no_actions", "overturned_penalties", "overturned_no_actions")
WEIGHTS = ("audited_penalty_weight", "audited_penalty_weight_sq", "non_violating_penalty_weight",
           "audited_no_action_weight", "audited_no_action_weight_sq",
           "violating_no_action_weight")  # fmt: skip


def measured(policy: str, side: str, numerator: float, denominator: float) -> dict:
    """A row of the macro's input: one policy segment of BR's overkill on one side."""
    return {"market": "BR", "metric": "overkill_rate", "dimension": "policy", "policy": policy,
            "queue": None, "source": None, "object_type": None, "side": side,
            "numerator": float(numerator), "denominator": float(denominator)}  # fmt: skip


def decompose(con, rows: list[dict]) -> list[dict]:
    given(con, "measured", rows, queue="varchar", source="varchar", object_type="varchar")
    return select(
        con,
        f"select policy, {', '.join(OUT)}, baseline_market_rate, period_market_rate "
        "from rate_decomposition(measured) order by policy",
    )


def expected(policy: str, s0, s1, r0, r1, mix, rate, market0, market1) -> dict:
    return {"policy": policy, "baseline_share": s0, "period_share": s1, "baseline_rate": r0,
            "period_rate": r1, "mix_effect": mix, "rate_effect": rate,
            "contribution": mix + rate, "baseline_market_rate": market0,
            "period_market_rate": market1}  # fmt: skip


def test_mix_only_a_segment_that_grows_at_the_same_rate_moves_the_market(con) -> None:
    """A 0.1 and B 0.3 in both periods; B's share grows 0.4 -> 0.8: 18/100 -> 26/100.
    mix A = (0.2 - 0.6)(0.1 + 0.1)/2 = -0.04, mix B = (0.8 - 0.4)(0.3 + 0.3)/2 = 0.12."""
    rows = [measured("a", "baseline", 6, 60), measured("b", "baseline", 12, 40),
            measured("a", "period", 2, 20), measured("b", "period", 24, 80)]  # fmt: skip
    assert_rows(
        decompose(con, rows),
        [
            expected("a", 0.6, 0.2, 0.1, 0.1, -0.04, 0.0, 0.18, 0.26),
            expected("b", 0.4, 0.8, 0.3, 0.3, 0.12, 0.0, 0.18, 0.26),
        ],
    )


def test_rate_only_a_segment_whose_rate_rises_at_the_same_share_moves_the_market(con) -> None:
    """Shares 0.5 / 0.5 in both periods; A's rate 0.1 -> 0.2: 20/100 -> 25/100.
    rate A = (0.2 - 0.1)(0.5 + 0.5)/2 = 0.05."""
    rows = [measured("a", "baseline", 5, 50), measured("b", "baseline", 15, 50),
            measured("a", "period", 10, 50), measured("b", "period", 15, 50)]  # fmt: skip
    assert_rows(
        decompose(con, rows),
        [
            expected("a", 0.5, 0.5, 0.1, 0.2, 0.0, 0.05, 0.20, 0.25),
            expected("b", 0.5, 0.5, 0.3, 0.3, 0.0, 0.0, 0.20, 0.25),
        ],
    )


def test_mix_and_rate_together_split_each_segment_and_add_up(con) -> None:
    """A 4/40 -> 12/60, B 18/60 -> 16/40: 22/100 -> 28/100.
    A: mix (0.6 - 0.4)(0.1 + 0.2)/2 = 0.03, rate (0.2 - 0.1)(0.4 + 0.6)/2 = 0.05;
    B: mix (0.4 - 0.6)(0.3 + 0.4)/2 = -0.07, rate (0.4 - 0.3)(0.6 + 0.4)/2 = 0.05."""
    rows = [measured("a", "baseline", 4, 40), measured("b", "baseline", 18, 60),
            measured("a", "period", 12, 60), measured("b", "period", 16, 40)]  # fmt: skip
    result = decompose(con, rows)
    assert_rows(
        result,
        [
            expected("a", 0.4, 0.6, 0.1, 0.2, 0.03, 0.05, 0.22, 0.28),
            expected("b", 0.6, 0.4, 0.3, 0.4, -0.07, 0.05, 0.22, 0.28),
        ],
    )
    assert sum(r["contribution"] for r in result) == pytest.approx(0.28 - 0.22, abs=1e-12)


def test_a_segment_of_one_period_only_has_share_zero_and_the_other_periods_rate(con) -> None:
    """A 10/100 -> 8/80; C only in the period, 10/20: 0.10 -> 0.18.
    A: mix (0.8 - 1)(0.1 + 0.1)/2 = -0.02; C: share 0 -> 0.2, rate 0.5 on both sides,
    mix (0.2 - 0)(0.5 + 0.5)/2 = 0.1, rate 0."""
    rows = [measured("a", "baseline", 10, 100), measured("a", "period", 8, 80),
            measured("c", "period", 10, 20)]  # fmt: skip
    assert_rows(
        decompose(con, rows),
        [
            expected("a", 1.0, 0.8, 0.1, 0.1, -0.02, 0.0, 0.10, 0.18),
            expected("c", 0.0, 0.2, 0.5, 0.5, 0.1, 0.0, 0.10, 0.18),
        ],
    )


def test_a_segment_without_denominator_on_either_side_is_left_out(con) -> None:
    rows = [measured("a", "baseline", 1, 10), measured("a", "period", 2, 10),
            measured("z", "baseline", 0, 0), measured("z", "period", 0, 0)]  # fmt: skip
    assert [r["policy"] for r in decompose(con, rows)] == ["a"]


# --- drivers.sql: the command's query, from daily_metrics -----------------------------------


def day_row(day: date, market: str = "BR", policy: str = "spam", queue: str = "q1",
            source: str = "machine", object_type: str = "video", **counts) -> dict:  # fmt: skip
    """A daily_metrics row (the columns drivers.sql reads); counts default to 0."""
    row = {"metric_date": day, "market": market, "policy": policy, "queue": queue,
           "source": source, "object_type": object_type}  # fmt: skip
    row |= {c: int(counts.pop(c, 0)) for c in COUNTS}
    row |= {w: float(counts.pop(w, 0.0)) for w in WEIGHTS}
    assert not counts, counts
    return row


NOWCAST = {"metric_date": "date", "market": "varchar", "action": "varchar", "age": "bigint",
           "completeness": "double", "history_rate": "double"}  # fmt: skip
DEVELOPMENT = {"metric_date": "date", "market": "varchar", "policy": "varchar", "queue": "varchar",
               "source": "varchar", "object_type": "varchar", "action": "varchar",
               "development_age": "integer", "overturns": "bigint"}  # fmt: skip


def drivers(con, *, dimensions: list[str], metric: str = "overkill_rate", market: str = "BR",
            baseline=(date(2026, 6, 1), date(2026, 6, 7)),
            period=(date(2026, 6, 8), date(2026, 6, 14)), projected: bool = False,
            nowcast: list[dict] = (), development: list[dict] = ()) -> list[dict]:  # fmt: skip
    con.execute("drop table if exists overturn_nowcast")
    con.execute("drop table if exists overturn_development")
    given(con, "overturn_nowcast", list(nowcast), **NOWCAST)
    given(con, "overturn_development", list(development), **DEVELOPMENT)
    if not con.execute("select 1 from duckdb_tables() where table_name = 'warehouse_info' "
                       "and schema_name = current_schema()").fetchall():  # fmt: skip
        # as of long after every day: every overturn of `development` is known
        info = [{"as_of_date": date(2099, 1, 1), "appeal_window_days": 10, "audit_window_days": 7}]
        given(con, "warehouse_info", info, appeal_window_days="integer",
              audit_window_days="integer")  # fmt: skip
    run_sql(con, "views/known_daily_metrics.sql")
    params = {"market": market, "metric": metric, "dimensions": dimensions,
              "baseline_first": baseline[0], "baseline_last": baseline[1],
              "period_first": period[0], "period_last": period[1],
              "projected": projected}  # fmt: skip
    return select(con, read_sql("queries/drivers.sql"), params)


def test_drivers_splits_by_the_dimensions_asked_and_sums_over_the_days(con) -> None:
    """policy x queue; the days of each period add up: (spam, q1) 2/20 + 2/20 = 4/40 -> 6/30,
    (hate, q2) 3/60 -> 1/10 + 1/10 = 2/20... as in the mix-and-rate test but in other numbers:
    market 7/100 -> 8/50. Other markets and days outside both periods are not counted."""
    d = date(2026, 6, 1)
    given(
        con,
        "daily_metrics",
        [
            day_row(d, penalties=20, overturned_penalties=2),
            day_row(d + timedelta(1), penalties=20, overturned_penalties=2),
            day_row(d, policy="hate", queue="q2", penalties=60, overturned_penalties=3),
            day_row(d + timedelta(8), penalties=30, overturned_penalties=6),
            day_row(
                d + timedelta(9), policy="hate", queue="q2", penalties=10, overturned_penalties=1
            ),  # fmt: skip
            day_row(
                d + timedelta(10), policy="hate", queue="q2", penalties=10, overturned_penalties=1
            ),  # fmt: skip
            day_row(d + timedelta(8), market="EMEA", penalties=999, overturned_penalties=999),
            day_row(d + timedelta(20), penalties=999, overturned_penalties=999),
        ],
    )
    result = drivers(con, dimensions=["policy", "queue"])
    # spam: s 0.4 -> 0.6, r 0.1 -> 0.2; hate: s 0.6 -> 0.4, r 0.05 -> 0.1
    assert_rows(
        [{k: r[k] for k in ("policy", "queue", "source", *OUT)} for r in result],
        [
            {"policy": "spam", "queue": "q1", "source": None, "baseline_share": 0.4,
             "period_share": 0.6, "baseline_rate": 0.1, "period_rate": 0.2,
             "mix_effect": 0.2 * 0.3 / 2, "rate_effect": 0.1 * 1.0 / 2,
             "contribution": 0.2 * 0.3 / 2 + 0.1 * 1.0 / 2},
            {"policy": "hate", "queue": "q2", "source": None, "baseline_share": 0.6,
             "period_share": 0.4, "baseline_rate": 0.05, "period_rate": 0.1,
             "mix_effect": -0.2 * 0.15 / 2, "rate_effect": 0.05 * 1.0 / 2,
             "contribution": -0.2 * 0.15 / 2 + 0.05 * 1.0 / 2},
        ],
    )  # fmt: skip
    assert result[0]["baseline_market_rate"] == pytest.approx(7 / 100, abs=1e-15)
    assert result[0]["period_market_rate"] == pytest.approx(8 / 50, abs=1e-15)


@pytest.mark.parametrize("seed", range(5))
def test_contributions_add_up_to_the_change_of_the_market_rate(con, seed: int) -> None:
    """Random segments (some in one period only) of every dimension combination: the sum of the
    contributions is the market's rate change, sum of numerators over sum of denominators, to
    1e-9. The market rates are computed here from the fixture, not taken from the SQL."""
    rng = random.Random(seed)
    days = [date(2026, 6, 1) + timedelta(i) for i in range(14)]
    policies = ["spam", "hate", "nudity", "ip"]  # p<seed> in the baseline only, queue late in the
    rows = []  # period only
    for day in days:
        for _ in range(rng.randint(1, 12)):
            penalties = rng.randint(0, 50)
            weight = round(rng.uniform(0, 20), 3)
            rows.append(
                day_row(
                    day,
                    policy=rng.choice([*policies, f"p{seed}"] if day.day < 8 else policies),
                    queue=rng.choice(["q1", "q2", "q3"] + ["late"] * (day.day >= 8)),
                    source=rng.choice(["machine", "human"]),
                    object_type=rng.choice(["video", "photo", "comment"]),
                    decisions=penalties + rng.randint(0, 50),
                    penalties=penalties,
                    overturned_penalties=rng.randint(0, penalties),
                    audited_penalty_weight=weight,
                    audited_penalty_weight_sq=weight * weight,
                    non_violating_penalty_weight=round(rng.uniform(0, weight), 3),
                )
            )
    given(con, "daily_metrics", rows)
    fields = {"overkill_rate": ("overturned_penalties", "penalties"),
              "penalty_ratio": ("penalties", "decisions"),
              "audit_overkill_rate": ("non_violating_penalty_weight",
                                      "audited_penalty_weight")}  # fmt: skip
    for metric, (numerator, denominator) in fields.items():

        def rate(first: int, last: int, numerator=numerator, denominator=denominator) -> float:
            chosen = [r for r in rows if first <= r["metric_date"].day <= last]
            return sum(r[numerator] for r in chosen) / sum(r[denominator] for r in chosen)

        change = rate(8, 14) - rate(1, 7)
        for dimensions in (["policy"], ["queue", "source"], list(KEYS)):
            result = drivers(con, dimensions=dimensions, metric=metric)
            assert sum(r["contribution"] for r in result) == pytest.approx(change, abs=1e-9)
            assert all(
                r["mix_effect"] + r["rate_effect"] == pytest.approx(r["contribution"], abs=1e-15)
                for r in result
            )


def test_a_hostile_policy_name_is_data_and_the_market_a_bound_parameter(con) -> None:
    hostile = "x'); drop table daily_metrics; --"
    d = date(2026, 6, 1)
    given(
        con,
        "daily_metrics",
        [
            day_row(d, policy=hostile, penalties=10, overturned_penalties=1),
            day_row(d + timedelta(7), policy=hostile, penalties=10, overturned_penalties=2),
        ],
    )
    (row,) = drivers(con, dimensions=["policy"])
    assert row["policy"] == hostile
    assert row["contribution"] == pytest.approx(0.1, abs=1e-15)
    assert drivers(con, dimensions=["policy"], market="BR' or '1' = '1") == []
    assert select(con, "select count(*) as n from daily_metrics") == [{"n": 2}]


def test_projected_adds_the_overturns_to_come_by_volume_at_the_market_rate(con) -> None:
    """Period day 06-08 is provisional, aged 5 days, with completeness 0.5 and history rate 0.1.
    Known by age 5 (overturn_development): a 3, b 1 (b's overturn at age 9 is in daily_metrics but
    was not known as of the as-of date, as the nowcast counts). a gets 3 + 0.5 x 60 x 0.1 = 6 of
    60, b 1 + 0.5 x 40 x 0.1 = 3 of 40: together the market's BF projection 4 + 0.5 x 100 x 0.1
    = 9 of 100. The baseline day has no projection (settled): observed, 5/50 each.
    a: mix (0.6 - 0.5)(0.1 + 0.1)/2 = 0.01; b: mix (0.4 - 0.5)(0.1 + 0.075)/2 = -0.00875,
    rate (0.075 - 0.1)(0.5 + 0.4)/2 = -0.01125; total 0.09 - 0.10."""
    d0, d1 = date(2026, 6, 1), date(2026, 6, 8)
    given(
        con,
        "daily_metrics",
        [
            day_row(d0, policy="a", penalties=50, overturned_penalties=5),
            day_row(d0, policy="b", penalties=50, overturned_penalties=5),
            day_row(d1, policy="a", penalties=60, overturned_penalties=3),
            day_row(d1, policy="b", penalties=40, overturned_penalties=2),
        ],
    )
    nowcast = [{"metric_date": d1, "market": "BR", "action": "penalize", "age": 5,
                "completeness": 0.5, "history_rate": 0.1},
               {"metric_date": d1, "market": "BR", "action": "no_action", "age": 5,
                "completeness": 0.9, "history_rate": 0.5}]  # fmt: skip
    segment = {"market": "BR", "queue": "q1", "source": "machine", "object_type": "video",
               "action": "penalize"}  # fmt: skip
    development = [
        {"metric_date": d1, **segment, "policy": "a", "development_age": 1, "overturns": 3},
        {"metric_date": d1, **segment, "policy": "b", "development_age": 2, "overturns": 1},
        {"metric_date": d1, **segment, "policy": "b", "development_age": 9, "overturns": 1},
        {"metric_date": d0, **segment, "policy": "a", "development_age": 1, "overturns": 5},
    ]
    development = [{k: row[k] for k in DEVELOPMENT} for row in development]
    result = drivers(con, dimensions=["policy"], projected=True, nowcast=nowcast,
                     development=development)  # fmt: skip
    assert_rows(
        [{k: r[k] for k in ("policy", *OUT, "period_market_rate")} for r in result],
        [
            {"policy": "b", "baseline_share": 0.5, "period_share": 0.4, "baseline_rate": 0.1,
             "period_rate": 0.075, "mix_effect": -0.00875, "rate_effect": -0.01125,
             "contribution": -0.02, "period_market_rate": 0.09},
            {"policy": "a", "baseline_share": 0.5, "period_share": 0.6, "baseline_rate": 0.1,
             "period_rate": 0.1, "mix_effect": 0.01, "rate_effect": 0.0,
             "contribution": 0.01, "period_market_rate": 0.09},
        ],
    )  # fmt: skip
    observed = drivers(con, dimensions=["policy"], nowcast=nowcast, development=development)
    assert observed[0]["period_market_rate"] == pytest.approx(5 / 100, abs=1e-15)


def test_projected_counts_the_known_overturns_of_no_actions_without_a_policy(con) -> None:
    """A no_action may come without a policy (only a penalty needs one). Period day 06-08,
    completeness 0.5, history rate 0.1: 100 no_actions without a policy, 4 overturns known by
    age 5. Projected 4 + 0.5 x 100 x 0.1 = 9 of 100, the market's BF projection; the baseline
    day (settled) 10 of 100 in queue q1."""
    d0, d1 = date(2026, 6, 1), date(2026, 6, 8)
    given(
        con,
        "daily_metrics",
        [
            day_row(d0, no_actions=100, overturned_no_actions=10),
            day_row(d1, policy=None, no_actions=100, overturned_no_actions=4),
        ],
        policy="varchar",
    )
    nowcast = [{"metric_date": d1, "market": "BR", "action": "no_action", "age": 5,
                "completeness": 0.5, "history_rate": 0.1}]  # fmt: skip
    development = [{"metric_date": d1, "market": "BR", "policy": None, "queue": "q1",
                    "source": "machine", "object_type": "video", "action": "no_action",
                    "development_age": 1, "overturns": 4}]  # fmt: skip
    (row,) = drivers(con, dimensions=["queue"], metric="leakage_rate", projected=True,
                     nowcast=nowcast, development=development)  # fmt: skip
    assert row["period_market_rate"] == pytest.approx(9 / 100, abs=1e-15)
    assert row["contribution"] == pytest.approx(9 / 100 - 10 / 100, abs=1e-15)


# --- drivers_periods.sql: the defaults and the settled flag ----------------------------------

KPI_PERIODS = [
    ("last_7_days", date(2026, 6, 24), date(2026, 6, 30)),
    ("previous_7_days", date(2026, 6, 17), date(2026, 6, 23)),
    ("settled_7_days", date(2026, 6, 14), date(2026, 6, 20)),
    ("previous_settled_7_days", date(2026, 6, 7), date(2026, 6, 13)),
]


def as_of_july_first(con) -> None:
    """kpi_periods and warehouse_info as of 2026-07-01, appeal window 10 days."""
    names = ("period", "first_day", "last_day")
    given(con, "kpi_periods", [dict(zip(names, p, strict=True)) for p in KPI_PERIODS])
    info = [{"as_of_date": date(2026, 7, 1), "appeal_window_days": 10, "audit_window_days": 7}]
    given(con, "warehouse_info", info, appeal_window_days="integer", audit_window_days="integer")


def periods_setup(con) -> None:
    """As of 07-01, appeal window 10 days: days after 06-21 are provisional. BR has decisions
    every day 06-01 .. 06-30; the nowcast projects its overkill from 06-25 only."""
    as_of_july_first(con)
    given(con, "daily_metrics", [day_row(date(2026, 6, 1) + timedelta(i)) for i in range(30)])
    given(
        con,
        "overturn_nowcast",
        [{"metric_date": date(2026, 6, 25) + timedelta(i), "market": "BR", "action": "penalize",
          "age": 6 - i, "completeness": 0.5, "history_rate": 0.1} for i in range(6)],
        **NOWCAST,
    )  # fmt: skip


def periods(con, metric: str, baseline=(None, None), period=(None, None)) -> list[dict]:
    params = {"market": "BR", "metric": metric, "baseline_first": baseline[0],
              "baseline_last": baseline[1], "period_first": period[0],
              "period_last": period[1]}  # fmt: skip
    return select(con, read_sql("queries/drivers_periods.sql"), params)


def side(name: str, first: date, last: date, settled: bool, days: int, unprojected: int) -> dict:
    return {"side": name, "first_day": first, "last_day": last, "settled": settled, "days": days,
            "unprojected_days": unprojected}  # fmt: skip


def test_overkill_compares_settled_weeks_by_default_and_penalty_ratio_the_latest(con) -> None:
    periods_setup(con)
    assert_rows(
        periods(con, "overkill_rate"),
        [side("baseline", date(2026, 6, 7), date(2026, 6, 13), True, 7, 0),
         side("period", date(2026, 6, 14), date(2026, 6, 20), True, 7, 0)],
    )  # fmt: skip
    assert_rows(
        periods(con, "penalty_ratio"),
        [side("baseline", date(2026, 6, 17), date(2026, 6, 23), True, 7, 0),
         side("period", date(2026, 6, 24), date(2026, 6, 30), True, 7, 0)],
    )  # fmt: skip


def test_an_overkill_period_with_provisional_days_is_not_settled(con) -> None:
    """06-15 .. 06-30: 06-22 .. 06-30 are provisional, 06-22 .. 06-24 without a projection."""
    periods_setup(con)
    assert_rows(
        periods(con, "overkill_rate", (date(2026, 6, 1), date(2026, 6, 14)),
                (date(2026, 6, 15), date(2026, 6, 30))),
        [side("baseline", date(2026, 6, 1), date(2026, 6, 14), True, 14, 0),
         side("period", date(2026, 6, 15), date(2026, 6, 30), False, 16, 3)],
    )  # fmt: skip
    # leakage has no projection at all here; the audit rates wait for their audits (7 days as of
    # 07-01: a period to 06-24 is settled, one to 06-25 is not), not for appeals
    late = (date(2026, 6, 15), date(2026, 6, 30))
    assert periods(con, "leakage_rate", period=late)[1]["unprojected_days"] == 9
    assert periods(con, "audit_overkill_rate", period=late)[1]["settled"] is False
    audited = (date(2026, 6, 15), date(2026, 6, 24))
    assert periods(con, "audit_overkill_rate", period=audited)[1]["settled"] is True
    assert periods(con, "audit_overkill_rate", period=(late[0], date(2026, 6, 25)))[1][
        "settled"] is False  # fmt: skip


def test_a_period_without_a_baseline_is_compared_with_as_many_days_right_before_it(con) -> None:
    """--period 06-15 .. 06-30 (16 days) alone: the baseline is 05-30 .. 06-14, not the default
    06-07 .. 06-13; BR has decisions from 06-01, so 14 of its days."""
    periods_setup(con)
    assert_rows(
        periods(con, "penalty_ratio", period=(date(2026, 6, 15), date(2026, 6, 30))),
        [side("baseline", date(2026, 5, 30), date(2026, 6, 14), True, 14, 0),
         side("period", date(2026, 6, 15), date(2026, 6, 30), True, 16, 0)],
    )  # fmt: skip
    # a baseline alone keeps the default period
    assert_rows(
        periods(con, "penalty_ratio", baseline=(date(2026, 6, 1), date(2026, 6, 7))),
        [side("baseline", date(2026, 6, 1), date(2026, 6, 7), True, 7, 0),
         side("period", date(2026, 6, 24), date(2026, 6, 30), True, 7, 0)],
    )  # fmt: skip


# --- rate_drivers: the view -------------------------------------------------------------------


def test_rate_drivers_holds_each_metric_by_each_dimension_over_its_default_weeks(con) -> None:
    """BR, two policies in two queues. Overkill compares the settled weeks (06-07 .. 06-13 with
    06-14 .. 06-20), the penalty ratio the latest (06-17 .. 06-23 with 06-24 .. 06-30)."""
    as_of_july_first(con)
    given(
        con,
        "daily_metrics",
        [
            # settled weeks: spam 1/10 -> 4/10, hate (queue q2) 1/10 -> 2/10
            day_row(date(2026, 6, 10), decisions=10, penalties=10, overturned_penalties=1),
            day_row(date(2026, 6, 10), policy="hate", queue="q2", decisions=10, penalties=10,
                    overturned_penalties=1),
            day_row(date(2026, 6, 15), decisions=10, penalties=10, overturned_penalties=4),
            day_row(date(2026, 6, 15), policy="hate", queue="q2", decisions=10, penalties=10,
                    overturned_penalties=2),
            # latest weeks: spam 5 of 10 decisions penalised -> 5 of 20
            day_row(date(2026, 6, 21), decisions=10, penalties=5),
            day_row(date(2026, 6, 25), decisions=20, penalties=5),
        ],
    )  # fmt: skip
    given(con, "overturn_development", [], **DEVELOPMENT)
    run_sql(con, "views/known_daily_metrics.sql")
    run_sql(con, "views/rate_drivers.sql")
    overkill = select(
        con,
        "select dimension, segment, baseline_first_day, period_last_day, period_settled, "
        "contribution, market_change, driver_rank, metric_rank from rate_drivers "
        "where metric = 'overkill_rate' order by dimension, driver_rank",
    )
    change = 6 / 20 - 2 / 20
    # shares 0.5 on both sides: rate effects (0.4 - 0.1)(0.5 + 0.5)/2 and (0.2 - 0.1)(...)/2;
    # one object type and one source: the whole change, ranked last over the metric (a single
    # segment names no driver). Ties rank by dimension name.
    spam, hate = 0.3 / 2, 0.1 / 2
    rows = [
        ("object_type", "video", change, 1, 5), ("policy", "spam", spam, 1, 1),
        ("policy", "hate", hate, 2, 3), ("queue", "q1", spam, 1, 2), ("queue", "q2", hate, 2, 4),
        ("source", "machine", change, 1, 6),
    ]  # fmt: skip
    assert_rows(
        overkill,
        [{"dimension": dim, "segment": seg, "baseline_first_day": date(2026, 6, 7),
          "period_last_day": date(2026, 6, 20), "period_settled": True, "contribution": c,
          "market_change": change, "driver_rank": rank, "metric_rank": metric_rank}
         for dim, seg, c, rank, metric_rank in rows],
    )  # fmt: skip
    ratio = select(
        con,
        "select segment, baseline_first_day, period_last_day, contribution from rate_drivers "
        "where metric = 'penalty_ratio' and dimension = 'policy'",
    )
    assert_rows(
        ratio,
        [{"segment": "spam", "baseline_first_day": date(2026, 6, 17),
          "period_last_day": date(2026, 6, 30), "contribution": 5 / 20 - 5 / 10}],
    )  # fmt: skip
    top = select(
        con,
        "select market, dimension, segment, driver_text from top_rate_drivers "
        "where metric = 'overkill_rate'",
    )
    # policy spam and queue q1 tie (the same decisions): the first dimension by name wins; the
    # single-segment object_type and source, with the whole change, are no driver
    assert top == [{"market": "BR", "dimension": "policy", "segment": "spam",
                    "driver_text": "driver: policy spam, +15.00 pts "
                                   "(mix +0.00, rate +15.00)"}]  # fmt: skip


def test_an_audit_rate_whose_latest_week_still_gathers_audits_is_flagged(con) -> None:
    """As of 07-01 with a 7-day audit window, the latest week 06-24 .. 06-30 holds days whose
    audits are still arriving (06-30 > 07-01 - 7): audit_overkill_rate's comparison is not
    settled. The penalty ratio waits for nothing; overkill compares its settled weeks."""
    as_of_july_first(con)
    audited = dict(decisions=10, penalties=10, audited_penalty_weight=4.0,
                   audited_penalty_weight_sq=4.0, non_violating_penalty_weight=1.0)  # fmt: skip
    given(con, "daily_metrics", [day_row(date(2026, 6, 20), **audited),
                                 day_row(date(2026, 6, 28), **audited)])  # fmt: skip
    given(con, "overturn_development", [], **DEVELOPMENT)
    run_sql(con, "views/known_daily_metrics.sql")
    run_sql(con, "views/rate_drivers.sql")
    flags = select(
        con,
        "select distinct metric, period_last_day, period_settled from rate_drivers "
        "where metric in ('audit_overkill_rate', 'penalty_ratio', 'overkill_rate') order by 1",
    )
    assert flags == [
        {"metric": "audit_overkill_rate", "period_last_day": date(2026, 6, 30),
         "period_settled": False},
        {"metric": "overkill_rate", "period_last_day": date(2026, 6, 20), "period_settled": True},
        {"metric": "penalty_ratio", "period_last_day": date(2026, 6, 30), "period_settled": True},
    ]  # fmt: skip
