"""sql/alerts/due_messages.sql: which outbox rows are due now, and how they make messages.

The outbox below holds two runs' events: run 1 (10:00) opened and resolved alert A, run 2
(11:00) opened alert B. Each event has a console and a webhook row; A's resolution was delivered
to the console already, B's webhook row is backing off until noon. At 11:30, due are: A opened
(console, webhook), A resolved (webhook), B opened (console), in the order a receiver must see
them: run 1 before run 2, an opening before a resolution.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

from warehouse.runner import read_sql, set_variables

from .helpers import assert_rows, given, select

NOW = datetime(2026, 10, 5, 11, 30, tzinfo=UTC)
RUN_1 = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)
RUN_2 = datetime(2026, 10, 5, 11, 0, tzinfo=UTC)

A_OPENED, A_RESOLVED, B_OPENED = "A|opened", "A|resolved", "B|opened"


def payload(event_id: str) -> str:
    return json.dumps({"text": f"text of {event_id}", "event_id": event_id})


def outbox(con) -> None:
    # listed out of order on purpose: the order comes from alert_events
    given(
        con,
        "alert_events",
        [
            {"event_id": B_OPENED, "event": "opened", "created_at": RUN_2,
             "metric_date": date(2026, 10, 1)},
            {"event_id": A_RESOLVED, "event": "resolved", "created_at": RUN_1,
             "metric_date": date(2026, 10, 3)},
            {"event_id": A_OPENED, "event": "opened", "created_at": RUN_1,
             "metric_date": date(2026, 10, 1)},
        ],
    )  # fmt: skip
    row = lambda event_id, sink, status="pending", attempts=0, wait_until=RUN_1: {  # noqa: E731
        "event_id": event_id, "sink": sink, "payload": payload(event_id), "status": status,
        "attempts": attempts, "next_attempt_at": wait_until,
    }  # fmt: skip
    given(
        con,
        "alert_notifications",
        [
            row(B_OPENED, "webhook", "failed", 1, datetime(2026, 10, 5, 12, 0, tzinfo=UTC)),
            row(B_OPENED, "console", wait_until=RUN_2),
            row(A_RESOLVED, "webhook", "failed", 2),
            row(A_RESOLVED, "console", "delivered", 1),
            row(A_OPENED, "webhook", "failed", 1),
            row(A_OPENED, "console", "failed", 1),
        ],
    )


def due_messages(con, group: str) -> list[dict]:
    set_variables(con, now=NOW, alert_group=group)
    return select(con, read_sql("alerts/due_messages.sql"))


def test_by_event_each_due_row_is_a_message_with_its_own_payload_and_key(con) -> None:
    outbox(con)
    single = lambda sink, event_id, attempts: {  # noqa: E731
        "sink": sink, "message_key": event_id, "event_ids": [event_id],
        "payloads": [payload(event_id)], "attempts": attempts, "payload": payload(event_id),
    }  # fmt: skip
    assert_rows(
        due_messages(con, "event"),
        [
            single("console", A_OPENED, 1),
            single("webhook", A_OPENED, 1),
            single("webhook", A_RESOLVED, 2),
            single("console", B_OPENED, 0),
        ],
    )


def group_key(*event_ids: str) -> str:
    """'run|' and the first 16 hex digits of the SHA-256 of the sorted ids, one a line."""
    return "run|" + hashlib.sha256("\n".join(sorted(event_ids)).encode()).hexdigest()[:16]


def test_by_run_each_sink_gets_one_message_listing_its_due_events(con) -> None:
    outbox(con)
    console_key, webhook_key = group_key(A_OPENED, B_OPENED), group_key(A_OPENED, A_RESOLVED)
    messages = due_messages(con, "run")
    assert_rows(
        [{k: v for k, v in m.items() if k != "payload"} for m in messages],
        [
            {"sink": "console", "message_key": console_key, "event_ids": [A_OPENED, B_OPENED],
             "payloads": [payload(A_OPENED), payload(B_OPENED)], "attempts": 1},
            # the group backs off as its most-tried row
            {"sink": "webhook", "message_key": webhook_key, "event_ids": [A_OPENED, A_RESOLVED],
             "payloads": [payload(A_OPENED), payload(A_RESOLVED)], "attempts": 2},
        ],
    )  # fmt: skip
    assert [json.loads(m["payload"]) for m in messages] == [
        {
            "text": "2 alert events:\n- text of A|opened\n- text of B|opened",
            "message_key": console_key,
            "events": [json.loads(payload(A_OPENED)), json.loads(payload(B_OPENED))],
        },
        {
            "text": "2 alert events:\n- text of A|opened\n- text of A|resolved",
            "message_key": webhook_key,
            "events": [json.loads(payload(A_OPENED)), json.loads(payload(A_RESOLVED))],
        },
    ]


def test_a_group_of_one_event_says_event(con) -> None:
    outbox(con)
    con.execute("delete from alert_notifications where event_id <> ? or sink <> ?",
                [A_RESOLVED, "webhook"])  # fmt: skip
    (message,) = due_messages(con, "run")
    assert json.loads(message["payload"])["text"] == "1 alert event:\n- text of A|resolved"


def test_the_group_key_depends_on_the_events_not_their_order(con) -> None:
    outbox(con)
    before = {m["sink"]: m["message_key"] for m in due_messages(con, "run")}
    # the same webhook events recorded in the other order: the same key
    con.execute("update alert_events set created_at = ? where event_id = ?", [RUN_2, A_OPENED])
    after = {m["sink"]: m["message_key"] for m in due_messages(con, "run")}
    assert after["webhook"] == before["webhook"]
    # one more event due: another message, another key
    con.execute("update alert_notifications set next_attempt_at = ? where event_id = ?",
                [RUN_1, B_OPENED])  # fmt: skip
    grown = {m["sink"]: m["message_key"] for m in due_messages(con, "run")}
    assert grown["webhook"] == group_key(A_OPENED, A_RESOLVED, B_OPENED) != before["webhook"]
