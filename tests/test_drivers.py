"""`modmetrics drivers`: what moved a market's rate, read from a warehouse a real run published.

Dataset (appeal window 10 days, as of 2026-10-31: days after 10-21 are provisional; the settled
windows of kpi_periods are 10-08 .. 10-14 and 10-15 .. 10-21):
- BR baseline 10-01 .. 10-07: spam / q1 10 penalties, 1 overturned; hate / q2 10 penalties,
  1 overturned: 2/20 = 0.10.
- BR period 10-08 .. 10-14: spam / q1 10 penalties, 3 overturned; hate / q2 30 penalties,
  6 overturned: 9/40 = 0.225.
    spam: share 0.5 -> 0.25, rate 0.1 -> 0.3: mix (-0.25)(0.4)/2 = -0.05, rate (0.2)(0.75)/2
      = 0.075; hate: share 0.5 -> 0.75, rate 0.1 -> 0.2: mix (0.25)(0.3)/2 = 0.0375, rate
      (0.1)(1.25)/2 = 0.0625.
- BR 10-18: one spam / q1 penalty, overturned (the default, settled, period: 1/1).
- BR 10-25: one spam / q1 penalty (provisional).
- LATAM 10-01 and 10-08: one penalty each of a policy named like SQL, the second overturned.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import NOWCAST_AS_OF, Landing, appeal, cli, decision, nowcast_history, query, run

HOSTILE = "x'); drop table decisions; --"
BASELINE, PERIOD = "2026-10-01:2026-10-07", "2026-10-08:2026-10-14"
COLUMNS = ["baseline_share", "period_share", "baseline_rate", "period_rate", "mix_effect",
           "rate_effect", "contribution", "baseline_settled", "period_settled"]  # fmt: skip


def _penalties(key: str, day: str, n: int, overturned: int, **values) -> tuple[list, list]:
    decisions = [decision(f"{key}-{day}-{i}", f"{day}T12:00:00Z", **values) for i in range(n)]
    appeals = [
        appeal(
            f"a-{key}-{day}-{i}",
            f"{key}-{day}-{i}",
            "overturned",
            f"{day}T13:00:00Z",
            "2026-10-30T09:00:00Z",
        )  # fmt: skip
        for i in range(overturned)
    ]
    return decisions, appeals


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drivers")
    landing = Landing(root / "landing")
    decisions, appeals = [], []
    for args in [
        ("s", "2026-10-01", 10, 1, {"policy": "spam", "queue": "q1"}),
        ("h", "2026-10-02", 10, 1, {"policy": "hate", "queue": "q2"}),
        ("s", "2026-10-08", 10, 3, {"policy": "spam", "queue": "q1"}),
        ("h", "2026-10-09", 30, 6, {"policy": "hate", "queue": "q2"}),
        ("s", "2026-10-18", 1, 1, {"policy": "spam", "queue": "q1"}),
        ("s", "2026-10-25", 1, 0, {"policy": "spam", "queue": "q1"}),
        ("l", "2026-10-01", 1, 0, {"policy": HOSTILE, "market": "LATAM"}),
        ("l", "2026-10-08", 1, 1, {"policy": HOSTILE, "market": "LATAM"}),
    ]:
        key, day, n, overturned, values = args
        more_decisions, more_appeals = _penalties(key, day, n, overturned, **values)
        decisions += more_decisions
        appeals += more_appeals
    landing.csv("decisions/decisions.csv", decisions)
    landing.csv("appeals/appeals.csv", appeals)
    path = root / "warehouse.duckdb"
    run(landing, path, appeal_window_days=10)
    return path


def drivers(warehouse: Path, cwd: Path, *args: str) -> tuple[int, str, str]:
    return cli("drivers", "--warehouse", warehouse, *args, cwd=cwd)


def test_json_is_a_list_of_row_objects_keyed_by_the_dimensions(warehouse, tmp_path) -> None:
    code, out, err = drivers(warehouse, tmp_path, "--market", "BR", "--metric", "overkill_rate",
                             "--period", PERIOD, "--baseline", BASELINE, "--by", "policy",
                             "--format", "json")  # fmt: skip
    assert (code, err) == (0, "")
    found = json.loads(out)
    assert [list(r) for r in found] == [["policy", *COLUMNS]] * 2
    expected = [
        {"policy": "hate", "baseline_share": 0.5, "period_share": 0.75, "baseline_rate": 0.1,
         "period_rate": 0.2, "mix_effect": 0.0375, "rate_effect": 0.0625, "contribution": 0.1},
        {"policy": "spam", "baseline_share": 0.5, "period_share": 0.25, "baseline_rate": 0.1,
         "period_rate": 0.3, "mix_effect": -0.05, "rate_effect": 0.075, "contribution": 0.025},
    ]  # fmt: skip
    for row, want in zip(found, expected, strict=True):
        assert row["policy"] == want.pop("policy")
        assert {k: row[k] for k in want} == pytest.approx(want, abs=1e-12)
        assert row["baseline_settled"] is True and row["period_settled"] is True
    assert sum(r["contribution"] for r in found) == pytest.approx(9 / 40 - 2 / 20, abs=1e-9)


def test_csv_has_a_header_and_one_line_per_segment_of_every_dimension_asked(
    warehouse, tmp_path
) -> None:
    code, out, _ = drivers(warehouse, tmp_path, "--market", "BR", "--metric", "overkill_rate",
                           "--period", PERIOD, "--baseline", BASELINE, "--by", "queue,policy",
                           "--format", "csv")  # fmt: skip
    assert code == 0
    lines = list(csv.reader(io.StringIO(out)))
    assert lines[0] == ["queue", "policy", *COLUMNS]
    assert [line[:2] for line in lines[1:]] == [["q2", "hate"], ["q1", "spam"]]
    assert float(lines[1][8]) == pytest.approx(0.1, abs=1e-12)


def test_table_says_the_market_rates_and_the_change(warehouse, tmp_path) -> None:
    code, out, _ = drivers(warehouse, tmp_path, "--market", "BR", "--metric", "overkill_rate",
                           "--period", PERIOD, "--baseline", BASELINE)  # fmt: skip
    assert code == 0
    head, columns, rule, *body, count = out.splitlines()
    assert head == (
        "BR overkill_rate (observed): baseline 2026-10-01:2026-10-07 10.0000% -> period "
        "2026-10-08:2026-10-14 22.5000%, change +12.5000 pts over 2 segment(s)"
    )
    assert columns.split() == ["policy", *COLUMNS]
    assert [line.split()[0] for line in body] == ["hate", "spam"]
    assert count == "(2 rows)"


def test_overkill_defaults_to_the_latest_settled_week_against_the_week_before(
    warehouse, tmp_path
) -> None:
    """10-15 .. 10-21 (spam 1/1) against 10-08 .. 10-14: hate is absent from the period, so its
    share is 0 there and its rate the baseline's: spam mix (1 - 0.25)(0.3 + 1)/2 = 0.4875, rate
    (1 - 0.3)(0.25 + 1)/2 = 0.4375; hate mix (0 - 0.75)(0.2 + 0.2)/2 = -0.15."""
    code, out, err = drivers(warehouse, tmp_path, "--market", "BR", "--metric", "overkill_rate",
                             "--format", "json")  # fmt: skip
    assert (code, err) == (0, "")
    spam, hate = json.loads(out)
    assert (spam["policy"], hate["policy"]) == ("spam", "hate")
    assert [spam["mix_effect"], spam["rate_effect"], hate["mix_effect"], hate["rate_effect"]] == (
        pytest.approx([0.4875, 0.4375, -0.15, 0.0], abs=1e-12)
    )
    assert hate["period_share"] == 0.0 and hate["period_rate"] == pytest.approx(0.2, abs=1e-12)


def test_a_period_that_is_not_settled_is_flagged(warehouse, tmp_path) -> None:
    code, out, err = drivers(warehouse, tmp_path, "--market", "BR", "--metric", "overkill_rate",
                             "--period", "2026-10-22:2026-10-30", "--baseline",
                             "2026-10-15:2026-10-21", "--format", "json")  # fmt: skip
    assert code == 0
    assert err == (
        "modmetrics drivers: the period 2026-10-22:2026-10-30 is not settled: its overkill_rate "
        "will still rise as appeals arrive (see --projected)\n"
    )
    assert [(r["baseline_settled"], r["period_settled"]) for r in json.loads(out)] == [
        (True, False)
    ]


def test_a_hostile_policy_name_is_printed_as_data(warehouse, tmp_path) -> None:
    code, out, _ = drivers(warehouse, tmp_path, "--market", "LATAM", "--metric",
                           "overkill_rate", "--period", PERIOD, "--baseline", BASELINE,
                           "--format", "json")  # fmt: skip
    assert code == 0
    (row,) = json.loads(out)
    assert row["policy"] == HOSTILE
    assert row["rate_effect"] == pytest.approx(1.0, abs=1e-12)
    assert query(warehouse, "select count(*) as n from decisions") == [{"n": 64}]


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"--market": "XX"}, "unknown market 'XX': one of BR, LATAM, EMEA"),
        ({"--metric": "overkill"}, "unknown metric 'overkill': one of overkill_rate, "
         "leakage_rate, audit_overkill_rate, audit_leakage_rate, penalty_ratio"),
        ({"--by": "policy,moderator_id"}, "unknown dimension 'moderator_id': any of policy, "
         "queue, source, object_type"),
        ({"--by": "policy,policy"}, "a dimension is given twice: policy,policy"),
        ({"--period": "2026-10-08"}, "--period must be two dates like 2026-06-29:2026-07-12, "
         "got '2026-10-08'"),
        ({"--baseline": "2026-10-07:2026-10-01"}, "--baseline starts after it ends: "
         "2026-10-07:2026-10-01"),
        ({"--period": "2026-12-01:2026-12-07"}, "BR has no decisions in the period "
         "2026-12-01:2026-12-07"),
        ({"--metric": "penalty_ratio", "--projected": None}, "--projected applies to "
         "overkill_rate and leakage_rate only (the rates that wait for appeals), not "
         "penalty_ratio"),
        ({"--period": "2026-10-22:2026-10-30", "--projected": None}, "--projected: 1 "
         "provisional day(s) of the period 2026-10-22:2026-10-30 have no projection (too "
         "little settled history)"),
        ({"--metric": "audit_overkill_rate"}, "BR has no denominator of audit_overkill_rate in "
         "the baseline 2026-10-01:2026-10-07: no rate to compare"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(warehouse, tmp_path, changed, message) -> None:
    options = {"--market": "BR", "--metric": "overkill_rate", "--period": PERIOD,
               "--baseline": BASELINE} | changed  # fmt: skip
    argv = [a for flag, value in options.items() for a in (flag, value) if a is not None]
    code, out, err = drivers(warehouse, tmp_path, *argv)
    assert (code, out) == (2, "")
    assert err == f"modmetrics: error: {message}\n"


def test_without_a_warehouse_it_says_so_in_one_line(tmp_path) -> None:
    missing = tmp_path / "none.duckdb"
    code, _, err = drivers(missing, tmp_path, "--market", "BR", "--metric", "overkill_rate")
    assert code == 2
    assert err == f"modmetrics: error: {missing}: no warehouse there yet (run `modmetrics run`)\n"


def test_projected_contributions_add_up_to_the_change_of_the_market_projection(
    tmp_path,
) -> None:
    """conftest.nowcast_history (appeal window 30 days, projections from 28 settled days) plus
    10 hate penalties, never overturned, on each of 10-26 .. 10-30 and on 09-03. Period
    10-26 .. 10-30 (young), baseline 09-01 .. 09-07 (settled): with --projected the segments
    sum to the change of market_daily_metrics' projected overkill, day-weighted by penalties."""
    landing = Landing(tmp_path / "landing")
    nowcast_history(landing)
    days = [date(2026, 9, 3)] + [date(2026, 10, 26) + timedelta(i) for i in range(5)]
    landing.csv(
        "decisions/hate.csv",
        [decision(f"h-{d}-{i}", f"{d}T10:00:00Z", policy="hate") for d in days for i in range(10)],
    )
    warehouse = tmp_path / "warehouse.duckdb"
    run(landing, warehouse, as_of=NOWCAST_AS_OF)
    (market,) = query(
        warehouse,
        "select sum(overkill_rate_projected * penalties) / sum(penalties) as projected, "
        "sum(overturned_penalties) / sum(penalties) as observed from market_daily_metrics "
        "where market = 'BR' and metric_date between '2026-10-26' and '2026-10-30'",
    )
    (baseline,) = query(
        warehouse,
        "select sum(overturned_penalties) / sum(penalties) as rate from market_daily_metrics "
        "where market = 'BR' and metric_date between '2026-09-01' and '2026-09-07'",
    )
    assert market["projected"] > market["observed"]
    for projected, want in ((True, market["projected"]), (False, market["observed"])):
        code, out, err = drivers(warehouse, tmp_path, "--market", "BR", "--metric",
                                 "overkill_rate", "--period", "2026-10-26:2026-10-30",
                                 "--baseline", "2026-09-01:2026-09-07", "--format", "json",
                                 *(["--projected"] if projected else []))  # fmt: skip
        assert code == 0, err
        found = json.loads(out)
        assert sorted(r["policy"] for r in found) == ["hate", "spam"]
        total = sum(r["contribution"] for r in found)
        assert total == pytest.approx(want - baseline["rate"], abs=1e-9)


@pytest.mark.parametrize("metric", ["overkill_rate", "penalty_ratio"])
def test_the_view_rate_drivers_holds_the_commands_default_comparison(
    warehouse, tmp_path, metric: str
) -> None:
    code, out, _ = drivers(warehouse, tmp_path, "--market", "BR", "--metric", metric,
                           "--by", "queue", "--format", "json")  # fmt: skip
    assert code == 0
    stored = query(
        warehouse,
        "select queue, mix_effect, rate_effect, contribution from rate_drivers "
        "where market = 'BR' and metric = ? and dimension = 'queue' order by driver_rank",
        [metric],
    )
    assert [{k: r[k] for k in stored[0]} for r in json.loads(out)] == stored
