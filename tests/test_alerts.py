"""Alerts: one rule a test, on hand-computed daily overkill rates of BR, through real runs.

Every fixture day holds `n` BR penalties of which `k` were overturned on appeal, so the day's
overkill_rate is exactly k/n, with the Wilson interval of (k/n, n). The rule under test (RULE)
warns past 0.30, is critical past 0.60, recovers under 0.10, judges days with 3 penalties or more
and opens after 2 breaching days; the other metrics never judge a day (min_denominator huge).
"""

from __future__ import annotations

import json
import logging
import socket
from datetime import date
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from conftest import Landing, appeal, cli, decision, query, rows, run, wilson
from pipelines.settings import ALERT_METRICS, MARKETS, AlertRule, AlertSettings

pytestmark = pytest.mark.usefixtures("isolated_settings")

RULE = dict(
    direction="above",
    warn=0.30,
    critical=0.60,
    recovery=0.10,
    min_denominator=3,
    for_days=2,
    provisional_opens=False,
)
SECRET = "s3cr3t-T0KEN-4f9a"
WEBHOOK_ENV = "MODMETRICS_ALERT_WEBHOOK_URL"


def alert_settings(sinks=("console", "jsonl"), backoff: float = 300.0, **rule) -> AlertSettings:
    """Rules where only BR's overkill_rate judges days: RULE with `rule`'s changes."""
    never = dict(RULE, min_denominator=10**9)
    return AlertSettings(
        sinks=sinks,
        method=rule.pop("method", "threshold"),
        retry_backoff_seconds=backoff,
        webhook_timeout_seconds=2.0,
        rules=tuple(
            AlertRule(
                metric=metric,
                market=market,
                **({**RULE, **rule} if (metric, market) == ("overkill_rate", "BR") else never),
            )
            for metric in ALERT_METRICS
            for market in MARKETS
        ),
    )


def day(landing: Landing, date: str, n: int, k: int, name: str | None = None) -> None:
    """BR on `date`: n penalties, the first k overturned (appealed the next day)."""
    name = name or date
    landing.csv(
        f"decisions/{name}.csv",
        [decision(f"d-{date}-{i}", f"{date}T10:00:00Z") for i in range(n)],
    )
    if k:
        landing.csv(
            f"appeals/{name}.csv",
            [
                appeal(
                    f"a-{date}-{i}",
                    f"d-{date}-{i}",
                    "overturned",
                    appealed_at=f"{date}T12:00:00Z",
                    resolved_at=f"{date}T18:00:00Z",
                )
                for i in range(k)
            ],
        )


def days(landing: Landing, *values: tuple[int, int], start: int = 1) -> None:
    """Consecutive days from 2026-10-<start>, one (n, k) each."""
    for offset, (n, k) in enumerate(values):
        day(landing, f"2026-10-{start + offset:02d}", n, k)


def go(
    landing: Landing,
    warehouse: Path,
    appeal_window_days: int = 0,
    as_of: str = "2026-10-31",
    **alerts,
) -> str:
    return run(
        landing,
        warehouse,
        appeal_window_days=appeal_window_days,
        as_of=date.fromisoformat(as_of),
        alerts=alerts.pop("settings", None) or alert_settings(**alerts),
    )


def alerts_of(warehouse: Path) -> list[dict]:
    return query(
        warehouse,
        "select alert_id, severity, status, opened_on::varchar as opened_on, "
        "last_breach_on::varchar as last_breach_on, resolved_on::varchar as resolved_on, "
        "worst_value, threshold, resolution from alerts order by opened_on",
    )


def events_of(warehouse: Path) -> list[tuple]:
    return rows(
        warehouse,
        "select event_id, metric_date::varchar, severity, value, threshold from alert_events "
        "order by metric_date, event",
    )


WARN = (5, 2)  # 0.40, interval (0.118, 0.769): a warning
BAND = (5, 1)  # 0.20: between recovery and warn, neither breach nor recovery
CALM = (5, 0)  # 0.00: recovered
PAST_CRITICAL = (3, 2)  # 0.667 > 0.60, interval from 0.208: critical by threshold
SIGNIFICANT = (40, 20)  # 0.50 < 0.60, interval from 0.352 > 0.30: critical by significance


def test_the_fixture_rates_are_what_the_rules_say() -> None:
    assert wilson(0.4, 5)[0] < 0.30 < 0.4
    assert wilson(2 / 3, 3)[0] < 0.30 and 2 / 3 > 0.60
    assert 0.30 < wilson(0.5, 40)[0] and 0.5 < 0.60


def test_an_alert_opens_after_for_days_breaching_days_not_before(landing, warehouse) -> None:
    days(landing, WARN, CALM, WARN)
    go(landing, warehouse)
    assert alerts_of(warehouse) == []

    days(landing, WARN, start=4)  # the second breaching day in a row
    go(landing, warehouse)
    assert alerts_of(warehouse) == [
        {
            "alert_id": "overkill_rate|BR|2026-10-03",
            "severity": "warning",
            "status": "open",
            "opened_on": "2026-10-03",
            "last_breach_on": "2026-10-04",
            "resolved_on": None,
            "worst_value": 0.4,
            "threshold": 0.30,
            "resolution": None,
        }
    ]
    low, high = wilson(0.4, 5)
    assert query(warehouse, "select worst_on::varchar as d, worst_low, worst_high from alerts") == [
        {"d": "2026-10-03", "worst_low": pytest.approx(low), "worst_high": pytest.approx(high)}
    ]
    assert events_of(warehouse) == [
        ("overkill_rate|BR|2026-10-03|opened", "2026-10-04", "warning", 0.4, 0.30)
    ]


def test_flapping_around_the_threshold_opens_one_alert(landing, warehouse) -> None:
    # breach, band, breach, band, breach: never back under recovery, so one alert stays open
    days(landing, WARN, BAND, WARN, BAND, WARN, CALM)
    go(landing, warehouse, for_days=1)
    assert [(a["opened_on"], a["resolved_on"]) for a in alerts_of(warehouse)] == [
        ("2026-10-01", "2026-10-06")
    ]
    assert [e[0] for e in events_of(warehouse)] == [
        "overkill_rate|BR|2026-10-01|opened",
        "overkill_rate|BR|2026-10-01|resolved",
    ]


def test_breaches_that_are_never_consecutive_open_nothing(landing, warehouse) -> None:
    days(landing, WARN, CALM, WARN, CALM, WARN, CALM)
    go(landing, warehouse)
    assert alerts_of(warehouse) == []


def test_a_day_under_the_minimum_denominator_opens_nothing(landing, warehouse) -> None:
    days(landing, (2, 2), (2, 2), (2, 2))  # 100% overkill, on 2 penalties a day
    go(landing, warehouse, for_days=1)
    assert alerts_of(warehouse) == []
    # and it does not break a streak either: it is not judged
    days(landing, WARN, (2, 0), WARN, start=4)
    go(landing, warehouse)
    assert [(a["opened_on"], a["last_breach_on"]) for a in alerts_of(warehouse)] == [
        ("2026-10-04", "2026-10-06")
    ]


def test_past_the_critical_threshold_is_critical(landing, warehouse) -> None:
    days(landing, PAST_CRITICAL)
    go(landing, warehouse, for_days=1)
    (alert,) = alerts_of(warehouse)
    assert (alert["severity"], alert["worst_value"], alert["threshold"]) == (
        "critical",
        pytest.approx(2 / 3),
        0.60,
    )
    (payload,) = [
        json.loads(p)
        for (p,) in rows(
            warehouse,
            "select payload from alert_events "
            "join alert_notifications using (event_id) where sink = 'jsonl'",
        )
    ]
    assert payload["text"] == (
        "[CRITICAL] overkill_rate BR opened: 66.67% on 2026-10-01 (95% CI 20.77% to 93.85%), "
        "above the critical threshold 60.00%; breaching since 2026-10-01"
    )


def test_a_significant_breach_is_critical(landing, warehouse) -> None:
    days(landing, SIGNIFICANT)
    go(landing, warehouse, for_days=1)
    (alert,) = alerts_of(warehouse)
    assert (alert["severity"], alert["worst_value"], alert["threshold"]) == (
        "critical",
        0.5,
        0.60,
    )
    (text,) = rows(
        warehouse, "select payload->>'text' from alert_notifications where sink = 'jsonl'"
    )[0]
    assert "the whole interval above the warn threshold 30.00%" in text


def test_a_warning_that_becomes_critical_is_escalated_not_duplicated(landing, warehouse) -> None:
    days(landing, WARN, WARN)
    go(landing, warehouse)
    days(landing, SIGNIFICANT, start=3)
    go(landing, warehouse)
    assert [(a["alert_id"], a["severity"], a["threshold"]) for a in alerts_of(warehouse)] == [
        ("overkill_rate|BR|2026-10-01", "critical", 0.60)
    ]
    assert events_of(warehouse) == [
        ("overkill_rate|BR|2026-10-01|opened", "2026-10-02", "warning", 0.4, 0.30),
        ("overkill_rate|BR|2026-10-01|escalated", "2026-10-03", "critical", 0.5, 0.60),
    ]


def test_it_resolves_only_back_past_the_recovery_threshold(landing, warehouse) -> None:
    days(landing, WARN, WARN, BAND, BAND)
    go(landing, warehouse)
    assert [(a["status"], a["last_breach_on"]) for a in alerts_of(warehouse)] == [
        ("open", "2026-10-02")
    ]
    days(landing, CALM, start=5)
    go(landing, warehouse)
    assert [(a["status"], a["resolved_on"], a["resolution"]) for a in alerts_of(warehouse)] == [
        ("resolved", "2026-10-05", "recovered")
    ]
    assert events_of(warehouse)[-1] == (
        "overkill_rate|BR|2026-10-01|resolved",
        "2026-10-05",
        "warning",
        0.0,
        0.10,
    )


def test_a_breach_after_resolution_is_a_new_alert(landing, warehouse) -> None:
    days(landing, WARN, CALM, WARN)
    go(landing, warehouse, for_days=1)
    assert [(a["alert_id"], a["status"]) for a in alerts_of(warehouse)] == [
        ("overkill_rate|BR|2026-10-01", "resolved"),
        ("overkill_rate|BR|2026-10-03", "open"),
    ]


def test_provisional_days_open_alerts_only_where_the_setting_says(landing, warehouse) -> None:
    days(landing, WARN, WARN)  # as of 2026-10-31 with a 30-day window: both days provisional
    go(landing, warehouse, appeal_window_days=30)
    assert alerts_of(warehouse) == []
    go(landing, warehouse, appeal_window_days=30, provisional_opens=True)
    assert [a["alert_id"] for a in alerts_of(warehouse)] == ["overkill_rate|BR|2026-10-01"]


def test_overkill_and_leakage_open_on_provisional_days_by_default() -> None:
    rules = AlertSettings().rules
    assert {r.metric for r in rules if r.provisional_opens} == set(ALERT_METRICS)


def test_a_provisional_day_never_resolves_an_overkill_alert(landing, warehouse) -> None:
    days(landing, WARN, WARN, CALM)  # as of 2026-10-31, 30-day window: all three provisional
    go(landing, warehouse, appeal_window_days=30, provisional_opens=True)
    assert [(a["status"], a["last_breach_on"]) for a in alerts_of(warehouse)] == [
        ("open", "2026-10-02")
    ]
    # 2026-11-02: 2026-10-03 has settled (no later than 11-02 - 30 days) and still calm: resolved
    go(landing, warehouse, appeal_window_days=30, provisional_opens=True, as_of="2026-11-02")
    assert [(a["status"], a["resolved_on"]) for a in alerts_of(warehouse)] == [
        ("resolved", "2026-10-03")
    ]
    assert rows(
        warehouse, "select event_id, metric_date::varchar, notified from alert_events order by all"
    ) == [
        ("overkill_rate|BR|2026-10-01|opened", "2026-10-02", True),
        ("overkill_rate|BR|2026-10-01|resolved", "2026-10-03", True),  # news: the day settled
    ]


def test_a_restated_past_day_updates_the_history(landing, warehouse) -> None:
    days(landing, BAND, WARN)  # 2026-10-01 at 0.20: one breaching day, no alert
    go(landing, warehouse)
    assert alerts_of(warehouse) == []

    # a late overturn on 2026-10-01's decisions: 0.40, two breaching days, an alert from then
    late = appeal("a-late", "d-2026-10-01-4", "overturned", "2026-10-20T10:00:00Z",
                  "2026-10-21T10:00:00Z")  # fmt: skip
    landing.csv("appeals/late.csv", [late])
    go(landing, warehouse)
    assert [(a["alert_id"], a["status"]) for a in alerts_of(warehouse)] == [
        ("overkill_rate|BR|2026-10-01", "open")
    ]
    assert [e[0] for e in events_of(warehouse)] == ["overkill_rate|BR|2026-10-01|opened"]

    # the appeal is upheld after all: the breach is gone, the alert withdrawn, announced once
    upheld = dict(late, status="upheld", resolved_at="2026-10-25T10:00:00Z")
    landing.csv("appeals/later.csv", [upheld])
    go(landing, warehouse)
    assert [(a["status"], a["resolved_on"], a["resolution"]) for a in alerts_of(warehouse)] == [
        ("resolved", "2026-10-01", "withdrawn")
    ]
    assert query(
        warehouse,
        "select event, metric_date::varchar as d, value, note from alert_events "
        "order by created_at, event",
    )[-1] == {
        "event": "resolved",
        "d": "2026-10-01",
        "value": None,
        "note": "withdrawn: the restated days no longer breach",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _snapshot(warehouse: Path) -> dict:
    return {
        table: query(warehouse, f"select * from {table} order by all")
        for table in ("alerts", "alert_events", "alert_notifications", "alert_thresholds")
    }


def test_the_webhook_gets_one_post_per_event_and_a_rerun_sends_nothing(
    landing, warehouse, monkeypatch
) -> None:
    days(landing, WARN, WARN, SIGNIFICANT, CALM)
    with HTTPServer(host="127.0.0.1", port=_free_port()) as server:
        server.expect_request(f"/hook/{SECRET}", method="POST").respond_with_data("ok")
        monkeypatch.setenv(WEBHOOK_ENV, server.url_for(f"/hook/{SECRET}"))
        go(landing, warehouse, sinks=("webhook",), as_of="2026-10-04")
        received = [(r.headers["Idempotency-Key"], r.get_json()) for r, _ in server.log]
        assert [key for key, _ in received] == [
            "overkill_rate|BR|2026-10-01|opened",
            "overkill_rate|BR|2026-10-01|escalated",
            "overkill_rate|BR|2026-10-01|resolved",
        ]
        assert {k: v for k, v in received[1][1].items() if k != "text"} == {
            "event_id": "overkill_rate|BR|2026-10-01|escalated",
            "alert_id": "overkill_rate|BR|2026-10-01",
            "event": "escalated",
            "metric": "overkill_rate",
            "market": "BR",
            "severity": "critical",
            "metric_date": "2026-10-03",
            "value": 0.5,
            "low": pytest.approx(wilson(0.5, 40)[0]),
            "high": pytest.approx(wilson(0.5, 40)[1]),
            "threshold": 0.6,
            "direction": "above",
            "opened_on": "2026-10-01",
            "quoted_on": "2026-10-03",
            "note": None,
        }
        assert received[1][1]["text"].startswith("[CRITICAL] overkill_rate BR escalated: 50.00%")
        before = _snapshot(warehouse)
        assert {(n["status"], n["attempts"]) for n in before["alert_notifications"]} == {
            ("delivered", 1)
        }

        go(landing, warehouse, sinks=("webhook",), as_of="2026-10-04")
        assert len(server.log) == 3  # nothing new
        assert _snapshot(warehouse) == before  # not even a timestamp moved


def test_with_the_server_down_the_event_waits_and_is_delivered_once_next_run(
    landing, warehouse, monkeypatch
) -> None:
    port = _free_port()
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{port}/hook/{SECRET}")
    days(landing, WARN, WARN)
    go(landing, warehouse, sinks=("webhook",), backoff=0)  # nobody listens on the port
    assert query(
        warehouse,
        "select event_id, status, attempts, last_error, delivered_at from alert_notifications",
    ) == [
        {
            "event_id": "overkill_rate|BR|2026-10-01|opened",
            "status": "failed",
            "attempts": 1,
            "last_error": "URLError: Connection refused",
            "delivered_at": None,
        }
    ]
    # a failed sink never fails the run (`go` asserts exit 0) and the summary says so
    code, out, _ = cli("alerts", "--warehouse", warehouse, cwd=warehouse.parent)
    assert code == 0 and "overkill_rate|BR|2026-10-01" in out

    with HTTPServer(host="127.0.0.1", port=port) as server:
        server.expect_request(f"/hook/{SECRET}", method="POST").respond_with_data("ok")
        go(landing, warehouse, sinks=("webhook",), backoff=0)
        go(landing, warehouse, sinks=("webhook",), backoff=0)
        assert [r.headers["Idempotency-Key"] for r, _ in server.log] == [
            "overkill_rate|BR|2026-10-01|opened"
        ]
    assert query(warehouse, "select status, attempts, last_error from alert_notifications") == [
        {"status": "delivered", "attempts": 2, "last_error": None}
    ]


def test_a_failed_delivery_waits_for_its_backoff(landing, warehouse, monkeypatch) -> None:
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{_free_port()}/hook/{SECRET}")
    days(landing, WARN, WARN)
    go(landing, warehouse, sinks=("webhook",), backoff=3600)
    go(landing, warehouse, sinks=("webhook",), backoff=3600)  # too early to retry
    ((attempts, wait),) = rows(
        warehouse,
        "select attempts, epoch(next_attempt_at) - epoch(created_at) from alert_notifications",
    )
    assert (attempts, wait) == (1, pytest.approx(3600, abs=5))


def test_the_webhook_url_never_appears_anywhere(landing, warehouse, monkeypatch, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    days(landing, WARN, WARN)
    (landing.root / "modmetrics.toml").write_text(
        '[validation]\nexpected_markets = ["BR"]\n'
        '[alerts]\nsinks = ["console", "webhook"]\nretry_backoff_seconds = 0\n'
        'method = "threshold"\n'  # 5 penalties a day: too few for evidence past warn
        "[alerts.overkill_rate]\nwarn = 0.3\ncritical = 0.6\nmin_denominator = 3\n"
    )
    for url in (f"http://127.0.0.1:{_free_port()}/hook/{SECRET}", f"nonsense://{SECRET}"):
        monkeypatch.setenv(WEBHOOK_ENV, url)
        code, out, err = cli(
            "run", "--landing", landing.root, "--warehouse", warehouse, "--as-of", "2026-11-30",
            cwd=landing.root,
        )  # fmt: skip
        assert code == 0, err
        assert SECRET not in out + err + caplog.text
        listed = cli("alerts", "--format", "json", "--warehouse", warehouse, cwd=landing.root)
        assert SECRET not in listed[1] + listed[2]
    assert {r["last_error"] for r in query(warehouse, "select last_error from "
            "alert_notifications where sink = 'webhook'")} == {"URLError"}  # fmt: skip
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_schema = 'main'"
        ).fetchall()
        for table, column in columns:
            hits = con.execute(
                f'select count(*) from "{table}" where "{column}" like ?', [f"%{SECRET}%"]
            ).fetchone()[0]
            assert hits == 0, f"{table}.{column}"
    finally:
        con.close()
    assert len(columns) > 50


def test_the_jsonl_sink_writes_one_line_per_event(landing, warehouse) -> None:
    days(landing, WARN, WARN, SIGNIFICANT, CALM)
    go(landing, warehouse, sinks=("jsonl",), as_of="2026-10-04")
    go(landing, warehouse, sinks=("jsonl",), as_of="2026-10-04")
    lines = (warehouse.parent / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["opened", "escalated", "resolved"]


def test_modmetrics_alerts_lists_the_open_ones(landing, warehouse) -> None:
    days(landing, WARN, CALM, WARN)
    go(landing, warehouse, for_days=1)
    code, out, err = cli(
        "alerts", "--open", "--format", "json", "--warehouse", warehouse, cwd=warehouse.parent
    )
    assert (code, err) == (0, "")
    assert json.loads(out) == [
        {
            "alert_id": "overkill_rate|BR|2026-10-03",
            "metric": "overkill_rate",
            "market": "BR",
            "severity": "warning",
            "status": "open",
            "opened_on": "2026-10-03",
            "last_breach_on": "2026-10-03",
            "resolved_on": None,
            "worst_value": 0.4,
            "worst_low": pytest.approx(wilson(0.4, 5)[0]),
            "worst_high": pytest.approx(wilson(0.4, 5)[1]),
            "threshold": 0.3,
            "resolution": None,
        }
    ]
    code, out, _ = cli("alerts", "--warehouse", warehouse, cwd=warehouse.parent)
    assert code == 0 and out.splitlines()[-1] == "(2 rows)"


def test_the_run_summary_has_an_alerts_line(landing, warehouse, capsys) -> None:
    days(landing, WARN, WARN, CALM)
    (landing.root / "modmetrics.toml").write_text(
        '[validation]\nexpected_markets = ["BR"]\n'
        '[alerts]\nmethod = "threshold"\n'  # 5 penalties a day: too few for evidence past warn
        "[alerts.overkill_rate]\nwarn = 0.3\ncritical = 0.6\nrecovery = 0.1\n"
        "min_denominator = 3\nprovisional_opens = true\n"
    )
    code, out, err = cli(
        "run", "--landing", landing.root, "--warehouse", warehouse, "--as-of", "2026-10-31",
        cwd=landing.root,
    )  # fmt: skip
    assert code == 0, err
    assert (
        # 2026-10-03 is calm but provisional: a provisional overkill rate may still rise
        "  alerts: 1 opened, 0 escalated, 0 resolved; 1 open now; notifications 0 pending, 0 failed"
    ) in out.splitlines()
    assert "modmetrics alert: [WARNING] overkill_rate BR opened: 40.00% on 2026-10-02" in out


def test_the_thresholds_table_holds_the_resolved_rules(landing, warehouse) -> None:
    days(landing, CALM)
    go(landing, warehouse)
    assert query(
        warehouse,
        "select count(*) as n, count(distinct metric) as metrics, "
        "count(distinct market) as markets from alert_thresholds",
    ) == [{"n": 15, "metrics": 5, "markets": 3}]
    assert query(warehouse, "select * exclude (metric, market) from alert_thresholds "
                 "where metric = 'overkill_rate' and market = 'BR'") == [
        {
            "direction": "above",
            "warn_threshold": 0.3,
            "critical_threshold": 0.6,
            "recovery_threshold": 0.1,
            "min_denominator": 3,
            "for_days": 2,
            "provisional_opens": False,
        }
    ]  # fmt: skip


def _overturn_late(
    landing: Landing,
    date_: str,
    *indexes: int,
    status: str = "overturned",
    appealed_at: str = "2026-10-20T10:00:00Z",
    resolved_at: str = "2026-10-21T10:00:00Z",
) -> None:
    """Late appeals on `date_`'s decisions (the day is restated by the next run); an overturn
    counts once the run's as_of reaches `resolved_at`."""
    landing.csv(
        f"appeals/late-{date_}-{status}-{'-'.join(map(str, indexes))}.csv",
        [
            appeal(
                f"a-{date_}-{i}",
                f"d-{date_}-{i}",
                status,
                appealed_at,
                resolved_at,
            )  # fmt: skip
            for i in indexes
        ],
    )


def test_a_restatement_that_moves_the_first_day_keeps_the_alert(landing, warehouse) -> None:
    days(landing, BAND, WARN, WARN, WARN)  # 0.20, 0.40, 0.40, 0.40
    go(landing, warehouse)
    assert [(a["alert_id"], a["opened_on"]) for a in alerts_of(warehouse)] == [
        ("overkill_rate|BR|2026-10-02", "2026-10-02")
    ]
    _overturn_late(landing, "2026-10-01", 4)  # 2026-10-01: 2 of 5 = 0.40, a breach too
    go(landing, warehouse)
    assert [
        (a["alert_id"], a["status"], a["opened_on"], a["resolution"]) for a in alerts_of(warehouse)
    ] == [("overkill_rate|BR|2026-10-02", "open", "2026-10-01", None)]
    assert query(warehouse, "select confirmed_on::varchar as c from alerts") == [
        {"c": "2026-10-02"}
    ]
    # the same alert: no withdrawal, no second opening
    assert [e[0] for e in events_of(warehouse)] == ["overkill_rate|BR|2026-10-02|opened"]


def test_a_resolved_alert_reopened_by_a_restatement_says_so_and_resolves_again(
    landing, warehouse
) -> None:
    days(landing, WARN, WARN, CALM)
    go(landing, warehouse, as_of="2026-10-03")
    # 2026-10-03: 2 of 5 = 0.40, no recovery (known by the as_of of the run)
    _overturn_late(landing, "2026-10-03", 0, 1, appealed_at="2026-10-03T11:00:00Z",
                   resolved_at="2026-10-03T12:00:00Z")  # fmt: skip
    go(landing, warehouse, as_of="2026-10-03")
    assert [(a["status"], a["resolved_on"]) for a in alerts_of(warehouse)] == [("open", None)]
    days(landing, CALM, start=4)
    go(landing, warehouse, as_of="2026-10-04")
    assert [(a["status"], a["resolved_on"]) for a in alerts_of(warehouse)] == [
        ("resolved", "2026-10-04")
    ]
    assert rows(
        warehouse,
        "select event_id, metric_date::varchar, value, notified from alert_events "
        "order by created_at, event_id",
    ) == [
        ("overkill_rate|BR|2026-10-01|opened", "2026-10-02", 0.4, True),
        ("overkill_rate|BR|2026-10-01|resolved", "2026-10-03", 0.0, True),
        ("overkill_rate|BR|2026-10-01|reopened", "2026-10-03", 0.4, True),
        ("overkill_rate|BR|2026-10-01|resolved|2", "2026-10-04", 0.0, True),
    ]
    lines = (warehouse.parent / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == [
        "overkill_rate|BR|2026-10-01|opened",
        "overkill_rate|BR|2026-10-01|resolved",
        "overkill_rate|BR|2026-10-01|reopened",
        "overkill_rate|BR|2026-10-01|resolved|2",
    ]
    assert json.loads(lines[2])["text"] == (
        "[WARNING] overkill_rate BR reopened: 40.00% on 2026-10-03 (95% CI 11.76% to 76.93%), "
        "above the warn threshold 30.00%; breaching since 2026-10-01"
    )


def test_a_critical_alert_stays_critical_when_a_restatement_lowers_its_day(
    landing, warehouse
) -> None:
    days(landing, WARN, WARN, SIGNIFICANT)
    go(landing, warehouse)
    # 6 of 2026-10-03's 20 overturns are upheld after all: 14 of 40 = 0.35, only a warning
    assert wilson(0.35, 40)[0] < 0.30
    _overturn_late(landing, "2026-10-03", *range(6), status="upheld")
    go(landing, warehouse)
    assert [(a["severity"], a["worst_value"], a["threshold"]) for a in alerts_of(warehouse)] == [
        ("critical", 0.4, 0.60)
    ]
    assert [e[0] for e in events_of(warehouse)] == [
        "overkill_rate|BR|2026-10-01|opened",
        "overkill_rate|BR|2026-10-01|escalated",
    ]


def test_a_critical_opening_quotes_the_day_that_made_it_critical(landing, warehouse) -> None:
    days(landing, PAST_CRITICAL, WARN)  # critical on 2026-10-01, confirmed on 2026-10-02
    go(landing, warehouse)
    assert events_of(warehouse) == [
        ("overkill_rate|BR|2026-10-01|opened", "2026-10-02", "critical", 0.4, 0.60)
    ]
    ((text,),) = rows(
        warehouse, "select payload->>'text' from alert_notifications where sink = 'jsonl'"
    )
    assert text == (
        "[CRITICAL] overkill_rate BR opened: 66.67% on 2026-10-01 (95% CI 20.77% to 93.85%), "
        "above the critical threshold 60.00%; breaching since 2026-10-01"
    )


def test_a_first_load_announces_what_is_current_and_a_rule_change_says_so(
    landing, warehouse
) -> None:
    days(landing, WARN, WARN, CALM)  # an alert resolved on 2026-10-03, long before 10-31
    days(landing, CALM, start=19)
    days(landing, WARN, WARN, start=20)  # an alert open since 2026-10-20
    go(landing, warehouse)
    assert rows(warehouse, "select event_id, notified from alert_events order by metric_date") == [
        ("overkill_rate|BR|2026-10-01|opened", False),
        ("overkill_rate|BR|2026-10-01|resolved", False),
        ("overkill_rate|BR|2026-10-20|opened", True),
    ]
    lines = (warehouse.parent / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == [
        "overkill_rate|BR|2026-10-20|opened"
    ]

    go(landing, warehouse, warn=0.45)  # 0.40 no longer breaches
    assert [(a["alert_id"], a["resolution"]) for a in alerts_of(warehouse)] == [
        ("overkill_rate|BR|2026-10-01", "withdrawn"),
        ("overkill_rate|BR|2026-10-20", "withdrawn"),
    ]
    lines = (warehouse.parent / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(line)["text"] for line in lines[1:]] == [
        "[RESOLVED] overkill_rate BR: alert open since 2026-10-20 withdrawn "
        "(withdrawn: the rules changed)"
    ]


def test_a_webhook_without_its_variable_keeps_the_event_until_it_is_set(
    landing, warehouse, monkeypatch
) -> None:
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    days(landing, WARN, WARN)
    go(landing, warehouse, sinks=("console", "webhook"), backoff=0)
    assert query(
        warehouse,
        "select status, attempts, last_error from alert_notifications where sink = 'webhook'",
    ) == [
        {
            "status": "failed",
            "attempts": 1,
            "last_error": f"environment variable {WEBHOOK_ENV} is not set",
        }
    ]
    with HTTPServer(host="127.0.0.1", port=_free_port()) as server:
        server.expect_request(f"/hook/{SECRET}", method="POST").respond_with_data("ok")
        monkeypatch.setenv(WEBHOOK_ENV, server.url_for(f"/hook/{SECRET}"))
        go(landing, warehouse, sinks=("console", "webhook"), backoff=0)
        go(landing, warehouse, sinks=("console", "webhook"), backoff=0)
        assert [r.headers["Idempotency-Key"] for r, _ in server.log] == [
            "overkill_rate|BR|2026-10-01|opened"
        ]
    assert query(
        warehouse, "select sink, status, attempts from alert_notifications order by sink"
    ) == [
        {"sink": "console", "status": "delivered", "attempts": 1},
        {"sink": "webhook", "status": "delivered", "attempts": 2},
    ]


def test_modmetrics_alerts_on_an_old_warehouse_is_one_line(landing, warehouse) -> None:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(warehouse)).close()  # a warehouse without the alerts tables
    code, out, err = cli("alerts", "--warehouse", warehouse, cwd=warehouse.parent)
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and "alerts" in err
