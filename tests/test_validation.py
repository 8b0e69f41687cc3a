"""Great Expectations suites: for every expectation, a batch where it fails and one where it
passes, through the real GX run; GX failing is an error; the checks in a real Dagster run."""

import io
from contextlib import redirect_stderr
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from checks import input_checks, suites
from checks.explain import first_lines
from checks.gx_runner import ERROR, FAILED, PASSED, validate
from checks.input_checks import ValidationError, result_of
from conftest import appeal, audit, decision, rows, run, scalar, settings
from pipelines import resources as wiring
from pipelines.cli import run_pipeline
from pipelines.settings import ValidationSettings

NOW = datetime(2026, 10, 31, tzinfo=UTC)


# --- the accepted inputs: Great Expectations on per-file profiles ------------------------------
# Each test writes rows straight into a real warehouse file, as an ingestion bug would leave
# them (the landing rules never let such rows in), and runs the check's own SQL and suite.

GOOD_DECISIONS = [
    {
        "decision_id": "d-1", "object_id": "o-1", "object_type": "video", "creator_id": "c-1",
        "market": "BR", "policy": "spam", "action": "penalize", "source": "machine",
        "decided_at": datetime(2026, 10, 1, 10, tzinfo=UTC),
    },
    {
        "decision_id": "d-2", "object_id": "o-2", "object_type": "live", "creator_id": "c-2",
        "market": "EMEA", "policy": "unspecified", "action": "no_action", "source": "human",
        "decided_at": datetime(2026, 10, 2, 10, tzinfo=UTC),
    },
]  # fmt: skip

# profile count -> the second decision's values that break that rule, and it alone
DECISION_BREAKS = {
    "decision_id_missing": {"decision_id": " "},
    "object_id_missing": {"object_id": ""},
    "object_type_missing": {"object_type": " "},
    "creator_id_missing": {"creator_id": ""},
    "market_missing": {"market": " "},
    "policy_missing": {"policy": ""},
    "action_missing": {"action": " "},
    "source_missing": {"source": ""},
    "decision_id_repeated": {"decision_id": "d-1"},
    "market_not_allowed": {"market": "XX"},
    "action_not_allowed": {"action": "ban"},
    "source_not_allowed": {"source": "robot"},
    "decided_at_in_the_future": {"decided_at": datetime(2099, 1, 1, tzinfo=UTC)},
}


def _warehouse_file(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A fresh warehouse file with the schema, as the checks find it."""
    from warehouse.runner import apply_schema

    con = duckdb.connect(str(tmp_path / "checked.duckdb"))
    con.execute("set TimeZone = 'UTC'")
    apply_schema(con)
    return con


def _ingested(con, file_id: int, kind: str, rows_read: int) -> str:
    """A file of `kind` in the manifest, ingested; returns its path."""
    path = f"/landing/{kind}/f{file_id}.csv"
    con.execute(
        "insert into file_manifest values (?, ?, ?, 0, 'sha', 'ingested', null, ?, 'r', ?, null)",
        [file_id, kind, path, rows_read, NOW],
    )
    return path


def _decisions(con, rows: list[dict], file_id: int = 1) -> None:
    con.executemany(
        "insert into decision_rows by name select ?::varchar as decision_id, "
        "?::varchar as object_id, ?::varchar as object_type, ?::varchar as creator_id, "
        "?::varchar as market, ?::varchar as policy, ?::varchar as action, "
        "?::varchar as source, ?::timestamptz as decided_at, ?::date as metric_date, "
        "1 as row_hash, false as is_duplicate, ?::bigint as file_id, 'r' as run_id",
        [[*r.values(), r["decided_at"].date(), file_id] for r in rows],
    )


def _statuses(outcomes) -> dict[str, str]:
    return {o.expectation: o.status for o in outcomes}


def _failures(outcomes) -> dict[str, str]:
    """{failed expectation: its sampled count} of the outcomes that did not pass."""
    return {
        o.expectation: o.sample[0][o.expectation.partition("(")[2][:-1]]
        for o in outcomes
        if o.status != PASSED
    }


def test_good_decision_files_pass_every_expectation(tmp_path) -> None:
    con = _warehouse_file(tmp_path)
    _ingested(con, 1, "decisions", rows_read=2)
    _decisions(con, GOOD_DECISIONS)
    outcomes = input_checks.validate_accepted(con, "decisions", None, NOW)
    assert len(outcomes) == 14  # rows_read >= accepted, and 13 counts of rule breaks
    assert {o.status for o in outcomes} == {PASSED}


@pytest.mark.parametrize("count", sorted(DECISION_BREAKS))
def test_each_decision_rule_fails_on_its_own_break(tmp_path, count: str) -> None:
    con = _warehouse_file(tmp_path)
    _ingested(con, 1, "decisions", rows_read=2)
    _decisions(con, [GOOD_DECISIONS[0], {**GOOD_DECISIONS[1], **DECISION_BREAKS[count]}])
    outcomes = input_checks.validate_accepted(con, "decisions", None, NOW)
    # one file, its one offending row (a repeated id: both rows that share it)
    expected = "2" if count == "decision_id_repeated" else "1"
    assert _failures(outcomes) == {f"expect_column_values_to_be_between({count})": expected}


def test_a_file_cannot_accept_more_rows_than_it_has(tmp_path) -> None:
    con = _warehouse_file(tmp_path)
    _ingested(con, 1, "decisions", rows_read=1)
    _decisions(con, GOOD_DECISIONS)
    outcomes = input_checks.validate_accepted(con, "decisions", None, NOW)
    [failed] = [o for o in outcomes if not o.success]
    assert failed.expectation == (
        "expect_column_pair_values_a_to_be_greater_than_b(rows_read, accepted)"
    )
    assert failed.explain()[0] == [
        "rows_read file /landing/decisions/f1.csv = 1 is not >= accepted = 2 "
        "(accepted_decisions_valid)"
    ]


def test_a_failed_count_names_its_file_and_its_rows(tmp_path) -> None:
    """Two files, two bad markets in the second: the sample names that file, its count and the
    decisions behind it, and the message says so."""
    con = _warehouse_file(tmp_path)
    _ingested(con, 1, "decisions", rows_read=2)
    second = _ingested(con, 2, "decisions", rows_read=3)
    _decisions(con, GOOD_DECISIONS)
    _decisions(
        con,
        [
            {**GOOD_DECISIONS[0], "decision_id": "d-4", "market": "US"},
            {**GOOD_DECISIONS[0], "decision_id": "d-3", "market": "XX"},
            {**GOOD_DECISIONS[0], "decision_id": "d-5"},
        ],
        file_id=2,
    )
    outcomes = input_checks.validate_accepted(con, "decisions", None, NOW)
    [failed] = [o for o in outcomes if not o.success]
    assert failed.partition == "/landing/decisions/f1.csv and 1 other files"
    assert (failed.unexpected_count, failed.sample) == (
        1,
        [{"market_not_allowed": "2", "path": second, "decision_id": "d-3, d-4"}],
    )
    assert failed.explain() == (
        [
            f"market_not_allowed = 2 in {second}, expected 0, e.g. decision d-3, d-4 "
            "(accepted_decisions_valid)"
        ],
        0,
    )


def test_only_the_files_of_the_run_are_profiled(tmp_path) -> None:
    """A bad row in a file an earlier run ingested is not this run's to judge."""
    con = _warehouse_file(tmp_path)
    _ingested(con, 1, "decisions", rows_read=1)
    con.execute("update file_manifest set run_id = 'earlier'")
    _ingested(con, 2, "decisions", rows_read=1)
    _decisions(con, [{**GOOD_DECISIONS[0], "market": "XX"}])
    _decisions(con, [GOOD_DECISIONS[1]], file_id=2)
    outcomes = input_checks.validate_accepted(con, "decisions", "r", NOW)
    assert {o.partition for o in outcomes} == {"/landing/decisions/f2.csv"}
    assert {o.status for o in outcomes} == {PASSED}


GOOD_APPEALS = [
    {
        "appeal_id": "a-1", "decision_id": "d-1", "status": "overturned",
        "appealed_at": datetime(2026, 10, 2, 10, tzinfo=UTC),
        "resolved_at": datetime(2026, 10, 5, 10, tzinfo=UTC),
    },
    {
        "appeal_id": "a-2", "decision_id": "d-2", "status": "pending",
        "appealed_at": datetime(2026, 10, 3, 10, tzinfo=UTC), "resolved_at": None,
    },
]  # fmt: skip

APPEAL_BREAKS = {
    "appeal_id_missing": {"appeal_id": " "},
    "decision_id_missing": {"decision_id": ""},
    "status_missing": {"status": " "},
    "appeal_id_repeated": {"appeal_id": "a-1"},
    "status_not_allowed": {"status": "lost"},
    "resolved_at_missing_on_resolved": {"status": "upheld"},
    "resolved_at_before_appealed_at": {"resolved_at": datetime(2026, 10, 3, 9, tzinfo=UTC)},
    # d-2 was decided on 2026-10-02 10:00
    "appealed_at_before_decided_at": {"appealed_at": datetime(2026, 10, 2, 9, tzinfo=UTC)},
}


def _appeals(con, rows: list[dict]) -> None:
    con.executemany(
        "insert into appeals by name select ?::varchar as appeal_id, ?::varchar as decision_id, "
        "?::varchar as status, ?::timestamptz as appealed_at, ?::timestamptz as resolved_at, "
        "2::bigint as file_id, 'r' as run_id",
        [list(r.values()) for r in rows],
    )


def test_good_appeal_files_pass_every_expectation(tmp_path) -> None:
    con = _warehouse_file(tmp_path)
    _ingested(con, 1, "decisions", rows_read=2)
    _decisions(con, GOOD_DECISIONS)
    _ingested(con, 2, "appeals", rows_read=2)
    _appeals(con, GOOD_APPEALS)
    outcomes = input_checks.validate_accepted(con, "appeals", None, NOW)
    assert len(outcomes) == 9
    assert {o.status for o in outcomes} == {PASSED}


@pytest.mark.parametrize("count", sorted(APPEAL_BREAKS))
def test_each_appeal_rule_fails_on_its_own_break(tmp_path, count: str) -> None:
    con = _warehouse_file(tmp_path)
    _ingested(con, 1, "decisions", rows_read=2)
    _decisions(con, GOOD_DECISIONS)
    _ingested(con, 2, "appeals", rows_read=2)
    _appeals(con, [GOOD_APPEALS[0], {**GOOD_APPEALS[1], **APPEAL_BREAKS[count]}])
    outcomes = input_checks.validate_accepted(con, "appeals", None, NOW)
    expected = "2" if count == "appeal_id_repeated" else "1"
    assert _failures(outcomes) == {f"expect_column_values_to_be_between({count})": expected}


def test_an_orphan_appeal_is_not_judged_against_a_decision(tmp_path) -> None:
    """Appealed before any decision it could be about: its decision has not arrived yet."""
    con = _warehouse_file(tmp_path)
    _ingested(con, 2, "appeals", rows_read=1)
    _appeals(con, [{**GOOD_APPEALS[1], "appealed_at": datetime(2020, 1, 1, tzinfo=UTC)}])
    outcomes = input_checks.validate_accepted(con, "appeals", None, NOW)
    assert {o.status for o in outcomes} == {PASSED}


GOOD_AUDITS = [
    {
        "decision_id": "d-1", "audit_id": "q-1", "audited_at": datetime(2026, 10, 5, tzinfo=UTC),
        "verdict": "violating", "sample_weight": 1.0,
    },
    {
        "decision_id": "d-2", "audit_id": "q-2", "audited_at": datetime(2026, 10, 6, tzinfo=UTC),
        "verdict": "non_violating", "sample_weight": 4.0,
    },
]  # fmt: skip

AUDIT_BREAKS = {
    "decision_id_missing": {"decision_id": ""},
    "audit_id_missing": {"audit_id": " "},
    "verdict_missing": {"verdict": ""},
    "decision_id_repeated": {"decision_id": "d-1"},
    "verdict_not_allowed": {"verdict": "maybe"},
    "sample_weight_not_positive": {"sample_weight": 0.0},
}


def _audits(con, rows: list[dict]) -> None:
    con.executemany(
        "insert into audits by name select ?::varchar as decision_id, ?::varchar as audit_id, "
        "?::timestamptz as audited_at, ?::varchar as verdict, ?::double as sample_weight, "
        "3::bigint as file_id, 'r' as run_id",
        [list(r.values()) for r in rows],
    )


def test_good_audit_files_pass_every_expectation(tmp_path) -> None:
    con = _warehouse_file(tmp_path)
    _ingested(con, 3, "audits", rows_read=2)
    _audits(con, GOOD_AUDITS)
    outcomes = input_checks.validate_accepted(con, "audits", None, NOW)
    assert len(outcomes) == 7
    assert {o.status for o in outcomes} == {PASSED}


@pytest.mark.parametrize("count", sorted(AUDIT_BREAKS))
def test_each_audit_rule_fails_on_its_own_break(tmp_path, count: str) -> None:
    con = _warehouse_file(tmp_path)
    _ingested(con, 3, "audits", rows_read=2)
    _audits(con, [GOOD_AUDITS[0], {**GOOD_AUDITS[1], **AUDIT_BREAKS[count]}])
    outcomes = input_checks.validate_accepted(con, "audits", None, NOW)
    expected = "2" if count == "decision_id_repeated" else "1"
    assert _failures(outcomes) == {f"expect_column_values_to_be_between({count})": expected}


def test_an_infinite_sample_weight_is_not_positive(tmp_path) -> None:
    con = _warehouse_file(tmp_path)
    _ingested(con, 3, "audits", rows_read=2)
    _audits(con, [GOOD_AUDITS[0], {**GOOD_AUDITS[1], "sample_weight": float("inf")}])
    outcomes = input_checks.validate_accepted(con, "audits", None, NOW)
    [failed] = [o for o in outcomes if not o.success]
    assert failed.sample == [
        {"sample_weight_not_positive": "1", "path": "/landing/audits/f3.csv", "audit_id": "q-2"}
    ]


def test_a_great_expectations_exception_is_an_error_never_a_pass_or_a_failure(tmp_path) -> None:
    """A profile without the column GX is asked about: GX raises inside; the check errors."""
    con = _warehouse_file(tmp_path)
    _ingested(con, 1, "decisions", rows_read=2)
    _decisions(con, GOOD_DECISIONS)
    from checks.gx_runner import query_frame
    from warehouse.runner import read_sql, set_variables
    from warehouse.vocabulary import MARKETS

    set_variables(con, run_id="", every_day=True, run_started_at=NOW, markets=list(MARKETS))
    profiles = query_frame(con, read_sql("checks/decision_file_profiles.sql"))
    no_market = profiles.drop(columns=["market_not_allowed"])
    outcomes = validate("s", lambda: suites.accepted_decisions(NOW), no_market, "p")
    broken = [o for o in outcomes if "(market_not_allowed)" in o.expectation]
    assert broken and {o.status for o in broken} == {ERROR}
    assert 'The column "market_not_allowed" in BatchData does not exist' in broken[0].error
    with pytest.raises(ValidationError, match="great expectations could not run"):
        result_of(outcomes, severity=None)


def test_a_run_records_what_the_checks_found(landing, warehouse) -> None:
    landing.csv("decisions/d.csv", [decision("d-1"), decision("d-2", market="XX")])
    landing.csv("appeals/a.csv", [appeal("a-1", "d-1")])
    landing.csv("audits/q.csv", [audit("q-1", "d-1")])
    run_id = run(landing, warehouse, validation=True)
    counts = dict(
        (r[0], (r[1], r[2]))
        for r in duckdb.connect(str(warehouse), read_only=True)
        .execute(
            "select check_name, count(*), count(*) filter (where success) "
            "from validation_results where run_id = ? group by 1",
            [run_id],
        )
        .fetchall()
    )
    assert counts == {
        "accepted_decisions_valid": (14, 14),
        "accepted_appeals_valid": (9, 9),
        "accepted_audits_valid": (7, 7),
        "market_metrics_consistent": (23, 23),
        # 4 on the market-day (no history yet: nothing to compare, all pass), 1 on the files and
        # 1 on the days: d.csv rejects 1 row of 2, on 2026-10-01; both over the 2% threshold
        "upstream_health": (6, 4),
    }
    assert scalar(
        warehouse,
        "select partition from validation_results where check_name = "
        "'accepted_decisions_valid' limit 1",
    ) == str(landing.path("decisions/d.csv").resolve())


def test_great_expectations_is_loaded_only_when_a_run_reads_a_new_file(
    landing, warehouse, monkeypatch
):
    """Importing GX takes seconds: the ingest assets call the `before_reading` resource, which
    the wiring makes start it in the background, when they read a new file, and a run that
    brings nothing new does not start it."""
    started = []
    monkeypatch.setattr(wiring, "start_loading", lambda: started.append(True))
    landing.csv("decisions/d.csv", [decision("d-1")])
    run(landing, warehouse, validation=True)
    assert started
    started.clear()
    run(landing, warehouse, validation=True)
    assert not started


def test_the_benchmark_can_leave_validation_out(landing, warehouse) -> None:
    """`run --no-validation` (hidden, for benchmarks/run_benchmark.py) runs no expectation."""
    landing.csv("decisions/d.csv", [decision("d-1")])
    out = io.StringIO()
    assert run_pipeline(settings(landing, warehouse), out=out, validation=False) == 0
    assert scalar(warehouse, "select count(*) from validation_results") == 0
    assert "validation: 0 expectations" in out.getvalue()


def test_a_failing_error_check_stops_the_run_before_publishing(landing, warehouse, monkeypatch):
    """A suite that the data breaks (as an ingestion bug would): nothing is published."""
    landing.csv("decisions/d.csv", [decision("d-1", market="EMEA")])

    def strict(now):  # as if EMEA were not a market
        import great_expectations as gx

        return [gx.expectations.ExpectColumnValuesToBeBetween(column="accepted", max_value=0)]

    monkeypatch.setattr(suites, "accepted_decisions", strict)
    err = io.StringIO()
    with redirect_stderr(err):
        code = run_pipeline(settings(landing, warehouse), out=io.StringIO())
    assert code == 1
    assert "accepted_decisions_valid" in err.getvalue()
    assert not warehouse.exists()  # never published


GOOD_METRICS = {
    "decisions": 10,
    "penalties": 4,
    "no_actions": 6,
    "penalties_plus_no_actions": 10,
    "appealed_penalties": 2,
    "overturned_penalties": 1,
    "appealed_no_actions": 1,
    "overturned_no_actions": 0,
    "penalty_ratio": 0.4,
    "penalty_ratio_low": 0.17,
    "penalty_ratio_high": 0.69,
    "overkill_rate": 0.25,
    "overkill_rate_low": 0.05,
    "overkill_rate_high": 0.7,
    "leakage_rate": 0.0,
    "leakage_rate_low": 0.0,
    "leakage_rate_high": 0.39,
    "audit_overkill_rate": 0.5,
    "audit_overkill_rate_low": 0.1,
    "audit_overkill_rate_high": 0.9,
    "audit_leakage_rate": None,
    "audit_leakage_rate_low": None,
    "audit_leakage_rate_high": None,
    "difference_from_daily_metrics": 0,
}

# expectation -> the values that break it, and it alone
METRIC_BREAKS = {
    "expect_column_values_to_be_between(penalty_ratio)": {
        "penalty_ratio": 1.5,
        "penalty_ratio_high": 1.6,
    },
    "expect_column_values_to_be_between(overkill_rate)": {
        "overkill_rate": -0.1,
        "overkill_rate_low": -0.2,
    },
    "expect_column_values_to_be_between(leakage_rate)": {
        "leakage_rate": 2.0,
        "leakage_rate_high": 2.0,
    },
    "expect_column_values_to_be_between(audit_overkill_rate)": {
        "audit_overkill_rate": 1.01,
        "audit_overkill_rate_high": 1.02,
    },
    "expect_column_values_to_be_between(audit_leakage_rate)": {
        "audit_leakage_rate": 1.5,
        "audit_leakage_rate_low": 0.1,
        "audit_leakage_rate_high": 1.5,
    },
    "expect_column_pair_values_a_to_be_greater_than_b(penalty_ratio, penalty_ratio_low)": {
        "penalty_ratio_low": 0.45
    },
    "expect_column_pair_values_a_to_be_greater_than_b(penalty_ratio_high, penalty_ratio)": {
        "penalty_ratio_high": 0.35
    },
    "expect_column_pair_values_a_to_be_greater_than_b(overkill_rate, overkill_rate_low)": {
        "overkill_rate_low": 0.3
    },
    "expect_column_pair_values_a_to_be_greater_than_b(overkill_rate_high, overkill_rate)": {
        "overkill_rate_high": 0.2
    },
    "expect_column_pair_values_a_to_be_greater_than_b(leakage_rate, leakage_rate_low)": {
        "leakage_rate_low": 0.01
    },
    "expect_column_pair_values_a_to_be_greater_than_b(audit_overkill_rate_high, "
    "audit_overkill_rate)": {"audit_overkill_rate_high": 0.4},
    "expect_column_pair_values_a_to_be_greater_than_b(decisions, penalties_plus_no_actions)": {
        "penalties_plus_no_actions": 11
    },
    "expect_column_pair_values_a_to_be_greater_than_b(penalties_plus_no_actions, decisions)": {
        "penalties_plus_no_actions": 9
    },
    "expect_column_pair_values_a_to_be_greater_than_b(penalties, appealed_penalties)": {
        "appealed_penalties": 5,
        "overturned_penalties": 1,
    },
    "expect_column_pair_values_a_to_be_greater_than_b(appealed_penalties, overturned_penalties)": {
        "overturned_penalties": 3
    },
    "expect_column_pair_values_a_to_be_greater_than_b(no_actions, appealed_no_actions)": {
        "appealed_no_actions": 7
    },
    "expect_column_pair_values_a_to_be_greater_than_b(appealed_no_actions, "
    "overturned_no_actions)": {"overturned_no_actions": 2},
    "expect_column_values_to_not_be_null(difference_from_daily_metrics)": {
        "difference_from_daily_metrics": None
    },
    "expect_column_values_to_be_between(difference_from_daily_metrics)": {
        "difference_from_daily_metrics": 1
    },
}


def _metrics_frame(**overrides):
    import pandas as pd

    row = {**GOOD_METRICS, **overrides}
    return pd.DataFrame([row]).astype({k: "float64" for k in row if "rate" in k or "ratio" in k})


def test_good_metrics_pass_every_expectation() -> None:
    outcomes = validate("s", lambda: suites.market_metrics(NOW), _metrics_frame(), "p")
    assert len(outcomes) == 23
    assert {o.status for o in outcomes} == {PASSED}


@pytest.mark.parametrize("expectation", sorted(METRIC_BREAKS))
def test_each_metric_expectation_fails_on_its_own_break(expectation: str) -> None:
    batch = _metrics_frame(**METRIC_BREAKS[expectation])
    outcomes = _statuses(validate("s", lambda: suites.market_metrics(NOW), batch, "p"))
    assert outcomes.pop(expectation) == FAILED
    assert set(outcomes.values()) == {PASSED}


def test_run_prints_a_one_line_validation_summary(landing, warehouse, tmp_path) -> None:
    landing.csv("decisions/d.csv", [decision("d-1")])
    out = io.StringIO()
    assert run_pipeline(settings(landing, warehouse), out=out) == 0
    # 14 on the decision file's profile, 23 on the market-day metrics, 6 upstream health
    assert "  validation: 43 expectations, all passed\n" in out.getvalue()


def test_validate_reruns_every_suite_on_the_warehouse(landing, warehouse, tmp_path) -> None:
    from conftest import br_only_deployment, cli

    landing.csv("decisions/d.csv", [decision("d-1"), decision("d-2", action="no_action")])
    landing.csv("appeals/a.csv", [appeal("a-1", "d-1")])
    run(landing, warehouse, validation=True)
    br_only_deployment(tmp_path)  # the data hold BR alone
    code, out, err = cli("validate", "--warehouse", warehouse, cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "accepted_decisions_valid     blocking   14 expectations: passed",
        "accepted_appeals_valid       blocking    9 expectations: passed",
        "accepted_audits_valid        blocking    0 expectations: passed",
        "every_market_every_day       blocking    1 expectations: passed",
        "upstream_health              warning     6 expectations: passed",
        "market_metrics_consistent    blocking   23 expectations: passed",
    ]
    assert (
        scalar(warehouse, "select count(*) from validation_results where run_id like 'validate-%'")
        == 53
    )

    # a bug in the metric SQL, as it would show: a count that no longer adds up
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    con = duckdb.connect(str(work))
    con.execute("update daily_metrics set no_actions = no_actions + 1")
    con.close()
    code, out, err = cli("validate", "--warehouse", warehouse, cwd=tmp_path)
    assert code == 1
    # penalties + no_actions now exceeds decisions on the one day: exactly one expectation
    assert "market_metrics_consistent    blocking   23 expectations: 1 of 23 did not pass" in out
    assert (
        "    decisions BR 2026-10-01 = 2 is not >= penalties_plus_no_actions = 3 "
        "(market_metrics_consistent)\n" in out
    )


THRESHOLDS = ValidationSettings()  # the defaults: -50% / +100% volume, 2% rejected, 15 points

GOOD_MARKET_DAY = {
    "metric_date": "2026-10-08",
    "market": "BR",
    "decisions": 100,
    "volume_vs_median": 1.1,
    "machine_share_change": 0.05,
    "appeals_vs_median": 0.8,
    "audits_vs_median": 1.0,
}

UPSTREAM_BREAKS = {
    "expect_column_values_to_be_between(volume_vs_median)": {"volume_vs_median": 0.49},
    "expect_column_values_to_be_between(machine_share_change)": {"machine_share_change": -0.2},
    "expect_column_values_to_be_between(appeals_vs_median)": {"appeals_vs_median": 0.0},
    "expect_column_values_to_be_between(audits_vs_median)": {"audits_vs_median": 0.0},
}


def _market_day_frame(**overrides):
    import pandas as pd

    return pd.DataFrame([{**GOOD_MARKET_DAY, **overrides}])


def test_healthy_upstream_passes() -> None:
    outcomes = validate(
        "s", lambda: suites.upstream_market_days(NOW, THRESHOLDS), _market_day_frame(), "p"
    )
    assert [o.status for o in outcomes] == [PASSED] * 4


@pytest.mark.parametrize("expectation", sorted(UPSTREAM_BREAKS))
def test_each_upstream_expectation_fails_on_its_own_break(expectation: str) -> None:
    batch = _market_day_frame(**UPSTREAM_BREAKS[expectation])
    outcomes = _statuses(
        validate(
            "s",
            lambda: suites.upstream_market_days(NOW, THRESHOLDS),
            batch,
            "p",
            ids=["metric_date", "market"],
        )
    )
    assert outcomes.pop(expectation) == FAILED
    assert set(outcomes.values()) == {PASSED}


def test_volume_band_edges_are_inside() -> None:
    """-50% and +100% are still fine; a hair beyond is not."""
    edges = [(0.5, PASSED), (2.0, PASSED), (0.4999, FAILED), (2.0001, FAILED)]
    for ratio, expected in edges:
        outcomes = validate(
            "s",
            lambda: suites.upstream_market_days(NOW, THRESHOLDS),
            _market_day_frame(volume_vs_median=ratio),
            "p",
        )
        assert outcomes[0].status == expected, ratio


def test_file_rejected_share_over_the_threshold_warns_with_the_file() -> None:
    import pandas as pd

    files = pd.DataFrame({"path": ["/l/a.csv", "/l/b.csv"], "rejected_share": [0.02, 0.021]})
    [outcome] = validate(
        "s", lambda: suites.upstream_files(NOW, THRESHOLDS), files, "p", ids=["path"]
    )
    assert outcome.status == FAILED
    assert outcome.sample == [{"rejected_share": "0.021", "path": "/l/b.csv"}]


def test_a_day_rejecting_over_the_threshold_warns_with_the_day() -> None:
    import pandas as pd

    days = pd.DataFrame(
        {"metric_date": ["2026-10-01", "2026-10-02"], "rejected_share": [0.02, 0.5]}
    )
    [outcome] = validate(
        "s", lambda: suites.upstream_days(NOW, THRESHOLDS), days, "p", ids=["metric_date"]
    )
    assert outcome.status == FAILED
    assert outcome.sample == [{"rejected_share": "0.5", "metric_date": "2026-10-02"}]


def test_a_missing_market_day_stops_the_run(landing, warehouse) -> None:
    """BR and LATAM delivered 2026-10-01, EMEA did not: a failed export, nothing published."""
    landing.csv("decisions/d.csv", [decision("d-1"), decision("d-2", market="LATAM")])
    err = io.StringIO()
    with redirect_stderr(err):
        code = run_pipeline(
            settings(landing, warehouse, validation=ValidationSettings()), out=io.StringIO()
        )
    assert code == 1
    assert "every_market_every_day" in err.getvalue()
    assert not warehouse.exists()
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    con = duckdb.connect(str(work), read_only=True)
    assert con.execute(
        "select status, unexpected_count, sample from validation_results "
        "where check_name = 'every_market_every_day'"
    ).fetchall() == [
        ("failed", 1, '[{"decisions": "0", "metric_date": "2026-10-01", "market": "EMEA"}]')
    ]


def test_a_volume_drop_warns_but_publishes(landing, warehouse) -> None:
    """BR: 4 decisions a day for a week, then 1: 1/4 of the median, below the -50% band."""
    week = [
        decision(f"d-{day}-{i}", f"2026-10-0{day}T10:0{i}:00Z")
        for day in range(1, 8)
        for i in range(4)
    ]
    landing.csv("decisions/week.csv", week)
    run(landing, warehouse, validation=True)
    landing.csv("decisions/day8.csv", [decision("d-8-0", "2026-10-08T10:00:00Z")])
    run_id = run(landing, warehouse, validation=True)  # exit 0: a warning does not stop publishing
    [(status, sample)] = (
        duckdb.connect(str(warehouse), read_only=True)
        .execute(
            "select status, sample from validation_results where run_id = ? "
            "and expectation = 'expect_column_values_to_be_between(volume_vs_median)'",
            [run_id],
        )
        .fetchall()
    )
    assert status == "failed"
    assert '"volume_vs_median": "0.25"' in sample and '"metric_date": "2026-10-08"' in sample


def test_validation_thresholds_come_from_the_settings_file(tmp_path) -> None:
    from pipelines.settings import load_settings

    config = tmp_path / "modmetrics.toml"
    config.write_text(
        '[validation]\nexpected_markets = ["br"]\nvolume_drop = 0.3\ntrailing_days = 14\n'
    )
    loaded = load_settings(config, environ={}).validation
    assert (loaded.expected_markets, loaded.volume_drop, loaded.trailing_days) == (("BR",), 0.3, 14)
    assert (loaded.volume_rise, loaded.max_rejected_share) == (1.0, 0.02)
    config.write_text("[validation]\nmax_rejected_share = 5\n")
    from conftest import cli

    code, out, err = cli("sql", "--config", config, "select 1", cwd=tmp_path)
    assert (code, err) == (
        2,
        f"modmetrics: error: {config}: validation.max_rejected_share must be between 0 and 1\n",
    )


# --- a failed run explains itself -------------------------------------------------------------


def _failed_run(landing, warehouse) -> tuple[int, str]:
    """A run that expects all three markets every day (exit code, stderr)."""
    err = io.StringIO()
    with redirect_stderr(err):
        code = run_pipeline(
            settings(landing, warehouse, validation=ValidationSettings()), out=io.StringIO()
        )
    return code, err.getvalue()


def test_a_missing_market_day_is_named_in_the_failure_message(landing, warehouse) -> None:
    """BR and LATAM delivered 2026-10-01, EMEA did not: the message says so, in those words."""
    landing.csv("decisions/d.csv", [decision("d-1"), decision("d-2", market="LATAM")])
    code, err = _failed_run(landing, warehouse)
    assert code == 1
    assert err.splitlines() == [
        "modmetrics: run failed: blocking check failed: every_market_every_day on daily_metrics",
        "  EMEA has no decisions on 2026-10-01 (every_market_every_day)",
        f"  every result of this run: modmetrics validate --last-run --warehouse {warehouse}",
        f"modmetrics: the published warehouse {warehouse} was left as it was",
    ]


def test_a_failure_message_shows_five_offenders_and_counts_the_rest(landing, warehouse) -> None:
    """EMEA missing on 7 days: the first 5, then "and 2 more"."""
    landing.csv(
        "decisions/d.csv",
        [
            decision(f"d-{day}-{market}", f"2026-10-0{day}T10:00:00Z", market=market)
            for day in range(1, 8)
            for market in ("BR", "LATAM")
        ],
    )
    code, err = _failed_run(landing, warehouse)
    assert code == 1
    assert err.splitlines()[1:7] == [
        *(f"  EMEA has no decisions on 2026-10-0{d} (every_market_every_day)" for d in range(1, 6)),
        "  and 2 more",
    ]


def test_a_rate_outside_its_range_is_named_with_market_day_and_value() -> None:
    batch = _metrics_frame(
        metric_date="2026-09-03", market="BR", overkill_rate=1.2, overkill_rate_high=1.3
    )
    outcomes = validate(
        "market_metrics_consistent",
        lambda: suites.market_metrics(NOW),
        batch,
        "2026-09-03",
        ids=["metric_date", "market"],
    )
    failed = [o for o in outcomes if not o.success]
    assert first_lines(o.explain() for o in failed) == [
        "overkill_rate BR 2026-09-03 = 1.2 is outside [0, 1] (market_metrics_consistent)"
    ]


def test_a_failed_run_s_results_are_readable(landing, warehouse, tmp_path) -> None:
    """Nothing was published, yet `validate --last-run` shows what the run's checks found."""
    from conftest import cli

    landing.csv("decisions/d.csv", [decision("d-1"), decision("d-2", market="LATAM")])
    assert _failed_run(landing, warehouse)[0] == 1
    assert not warehouse.exists()
    code, out, err = cli("validate", "--last-run", "--warehouse", warehouse, cwd=tmp_path)
    assert (code, err) == (1, "")
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    run_id = rows(work, "select distinct run_id from validation_results")
    assert out.splitlines()[0].startswith(f"run {run_id[0][0]}, checked ")
    assert out.splitlines()[1:] == [
        "accepted_decisions_valid     blocking   14 expectations: passed",
        "accepted_appeals_valid       blocking    0 expectations: passed",
        "accepted_audits_valid        blocking    0 expectations: passed",
        "every_market_every_day       blocking    1 expectations: 1 of 1 did not pass",
        "    EMEA has no decisions on 2026-10-01 (every_market_every_day)",
        "upstream_health              warning     6 expectations: passed",
        "market_metrics_consistent    blocking    0 expectations: passed",
    ]


def test_a_failing_sql_check_names_its_offending_rows(landing, warehouse, monkeypatch) -> None:
    """market_days_complete (SQL returning the offenders) as a bug in the metrics would fail it:
    the message lists the row it returned."""
    from checks import warehouse_checks

    real = warehouse_checks.read_sql
    bug = (
        "select date '2026-10-01' as metric_date, 'BR' as market, "
        "2 as accepted_decisions, 1 as metric_decisions"
    )
    monkeypatch.setattr(
        warehouse_checks,
        "read_sql",
        lambda name: bug if name == "checks/market_days_complete.sql" else real(name),
    )
    landing.csv("decisions/d.csv", [decision("d-1"), decision("d-2")])
    err = io.StringIO()
    with redirect_stderr(err):
        code = run_pipeline(settings(landing, warehouse), out=io.StringIO())
    assert code == 1
    assert err.getvalue().splitlines()[:2] == [
        "modmetrics: run failed: blocking check failed: market_days_complete on "
        "market_daily_metrics",
        "  metric_date=2026-10-01 market=BR accepted_decisions=2 metric_decisions=1 "
        "(market_days_complete)",
    ]
