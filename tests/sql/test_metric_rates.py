"""The table macros metric_rates (the rates of summed counts) and metric_values (one row per
metric) of sql/macros.sql, on hand-made totals.

The day of the data dictionary's worked example (section 4.4, 2026-10-01 BR): 10 decisions, 4
penalties (1 overturned), 6 no_actions (1 overturned); audited penalties weigh 1, 1, 4, 4 (the 4 of
p3 non_violating), audited no_actions 2 (violating) and 2.
"""

from __future__ import annotations

from .helpers import assert_rows, given, select

ZERO = {
    "decisions": 0,
    "penalties": 0,
    "no_actions": 0,
    "overturned_penalties": 0,
    "overturned_no_actions": 0,
    "audited_penalty_weight": 0.0,
    "audited_penalty_weight_sq": 0.0,
    "non_violating_penalty_weight": 0.0,
    "audited_no_action_weight": 0.0,
    "audited_no_action_weight_sq": 0.0,
    "violating_no_action_weight": 0.0,
}

WORKED_DAY = {
    "segment": "2026-10-01 BR",
    **ZERO,
    "decisions": 10,
    "penalties": 4,
    "no_actions": 6,
    "overturned_penalties": 1,
    "overturned_no_actions": 1,
    "audited_penalty_weight": 10.0,  # 1 + 1 + 4 + 4
    "audited_penalty_weight_sq": 34.0,  # 1 + 1 + 16 + 16
    "non_violating_penalty_weight": 4.0,
    "audited_no_action_weight": 4.0,  # 2 + 2
    "audited_no_action_weight_sq": 8.0,  # 4 + 4
    "violating_no_action_weight": 2.0,
}

APPENDED = [
    "penalty_ratio",
    "overkill_rate",
    "leakage_rate",
    "audit_overkill_rate",
    "audit_leakage_rate",
    "audit_penalty_n",
    "audit_no_action_n",
    "penalty_ratio_low",
    "penalty_ratio_high",
    "overkill_rate_low",
    "overkill_rate_high",
    "leakage_rate_low",
    "leakage_rate_high",
    "audit_overkill_rate_low",
    "audit_overkill_rate_high",
    "audit_leakage_rate_low",
    "audit_leakage_rate_high",
]


def _rates(con, columns: list[str]) -> list[dict]:
    return select(con, f"select {', '.join(columns)} from metric_rates(totals) order by segment")


def test_each_rate_is_its_numerator_over_its_denominator(con) -> None:
    given(con, "totals", [WORKED_DAY])
    assert_rows(
        _rates(con, APPENDED[:7]),
        [
            {
                "penalty_ratio": 0.4,  # 4 penalties / 10 decisions
                "overkill_rate": 0.25,  # 1 overturned / 4 penalties
                "leakage_rate": 0.16666666666666666,  # 1 overturned / 6 no_actions
                "audit_overkill_rate": 0.4,  # weight 4 non_violating / 10 audited
                "audit_leakage_rate": 0.5,  # weight 2 violating / 4 audited
                "audit_penalty_n": 2.9411764705882355,  # Kish: 10² / 34
                "audit_no_action_n": 2.0,  # Kish: 4² / 8
            }
        ],
    )


def test_each_interval_has_the_n_of_its_rate(con) -> None:
    """n = decisions, penalties, no_actions, and the Kish sizes for the audit rates (the bounds
    of test_macros.py; the data dictionary's 4.5 and 4.6 round them)."""
    given(con, "totals", [WORKED_DAY])
    assert_rows(
        _rates(con, APPENDED[7:]),
        [
            {
                "penalty_ratio_low": 0.16818032970623614,  # 4 of n = 10
                "penalty_ratio_high": 0.6873262302663417,
                "overkill_rate_low": 0.04558726080970057,  # 1 of n = 4
                "overkill_rate_high": 0.6993581574175981,
                "leakage_rate_low": 0.03005336974830667,  # 1 of n = 6
                "leakage_rate_high": 0.5635028221864702,
                "audit_overkill_rate_low": 0.0836276596774573,  # p = 0.4, n = 2.941...
                "audit_overkill_rate_high": 0.8296456818991275,
                "audit_leakage_rate_low": 0.09453120573423072,  # p = 0.5, n = 2
                "audit_leakage_rate_high": 0.9054687942657693,
            }
        ],
    )


def test_a_rate_whose_denominator_is_zero_is_null_with_its_bounds(con) -> None:
    """No decisions: every rate is NULL. 3 no_actions and no penalty, nothing audited: overkill
    and the audit rates are NULL, penalty_ratio and leakage_rate are 0 of 3, with low 0 and high
    z² / (3 + z²) = 3.841458820694125 / 6.841458820694125 = 0.5614970317550455."""
    given(
        con,
        "totals",
        [{"segment": "a", **ZERO}, {"segment": "b", **ZERO, "decisions": 3, "no_actions": 3}],
    )
    zero_of_three = 0.5614970317550455
    assert_rows(
        _rates(con, APPENDED),
        [
            dict.fromkeys(APPENDED),
            {
                **dict.fromkeys(APPENDED),
                "penalty_ratio": 0.0,
                "penalty_ratio_low": 0.0,
                "penalty_ratio_high": zero_of_three,
                "leakage_rate": 0.0,
                "leakage_rate_low": 0.0,
                "leakage_rate_high": zero_of_three,
            },
        ],
    )


def test_the_rates_are_appended_to_the_given_columns(con) -> None:
    given(con, "totals", [WORKED_DAY])
    result = con.execute("select * from metric_rates(totals)")
    assert [d[0] for d in result.description] == [*WORKED_DAY, *APPENDED]
    assert result.fetchone()[: len(WORKED_DAY)] == tuple(WORKED_DAY.values())


def test_metric_values_gives_each_metric_with_what_it_is_made_of(con) -> None:
    """numerator / denominator = value; sample_size is the n of the interval (for the audit
    rates: weight sums, and the Kish size)."""
    given(con, "totals", [WORKED_DAY])
    con.execute("create view rated as select * from metric_rates(totals)")
    assert_rows(
        select(
            con,
            "select metric, value, low, numerator, denominator, sample_size "
            "from metric_values(rated) order by metric",
        ),
        [
            {
                "metric": "audit_leakage_rate",
                "value": 0.5,
                "low": 0.09453120573423072,
                "numerator": 2.0,  # violating no_action weight
                "denominator": 4.0,  # audited no_action weight
                "sample_size": 2.0,  # Kish: 4² / 8
            },
            {
                "metric": "audit_overkill_rate",
                "value": 0.4,
                "low": 0.0836276596774573,
                "numerator": 4.0,
                "denominator": 10.0,
                "sample_size": 2.9411764705882355,  # Kish: 10² / 34
            },
            {
                "metric": "leakage_rate",
                "value": 0.16666666666666666,
                "low": 0.03005336974830667,
                "numerator": 1,  # overturned no_actions
                "denominator": 6,  # no_actions
                "sample_size": 6.0,
            },
            {
                "metric": "overkill_rate",
                "value": 0.25,
                "low": 0.04558726080970057,
                "numerator": 1,  # overturned penalties
                "denominator": 4,  # penalties
                "sample_size": 4.0,
            },
            {
                "metric": "penalty_ratio",
                "value": 0.4,
                "low": 0.16818032970623614,
                "numerator": 4,  # penalties
                "denominator": 10,  # decisions
                "sample_size": 10.0,
            },
        ],
    )


def test_metric_values_keeps_a_metric_without_value(con) -> None:
    """No penalty: overkill_rate is still a row, its value and bounds NULL, 0 over 0."""
    given(con, "totals", [{"segment": "a", **ZERO, "decisions": 2, "no_actions": 2}])
    con.execute("create view rated as select * from metric_rates(totals)")
    assert_rows(
        select(
            con,
            "select value, low, high, numerator, denominator, sample_size "
            "from metric_values(rated) where metric = 'overkill_rate'",
        ),
        [
            {
                "value": None,
                "low": None,
                "high": None,
                "numerator": 0,
                "denominator": 0,
                "sample_size": 0.0,
            }
        ],
    )
