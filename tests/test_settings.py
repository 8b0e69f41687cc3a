"""Settings: modmetrics.toml, then environment variables, then command-line flags."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import cli

from pipelines.settings import SettingsError, load_settings

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
    ['reporting_timezone = "Mars/Olympus"\n', "appeal_window_days = -1\n", "colour = 'red'\n"],
    ids=["bad-timezone", "negative-window", "unknown-setting"],
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
