"""Settings: modmetrics.toml, then environment variables, then command-line flags."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from conftest import cli
from pipelines.settings import AlertSettings, Settings, SettingsError, load_settings

pytestmark = pytest.mark.usefixtures("isolated_settings")


def test_defaults_without_a_settings_file(tmp_path: Path) -> None:
    settings = load_settings(environ={})
    assert (
        settings.warehouse,
        settings.landing,
        settings.reporting_timezone,
        settings.appeal_window_days,
        settings.as_of,
    ) == (Path("data/warehouse.duckdb"), Path("data/landing"), "UTC", 30, None)


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "modmetrics.toml"
    config.parent.mkdir()
    config.write_text(
        'warehouse = "wh/warehouse.duckdb"\n'
        'landing = "/srv/landing"\n'
        'reporting_timezone = "America/Sao_Paulo"\n'
        "appeal_window_days = 14\n"
    )
    from_file = load_settings(config, environ={})
    # relative paths in the file are relative to the file's folder
    assert from_file.warehouse == tmp_path / "conf" / "wh" / "warehouse.duckdb"
    assert from_file.landing == Path("/srv/landing")
    assert (from_file.reporting_timezone, from_file.appeal_window_days) == (
        "America/Sao_Paulo",
        14,
    )

    from_env = load_settings(
        config,
        environ={"MODMETRICS_APPEAL_WINDOW_DAYS": "7", "MODMETRICS_REPORTING_TIMEZONE": "UTC"},
    )
    assert (from_env.reporting_timezone, from_env.appeal_window_days) == ("UTC", 7)

    from_flags = from_env.with_overrides(as_of="2026-10-31", landing="/elsewhere")
    assert (from_flags.as_of, from_flags.landing, from_flags.appeal_window_days) == (
        date(2026, 10, 31),
        Path("/elsewhere"),
        7,
    )


@pytest.mark.parametrize(
    "text",
    [
        'reporting_timezone = "Mars/Olympus"\n',
        "appeal_window_days = -1\n",
        "colour = 'red'\n",
        "[alerts]\ngroup = 'daily'\n",
    ],
    ids=["bad-timezone", "negative-window", "unknown-setting", "bad-alert-group"],
)
def test_unusable_settings_are_refused(tmp_path: Path, text: str) -> None:
    config = tmp_path / "modmetrics.toml"
    config.write_text(text)
    with pytest.raises(SettingsError):
        load_settings(config, environ={})
    (tmp_path / "landing" / "decisions").mkdir(parents=True)
    code, out, err = cli("run", "--landing", tmp_path / "landing", "--config", config, cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith("modmetrics: error: ")
    assert len(err.splitlines()) == 1


def test_alert_rules_default_per_metric_and_override_per_market(tmp_path: Path) -> None:
    config = tmp_path / "modmetrics.toml"
    config.write_text(
        "[alerts]\n"
        'sinks = ["jsonl"]\n'
        'jsonl_path = "out/alerts.jsonl"\n'
        'webhook_url_env = "MY_HOOK"\n'
        "retry_backoff_seconds = 60\n"
        'group = "run"\n'
        "[alerts.overkill_rate]\n"
        "warn = 0.10\ncritical = 0.15\nrecovery = 0.08\nmin_denominator = 200\nfor_days = 3\n"
        "[alerts.overkill_rate.markets.BR]\n"
        "warn = 0.12\n"
        "[alerts.penalty_ratio]\n"
        'direction = "below"\nwarn = 0.30\ncritical = 0.20\nrecovery = 0.33\n'
    )
    alerts = load_settings(config, environ={}).alerts
    # the evidence rule's settings, by default
    assert (
        alerts.method,
        alerts.false_alarms_per_year,
        alerts.audit_rolling_days,
        alerts.shift_alerts,
    ) == ("evidence", 2.0, 7, True)
    assert (alerts.sinks, alerts.jsonl_path, alerts.webhook_url_env) == (
        ("jsonl",),
        tmp_path / "out" / "alerts.jsonl",
        "MY_HOOK",
    )
    assert alerts.retry_backoff_seconds == 60.0
    assert len(alerts.rules) == 15
    br, emea = alerts.rule("overkill_rate", "BR"), alerts.rule("overkill_rate", "EMEA")
    assert (br.warn, br.critical, br.recovery, br.min_denominator, br.for_days) == (
        0.12, 0.15, 0.08, 200, 3,
    )  # fmt: skip
    # provisional overkill is a lower bound: it opens alerts by default (never resolves them)
    assert (emea.warn, emea.for_days, emea.provisional_opens) == (0.10, 3, True)
    # the webhook is opt-in; a message per event unless grouped
    assert AlertSettings().sinks == ("console", "jsonl")
    assert (AlertSettings().group, alerts.group) == ("event", "run")
    ratio = alerts.rule("penalty_ratio", "LATAM")
    assert (ratio.direction, ratio.warn, ratio.critical, ratio.recovery) == (
        "below", 0.30, 0.20, 0.33,
    )  # fmt: skip
    # untouched metrics keep their defaults
    assert alerts.rule("leakage_rate", "BR") == load_settings(environ={}).alerts.rule(
        "leakage_rate", "BR"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("[alerts]\nsinks = ['pager']\n", "sinks must be a list of console, jsonl, webhook"),
        ("[alerts]\ncolour = 1\n", "unknown alerts setting(s): colour"),
        ("[alerts.overkill_rate]\nbogus = 1\n", "alerts.overkill_rate: unknown setting(s): bogus"),
        ("[alerts.overkill_rate]\nwarn = 'high'\n", "warn must be a number, got 'high'"),
        ("[alerts.overkill_rate]\nfor_days = 0\n", "for_days must be 1 or more"),
        ("[alerts.overkill_rate]\nfor_days = 1.5\n", "for_days must be a whole number"),
        ("[alerts.overkill_rate]\ndirection = 'up'\n", "direction must be 'above' or 'below'"),
        ("[alerts.overkill_rate]\nrecovery = 0.5\n", "needs recovery <= warn <= critical"),
        ("[alerts.overkill_rate]\ncritical = 2\n", "critical must be between 0 and 1"),
        ("[alerts.overkill_rate.markets.US]\nwarn = 0.1\n", "may hold only tables BR, LATAM"),
        ("[alerts]\nwebhook_url_env = 'http://x'\n", "must be the name of an environment"),
        ("[alerts.overkill_rate]\nprovisional_opens = 1\n", "must be true or false"),
        ("[alerts]\ngroup = 'daily'\n", "alerts.group must be event or run, got 'daily'"),
        ("[alerts]\nfalse_alarms_per_year = 0\n", "a number of alerts a year, more than 0"),
        ("[alerts]\nmethod = 'magic'\n", "method must be 'evidence' or 'threshold'"),
        ("[alerts]\naudit_rolling_days = 0\n", "audit_rolling_days must be 1 or more"),
    ],
)
def test_unusable_alert_settings_are_refused_in_one_line(
    tmp_path: Path, text: str, message: str
) -> None:
    config = tmp_path / "modmetrics.toml"
    config.write_text(text)
    with pytest.raises(SettingsError, match=re.escape(message)) as error:
        load_settings(config, environ={})
    assert "\n" not in str(error.value)


def test_a_market_without_its_own_zone_counts_days_in_the_reporting_timezone(
    tmp_path: Path,
) -> None:
    config = tmp_path / "modmetrics.toml"
    config.write_text(
        'reporting_timezone = "Europe/Berlin"\n'
        '[markets.BR]\ntimezone = "America/Sao_Paulo"\n'
        '[markets.latam]\ntimezone = "America/Bogota"\n'  # markets are written in any case
    )
    assert load_settings(config, environ={}).market_timezones == {
        "BR": "America/Sao_Paulo",
        "LATAM": "America/Bogota",
        "EMEA": "Europe/Berlin",
    }
    assert Settings().market_timezones == {  # today's behaviour is the default
        "BR": "UTC",
        "LATAM": "UTC",
        "EMEA": "UTC",
    }


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "[markets.BR]\ntimezone = 'Mars/Olympus'\n",
            "markets.BR.timezone 'Mars/Olympus' is not an IANA time zone "
            "(e.g. UTC, America/Sao_Paulo)",
        ),
        ("[markets.US]\ntimezone = 'UTC'\n", "unknown markets setting(s): US"),
        ("[markets.BR]\nzone = 'UTC'\n", "unknown markets.BR setting(s): zone"),
    ],
    ids=["not-a-zone", "unknown-market", "unknown-key"],
)
def test_unusable_market_settings_are_refused_in_one_line(
    tmp_path: Path, text: str, message: str
) -> None:
    config = tmp_path / "modmetrics.toml"
    config.write_text(text)
    with pytest.raises(SettingsError) as error:
        load_settings(config, environ={})
    assert str(error.value) == f"{config}: {message}"
