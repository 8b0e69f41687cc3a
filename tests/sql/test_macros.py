"""The macros of sql/macros.sql: wilson_low, wilson_high, kish_n, and market_day.

Expected bounds are the data dictionary's formula (section 4.2),

    low, high = (p + z²/(2n) ∓ z·sqrt(p(1−p)/n + z²/(4n²))) / (1 + z²/n),   z² = 3.841458820694125,

evaluated with 60-digit decimals in its other algebraic form, (x + z²/2 ∓ z·sqrt(x(n−x)/n + z²/4))
/ (n + z²), and rounded to a double. statsmodels' proportion_confint(x, n, method="wilson") gives
every one of them to within 2e-16.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from warehouse.runner import set_map_variable

from .helpers import TOLERANCE, Z2, assert_rows, given, select

# (x, n, low, high)
WILSON = [
    # the data dictionary's worked example (4.2): 3 overturned of 200 penalties. p = 0.015,
    # z²/(2n) = 0.0096036, p(1−p)/n + z²/(4n²) = 7.3875e-5 + 2.4009e-5 = 9.7884e-5,
    # z·sqrt(9.7884e-5) = 0.0193912, 1 + z²/n = 1.0192073: low = (0.0246036 − 0.0193912) /
    # 1.0192073 = 0.0051142, high = (0.0246036 + 0.0193912) / 1.0192073 = 0.0431657
    (3, 200, 0.005114237793258311, 0.04316572879269027),
    # (2026-10-01, BR) of the data dictionary (4.5): penalty_ratio, overkill_rate, leakage_rate
    (4, 10, 0.16818032970623614, 0.6873262302663417),
    (1, 4, 0.04558726080970057, 0.6993581574175981),
    (1, 6, 0.03005336974830667, 0.5635028221864702),
    # leakage after the late appeal (4.7): 2 of 6
    (2, 6, 0.09677141110578048, 0.700006684861608),
    (7, 13, 0.2914379571450601, 0.767939321904617),
]


def _bounds(con, p_sql: str, n_sql: str) -> dict:
    return select(
        con, f"select wilson_low({p_sql}, {n_sql}) as low, wilson_high({p_sql}, {n_sql}) as high"
    )[0]


@pytest.mark.parametrize(("x", "n", "low", "high"), WILSON, ids=[f"{w[0]}of{w[1]}" for w in WILSON])
def test_wilson_bounds_of_x_out_of_n(con, x, n, low, high) -> None:
    assert_rows([_bounds(con, f"{x} / {n}", str(n))], [{"low": low, "high": high}])


def test_wilson_with_a_fractional_n(con) -> None:
    """An audit rate's n is the Kish size: p = 4/10 with n = 10²/34 = 2.9411764705882355 (4.6:
    low 0.08363, high 0.8296)."""
    assert_rows(
        [_bounds(con, "4.0 / 10", "100.0 / 34")],
        [{"low": 0.0836276596774573, "high": 0.8296456818991275}],
    )


@pytest.mark.parametrize(
    ("p_sql", "n_sql"),
    [("0.5", "0"), ("0.5", "-3"), ("0.5", "null"), ("null", "10"), ("0.0", "0")],
    ids=["n=0", "n<0", "n null", "p null", "x=0 and n=0"],
)
def test_wilson_is_null_without_trials_or_proportion(con, p_sql, n_sql) -> None:
    assert _bounds(con, p_sql, n_sql) == {"low": None, "high": None}


def test_wilson_with_nothing_observed(con) -> None:
    """x = 0: low is exactly 0 (the formula's own value at n = 3 is 4.9e-17); high is the formula
    at p = 0, (z²/(2n) + z²/(2n)) / (1 + z²/n) = z² / (n + z²) = 3.841458820694125 /
    6.841458820694125 = 0.5614970317550455."""
    bounds = _bounds(con, "0 / 3", "3")
    assert bounds["low"] == 0.0
    assert bounds["high"] == pytest.approx(Z2 / (3 + Z2), abs=TOLERANCE)
    assert bounds["high"] == pytest.approx(0.5614970317550455, abs=TOLERANCE)


def test_wilson_with_every_trial_observed(con) -> None:
    """x = n: high is exactly 1 (the formula's own value at n = 10 is 0.9999999999999999); low is
    the formula at p = 1, (1 + z²/(2n) − z²/(2n)) / (1 + z²/n) = n / (n + z²) = 10 /
    13.841458820694125 = 0.7224672001371107."""
    bounds = _bounds(con, "10 / 10", "10")
    assert bounds["high"] == 1.0
    assert bounds["low"] == pytest.approx(10 / (10 + Z2), abs=TOLERANCE)
    assert bounds["low"] == pytest.approx(0.7224672001371107, abs=TOLERANCE)


def test_wilson_with_one_trial(con) -> None:
    """(2026-10-02, BR) of the data dictionary (4.5): 1 penalty of 1 decision, 0 overturned of 1
    penalty. 1/(1 + z²) = 0.20654931437723742, z²/(1 + z²) = 0.7934506856227626."""
    assert_rows(
        [_bounds(con, "1 / 1", "1"), _bounds(con, "0 / 1", "1")],
        [
            {"low": 0.20654931437723742, "high": 1.0},
            {"low": 0.0, "high": 0.7934506856227626},
        ],
    )


@pytest.mark.parametrize(
    ("p_sql", "n_sql", "low", "high"),
    [
        # the INTEGER 23171: 4 * n * n = 2147561764 > 2^31 - 1 (x = 231.71)
        ("0.01", "23171", 0.008797625895233138, 0.011364818782154175),
        # the INTEGER 2e9: 2 * n > 2^31 - 1 (x = 1e9)
        ("0.5", "2000000000", 0.49997808693650664, 0.5000219130634934),
        # a BIGINT 5e9: 4 * n * n = 1e20 > 2^63 - 1 (x = 2.5e9)
        ("0.5", "5000000000", 0.4999861409617618, 0.5000138590382381),
    ],
    ids=["int32 4*n*n", "int32 2*n", "int64 4*n*n"],
)
def test_wilson_with_a_large_integer_n(con, p_sql, n_sql, low, high) -> None:
    assert_rows([_bounds(con, p_sql, n_sql)], [{"low": low, "high": high}])


def test_kish_n_is_squared_weight_sum_over_sum_of_squared_weights(con) -> None:
    """Audited penalties of the data dictionary (4.6), weights 1, 1, 4, 4: (1+1+4+4)² /
    (1+1+16+16) = 100/34 = 2.9411764705882355. Equal weights 2, 2, 2: 6²/12 = 3, the count."""
    given(
        con,
        "audits",
        [
            {"sample": "unequal", "w": 1.0},
            {"sample": "unequal", "w": 1.0},
            {"sample": "unequal", "w": 4.0},
            {"sample": "unequal", "w": 4.0},
            {"sample": "equal", "w": 2.0},
            {"sample": "equal", "w": 2.0},
            {"sample": "equal", "w": 2.0},
        ],
    )
    assert_rows(
        select(
            con,
            "select sample, kish_n(sum(w), sum(w * w)) as n from audits group by sample "
            "order by sample desc",
        ),
        [{"sample": "unequal", "n": 2.9411764705882355}, {"sample": "equal", "n": 3.0}],
    )


def test_kish_n_is_null_without_weights(con) -> None:
    assert select(con, "select kish_n(0.0, 0.0) as zero, kish_n(null, null) as unknown") == [
        {"zero": None, "unknown": None}
    ]


def test_kish_n_with_large_integer_sums(con) -> None:
    """INTEGER sums: 100000 * 100000 > 2^31 - 1; 100000² / 100000 = 100000."""
    assert_rows(select(con, "select kish_n(100000, 100000) as n"), [{"n": 100000.0}])


def test_market_day_is_the_date_in_the_markets_own_zone(con) -> None:
    """2026-10-01 01:30 UTC is 2026-09-30 22:30 in São Paulo (UTC-3): BR's day is the 30th, while
    EMEA, counted in UTC, keeps the 1st."""
    set_map_variable(con, "market_timezones", {"BR": "America/Sao_Paulo", "EMEA": "UTC"})
    given(con, "moments", [{"market": m, "ts": datetime(2026, 10, 1, 1, 30, tzinfo=UTC)}
                           for m in ("BR", "EMEA")])  # fmt: skip
    assert_rows(
        select(con, "select market, market_day(market, ts) as day from moments order by market"),
        [{"market": "BR", "day": date(2026, 9, 30)}, {"market": "EMEA", "day": date(2026, 10, 1)}],
    )
