"""sql/metrics/daily_counts.sql: decisions, appeals and audits -> the additive counts of the stale
days, one row per (metric_date, market, policy, source, object_type, queue).

The input tables hold only the columns the query reads (decisions is a view of decision_rows in
the warehouse; appeals and audits are already the latest state, one appeal per appeal_id and one
audit per decision: test_latest_state.py).
"""

from __future__ import annotations

from datetime import date

from warehouse.runner import run_sql, set_map_variable

from .helpers import assert_rows, given, select, view

DAY = date(2026, 10, 1)
KEY = ["metric_date", "market", "policy", "source", "object_type", "queue"]
APPEALS = [
    "penalties",
    "appealed_penalties",
    "overturned_penalties",
    "no_actions",
    "appealed_no_actions",
    "overturned_no_actions",
    "pending_appeals",
]
AUDITS = [
    "audited_penalties",
    "audited_penalty_weight",
    "audited_penalty_weight_sq",
    "non_violating_penalty_weight",
    "audited_no_actions",
    "audited_no_action_weight",
    "audited_no_action_weight_sq",
    "violating_no_action_weight",
]


# the segment of a decision unless a test says otherwise
SEGMENT = {
    "market": "BR",
    "policy": "spam",
    "source": "machine",
    "object_type": "live",
    "queue": "q1",
}


def decision(
    decision_id: str, action: str = "penalize", metric_date: date = DAY, **segment
) -> dict:
    return {
        "decision_id": decision_id,
        "metric_date": metric_date,
        **{column: segment.get(column, default) for column, default in SEGMENT.items()},
        "action": action,
    }


def appeal(appeal_id: str, decision_id: str, status: str) -> dict:
    return {"appeal_id": appeal_id, "decision_id": decision_id, "status": status}


def audit(decision_id: str, verdict: str, sample_weight: float = 1.0) -> dict:
    return {"decision_id": decision_id, "verdict": verdict, "sample_weight": sample_weight}


def daily_counts(con, decisions, appeals=(), audits=(), days=(DAY,), columns=()) -> list[dict]:
    """The rows of daily_counts.sql, the key and `columns`, in key order."""
    given(con, "decisions", decisions, queue="varchar")
    given(
        con,
        "appeals",
        [a | {"resolved_at": None} for a in appeals],
        appeal_id="varchar",
        decision_id="varchar",
        status="varchar",
        resolved_at="timestamptz",
    )
    given(
        con,
        "audits",
        [a | {"audited_at": None} for a in audits],
        decision_id="varchar",
        verdict="varchar",
        sample_weight="double",
        audited_at="timestamptz",
    )
    given(con, "stale_metric_days", [{"metric_date": d} for d in days], metric_date="date")
    set_map_variable(con, "market_timezones", {"BR": "UTC", "LATAM": "UTC", "EMEA": "UTC"})
    view(con, "day_decisions", "metrics/day_decisions.sql")
    view(con, "daily_counts", "metrics/daily_counts.sql")
    return select(
        con, f"select {', '.join(KEY + list(columns))} from daily_counts order by {', '.join(KEY)}"
    )


def appeal_counts(**counts: int) -> dict:
    """The APPEALS counts of an expected row: those named, 0 for the others."""
    assert counts.keys() <= set(APPEALS), counts
    return {column: counts.get(column, 0) for column in APPEALS}


def audit_counts(**counts: float) -> dict:
    """The AUDITS counts of an expected row: those named, 0 (0.0 for a weight) for the others."""
    assert counts.keys() <= set(AUDITS), counts
    return {column: counts.get(column, 0.0 if "weight" in column else 0) for column in AUDITS}


def row(metric_date: date = DAY, **values) -> dict:
    """An expected row: the key (SEGMENT unless `values` says otherwise), then the counts."""
    segment = {column: values.pop(column, default) for column, default in SEGMENT.items()}
    return {"metric_date": metric_date, **segment, **values}


def test_decisions_are_counted_per_segment(con) -> None:
    """Each of the key's columns splits the day: 3 decisions in BR spam machine live q1 (2
    penalties, 1 no_action), then one decision for each other market, policy, source, object
    type and queue."""
    decisions = [
        decision("d1"),
        decision("d2"),
        decision("d3", "no_action"),
        decision("d4", market="EMEA"),
        decision("d5", policy="hate"),
        decision("d6", "no_action", source="human"),
        decision("d7", object_type="video"),
        decision("d8", queue="q2"),
    ]
    columns = ["decisions", "penalties", "no_actions"]
    assert_rows(
        daily_counts(con, decisions, columns=columns),
        [
            row(policy="hate", decisions=1, penalties=1, no_actions=0),  # d5
            row(source="human", decisions=1, penalties=0, no_actions=1),  # d6
            row(decisions=3, penalties=2, no_actions=1),  # d1, d2, d3
            row(queue="q2", decisions=1, penalties=1, no_actions=0),  # d8
            row(object_type="video", decisions=1, penalties=1, no_actions=0),  # d7
            row(market="EMEA", decisions=1, penalties=1, no_actions=0),  # d4
        ],
    )


def test_a_decision_without_queue_counts_in_queue_unspecified(con) -> None:
    decisions = [decision("d1", queue=None), decision("d2", queue=None), decision("d3")]
    assert_rows(
        daily_counts(con, decisions, columns=["decisions"]),
        [row(queue="q1", decisions=1), row(queue="unspecified", decisions=2)],
    )


def test_only_the_stale_days_are_counted(con) -> None:
    """Decisions on 10-01, 10-02 and 10-03; the days to recount are 10-01 and 10-03."""
    decisions = [
        decision("d1", metric_date=date(2026, 10, 1)),
        decision("d2", metric_date=date(2026, 10, 2)),
        decision("d3", metric_date=date(2026, 10, 3)),
        decision("d4", metric_date=date(2026, 10, 3)),
    ]
    assert_rows(
        daily_counts(
            con, decisions, days=[date(2026, 10, 1), date(2026, 10, 3)], columns=["decisions"]
        ),
        [row(date(2026, 10, 1), decisions=1), row(date(2026, 10, 3), decisions=2)],
    )


def test_a_decision_counts_once_whatever_its_number_of_appeals(con) -> None:
    """p1 has an overturned and an upheld appeal: 1 appealed, 1 overturned (not 2 appealed); p2 an
    upheld one; p3 none. appealed = 2 (p1, p2), overturned = 1 (p1)."""
    decisions = [decision("p1"), decision("p2"), decision("p3")]
    appeals = [appeal("a1", "p1", "overturned"), appeal("a2", "p1", "upheld"),
               appeal("a3", "p2", "upheld")]  # fmt: skip
    assert_rows(
        daily_counts(con, decisions, appeals, columns=APPEALS),
        [row(**appeal_counts(penalties=3, appealed_penalties=2, overturned_penalties=1))],
    )


def test_only_an_overturned_appeal_overturns(con) -> None:
    """upheld and pending appeals make a penalty appealed, not overturned: 3 appealed, 1
    overturned (p3), 1 pending appeal (p2's)."""
    decisions = [decision("p1"), decision("p2"), decision("p3")]
    appeals = [appeal("a1", "p1", "upheld"), appeal("a2", "p2", "pending"),
               appeal("a3", "p3", "overturned")]  # fmt: skip
    assert_rows(
        daily_counts(con, decisions, appeals, columns=APPEALS),
        [
            row(
                **appeal_counts(
                    penalties=3, appealed_penalties=3, overturned_penalties=1, pending_appeals=1
                )
            )
        ],
    )


def test_pending_appeals_count_appeals_not_decisions(con) -> None:
    """p1 has 2 pending appeals, n1 1: pending_appeals = 3, on penalties and no_actions alike,
    while p1 is 1 appealed penalty."""
    decisions = [decision("p1"), decision("n1", "no_action")]
    appeals = [appeal("a1", "p1", "pending"), appeal("a2", "p1", "pending"),
               appeal("a3", "n1", "pending")]  # fmt: skip
    assert_rows(
        daily_counts(con, decisions, appeals, columns=APPEALS),
        [
            row(
                **appeal_counts(
                    penalties=1,
                    appealed_penalties=1,
                    no_actions=1,
                    appealed_no_actions=1,
                    pending_appeals=3,
                )
            )
        ],
    )


def test_appeals_of_no_actions_count_for_leakage_not_overkill(con) -> None:
    """n1 overturned, n2 upheld (reporters' appeals), p1 not appealed."""
    decisions = [decision("n1", "no_action"), decision("n2", "no_action"), decision("p1")]
    appeals = [appeal("a1", "n1", "overturned"), appeal("a2", "n2", "upheld")]
    assert_rows(
        daily_counts(con, decisions, appeals, columns=APPEALS),
        [
            row(
                **appeal_counts(
                    penalties=1, no_actions=2, appealed_no_actions=2, overturned_no_actions=1
                )
            )
        ],
    )


def test_appeals_and_audits_count_on_their_decisions_day(con) -> None:
    """Cohort by decision day: p1 (10-01) was appealed and audited days later; both count on
    10-01, none on 10-05, the day of p2 (the tables do not say when: the query cannot date them
    otherwise)."""
    decisions = [decision("p1"), decision("p2", metric_date=date(2026, 10, 5))]
    appeals = [appeal("a1", "p1", "overturned")]
    audits = [audit("p1", "non_violating", 2.0)]
    assert_rows(
        daily_counts(
            con,
            decisions,
            appeals,
            audits,
            days=[DAY, date(2026, 10, 5)],
            columns=["decisions", "overturned_penalties", "non_violating_penalty_weight"],
        ),
        [
            row(DAY, decisions=1, overturned_penalties=1, non_violating_penalty_weight=2.0),
            row(
                date(2026, 10, 5),
                decisions=1,
                overturned_penalties=0,
                non_violating_penalty_weight=0.0,
            ),
        ],
    )


def test_appeals_and_audits_of_decisions_not_counted_are_left_out(con) -> None:
    """Orphans (zz is no decision) and the appeals and audits of a day not being recounted (d2,
    10-02) add nothing."""
    decisions = [decision("p1"), decision("d2", metric_date=date(2026, 10, 2))]
    appeals = [appeal("a1", "zz", "overturned"), appeal("a2", "zz", "pending"),
               appeal("a3", "d2", "pending")]  # fmt: skip
    audits = [audit("zz", "non_violating"), audit("d2", "non_violating")]
    assert_rows(
        daily_counts(con, decisions, appeals, audits, columns=APPEALS + AUDITS),
        [row(**appeal_counts(penalties=1), **audit_counts())],
    )


def test_audit_weights_are_summed_by_action_and_verdict(con) -> None:
    """Penalties weigh 1, 1, 4 (non_violating), 4 and p5 is not audited (the data dictionary's
    4.6); no_actions weigh 0.5 (violating) and 3, and n3 is not audited. A violating penalty and
    a non_violating no_action are no error."""
    decisions = [decision(f"p{i}") for i in range(1, 6)] + [
        decision(f"n{i}", "no_action") for i in range(1, 4)
    ]
    audits = [
        audit("p1", "violating", 1.0),
        audit("p2", "violating", 1.0),
        audit("p3", "non_violating", 4.0),
        audit("p4", "violating", 4.0),
        audit("n1", "violating", 0.5),
        audit("n2", "non_violating", 3.0),
    ]
    assert_rows(
        daily_counts(con, decisions, audits=audits, columns=AUDITS),
        [
            row(
                audited_penalties=4,
                audited_penalty_weight=10.0,  # 1 + 1 + 4 + 4
                audited_penalty_weight_sq=34.0,  # 1 + 1 + 16 + 16
                non_violating_penalty_weight=4.0,  # p3
                audited_no_actions=2,
                audited_no_action_weight=3.5,  # 0.5 + 3
                audited_no_action_weight_sq=9.25,  # 0.25 + 9
                violating_no_action_weight=0.5,  # n1
            )
        ],
    )


def test_a_segment_without_appeals_or_audits_counts_zeros_not_nulls(con) -> None:
    assert_rows(
        daily_counts(con, [decision("p1"), decision("n1", "no_action")], columns=APPEALS + AUDITS),
        [row(**appeal_counts(penalties=1, no_actions=1), **audit_counts())],
    )


def test_the_counts_are_the_columns_of_daily_metrics(con) -> None:
    """metrics/daily_metrics.sql inserts `select *, run_id from daily_counts` by position: the
    query's columns are those of the table, in its order."""
    daily_counts(con, [decision("p1")])
    run_sql(con, "schema/daily_metrics.sql")
    table = select(
        con,
        "select column_name from information_schema.columns "
        "where table_name = 'daily_metrics' and table_schema = current_schema() "
        "order by ordinal_position",
    )
    query = con.execute("select * from daily_counts").description
    assert [d[0] for d in query] + ["run_id"] == [c["column_name"] for c in table]
    assert len(table) == 23
