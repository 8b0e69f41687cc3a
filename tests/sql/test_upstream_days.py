"""sql/checks/market_days.sql and sql/checks/day_rejections.sql date an arrival and a rejected
row in its market's own zone (sql/macros.sql market_day), the zone of that market's metric_date:
a São Paulo day is compared with a São Paulo day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from warehouse.runner import read_sql, set_map_variable, set_variables

from .helpers import assert_rows, given, select

# BR counts days in São Paulo (UTC-3), EMEA in UTC
ZONES = {"BR": "America/Sao_Paulo", "LATAM": "UTC", "EMEA": "UTC"}
OCT_1, OCT_2 = date(2026, 10, 1), date(2026, 10, 2)


def test_an_appeal_filed_at_01_30_utc_arrives_on_brs_day_before(con) -> None:
    """d1's appeal, filed 2026-10-02 01:30 UTC, is filed on 10-01 in São Paulo. So BR's 10-01
    has 1 appeal filed and 10-02 none: 10-02's appeals_vs_median is 0 / median(1) = 0 (dated in
    UTC it would be NULL: no appeal on the day before, nothing expected)."""
    given(con, "decision_rows", [{"metric_date": d, "market": "BR", "run_id": "r"}
                                 for d in (OCT_1, OCT_2)])  # fmt: skip
    given(con, "daily_metrics", [{"metric_date": d, "market": "BR", "decisions": 1,
                                  "source": "machine"} for d in (OCT_1, OCT_2)])  # fmt: skip
    given(con, "decisions", [{"decision_id": "d1", "market": "BR"}])
    given(con, "appeals", [{"decision_id": "d1",
                            "appealed_at": datetime(2026, 10, 2, 1, 30, tzinfo=UTC)}])  # fmt: skip
    given(con, "audits", [], decision_id="varchar", audited_at="timestamptz")
    set_variables(con, run_id="r", every_day=False, trailing_days=1, expected_markets=["BR"])
    set_map_variable(con, "market_timezones", ZONES)
    days = read_sql("checks/market_days.sql")
    assert_rows(
        select(con, f"select metric_date, market, appeals_vs_median from ({days})"),
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
                                  "decision_id": "d1"}])  # fmt: skip
    given(con, "conflicting_decisions", [], decision_id="varchar")
    set_variables(
        con,
        run_id="r",
        every_day=False,
        reporting_timezone="UTC",
        run_started_at=datetime(2026, 10, 31, tzinfo=UTC),
    )
    set_map_variable(con, "market_timezones", ZONES)
    assert_rows(
        select(con, read_sql("checks/day_rejections.sql")),
        [
            {"metric_date": sept_30, "rows": 2, "rejected": 1, "rejected_share": 0.5},
            {"metric_date": OCT_1, "rows": 1, "rejected": 1, "rejected_share": 1.0},
        ],
    )
