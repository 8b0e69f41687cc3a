"""sql/checks/*_file_profiles.sql: one row a file of the run, counting the accepted rows that a
landing rule should have kept out, with up to five of their ids (given rows, expected rows)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warehouse.runner import read_sql, set_variables

from .helpers import assert_rows, given, select

NOW = datetime(2026, 10, 31, tzinfo=UTC)
T1, T2 = datetime(2026, 10, 1, 10, tzinfo=UTC), datetime(2026, 10, 2, 10, tzinfo=UTC)


def manifest(con, files: list[tuple[int, str, str, int]]) -> None:
    """file_manifest rows (file_id, kind, run_id, rows_read), each at /l/<kind>/<file_id>.csv."""
    given(
        con,
        "file_manifest",
        [
            {"file_id": f, "kind": k, "path": f"/l/{k}/{f}.csv", "status": "ingested",
             "run_id": r, "rows_read": n}
            for f, k, r, n in files
        ],
    )  # fmt: skip


def profiles(
    con, sql_file: str, columns: str, run_id: str = "r", bound: str | None = None
) -> list[dict]:
    set_variables(
        con, run_id=run_id, every_day=False, run_started_at=NOW, markets=["BR", "LATAM", "EMEA"]
    )
    if bound:  # the file that sets the variable bounding the stored rows read
        con.execute(read_sql(bound))
    return select(con, f"select {columns} from ({read_sql(sql_file)})")


def decision(decision_id, file_id, market="BR", action="penalize", source="machine", at=T1):
    return {"decision_id": decision_id, "object_id": "o", "object_type": "video",
            "creator_id": "c", "market": market, "policy": "spam", "action": action,
            "source": source, "decided_at": at, "file_id": file_id}  # fmt: skip


def test_a_decision_file_profile_counts_each_rule_break_with_its_ids(con) -> None:
    """File 1 (this run, 6 rows read): d-1 fine, d-2 market US, d-3 blank creator and action ban,
    d-4 twice, d-5 decided in 2099. File 2 is another run's: not profiled."""
    manifest(con, [(1, "decisions", "r", 6), (2, "decisions", "earlier", 1)])
    given(
        con,
        "decisions",
        [
            decision("d-1", 1, at=T2),
            decision("d-2", 1, market="US"),
            {**decision("d-3", 1, action="ban"), "creator_id": " "},
            decision("d-4", 1),
            decision("d-4", 1, source="robot"),
            decision("d-5", 1, at=datetime(2099, 1, 1, tzinfo=UTC)),
            decision("d-9", 2, market="XX"),
        ],
    )
    assert_rows(
        profiles(
            con,
            "checks/decision_file_profiles.sql",
            "path, rows_read, accepted, first_decided_at, last_decided_at, creator_id_missing, "
            "creator_id_missing_examples, market_missing, decision_id_repeated, "
            "decision_id_repeated_examples, market_not_allowed, market_not_allowed_examples, "
            "action_not_allowed, source_not_allowed, source_not_allowed_examples, "
            "decided_at_in_the_future, decided_at_in_the_future_examples",
        ),
        [
            {
                "path": "/l/decisions/1.csv", "rows_read": 6, "accepted": 6,
                "first_decided_at": T1, "last_decided_at": datetime(2099, 1, 1, tzinfo=UTC),
                "creator_id_missing": 1, "creator_id_missing_examples": "d-3",
                "market_missing": 0,
                "decision_id_repeated": 2, "decision_id_repeated_examples": "d-4",
                "market_not_allowed": 1, "market_not_allowed_examples": "d-2",
                "action_not_allowed": 1,
                "source_not_allowed": 1, "source_not_allowed_examples": "d-4",
                "decided_at_in_the_future": 1, "decided_at_in_the_future_examples": "d-5",
            }
        ],
    )  # fmt: skip


def test_a_missing_value_is_not_also_counted_not_allowed(con) -> None:
    """A blank market is market_missing only, with no example when its id is missing too."""
    manifest(con, [(1, "decisions", "r", 2)])
    given(con, "decisions", [{**decision("d-1", 1), "market": ""}, decision(" ", 1)])
    assert_rows(
        profiles(
            con,
            "checks/decision_file_profiles.sql",
            "market_missing, market_not_allowed, decision_id_missing, market_missing_examples",
        ),
        [
            {"market_missing": 1, "market_not_allowed": 0, "decision_id_missing": 1,
             "market_missing_examples": "d-1"}
        ],
    )  # fmt: skip


@pytest.mark.parametrize("bound", [None, "checks/earliest_checked_appeal.sql"])
def test_an_appeal_file_profile_judges_appeals_against_their_decision(con, bound) -> None:
    """a-1 fine; a-2 upheld without resolved_at; a-3 resolved before it was appealed; a-4
    appealed before d-4 was decided; a-5 an orphan appealed 'early' (not judged); a-6 status
    lost; a-7 twice. The same with the bound on the decisions read (only those taken after the
    earliest appeal, 'early')."""
    manifest(con, [(5, "appeals", "r", 9)])
    given(con, "decisions", [{"decision_id": d, "decided_at": T1} for d in ("d-1", "d-4")])
    early, late = datetime(2026, 9, 1, tzinfo=UTC), T2
    given(
        con,
        "appeals",
        [
            {"appeal_id": a, "decision_id": d, "status": s, "appealed_at": at,
             "resolved_at": r, "file_id": 5}
            for a, d, s, at, r in [
                ("a-1", "d-1", "overturned", late, late),
                ("a-2", "d-1", "upheld", late, None),
                ("a-3", "d-1", "upheld", late, T1),
                ("a-4", "d-4", "pending", early, None),
                ("a-5", "d-0", "pending", early, None),
                ("a-6", "d-1", "lost", late, None),
                ("a-7", "d-1", "pending", late, None),
                ("a-7", "d-1", "pending", late, None),
            ]
        ],
    )  # fmt: skip
    assert_rows(
        profiles(
            con,
            "checks/appeal_file_profiles.sql",
            bound=bound,
            columns="path, rows_read, accepted, appeal_id_repeated, appeal_id_repeated_examples, "
            "status_not_allowed, status_not_allowed_examples, resolved_at_missing_on_resolved, "
            "resolved_at_missing_on_resolved_examples, resolved_at_before_appealed_at, "
            "resolved_at_before_appealed_at_examples, appealed_at_before_decided_at, "
            "appealed_at_before_decided_at_examples",
        ),
        [
            {
                "path": "/l/appeals/5.csv", "rows_read": 9, "accepted": 8,
                "appeal_id_repeated": 2, "appeal_id_repeated_examples": "a-7",
                "status_not_allowed": 1, "status_not_allowed_examples": "a-6",
                "resolved_at_missing_on_resolved": 1,
                "resolved_at_missing_on_resolved_examples": "a-2",
                "resolved_at_before_appealed_at": 1,
                "resolved_at_before_appealed_at_examples": "a-3",
                "appealed_at_before_decided_at": 1,
                "appealed_at_before_decided_at_examples": "a-4",
            }
        ],
    )  # fmt: skip


def test_an_audit_file_profile_names_the_audits_of_a_decision_audited_twice(con) -> None:
    """q-1 fine; q-2 and q-3 both count for d-2; q-4 verdict maybe; q-5 weight 0, q-6 -1."""
    manifest(con, [(7, "audits", "r", 6)])
    given(
        con,
        "audits",
        [
            {"decision_id": d, "audit_id": q, "verdict": v, "sample_weight": w, "file_id": 7}
            for d, q, v, w in [
                ("d-1", "q-1", "violating", 1.0),
                ("d-2", "q-3", "violating", 1.0),
                ("d-2", "q-2", "non_violating", 1.0),
                ("d-4", "q-4", "maybe", 1.0),
                ("d-5", "q-5", "violating", 0.0),
                ("d-6", "q-6", "violating", -1.0),
            ]
        ],
    )  # fmt: skip
    assert_rows(
        profiles(
            con,
            "checks/audit_file_profiles.sql",
            "accepted, decision_id_repeated, decision_id_repeated_examples, verdict_not_allowed, "
            "verdict_not_allowed_examples, sample_weight_not_positive, "
            "sample_weight_not_positive_examples",
        ),
        [
            {"accepted": 6, "decision_id_repeated": 2,
             "decision_id_repeated_examples": "q-2, q-3", "verdict_not_allowed": 1,
             "verdict_not_allowed_examples": "q-4", "sample_weight_not_positive": 2,
             "sample_weight_not_positive_examples": "q-5, q-6"}
        ],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("run_id", "earliest"),
    [
        ("r", "2026-09-20 00:00:00+00"),  # the earliest of run r's appeal files' states
        ("r3", "infinity"),  # no appeal file: no decision is read
    ],
)
def test_earliest_checked_appeal(con, run_id, earliest) -> None:
    """File 5 (run r) holds states appealed on 09-20 and 10-02; file 6 (run r2) one of 09-01."""
    manifest(con, [(5, "appeals", "r", 2), (6, "appeals", "r2", 1), (7, "decisions", "r", 1)])
    given(
        con,
        "appeals",
        [
            {"appeal_id": a, "file_id": f, "appealed_at": at}
            for a, f, at in [
                ("a-1", 5, datetime(2026, 10, 2, tzinfo=UTC)),
                ("a-2", 5, datetime(2026, 9, 20, tzinfo=UTC)),
                ("a-3", 6, datetime(2026, 9, 1, tzinfo=UTC)),
            ]
        ],
    )  # fmt: skip
    set_variables(con, run_id=run_id, every_day=False)
    con.execute(read_sql("checks/earliest_checked_appeal.sql"))
    assert con.execute(
        "select getvariable('earliest_checked_appeal') = ?::timestamptz", [earliest]
    ).fetchone()[0]
