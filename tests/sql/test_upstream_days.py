"""sql/checks/market_days.sql and sql/checks/day_rejections.sql date an arrival and a rejected
row in its market's own zone (sql/macros.sql market_day), the zone of that market's metric_date:
a São Paulo day is compared with a São Paulo day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from warehouse.runner import read_sql, set_map_variable, set_variables

from .helpers import assert_rows, given, select

# BR counts days in São Paulo (UTC-3), EMEA in UTC
ZONES = {"BR": "America/Sao_Paulo", "LATAM": "UTC", "EMEA": "UTC"}
OCT_1, OCT_2 = date(2026, 10, 1), date(2026, 10, 2)


def market_days(
    con, decided, expected, appeals, zones, column="decisions", arrival_decisions_from=None
) -> list[dict]:
    """market_days.sql on decisions `decided` [(market, decided_at)] of run r, one a market-day
    (daily_metrics made from them), d1 the first; appeals [{decision_id, appealed_at}]; the
    decisions of the arrivals looked for first from `arrival_decisions_from` when given."""
    rows = [
        {"decision_id": f"d{i}", "market": m, "decided_at": t, "run_id": "r",
         "metric_date": (t.astimezone(ZoneInfo(zones[m]))).date()}
        for i, (m, t) in enumerate(decided, 1)
    ]  # fmt: skip
    given(con, "decision_rows", [{k: r[k] for k in ("market", "decided_at", "run_id",
                                                    "metric_date")} for r in rows])  # fmt: skip
    given(con, "decisions", [{"decision_id": r["decision_id"], "market": r["market"],
                              "metric_date": r["metric_date"]} for r in rows])  # fmt: skip
    given(con, "daily_metrics", [{"metric_date": r["metric_date"], "market": r["market"],
                                  "decisions": 1, "source": "machine"} for r in rows])  # fmt: skip
    given(con, "appeals", appeals, decision_id="varchar", appealed_at="timestamptz")
    given(con, "audits", [], decision_id="varchar", audited_at="timestamptz")
    set_variables(con, run_id="r", every_day=False, trailing_days=1, expected_markets=expected)
    if arrival_decisions_from:
        set_variables(con, arrival_decisions_from=arrival_decisions_from)
    set_map_variable(con, "market_timezones", zones)
    days = read_sql("checks/market_days.sql")
    return select(con, f"select metric_date, market, {column} from ({days})")


def test_each_market_is_expected_on_its_own_days(con) -> None:
    """EMEA counts in Paris (UTC+2 in October): its decision at 2026-10-01 23:30 UTC is on its
    10-02. That moment is on 10-01 in São Paulo and in UTC: BR and LATAM are expected on 10-01
    only, not missing on 10-02."""
    zones = {"BR": "America/Sao_Paulo", "LATAM": "UTC", "EMEA": "Europe/Paris"}
    noon, late = datetime(2026, 10, 1, 12, tzinfo=UTC), datetime(2026, 10, 1, 23, 30, tzinfo=UTC)
    decided = [("BR", noon), ("LATAM", noon), ("EMEA", noon), ("EMEA", late)]
    assert_rows(
        market_days(con, decided, ["BR", "LATAM", "EMEA"], [], zones),
        [
            {"metric_date": OCT_1, "market": "BR", "decisions": 1},
            {"metric_date": OCT_1, "market": "EMEA", "decisions": 1},
            {"metric_date": OCT_1, "market": "LATAM", "decisions": 1},
            {"metric_date": OCT_2, "market": "EMEA", "decisions": 1},
        ],
    )


def test_a_market_without_decisions_is_missing_on_its_day(con) -> None:
    """Only EMEA delivered 2026-10-01 12:00 UTC: BR is expected on its 10-01 and has none."""
    decided = [("EMEA", datetime(2026, 10, 1, 12, tzinfo=UTC))]
    assert_rows(
        market_days(con, decided, ["BR", "EMEA"], [], ZONES),
        [
            {"metric_date": OCT_1, "market": "BR", "decisions": 0},
            {"metric_date": OCT_1, "market": "EMEA", "decisions": 1},
        ],
    )


@pytest.mark.parametrize("arrival_decisions_from", [None, OCT_2])
def test_an_appeal_filed_at_01_30_utc_arrives_on_brs_day_before(
    con, arrival_decisions_from
) -> None:
    """d1's appeal, filed 2026-10-02 01:30 UTC, is filed on 10-01 in São Paulo. So BR's 10-01
    has 1 appeal filed and 10-02 none: 10-02's appeals_vs_median is 0 / median(1) = 0 (dated in
    UTC it would be NULL: no appeal on the day before, nothing expected). The same when the
    decisions are looked for from 10-02 first: d1, of 10-01, is found among the older days."""
    noon = [datetime(2026, 10, 1, 12, tzinfo=UTC), datetime(2026, 10, 2, 12, tzinfo=UTC)]
    appeal = {"decision_id": "d1", "appealed_at": datetime(2026, 10, 2, 1, 30, tzinfo=UTC)}
    assert_rows(
        market_days(
            con,
            [("BR", t) for t in noon],
            ["BR"],
            [appeal],
            ZONES,
            "appeals_vs_median",
            arrival_decisions_from,
        ),
        [
            {"metric_date": OCT_1, "market": "BR", "appeals_vs_median": None},  # no history
            {"metric_date": OCT_2, "market": "BR", "appeals_vs_median": 0.0},
        ],
    )


def test_a_rejected_decision_counts_on_its_markets_day(con) -> None:
    """Two rejected rows decided at 2026-10-01 01:30 UTC: the BR one is on 09-30 (São Paulo), the
    one of an unknown market on 10-01 (the reporting zone, UTC). One accepted BR row on 09-30."""
    sept_30 = date(2026, 9, 30)
    given(con, "file_manifest", [{"file_id": 1, "kind": "decisions", "status": "ingested",
                                  "run_id": "r"}])  # fmt: skip
    given(con, "rejected_rows", [
        {"source_table": "decisions", "file_id": 1,
         "record": f'{{"market": "{market}", "decided_at": "2026-10-01T01:30:00Z"}}'}
        for market in (" br ", "Mars")
    ])  # fmt: skip
    given(con, "decision_rows", [{"metric_date": sept_30, "file_id": 1, "is_duplicate": False,
                                  "is_conflicting": False, "decision_id": "d1"}])  # fmt: skip
    set_variables(
        con,
        run_id="r",
        every_day=False,
        reporting_timezone="UTC",
        run_started_at=datetime(2026, 10, 31, tzinfo=UTC),
    )
    set_map_variable(con, "market_timezones", ZONES)
    con.execute(read_sql("checks/first_file_id.sql"))
    assert_rows(
        select(con, read_sql("checks/day_rejections.sql")),
        [
            {"metric_date": sept_30, "rows": 2, "rejected": 1, "rejected_share": 0.5},
            {"metric_date": OCT_1, "rows": 1, "rejected": 1, "rejected_share": 1.0},
        ],
    )


@pytest.mark.parametrize(("every_day", "first_day"), [(False, date(2026, 8, 23)), (True, None)])
def test_arrival_decisions_from(con, every_day, first_day) -> None:
    """Run r's decisions (file 2) begin on 10-01: the window's first day is 10-01 - 7 trailing
    days - a day for the zones, its arrivals' decisions from 30 days and a day earlier (08-23).
    Every day: from the first stored day, 2026-01-01 (file 1), the same way (11-23 of 2025)."""
    given(con, "decision_rows", [
        {"file_id": f, "run_id": r, "metric_date": d}
        for f, r, d in [(1, "r0", date(2026, 1, 1)), (2, "r", OCT_1), (2, "r", OCT_2)]
    ])  # fmt: skip
    set_variables(
        con,
        run_id="r",
        every_day=every_day,
        first_file_id=0 if every_day else 2,
        trailing_days=7,
        arrival_window_days=30,
    )
    con.execute(read_sql("checks/arrival_decisions_from.sql"))
    expected = first_day or date(2025, 11, 23)
    assert con.execute("select getvariable('arrival_decisions_from')").fetchone()[0] == expected
