"""Where alert notifications go: the console and log, a JSON Lines file, a webhook.

Delivery reads the outbox (alert_notifications), sends what is due and records the outcome row by
row, so a crash after a send only means that notification is sent again (at least once; the
Idempotency-Key lets a receiver drop the repeat). A failing sink never raises, whatever the
exception: its error is recorded and it is retried on a later run, waiting twice as long after
each failure. After a sink fails, its other due rows wait for the same backoff without being tried
this run, so a dead host costs one timeout per run, not one per row. Every configured sink gets a
row per event, so a webhook whose URL variable is not set yet fails (and keeps) its rows until the
variable is set.

With [alerts] group = "run", each sink gets one message per run listing all of its due events
(sql/alerts/due_messages.sql builds the messages); the outcome is still recorded on every event's
row, so a failed group leaves all its rows failed and they are retried together.

The webhook URL comes from an environment variable and is never printed, logged, stored, or put
into an error: errors are described by their kind and reason only.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from warehouse.runner import read_sql, set_variables

log = logging.getLogger("modmetrics.alerts")

MAX_BACKOFF = timedelta(days=1)


class DeliveryError(Exception):
    """A sink could not deliver; the message is safe to store (no URL)."""


@dataclass(frozen=True)
class SinkConfig:
    """What the sinks need from the settings."""

    sinks: tuple[str, ...]
    jsonl_path: Path
    webhook_url_env: str
    webhook_timeout_seconds: float = 5.0
    retry_backoff_seconds: float = 300.0
    group: str = "event"  # "event": a message per event; "run": one per sink and run

    def webhook_url(self) -> str | None:
        return os.environ.get(self.webhook_url_env) or None


def send(config: SinkConfig, sink: str, key: str, payload: str, events: Sequence[str] = ()) -> None:
    """Deliver one message under its idempotency `key`; raise DeliveryError when the sink fails.

    `payload` is what the console prints (its `text`) and the webhook posts; `events` are the
    payloads of the events it carries, which the JSON Lines file appends one a line (default: the
    payload itself, a single event's).
    """
    if sink == "console":
        text = json.loads(payload)["text"]
        print(f"modmetrics alert: {text}", flush=True)  # an OSError here is recorded by the caller
        log.info("alert %s: %s", key, text)
    elif sink == "jsonl":
        lines = "".join(f"{event}\n" for event in events or [payload])
        try:
            config.jsonl_path.parent.mkdir(parents=True, exist_ok=True)
            with config.jsonl_path.open("a", encoding="utf-8") as handle:
                handle.write(lines)  # one write: a group's lines go in together
        except OSError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc.strerror or exc}") from None
    elif sink == "webhook":
        _post(config, key, payload)
    else:
        raise DeliveryError(f"unknown sink {sink!r}")


def _post(config: SinkConfig, key: str, payload: str) -> None:
    url = config.webhook_url()
    if not url:
        raise DeliveryError(f"environment variable {config.webhook_url_env} is not set")
    try:
        request = urllib.request.Request(
            url,
            data=payload.encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
        )
        with urllib.request.urlopen(request, timeout=config.webhook_timeout_seconds) as response:
            response.read()
    except Exception as exc:  # any failure is recorded, never raised
        raise DeliveryError(_describe(exc, url)) from None


def _describe(exc: BaseException, url: str) -> str:
    """The failure's kind and reason, never the URL (urllib puts it in some messages)."""
    if isinstance(exc, urllib.error.HTTPError):
        text = f"HTTP {exc.code} {exc.reason}"
    elif isinstance(exc, urllib.error.URLError):
        # an OSError reason (refused, unreachable) says what happened; a text one may quote the URL
        detail = getattr(exc.reason, "strerror", None)
        text = f"URLError: {detail}" if detail else "URLError"
    elif isinstance(exc, TimeoutError | socket.timeout):
        text = "timed out"
    elif isinstance(exc, OSError) and exc.strerror:
        text = f"{type(exc).__name__}: {exc.strerror}"
    else:
        text = type(exc).__name__
    return text.replace(url, "<webhook url>")


def deliver_due(con: duckdb.DuckDBPyConnection, config: SinkConfig, now: datetime) -> dict:
    """Send every due notification and record each outcome on its row; return the rows by
    outcome, and the messages sent."""
    if "webhook" in config.sinks and not config.webhook_url():
        warning = (
            f"the webhook sink is configured but environment variable {config.webhook_url_env} "
            "is not set: its notifications are kept and retried"
        )
        log.warning("alerts: %s", warning)
        if "console" in config.sinks:
            print(f"modmetrics alert: warning: {warning}", flush=True)
    set_variables(con, now=now, alert_group=config.group)
    messages = con.execute(read_sql("alerts/due_messages.sql")).fetchall()
    counts = {"delivered": 0, "failed": 0, "waiting": 0, "messages": 0}
    failed_sinks: dict[str, datetime] = {}  # sink -> when its rows are tried again
    for sink, key, event_ids, payloads, attempts, payload in messages:
        rows = [sink, event_ids]  # the outbox rows the message carries
        if sink in failed_sinks:
            # failed already this run: wait with the failed rows instead of trying again now
            con.execute(
                "update alert_notifications set next_attempt_at = ? "
                "where sink = ? and list_contains(?, event_id)",
                [failed_sinks[sink], *rows],
            )
            counts["waiting"] += len(event_ids)
            continue
        try:
            send(config, sink, key, payload, payloads)
        except Exception as exc:  # any failure is recorded, never raised
            reason = str(exc) if isinstance(exc, DeliveryError) else _describe_any(exc, config)
            wait = timedelta(seconds=config.retry_backoff_seconds * 2**attempts)
            failed_sinks[sink] = now + min(wait, MAX_BACKOFF)
            con.execute(
                "update alert_notifications set status = 'failed', attempts = attempts + 1, "
                "last_error = ?, next_attempt_at = ?, message_key = ? "
                "where sink = ? and list_contains(?, event_id)",
                [reason, failed_sinks[sink], key, *rows],
            )
            log.warning("alert %s: %s sink failed: %s", key, sink, reason)
            counts["failed"] += len(event_ids)
        else:
            con.execute(
                "update alert_notifications set status = 'delivered', attempts = attempts + 1, "
                "last_error = null, delivered_at = ?, message_key = ? "
                "where sink = ? and list_contains(?, event_id)",
                [now, key, *rows],
            )
            counts["delivered"] += len(event_ids)
            counts["messages"] += 1
    return counts


def _describe_any(exc: BaseException, config: SinkConfig) -> str:
    """An unexpected failure (e.g. the console's stream closed), described without the URL."""
    return _describe(exc, config.webhook_url() or "\0")
