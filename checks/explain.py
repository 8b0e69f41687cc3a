"""A failed expectation in the analysts' words: one line per offending row, naming the market,
the day (or the decision, the file) and the value, e.g.

    EMEA has no decisions on 2026-09-10 (every_market_every_day)
    overkill_rate BR 2026-09-03 = 1.2 is outside [0, 1] (market_metrics_consistent)
    market_not_allowed = 1 in /landing/decisions/d.csv, expected 0, e.g. decision d-3 (...)

The lines are built from what validation_results keeps of an outcome (its expectation, its rule,
its sample of offending rows), so a run's failure message and `modmetrics validate --last-run`
say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

# How many lines a failure shows before "and N more".
SHOWN = 5

# The columns that name a row, in the order a line names them, and the word before the value.
_ROW_NAMES = {
    "market": "",
    "metric_date": "",
    "decision_id": "decision ",
    "appeal_id": "appeal ",
    "audit_id": "audit ",
    "path": "file ",
}


def _number(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def rule_of(config) -> str | None:
    """What an expectation asks of its column, short: `[0, 1]`, `>= 1`, `{BR, LATAM, EMEA}`,
    `str`, `appealed_at >= decided_at`; None for the rules its name says (not null, unique)."""
    config = config.configuration if hasattr(config, "configuration") else config
    kwargs = config.kwargs
    kind = config.type
    if kind == "expect_column_values_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None and high is not None:
            opening = "(" if kwargs.get("strict_min") else "["
            closing = ")" if kwargs.get("strict_max") else "]"
            return f"{opening}{_number(low)}, {_number(high)}{closing}"
        if low is not None:
            return f"{'>' if kwargs.get('strict_min') else '>='} {_number(low)}"
        if high is not None:
            return f"{'<' if kwargs.get('strict_max') else '<='} {_number(high)}"
        return None
    if kind == "expect_column_values_to_be_in_set":
        return "{" + ", ".join(_number(v) for v in kwargs.get("value_set") or []) + "}"
    if kind == "expect_column_values_to_be_of_type":
        return str(kwargs.get("type_"))
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        operator = ">=" if kwargs.get("or_equal") else ">"
        return f"{kwargs.get('column_A')} {operator} {kwargs.get('column_B')}"
    return None


def _where(row: dict, value_columns: Iterable[str]) -> str:
    """The row's name: `BR 2026-09-03`, `decision d-1`, `file /landing/x.csv`."""
    skip = set(value_columns)
    return " ".join(
        f"{word}{row[column]}"
        for column, word in _ROW_NAMES.items()
        if column in row and column not in skip
    )


def _row_line(kind: str, columns: list[str], rule: str | None, row) -> str:
    """One offending row of expectation `kind` on `columns`, as a sentence."""
    if not isinstance(row, dict):  # GX gave the value alone, without the row's ids
        row = {columns[0]: row} if columns else {}
    where = _where(row, columns)
    named = f" {where}" if where else ""
    column = columns[0] if columns else ""
    value = row.get(column)
    if kind == "expect_column_values_to_be_between" and column == "decisions" and value == "0":
        market, day = row.get("market"), row.get("metric_date")
        if market and day:
            return f"{market} has no decisions on {day}"
        return f"no decisions on{named}"
    if kind == "expect_column_values_to_be_between" and rule == "[0, 0]" and "path" in row:
        # a count of a file's profile: accepted rows that break a rule, with some of their ids
        ids = [(word, row[c]) for c, word in _ROW_NAMES.items() if c.endswith("_id") and c in row]
        named_ids = ", e.g. " + "; ".join(f"{word}{v}" for word, v in ids) if ids else ""
        return f"{column} = {value} in {row['path']}, expected 0{named_ids}"
    if kind == "expect_column_values_to_be_between":
        return f"{column}{named} = {value} is outside {rule}"
    if kind == "expect_column_values_to_be_in_set":
        return f"{column}{named} = {value} is not one of {rule}"
    if kind == "expect_column_values_to_not_be_null":
        return f"{column} is missing{' on' + named if named else ''}"
    if kind == "expect_column_values_to_be_unique":
        return f"{column} {value} is not unique{' (' + where + ')' if where else ''}"
    if kind == "expect_column_pair_values_a_to_be_greater_than_b" and len(columns) == 2:
        a, b = columns
        operator = rule.split(" ")[1] if rule else ">="
        return f"{a}{named} = {row.get(a)} is not {operator} {b} = {row.get(b)}"
    return f"{kind}({', '.join(columns)}){named}: " + " ".join(f"{k}={v}" for k, v in row.items())


def _parse(expectation: str) -> tuple[str, list[str]]:
    """`expect_x(a, b)` -> ("expect_x", ["a", "b"])."""
    match = re.fullmatch(r"(\w+)\((.*)\)", expectation)
    if not match:
        return expectation, []
    return match.group(1), [c.strip() for c in match.group(2).split(",") if c.strip()]


def explain(
    check: str,
    expectation: str,
    partition: str,
    status: str,
    rule: str | None = None,
    observed_value: str | None = None,
    unexpected_count: int | None = None,
    sample: list | None = None,
    error: str | None = None,
) -> tuple[list[str], int]:
    """(one line per sampled offending row, how many offending rows the lines leave out) for a
    failed or errored outcome, each line ending with the check's name."""
    kind, columns = _parse(expectation)
    suffix = f" ({check})"
    if status == "error":
        return [f"{expectation} could not run on {partition}: {error}{suffix}"], 0
    sample = sample or []
    if not sample:
        if kind == "expect_column_values_to_be_of_type":
            line = f"{columns[0]} is of type {observed_value}, not {rule}, in {partition}"
        else:
            detail = f"{unexpected_count} unexpected" if unexpected_count else "failed"
            line = f"{expectation} on {partition}: {detail}"
        return [line + suffix], 0
    lines = [_row_line(kind, columns, rule, row) + suffix for row in sample]
    return lines, max(0, (unexpected_count or 0) - len(sample))


def first_lines(explained: Iterable[tuple[list[str], int]], shown: int = SHOWN) -> list[str]:
    """At most `shown` lines of several explanations, then `and N more` (rows left out)."""
    lines, more = [], 0
    for outcome_lines, left_out in explained:
        lines += outcome_lines
        more += left_out
    more += max(0, len(lines) - shown)
    return lines[:shown] + ([f"and {more} more"] if more else [])
