"""The evidence rule (sql/alerts/alert_history.sql), one rule a test, on hand-made BR series.

Every overkill fixture day holds 100 BR penalties of which k were overturned, so the day's rate
is k / 100. The rule's targets are test_alerts.RULE's (warn 0.30, critical 0.60, recovery 0.10);
the other metrics never judge a day. The appeal window is 7 days and the runs are as of a date
long after the last day, so every day is settled (completeness 1) and a day's history is the
days 63 to 8 days before it: the calm days, never the shift itself. Calm days are all the same
rate, so phi = 1 and the weekday baselines are that rate: the CUSUMs are worked by hand below.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import Landing, appeal, audit, decision, query, rows, run
from pipelines.settings import ALERT_METRICS, MARKETS, AlertRule, AlertSettings

pytestmark = pytest.mark.usefixtures("isolated_settings")

RULE = dict(
    direction="above",
    warn=0.30,
    critical=0.60,
    recovery=0.10,
    min_denominator=3,
    for_days=2,
    provisional_opens=True,
)
START = date(2026, 9, 1)
CALM_DAYS = 28  # 2026-09-01 .. 09-28; the moves start on 2026-09-29
N = 100


def siegmund_h(target_arl: float, k: float = 0.5) -> float:
    """The smallest H (steps of 0.01) whose Siegmund ARL0 at drift -k reaches target_arl."""
    h = 0.01
    while True:
        b = h + 1.166
        if (math.exp(2 * k * b) - 2 * k * b - 1) / (2 * k * k) >= target_arl:
            return h
        h = round(h + 0.01, 2)


def settings(metric: str = "overkill_rate", **changes) -> AlertSettings:
    never = dict(RULE, min_denominator=10**9)
    rule = {k: v for k, v in changes.items() if k in RULE}
    general = {k: v for k, v in changes.items() if k not in RULE}
    return AlertSettings(
        sinks=("jsonl",),
        rules=tuple(
            AlertRule(
                metric=m,
                market=market,
                **({**RULE, **rule} if (m, market) == (metric, "BR") else never),
            )
            for m in ALERT_METRICS
            for market in MARKETS
        ),
        **general,
    )


def overkill_days(landing: Landing, *overturned: int) -> None:
    """Consecutive days from START: N penalties each, the first k of a day overturned."""
    for offset, k in enumerate(overturned):
        d = (START + timedelta(days=offset)).isoformat()
        landing.csv(
            f"decisions/{d}.csv", [decision(f"d-{d}-{i}", f"{d}T10:00:00Z") for i in range(N)]
        )
        if k:
            landing.csv(
                f"appeals/{d}.csv",
                [
                    appeal(
                        f"a-{d}-{i}", f"d-{d}-{i}", "overturned", f"{d}T12:00:00Z", f"{d}T18:00:00Z"
                    )  # fmt: skip
                    for i in range(k)
                ],
            )


def go(landing: Landing, warehouse: Path, alerts: AlertSettings) -> None:
    run(landing, warehouse, appeal_window_days=7, as_of=date(2026, 11, 30), alerts=alerts)


def alerts_of(warehouse: Path) -> list[tuple]:
    return rows(
        warehouse,
        "select severity, status, opened_on::varchar, confirmed_on::varchar from alerts "
        "order by opened_on",
    )


def texts(warehouse: Path) -> list[str]:
    lines = (warehouse.parent / "alerts.jsonl").read_text().splitlines()
    return [json.loads(line)["text"] for line in lines]


def cusum(rates: list[float], p: float, k: float = 0.5) -> list[float]:
    """S_t of N-penalty days at `rates` against rate p, phi = 1 (the header's increment)."""
    s, out = 0.0, []
    for r in rates:
        s = max(0.0, s + (N * r - N * p) / math.sqrt(N * p * (1 - p)) - k)
        out.append(s)
    return out


def shift_cusum(rates: list[float], baseline: float, inflation: float) -> list[float]:
    """S_t of the shift chart: K = 1, z capped at 3, the baseline's error inflating the variance."""
    s, out = 0.0, []
    for r in rates:
        sd = math.sqrt(N * baseline * (1 - baseline) * inflation)
        s = max(0.0, s + min(3.0, (N * r - N * baseline) / sd) - 1.0)
        out.append(s)
    return out


# 15 series: a warn and a shift chart each (30 charts), or only warn charts (15)
H_WITH_SHIFT = siegmund_h(365 * 30 / 2)
H_SHIFT = siegmund_h(365 * 30 / 2, k=1.0)
# a day's baseline exposure: 3 calm days of its weekday in its history, plus N/7 a history day
INFLATION = 1 + N / (3 * N + 21 * N / 7)
H_WARN_ONLY = siegmund_h(365 * 15 / 2)
H_CRITICAL_WARN_ONLY = siegmund_h(100 * 365 * 15 / 2)


def test_the_hand_computed_thresholds() -> None:
    assert (H_WITH_SHIFT, H_SHIFT, H_WARN_ONLY, H_CRITICAL_WARN_ONLY) == (6.76, 3.49, 6.07, 10.67)


def test_wobble_past_warn_does_not_open(landing, warehouse) -> None:
    # calm at 0.25, then two days at 0.35: past warn twice in a row, within noise
    overkill_days(landing, *[25] * CALM_DAYS, 35, 35, 25)
    assert max(cusum([0.35, 0.35], 0.30)) < H_WITH_SHIFT
    assert max(shift_cusum([0.35, 0.35], 0.25, INFLATION)) < H_SHIFT
    go(landing, warehouse, settings())
    assert alerts_of(warehouse) == []
    # today's rule, on the same days, opens on the two days past warn
    go(landing, warehouse, settings(method="threshold"))
    assert alerts_of(warehouse) == [("warning", "open", "2026-09-29", "2026-09-30")]


def test_a_real_shift_past_warn_opens_a_warning(landing, warehouse) -> None:
    overkill_days(landing, *[25] * CALM_DAYS, 45, 45, 45)
    s = cusum([0.45] * 3, 0.30)
    assert s[1] < H_WARN_ONLY < s[2]  # crosses on the third day
    go(landing, warehouse, settings(shift_alerts=False))
    # dated from the day the move began, confirmed on the day the evidence crossed H
    assert alerts_of(warehouse) == [("warning", "open", "2026-09-29", "2026-10-01")]


def test_overwhelming_evidence_past_warn_is_critical_under_the_critical_threshold(
    landing, warehouse
) -> None:
    overkill_days(landing, *[25] * CALM_DAYS, 45, 45, 45, 45)
    s = cusum([0.45] * 4, 0.30)
    assert s[2] < H_CRITICAL_WARN_ONLY < s[3] and 0.45 < RULE["critical"]
    go(landing, warehouse, settings(shift_alerts=False))
    assert alerts_of(warehouse) == [("critical", "open", "2026-09-29", "2026-10-01")]
    assert rows(
        warehouse,
        "select event, metric_date::varchar, severity from alert_events order by metric_date",
    ) == [("opened", "2026-10-01", "warning"), ("escalated", "2026-10-02", "critical")]
    assert texts(warehouse)[1].startswith(
        "[CRITICAL] overkill_rate BR escalated: 45.00% (95% 40.12% to 49.88%) over 4 days since "
        "2026-09-29; overwhelming evidence above the warn threshold 30.00%"
    )


def test_the_warning_says_why(landing, warehouse) -> None:
    overkill_days(landing, *[25] * CALM_DAYS, 45, 45, 45)
    go(landing, warehouse, settings(shift_alerts=False))
    # 135 overturns of 300: 45%, +-1.96 sqrt(0.45 * 0.55 / 300) = 5.63 points
    half = 1.959963984540054 * math.sqrt(0.45 * 0.55 / 300)
    assert f"{100 * (0.45 - half):.2f} {100 * (0.45 + half):.2f}" == "39.37 50.63"
    assert texts(warehouse) == [
        "[WARNING] overkill_rate BR opened: 45.00% (95% 39.37% to 50.63%) over 3 days since "
        "2026-09-29; evidence above the warn threshold 30.00% (at 2 false alarms a year "
        "across all series)"
    ]


def test_a_shift_alert_opens_below_warn(landing, warehouse) -> None:
    # calm at 0.10, then 0.20: doubled, still under warn 0.30
    overkill_days(landing, *[10] * CALM_DAYS, 20, 20, 20)
    s = shift_cusum([0.20] * 3, 0.10, INFLATION)
    assert s[0] < H_SHIFT < s[1]
    go(landing, warehouse, settings())
    assert alerts_of(warehouse) == [("notice", "open", "2026-09-29", "2026-09-30")]
    assert texts(warehouse) == [
        "[NOTICE] overkill_rate BR opened: 20.00% over 2 days since 2026-09-29, 2.0 times its "
        "usual 10.00% (weekday pattern known), still under the warn threshold 30.00%"
    ]
    # without shift alerts the same days open nothing: they are under warn
    go(landing, warehouse, settings(shift_alerts=False))
    assert query(warehouse, "select resolution from alerts") == [{"resolution": "withdrawn"}]


def test_audit_rates_are_judged_on_rolling_windows(landing, warehouse) -> None:
    # 2 audited penalties a day for 7 days, one of each day's judged non-violating (0.50); a
    # window of 7 days reaches Kish n 10 on its fifth day, where one day (n 2) never does
    for offset in range(7):
        d = (START + timedelta(days=offset)).isoformat()
        landing.csv(
            f"decisions/{d}.csv", [decision(f"d-{d}-{i}", f"{d}T10:00:00Z") for i in range(2)]
        )
        landing.csv(
            f"audits/{d}.csv",
            [
                audit(f"q-{d}-{i}", f"d-{d}-{i}", verdict, f"{d}T20:00:00Z")
                for i, verdict in enumerate(["non_violating", "violating"])
            ],
        )
    rule = dict(method="threshold", min_denominator=10, for_days=1)
    go(landing, warehouse, settings("audit_overkill_rate", audit_rolling_days=1, **rule))
    assert alerts_of(warehouse) == []
    go(landing, warehouse, settings("audit_overkill_rate", **rule))  # 7 days, the default
    assert query(warehouse, "select opened_on::varchar as d, worst_value from alerts") == [
        {"d": "2026-09-05", "worst_value": 0.5}
    ]


def test_young_days_are_judged_on_their_projection(landing, warehouse) -> None:
    # calm days: 24 of 100 overturned, half resolved on the day, half 3 days later, so the
    # nowcast's completeness at ages 0-2 is exactly 0.5; the last three days (ages 2, 1, 0 as of
    # 2026-10-12) hold 28 overturns known so far: 28% observed, under warn, but 28 of an exposure
    # of 0.5 x 100 = 50 is 56% projected
    as_of = date(2026, 10, 12)
    young = [as_of - timedelta(days=a) for a in (2, 1, 0)]
    day = START
    while day <= as_of:
        d = day.isoformat()
        landing.csv(
            f"decisions/{d}.csv", [decision(f"d-{d}-{i}", f"{d}T10:00:00Z") for i in range(N)]
        )
        later = (day + timedelta(days=3)).isoformat()
        resolved = [f"{d}T18:00:00Z"] * 28 if day in young else (
            [f"{d}T18:00:00Z"] * 12 + [f"{later}T18:00:00Z"] * 12
        )  # fmt: skip
        landing.csv(
            f"appeals/{d}.csv",
            [
                appeal(f"a-{d}-{i}", f"d-{d}-{i}", "overturned", f"{d}T12:00:00Z", at)
                for i, at in enumerate(resolved)
            ],
        )
        day += timedelta(days=1)
    alerts = settings(shift_alerts=False)
    run(landing, warehouse, appeal_window_days=7, as_of=as_of, alerts=alerts)
    assert (
        query(
            warehouse,
            "select overkill_rate, overkill_completeness from market_daily_metrics "
            "where market = 'BR' and metric_date >= ? order by metric_date",
            [young[0]],
        )
        == [{"overkill_rate": 0.28, "overkill_completeness": 0.5}] * 3
    )
    # each young day: (28 - 0.5 x 100 x 0.30) / sqrt(100 x 0.30 x 0.70) - 0.5 x 0.5
    step = (28 - 15) / math.sqrt(100 * 0.3 * 0.7) - 0.25
    assert 2 * step < H_WARN_ONLY < 3 * step
    assert alerts_of(warehouse) == [("warning", "open", "2026-10-10", "2026-10-12")]
    # 84 of an exposure of 150: 56%, +-1.96 sqrt(0.56 x 0.44 / 150)
    assert texts(warehouse) == [
        "[WARNING] overkill_rate BR opened: projected 56.00% (95% 48.06% to 63.94%) over 3 days "
        "since 2026-10-10 with 50% of their appeals in; evidence above the warn threshold 30.00% "
        "(at 2 false alarms a year across all series)"
    ]
    # today's rule reads 28% as a lower bound under warn: nothing
    run(landing, warehouse, appeal_window_days=7, as_of=as_of, alerts=settings(method="threshold"))
    assert query(warehouse, "select resolution from alerts") == [{"resolution": "withdrawn"}]


def test_an_opening_alert_names_its_top_driver(landing, warehouse) -> None:
    # every day 50 spam and 50 hate penalties; calm: 10 spam and 15 hate overturned (25%), from
    # 2026-09-29: 10 and 35 (45%), the days of test_the_warning_says_why. The settled week
    # 09-25..10-01 (4 calm days, 3 moved) against 09-18..09-24: the shares stay 1/2, so hate's
    # contribution is all rate, (165/350 - 15/50) * (1/2 + 1/2) / 2 = +8.57 points, and spam's 0.
    # object_type, source and queue have one segment each: they name no driver.
    for offset in range(CALM_DAYS + 3):
        d = (START + timedelta(days=offset)).isoformat()
        moved = offset >= CALM_DAYS
        overturned = {"spam": 10, "hate": 35 if moved else 15}
        landing.csv(
            f"decisions/{d}.csv",
            [
                decision(f"d-{d}-{p}-{i}", f"{d}T10:00:00Z", policy=p)
                for p in overturned
                for i in range(N // 2)
            ],
        )
        landing.csv(
            f"appeals/{d}.csv",
            [
                appeal(
                    f"a-{d}-{p}-{i}",
                    f"d-{d}-{p}-{i}",
                    "overturned",
                    f"{d}T12:00:00Z",
                    f"{d}T18:00:00Z",
                )  # fmt: skip
                for p, k in overturned.items()
                for i in range(k)
            ],
        )
    go(landing, warehouse, settings(shift_alerts=False))
    hate = (165 / 350 - 15 / 50) * (1 / 2 + 1 / 2) / 2
    assert f"{100 * hate:+.2f}" == "+8.57"
    assert texts(warehouse) == [
        "[WARNING] overkill_rate BR opened: 45.00% (95% 39.37% to 50.63%) over 3 days since "
        "2026-09-29; evidence above the warn threshold 30.00% (at 2 false alarms a year "
        "across all series); top driver: policy hate, +8.57 pts (mix +0.00, rate +8.57) "
        "(2026-09-25..2026-10-01 against 2026-09-18..2026-09-24)"
    ]
