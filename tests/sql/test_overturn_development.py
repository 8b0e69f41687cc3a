"""sql/metrics/overturn_development.sql: the overturns of the stale days by development age, the
days from the decision's metric_date to its first overturn's resolved date in the market's time
zone (sql/macros.sql market_day, the convention of metric_date)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from warehouse.runner import set_map_variable

from .helpers import assert_rows, given, select, view
from .test_daily_counts import DAY, decision

# BR counts days in São Paulo (UTC-3, no daylight saving since 2019), EMEA in UTC
ZONES = {"BR": "America/Sao_Paulo", "LATAM": "UTC", "EMEA": "UTC"}


def appeal(decision_id: str, status: str, resolved_at: datetime | None) -> dict:
    return {"decision_id": decision_id, "status": status, "resolved_at": resolved_at}


def development(con, decisions, appeals, days=(DAY,)) -> list[dict]:
    given(con, "decisions", decisions, queue="varchar")
    given(con, "appeals", appeals, resolved_at="timestamptz")
    given(
        con,
        "audits",
        [],
        decision_id="varchar",
        verdict="varchar",
        sample_weight="double",
        audited_at="timestamptz",
    )
    given(con, "stale_metric_days", [{"metric_date": d} for d in days], metric_date="date")
    set_map_variable(con, "market_timezones", ZONES)
    view(con, "day_decisions", "metrics/day_decisions.sql")
    view(con, "development", "metrics/overturn_development.sql")
    return select(
        con,
        "select metric_date, market, action, development_age, overturns from development "
        "order by action, development_age",
    )


def test_overturns_count_at_the_age_their_first_overturn_became_known(con) -> None:
    """d1 overturned 2026-10-03 01:00 UTC = 10-02 22:00 in Sao Paulo: age 1, not 2. d2 has two
    overturned appeals: it counts once, at the first (age 4). d3: upheld, d4: pending, d5 a
    no_action overturned at age 0; d6 is on a day that is not stale."""
    decisions = [decision(i) for i in ("d1", "d2", "d3", "d4")] + [
        decision("d5", "no_action"),
        decision("d6", metric_date=date(2026, 10, 2)),
    ]
    appeals = [
        appeal("d1", "overturned", datetime(2026, 10, 3, 1, tzinfo=UTC)),
        appeal("d2", "overturned", datetime(2026, 10, 5, 12, tzinfo=UTC)),
        appeal("d2", "overturned", datetime(2026, 10, 9, 12, tzinfo=UTC)),
        appeal("d3", "upheld", datetime(2026, 10, 2, 12, tzinfo=UTC)),
        appeal("d4", "pending", None),
        appeal("d5", "overturned", datetime(2026, 10, 1, 20, tzinfo=UTC)),
        appeal("d6", "overturned", datetime(2026, 10, 3, 12, tzinfo=UTC)),
    ]
    base = {"metric_date": DAY, "market": "BR"}
    assert_rows(
        development(con, decisions, appeals),
        [
            base | {"action": "no_action", "development_age": 0, "overturns": 1},
            base | {"action": "penalize", "development_age": 1, "overturns": 1},
            base | {"action": "penalize", "development_age": 4, "overturns": 1},
        ],
    )


def test_development_age_is_counted_in_each_markets_zone(con) -> None:
    """b1 (BR) and e1 (EMEA), both of 2026-10-01, overturned at the same moment, 2026-10-03 01:00
    UTC: that is 10-02 22:00 in São Paulo (age 1) and 10-03 in UTC (age 2)."""
    decisions = [decision("b1"), decision("e1", market="EMEA")]
    known = datetime(2026, 10, 3, 1, tzinfo=UTC)
    appeals = [appeal("b1", "overturned", known), appeal("e1", "overturned", known)]
    assert_rows(
        development(con, decisions, appeals),
        [
            {"metric_date": DAY, "market": "BR", "action": "penalize", "development_age": 1,
             "overturns": 1},
            {"metric_date": DAY, "market": "EMEA", "action": "penalize", "development_age": 2,
             "overturns": 1},
        ],
    )  # fmt: skip
