"""Backtest of the nowcast (sql/views/overturn_nowcast.sql) on simulated data (docs/benchmarks.md).

    uv run python benchmarks/nowcast_backtest.py [--days 150] [--seed 7] [--as-of-days 60]
    uv run python benchmarks/nowcast_backtest.py --sample [--days 150]

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
are scored.
"""

from __future__ import annotations

import argparse
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


def simulate(days: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(cohorts: metric_date, market, action, n, final; development: ... development_age,
    overturns)."""
    rng = np.random.default_rng(seed)
    cohorts, development = [], []
    for market, scale in MARKETS.items():
        for action, (volume, mean, concentration) in ACTIONS.items():
            for d in range(days):
                day = FIRST_DAY + timedelta(days=d)
                weekday = day.weekday()
                n = int(rng.poisson(volume * scale * WEEKDAY_VOLUME[weekday]))
                rate = mean * WEEKDAY_RATE[weekday]
                theta = rng.beta(rate * concentration, (1 - rate) * concentration)
                final = int(rng.binomial(n, theta))
                lags = np.minimum(np.floor(rng.lognormal(np.log(4.0), 0.9, final)), WINDOW - 1)
                resolved = (weekday + lags) % 7
                # nothing resolves on a weekend: held to the Monday
                lags = lags + np.where(resolved == 5, 2, 0) + np.where(resolved == 6, 1, 0)
                ages, counts = np.unique(lags.astype(int), return_counts=True)
                cohorts.append((day, market, action, n, final))
                development += [
                    (day, market, action, int(a), int(k)) for a, k in zip(ages, counts, strict=True)
                ]
    return (
        pl.DataFrame(
            cohorts, schema=["metric_date", "market", "action", "n", "final"], orient="row"
        ),
        pl.DataFrame(
            development,
            schema=["metric_date", "market", "action", "development_age", "overturns"],
            orient="row",
        ),
    )


def warehouse(cohorts: pl.DataFrame, development: pl.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("cohorts_frame", cohorts.to_arrow())
    con.register("development_frame", development.to_arrow())
    con.execute(
        "create table daily_metrics as "
        "select metric_date, market, "
        "sum(n) filter (where action = 'penalize') as penalties, "
        "sum(n) filter (where action = 'no_action') as no_actions "
        "from cohorts_frame group by all"
    )
    con.execute(
        "create table overturn_development as "
        "select metric_date, market, action, development_age::integer as development_age, "
        "overturns::bigint as overturns from development_frame"
    )
    con.execute("create table cohorts as select * from cohorts_frame")
    con.execute("create table warehouse_info (as_of_date date, appeal_window_days integer)")
    con.execute("insert into warehouse_info values (null, null)")
    run_sql(con, "views/overturn_nowcast.sql")
    con.execute(
        "create table results (as_of_date date, metric_date date, market varchar, action varchar,"
        " age integer, n bigint, final bigint, observed double, chain_ladder double,"
        " chain_ladder_low double, chain_ladder_high double, bf double, bf_low double,"
        " bf_high double)"
    )
    return con


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
    con.execute(
        "create table results (as_of_date date, metric_date date, market varchar, action varchar,"
        " age integer, n bigint, final bigint, observed double, chain_ladder double,"
        " chain_ladder_low double, chain_ladder_high double, bf double, bf_low double,"
        " bf_high double)"
    )
    return con, last


def replay(con: duckdb.DuckDBPyConnection, as_of_dates: list[date]) -> float:
    started = time.perf_counter()
    for as_of in as_of_dates:
        con.execute(
            "update warehouse_info set as_of_date = ?, appeal_window_days = ?", [as_of, WINDOW]
        )
        con.execute(
            """
            insert into results
            select ?, nowcast.metric_date, nowcast.market, nowcast.action, nowcast.age,
                   nowcast.n, cohorts.final, nowcast.overturns_known / nowcast.n,
                   rate_chain_ladder, rate_chain_ladder_low, rate_chain_ladder_high,
                   rate_bf, rate_bf_low, rate_bf_high
            from overturn_nowcast as nowcast
            join cohorts using (metric_date, market, action)
            where nowcast.age between 1 and 14
            """,
            [as_of],
        )
    return time.perf_counter() - started


SUMMARY = """
with long as (
    select age, action, final::double / n as truth, 'observed' as method, observed as value,
           null::double as low, null::double as high
    from results
    union all
    select age, action, final::double / n, 'chain_ladder', chain_ladder, chain_ladder_low,
           chain_ladder_high
    from results
    union all
    select age, action, final::double / n, 'bf', bf, bf_low, bf_high from results
),
scored as (
    select {group} as age, action, method,
           count(*) as market_days,
           avg(value - truth) / avg(truth) as bias,
           avg(abs(value - truth)) as mae,
           avg(case when low is null then null
                    when truth between low and high then 1.0 else 0.0 end) as coverage
    from long
    where {where}
    group by all
)
select * from scored order by action desc, age, method desc
"""


def table(con: duckdb.DuckDBPyConnection, group: str, where: str) -> list[tuple]:
    return con.execute(SUMMARY.format(group=group, where=where)).fetchall()


def markdown(rows: list[tuple]) -> str:
    lines = [
        "| metric | age | method | market-days | bias (rel.) | MAE | coverage 95% |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for age, action, method, count, bias, mae, coverage in rows:
        metric = "overkill" if action == "penalize" else "leakage"
        cover = "" if coverage is None else f"{coverage:.1%}"
        cells = [metric, age, method, count, f"{bias:+.1%}", f"{mae * 100:.4f} pp", cover]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of-days", type=int, default=60)
    parser.add_argument("--sample", action="store_true", help="the sample data, whole pipeline")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        if args.sample:
            con, end = sample_warehouse(args.days, args.seed, Path(folder))
            last = end - timedelta(days=WINDOW - 1)  # the latest as-of whose age-1 day is final
        else:
            con = warehouse(*simulate(args.days, args.seed))
            last = FIRST_DAY + timedelta(days=args.days - 1)
        as_of_dates = [last - timedelta(days=i) for i in range(args.as_of_days)]
        seconds = replay(con, as_of_dates)
        report(con, args, as_of_dates, seconds, started)
        con.close()


def report(con, args, as_of_dates: list[date], seconds: float, started: float) -> None:
    print(
        f"{'sample data' if args.sample else 'simulated'}: "
        f"{args.days} days x {len(MARKETS)} markets, seed {args.seed}, "
        f"{len(as_of_dates)} as-of dates ({as_of_dates[-1]} .. {as_of_dates[0]}); "
        f"{platform.processor() or platform.machine()}, duckdb {duckdb.__version__}; "
        f"view {seconds / len(as_of_dates) * 1000:.0f} ms per as-of, "
        f"total {time.perf_counter() - started:.1f} s\n"
    )
    print("Ages 5-14 pooled\n")
    print(markdown(table(con, "'5-14'", "age between 5 and 14")))
    print("\nPer age\n")
    print(markdown(table(con, "age", "true")))


if __name__ == "__main__":
    main()
