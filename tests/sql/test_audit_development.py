"""sql/metrics/audit_development.sql: the audits of the stale days by development age, the days
from the decision's metric_date to the date its counting audit arrived in the market's time zone
(sql/macros.sql market_day, the convention of metric_date)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from warehouse.runner import set_map_variable

from .helpers import assert_rows, given, select, view
from .test_daily_counts import DAY, decision
from .test_overturn_development import ZONES


def audit(decision_id: str, audited_at: datetime) -> dict:
    return {
        "decision_id": decision_id,
        "verdict": "violating",
        "sample_weight": 1.0,
        "audited_at": audited_at,
    }


def development(con, decisions, audits, days=(DAY,)) -> list[dict]:
    given(con, "decisions", decisions, queue="varchar")
    given(
        con,
        "appeals",
        [],
        appeal_id="varchar",
        decision_id="varchar",
        status="varchar",
        resolved_at="timestamptz",
    )
    given(con, "audits", audits)
    given(con, "stale_metric_days", [{"metric_date": d} for d in days], metric_date="date")
    set_map_variable(con, "market_timezones", ZONES)
    view(con, "day_decisions", "metrics/day_decisions.sql")
    view(con, "development", "metrics/audit_development.sql")
    return select(
        con,
        "select metric_date, market, action, development_age, audits from development "
        "order by market, action, development_age",
    )


def test_audits_count_at_the_age_they_arrived_in_each_markets_zone(con) -> None:
    """b1 and b2 (BR) audited 2026-10-03 01:00 UTC = 10-02 22:00 in São Paulo: age 1, twice;
    e1 (EMEA) audited at the same moment: age 2 in UTC; n1, a BR no_action, audited the same
    day: age 0. u1 has no audit; o1 is on a day that is not stale."""
    decisions = [decision(i) for i in ("b1", "b2", "u1")] + [
        decision("e1", market="EMEA"),
        decision("n1", "no_action"),
        decision("o1", metric_date=date(2026, 10, 2)),
    ]
    arrived = datetime(2026, 10, 3, 1, tzinfo=UTC)
    audits = [
        audit("b1", arrived),
        audit("b2", arrived),
        audit("e1", arrived),
        audit("n1", datetime(2026, 10, 1, 20, tzinfo=UTC)),
        audit("o1", arrived),
    ]
    assert_rows(
        development(con, decisions, audits),
        [
            {"metric_date": DAY, "market": "BR", "action": "no_action", "development_age": 0,
             "audits": 1},
            {"metric_date": DAY, "market": "BR", "action": "penalize", "development_age": 1,
             "audits": 2},
            {"metric_date": DAY, "market": "EMEA", "action": "penalize", "development_age": 2,
             "audits": 1},
        ],
    )  # fmt: skip
