"""What moved a rate: run sql/queries/drivers_periods.sql and drivers.sql for one comparison.

The SQL does the work (the split is sql/macros.sql rate_decomposition); this resolves the
periods, refuses what cannot be compared with one clear sentence, and binds every value as a
parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from .runner import read_sql
from .vocabulary import APPEAL_METRICS, MARKETS, METRICS, SEGMENT_DIMENSIONS

# The columns of a driver row after the dimension keys, in order.
DRIVER_COLUMNS = (
    "baseline_share",
    "period_share",
    "baseline_rate",
    "period_rate",
    "mix_effect",
    "rate_effect",
    "contribution",
)


class DriversError(Exception):
    """The comparison cannot be made: the message is one line meant for the user."""


@dataclass(frozen=True)
class Period:
    """One side of a comparison, as drivers_periods.sql resolves it."""

    side: str  # 'baseline' or 'period'
    first_day: date
    last_day: date
    settled: bool  # false: days still in the appeal window (overkill, leakage) or audit window
    days: int  # days with decisions in the market
    unprojected_days: int

    @property
    def span(self) -> str:
        return f"{self.first_day}:{self.last_day}"


@dataclass(frozen=True)
class Drivers:
    """A comparison's periods, its market rates and one row per segment."""

    market: str
    metric: str
    dimensions: tuple[str, ...]
    projected: bool
    baseline: Period
    period: Period
    baseline_rate: float
    period_rate: float
    columns: list[str]
    rows: list[tuple]


def check_request(market: str, metric: str, dimensions: tuple[str, ...], projected: bool) -> None:
    """Refuse an unknown market, metric or dimension, or --projected where there is none."""
    if market not in MARKETS:
        raise DriversError(f"unknown market {market!r}: one of {', '.join(MARKETS)}")
    if metric not in METRICS:
        raise DriversError(f"unknown metric {metric!r}: one of {', '.join(METRICS)}")
    if not dimensions:
        raise DriversError(f"no dimension: give one or more of {', '.join(SEGMENT_DIMENSIONS)}")
    for dimension in dimensions:
        if dimension not in SEGMENT_DIMENSIONS:
            raise DriversError(
                f"unknown dimension {dimension!r}: any of {', '.join(SEGMENT_DIMENSIONS)}"
            )
    if len(set(dimensions)) < len(dimensions):
        raise DriversError(f"a dimension is given twice: {','.join(dimensions)}")
    if projected and metric not in APPEAL_METRICS:
        raise DriversError(
            f"--projected applies to {' and '.join(APPEAL_METRICS)} only (the rates that wait "
            f"for appeals), not {metric}"
        )


def drivers(
    con: duckdb.DuckDBPyConnection,
    market: str,
    metric: str,
    dimensions: tuple[str, ...],
    period: tuple[date, date] | None = None,
    baseline: tuple[date, date] | None = None,
    projected: bool = False,
) -> Drivers:
    """The decomposition of `market`'s `metric` change from `baseline` to `period` (None: the
    default windows) over the segments of `dimensions`, largest contribution first."""
    check_request(market, metric, dimensions, projected)
    for name, span in (("--period", period), ("--baseline", baseline)):
        if span is not None and span[0] > span[1]:
            raise DriversError(f"{name} starts after it ends: {span[0]}:{span[1]}")
    params = {
        "market": market,
        "metric": metric,
        "baseline_first": baseline and baseline[0],
        "baseline_last": baseline and baseline[1],
        "period_first": period and period[0],
        "period_last": period and period[1],
    }
    sides = {
        row[0]: Period(*row)
        for row in con.execute(read_sql("queries/drivers_periods.sql"), params).fetchall()
    }
    if len(sides) != 2 or sides["period"].first_day is None:
        raise DriversError("no default periods yet: the warehouse has no as-of date or no days")
    for side in sides.values():
        if side.days == 0:
            raise DriversError(f"{market} has no decisions in the {side.side} {side.span}")
        if projected and side.unprojected_days:
            raise DriversError(
                f"--projected: {side.unprojected_days} provisional day(s) of the {side.side} "
                f"{side.span} have no projection (too little settled history)"
            )
    params |= {
        "dimensions": list(dimensions),
        "baseline_first": sides["baseline"].first_day,
        "baseline_last": sides["baseline"].last_day,
        "period_first": sides["period"].first_day,
        "period_last": sides["period"].last_day,
        "projected": projected,
    }
    result = con.execute(read_sql("queries/drivers.sql"), params)
    names = [d[0] for d in result.description]
    found = result.fetchall()
    keep = [names.index(c) for c in (*dimensions, *DRIVER_COLUMNS)]
    rates = (
        (found[0][names.index("baseline_market_rate")], found[0][names.index("period_market_rate")])
        if found
        else (None, None)
    )
    for side, rate in zip(("baseline", "period"), rates, strict=True):
        if rate is None:
            raise DriversError(
                f"{market} has no denominator of {metric} in the {side} {sides[side].span}: "
                "no rate to compare"
            )
    return Drivers(
        market=market,
        metric=metric,
        dimensions=dimensions,
        projected=projected,
        baseline=sides["baseline"],
        period=sides["period"],
        baseline_rate=rates[0],
        period_rate=rates[1],
        columns=[names[i] for i in keep],
        rows=[tuple(row[i] for i in keep) for row in found],
    )
