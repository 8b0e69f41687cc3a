"""sql/metrics/day_decisions.sql: the decisions of the stale days -> the cohort the stale days'
counts read, one row per decision, with its segment and action (queue 'unspecified' when none
was delivered)."""

from __future__ import annotations

from datetime import date

from .helpers import assert_rows, given, select, view

STALE, KEPT = date(2026, 10, 1), date(2026, 10, 2)


def decision(decision_id: str, metric_date: date, queue: str | None) -> dict:
    return {
        "decision_id": decision_id,
        "object_id": "o-" + decision_id,
        "market": "BR",
        "policy": "spam",
        "action": "penalize",
        "source": "machine",
        "object_type": "live",
        "queue": queue,
        "metric_date": metric_date,
    }


def test_only_the_stale_days_decisions_each_with_its_segment_and_action(con) -> None:
    given(
        con,
        "decisions",
        [decision("d1", STALE, "q1"), decision("d2", KEPT, "q1"), decision("d3", STALE, None)],
    )
    given(con, "stale_metric_days", [{"metric_date": STALE}])
    view(con, "day_decisions", "metrics/day_decisions.sql")
    assert_rows(
        select(con, "select * from day_decisions order by decision_id"),
        [
            {
                "decision_id": decision_id,
                "metric_date": STALE,
                "market": "BR",
                "policy": "spam",
                "source": "machine",
                "object_type": "live",
                "queue": queue,
                "action": "penalize",
            }
            for decision_id, queue in (("d1", "q1"), ("d3", "unspecified"))
        ],
    )
