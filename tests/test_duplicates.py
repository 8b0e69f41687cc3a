"""Identical duplicates are kept once; conflicting duplicates are rejected everywhere."""

from __future__ import annotations

import duckdb
import pytest

from conftest import Landing, appeal, audit, decision, file_row, market_day, query, rows, run
from warehouse import resources

pytestmark = pytest.mark.usefixtures("isolated_settings")

# --- identical duplicates ------------------------------------------------------------------------

D1 = decision("d-1", "2026-10-01T10:00:00Z")
# the same decision written differently: codes in other cases and spaces, the same instant at -03:00
D1_REFORMATTED = decision(
    "d-1", "2026-10-01T07:00:00-03:00", market=" br ", action="Penalize", source="MACHINE"
)
D2 = decision("d-2", "2026-10-01T11:00:00Z")
D3 = decision("d-3", "2026-10-01T12:00:00Z")
D4 = decision("d-4", "2026-10-01T13:00:00Z")


@pytest.fixture(scope="module")
def identical(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("identical")
    landing = Landing(root / "landing")
    warehouse = root / "warehouse.duckdb"
    files = {
        # run 1: d-1 three times in one file, and again in another file
        "day1": landing.csv("decisions/day1.csv", [D1, D1, D1_REFORMATTED, D2]),
        "copy": landing.csv("decisions/other/day1_part.csv", [D1, D3]),
        "appeals_a": landing.csv("appeals/a.csv", [appeal("ap-1", "d-1")]),
        "appeals_b": landing.csv("appeals/b.csv", [appeal("ap-1", "d-1"), appeal("ap-2", "d-2")]),
    }
    run_1 = run(landing, warehouse)
    # run 2: a redelivery of d-1 and d-2 with one new decision
    files["redelivery"] = landing.csv("decisions/day1_redelivered.csv", [D1, D2, D4])
    run_2 = run(landing, warehouse)
    return warehouse, files, run_1, run_2


def test_identical_duplicates_are_kept_once(identical) -> None:
    warehouse, _, _, _ = identical
    assert query(warehouse, "select decision_id from decisions order by 1") == [
        {"decision_id": "d-1"},
        {"decision_id": "d-2"},
        {"decision_id": "d-3"},
        {"decision_id": "d-4"},
    ]
    assert query(warehouse, "select * from rejected_rows") == []
    day = market_day(warehouse, "2026-10-01", "BR")
    assert (day["decisions"], day["penalties"]) == (4, 4)


@pytest.mark.parametrize(
    ("name", "rows_read", "accepted", "duplicates"),
    [
        ("day1", 4, 2, 2),  # d-1 twice more in the same file (one reformatted)
        ("copy", 2, 1, 1),  # d-1 again in another file of the same run
        ("redelivery", 3, 1, 2),  # d-1 and d-2 again in a later run
        ("appeals_a", 1, 1, 0),
        ("appeals_b", 2, 1, 1),  # the same appeal row again
    ],
)
def test_identical_duplicates_are_counted_per_file(
    identical, name: str, rows_read: int, accepted: int, duplicates: int
) -> None:
    warehouse, files, _, _ = identical
    counts = file_row(warehouse, files[name])
    assert (
        counts["rows"],
        counts["accepted"],
        counts["rejected"],
        counts["identical_duplicates"],
    ) == (rows_read, accepted, 0, duplicates)


def test_identical_appeal_counted_once(identical) -> None:
    warehouse, _, _, _ = identical
    day = market_day(warehouse, "2026-10-01", "BR")
    assert (day["appealed_penalties"], day["pending_appeals"]) == (2, 2)  # ap-1 on d-1, ap-2 on d-2


def test_a_redelivery_only_restates_its_day(identical) -> None:
    warehouse, _, _, run_2 = identical
    assert query(
        warehouse, "select days_recomputed from pipeline_runs where run_id = ?", [run_2]
    ) == [{"days_recomputed": 1}]


# --- conflicting duplicates in one run -----------------------------------------------------------


@pytest.fixture(scope="module")
def conflict(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("conflict")
    landing = Landing(root / "landing")
    warehouse = root / "warehouse.duckdb"
    files = {
        "x": landing.csv(
            "decisions/x.csv",
            [
                decision("d-5", "2026-10-02T10:00:00Z", action="penalize"),
                decision("d-6", "2026-10-02T11:00:00Z", action="no_action"),
            ],
        ),
        # d-5 again with another action: a conflicting version
        "y": landing.csv(
            "decisions/y.csv",
            [
                decision("d-5", "2026-10-02T10:00:00Z", action="no_action"),
            ],
        ),
        # d-7: two copies of one version and a second version, in one file
        "z": landing.csv(
            "decisions/z.csv",
            [
                decision("d-7", "2026-10-02T12:00:00Z", creator_id="c-1"),
                decision("d-7", "2026-10-02T12:00:00Z", creator_id="c-1"),
                decision("d-7", "2026-10-02T12:00:00Z", creator_id="c-2"),
            ],
        ),
        "appeals": landing.csv(
            "appeals/a.csv",
            [
                appeal("ap-5", "d-5", "overturned", resolved_at="2026-10-04T10:00:00Z"),
            ],
        ),
    }
    run(landing, warehouse)
    return warehouse, files


def test_conflicting_versions_are_all_rejected(conflict) -> None:
    warehouse, files = conflict
    assert query(
        warehouse,
        "select source_file, line_number, reason, record->>'decision_id' as decision_id, "
        "record->>'action' as action, record->>'creator_id' as creator_id "
        "from rejected_rows order by source_file, line_number",
    ) == [
        {
            "source_file": str(files["x"].resolve()),
            "line_number": 1,
            "reason": "conflicting duplicate",
            "decision_id": "d-5",
            "action": "penalize",
            "creator_id": "c-1",
        },
        {
            "source_file": str(files["y"].resolve()),
            "line_number": 1,
            "reason": "conflicting duplicate",
            "decision_id": "d-5",
            "action": "no_action",
            "creator_id": "c-1",
        },
        {
            "source_file": str(files["z"].resolve()),
            "line_number": 1,
            "reason": "conflicting duplicate",
            "decision_id": "d-7",
            "action": "penalize",
            "creator_id": "c-1",
        },
        {
            "source_file": str(files["z"].resolve()),
            "line_number": 3,
            "reason": "conflicting duplicate",
            "decision_id": "d-7",
            "action": "penalize",
            "creator_id": "c-2",
        },
    ]


def test_conflicting_decision_counts_nowhere(conflict) -> None:
    warehouse, _ = conflict
    assert query(warehouse, "select decision_id from decisions") == [{"decision_id": "d-6"}]
    day = market_day(warehouse, "2026-10-02", "BR")
    assert (
        day["decisions"],
        day["penalties"],
        day["no_actions"],
        day["appealed_penalties"],
        day["overturned_penalties"],
        day["appealed_no_actions"],
        day["overturned_no_actions"],
    ) == (1, 0, 1, 0, 0, 0, 0)
    assert rows(warehouse, "select sum(decisions) from daily_metrics") == [(1,)]
    # its appeal waits, as an orphan, for the source to resolve the conflict
    assert query(warehouse, "select appeal_id from orphan_appeals") == [{"appeal_id": "ap-5"}]


def test_conflicting_rows_are_accounted_for(conflict) -> None:
    warehouse, files = conflict
    x, y, z = (file_row(warehouse, files[k]) for k in ("x", "y", "z"))
    assert (x["rows"], x["accepted"], x["rejected"], x["identical_duplicates"]) == (2, 1, 1, 0)
    assert (y["rows"], y["accepted"], y["rejected"], y["identical_duplicates"]) == (1, 0, 1, 0)
    # the repeat of d-7's first version is an identical duplicate; each version is rejected once
    assert (z["rows"], z["accepted"], z["rejected"], z["identical_duplicates"]) == (3, 0, 2, 1)


def test_every_row_of_a_conflicting_decision_is_flagged(conflict) -> None:
    """decision_rows.is_conflicting holds conflicting_decisions' verdict on each row, the identical
    repeat of a conflicting version included; the view decisions and the per-file counts read it."""
    warehouse, files = conflict
    assert rows(
        warehouse,
        "select decision_id, line_number, is_duplicate, is_conflicting from decision_rows "
        "order by decision_id, file_id, line_number",
    ) == [
        ("d-5", 1, False, True),
        ("d-5", 1, False, True),
        ("d-6", 2, False, False),
        ("d-7", 1, False, True),
        ("d-7", 2, True, True),
        ("d-7", 3, False, True),
    ]
    assert rows(warehouse, "select decision_id from conflicting_decisions order by 1") == [
        ("d-5",),
        ("d-7",),
    ]


# --- a conflicting version that arrives in a later run -------------------------------------------


@pytest.fixture(scope="module")
def late_conflict(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("late_conflict")
    landing = Landing(root / "landing")
    warehouse = root / "warehouse.duckdb"
    day3 = landing.csv(
        "decisions/day3.csv",
        [
            decision("d-8", "2026-10-03T10:00:00Z"),
            decision("d-9", "2026-10-03T11:00:00Z"),
        ],
    )
    landing.csv("decisions/day6.csv", [decision("d-11", "2026-10-06T10:00:00Z")])
    landing.csv(
        "appeals/day4.csv",
        [
            appeal(
                "ap-8",
                "d-8",
                "overturned",
                appealed_at="2026-10-04T10:00:00Z",
                resolved_at="2026-10-05T10:00:00Z",
            ),
        ],
    )
    run_1 = run(landing, warehouse)
    before = market_day(warehouse, "2026-10-03", "BR")
    # run 2: d-8 again, decided on another day: it now conflicts
    late = landing.csv(
        "decisions/late.csv",
        [
            decision("d-8", "2026-10-04T10:00:00Z"),
            decision("d-10", "2026-10-05T10:00:00Z"),
        ],
    )
    run_2 = run(landing, warehouse)
    return warehouse, {"day3": day3, "late": late}, before, run_1, run_2


def test_late_conflict_counted_before_it_arrives(late_conflict) -> None:
    _, _, before, _, _ = late_conflict
    assert (before["decisions"], before["penalties"], before["overturned_penalties"]) == (2, 2, 1)


def test_late_conflict_moves_the_earlier_version_to_rejected(late_conflict) -> None:
    warehouse, files, _, _, run_2 = late_conflict
    assert query(
        warehouse,
        "select source_file, reason, record->>'decision_id' as decision_id, run_id "
        "from rejected_rows order by source_file",
    ) == [
        {
            "source_file": str(files["day3"].resolve()),
            "reason": "conflicting duplicate",
            "decision_id": "d-8",
            "run_id": run_2,
        },
        {
            "source_file": str(files["late"].resolve()),
            "reason": "conflicting duplicate",
            "decision_id": "d-8",
            "run_id": run_2,
        },
    ]
    assert query(warehouse, "select decision_id from decisions order by 1") == [
        {"decision_id": "d-10"},
        {"decision_id": "d-11"},
        {"decision_id": "d-9"},
    ]
    day3 = file_row(warehouse, files["day3"])
    assert (day3["rows"], day3["accepted"], day3["rejected"]) == (2, 1, 1)


def test_a_warehouse_made_before_the_flag_gets_it_on_the_next_run(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warehouse whose decision_rows has no is_conflicting (an earlier version's) gets the
    column, and its conflicting decisions' rows flagged, once, with the numbers unchanged."""
    landing = Landing(tmp_path / "landing")
    warehouse = tmp_path / "warehouse.duckdb"
    landing.csv("decisions/a.csv", [decision("d-1"), decision("d-2")])
    landing.csv("decisions/b.csv", [decision("d-1", action="no_action")])
    run(landing, warehouse)
    before = rows(warehouse, "select * from market_daily_metrics order by all")
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    con = duckdb.connect(str(work))
    con.execute("alter table decision_rows drop column is_conflicting")  # as it was made before
    con.close()
    monkeypatch.setattr(resources, "_SCHEMA_APPLIED", set())  # a new process, a new version
    run(landing, warehouse, appeal_window_days=0)
    assert rows(
        warehouse, "select decision_id, is_conflicting from decision_rows order by file_id, 1"
    ) == [("d-1", True), ("d-2", False), ("d-1", True)]
    assert rows(warehouse, "select decision_id from decisions") == [("d-2",)]
    assert rows(warehouse, "select * from market_daily_metrics order by all") == before


def test_late_conflict_flags_the_stored_version(late_conflict) -> None:
    """The version stored by run 1 is flagged by run 2, which delivers the other one."""
    warehouse, _, _, run_1, _ = late_conflict
    assert rows(
        warehouse,
        "select decision_id, run_id = ? as stored_by_run_1, is_conflicting from decision_rows "
        "order by decision_id, file_id",
        [run_1],
    ) == [
        ("d-10", False, False),
        ("d-11", True, False),
        ("d-8", True, True),
        ("d-8", False, True),
        ("d-9", True, False),
    ]


def test_a_replaced_file_that_leaves_one_version_clears_the_flags(tmp_path) -> None:
    """The source corrects the file holding d-1's second version: the conflict is resolved, and
    d-1's remaining row counts again."""
    landing = Landing(tmp_path / "landing")
    warehouse = tmp_path / "warehouse.duckdb"
    landing.csv("decisions/a.csv", [decision("d-1", "2026-10-01T10:00:00Z")])
    landing.csv("decisions/b.csv", [decision("d-1", "2026-10-01T10:00:00Z", action="no_action")])
    run(landing, warehouse)
    flags = "select count(*) filter (where is_conflicting), count(*) from decision_rows"
    assert rows(warehouse, flags) == [(2, 2)]
    landing.csv("decisions/b.csv", [decision("d-2", "2026-10-01T11:00:00Z")])
    run(landing, warehouse)
    assert rows(warehouse, flags) == [(0, 2)]
    assert rows(warehouse, "select count(*) from conflicting_decisions") == [(0,)]
    assert rows(warehouse, "select decision_id from decisions order by 1") == [("d-1",), ("d-2",)]


# a row of each kind, number i: appeal and audit x-i are on decision d-i
ROW_OF = {
    "decisions": lambda i: decision(f"d-{i}"),
    "appeals": lambda i: appeal(f"x-{i}", f"d-{i}"),
    "audits": lambda i: audit(f"x-{i}", f"d-{i}"),
}
KEY_OF = {"decisions": "decision_id", "appeals": "appeal_id", "audits": "audit_id"}


def _counted(warehouse, path) -> tuple[int, int]:
    counts = file_row(warehouse, path)
    return counts["accepted"], counts["identical_duplicates"]


@pytest.mark.parametrize("kind", ["appeals", "audits"])
def test_a_replaced_file_hands_its_row_to_the_repeat_in_another_file(tmp_path, kind) -> None:
    """A file whose row another file repeats identically is replaced by one without it: the
    repeat, which this run's files do not deliver, is the row's only copy and counts again."""
    landing = Landing(tmp_path / "landing")
    warehouse = tmp_path / "warehouse.duckdb"
    row = ROW_OF[kind]
    landing.csv("decisions/d.csv", [decision(f"d-{i}") for i in (1, 2, 3)])
    landing.csv(f"{kind}/a.csv", [row(1)])
    repeat = landing.csv(f"{kind}/b.csv", [row(3), row(1)])
    run(landing, warehouse)
    assert _counted(warehouse, repeat) == (1, 1)
    landing.csv(f"{kind}/a.csv", [row(2)])
    run(landing, warehouse)
    assert _counted(warehouse, repeat) == (2, 0)
    assert rows(warehouse, f"select {KEY_OF[kind]} from {kind} order by 1") == [
        ("x-1",),
        ("x-2",),
        ("x-3",),
    ]


@pytest.mark.parametrize("kind", ["decisions", "appeals", "audits"])
def test_a_replaced_file_that_delivers_its_row_again_leaves_the_earlier_copy_counted(
    tmp_path, kind
) -> None:
    """A file whose row repeats one of another file is replaced by one that still holds it: the
    row is both withdrawn and delivered again, and the other file's copy, judged once, stays the
    one that counts."""
    landing = Landing(tmp_path / "landing")
    warehouse = tmp_path / "warehouse.duckdb"
    row = ROW_OF[kind]
    if kind != "decisions":
        landing.csv("decisions/d.csv", [decision(f"d-{i}") for i in (1, 2, 3)])
    first = landing.csv(f"{kind}/a.csv", [row(1)])
    landing.csv(f"{kind}/b.csv", [row(1), row(2)])
    run(landing, warehouse)
    landing.csv(f"{kind}/b.csv", [row(1), row(3)])
    run(landing, warehouse)
    assert _counted(warehouse, first) == (1, 0)
    prefix = "d" if kind == "decisions" else "x"
    assert rows(warehouse, f"select {KEY_OF[kind]} from {kind} order by 1") == [
        (f"{prefix}-1",),
        (f"{prefix}-3",),
    ]


def test_late_conflict_restates_the_days_of_both_versions(late_conflict) -> None:
    warehouse, _, _, run_1, run_2 = late_conflict
    day3 = market_day(warehouse, "2026-10-03", "BR")
    assert (
        day3["decisions"],
        day3["penalties"],
        day3["appealed_penalties"],
        day3["overturned_penalties"],
    ) == (1, 1, 0, 0)
    # the new version's day holds no decision at all
    assert (
        query(warehouse, "select * from market_daily_metrics where metric_date = '2026-10-04'")
        == []
    )
    assert query(
        warehouse,
        "select metric_date::varchar as day, run_id from daily_metrics order by metric_date",
    ) == [
        {"day": "2026-10-03", "run_id": run_2},
        {"day": "2026-10-05", "run_id": run_2},
        {"day": "2026-10-06", "run_id": run_1},
    ]
    assert query(
        warehouse,
        "select days_recomputed, first_day_recomputed::varchar as first, "
        "last_day_recomputed::varchar as last from pipeline_runs where run_id = ?",
        [run_2],
    ) == [{"days_recomputed": 3, "first": "2026-10-03", "last": "2026-10-05"}]


def test_appeal_of_a_decision_that_turns_out_conflicting_is_an_orphan(late_conflict) -> None:
    warehouse, _, _, _, _ = late_conflict
    assert query(warehouse, "select appeal_id from orphan_appeals") == [{"appeal_id": "ap-8"}]
