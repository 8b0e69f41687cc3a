"""Backtest of the nowcast (sql/views/overturn_nowcast.sql) on simulated data (docs/benchmarks.md).

    uv run python benchmarks/nowcast_backtest.py [--days 150] [--seed 7] [--as-of-days 60]
    uv run python benchmarks/nowcast_backtest.py --sample [--days 150]
    uv run python benchmarks/nowcast_backtest.py --breakdowns [--days 150]
    uv run python benchmarks/nowcast_backtest.py --kpis [--days 150] [--seed 7]

Simulates market-days with known final overturns: thousands of penalties and no_actions per
market-day with weekday volumes, a true daily rate drawn from a beta distribution around a
weekday-dependent mean (extra-binomial day-to-day variation), and long-tailed appeal lags
(lognormal, up to 30 days, resolutions held over the weekend to Monday). It writes the tables the
view reads (daily_metrics, overturn_development, warehouse_info) into an in-memory DuckDB, runs
the real view, replays the last `--as-of-days` as-of dates, and reports per age 1..14 and over
ages 5..14 the relative bias and mean absolute error of the observed rate, the chain-ladder and
the Bornhuetter-Ferguson projections against the final rate, and the coverage of their 95%
intervals. Only the simulation uses numpy; every estimate is the SQL's.

With --sample it runs the whole pipeline once instead (`modmetrics run --no-validation`, DuckDB)
on the sample data (sample_data.generate_landing, 2,000 decisions a day over all markets) and
replays as-of dates on a copy of that warehouse: the final value of a day is its overturned
count once every sample appeal has resolved, so only days at least 30 days before the data's end
are scored. It also reports the sample data's audit lag (audit_development): the share of a
day's final audits in by each age, the basis of audit_window_days.

With --breakdowns it simulates each market-day per policy (four policies of different volumes,
rates and appeal lags, views/overturn_nowcast_breakdowns.sql) and scores the projection at the
policy grain: pooled and per policy, with how many segment-days had no projection and how many
used their market's pattern.

With --kpis it scores the '7 days projected' KPI tile (views/market_kpis.sql) on the market-day
simulation: the real chain of views (known_daily_metrics, metric_breakdowns, overturn_nowcast,
market_daily_metrics, market_kpis) over a daily_metrics of the simulated counts, replayed at each
as-of date. The last 7 days (ages 1-7) and the 7 before (ages 8-14) are scored against their
final 7-day rates: bias, MAE and coverage of the tile's value and of its change against the week
before, and the calibration slope of the change (the final change regressed on the projected
one: 1 when the projected change is on average the final one, above 1 when it reads toward zero).
The tile's interval, like the settled tiles' Wilson intervals, is for the rate itself (the
binomial noise of the days' decisions as well as the overturns still to come), so it is also
scored against the simulated true rate (the days' drawn rates weighted by n).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from warehouse.runner import run_sql  # noqa: E402

MARKETS = {"BR": 1.0, "LATAM": 0.6, "EMEA": 0.8}  # volume scale
WINDOW = 30
WEEKDAY_VOLUME = np.array([1.0, 1.05, 1.0, 0.95, 0.9, 0.6, 0.55])  # Monday first
WEEKDAY_RATE = np.array([1.0, 1.0, 1.0, 1.05, 1.1, 1.2, 1.25])
ACTIONS = {  # action: (decisions per day, mean rate, beta concentration)
    "penalize": (4000, 0.010, 3000.0),
    "no_action": (6000, 0.020, 2000.0),
}
FIRST_DAY = date(2026, 3, 2)  # a Monday
POLICIES = {  # policy: (share of the market's volume, rate multiplier, median appeal lag, days)
    "spam": (0.55, 1.0, 4.0),
    "hate": (0.25, 1.6, 6.0),
    "scam": (0.15, 0.6, 3.0),
    "nudity": (0.05, 1.3, 4.0),
}


def simulate(
    days: int, seed: int, policies: dict | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(cohorts: metric_date, market, policy, action, n, final, theta (the day's true rate);
    development: ... development_age, overturns). Without `policies` one policy, 'all', of the
    whole volume."""
    rng = np.random.default_rng(seed)
    cohorts, development = [], []
    for market, scale in MARKETS.items():
        for action, (volume, mean, concentration) in ACTIONS.items():
            for policy, (share, factor, median_lag) in (policies or {"all": (1, 1, 4.0)}).items():
                for d in range(days):
                    day = FIRST_DAY + timedelta(days=d)
                    weekday = day.weekday()
                    n = int(rng.poisson(volume * scale * share * WEEKDAY_VOLUME[weekday]))
                    rate = mean * factor * WEEKDAY_RATE[weekday]
                    theta = rng.beta(rate * concentration, (1 - rate) * concentration)
                    final = int(rng.binomial(n, theta))
                    lags = np.minimum(
                        np.floor(rng.lognormal(np.log(median_lag), 0.9, final)), WINDOW - 1
                    )
                    resolved = (weekday + lags) % 7
                    # nothing resolves on a weekend: held to the Monday
                    lags = lags + np.where(resolved == 5, 2, 0) + np.where(resolved == 6, 1, 0)
                    ages, counts = np.unique(lags.astype(int), return_counts=True)
                    cohorts.append((day, market, policy, action, n, final, float(theta)))
                    development += [
                        (day, market, policy, action, int(a), int(k))
                        for a, k in zip(ages, counts, strict=True)
                    ]
    return (
        pl.DataFrame(
            cohorts,
            schema=["metric_date", "market", "policy", "action", "n", "final", "theta"],
            orient="row",
        ),
        pl.DataFrame(
            development,
            schema=["metric_date", "market", "policy", "action", "development_age", "overturns"],
            orient="row",
        ),
    )


def warehouse(cohorts: pl.DataFrame, development: pl.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("cohorts_frame", cohorts.to_arrow())
    con.register("development_frame", development.to_arrow())
    # one segment per policy: the same source, object type and queue
    con.execute(
        "create table daily_metrics as "
        "select metric_date, market, policy, 'machine' as source, 'post' as object_type, "
        "'main' as queue, "
        "sum(n) filter (where action = 'penalize') as penalties, "
        "sum(n) filter (where action = 'no_action') as no_actions "
        "from cohorts_frame group by all"
    )
    con.execute(
        "create table overturn_development as "
        "select metric_date, market, policy, 'machine' as source, 'post' as object_type, "
        "'main' as queue, action, development_age::integer as development_age, "
        "overturns::bigint as overturns from development_frame"
    )
    con.execute("create table cohorts as select * from cohorts_frame")
    con.execute("create table warehouse_info (as_of_date date, appeal_window_days integer)")
    con.execute("insert into warehouse_info values (null, null)")
    run_sql(con, "macros.sql")  # wilson_low, wilson_high of the settled days
    run_sql(con, "views/overturn_nowcast.sql")
    run_sql(con, "views/overturn_nowcast_breakdowns.sql")
    con.execute(RESULTS)
    return con


# one row per as-of date and scored (segment-)day; policy NULL at the market grain
RESULTS = (
    "create table results (as_of_date date, metric_date date, market varchar, policy varchar,"
    " action varchar, age integer, n bigint, final bigint, observed double,"
    " chain_ladder double, chain_ladder_low double, chain_ladder_high double, bf double,"
    " bf_low double, bf_high double, pattern varchar)"
)


def sample_warehouse(days: int, seed: int, folder: Path) -> tuple[duckdb.DuckDBPyConnection, date]:
    """The pipeline's warehouse of `days` of sample data, writable, with the table `cohorts` (the
    final values); and the last day of the data."""
    from sample_data.generate import generate_landing

    root = Path(__file__).resolve().parent.parent
    generate_landing(folder / "landing", FIRST_DAY, days=days, decisions_per_day=2000, seed=seed)
    last = FIRST_DAY + timedelta(days=days - 1)
    cmd = [sys.executable, "-m", "pipelines.cli", "run", "--landing", str(folder / "landing"),
           "--warehouse", str(folder / "warehouse.duckdb"), "--as-of", str(last),
           "--no-validation"]  # fmt: skip
    subprocess.run(cmd, cwd=root, check=True, stdout=subprocess.DEVNULL)
    shutil.copy(folder / "warehouse.duckdb", folder / "replay.duckdb")
    con = duckdb.connect(str(folder / "replay.duckdb"))
    con.execute(
        "create table cohorts as "
        "select metric_date, market, 'penalize' as action, sum(penalties) as n, "
        "sum(overturned_penalties) as final from daily_metrics group by all "
        "union all "
        "select metric_date, market, 'no_action', sum(no_actions), sum(overturned_no_actions) "
        "from daily_metrics group by all"
    )
    con.execute(RESULTS)
    return con, last


KPI_VIEWS = [
    "views/kpi_periods.sql",
    "views/audit_completeness.sql",
    "views/known_daily_metrics.sql",
    "views/metric_breakdowns.sql",
    "views/overturn_nowcast.sql",
    "views/market_daily_metrics.sql",
    "views/market_kpis.sql",
]


def kpi_warehouse(cohorts: pl.DataFrame, development: pl.DataFrame) -> duckdb.DuckDBPyConnection:
    """The pipeline's tables (schema/), holding the simulated market-days with their final
    overturns, and the views of the KPI tiles over them."""
    con = duckdb.connect()
    for name in ("macros.sql", "schema/daily_metrics.sql", "schema/overturn_development.sql",
                 "schema/audit_development.sql", "schema/warehouse_info.sql"):  # fmt: skip
        run_sql(con, name)
    con.register("cohorts_frame", cohorts.to_arrow())
    con.register("development_frame", development.to_arrow())
    con.execute("create table cohorts as select * from cohorts_frame")
    con.execute(
        "insert into daily_metrics by name "
        "select metric_date, market, 'spam' as policy, 'machine' as source, 'post' as object_type,"
        " 'main' as queue, sum(n) as decisions,"
        " sum(n) filter (where action = 'penalize') as penalties,"
        " sum(n) filter (where action = 'no_action') as no_actions,"
        " 0 as appealed_penalties, 0 as appealed_no_actions, 0 as pending_appeals,"
        " sum(final) filter (where action = 'penalize') as overturned_penalties,"
        " sum(final) filter (where action = 'no_action') as overturned_no_actions,"
        " 0 as audited_penalties, 0 as audited_no_actions, 0 as audited_penalty_weight,"
        " 0 as audited_penalty_weight_sq, 0 as non_violating_penalty_weight,"
        " 0 as audited_no_action_weight, 0 as audited_no_action_weight_sq,"
        " 0 as violating_no_action_weight, 'sim' as run_id "
        "from cohorts_frame group by all"
    )
    con.execute(
        "insert into overturn_development by name "
        "select metric_date, market, 'spam' as policy, 'machine' as source,"
        " 'post' as object_type, 'main' as queue, action, development_age, overturns,"
        " 'sim' as run_id from development_frame"
    )
    con.execute(
        "insert into warehouse_info by name select date '2000-01-01' as as_of_date,"
        " 'UTC' as reporting_timezone, version() as duckdb_version,"
        " 30 as appeal_window_days, 'sim' as last_run_id, now() as last_run_at,"
        " 7 as audit_window_days"
    )
    for name in KPI_VIEWS:
        run_sql(con, name)
    con.execute(
        "create table kpi_results (as_of_date date, market varchar, metric varchar,"
        " first_day date, last_day date, value double, low double, high double,"
        " previous_first_day date, previous_last_day date, previous_value double,"
        " change double, change_low double, change_high double, observed double,"
        " observed_previous double)"
    )
    return con


# the '7 days projected' tile of each market and metric, beside the observed 7-day rates
KPI_GRAIN = """
insert into kpi_results
select ?, projected.market, projected.metric, projected.first_day, projected.last_day,
       projected.value, projected.low, projected.high, projected.previous_first_day,
       projected.previous_last_day, projected.previous_value, projected.change,
       projected.change_low, projected.change_high, observed.value, observed.previous_value
from market_kpis as projected
join market_kpis as observed
    on observed.market = projected.market and observed.metric = projected.metric
    and observed.span = '7 days'
where projected.span = '7 days projected'
"""

KPI_SUMMARY = """
with finals as (
    select kpi_results.*,
        (select sum(n * theta) / sum(n) from cohorts
         where cohorts.market = kpi_results.market
           and cohorts.action = case kpi_results.metric when 'overkill_rate' then 'penalize'
                                else 'no_action' end
           and cohorts.metric_date between kpi_results.first_day and kpi_results.last_day)
            as true_rate,
        (select sum(n * theta) / sum(n) from cohorts
         where cohorts.market = kpi_results.market
           and cohorts.action = case kpi_results.metric when 'overkill_rate' then 'penalize'
                                else 'no_action' end
           and cohorts.metric_date between kpi_results.previous_first_day
               and kpi_results.previous_last_day) as true_previous,
        (select sum(final)::double / sum(n) from cohorts
         where cohorts.market = kpi_results.market
           and cohorts.action = case kpi_results.metric when 'overkill_rate' then 'penalize'
                                else 'no_action' end
           and cohorts.metric_date between kpi_results.first_day and kpi_results.last_day)
            as final,
        (select sum(final)::double / sum(n) from cohorts
         where cohorts.market = kpi_results.market
           and cohorts.action = case kpi_results.metric when 'overkill_rate' then 'penalize'
                                else 'no_action' end
           and cohorts.metric_date between kpi_results.previous_first_day
               and kpi_results.previous_last_day) as final_previous
    from kpi_results
),
long as (
    select metric, 'last 7 days' as scored, 'projected' as method, value, low, high,
           final as truth, final as scale from finals
    union all
    select metric, 'last 7 days', 'observed', observed, null, null, final, final from finals
    union all
    select metric, '7 days before', 'projected', previous_value, null, null, final_previous,
           final_previous from finals
    union all
    select metric, '7 days before', 'observed', observed_previous, null, null,
           final_previous, final_previous from finals
    union all
    select metric, 'change', 'projected', change, change_low, change_high,
           final - final_previous, final from finals
    union all
    select metric, 'change', 'observed', observed - observed_previous, null, null,
           final - final_previous, final from finals
    union all
    select metric, 'last 7 days', 'projected, against the true rate', value, low, high,
           true_rate, true_rate from finals
    union all
    select metric, 'change', 'projected, against the true rate', change, change_low,
           change_high, true_rate - true_previous, true_rate from finals
)
select metric, scored, method, count(*) as tiles,
       avg(value - truth) / avg(scale) as bias,
       avg(abs(value - truth)) as mae,
       avg(case when low is null then null
                when truth between low and high then 1.0 else 0.0 end) as coverage,
       regr_slope(truth, value) as slope
from long
group by all
order by metric desc, scored desc, method
"""


def kpi_markdown(rows: list[tuple]) -> str:
    lines = [
        "| metric | scored | method | tiles | bias (rel.) | MAE | coverage 95% | slope |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for metric, scored, method, tiles, bias, mae, coverage, slope in rows:
        name = "overkill" if metric == "overkill_rate" else "leakage"
        cover = "" if coverage is None else f"{coverage:.1%}"
        slope = "" if slope is None or scored != "change" else f"{slope:.2f}"
        cells = [name, scored, method, tiles, f"{bias:+.1%}", f"{mae * 100:.4f} pp", cover, slope]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


MARKET_GRAIN = """
insert into results
select ?, nowcast.metric_date, nowcast.market, null, nowcast.action, nowcast.age,
       nowcast.n, cohorts.final, nowcast.overturns_known / nowcast.n,
       rate_chain_ladder, rate_chain_ladder_low, rate_chain_ladder_high,
       rate_bf, rate_bf_low, rate_bf_high, 'market'
from overturn_nowcast as nowcast
join (select metric_date, market, action, sum(n) as n, sum(final) as final
      from cohorts group by all) as cohorts using (metric_date, market, action)
where nowcast.age between 1 and 14
"""

# every young policy-day, with or without a projection (bf NULL: none)
POLICY_GRAIN = """
insert into results
select ?, nowcast.metric_date, nowcast.market, nowcast.policy, nowcast.action, nowcast.age,
       nowcast.n, cohorts.final, nowcast.overturns_known / nowcast.n,
       rate_chain_ladder, rate_chain_ladder_low, rate_chain_ladder_high,
       rate_bf, rate_bf_low, rate_bf_high, pattern
from overturn_nowcast_breakdowns as nowcast
join cohorts using (metric_date, market, policy, action)
where nowcast.breakdown = 'policy' and nowcast.age between 1 and 14
"""


def replay(con: duckdb.DuckDBPyConnection, as_of_dates: list[date], grain: str) -> float:
    started = time.perf_counter()
    for as_of in as_of_dates:
        con.execute(
            "update warehouse_info set as_of_date = ?, appeal_window_days = ?", [as_of, WINDOW]
        )
        con.execute(grain, [as_of])
    return time.perf_counter() - started


SUMMARY = """
with long as (
    select age, policy, action, final::double / n as truth, 'observed' as method,
           observed as value, null::double as low, null::double as high
    from results
    where bf is not null  -- scored where there is a projection
    union all
    select age, policy, action, final::double / n, 'chain_ladder', chain_ladder,
           chain_ladder_low, chain_ladder_high
    from results
    where bf is not null
    union all
    select age, policy, action, final::double / n, 'bf', bf, bf_low, bf_high
    from results
    where bf is not null
),
scored as (
    select {group} as age, {segment} as segment, action, method,
           count(*) as market_days,
           avg(value - truth) / avg(truth) as bias,
           avg(abs(value - truth)) as mae,
           avg(case when low is null then null
                    when truth between low and high then 1.0 else 0.0 end) as coverage
    from long
    where {where}
    group by all
)
select * from scored order by action desc, segment, age, method desc
"""


def table(
    con: duckdb.DuckDBPyConnection, group: str, where: str, segment: str = "'all'"
) -> list[tuple]:
    return con.execute(SUMMARY.format(group=group, where=where, segment=segment)).fetchall()


def markdown(rows: list[tuple], segment: str | None = None) -> str:
    head = f"| metric | {segment} |" if segment else "| metric |"
    lines = [
        head + " age | method | days | bias (rel.) | MAE | coverage 95% |",
        "|---|" + ("---|" if segment else "") + "---|---|---:|---:|---:|---:|",
    ]
    for age, key, action, method, count, bias, mae, coverage in rows:
        metric = "overkill" if action == "penalize" else "leakage"
        cover = "" if coverage is None else f"{coverage:.1%}"
        cells = [metric] + ([key] if segment else [])
        cells += [age, method, count, f"{bias:+.1%}", f"{mae * 100:.4f} pp", cover]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of-days", type=int, default=60)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--sample", action="store_true", help="the sample data, whole pipeline")
    mode.add_argument("--breakdowns", action="store_true", help="simulated, per policy")
    mode.add_argument("--kpis", action="store_true", help="simulated, the 7-day projected tile")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        if args.sample:
            con, end = sample_warehouse(args.days, args.seed, Path(folder))
            last = end - timedelta(days=WINDOW - 1)  # the latest as-of whose age-1 day is final
        elif args.kpis:
            con = kpi_warehouse(*simulate(args.days, args.seed))
            last = FIRST_DAY + timedelta(days=args.days - 1)
        else:
            con = warehouse(*simulate(args.days, args.seed, POLICIES if args.breakdowns else None))
            last = FIRST_DAY + timedelta(days=args.days - 1)
        as_of_dates = [last - timedelta(days=i) for i in range(args.as_of_days)]
        grain = POLICY_GRAIN if args.breakdowns else MARKET_GRAIN
        seconds = replay(con, as_of_dates, KPI_GRAIN if args.kpis else grain)
        report(con, args, as_of_dates, seconds, started)
        if args.sample:
            print("\nAudit lag (audit_development)\n")
            print(audit_lag(con, end))
        con.close()


def report(con, args, as_of_dates: list[date], seconds: float, started: float) -> None:
    data = "simulated per policy" if args.breakdowns else "simulated"
    data = "sample data" if args.sample else data
    view = "overturn_nowcast_breakdowns" if args.breakdowns else "overturn_nowcast"
    data, view = ("simulated", "market_kpis") if args.kpis else (data, view)
    print(
        f"{data}: {args.days} days x {len(MARKETS)} markets, seed {args.seed}, "
        f"{len(as_of_dates)} as-of dates ({as_of_dates[-1]} .. {as_of_dates[0]}); "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"duckdb {duckdb.__version__}; {view} {seconds / len(as_of_dates) * 1000:.0f} ms "
        f"per as-of, total {time.perf_counter() - started:.1f} s\n"
    )
    if args.kpis:
        print("The '7 days projected' tile (ages 1-7) and the 7 days before (ages 8-14)\n")
        print(kpi_markdown(con.execute(KPI_SUMMARY).fetchall()))
        return
    print("Ages 5-14 pooled\n")
    print(markdown(table(con, "'5-14'", "age between 5 and 14")))
    if args.breakdowns:
        print("\nAges 5-14 per policy\n")
        print(markdown(table(con, "'5-14'", "age between 5 and 14", "policy"), "policy"))
        print("\nYoung policy-days (ages 1-14) by the pattern used (NULL: no projection)\n")
        print("| policy | pattern | policy-days |\n|---|---|---:|")
        for policy, pattern, days in con.execute(
            "select policy, coalesce(pattern, 'none'), count(*) from results "
            "group by all order by all"
        ).fetchall():
            print(f"| {policy} | {pattern} | {days} |")
        return
    print("\nPer age\n")
    print(markdown(table(con, "age", "true")))


def audit_lag(con: duckdb.DuckDBPyConnection, end: date) -> str:
    """The share of the final audits in by each development age, over the days whose audits are
    all in (at least 30 days before the data's end)."""
    rows = con.execute(
        "with lags as (select development_age, sum(audits) as audits from audit_development "
        "where metric_date <= ?::date - 30 group by all) "
        "select development_age, audits, "
        "sum(audits) over (order by development_age) / sum(audits) over () as share_in "
        "from lags order by development_age",
        [end],
    ).fetchall()
    lines = ["| age (days) | audits | share in by that age |", "|---:|---:|---:|"]
    lines += [f"| {age} | {audits:,} | {share:.2%} |" for age, audits, share in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
