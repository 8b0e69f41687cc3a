"""Settings: modmetrics.toml, then environment variables, then command-line flags."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_CONFIG_FILE = Path("modmetrics.toml")

# setting name -> environment variable that overrides it
ENV_OVERRIDES = {
    "warehouse": "MODMETRICS_WAREHOUSE",
    "landing": "MODMETRICS_LANDING",
    "reporting_timezone": "MODMETRICS_REPORTING_TIMEZONE",
    "appeal_window_days": "MODMETRICS_APPEAL_WINDOW_DAYS",
    "memory_limit": "MODMETRICS_MEMORY_LIMIT",
}


@dataclass(frozen=True)
class ValidationSettings:
    """Thresholds of the WARN checks on upstream health (section [validation])."""

    # markets that must have decisions on every day a run brings (a missing one = a failed export)
    expected_markets: tuple[str, ...] = ("BR", "LATAM", "EMEA")
    trailing_days: int = 7  # the window of the trailing median
    volume_drop: float = 0.5  # warn when a market's day is below (1 - drop) x trailing median
    volume_rise: float = 1.0  # ... or above (1 + rise) x trailing median
    max_rejected_share: float = 0.02  # warn when a file rejects more than this share of rows
    machine_share_tolerance: float = 0.15  # warn when machine share moves more than this

    def check(self) -> ValidationSettings:
        if set(self.expected_markets) - {"BR", "LATAM", "EMEA"}:
            raise SettingsError("validation.expected_markets may hold only BR, LATAM, EMEA")
        if self.trailing_days < 1:
            raise SettingsError("validation.trailing_days must be 1 or more")
        for name in ("volume_drop", "max_rejected_share", "machine_share_tolerance"):
            if not 0 <= getattr(self, name) <= 1:
                raise SettingsError(f"validation.{name} must be between 0 and 1")
        if self.volume_rise < 0:
            raise SettingsError("validation.volume_rise must be 0 or more")
        return self


class SettingsError(ValueError):
    """Unusable settings: the message is one line meant for the user."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know besides the data itself."""

    warehouse: Path = Path("data/warehouse.duckdb")
    landing: Path = Path("data/landing")
    reporting_timezone: str = "UTC"
    appeal_window_days: int = 30
    memory_limit: str = "1GB"
    as_of: date | None = None
    validation: ValidationSettings = field(default_factory=ValidationSettings)
    dashboards_dir: Path | None = None  # [dashboards] out; default beside the warehouse
    source: str = field(default="defaults", compare=False)

    @property
    def dashboards(self) -> Path:
        """Where the dashboard site is written: ./data/dashboards with the default warehouse."""
        return self.dashboards_dir or self.warehouse.parent / "dashboards"

    @property
    def work_warehouse(self) -> Path:
        """The pipeline's private working copy; analysts read the published `warehouse`."""
        return self.warehouse.parent / ".modmetrics-work" / self.warehouse.name

    def with_overrides(self, **values) -> Settings:
        """Return a copy with the given (non-None) values, checked."""
        given = {k: v for k, v in values.items() if v is not None}
        return _checked(replace(self, **_coerce(given, "command line")))


def _coerce(values: dict, origin: str) -> dict:
    out = {}
    for key, value in values.items():
        if key in ("warehouse", "landing", "dashboards_dir"):
            out[key] = Path(value)
        elif key == "appeal_window_days":
            try:
                out[key] = int(value)
            except (TypeError, ValueError):
                raise SettingsError(
                    f"{origin}: appeal_window_days must be a whole number of days, got {value!r}"
                ) from None
        elif key == "as_of":
            out[key] = value if isinstance(value, date) else _parse_date(value, origin)
        else:
            out[key] = str(value)
    return out


def _parse_date(value: str, origin: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SettingsError(
            f"{origin}: as_of must be a date like 2026-10-31, got {value!r}"
        ) from None


def _checked(settings: Settings) -> Settings:
    try:
        ZoneInfo(settings.reporting_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"reporting_timezone {settings.reporting_timezone!r} is not an IANA time zone "
            "(e.g. UTC, America/Sao_Paulo)"
        ) from None
    if settings.appeal_window_days < 0:
        raise SettingsError("appeal_window_days must be 0 or more")
    if not re.fullmatch(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", settings.memory_limit.strip(), re.I):
        raise SettingsError(
            f"memory_limit {settings.memory_limit!r} is not a size like 1GB or 1500MB"
        )
    return settings


def _validation_settings(section, path: Path) -> ValidationSettings:
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [validation] must be a table of settings")
    known = {f for f in ValidationSettings.__dataclass_fields__}
    unknown = sorted(set(section) - known)
    if unknown:
        raise SettingsError(f"{path}: unknown validation setting(s): {', '.join(unknown)}")
    values = {}
    for name, value in section.items():
        if name == "expected_markets":
            if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
                raise SettingsError(
                    f"{path}: validation.expected_markets must be a list of markets"
                )
            values[name] = tuple(m.strip().upper() for m in value)
            continue
        kind = int if name == "trailing_days" else float
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingsError(f"{path}: validation.{name} must be a number, got {value!r}")
        values[name] = kind(value)
    return ValidationSettings(**values).check()


def _dashboards_out(section, path: Path) -> str:
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [dashboards] must be a table of settings")
    unknown = sorted(set(section) - {"out"})
    if unknown:
        raise SettingsError(f"{path}: unknown dashboards setting(s): {', '.join(unknown)}")
    if not isinstance(section.get("out"), str) or not section["out"].strip():
        raise SettingsError(f"{path}: dashboards.out must be a folder path")
    return section["out"]


def load_settings(config: Path | None = None, environ: dict | None = None) -> Settings:
    """Read settings from `config` (default ./modmetrics.toml if present), then the environment.

    Paths in the file are relative to the file's folder; paths from the environment to the
    current directory.
    """
    environ = os.environ if environ is None else environ
    values: dict = {}
    source = "defaults"
    path = config if config is not None else DEFAULT_CONFIG_FILE
    if config is not None and not path.is_file():
        raise SettingsError(f"{path}: settings file not found")
    if path.is_file():
        source = str(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from None
        known = set(ENV_OVERRIDES) | {"as_of"}
        sections = {"validation", "alerts", "dashboards"}
        unknown = sorted(set(raw) - known - sections)
        if unknown:
            raise SettingsError(f"{path}: unknown setting(s): {', '.join(unknown)}")
        file_values = {k: v for k, v in raw.items() if k in known}
        if "validation" in raw:
            values["validation"] = _validation_settings(raw["validation"], path)
        if "dashboards" in raw:
            file_values["dashboards_dir"] = _dashboards_out(raw["dashboards"], path)
        values.update(_coerce(file_values, str(path)))
        for key in ("warehouse", "landing", "dashboards_dir"):
            if key in values and not values[key].is_absolute():
                values[key] = path.parent / values[key]
    for key, var in ENV_OVERRIDES.items():
        if environ.get(var):
            values.update(_coerce({key: environ[var]}, f"environment {var}"))
    return _checked(Settings(**values, source=source))
