"""market_daily_metrics and daily_metrics, checked by hand on a small dataset."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import pytest

from conftest import (
    NOWCAST_AS_OF,
    Landing,
    Z,
    appeal,
    audit,
    decision,
    market_day,
    nowcast_history,
    query,
    run,
    scalar,
    wilson,
)

pytestmark = pytest.mark.usefixtures("isolated_settings")

RESOLVED = "2026-10-04T10:00:00Z"

# 2026-10-01, BR: ten decisions over several (policy, source, object_type) cells.
BR_DECISIONS = [
    decision("d-01", action="penalize", policy="spam", source="machine", object_type="live"),
    decision("d-02", action="penalize", policy="spam", source="human", object_type="live"),
    decision("d-03", action="penalize", policy="hate", source="machine", object_type="video"),
    decision("d-04", action="penalize", policy="hate", source="machine", object_type="video"),
    decision("d-05", action="penalize", policy="spam", source="machine", object_type="live"),
    decision("d-06", action="no_action", policy="spam", source="human", object_type="comment"),
    decision("d-07", action="no_action", policy="spam", source="human", object_type="comment"),
    decision("d-08", action="no_action", policy="hate", source="machine", object_type="live"),
    decision("d-09", action="no_action", policy="", source="machine", object_type="live"),
    decision("d-10", action="no_action", policy="hate", source="machine", object_type="live"),
]
BR_APPEALS = [
    appeal("ap-01", "d-01", "overturned", resolved_at=RESOLVED),
    appeal("ap-02", "d-02", "upheld", resolved_at=RESOLVED),
    appeal("ap-03", "d-03", "pending"),
    appeal("ap-06", "d-06", "overturned", resolved_at=RESOLVED),
    appeal("ap-10", "d-10", "pending"),
]
BR_AUDITS = [
    audit("au-04", "d-04", "non_violating", sample_weight="2"),
    audit("au-05", "d-05", "violating", sample_weight=""),  # weight 1
    audit("au-07", "d-07", "violating", sample_weight="3"),
    audit("au-08", "d-08", "non_violating", sample_weight="1"),
]
# 2026-10-01, LATAM: three penalties, all overturned (x = n); no no_action, no audit.
LATAM_DECISIONS = [decision(f"d-L{i}", market="LATAM", action="penalize") for i in (1, 2, 3)]
LATAM_APPEALS = [
    appeal(f"ap-L{i}", f"d-L{i}", "overturned", resolved_at=RESOLVED) for i in (1, 2, 3)
]
# 2026-10-01, EMEA: four no_actions, none appealed (x = 0); no penalty.
EMEA_DECISIONS = [decision(f"d-E{i}", market="EMEA", action="no_action") for i in (1, 2, 3, 4)]


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("metrics")
    landing = Landing(root / "landing")
    landing.csv("decisions/2026-10-01.csv", BR_DECISIONS + LATAM_DECISIONS + EMEA_DECISIONS)
    landing.csv("appeals/appeals.csv", BR_APPEALS + LATAM_APPEALS)
    landing.csv("audits/audits.csv", BR_AUDITS)
    warehouse = root / "warehouse.duckdb"
    run(landing, warehouse, as_of=date(2026, 10, 31))
    return warehouse


MARKET_DAILY_METRICS_COLUMNS = [
    "metric_date",
    "market",
    "decisions",
    "penalties",
    "no_actions",
    "penalty_ratio",
    "penalty_ratio_low",
    "penalty_ratio_high",
    "appealed_penalties",
    "overturned_penalties",
    "overkill_rate",
    "overkill_rate_low",
    "overkill_rate_high",
    "appealed_no_actions",
    "overturned_no_actions",
    "leakage_rate",
    "leakage_rate_low",
    "leakage_rate_high",
    "pending_appeals",
    "audited_penalties",
    "audited_no_actions",
    "audit_overkill_rate",
    "audit_overkill_rate_low",
    "audit_overkill_rate_high",
    "audit_leakage_rate",
    "audit_leakage_rate_low",
    "audit_leakage_rate_high",
    "provisional",
    "overkill_rate_projected",
    "overkill_rate_projected_low",
    "overkill_rate_projected_high",
    "leakage_rate_projected",
    "leakage_rate_projected_low",
    "leakage_rate_projected_high",
    "overkill_completeness",
    "leakage_completeness",
    "audit_provisional",
    "audit_completeness",
]


def test_market_daily_metrics_has_the_columns_of_the_issue(metrics) -> None:
    names = [
        r["column_name"]
        for r in query(
            metrics,
            "select column_name from information_schema.columns "
            "where table_name = 'market_daily_metrics' order by ordinal_position",
        )
    ]
    assert sorted(names) == sorted(MARKET_DAILY_METRICS_COLUMNS)


def test_one_row_per_market_day_with_decisions(metrics) -> None:
    assert query(
        metrics,
        "select metric_date::varchar as day, market, decisions from market_daily_metrics "
        "order by market",
    ) == [
        {"day": "2026-10-01", "market": "BR", "decisions": 10},
        {"day": "2026-10-01", "market": "EMEA", "decisions": 4},
        {"day": "2026-10-01", "market": "LATAM", "decisions": 3},
    ]


def test_every_column_of_one_market_day(metrics) -> None:
    day = market_day(metrics, "2026-10-01", "BR")
    expected = {
        "metric_date": date(2026, 10, 1),
        "market": "BR",
        "decisions": 10,
        "penalties": 5,  # d-01 .. d-05
        "no_actions": 5,  # d-06 .. d-10
        "penalty_ratio": 0.5,  # 5 / 10
        "appealed_penalties": 3,  # d-01, d-02, d-03
        "overturned_penalties": 1,  # d-01
        "overkill_rate": 0.2,  # 1 / 5
        "appealed_no_actions": 2,  # d-06, d-10
        "overturned_no_actions": 1,  # d-06
        "leakage_rate": 0.2,  # 1 / 5
        "pending_appeals": 2,  # ap-03, ap-10
        "audited_penalties": 2,  # d-04 (w 2, non_violating), d-05 (w 1, violating)
        "audited_no_actions": 2,  # d-07 (w 3, violating), d-08 (w 1, non_violating)
        "audit_overkill_rate": 2 / 3,  # 2 / (2 + 1)
        "audit_leakage_rate": 3 / 4,  # 3 / (3 + 1)
        "provisional": False,  # 2026-10-01 is not after 2026-10-31 - 30 days
    }
    bounds = {
        "penalty_ratio": wilson(0.5, 10),
        "overkill_rate": wilson(0.2, 5),
        "leakage_rate": wilson(0.2, 5),
        "audit_overkill_rate": wilson(2 / 3, 3**2 / (2**2 + 1**2)),  # Kish n = 9 / 5
        "audit_leakage_rate": wilson(3 / 4, 4**2 / (3**2 + 1**2)),  # Kish n = 16 / 10
    }
    for rate, (low, high) in bounds.items():
        expected[f"{rate}_low"] = low
        expected[f"{rate}_high"] = high
    # a settled day: its projection is what is observed, complete
    for rate in ("overkill", "leakage"):
        expected[f"{rate}_rate_projected"] = expected[f"{rate}_rate"]
        expected[f"{rate}_rate_projected_low"] = expected[f"{rate}_rate_low"]
        expected[f"{rate}_rate_projected_high"] = expected[f"{rate}_rate_high"]
        expected[f"{rate}_completeness"] = 1.0
    # its audits are in: it is not after 2026-10-31 - 7 days (audit_window_days)
    expected["audit_provisional"] = False
    expected["audit_completeness"] = 1.0
    assert set(day) == set(expected)
    for column, value in expected.items():
        if isinstance(value, float):
            assert day[column] == pytest.approx(value, rel=1e-12), column
        else:
            assert day[column] == value, column


def test_wilson_interior_value_by_hand(metrics) -> None:
    """penalty_ratio 5 / 10, worked through the formula step by step."""
    p, n = 0.5, 10
    center = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)  # = 0.5 by symmetry
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    assert center == pytest.approx(0.5)
    assert (round(center - half, 6), round(center + half, 6)) == (0.236593, 0.763407)
    day = market_day(metrics, "2026-10-01", "BR")
    assert day["penalty_ratio_low"] == pytest.approx(center - half, rel=1e-12)
    assert day["penalty_ratio_high"] == pytest.approx(center + half, rel=1e-12)


def test_wilson_bounds_at_x_equal_n(metrics) -> None:
    """LATAM: 3 penalties out of 3 decisions, 3 overturned out of 3: low = n / (n + z^2), high 1."""
    day = market_day(metrics, "2026-10-01", "LATAM")
    assert (day["penalty_ratio"], day["overkill_rate"]) == (1.0, 1.0)
    for rate in ("penalty_ratio", "overkill_rate"):
        assert day[f"{rate}_low"] == pytest.approx(3 / (3 + Z**2), rel=1e-12)
        assert day[f"{rate}_high"] == 1.0


def test_wilson_bounds_at_x_zero(metrics) -> None:
    """EMEA: 0 penalties out of 4, 0 overturned out of 4 no_actions: low 0, high z^2 / (n + z^2)."""
    day = market_day(metrics, "2026-10-01", "EMEA")
    assert (day["penalty_ratio"], day["leakage_rate"]) == (0.0, 0.0)
    for rate in ("penalty_ratio", "leakage_rate"):
        assert day[f"{rate}_low"] == 0.0
        assert day[f"{rate}_high"] == pytest.approx(Z**2 / (4 + Z**2), rel=1e-12)


@pytest.mark.parametrize(
    ("market", "null_rates"),
    [
        # no no_action, no audit at all
        ("LATAM", ["leakage_rate", "audit_overkill_rate", "audit_leakage_rate"]),
        # no penalty, no audit at all
        ("EMEA", ["overkill_rate", "audit_overkill_rate", "audit_leakage_rate"]),
    ],
)
def test_rates_are_null_when_the_denominator_is_zero(metrics, market, null_rates) -> None:
    day = market_day(metrics, "2026-10-01", market)
    for rate in null_rates:
        assert (day[rate], day[f"{rate}_low"], day[f"{rate}_high"]) == (None, None, None), rate


def test_daily_metrics_grain_holds_additive_counts(metrics) -> None:
    assert query(
        metrics,
        "select policy, source, object_type, decisions, penalties, no_actions, "
        "appealed_penalties, overturned_penalties, appealed_no_actions, overturned_no_actions, "
        "pending_appeals, audited_penalties, audited_no_actions "
        "from daily_metrics where metric_date = '2026-10-01' and market = 'BR' order by 1, 2, 3",
    ) == [
        # d-08 (audited), d-10 (pending appeal)
        {
            "policy": "hate",
            "source": "machine",
            "object_type": "live",
            "decisions": 2,
            "penalties": 0,
            "no_actions": 2,
            "appealed_penalties": 0,
            "overturned_penalties": 0,
            "appealed_no_actions": 1,
            "overturned_no_actions": 0,
            "pending_appeals": 1,
            "audited_penalties": 0,
            "audited_no_actions": 1,
        },
        # d-03 (pending appeal), d-04 (audited)
        {
            "policy": "hate",
            "source": "machine",
            "object_type": "video",
            "decisions": 2,
            "penalties": 2,
            "no_actions": 0,
            "appealed_penalties": 1,
            "overturned_penalties": 0,
            "appealed_no_actions": 0,
            "overturned_no_actions": 0,
            "pending_appeals": 1,
            "audited_penalties": 1,
            "audited_no_actions": 0,
        },
        # d-06 (overturned), d-07 (audited)
        {
            "policy": "spam",
            "source": "human",
            "object_type": "comment",
            "decisions": 2,
            "penalties": 0,
            "no_actions": 2,
            "appealed_penalties": 0,
            "overturned_penalties": 0,
            "appealed_no_actions": 1,
            "overturned_no_actions": 1,
            "pending_appeals": 0,
            "audited_penalties": 0,
            "audited_no_actions": 1,
        },
        # d-02 (upheld)
        {
            "policy": "spam",
            "source": "human",
            "object_type": "live",
            "decisions": 1,
            "penalties": 1,
            "no_actions": 0,
            "appealed_penalties": 1,
            "overturned_penalties": 0,
            "appealed_no_actions": 0,
            "overturned_no_actions": 0,
            "pending_appeals": 0,
            "audited_penalties": 0,
            "audited_no_actions": 0,
        },
        # d-01 (overturned), d-05 (audited)
        {
            "policy": "spam",
            "source": "machine",
            "object_type": "live",
            "decisions": 2,
            "penalties": 2,
            "no_actions": 0,
            "appealed_penalties": 1,
            "overturned_penalties": 1,
            "appealed_no_actions": 0,
            "overturned_no_actions": 0,
            "pending_appeals": 0,
            "audited_penalties": 1,
            "audited_no_actions": 0,
        },
        # d-09: a no_action without policy
        {
            "policy": "unspecified",
            "source": "machine",
            "object_type": "live",
            "decisions": 1,
            "penalties": 0,
            "no_actions": 1,
            "appealed_penalties": 0,
            "overturned_penalties": 0,
            "appealed_no_actions": 0,
            "overturned_no_actions": 0,
            "pending_appeals": 0,
            "audited_penalties": 0,
            "audited_no_actions": 0,
        },
    ]


ADDITIVE = [
    "decisions",
    "penalties",
    "no_actions",
    "appealed_penalties",
    "overturned_penalties",
    "appealed_no_actions",
    "overturned_no_actions",
    "pending_appeals",
    "audited_penalties",
    "audited_no_actions",
]


def test_market_daily_metrics_equals_the_sums_of_daily_metrics(metrics) -> None:
    sums = ", ".join(f"sum({c})::bigint as {c}" for c in ADDITIVE)
    summed = query(
        metrics,
        f"select metric_date, market, {sums}, "
        "sum(non_violating_penalty_weight) / nullif(sum(audited_penalty_weight), 0) "
        "as audit_overkill_rate "
        "from daily_metrics group by all order by all",
    )
    listed = query(
        metrics,
        f"select metric_date, market, {', '.join(ADDITIVE)}, audit_overkill_rate "
        "from market_daily_metrics order by all",
    )
    assert summed == listed
    assert len(listed) == 3


# --- the reporting day: offsets, time zone -------------------------------------------------------

MIDNIGHT_DECISIONS = [
    decision("x-1", "2026-10-05T22:30:00-03:00", market="EMEA"),  # 2026-10-06 01:30 UTC
    decision("x-2", "2026-10-06T00:30:00Z", market="EMEA"),  # 2026-10-05 21:30 in São Paulo
    decision("x-3", "2026-10-06 03:30:00", market="EMEA"),  # no offset: UTC; 00:30 in São Paulo
    decision("x-4", "2026-10-05T23:59:59+01:00", market="EMEA"),  # 2026-10-05 22:59:59 UTC
]
# an appeal counts on its decision's day, whatever day it was filed
MIDNIGHT_APPEALS = [
    appeal(
        "ap-x1",
        "x-1",
        "overturned",
        appealed_at="2026-10-09T10:00:00Z",
        resolved_at="2026-10-10T10:00:00Z",
    ),
]


@pytest.fixture(scope="module")
def midnight(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("midnight")
    landing = Landing(root / "landing")
    landing.csv("decisions/d.csv", MIDNIGHT_DECISIONS)
    landing.csv("appeals/a.csv", MIDNIGHT_APPEALS)
    return landing, root


def _days(warehouse) -> list[dict]:
    return query(
        warehouse,
        "select metric_date::varchar as day, decisions, overturned_penalties "
        "from market_daily_metrics order by metric_date",
    )


def test_offsets_that_cross_midnight_utc(midnight) -> None:
    landing, root = midnight
    warehouse = root / "utc.duckdb"
    run(landing, warehouse)
    assert _days(warehouse) == [
        {"day": "2026-10-05", "decisions": 1, "overturned_penalties": 0},  # x-4
        {"day": "2026-10-06", "decisions": 3, "overturned_penalties": 1},  # x-1, x-2, x-3
    ]
    assert query(
        warehouse, "select decision_id, metric_date::varchar as day from decisions order by 1"
    ) == [
        {"decision_id": "x-1", "day": "2026-10-06"},
        {"decision_id": "x-2", "day": "2026-10-06"},
        {"decision_id": "x-3", "day": "2026-10-06"},
        {"decision_id": "x-4", "day": "2026-10-05"},
    ]


def test_reporting_timezone_sao_paulo_moves_the_day_back(midnight) -> None:
    landing, root = midnight
    warehouse = root / "sao_paulo.duckdb"
    run(landing, warehouse, reporting_timezone="America/Sao_Paulo")
    assert _days(warehouse) == [
        {"day": "2026-10-05", "decisions": 3, "overturned_penalties": 1},  # x-1, x-2, x-4
        {"day": "2026-10-06", "decisions": 1, "overturned_penalties": 0},  # x-3
    ]


def test_changing_the_reporting_timezone_restates_every_day(midnight) -> None:
    landing, root = midnight
    warehouse = root / "switch.duckdb"
    run(landing, warehouse)
    run(landing, warehouse, reporting_timezone="America/Sao_Paulo")
    assert _days(warehouse) == [
        {"day": "2026-10-05", "decisions": 3, "overturned_penalties": 1},
        {"day": "2026-10-06", "decisions": 1, "overturned_penalties": 0},
    ]
    assert query(warehouse, "select reporting_timezone from warehouse_info") == [
        {"reporting_timezone": "America/Sao_Paulo"}
    ]


# --- a metric day per market: [markets.<market>] timezone ----------------------------------------

SAO_PAULO = {"BR": {"timezone": "America/Sao_Paulo"}}  # [markets.BR] timezone = "..."
MARKET_ZONE_DECISIONS = [
    decision("b-1", "2026-10-01T01:30:00Z", market="BR"),  # 2026-09-30 22:30 in São Paulo
    decision("e-1", "2026-10-01T01:30:00Z", market="EMEA"),  # EMEA has no zone: UTC, 10-01
    decision("e-2", "2026-10-05T12:00:00Z", market="EMEA"),  # a day BR's zone never touches
]


@pytest.fixture(scope="module")
def market_zones(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("market_zones")
    landing = Landing(root / "landing")
    landing.csv("decisions/d.csv", MARKET_ZONE_DECISIONS)
    return landing, root


def _market_days(warehouse) -> list[dict]:
    return query(
        warehouse,
        "select metric_date::varchar as day, market, decisions "
        "from market_daily_metrics order by metric_date, market",
    )


SAO_PAULO_DAYS = [
    {"day": "2026-09-30", "market": "BR", "decisions": 1},
    {"day": "2026-10-01", "market": "EMEA", "decisions": 1},
    {"day": "2026-10-05", "market": "EMEA", "decisions": 1},
]


def test_a_markets_zone_puts_01_30_utc_on_the_day_before_in_sao_paulo(market_zones) -> None:
    landing, root = market_zones
    warehouse = root / "sao_paulo_br.duckdb"
    run(landing, warehouse, markets=SAO_PAULO)
    assert query(
        warehouse, "select decision_id, metric_date::varchar as day from decisions order by 1"
    ) == [
        {"decision_id": "b-1", "day": "2026-09-30"},
        {"decision_id": "e-1", "day": "2026-10-01"},
        {"decision_id": "e-2", "day": "2026-10-05"},
    ]
    assert _market_days(warehouse) == SAO_PAULO_DAYS


def test_changing_a_markets_zone_restates_only_its_days(market_zones) -> None:
    landing, root = market_zones
    warehouse = root / "switch_br.duckdb"
    first = run(landing, warehouse)
    assert _market_days(warehouse) == [
        {"day": "2026-10-01", "market": "BR", "decisions": 1},
        {"day": "2026-10-01", "market": "EMEA", "decisions": 1},
        {"day": "2026-10-05", "market": "EMEA", "decisions": 1},
    ]
    second = run(landing, warehouse, markets=SAO_PAULO)  # no new file: only the zone changed
    assert _market_days(warehouse) == SAO_PAULO_DAYS
    # BR's old day (10-01) and new day (09-30) are recomputed; EMEA's 10-05 is left as it was
    assert query(
        warehouse,
        "select days_recomputed, first_day_recomputed::varchar as first, "
        "last_day_recomputed::varchar as last from pipeline_runs where run_id = ?",
        [second],
    ) == [{"days_recomputed": 2, "first": "2026-09-30", "last": "2026-10-01"}]
    assert (
        scalar(warehouse, "select run_id from daily_metrics where metric_date = '2026-10-05'")
        == first
    )
    assert query(warehouse, "select market, timezone from market_timezones order by market") == [
        {"market": "BR", "timezone": "America/Sao_Paulo"},
        {"market": "EMEA", "timezone": "UTC"},
        {"market": "LATAM", "timezone": "UTC"},
    ]


def test_a_warehouse_made_before_market_zones_keeps_its_days(market_zones) -> None:
    """Such a warehouse has no market_timezones rows: its days are in warehouse_info's
    reporting_timezone, so the same settings restate nothing, and the zones are recorded."""
    landing, root = market_zones
    warehouse = root / "before_zones.duckdb"
    run(landing, warehouse)
    con = duckdb.connect(str(warehouse.parent / ".modmetrics-work" / warehouse.name))
    # what the schema of this version makes of such a warehouse: the table, empty
    con.execute("delete from market_timezones")
    con.close()
    # the same settings but one that moves no number, so that the run is not "nothing new"
    second = run(landing, warehouse, memory_limit="900MB")
    assert (
        scalar(warehouse, "select days_recomputed from pipeline_runs where run_id = ?", [second])
        == 0
    )
    assert scalar(warehouse, "select list(timezone order by market) from market_timezones") == [
        "UTC", "UTC", "UTC"
    ]  # fmt: skip


# --- provisional ---------------------------------------------------------------------------------


def test_provisional_days_follow_as_of_and_the_appeal_window(landing, warehouse) -> None:
    landing.csv(
        "decisions/d.csv",
        [
            decision("p-2", "2026-10-02T12:00:00Z"),
            decision("p-3", "2026-10-03T12:00:00Z"),
            decision("p-4", "2026-10-04T12:00:00Z"),
        ],
    )
    # as of 2026-10-10 with a 7-day window: days after 2026-10-03 are provisional
    run(landing, warehouse, as_of=date(2026, 10, 10), appeal_window_days=7)
    assert query(
        warehouse,
        "select metric_date::varchar as day, provisional from market_daily_metrics order by 1",
    ) == [
        {"day": "2026-10-02", "provisional": False},
        {"day": "2026-10-03", "provisional": False},
        {"day": "2026-10-04", "provisional": True},
    ]
    # a later report date with the default 30-day window: days after 2026-10-02
    run(landing, warehouse, as_of=date(2026, 11, 1))
    assert query(
        warehouse,
        "select metric_date::varchar as day, provisional from market_daily_metrics order by 1",
    ) == [
        {"day": "2026-10-02", "provisional": False},
        {"day": "2026-10-03", "provisional": True},
        {"day": "2026-10-04", "provisional": True},
    ]
    assert query(warehouse, "select as_of_date, appeal_window_days from warehouse_info") == [
        {"as_of_date": date(2026, 11, 1), "appeal_window_days": 30}
    ]


# --- nowcast -------------------------------------------------------------------------------------


def test_a_restated_day_is_projected_again(landing, warehouse) -> None:
    """conftest.nowcast_history, as of 2026-10-31. 2026-10-26 (age 5) knows 2 of its 20
    penalties' overturns (lags 1, 3) and c(5) = 1/2: BF 2 + 1/2 * 20 * 4/20 = 4 -> 0.2; leakage 1
    known (lag 2), c(5) = 1/2: 1 + 1/2 * 20 * 2/20 = 2 -> 0.1. A late overturn of one more of its
    penalties restates the day: 3 + 2 = 5 -> 0.25. The observed rate counts the overturns known
    by as_of, as the projection does (those at lags 7 and 15 resolve after it): 2/20, then 3/20.
    A settled day shows its observed rate."""
    nowcast_history(landing)
    run(landing, warehouse, as_of=NOWCAST_AS_OF)
    columns = (
        "select overkill_rate, overkill_rate_projected, overkill_completeness, "
        "leakage_rate_projected, leakage_completeness from market_daily_metrics "
        "where market = 'BR' and metric_date = ?"
    )
    assert query(warehouse, columns, ["2026-10-26"]) == [
        {"overkill_rate": 0.1, "overkill_rate_projected": pytest.approx(0.2),
         "overkill_completeness": 0.5, "leakage_rate_projected": pytest.approx(0.1),
         "leakage_completeness": 0.5}
    ]  # fmt: skip
    assert query(warehouse, columns, ["2026-09-21"]) == [
        {"overkill_rate": 0.2, "overkill_rate_projected": 0.2, "overkill_completeness": 1.0,
         "leakage_rate_projected": 0.1, "leakage_completeness": 1.0}
    ]  # fmt: skip
    landing.csv(
        "appeals/late.csv",
        [appeal("a-late", "n-1026-p10", "overturned", "2026-10-26T11:00:00Z",
                "2026-10-29T12:00:00Z")],
    )  # fmt: skip
    run(landing, warehouse, as_of=NOWCAST_AS_OF)
    last_run = "select days_recomputed from pipeline_runs order by finished_at desc limit 1"
    assert scalar(warehouse, last_run) == 1
    assert query(warehouse, columns, ["2026-10-26"]) == [
        {"overkill_rate": 0.15, "overkill_rate_projected": pytest.approx(0.25),
         "overkill_completeness": 0.5, "leakage_rate_projected": pytest.approx(0.1),
         "leakage_completeness": 0.5}
    ]  # fmt: skip
