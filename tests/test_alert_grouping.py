"""[alerts] group = "run": one message per sink and run, every event keeping its own key.

Through real runs on the fixture of tests/test_alerts.py (BR overkill, hand-computed days): WARN,
WARN opens an alert on 2026-10-01, SIGNIFICANT escalates it on 2026-10-03, CALM resolves it on
2026-10-04. The webhook is a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_alerts import (
    CALM,
    SECRET,
    SIGNIFICANT,
    WARN,
    WEBHOOK_ENV,
    _free_port,
    alert_settings,
    days,
    go,
)

from conftest import Landing, query
from pipelines.settings import AlertSettings

pytestmark = pytest.mark.usefixtures("isolated_settings")

OPENED = "overkill_rate|BR|2026-10-01|opened"
ESCALATED = "overkill_rate|BR|2026-10-01|escalated"
RESOLVED = "overkill_rate|BR|2026-10-01|resolved"


def grouped(sinks: tuple[str, ...], backoff: float = 300.0) -> AlertSettings:
    return AlertSettings(**{**dict(alert_settings(sinks=sinks, backoff=backoff)), "group": "run"})


def group_key(*event_ids: str) -> str:
    return "run|" + hashlib.sha256("\n".join(sorted(event_ids)).encode()).hexdigest()[:16]


def run_grouped(landing: Landing, warehouse: Path, as_of: str, sinks=("webhook",), **kw) -> None:
    go(landing, warehouse, as_of=as_of, settings=grouped(sinks, **kw))


def outbox(warehouse: Path) -> list[dict]:
    return query(
        warehouse,
        "select event_id, sink, status, attempts, last_error, message_key "
        "from alert_notifications order by sink, event_id",
    )


def test_grouping_sends_one_message_per_sink_per_run_and_keeps_every_key(
    landing, warehouse, monkeypatch, capsys
) -> None:
    days(landing, WARN, WARN, SIGNIFICANT, CALM)
    sinks = ("console", "jsonl", "webhook")
    with HTTPServer(host="127.0.0.1", port=_free_port()) as server:
        server.expect_request(f"/hook/{SECRET}", method="POST").respond_with_data("ok")
        monkeypatch.setenv(WEBHOOK_ENV, server.url_for(f"/hook/{SECRET}"))
        run_grouped(landing, warehouse, "2026-10-04", sinks)

        key = group_key(OPENED, ESCALATED, RESOLVED)
        ((request, _),) = server.log  # one POST for the run's three events
        body = request.get_json()
        assert request.headers["Idempotency-Key"] == key == body["message_key"]
        # each event as it would be sent alone: its own payload, with its own key
        payloads = {
            r["event_id"]: json.loads(r["payload"])
            for r in query(
                warehouse,
                "select event_id, payload from alert_notifications where sink = 'webhook'",
            )
        }
        assert body["events"] == [payloads[OPENED], payloads[ESCALATED], payloads[RESOLVED]]
        assert [e["event_id"] for e in body["events"]] == [OPENED, ESCALATED, RESOLVED]
        lines = body["text"].splitlines()
        assert lines[0] == "3 alert events:"
        assert lines[1:] == [f"- {payloads[e]['text']}" for e in (OPENED, ESCALATED, RESOLVED)]
        # one outbox row per event and sink, each delivered once by its sink's message
        assert outbox(warehouse) == [
            {"event_id": e, "sink": sink, "status": "delivered", "attempts": 1,
             "last_error": None, "message_key": key}
            for sink in sinks
            for e in sorted((OPENED, ESCALATED, RESOLVED))
        ]  # fmt: skip
        # the console prints the message once; the JSON Lines file keeps one line per event
        out = capsys.readouterr().out
        assert out.count("modmetrics alert: ") == 1
        assert f"modmetrics alert: {body['text']}\n" in out
        jsonl = (warehouse.parent / "alerts.jsonl").read_text().splitlines()
        assert [json.loads(line) for line in jsonl] == body["events"]

        run_grouped(landing, warehouse, "2026-10-04", sinks)  # nothing new: nothing sent
        assert len(server.log) == 1
        assert "modmetrics alert: " not in capsys.readouterr().out
        assert len((warehouse.parent / "alerts.jsonl").read_text().splitlines()) == 3


def test_a_failed_grouped_message_fails_all_its_rows_and_they_are_retried_together(
    landing, warehouse, monkeypatch
) -> None:
    port = _free_port()
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{port}/hook/{SECRET}")
    days(landing, WARN, WARN, SIGNIFICANT)
    run_grouped(landing, warehouse, "2026-10-03", backoff=0)  # nobody listens on the port
    first = group_key(OPENED, ESCALATED)
    assert outbox(warehouse) == [
        {"event_id": e, "sink": "webhook", "status": "failed", "attempts": 1,
         "last_error": "URLError: Connection refused", "message_key": first}
        for e in (ESCALATED, OPENED)
    ]  # fmt: skip

    days(landing, CALM, start=4)  # the next run adds the resolution
    with HTTPServer(host="127.0.0.1", port=port) as server:
        server.expect_request(f"/hook/{SECRET}", method="POST").respond_with_data("ok")
        run_grouped(landing, warehouse, "2026-10-04", backoff=0)
        run_grouped(landing, warehouse, "2026-10-04", backoff=0)
        ((request, _),) = server.log  # the two failed rows and the new one, in one message
        second = group_key(OPENED, ESCALATED, RESOLVED)
        assert request.headers["Idempotency-Key"] == second
        assert [e["event_id"] for e in request.get_json()["events"]] == [
            OPENED, ESCALATED, RESOLVED,
        ]  # fmt: skip
    assert outbox(warehouse) == [
        {"event_id": e, "sink": "webhook", "status": "delivered", "attempts": attempts,
         "last_error": None, "message_key": second}
        for e, attempts in ((ESCALATED, 2), (OPENED, 2), (RESOLVED, 1))
    ]  # fmt: skip


def test_by_default_each_event_is_its_own_message_under_its_own_key(
    landing, warehouse, capsys
) -> None:
    days(landing, WARN, WARN, SIGNIFICANT, CALM)
    go(landing, warehouse, sinks=("console", "jsonl"), as_of="2026-10-04")
    assert AlertSettings().group == "event"
    assert {(r["event_id"], r["message_key"], r["status"]) for r in outbox(warehouse)} == {
        (e, e, "delivered") for e in (OPENED, ESCALATED, RESOLVED)
    }
    assert capsys.readouterr().out.count("modmetrics alert: [") == 3
