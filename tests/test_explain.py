"""A failed expectation in words (checks/explain.py): one sentence per offending row, naming the
row (market and day, decision, file) and its value, and at most five lines before "and N more"."""

from datetime import UTC, datetime

import pytest

from checks.explain import explain, first_lines, rule_of
from checks.gx_runner import import_gx


def _gx():
    return import_gx().expectations


@pytest.mark.parametrize(
    ("build", "rule"),
    [
        (lambda e: e.ExpectColumnValuesToBeBetween(column="r", min_value=0, max_value=1), "[0, 1]"),
        (lambda e: e.ExpectColumnValuesToBeBetween(column="d", min_value=1), ">= 1"),
        (
            lambda e: e.ExpectColumnValuesToBeBetween(column="w", min_value=0, strict_min=True),
            "> 0",
        ),
        (
            lambda e: e.ExpectColumnValuesToBeBetween(
                column="t", max_value=datetime(2026, 10, 31, 6, tzinfo=UTC)
            ),
            "<= 2026-10-31T06:00:00+00:00",
        ),
        (
            lambda e: e.ExpectColumnValuesToBeInSet(column="m", value_set=["BR", "EMEA"]),
            "{BR, EMEA}",
        ),
        (lambda e: e.ExpectColumnValuesToBeOfType(column="x", type_="str"), "str"),
        (
            lambda e: e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="a", column_B="b", or_equal=True
            ),
            "a >= b",
        ),
        (lambda e: e.ExpectColumnValuesToBeUnique(column="decision_id"), None),
    ],
)
def test_the_rule_says_what_the_expectation_asks(build, rule) -> None:
    assert rule_of(build(_gx())) == rule


def test_a_day_without_decisions_names_the_market_and_the_day() -> None:
    lines, more = explain(
        "every_market_every_day",
        "expect_column_values_to_be_between(decisions)",
        "2026-09-10",
        "failed",
        rule=">= 1",
        unexpected_count=1,
        sample=[{"decisions": "0", "metric_date": "2026-09-10", "market": "EMEA"}],
    )
    assert (lines, more) == (["EMEA has no decisions on 2026-09-10 (every_market_every_day)"], 0)


def test_a_value_outside_its_range_names_the_row_and_the_value() -> None:
    lines, _ = explain(
        "upstream_health",
        "expect_column_values_to_be_between(rejected_share)",
        "this run's files",
        "failed",
        rule="[0, 0.02]",
        unexpected_count=1,
        sample=[{"rejected_share": "0.021", "path": "/landing/decisions/b.csv"}],
    )
    assert lines == [
        "rejected_share file /landing/decisions/b.csv = 0.021 is outside [0, 0.02] "
        "(upstream_health)"
    ]


def test_a_file_s_count_of_rule_breaks_names_the_file_and_its_rows() -> None:
    """A profile count that must be 0: the file, the count, and the ids behind it."""
    lines, more = explain(
        "accepted_audits_valid",
        "expect_column_values_to_be_between(sample_weight_not_positive)",
        "/landing/audits/a.csv and 2 other files",
        "failed",
        rule="[0, 0]",
        unexpected_count=1,
        sample=[
            {
                "sample_weight_not_positive": "2",
                "path": "/landing/audits/b.csv",
                "audit_id": "au-7, au-9",
            }
        ],
    )
    assert (lines, more) == (
        [
            "sample_weight_not_positive = 2 in /landing/audits/b.csv, expected 0, "
            "e.g. audit au-7, au-9 (accepted_audits_valid)"
        ],
        0,
    )


def test_a_count_without_ids_names_the_file_alone() -> None:
    """Rows whose id itself is missing have no id to show."""
    lines, _ = explain(
        "accepted_decisions_valid",
        "expect_column_values_to_be_between(decision_id_missing)",
        "/landing/decisions/d.csv",
        "failed",
        rule="[0, 0]",
        unexpected_count=1,
        sample=[{"decision_id_missing": "1", "path": "/landing/decisions/d.csv"}],
    )
    assert lines == [
        "decision_id_missing = 1 in /landing/decisions/d.csv, expected 0 (accepted_decisions_valid)"
    ]


def test_a_file_accepting_more_rows_than_it_has_names_both_counts() -> None:
    lines, _ = explain(
        "accepted_decisions_valid",
        "expect_column_pair_values_a_to_be_greater_than_b(rows_read, accepted)",
        "/landing/decisions/d.csv",
        "failed",
        rule="rows_read >= accepted",
        unexpected_count=1,
        sample=[{"rows_read": "1", "accepted": "2", "path": "/landing/decisions/d.csv"}],
    )
    assert lines == [
        "rows_read file /landing/decisions/d.csv = 1 is not >= accepted = 2 "
        "(accepted_decisions_valid)"
    ]


def test_a_value_not_in_its_set_names_the_decision() -> None:
    lines, _ = explain(
        "accepted_decisions_valid",
        "expect_column_values_to_be_in_set(market)",
        "/landing/decisions/d.csv",
        "failed",
        rule="{BR, LATAM, EMEA}",
        unexpected_count=1,
        sample=[{"market": "US", "decision_id": "d-3"}],
    )
    assert lines == [
        "market decision d-3 = US is not one of {BR, LATAM, EMEA} (accepted_decisions_valid)"
    ]


def test_a_missing_value_names_the_row() -> None:
    lines, _ = explain(
        "market_metrics_consistent",
        "expect_column_values_to_not_be_null(difference_from_daily_metrics)",
        "2026-10-01",
        "failed",
        unexpected_count=1,
        sample=[
            {"difference_from_daily_metrics": "None", "metric_date": "2026-10-01", "market": "BR"}
        ],  # noqa: E501
    )
    assert lines == [
        "difference_from_daily_metrics is missing on BR 2026-10-01 (market_metrics_consistent)"
    ]


def test_a_duplicate_names_the_value() -> None:
    lines, _ = explain(
        "accepted_decisions_valid",
        "expect_column_values_to_be_unique(decision_id)",
        "/landing/decisions/d.csv",
        "failed",
        unexpected_count=2,
        sample=[{"decision_id": "d-1"}, {"decision_id": "d-1"}],
    )
    assert lines == ["decision_id d-1 is not unique (accepted_decisions_valid)"] * 2


def test_a_pair_out_of_order_names_both_values() -> None:
    lines, _ = explain(
        "accepted_appeals_valid",
        "expect_column_pair_values_a_to_be_greater_than_b(appealed_at, decided_at)",
        "/landing/appeals/a.csv",
        "failed",
        rule="appealed_at >= decided_at",
        unexpected_count=1,
        sample=[{"appealed_at": "2026-09-30", "decided_at": "2026-10-01", "appeal_id": "a-1"}],
    )
    assert lines == [
        "appealed_at appeal a-1 = 2026-09-30 is not >= decided_at = 2026-10-01 "
        "(accepted_appeals_valid)"
    ]


def test_a_wrong_type_names_the_batch() -> None:
    lines, _ = explain(
        "accepted_decisions_valid",
        "expect_column_values_to_be_of_type(decided_at)",
        "/landing/decisions/d.csv",
        "failed",
        rule="Timestamp",
        observed_value="str",
        sample=[],
    )
    assert lines == [
        "decided_at is of type str, not Timestamp, in /landing/decisions/d.csv "
        "(accepted_decisions_valid)"
    ]


def test_an_error_says_what_could_not_run() -> None:
    lines, more = explain(
        "upstream_health",
        "expect_column_values_to_be_between(volume_vs_median)",
        "2026-10-01",
        "error",
        error="KeyError: volume_vs_median",
    )
    assert (lines, more) == (
        [
            "expect_column_values_to_be_between(volume_vs_median) could not run on 2026-10-01: "
            "KeyError: volume_vs_median (upstream_health)"
        ],
        0,
    )


def test_the_rows_past_the_sample_are_counted() -> None:
    """GX samples 5 of 9 offending rows: 4 are left out."""
    sample = [{"decisions": "0", "metric_date": f"2026-10-1{d}", "market": "BR"} for d in range(5)]
    _, more = explain(
        "every_market_every_day",
        "expect_column_values_to_be_between(decisions)",
        "p",
        "failed",
        unexpected_count=9,
        sample=sample,
    )
    assert more == 4


def test_five_lines_then_how_many_more() -> None:
    """Two outcomes: 4 lines and 1 row left out, 3 lines: 5 shown, 2 lines and 1 row more."""
    explained = [([f"a{i}" for i in range(4)], 1), ([f"b{i}" for i in range(3)], 0)]
    assert first_lines(explained) == ["a0", "a1", "a2", "a3", "b0", "and 3 more"]


def test_nothing_left_out_adds_no_line() -> None:
    assert first_lines([(["a", "b"], 0)]) == ["a", "b"]
