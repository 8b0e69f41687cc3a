"""sql/views/appeal_capture.sql: among the audited decisions QA judged wrong in the latest 28
settled days, the (weighted) share appealed and the share overturned on appeal.

As of 2026-10-31 with a 3-day appeal window the window is 10-01 .. 10-28 (10-28 = 10-31 − 3, the
latest settled day; 10-01 = 10-28 − 27).
"""

from __future__ import annotations

from datetime import date

from warehouse.runner import run_sql

from .helpers import Z2, assert_rows, given, select

WINDOW = {"appeal_window_days": "integer"}  # as in schema/warehouse_info.sql


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def decision(decision_id: str, metric_date: date, action: str, market: str = "BR") -> dict:
    return {"decision_id": decision_id, "market": market, "action": action,
            "metric_date": metric_date}  # fmt: skip


def audit(decision_id: str, verdict: str, weight: float = 1.0) -> dict:
    return {"decision_id": decision_id, "verdict": verdict, "sample_weight": weight}


def totals(metric_date: date, market: str, **counts) -> dict:
    """A daily_metrics row with the columns appeal_capture reads (0 unless given)."""
    columns = ("penalties", "overturned_penalties", "no_actions", "overturned_no_actions",
               "audited_penalty_weight", "non_violating_penalty_weight",
               "audited_no_action_weight", "violating_no_action_weight")  # fmt: skip
    return {"metric_date": metric_date, "market": market} | {
        c: float(counts.get(c, 0)) for c in columns
    }


def capture(con) -> list[dict]:
    given(con, "decisions", [
        decision("p1", d(10, 10), "penalize"),   # QA: wrong; appealed twice, overturned once
        decision("p2", d(10, 11), "penalize"),   # QA: wrong; appealed, upheld
        decision("p3", d(10, 12), "penalize"),   # QA: wrong, weight 2; never appealed
        decision("p4", d(10, 12), "penalize"),   # QA: right; overturned all the same
        decision("p5", d(10, 29), "penalize"),   # QA: wrong, overturned, but still provisional
        decision("p6", d(9, 30), "penalize"),    # QA: wrong, before the window
        decision("p7", d(10, 20), "penalize"),   # overturned, never audited
        decision("n1", d(10, 15), "no_action"),  # QA: wrong (violating); overturned
        decision("n2", d(10, 15), "no_action", "LATAM"),  # QA: right
    ])  # fmt: skip
    given(con, "audits", [
        audit("p1", "non_violating"), audit("p2", "non_violating"),
        audit("p3", "non_violating", 2.0), audit("p4", "violating"),
        audit("p5", "non_violating"), audit("p6", "non_violating"),
        audit("n1", "violating"), audit("n2", "non_violating"),
    ])  # fmt: skip
    given(con, "appeals", [
        {"decision_id": key, "status": status}
        for key, status in [("p1", "upheld"), ("p1", "overturned"), ("p2", "upheld"),
                            ("p4", "overturned"), ("p5", "overturned"), ("p6", "overturned"),
                            ("p7", "overturned"), ("n1", "overturned")]
    ])  # fmt: skip
    given(con, "daily_metrics", [
        totals(d(10, 10), "BR", penalties=100, overturned_penalties=2, audited_penalty_weight=10,
               non_violating_penalty_weight=1, no_actions=50, overturned_no_actions=1,
               audited_no_action_weight=5, violating_no_action_weight=1),
        totals(d(10, 29), "BR", penalties=100, overturned_penalties=50),  # not in the window
        totals(d(10, 15), "LATAM", no_actions=20, audited_no_action_weight=1),
    ])  # fmt: skip
    given(con, "warehouse_info", [{"as_of_date": d(10, 31), "appeal_window_days": 3}], **WINDOW)
    run_sql(con, "views/appeal_capture.sql")
    return select(con, "select * from appeal_capture")


def wilson(x: float, n: float) -> tuple[float, float]:
    p = x / n
    centre, half = p + Z2 / (2 * n), (Z2 * (p * (1 - p) / n + Z2 / (4 * n * n))) ** 0.5
    return (centre - half) / (1 + Z2 / n), (centre + half) / (1 + Z2 / n)


def test_capture_and_appeal_rates_among_the_errors_qa_found(con) -> None:
    """BR overkill: QA errors p1, p2, p3 (weights 1, 1, 2: Σw = 4, Kish n = 4² / 6 = 8/3); p4
    (QA: right), p5 (provisional), p6 (before the window) and p7 (not audited) do not count.
    Appealed: p1, p2 (Σw 2 -> 0.5); overturned: p1 (Σw 1 -> 0.25, its two appeals count once);
    never appealed p3 (Σw 2 -> 0.5), appealed and not overturned p2 (Σw 1 -> 0.25).
    BR leakage: n1, 1 of 1 appealed and overturned: Wilson of 1 on n = 1 is [1 / (1 + z²), 1].
    LATAM leakage: one audited no_action, QA judged it right: no error, the rates are NULL.
    Over the window BR overturned 2 of 100 penalties on appeal, QA found 1 of 10 (weights)."""
    kish = 4**2 / 6
    appeal_low, appeal_high = wilson(0.5 * kish, kish)
    capture_low, capture_high = wilson(0.25 * kish, kish)
    window = {"first_day": d(10, 1), "last_day": d(10, 28)}
    assert_rows(
        capture(con),
        [
            {"market": "BR", "metric": "leakage_rate", **window, "audited": 1, "qa_errors": 1,
             "qa_errors_appealed": 1, "qa_errors_overturned": 1, "qa_error_weight": 1.0,
             "qa_error_n": 1.0, "appealed_weight": 1.0, "overturned_weight": 1.0,
             "appeal_rate": 1.0, "appeal_rate_low": 1 / (1 + Z2), "appeal_rate_high": 1.0,
             "capture_rate": 1.0, "capture_rate_low": 1 / (1 + Z2), "capture_rate_high": 1.0,
             "not_appealed_rate": 0.0, "appealed_not_overturned_rate": 0.0,
             "appeal_based_rate": 1 / 50, "audit_based_rate": 1 / 5},
            {"market": "BR", "metric": "overkill_rate", **window, "audited": 4, "qa_errors": 3,
             "qa_errors_appealed": 2, "qa_errors_overturned": 1, "qa_error_weight": 4.0,
             "qa_error_n": kish, "appealed_weight": 2.0, "overturned_weight": 1.0,
             "appeal_rate": 0.5, "appeal_rate_low": appeal_low, "appeal_rate_high": appeal_high,
             "capture_rate": 0.25, "capture_rate_low": capture_low,
             "capture_rate_high": capture_high,
             "not_appealed_rate": 0.5, "appealed_not_overturned_rate": 0.25,
             "appeal_based_rate": 2 / 100, "audit_based_rate": 1 / 10},
            {"market": "LATAM", "metric": "leakage_rate", **window, "audited": 1,
             "qa_errors": 0, "qa_errors_appealed": 0, "qa_errors_overturned": 0,
             "qa_error_weight": 0.0, "qa_error_n": None, "appealed_weight": 0.0,
             "overturned_weight": 0.0, "appeal_rate": None, "appeal_rate_low": None,
             "appeal_rate_high": None, "capture_rate": None, "capture_rate_low": None,
             "capture_rate_high": None, "not_appealed_rate": None,
             "appealed_not_overturned_rate": None, "appeal_based_rate": 0.0,
             "audit_based_rate": 0.0},
        ],
    )  # fmt: skip


def test_days_given_replace_the_latest_28_settled_days(con) -> None:
    """appeal_capture_between(10-29, 10-29): only p5, the provisional day's QA error, overturned;
    the days of the rates beside it are that day's (BR overturned 50 of
    100 penalties, with no audit weight: NULL). A day left NULL is the default window's."""
    capture(con)
    rows = select(
        con,
        "select metric, first_day, last_day, audited, qa_errors, capture_rate, appeal_based_rate,"
        " audit_based_rate from appeal_capture_between(?, ?)",
        [d(10, 29), d(10, 29)],
    )
    assert_rows(
        rows,
        [{"metric": "overkill_rate", "first_day": d(10, 29), "last_day": d(10, 29),
          "audited": 1, "qa_errors": 1, "capture_rate": 1.0, "appeal_based_rate": 0.5,
          "audit_based_rate": None}],
    )  # fmt: skip
    # 09-15 .. 10-12 (10-12 - 27): p1, p2, p3, p4 and p6, BR penalties only
    assert select(
        con,
        "select market, metric, first_day, last_day, audited from appeal_capture_between(?, ?)",
        [None, d(10, 12)],
    ) == [{"market": "BR", "metric": "overkill_rate", "first_day": d(9, 15),
           "last_day": d(10, 12), "audited": 5}]  # fmt: skip
    # 10-12 .. 10-28 (the latest settled day): p3, p4, n1 and n2
    assert select(
        con,
        "select market, metric, first_day, last_day, audited from appeal_capture_between(?, ?)",
        [d(10, 12), None],
    ) == [
        {"market": m, "metric": k, "first_day": d(10, 12), "last_day": d(10, 28), "audited": n}
        for m, k, n in [("BR", "leakage_rate", 1), ("BR", "overkill_rate", 2),
                        ("LATAM", "leakage_rate", 1)]
    ]  # fmt: skip
