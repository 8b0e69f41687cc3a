"""Which appeal state and which audit count (data dictionary 3.4 and 3.5): sql/batch/appeals.sql
(appeal_rows -> appeals) and sql/batch/audits.sql (audit_rows -> audits), on hand-made versions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from warehouse.runner import set_variables

from .helpers import assert_rows, given, select, view


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


def appeal_row(appeal_id, status, resolved_at=None, *, file_id, line_number=1,
               appealed_at=None, is_duplicate=False) -> dict:  # fmt: skip
    return {
        "appeal_id": appeal_id,
        "decision_id": "p1",
        "appealed_at": appealed_at or at(2),
        "status": status,
        "resolved_at": resolved_at,
        "is_duplicate": is_duplicate,
        "file_id": file_id,
        "line_number": line_number,
    }


def latest(con, kind: str, rows: list[dict], columns: str, **types: str) -> list[dict]:
    """sql/batch/<kind>s.sql over `rows` as the table <kind>_rows: `columns`, by the first one."""
    given(con, f"{kind}_rows", rows, **types)
    set_variables(con, run_id="r1")
    view(con, f"{kind}s", f"batch/{kind}s.sql")
    return select(con, f"select {columns} from {kind}s order by {columns.split(',')[0]}")


def appeals(con, rows) -> list[dict]:
    columns = "appeal_id, appealed_at, status, resolved_at, file_id, run_id"
    return latest(con, "appeal", rows, columns, resolved_at="timestamptz")


def test_a_resolved_version_wins_over_a_pending_one(con) -> None:
    """a1 pending, then overturned; a2 upheld, then a pending version delivered later."""
    rows = [
        appeal_row("a1", "pending", file_id=1),
        appeal_row("a1", "overturned", at(5), file_id=2),
        appeal_row("a2", "upheld", at(3), file_id=1, line_number=2),
        appeal_row("a2", "pending", file_id=2, line_number=2),
    ]
    assert_rows(
        appeals(con, rows),
        [
            {"appeal_id": "a1", "appealed_at": at(2), "status": "overturned",
             "resolved_at": at(5), "file_id": 2, "run_id": "r1"},
            {"appeal_id": "a2", "appealed_at": at(2), "status": "upheld",
             "resolved_at": at(3), "file_id": 1, "run_id": "r1"},
        ],
    )  # fmt: skip


def test_of_resolved_versions_the_latest_resolved_at_wins(con) -> None:
    """Upheld on 10-07 (file 1) beats overturned on 10-05 delivered later (file 2)."""
    rows = [
        appeal_row("a3", "upheld", at(7), file_id=1),
        appeal_row("a3", "overturned", at(5), file_id=2),
    ]
    assert_rows(
        appeals(con, rows),
        [{"appeal_id": "a3", "appealed_at": at(2), "status": "upheld", "resolved_at": at(7),
          "file_id": 1, "run_id": "r1"}],
    )  # fmt: skip


def test_an_unresolved_appeal_is_its_pending_version_seen_last(con) -> None:
    """a4: file 2 after file 1 (whatever the line); a5: line 2 after line 1 of the same file.
    The versions differ in appealed_at (hour 1, 2, ...), which tells which one won."""
    rows = [
        appeal_row("a4", "pending", file_id=1, line_number=9, appealed_at=at(2, 1)),
        appeal_row("a4", "pending", file_id=2, line_number=1, appealed_at=at(2, 2)),
        appeal_row("a5", "pending", file_id=3, line_number=1, appealed_at=at(2, 3)),
        appeal_row("a5", "pending", file_id=3, line_number=2, appealed_at=at(2, 4)),
    ]
    assert_rows(
        appeals(con, rows),
        [
            {"appeal_id": "a4", "appealed_at": at(2, 2), "status": "pending",
             "resolved_at": None, "file_id": 2, "run_id": "r1"},
            {"appeal_id": "a5", "appealed_at": at(2, 4), "status": "pending",
             "resolved_at": None, "file_id": 3, "run_id": "r1"},
        ],
    )  # fmt: skip


def test_an_identical_duplicate_is_not_a_newer_version(con) -> None:
    """The same pending row again in file 2 is a duplicate: the appeal stays file 1's."""
    rows = [
        appeal_row("a6", "pending", file_id=1),
        appeal_row("a6", "pending", file_id=2, is_duplicate=True),
    ]
    assert [r["file_id"] for r in appeals(con, rows)] == [1]


def audit_row(audit_id, decision_id, audited_at, verdict, sample_weight=1.0, *, file_id=1,
              line_number=1) -> dict:  # fmt: skip
    return {
        "audit_id": audit_id,
        "decision_id": decision_id,
        "audited_at": audited_at,
        "verdict": verdict,
        "auditor_id": None,
        "sample_weight": sample_weight,
        "is_duplicate": False,
        "file_id": file_id,
        "line_number": line_number,
    }


def audits(con, rows) -> list[dict]:
    return latest(con, "audit", rows, "decision_id, audit_id, verdict, sample_weight, file_id")


def test_the_latest_audit_of_a_decision_counts(con) -> None:
    """The data dictionary's p3: u3 (10-03, violating) is superseded by u3b (10-04)."""
    rows = [
        audit_row("u3b", "p3", at(4), "non_violating", 4.0),
        audit_row("u3", "p3", at(3), "violating", 4.0, line_number=2),
    ]
    assert_rows(
        audits(con, rows),
        [{"decision_id": "p3", "audit_id": "u3b", "verdict": "non_violating",
          "sample_weight": 4.0, "file_id": 1}],
    )  # fmt: skip


def test_audits_at_the_same_time_go_to_the_highest_audit_id(con) -> None:
    rows = [
        audit_row("ub", "p1", at(3), "non_violating"),
        audit_row("uc", "p1", at(3), "violating", line_number=2),
        audit_row("ua", "p1", at(3), "violating", line_number=3),
    ]
    assert [r["audit_id"] for r in audits(con, rows)] == ["uc"]


def test_a_redelivered_audit_counts_as_its_last_version(con) -> None:
    """u7 at the same audited_at in file 1 and, corrected, in file 2 (at line 1 and then line 2):
    file 2's line 2 is the audit."""
    rows = [
        audit_row("u7", "p1", at(3), "violating", 1.0, file_id=1, line_number=5),
        audit_row("u7", "p1", at(3), "violating", 3.0, file_id=2, line_number=1),
        audit_row("u7", "p1", at(3), "non_violating", 2.0, file_id=2, line_number=2),
    ]
    assert_rows(
        audits(con, rows),
        [{"decision_id": "p1", "audit_id": "u7", "verdict": "non_violating",
          "sample_weight": 2.0, "file_id": 2}],
    )  # fmt: skip
