"""sql/review/cases.sql: decisions, appeals (latest states), audits (the counting audit of each
decision) -> the decisions a metric's numerator counts, with the appeal or audit behind each.

The tables hold only the columns the query reads. tests/test_review.py checks on a real
warehouse that the cases add up to the numerators of metric_breakdowns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from warehouse.runner import read_sql

from .helpers import given, select

DAY = date(2026, 10, 1)


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


def _tables(con) -> None:
    # (decision_id, action, policy, queue, day)
    decided = [
        ("p1", "penalize", "spam", "q1", 1),  # two overturned appeals: one case
        ("p2", "penalize", "spam", None, 1),  # upheld; audit non_violating, weight 4
        ("p3", "penalize", "hate", "q1", 2),  # overturned; audit violating
        ("n1", "no_action", "spam", "q1", 2),  # overturned; audit violating
        ("n2", "no_action", "spam", "q1", 2),  # pending appeal; audit non_violating
        ("p4", "penalize", "spam", "q1", 9),  # overturned, out of the days asked for
    ]
    given(
        con,
        "decisions",
        [
            {
                "decision_id": d,
                "object_id": f"o-{d}",
                "creator_id": f"c-{d}",
                "object_type": "live",
                "market": "BR",
                "policy": policy,
                "queue": queue,
                "source": "human",
                "moderator_id": "m1",
                "action": action,
                "decided_at": _at(day),
                "metric_date": date(2026, 10, day),
            }
            for d, action, policy, queue, day in decided
        ],
        queue="varchar",
    )
    given(
        con,
        "appeals",
        [
            {"appeal_id": a, "decision_id": d, "status": s, "appealed_at": _at(3),
             "resolved_at": resolved}
            for a, d, s, resolved in [
                ("a1", "p1", "overturned", _at(4)),
                ("a2", "p1", "overturned", _at(5)),  # the latest: the one shown
                ("a3", "p2", "upheld", _at(4)),
                ("a4", "p3", "overturned", _at(4)),
                ("a5", "n1", "overturned", _at(6)),
                ("a6", "n2", "pending", None),
                ("a7", "p4", "overturned", _at(12)),
            ]
        ],
        resolved_at="timestamptz",
    )  # fmt: skip
    given(
        con,
        "audits",
        [
            {"decision_id": d, "audit_id": q, "verdict": v, "auditor_id": "qa1",
             "audited_at": _at(7), "sample_weight": w}
            for d, q, v, w in [
                ("p2", "q2", "non_violating", 4.0),
                ("p3", "q3", "violating", 1.0),
                ("n1", "q4", "violating", 1.0),
                ("n2", "q5", "non_violating", 1.0),
            ]
        ],
    )  # fmt: skip


def _cases(con, metric: str, **filters) -> list[dict]:
    params = {"market": "BR", "metric": metric, "first_day": DAY, "last_day": date(2026, 10, 2)}
    params |= {k: filters.get(k) for k in ("policy", "queue", "source", "object_type")}
    return select(con, read_sql("review/cases.sql"), params)


def _ids(rows: list[dict], *columns: str) -> list[tuple]:
    return [tuple(r[c] for c in ("decision_id", *columns)) for r in rows]


def test_overkill_cases_are_penalties_with_an_overturned_appeal(con) -> None:
    _tables(con)
    rows = _cases(con, "overkill_rate")
    assert _ids(rows, "appeal_id", "appeal_status", "overturned_appeals", "audit_id") == [
        ("p1", "a2", "overturned", 2, None),
        ("p3", "a4", "overturned", 1, None),
    ]


def test_leakage_cases_are_no_actions_with_an_overturned_appeal(con) -> None:
    _tables(con)
    assert _ids(_cases(con, "leakage_rate"), "appeal_id") == [("n1", "a5")]


def test_audit_cases_are_the_decisions_qa_judged_wrong_with_their_weight(con) -> None:
    _tables(con)
    columns = ("audit_id", "audit_verdict", "sample_weight", "appeal_id")
    assert _ids(_cases(con, "audit_overkill_rate"), *columns) == [
        ("p2", "q2", "non_violating", 4.0, None)
    ]
    assert _ids(_cases(con, "audit_leakage_rate"), *columns) == [
        ("n1", "q4", "violating", 1.0, None)
    ]


def test_penalty_ratio_cases_are_the_penalties(con) -> None:
    _tables(con)
    assert _ids(_cases(con, "penalty_ratio"), "appeal_id", "audit_id") == [
        ("p1", None, None),
        ("p2", None, None),
        ("p3", None, None),
    ]


def test_a_missing_queue_is_the_queue_unspecified(con) -> None:
    _tables(con)
    assert _ids(_cases(con, "penalty_ratio", queue="unspecified"), "queue") == [
        ("p2", "unspecified")
    ]
    assert _ids(_cases(con, "penalty_ratio", policy="spam", queue="q1")) == [("p1",)]


def test_a_hostile_policy_is_a_value_to_compare(con) -> None:
    _tables(con)
    assert _cases(con, "penalty_ratio", policy="spam' or '1' = '1") == []
