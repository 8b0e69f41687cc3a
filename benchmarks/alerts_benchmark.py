"""Benchmark of the alert rules (sql/alerts/alert_history.sql) on simulated markets.

    uv run python benchmarks/alerts_benchmark.py [--years 4] [--reps 15] [--seed 13]

Simulates 3 markets x 5 metrics with the README's default thresholds: Poisson daily volumes,
true daily rates with a weekday pattern (+-8%) and extra-binomial day-to-day variation (a
lognormal day effect, 12% for the error rates, 3% for the penalty ratio), 40 audited penalties
and 40 audited no-actions a day, and appeal lags (geometric, mean about 6 days, at most 29: the
30-day appeal window). Every true rate is under its warn threshold, at 67-80% of it.

It runs the real SQL of sql/alerts/alert_history.sql on an in-memory DuckDB whose input tables
are built from the simulation: metric_breakdowns (through the real metric_rates macro),
alert_thresholds, warehouse_info, and market_daily_metrics' completeness columns, where the
simulation gives the true share of a young day's overturns known at its age (the warehouse's
nowcast estimates that share from the last 56 settled days: the benchmark leaves out that
estimation error). Both rules run on the same data: today's ("threshold": the day's value past
warn for 2 days in a row, single-day audit rates) and the evidence rule with the defaults.

  false alerts   the stable markets over --years years, judged as of a day after the last one
                 with every day settled: alerts opened per year across the 15 series.
  detection      BR overkill (1.0%, warn 1.5%) and BR leakage (0.30%, warn 0.5%) multiplied by
                 1.5, 2 and 2.5 from day 90 on; for each of --reps replications the warehouse is
                 replayed as of day 90 + d (d = 0..20: only what is known by then, the young days
                 provisional with their completeness), all of them in one SQL run (each as-of
                 date a market of its own). Delay = the first d at which an alert confirmed on or
                 after day 90 exists; median over the replications ("-" when fewer than half
                 alert within 20 days). For the evidence rule, "any" counts a shift notice too.
The budget's series count is the 15 series: false_alarms_per_year is scaled to the number of
pseudo-markets in a run so that H is the one of 3 markets x 5 metrics.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipelines.settings import DEFAULT_ALERT_RULES  # noqa: E402
from warehouse.runner import run_sql, set_variables  # noqa: E402

METRICS = ("overkill_rate", "leakage_rate", "audit_overkill_rate", "audit_leakage_rate",
           "penalty_ratio")  # fmt: skip
# true rates per market: (decisions a day, penalty ratio, overkill, leakage, audit ok, audit lk)
MARKETS = {
    "BR": (6000, 0.33, 0.010, 0.0030, 0.10, 0.067),
    "LATAM": (4000, 0.34, 0.011, 0.0035, 0.11, 0.072),
    "EMEA": (5000, 0.35, 0.012, 0.0040, 0.12, 0.080),
}
WINDOW = 30  # appeal_window_days
LAG_PMF = np.exp(-np.arange(WINDOW) / 6.0)
LAG_PMF /= LAG_PMF.sum()
LAG_CDF = np.cumsum(LAG_PMF)
WEEKDAY = 1 + 0.08 * np.sin(2 * np.pi * np.arange(7) / 7)
START = date(2025, 1, 1)
SHIFT_DAY = 90
REPLAY_DAYS = 21


def simulate(rng, days: int, market: str, shift: tuple[str, float] | None = None) -> dict:
    """Final daily counts of one market, and the overturns' lags (days x WINDOW)."""
    volume, pr, ok, lk, aok, alk = MARKETS[market]
    t = np.arange(days)
    wd = WEEKDAY[(t + START.weekday()) % 7]

    def day_effect(sigma):
        return np.exp(sigma * rng.standard_normal(days) - sigma**2 / 2)

    mult = {"overkill_rate": np.ones(days), "leakage_rate": np.ones(days)}
    if shift:
        mult[shift[0]] = np.where(t >= SHIFT_DAY, shift[1], 1.0)
    decisions = rng.poisson(volume, days)
    penalties = rng.binomial(decisions, np.clip(pr * wd * day_effect(0.03), 0, 1))
    no_actions = decisions - penalties
    ok_final = rng.binomial(
        penalties, np.clip(ok * wd * day_effect(0.12) * mult["overkill_rate"], 0, 1)
    )
    lk_final = rng.binomial(
        no_actions, np.clip(lk * wd * day_effect(0.12) * mult["leakage_rate"], 0, 1)
    )
    audits = 40
    return dict(
        decisions=decisions,
        penalties=penalties,
        no_actions=no_actions,
        ok_lags=rng.multinomial(ok_final, LAG_PMF),
        lk_lags=rng.multinomial(lk_final, LAG_PMF),
        audited=np.full(days, audits),
        non_violating=rng.binomial(audits, np.clip(aok * wd * day_effect(0.12), 0, 1)),
        violating=rng.binomial(audits, np.clip(alk * wd * day_effect(0.12), 0, 1)),
    )


def known_frame(sim: dict, market: str, as_of: int, settled: bool = False) -> pl.DataFrame:
    """The market's days 0..as_of as known on day as_of (settled: long after), overturns by age."""
    days = as_of + 1
    age = as_of - np.arange(days) + (10**6 if settled else 0)
    mask = np.arange(WINDOW)[None, :] <= age[:, None]
    ok = (sim["ok_lags"][:days] * mask).sum(axis=1)
    lk = (sim["lk_lags"][:days] * mask).sum(axis=1)
    provisional = age < WINDOW
    completeness = np.where(provisional, LAG_CDF[np.minimum(age, WINDOW - 1)], 1.0)
    a = sim["audited"][:days].astype(float)
    return pl.DataFrame(
        {
            "first_day": [START + timedelta(days=int(i)) for i in range(days)],
            "market": market,
            "provisional": provisional,
            "completeness": completeness,
            "decisions": sim["decisions"][:days],
            "penalties": sim["penalties"][:days],
            "no_actions": sim["no_actions"][:days],
            "overturned_penalties": ok,
            "overturned_no_actions": lk,
            "audited_penalty_weight": a,
            "audited_penalty_weight_sq": a,
            "non_violating_penalty_weight": sim["non_violating"][:days].astype(float),
            "audited_no_action_weight": a,
            "audited_no_action_weight_sq": a,
            "violating_no_action_weight": sim["violating"][:days].astype(float),
        }
    )


def derive(frames: list[pl.DataFrame], judged: dict[str, set[str]], method: str) -> pl.DataFrame:
    """derived_alerts of the real SQL on these markets; `judged`: market -> metrics judged."""
    con = duckdb.connect()
    con.execute("set threads = 2")
    run_sql(con, "macros.sql")
    simulated = pl.concat(frames)  # noqa: F841 (read by DuckDB)
    con.execute("create table simulated as from simulated")
    con.execute(
        "create table totals as select 'market' as breakdown, 'day' as period, "
        "* exclude (completeness) from simulated"
    )
    con.execute("create table metric_breakdowns as from metric_rates(totals)")
    con.execute(
        "create table market_daily_metrics as select first_day as metric_date, market, "
        "completeness as overkill_completeness, completeness as leakage_completeness from simulated"
    )
    con.execute(f"create table warehouse_info as select {WINDOW} as appeal_window_days")
    con.execute(
        "create table alert_thresholds (metric varchar, market varchar, direction varchar, "
        "warn_threshold double, critical_threshold double, recovery_threshold double, "
        "min_denominator bigint, for_days integer, provisional_opens boolean)"
    )
    rows = []
    for market, metrics in judged.items():
        for metric in METRICS:
            r = DEFAULT_ALERT_RULES[metric]
            rows.append([metric, market, r["direction"], r["warn"], r["critical"], r["recovery"],
                         r["min_denominator"] if metric in metrics else 10**12, r["for_days"],
                         r["provisional_opens"]])  # fmt: skip
    con.executemany("insert into alert_thresholds values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    set_variables(
        con,
        alert_method=method,
        false_alarms_per_year=2.0 * len(judged) / 3,  # H of 15 series (see the docstring)
        audit_rolling_days=7 if method == "evidence" else 1,
        shift_alerts=method == "evidence",
    )
    run_sql(con, "alerts/alert_history.sql")
    out = con.sql(
        "select metric, market, opened_on, confirmed_on, severity from derived_alerts"
    ).pl()
    con.close()
    return out


def false_alerts(rng, years: int) -> dict[str, float]:
    days = 365 * years + WINDOW
    frames = [known_frame(simulate(rng, days, m), m, days - 1, settled=True) for m in MARKETS]
    judged = {m: set(METRICS) for m in MARKETS}
    result = {}
    for method in ("threshold", "evidence"):
        alerts = derive(frames, judged, method)
        alerts = alerts.filter(pl.col("opened_on") >= START + timedelta(days=WINDOW + 56))
        result[method] = alerts.height / (years - (WINDOW + 56) / 365)
        result[method + "_by_metric"] = alerts.group_by("metric", "severity").len().sort("metric")
    return result


def detection(rng, metric: str, multiplier: float, reps: int) -> dict[str, float | None]:
    frames, judged = [], {}
    for rep in range(reps):
        sim = simulate(rng, SHIFT_DAY + REPLAY_DAYS, "BR", (metric, multiplier))
        for d in range(REPLAY_DAYS):
            name = f"r{rep}d{d}"
            frames.append(known_frame(sim, "BR", SHIFT_DAY + d).with_columns(market=pl.lit(name)))
            judged[name] = {metric}
    result = {}
    shift_start = START + timedelta(days=SHIFT_DAY)
    for method in ("threshold", "evidence"):
        alerts = derive(frames, judged, method).filter(pl.col("confirmed_on") >= shift_start)
        for kind, severities in (("any", None), ("warn", ("warning", "critical"))):
            if method == "threshold" and kind == "any":
                continue
            found = (
                alerts
                if severities is None
                else alerts.filter(pl.col("severity").is_in(severities))
            )
            alerted = set(found["market"].to_list())
            delays = []
            for rep in range(reps):
                hit = [d for d in range(REPLAY_DAYS) if f"r{rep}d{d}" in alerted]
                delays.append(min(hit) if hit else np.inf)
            median = float(np.median(delays))
            result[f"{method}_{kind}"] = None if np.isinf(median) else median
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    fa = false_alerts(rng, args.years)
    print(f"false alerts a year on stable series, 15 series, {args.years} years simulated:")
    print(f"  today's rule (threshold) {fa['threshold']:.1f}   evidence rule {fa['evidence']:.2f}")
    print("  today's rule by metric:", fa["threshold_by_metric"].rows())
    print("  evidence rule by metric:", fa["evidence_by_metric"].rows())

    def show(v):
        return "-" if v is None else f"{v:g}"

    print(f"\ndetection delay (median days from the shift's first day, {args.reps} replications):")
    print("| shift | today's rule | evidence: warning or critical | evidence: any (incl. notice) |")
    print("|---|---|---|---|")
    for metric in ("overkill_rate", "leakage_rate"):
        for multiplier in (1.5, 2.0, 2.5):
            r = detection(rng, metric, multiplier, args.reps)
            print(f"| {metric} x{multiplier:g} | {show(r['threshold_warn'])} | "
                  f"{show(r['evidence_warn'])} | {show(r['evidence_any'])} |")  # fmt: skip
    print(f"\n{time.perf_counter() - started:.0f} s on {os.cpu_count()} cores, "
          f"{platform.python_version()}, duckdb {duckdb.__version__}")  # fmt: skip


if __name__ == "__main__":
    main()
