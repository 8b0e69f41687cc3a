"""sql/views/qa_audits.sql, moderator_quality.sql, queue_quality.sql and auditor_agreement.sql:
audited decisions -> QA error rates per moderator and queue, and the agreement of auditors.

decisions, audits (the counting audit of each decision), audit_rows and daily_metrics hold only
the columns the macros read. Expected numbers are worked out by hand; Wilson bounds from the
formula.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from warehouse.runner import run_sql

from .helpers import Z2, assert_rows, given, select

DAY = date(2026, 10, 1)
V, N = "violating", "non_violating"
QA_FILES = (
    "views/qa_audits.sql",
    "views/moderator_quality.sql",
    "views/queue_quality.sql",
    "views/auditor_agreement.sql",
)


def wilson(p: float, n: float) -> tuple[float, float]:
    """The 95% Wilson score interval, written out (Wilson 1927)."""
    centre = p + Z2 / (2 * n)
    spread = math.sqrt(Z2) * math.sqrt(p * (1 - p) / n + Z2 / (4 * n * n))
    return (centre - spread) / (1 + Z2 / n), (centre + spread) / (1 + Z2 / n)


def _audited(con, rows: list[tuple]) -> None:
    """rows: (decision_id, moderator_id, queue, action, verdict, sample_weight, metric_date)."""
    given(
        con,
        "decisions",
        [
            {
                "market": "BR",
                "decision_id": d,
                "moderator_id": m,
                "queue": q,
                "action": a,
                "metric_date": day,
            }
            for d, m, q, a, _, _, day in rows
        ],
        moderator_id="varchar",
        queue="varchar",
    )
    given(
        con,
        "audits",
        [
            {"decision_id": d, "audit_id": f"q-{d}", "verdict": v, "sample_weight": float(w)}
            for d, _, _, _, v, w, _ in rows
        ],
    )
    # the days with decisions, as daily_metrics has them (qa_window's latest day)
    given(con, "daily_metrics", [{"metric_date": day} for day in sorted({r[6] for r in rows})])
    given(
        con,
        "audit_rows",
        [],
        decision_id="varchar",
        audit_id="varchar",
        auditor_id="varchar",
        verdict="varchar",
        audited_at="timestamptz",
        file_id="bigint",
        line_number="bigint",
        is_duplicate="boolean",
    )
    for name in QA_FILES:
        run_sql(con, name)


def _moderator(name: str, audits: int, errors: int) -> list[tuple]:
    verdicts = [N] * errors + [V] * (audits - errors)  # a penalty judged non_violating: wrong
    return [(f"{name}-{i}", name, "q1", "penalize", v, 1, DAY) for i, v in enumerate(verdicts)]


def test_a_moderator_with_few_audits_ranks_below_one_with_many_at_the_same_rate(con) -> None:
    # both are wrong on a third of their audits: 1 of 3, and 10 of 30
    _audited(con, _moderator("m-few", 3, 1) + _moderator("m-many", 30, 10))
    few, many = wilson(1 / 3, 3), wilson(1 / 3, 30)
    assert few[0] < many[0]  # 0.0615 < 0.1923: the many audits give the higher lower bound
    assert_rows(
        select(
            con,
            "select moderator_id, audited_decisions, qa_errors, qa_error_rate, qa_error_rate_low, "
            "qa_error_rate_high, qa_error_rank from moderator_quality order by qa_error_rank",
        ),
        [
            {
                "moderator_id": "m-many",
                "audited_decisions": 30,
                "qa_errors": 10,
                "qa_error_rate": 1 / 3,
                "qa_error_rate_low": many[0],
                "qa_error_rate_high": many[1],
                "qa_error_rank": 1,
            },
            {
                "moderator_id": "m-few",
                "audited_decisions": 3,
                "qa_errors": 1,
                "qa_error_rate": 1 / 3,
                "qa_error_rate_low": few[0],
                "qa_error_rate_high": few[1],
                "qa_error_rank": 2,
            },
        ],
    )


def test_qa_errors_are_weighted_and_the_interval_uses_the_kish_n(con) -> None:
    # m1: two penalties of weight 1 judged violating (right), one no_action of weight 4 judged
    # violating (wrong): error weight 4 of 6, Kish n = 6^2 / (1 + 1 + 16) = 2
    _audited(
        con,
        [
            ("a", "m1", "q1", "penalize", "violating", 1, DAY),
            ("b", "m1", "q1", "penalize", "violating", 1, DAY),
            ("c", "m1", "q1", "no_action", "violating", 4, DAY),
        ],
    )
    low, high = wilson(4 / 6, 2)
    assert_rows(
        select(
            con,
            "select audited_decisions, audited_weight, audit_n, qa_errors, qa_error_weight, "
            "qa_error_rate, qa_error_rate_low, qa_error_rate_high from moderator_quality",
        ),
        [
            {
                "audited_decisions": 3,
                "audited_weight": 6.0,
                "audit_n": 2.0,
                "qa_errors": 1,
                "qa_error_weight": 4.0,
                "qa_error_rate": 4 / 6,
                "qa_error_rate_low": low,
                "qa_error_rate_high": high,
            }
        ],
    )


def test_queues_group_every_decision_and_a_missing_queue_is_unspecified(con) -> None:
    # a machine decision (no moderator) counts for its queue, not in moderator_quality
    _audited(
        con,
        [
            ("a", "m1", "q1", "penalize", "non_violating", 1, DAY),
            ("b", None, "q1", "penalize", "violating", 4, DAY),
            ("c", None, None, "no_action", "non_violating", 1, DAY),
        ],
    )
    assert_rows(
        select(
            con,
            "select queue, audited_decisions, qa_error_weight, qa_error_rank from queue_quality "
            "order by queue",
        ),
        [
            {"queue": "q1", "audited_decisions": 2, "qa_error_weight": 1.0, "qa_error_rank": 1},
            {"queue": "unspecified", "audited_decisions": 1, "qa_error_weight": 0.0,
             "qa_error_rank": 2},
        ],
    )  # fmt: skip
    assert select(con, "select moderator_id from moderator_quality") == [{"moderator_id": "m1"}]


def test_the_default_window_is_the_latest_28_days_of_decisions(con) -> None:
    # decisions on 10-31 (the latest day), 10-04 (27 days before: in) and 10-03 (out)
    _audited(
        con,
        [
            ("a", "m1", "q1", "penalize", "violating", 1, date(2026, 10, 31)),
            ("b", "m1", "q1", "penalize", "violating", 1, date(2026, 10, 4)),
            ("c", "m1", "q1", "penalize", "violating", 1, date(2026, 10, 3)),
        ],
    )
    assert_rows(
        select(con, "select first_day, last_day, audited_decisions from moderator_quality"),
        [{"first_day": date(2026, 10, 4), "last_day": date(2026, 10, 31), "audited_decisions": 2}],
    )
    assert_rows(
        select(
            con,
            "select audited_decisions from moderator_quality_between(?, ?)",
            [date(2026, 10, 1), date(2026, 10, 3)],
        ),
        [{"audited_decisions": 1}],
    )


@pytest.mark.parametrize(
    ("from_day", "to_day", "window", "audited"),
    [
        # only the first day given: up to the latest day of decisions (10-31)
        (date(2026, 10, 3), None, (date(2026, 10, 3), date(2026, 10, 31)), 3),
        # only the last day given: the 28 days up to it (10-03 - 27 = 09-06)
        (None, date(2026, 10, 3), (date(2026, 9, 6), date(2026, 10, 3)), 1),
        # both given, as constants: the dashboards bind them so (sql/dashboards/windows.sql)
        (date(2026, 10, 4), date(2026, 10, 4), (date(2026, 10, 4), date(2026, 10, 4)), 1),
    ],
)
def test_a_day_left_null_takes_the_default_window_s_day(
    con, from_day, to_day, window, audited
) -> None:
    _audited(
        con,
        [
            ("a", "m1", "q1", "penalize", "violating", 1, date(2026, 10, 31)),
            ("b", "m1", "q1", "penalize", "violating", 1, date(2026, 10, 4)),
            ("c", "m1", "q1", "penalize", "violating", 1, date(2026, 10, 3)),
        ],
    )
    expected = [{"first_day": window[0], "last_day": window[1], "audited_decisions": audited}]
    for macro in ("moderator_quality_between", "queue_quality_between"):
        assert_rows(
            select(
                con,
                f"select first_day, last_day, audited_decisions from {macro}(?, ?)",
                [from_day, to_day],
            ),
            expected,
        )
    assert select(con, "select * from qa_window(?, ?)", [from_day, to_day]) == [
        {"first_day": window[0], "last_day": window[1]}
    ]


def _audit_rows(con, rows: list[tuple]) -> None:
    """rows: (decision_id, audit_id, auditor_id, verdict, audited_at day, is_duplicate)."""
    decision_ids = sorted({r[0] for r in rows})
    given(
        con,
        "decisions",
        [
            {"market": "BR", "decision_id": d, "moderator_id": None, "queue": None,
             "action": "penalize", "metric_date": DAY}
            for d in decision_ids
        ],
        moderator_id="varchar",
        queue="varchar",
    )  # fmt: skip
    given(
        con,
        "audits",
        [],
        decision_id="varchar",
        audit_id="varchar",
        verdict="varchar",
        sample_weight="double",
    )
    given(
        con,
        "audit_rows",
        [
            {
                "decision_id": d,
                "audit_id": q,
                "auditor_id": who,
                "verdict": v,
                "audited_at": datetime(2026, 10, day, 12),
                "file_id": 1,
                "line_number": line,
                "is_duplicate": dup,
            }
            for line, (d, q, who, v, day, dup) in enumerate(rows)
        ],
        auditor_id="varchar",
    )
    given(con, "daily_metrics", [{"metric_date": DAY}])  # the one day of the decisions
    for name in QA_FILES:
        run_sql(con, name)


def test_cohens_kappa_on_a_hand_made_table(con) -> None:
    # auditors A and B on ten decisions: both violating 4, both non_violating 3, A violating and
    # B not 2, B violating and A not 1. p_o = 7/10; A says violating 6/10, B 5/10;
    # p_e = 0.6 * 0.5 + 0.4 * 0.5 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    table = [(V, V)] * 4 + [(N, N)] * 3 + [(V, N)] * 2 + [(N, V)]
    rows = []
    for i, (a, b) in enumerate(table):
        rows += [(f"d{i}", f"qa{i}", "A", a, 5, False), (f"d{i}", f"qb{i}", "B", b, 6, False)]
    _audit_rows(con, rows)
    pair = {
        "decisions": 10,
        "compared_audits": 10,
        "agreements": 7,
        "agreement_rate": 0.7,
        "a_violating_share": 0.6,
        "b_violating_share": 0.5,
        "expected_agreement": 0.5,
        "cohens_kappa": 0.4,
    }
    assert_rows(
        select(
            con,
            "select * exclude (market, first_day, last_day) from auditor_agreement "
            "order by auditor_a nulls first",
        ),
        [
            # the market pools its pairs with one share of violating, 11 of 20 audits: p_e =
            # 0.55^2 + 0.45^2 = 0.505, kappa = (0.7 - 0.505) / (1 - 0.505) (Scott's pi)
            {
                "auditor_a": None,
                "auditor_b": None,
                **pair,
                "a_violating_share": 0.55,
                "b_violating_share": 0.55,
                "expected_agreement": 0.505,
                "cohens_kappa": (0.7 - 0.505) / (1 - 0.505),
            },
            {"auditor_a": "A", "auditor_b": "B", **pair},
        ],
    )


@pytest.mark.parametrize("third", ["z", "w"])
def test_the_market_kappa_does_not_depend_on_how_the_auditor_ids_sort(con, third: str) -> None:
    # d1: x violating, y not; d2: y not, the third auditor violating. Named z (after y) the
    # third is rater 2 of its pair, named w (before y) rater 1: by id order alone the raters'
    # shares would be 1/2 and 1/2 (p_e 0.5, kappa -1) or 1 and 0 (p_e 0, kappa 0). Pooled:
    # 2 of 4 audits violating, p_e = 0.5, p_o = 0, kappa = -1 whatever the names.
    rows = [("d1", "q1", "x", V, 5, False), ("d1", "q2", "y", N, 6, False),
            ("d2", "q3", "y", N, 5, False), ("d2", "q4", third, V, 6, False)]  # fmt: skip
    _audit_rows(con, rows)
    assert select(
        con,
        "select expected_agreement, cohens_kappa from auditor_agreement where auditor_a is null",
    ) == [{"expected_agreement": 0.5, "cohens_kappa": -1.0}]


def test_only_audits_by_two_auditors_are_compared(con) -> None:
    # d1: A twice (not a pair) and B; a repeated row of B's audit (identical duplicate) and an
    # audit without an auditor are not compared. d2: one audit only. Pairs: (A, B) twice on d1.
    _audit_rows(
        con,
        [
            ("d1", "q1", "A", V, 5, False),
            ("d1", "q2", "A", N, 6, False),
            ("d1", "q3", "B", V, 7, False),
            ("d1", "q3", "B", V, 7, True),
            ("d1", "q4", None, N, 7, False),
            ("d2", "q5", "A", V, 5, False),
        ],
    )
    # A violating 1 of 2, B 2 of 2: p_o = 1/2, p_e = 0.5 * 1 + 0.5 * 0 = 0.5, kappa 0
    assert_rows(
        select(
            con,
            "select auditor_a, auditor_b, decisions, compared_audits, agreements, cohens_kappa "
            "from auditor_agreement where auditor_a is not null",
        ),
        [
            {"auditor_a": "A", "auditor_b": "B", "decisions": 1, "compared_audits": 2,
             "agreements": 1, "cohens_kappa": 0.0},
        ],
    )  # fmt: skip


def test_kappa_is_null_when_both_auditors_give_one_verdict_only(con) -> None:
    _audit_rows(con, [("d1", "q1", "A", V, 5, False), ("d1", "q2", "B", V, 6, False)])
    assert_rows(
        select(
            con, "select agreement_rate, expected_agreement, cohens_kappa from auditor_agreement"
        ),
        [{"agreement_rate": 1.0, "expected_agreement": 1.0, "cohens_kappa": None}] * 2,
    )  # fmt: skip
