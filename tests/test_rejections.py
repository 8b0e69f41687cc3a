"""Each rejection rule of the issue, and the normalisation of accepted rows.

One pipeline run for the whole module: every case is its own landing file holding one good row and
one bad row, so a case's file shows exactly what it tests.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import (
    APPEAL_COLUMNS,
    AUDIT_COLUMNS,
    DECISION_COLUMNS,
    Landing,
    appeal,
    audit,
    decision,
    file_row,
    query,
    reasons,
    rows,
    run,
)

pytestmark = pytest.mark.usefixtures("isolated_settings")

# The decision every appeal and audit case refers to: decided 2026-10-01 10:00 UTC.
BASE = decision("d-base", "2026-10-01T10:00:00Z")

DECISION_CASES = [
    pytest.param("decision_id missing", decision(""), id="decision_id-missing"),
    pytest.param("object_id missing", decision("d-bad", object_id=""), id="object_id-missing"),
    pytest.param(
        "object_type missing", decision("d-bad", object_type=""), id="object_type-missing"
    ),
    pytest.param("creator_id missing", decision("d-bad", creator_id=""), id="creator_id-missing"),
    pytest.param("creator_id missing", decision("d-bad", creator_id="   "), id="creator_id-blank"),
    pytest.param("market missing", decision("d-bad", market=""), id="market-missing"),
    pytest.param("market not allowed", decision("d-bad", market="US"), id="market-not-allowed"),
    pytest.param("action missing", decision("d-bad", action=""), id="action-missing"),
    pytest.param("action not allowed", decision("d-bad", action="ban"), id="action-not-allowed"),
    pytest.param("source missing", decision("d-bad", source=""), id="source-missing"),
    pytest.param("source not allowed", decision("d-bad", source="crowd"), id="source-not-allowed"),
    pytest.param(
        "policy missing on a penalize",
        decision("d-bad", action="penalize", policy=""),
        id="policy-missing-on-penalize",
    ),
    pytest.param("decided_at missing", decision("d-bad", decided_at=""), id="decided_at-missing"),
    pytest.param(
        "decided_at unparseable",
        decision("d-bad", decided_at="2026-13-45T10:00:00Z"),
        id="decided_at-month-13",
    ),
    pytest.param(
        "decided_at unparseable",
        decision("d-bad", decided_at="01/10/2026 10:00"),
        id="decided_at-not-iso",
    ),
    # "epoch" and "-infinity" are not ISO 8601 timestamps (DuckDB alone reads them as dates)
    pytest.param(
        "decided_at unparseable", decision("d-bad", decided_at="epoch"), id="decided_at-epoch"
    ),
    pytest.param(
        "decided_at unparseable",
        decision("d-bad", decided_at="-infinity"),
        id="decided_at-minus-infinity",
    ),
    pytest.param(
        "decided_at in the future",
        decision("d-bad", decided_at="2099-01-01T00:00:00Z"),
        id="decided_at-future",
    ),
]

APPEAL_CASES = [
    pytest.param("appeal_id missing", appeal("", "d-base"), id="appeal_id-missing"),
    pytest.param("decision_id missing", appeal("ap-bad", ""), id="decision_id-missing"),
    pytest.param("status missing", appeal("ap-bad", "d-base", status=""), id="status-missing"),
    pytest.param(
        "status not allowed", appeal("ap-bad", "d-base", status="reversed"), id="status-not-allowed"
    ),
    pytest.param(
        "appealed_at missing", appeal("ap-bad", "d-base", appealed_at=""), id="appealed_at-missing"
    ),
    pytest.param(
        "appealed_at unparseable",
        appeal("ap-bad", "d-base", appealed_at="2026-10-02T25:00:00Z"),
        id="appealed_at-unparseable",
    ),
    pytest.param(
        "appealed_at unparseable",
        appeal("ap-bad", "d-base", appealed_at="epoch"),
        id="appealed_at-epoch",
    ),
    pytest.param(
        "resolved_at unparseable",
        appeal("ap-bad", "d-base", status="upheld", resolved_at="soon"),
        id="resolved_at-unparseable",
    ),
    pytest.param(
        "resolved_at missing on a resolved appeal",
        appeal("ap-bad", "d-base", status="upheld", resolved_at=""),
        id="upheld-without-resolved_at",
    ),
    pytest.param(
        "resolved_at missing on a resolved appeal",
        appeal("ap-bad", "d-base", status="overturned", resolved_at=""),
        id="overturned-without-resolved_at",
    ),
    pytest.param(
        "resolved_at before appealed_at",
        appeal(
            "ap-bad",
            "d-base",
            status="overturned",
            appealed_at="2026-10-03T10:00:00Z",
            resolved_at="2026-10-02T10:00:00Z",
        ),
        id="resolved_at-before-appealed_at",
    ),
    pytest.param(
        "appealed_at before decided_at",
        appeal("ap-bad", "d-base", appealed_at="2026-10-01T09:59:59Z"),
        id="appealed_at-before-decided_at",
    ),
    # 06:59 at -03:00 is 09:59 UTC, one minute before the decision (10:00 UTC)
    pytest.param(
        "appealed_at before decided_at",
        appeal("ap-bad", "d-base", appealed_at="2026-10-01T06:59:00-03:00"),
        id="appealed_at-before-decided_at-with-offset",
    ),
]

AUDIT_CASES = [
    pytest.param("audit_id missing", audit("", "d-base"), id="audit_id-missing"),
    pytest.param("decision_id missing", audit("au-bad", ""), id="decision_id-missing"),
    pytest.param("verdict missing", audit("au-bad", "d-base", verdict=""), id="verdict-missing"),
    pytest.param(
        "verdict not allowed", audit("au-bad", "d-base", verdict="unsure"), id="verdict-not-allowed"
    ),
    pytest.param(
        "audited_at missing", audit("au-bad", "d-base", audited_at=""), id="audited_at-missing"
    ),
    pytest.param(
        "audited_at unparseable",
        audit("au-bad", "d-base", audited_at="2026-10-05T10:61:00Z"),
        id="audited_at-unparseable",
    ),
    pytest.param(
        "audited_at unparseable",
        audit("au-bad", "d-base", audited_at="infinity"),
        id="audited_at-infinity",
    ),
    pytest.param(
        "sample_weight not a number",
        audit("au-bad", "d-base", sample_weight="heavy"),
        id="sample_weight-not-a-number",
    ),
    pytest.param(
        "sample_weight not positive",
        audit("au-bad", "d-base", sample_weight="0"),
        id="sample_weight-zero",
    ),
    pytest.param(
        "sample_weight not positive",
        audit("au-bad", "d-base", sample_weight="-2.5"),
        id="sample_weight-negative",
    ),
    pytest.param(
        "sample_weight not positive",
        audit("au-bad", "d-base", sample_weight="inf"),
        id="sample_weight-infinite",
    ),
    pytest.param(
        "sample_weight not positive",
        audit("au-bad", "d-base", sample_weight="NaN"),
        id="sample_weight-nan",
    ),
]


def _case_file(kind: str, case_id: str) -> str:
    return f"{kind}/cases/{case_id}.csv"


def _good(kind: str, case_id: str) -> dict:
    if kind == "decisions":
        return decision(f"{case_id}-good")
    if kind == "appeals":
        return appeal(f"{case_id}-good", "d-base")
    return audit(f"{case_id}-good", "d-base")


CASES = {"decisions": DECISION_CASES, "appeals": APPEAL_CASES, "audits": AUDIT_CASES}
COLUMNS = {"decisions": DECISION_COLUMNS, "appeals": APPEAL_COLUMNS, "audits": AUDIT_COLUMNS}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Landing, Path]:
    """One run over: a base decision, one file per rejection case, and the normalisation files."""
    root = tmp_path_factory.mktemp("rejections")
    landing = Landing(root / "landing")
    landing.csv("decisions/base.csv", [BASE])
    for kind, cases in CASES.items():
        for case in cases:
            _reason, bad = case.values
            landing.csv(_case_file(kind, case.id), [_good(kind, case.id), bad], COLUMNS[kind])

    # Code values in any case and with spaces; a no_action without policy.
    landing.csv(
        "decisions/canonical.csv",
        [
            decision("d-canon-1", market=" br ", action="PENALIZE", source=" Machine "),
            decision("d-canon-2", market="latam", action=" No_Action ", source="HUMAN", policy=""),
            decision("d-canon-3", market="Emea", action="no_action", source="human", policy="hate"),
        ],
    )
    landing.csv(
        "appeals/canonical.csv",
        [
            appeal(
                "ap-canon", "d-canon-1", status=" OverTurned ", resolved_at="2026-10-04T10:00:00Z"
            ),
        ],
    )
    landing.csv(
        "audits/canonical.csv",
        [
            audit("au-canon", "d-canon-1", verdict=" NON_VIOLATING"),
        ],
    )
    # Empty fields (unquoted, quoted, only spaces) are NULL.
    landing.text(
        "decisions/empty_fields.csv",
        ",".join(DECISION_COLUMNS) + "\n"
        'd-empty,o-empty,live,c-1,BR,spam,penalize,"",machine,,   ,2026-10-01T10:00:00Z\n',
    )
    # Columns in another order, header in other cases, extra columns, optional columns absent.
    landing.text(
        "decisions/layout.csv",
        "Decided_At,MARKET,export_batch,Decision_ID,object_type,OBJECT_ID,Creator_Id,Policy,"
        "Action,Source,notes\n"
        "2026-10-01T11:00:00Z,EMEA,eb-1,d-layout,comment,o-layout,c-9,hate,penalize,human,x\n",
    )
    landing.text(
        "appeals/layout.csv",
        "Status,RESOLVED_AT,Decision_Id,appealed_at,Appeal_ID,channel\n"
        "upheld,2026-10-03T10:00:00Z,d-layout,2026-10-02T10:00:00Z,ap-layout,app\n",
    )
    landing.text(
        "audits/layout.csv",
        "Verdict,decision_id,AUDIT_ID,Audited_At,comment\n"
        "violating,d-layout,au-layout,2026-10-05T10:00:00Z,looks bad\n",
    )
    # Windows line ends, and a quoted field holding the delimiter
    landing.text(
        "decisions/crlf.csv",
        ",".join(DECISION_COLUMNS) + "\r\n"
        'd-crlf,o-crlf,live,c-1,BR,"spam, scams",penalize,warning,machine,,,'
        "2026-10-01T10:00:00Z\r\n",
    )
    warehouse = root / "warehouse.duckdb"
    run(landing, warehouse)
    return landing, warehouse


def _same_value(raw: str, stored) -> bool:
    if raw == "":
        return stored is None
    if raw == stored:
        return True
    try:
        return datetime.fromisoformat(raw) == datetime.fromisoformat(stored)
    except (TypeError, ValueError):
        return False


def _assert_one_rejected(loaded, kind: str, case_id: str, reason: str, bad: dict) -> dict:
    landing, warehouse = loaded
    path = landing.root / _case_file(kind, case_id)
    assert reasons(warehouse, path) == [reason]
    (rejected,) = query(
        warehouse,
        "select source_table, line_number, record from rejected_rows where source_file = ?",
        [str(path.resolve())],
    )
    assert rejected["source_table"] == kind
    assert rejected["line_number"] == 2  # the bad row is the second data row
    # the record holds the row's values: an empty field as null, a timestamp as the same instant
    record = json.loads(rejected["record"])
    assert sorted(record) == sorted(bad)
    for column, raw in bad.items():
        assert _same_value(raw, record[column]), (column, raw, record[column])
    counts = file_row(warehouse, path)
    assert (counts["status"], counts["rows"], counts["accepted"], counts["rejected"]) == (
        "ingested",
        2,
        1,
        1,
    )
    return counts


def _stored_ids(loaded, kind: str, case_id: str) -> list[str]:
    """The ids of the rows of one case file that the warehouse kept."""
    landing, warehouse = loaded
    table, id_column = {
        "decisions": ("decision_rows", "decision_id"),
        "appeals": ("appeal_rows", "appeal_id"),
        "audits": ("audit_rows", "audit_id"),
    }[kind]
    return [
        i
        for (i,) in rows(
            warehouse,
            f"select {id_column} from {table} join file_manifest using (file_id) "
            "where file_manifest.path = ?",
            [str((landing.root / _case_file(kind, case_id)).resolve())],
        )
    ]


@pytest.mark.parametrize(("reason", "bad"), DECISION_CASES)
def test_decision_rejected_with_reason(loaded, request, reason: str, bad: dict) -> None:
    case_id = request.node.callspec.id
    _assert_one_rejected(loaded, "decisions", case_id, reason, bad)
    assert _stored_ids(loaded, "decisions", case_id) == [f"{case_id}-good"]
    _, warehouse = loaded
    assert query(
        warehouse, "select decision_id from decisions where decision_id = ?", [f"{case_id}-good"]
    ) == [{"decision_id": f"{case_id}-good"}]


@pytest.mark.parametrize(("reason", "bad"), APPEAL_CASES)
def test_appeal_rejected_with_reason(loaded, request, reason: str, bad: dict) -> None:
    case_id = request.node.callspec.id
    _assert_one_rejected(loaded, "appeals", case_id, reason, bad)
    assert _stored_ids(loaded, "appeals", case_id) == [f"{case_id}-good"]
    _, warehouse = loaded
    assert query(
        warehouse,
        "select appeal_id, decision_id, status from appeals where appeal_id = ?",
        [f"{case_id}-good"],
    ) == [{"appeal_id": f"{case_id}-good", "decision_id": "d-base", "status": "pending"}]


@pytest.mark.parametrize(("reason", "bad"), AUDIT_CASES)
def test_audit_rejected_with_reason(loaded, request, reason: str, bad: dict) -> None:
    case_id = request.node.callspec.id
    _assert_one_rejected(loaded, "audits", case_id, reason, bad)
    assert _stored_ids(loaded, "audits", case_id) == [f"{case_id}-good"]


def test_no_action_without_policy_counts_under_unspecified(loaded) -> None:
    _, warehouse = loaded
    assert query(warehouse, "select policy from decisions where decision_id = 'd-canon-2'") == [
        {"policy": "unspecified"}
    ]
    # and it is counted under that policy
    assert query(
        warehouse,
        "select policy, decisions, no_actions from daily_metrics "
        "where market = 'LATAM' and metric_date = '2026-10-01'",
    ) == [{"policy": "unspecified", "decisions": 1, "no_actions": 1}]


def test_code_values_match_any_case_and_spaces_and_are_stored_canonical(loaded) -> None:
    _, warehouse = loaded
    assert query(
        warehouse,
        "select decision_id, market, action, source from decisions "
        "where decision_id like 'd-canon-%' order by decision_id",
    ) == [
        {"decision_id": "d-canon-1", "market": "BR", "action": "penalize", "source": "machine"},
        {"decision_id": "d-canon-2", "market": "LATAM", "action": "no_action", "source": "human"},
        {"decision_id": "d-canon-3", "market": "EMEA", "action": "no_action", "source": "human"},
    ]
    assert query(warehouse, "select status from appeals where appeal_id = 'ap-canon'") == [
        {"status": "overturned"}
    ]
    assert query(warehouse, "select verdict from audits where audit_id = 'au-canon'") == [
        {"verdict": "non_violating"}
    ]


def test_empty_field_is_null(loaded) -> None:
    landing, warehouse = loaded
    assert query(
        warehouse,
        "select penalty, moderator_id, queue from decisions where decision_id = 'd-empty'",
    ) == [{"penalty": None, "moderator_id": None, "queue": None}]
    assert reasons(warehouse, landing.root / "decisions/empty_fields.csv") == []


def test_columns_in_any_order_any_header_case_extra_columns_ignored(loaded) -> None:
    landing, warehouse = loaded
    assert query(
        warehouse,
        "select decision_id, object_id, object_type, creator_id, market, policy, action, "
        "penalty, source, moderator_id, queue, decided_at from decisions "
        "where decision_id = 'd-layout'",
    ) == [
        {
            "decision_id": "d-layout",
            "object_id": "o-layout",
            "object_type": "comment",
            "creator_id": "c-9",
            "market": "EMEA",
            "policy": "hate",
            "action": "penalize",
            "penalty": None,
            "source": "human",
            "moderator_id": None,
            "queue": None,
            "decided_at": datetime(2026, 10, 1, 11, 0, tzinfo=UTC),
        }
    ]
    assert query(
        warehouse,
        "select appeal_id, decision_id, appealed_at, status, resolved_at from appeals "
        "where appeal_id = 'ap-layout'",
    ) == [
        {
            "appeal_id": "ap-layout",
            "decision_id": "d-layout",
            "appealed_at": datetime(2026, 10, 2, 10, 0, tzinfo=UTC),
            "status": "upheld",
            "resolved_at": datetime(2026, 10, 3, 10, 0, tzinfo=UTC),
        }
    ]
    # auditor_id and sample_weight are optional columns: NULL and the default weight 1
    assert query(
        warehouse,
        "select audit_id, verdict, auditor_id, sample_weight from audits "
        "where decision_id = 'd-layout'",
    ) == [
        {"audit_id": "au-layout", "verdict": "violating", "auditor_id": None, "sample_weight": 1.0}
    ]
    assert query(
        warehouse, "select policy, decided_at from decisions where decision_id = 'd-crlf'"
    ) == [{"policy": "spam, scams", "decided_at": datetime(2026, 10, 1, 10, 0, tzinfo=UTC)}]
    for name in (
        "decisions/layout.csv",
        "appeals/layout.csv",
        "audits/layout.csv",
        "decisions/crlf.csv",
    ):
        counts = file_row(warehouse, landing.root / name)
        assert (counts["status"], counts["rows"], counts["accepted"], counts["rejected"]) == (
            "ingested",
            1,
            1,
            0,
        )


def test_good_rows_of_every_case_file_are_counted(loaded) -> None:
    """The base decision and every good case row count; no bad row does."""
    _, warehouse = loaded
    # BR penalties on 2026-10-01: the good row of each decision case, d-base, d-canon-1, d-empty,
    # d-crlf
    assert query(
        warehouse,
        "select decisions, penalties, appealed_penalties, overturned_penalties, "
        "pending_appeals, audited_penalties from market_daily_metrics "
        "where metric_date = '2026-10-01' and market = 'BR'",
    ) == [
        {
            "decisions": len(DECISION_CASES) + 4,
            "penalties": len(DECISION_CASES) + 4,
            "appealed_penalties": 2,  # d-base (its good appeals, all pending) and d-canon-1
            "overturned_penalties": 1,  # d-canon-1
            "pending_appeals": len(APPEAL_CASES),  # one good pending appeal per appeal case
            "audited_penalties": 2,  # d-base and d-canon-1, each counted once
        }
    ]
