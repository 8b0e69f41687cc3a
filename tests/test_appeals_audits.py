"""Appeal versions and states, orphans, several audits of one decision, weighted audits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import (
    Landing,
    appeal,
    audit,
    decision,
    file_row,
    market_day,
    query,
    run,
    wilson,
)

pytestmark = pytest.mark.usefixtures("isolated_settings")

# --- appeal versions across files and runs -------------------------------------------------------


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory):
    """d-1's appeal arrives pending, is overturned in a later run, then an older ruling arrives."""
    root = tmp_path_factory.mktemp("versions")
    landing = Landing(root / "landing")
    warehouse = root / "warehouse.duckdb"
    landing.csv(
        "decisions/day1.csv",
        [
            decision("d-1", "2026-10-01T10:00:00Z"),
            decision("d-2", "2026-10-01T11:00:00Z"),
        ],
    )
    landing.csv(
        "appeals/2026-10-02.csv",
        [
            appeal("ap-1", "d-1", "pending", appealed_at="2026-10-02T10:00:00Z"),
            # three versions of ap-2 in one file: the resolved one with the latest resolved_at wins
            appeal(
                "ap-2",
                "d-2",
                "overturned",
                appealed_at="2026-10-02T11:00:00Z",
                resolved_at="2026-10-05T10:00:00Z",
            ),
            appeal(
                "ap-2",
                "d-2",
                "upheld",
                appealed_at="2026-10-02T11:00:00Z",
                resolved_at="2026-10-07T10:00:00Z",
            ),
            appeal("ap-2", "d-2", "pending", appealed_at="2026-10-02T11:00:00Z"),
        ],
    )
    landing.csv(
        "audits/2026-10-06.csv", [audit("au-b", "d-2", "violating", "2026-10-06T10:00:00Z")]
    )
    run(landing, warehouse)
    after_run_1 = {
        "appeals": query(warehouse, "select appeal_id, status from appeals order by 1"),
        "day": market_day(warehouse, "2026-10-01", "BR"),
    }

    landing.csv(
        "appeals/2026-10-09.csv",
        [
            appeal(
                "ap-1",
                "d-1",
                "overturned",
                appealed_at="2026-10-02T10:00:00Z",
                resolved_at="2026-10-09T10:00:00Z",
            ),
        ],
    )
    # an audit of d-2 done before au-b (10-05) arrives in a later run
    landing.csv(
        "audits/2026-10-09.csv", [audit("au-c", "d-2", "non_violating", "2026-10-05T10:00:00Z")]
    )
    run(landing, warehouse)
    after_run_2 = {
        "appeals": query(warehouse, "select appeal_id, status from appeals order by 1"),
        "day": market_day(warehouse, "2026-10-01", "BR"),
    }

    # a ruling resolved earlier (10-08) arrives last, with a re-delivery of the pending row
    late = landing.csv(
        "appeals/2026-10-12_backfill.csv",
        [
            appeal(
                "ap-1",
                "d-1",
                "upheld",
                appealed_at="2026-10-02T10:00:00Z",
                resolved_at="2026-10-08T10:00:00Z",
            ),
            appeal("ap-1", "d-1", "pending", appealed_at="2026-10-02T10:00:00Z"),
        ],
    )
    run(landing, warehouse)
    return warehouse, after_run_1, after_run_2, late


def test_pending_appeal_counts_as_appealed_and_pending(versions) -> None:
    _, after_run_1, _, _ = versions
    assert after_run_1["appeals"] == [
        {"appeal_id": "ap-1", "status": "pending"},
        {"appeal_id": "ap-2", "status": "upheld"},
    ]
    day = after_run_1["day"]
    assert (
        day["penalties"],
        day["appealed_penalties"],
        day["overturned_penalties"],
        day["pending_appeals"],
        day["overkill_rate"],
    ) == (2, 2, 0, 1, 0.0)


def test_resolved_version_in_a_later_run_sets_the_state(versions) -> None:
    _, _, after_run_2, _ = versions
    assert after_run_2["appeals"] == [
        {"appeal_id": "ap-1", "status": "overturned"},
        {"appeal_id": "ap-2", "status": "upheld"},
    ]
    day = after_run_2["day"]
    assert (
        day["penalties"],
        day["appealed_penalties"],
        day["overturned_penalties"],
        day["pending_appeals"],
        day["overkill_rate"],
    ) == (2, 2, 1, 0, 0.5)


def test_latest_resolved_at_wins_not_the_latest_file(versions) -> None:
    warehouse, _, _, late = versions
    assert query(
        warehouse,
        "select appeal_id, status, appealed_at, resolved_at from appeals order by 1",
    ) == [
        {
            "appeal_id": "ap-1",
            "status": "overturned",
            "appealed_at": datetime(2026, 10, 2, 10, 0, tzinfo=UTC),
            "resolved_at": datetime(2026, 10, 9, 10, 0, tzinfo=UTC),
        },
        {
            "appeal_id": "ap-2",
            "status": "upheld",
            "appealed_at": datetime(2026, 10, 2, 11, 0, tzinfo=UTC),
            "resolved_at": datetime(2026, 10, 7, 10, 0, tzinfo=UTC),
        },
    ]
    day = market_day(warehouse, "2026-10-01", "BR")
    assert (day["appealed_penalties"], day["overturned_penalties"], day["pending_appeals"]) == (
        2,
        1,
        0,
    )
    counts = file_row(warehouse, late)
    # the upheld row is a new version; the pending row repeats the one of the first run
    assert (
        counts["rows"],
        counts["accepted"],
        counts["rejected"],
        counts["identical_duplicates"],
    ) == (2, 1, 0, 1)


def test_an_earlier_audit_arriving_later_does_not_win(versions) -> None:
    warehouse, _, _, _ = versions
    assert query(warehouse, "select decision_id, audit_id, verdict from audits") == [
        {"decision_id": "d-2", "audit_id": "au-b", "verdict": "violating"}
    ]
    day = market_day(warehouse, "2026-10-01", "BR")
    assert (day["audited_penalties"], day["audit_overkill_rate"]) == (1, 0.0)


# --- several appeals on one decision, several audits of one decision, weights --------------------


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("cohort")
    landing = Landing(root / "landing")
    warehouse = root / "warehouse.duckdb"
    landing.csv(
        "decisions/decisions.csv",
        [
            # 2026-10-01 BR: several appeals on one decision
            decision("d-a1", "2026-10-01T10:00:00Z", action="penalize"),
            decision("d-a2", "2026-10-01T10:00:00Z", action="penalize"),
            decision("d-a3", "2026-10-01T10:00:00Z", action="penalize"),
            decision("d-a4", "2026-10-01T10:00:00Z", action="no_action"),
            decision("d-a5", "2026-10-01T10:00:00Z", action="no_action"),
            # 2026-10-02 BR: several audits of one decision
            decision("d-q1", "2026-10-02T10:00:00Z", action="penalize"),
            decision("d-q2", "2026-10-02T10:00:00Z", action="penalize"),
            decision("d-q3", "2026-10-02T10:00:00Z", action="penalize"),
            # 2026-10-03 EMEA: weighted audits
            decision("d-w1", "2026-10-03T10:00:00Z", market="EMEA", action="penalize"),
            decision("d-w2", "2026-10-03T10:00:00Z", market="EMEA", action="penalize"),
            decision("d-w3", "2026-10-03T10:00:00Z", market="EMEA", action="penalize"),
            decision("d-w4", "2026-10-03T10:00:00Z", market="EMEA", action="penalize"),
            decision("d-w5", "2026-10-03T10:00:00Z", market="EMEA", action="penalize"),
            decision("d-w6", "2026-10-03T10:00:00Z", market="EMEA", action="no_action"),
            decision("d-w7", "2026-10-03T10:00:00Z", market="EMEA", action="no_action"),
            decision("d-w8", "2026-10-03T10:00:00Z", market="EMEA", action="no_action"),
        ],
    )
    resolved = "2026-10-06T10:00:00Z"
    landing.csv(
        "appeals/appeals.csv",
        [
            appeal("ap-a1", "d-a1", "overturned", resolved_at=resolved),
            appeal("ap-a2", "d-a1", "overturned", resolved_at=resolved),
            appeal("ap-a3", "d-a2", "upheld", resolved_at=resolved),
            appeal("ap-a4", "d-a2", "overturned", resolved_at=resolved),
            appeal("ap-a5", "d-a3", "upheld", resolved_at=resolved),
            appeal("ap-a6", "d-a3", "pending"),
            appeal("ap-a7", "d-a4", "pending"),
            appeal("ap-a8", "d-a4", "pending"),
            appeal("ap-a9", "d-a5", "overturned", resolved_at=resolved),
            appeal("ap-a10", "d-a5", "upheld", resolved_at=resolved),
        ],
    )
    landing.csv(
        "audits/audits.csv",
        [
            # d-q1: the later audit (10-06) wins
            audit("au-1", "d-q1", "non_violating", audited_at="2026-10-05T10:00:00Z"),
            audit("au-2", "d-q1", "violating", audited_at="2026-10-06T10:00:00Z"),
            # d-q2: same audited_at: the highest audit_id (au-4) wins
            audit("au-4", "d-q2", "non_violating", audited_at="2026-10-06T12:00:00Z"),
            audit("au-3", "d-q2", "violating", audited_at="2026-10-06T12:00:00Z"),
            # d-q3: 10:00+02:00 is 08:00 UTC, earlier than au-6 at 09:00 UTC
            audit("au-5", "d-q3", "non_violating", audited_at="2026-10-07T10:00:00+02:00"),
            audit("au-6", "d-q3", "violating", audited_at="2026-10-07T09:00:00Z"),
            # 2026-10-03 EMEA, weights w: penalties 1 (default), 2, 3, 4; no_actions 0.5, 1.5, 2
            audit("au-w1", "d-w1", "non_violating", sample_weight=""),
            audit("au-w2", "d-w2", "violating", sample_weight="2"),
            audit("au-w3", "d-w3", "non_violating", sample_weight="3"),
            audit("au-w4", "d-w4", "violating", sample_weight="4.0"),
            audit("au-w6", "d-w6", "violating", sample_weight="0.5"),
            audit("au-w7", "d-w7", "non_violating", sample_weight="1.5"),
            audit("au-w8", "d-w8", "violating", sample_weight="2"),
        ],
    )
    run(landing, warehouse)
    return warehouse


def test_several_appeals_on_one_decision_count_it_once(cohort) -> None:
    day = market_day(cohort, "2026-10-01", "BR")
    assert {
        k: day[k]
        for k in (
            "penalties",
            "appealed_penalties",
            "overturned_penalties",
            "no_actions",
            "appealed_no_actions",
            "overturned_no_actions",
            "pending_appeals",
        )
    } == {
        "penalties": 3,
        "appealed_penalties": 3,  # d-a1, d-a2, d-a3 (ten appeals in all on this day)
        "overturned_penalties": 2,  # d-a1 (two overturned appeals), d-a2 (one of two)
        "no_actions": 2,
        "appealed_no_actions": 2,  # d-a4, d-a5
        "overturned_no_actions": 1,  # d-a5
        "pending_appeals": 3,  # appeals, not decisions: ap-a6, ap-a7, ap-a8
    }
    assert day["overkill_rate"] == pytest.approx(2 / 3)
    assert day["leakage_rate"] == pytest.approx(1 / 2)


def test_latest_audit_of_a_decision_counts(cohort) -> None:
    assert query(
        cohort,
        "select decision_id, audit_id, verdict from audits where decision_id like 'd-q%' "
        "order by 1",
    ) == [
        {"decision_id": "d-q1", "audit_id": "au-2", "verdict": "violating"},
        {"decision_id": "d-q2", "audit_id": "au-4", "verdict": "non_violating"},
        {"decision_id": "d-q3", "audit_id": "au-6", "verdict": "violating"},
    ]
    day = market_day(cohort, "2026-10-02", "BR")
    assert (day["audited_penalties"], day["audited_no_actions"]) == (3, 0)
    # weights 1: one of three audited penalties judged non_violating, Kish n = 3^2 / 3 = 3
    assert day["audit_overkill_rate"] == pytest.approx(1 / 3)
    low, high = wilson(1 / 3, 3)
    assert day["audit_overkill_rate_low"] == pytest.approx(low)
    assert day["audit_overkill_rate_high"] == pytest.approx(high)
    assert day["audit_leakage_rate"] is None


def test_weighted_audits_rates_and_kish_intervals(cohort) -> None:
    day = market_day(cohort, "2026-10-03", "EMEA")
    assert (day["penalties"], day["no_actions"]) == (5, 3)
    assert (day["audited_penalties"], day["audited_no_actions"]) == (4, 3)  # d-w5 not audited

    # penalties: weights 1, 2, 3, 4; non_violating 1 and 3
    # rate = (1 + 3) / (1 + 2 + 3 + 4) = 0.4; Kish n = 10^2 / (1 + 4 + 9 + 16) = 100 / 30
    assert day["audit_overkill_rate"] == pytest.approx(0.4)
    low, high = wilson(0.4, 100 / 30)
    assert day["audit_overkill_rate_low"] == pytest.approx(low)
    assert day["audit_overkill_rate_high"] == pytest.approx(high)
    assert (round(low, 4), round(high, 4)) == (0.0911, 0.816)

    # no_actions: weights 0.5, 1.5, 2; violating 0.5 and 2
    # rate = 2.5 / 4 = 0.625; Kish n = 4^2 / (0.25 + 2.25 + 4) = 16 / 6.5
    assert day["audit_leakage_rate"] == pytest.approx(0.625)
    low, high = wilson(0.625, 16 / 6.5)
    assert day["audit_leakage_rate_low"] == pytest.approx(low)
    assert day["audit_leakage_rate_high"] == pytest.approx(high)


def test_weighted_audits_are_stored_as_additive_sums(cohort) -> None:
    assert query(
        cohort,
        "select audited_penalty_weight, audited_penalty_weight_sq, non_violating_penalty_weight, "
        "audited_no_action_weight, audited_no_action_weight_sq, violating_no_action_weight "
        "from daily_metrics where metric_date = '2026-10-03' and market = 'EMEA'",
    ) == [
        {
            "audited_penalty_weight": 10.0,  # 1 + 2 + 3 + 4
            "audited_penalty_weight_sq": 30.0,  # 1 + 4 + 9 + 16
            "non_violating_penalty_weight": 4.0,  # 1 + 3
            "audited_no_action_weight": 4.0,  # 0.5 + 1.5 + 2
            "audited_no_action_weight_sq": 6.5,  # 0.25 + 2.25 + 4
            "violating_no_action_weight": 2.5,  # 0.5 + 2
        }
    ]


# --- orphans -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def orphans(tmp_path_factory: pytest.TempPathFactory):
    """Appeals and audits arrive before their decisions; the decisions come in the next run."""
    root = tmp_path_factory.mktemp("orphans")
    landing = Landing(root / "landing")
    warehouse = root / "warehouse.duckdb"
    landing.csv("decisions/day1.csv", [decision("d-1", "2026-10-01T10:00:00Z")])
    early = landing.csv(
        "appeals/early.csv",
        [
            appeal(
                "ap-o1",
                "d-o1",
                "overturned",
                appealed_at="2026-10-06T10:00:00Z",
                resolved_at="2026-10-08T10:00:00Z",
            ),
            # filed at 08:00 on 10-03, before d-o2 is decided (10:00 on 10-03)
            appeal("ap-o2", "d-o2", "pending", appealed_at="2026-10-03T08:00:00Z"),
        ],
    )
    landing.csv("audits/early.csv", [audit("au-o1", "d-o1", "non_violating")])
    run_1 = run(landing, warehouse)
    before = {
        "orphan_appeals": query(warehouse, "select appeal_id from orphan_appeals order by 1"),
        "orphan_audits": query(warehouse, "select audit_id from orphan_audits order by 1"),
        "appeals": query(warehouse, "select appeal_id from appeals order by 1"),
        "market_days": query(
            warehouse,
            "select metric_date::varchar as day, market, decisions, "
            "appealed_penalties, audited_penalties from market_daily_metrics",
        ),
        "early": file_row(warehouse, early),
    }
    landing.csv(
        "decisions/late.csv",
        [
            decision("d-o1", "2026-10-05T10:00:00Z", action="penalize"),
            decision("d-o2", "2026-10-03T10:00:00Z", action="no_action"),
        ],
    )
    run_2 = run(landing, warehouse)
    return warehouse, before, early, run_1, run_2


def test_orphans_are_kept_visible_and_not_counted(orphans) -> None:
    _, before, _, _, _ = orphans
    assert before["orphan_appeals"] == [{"appeal_id": "ap-o1"}, {"appeal_id": "ap-o2"}]
    assert before["orphan_audits"] == [{"audit_id": "au-o1"}]
    assert before["appeals"] == [{"appeal_id": "ap-o1"}, {"appeal_id": "ap-o2"}]
    assert before["market_days"] == [
        {
            "day": "2026-10-01",
            "market": "BR",
            "decisions": 1,
            "appealed_penalties": 0,
            "audited_penalties": 0,
        }
    ]
    counts = before["early"]
    assert (counts["rows"], counts["accepted"], counts["rejected"]) == (2, 2, 0)


def test_orphan_appeal_and_audit_count_when_their_decision_arrives(orphans) -> None:
    warehouse, _, _, _, _ = orphans
    assert query(warehouse, "select * from orphan_appeals") == []
    assert query(warehouse, "select * from orphan_audits") == []
    day = market_day(warehouse, "2026-10-05", "BR")
    assert {
        k: day[k]
        for k in (
            "decisions",
            "penalties",
            "appealed_penalties",
            "overturned_penalties",
            "overkill_rate",
            "audited_penalties",
            "audit_overkill_rate",
        )
    } == {
        "decisions": 1,
        "penalties": 1,
        "appealed_penalties": 1,
        "overturned_penalties": 1,
        "overkill_rate": 1.0,
        "audited_penalties": 1,
        "audit_overkill_rate": 1.0,
    }


def test_orphan_appeal_filed_before_its_decision_is_quarantined_on_arrival(orphans) -> None:
    warehouse, _, early, _, run_2 = orphans
    assert query(
        warehouse,
        "select source_table, source_file, line_number, reason, record->>'appeal_id' as appeal_id,"
        " run_id from rejected_rows",
    ) == [
        {
            "source_table": "appeals",
            "source_file": str(early.resolve()),
            "line_number": 2,
            "reason": "appealed_at before decided_at",
            "appeal_id": "ap-o2",
            "run_id": run_2,
        }
    ]
    assert query(warehouse, "select appeal_id from appeals order by 1") == [{"appeal_id": "ap-o1"}]
    day = market_day(warehouse, "2026-10-03", "BR")
    assert (
        day["decisions"],
        day["no_actions"],
        day["appealed_no_actions"],
        day["pending_appeals"],
    ) == (1, 1, 0, 0)
    counts = file_row(warehouse, early)
    # the row moved from accepted to rejected: the file still adds up
    assert (
        counts["rows"],
        counts["accepted"],
        counts["rejected"],
        counts["identical_duplicates"],
    ) == (2, 1, 1, 0)


# --- appeals and audits that arrive beyond their window ------------------------------------------


@pytest.fixture(scope="module")
def beyond_window(tmp_path_factory: pytest.TempPathFactory):
    """An appeal and an audit of a decision three months old arrive with recent ones: the merges
    look for decisions among the window's days first, then among the older days."""
    root = tmp_path_factory.mktemp("beyond_window")
    landing = Landing(root / "landing")
    warehouse = root / "warehouse.duckdb"
    landing.csv(
        "decisions/days.csv",
        [
            decision("d-old", "2026-07-01T10:00:00Z"),
            decision("d-new", "2026-10-01T10:00:00Z"),
            decision("d-after", "2026-10-03T12:00:00Z"),
        ],
    )
    run(landing, warehouse)
    landing.csv(
        "appeals/2026-10-05.csv",
        [
            appeal(
                "ap-old",
                "d-old",
                "overturned",
                appealed_at="2026-10-02T10:00:00Z",
                resolved_at="2026-10-04T10:00:00Z",
            ),
            appeal("ap-new", "d-new", "pending", appealed_at="2026-10-02T11:00:00Z"),
            # filed at 08:00 on 10-03, before d-after is decided (12:00 on 10-03)
            appeal("ap-early", "d-after", "pending", appealed_at="2026-10-03T08:00:00Z"),
        ],
    )
    landing.csv(
        "audits/2026-10-05.csv",
        [
            audit("au-old", "d-old", "non_violating", "2026-10-05T10:00:00Z"),
            audit("au-new", "d-new", "violating", "2026-10-05T10:00:00Z"),
        ],
    )
    run(landing, warehouse)
    return warehouse


def test_an_appeal_beyond_the_appeal_window_restates_its_decisions_day(beyond_window) -> None:
    day = market_day(beyond_window, "2026-07-01", "BR")
    assert (
        day["penalties"],
        day["appealed_penalties"],
        day["overturned_penalties"],
        day["overkill_rate"],
    ) == (1, 1, 1, 1.0)


def test_an_audit_beyond_the_audit_window_restates_its_decisions_day(beyond_window) -> None:
    day = market_day(beyond_window, "2026-07-01", "BR")
    assert (day["audited_penalties"], day["audit_overkill_rate"]) == (1, 1.0)


def test_an_appeal_filed_before_a_later_stored_decision_is_quarantined(beyond_window) -> None:
    assert query(
        beyond_window, "select reason, record->>'appeal_id' as appeal_id from rejected_rows"
    ) == [{"reason": "appealed_at before decided_at", "appeal_id": "ap-early"}]
    assert query(beyond_window, "select appeal_id from appeals order by 1") == [
        {"appeal_id": "ap-new"},
        {"appeal_id": "ap-old"},
    ]
