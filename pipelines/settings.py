"""Settings: modmetrics.toml, then environment variables, then command-line flags."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warehouse.resources import RULE_FIELDS
from warehouse.vocabulary import ALERT_SINKS, ENGINES, MARKETS, METRICS

DEFAULT_CONFIG_FILE = Path("modmetrics.toml")

# setting name -> environment variable that overrides it
ENV_OVERRIDES = {
    "warehouse": "MODMETRICS_WAREHOUSE",
    "landing": "MODMETRICS_LANDING",
    "reporting_timezone": "MODMETRICS_REPORTING_TIMEZONE",
    "appeal_window_days": "MODMETRICS_APPEAL_WINDOW_DAYS",
    "memory_limit": "MODMETRICS_MEMORY_LIMIT",
    "engine": "MODMETRICS_ENGINE",
}


@dataclass(frozen=True)
class SparkSettings:
    """Where the Spark engine runs (section [spark]); used only with engine = "spark"."""

    master: str = "local[*]"  # or a cluster's URL, e.g. spark://host:7077 or yarn
    driver_memory: str = "4g"
    # any other Spark configuration, passed as is (e.g. "spark.executor.memory" = "8g")
    conf: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ValidationSettings:
    """Thresholds of the WARN checks on upstream health (section [validation])."""

    # markets that must have decisions on every day a run brings (a missing one = a failed export)
    expected_markets: tuple[str, ...] = MARKETS
    trailing_days: int = 7  # the window of the trailing median
    volume_drop: float = 0.5  # warn when a market's day is below (1 - drop) x trailing median
    volume_rise: float = 1.0  # ... or above (1 + rise) x trailing median
    max_rejected_share: float = 0.02  # warn when a file rejects more than this share of rows
    machine_share_tolerance: float = 0.15  # warn when machine share moves more than this

    def check(self) -> ValidationSettings:
        if set(self.expected_markets) - set(MARKETS):
            raise SettingsError(f"validation.expected_markets may hold only {', '.join(MARKETS)}")
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


ALERT_METRICS = METRICS
# the webhook is opt-in: configured without its URL variable, its rows would fail for ever
DEFAULT_ALERT_SINKS = ("console", "jsonl")


@dataclass(frozen=True)
class AlertRule:
    """When one metric of one market opens, escalates and resolves an alert."""

    metric: str
    market: str
    direction: str  # above: high values are bad; below: low values are bad
    warn: float  # past it: a warning
    critical: float  # past it (or the whole 95% interval past `warn`): critical
    recovery: float  # back past it: resolved (between recovery and warn: stays open)
    min_denominator: int  # days with a smaller denominator are not judged
    for_days: int  # consecutive breaching judged days that open an alert
    provisional_opens: bool  # whether provisional days are judged at all (see above)

    def check(self) -> AlertRule:
        where = f"alerts.{self.metric} ({self.market})"
        if self.direction not in ("above", "below"):
            raise SettingsError(f"{where}: direction must be 'above' or 'below'")
        for name in ("warn", "critical", "recovery"):
            if not 0 <= getattr(self, name) <= 1:
                raise SettingsError(f"{where}: {name} must be between 0 and 1")
        # past `critical` is past `warn`, and back past `recovery` is no longer past `warn`
        sign = 1 if self.direction == "above" else -1
        if not sign * self.recovery <= sign * self.warn <= sign * self.critical:
            order = "recovery <= warn <= critical" if sign == 1 else "recovery >= warn >= critical"
            raise SettingsError(f"{where}: direction {self.direction} needs {order}")
        if self.min_denominator < 0:
            raise SettingsError(f"{where}: min_denominator must be 0 or more")
        if self.for_days < 1:
            raise SettingsError(f"{where}: for_days must be 1 or more")
        return self


# Per metric, for every market unless [alerts.<metric>.markets.<market>] says otherwise. Chosen
# from the sample data's spread: a bad stretch alerts, day-to-day noise does not. A provisional
# overkill or leakage rate only grows while appeals arrive, so it may open an alert (a breach is
# real) but never resolves one (sql/alerts/alert_history.sql): provisional_opens is safe for them.
DEFAULT_ALERT_RULES = {
    "overkill_rate": dict(
        direction="above", warn=0.015, critical=0.03, recovery=0.01,
        min_denominator=150, for_days=2, provisional_opens=True,
    ),
    "leakage_rate": dict(
        direction="above", warn=0.005, critical=0.01, recovery=0.003,
        min_denominator=200, for_days=2, provisional_opens=True,
    ),
    "audit_overkill_rate": dict(
        direction="above", warn=0.15, critical=0.30, recovery=0.10,
        min_denominator=10, for_days=2, provisional_opens=True,
    ),
    "audit_leakage_rate": dict(
        direction="above", warn=0.10, critical=0.20, recovery=0.06,
        min_denominator=10, for_days=2, provisional_opens=True,
    ),
    "penalty_ratio": dict(
        direction="above", warn=0.45, critical=0.55, recovery=0.42,
        min_denominator=500, for_days=2, provisional_opens=True,
    ),
}  # fmt: skip


def _default_rules() -> tuple[AlertRule, ...]:
    return tuple(
        AlertRule(metric=metric, market=market, **values)
        for metric, values in DEFAULT_ALERT_RULES.items()
        for market in MARKETS
    )


@dataclass(frozen=True)
class AlertSettings:
    """Alert rules and where alerts are delivered (section [alerts])."""

    sinks: tuple[str, ...] = DEFAULT_ALERT_SINKS
    jsonl_path: Path | None = None  # None: alerts.jsonl next to the warehouse
    webhook_url_env: str = "MODMETRICS_ALERT_WEBHOOK_URL"  # the URL itself is never stored
    webhook_timeout_seconds: float = 5.0
    retry_backoff_seconds: float = 300.0  # a failed delivery waits this, doubled each attempt
    rules: tuple[AlertRule, ...] = field(default_factory=_default_rules)

    def rule(self, metric: str, market: str) -> AlertRule:
        return next(r for r in self.rules if (r.metric, r.market) == (metric, market))


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
    alerts: AlertSettings = field(default_factory=AlertSettings)
    dashboards_dir: Path | None = None  # [dashboards] out; default beside the warehouse
    lake: Path | None = None  # [lake] out: the Parquet lake folder; None: no lake
    engine: str = "duckdb"  # what computes ingestion and metrics: duckdb | spark
    spark: SparkSettings = field(default_factory=SparkSettings)
    source: str = field(default="defaults", compare=False)

    @property
    def alerts_jsonl(self) -> Path:
        """The JSON Lines file alerts are appended to."""
        return self.alerts.jsonl_path or self.warehouse.parent / "alerts.jsonl"

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
        if key in ("warehouse", "landing", "dashboards_dir", "lake"):
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
    if settings.engine not in ENGINES:
        raise SettingsError(f"engine must be duckdb or spark, got {settings.engine!r}")
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


def _spark_settings(section, path: Path) -> SparkSettings:
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [spark] must be a table of settings")
    unknown = sorted(set(section) - {"master", "driver_memory", "conf"})
    if unknown:
        raise SettingsError(f"{path}: unknown spark setting(s): {', '.join(unknown)}")
    values: dict = {}
    for name in ("master", "driver_memory"):
        if name in section:
            if not isinstance(section[name], str) or not section[name].strip():
                raise SettingsError(f"{path}: spark.{name} must be a non-empty string")
            values[name] = section[name].strip()
    if "conf" in section:
        conf = section["conf"]
        if not isinstance(conf, dict) or not all(
            isinstance(v, str | int | float | bool) for v in conf.values()
        ):
            raise SettingsError(f"{path}: [spark.conf] must be a table of Spark settings")
        values["conf"] = tuple(
            (k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in conf.items()
        )
    return SparkSettings(**values)


# --- [lake]: the Parquet lake that `modmetrics export` and the `lake` asset write ---------------

LAKE_ENV = "MODMETRICS_LAKE"  # overrides [lake] out


def _lake_out(section, path: Path) -> str:
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [lake] must be a table of settings")
    unknown = sorted(set(section) - {"out"})
    if unknown:
        raise SettingsError(f"{path}: unknown lake setting(s): {', '.join(unknown)}")
    if not isinstance(section.get("out"), str) or not section["out"].strip():
        raise SettingsError(f"{path}: lake.out must be a folder path")
    return section["out"]


def _dashboards_out(section, path: Path) -> str:
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [dashboards] must be a table of settings")
    unknown = sorted(set(section) - {"out"})
    if unknown:
        raise SettingsError(f"{path}: unknown dashboards setting(s): {', '.join(unknown)}")
    if not isinstance(section.get("out"), str) or not section["out"].strip():
        raise SettingsError(f"{path}: dashboards.out must be a folder path")
    return section["out"]


def _rule_values(section, where: str) -> dict:
    """The rule settings of one [alerts.<metric>] or [alerts.<metric>.markets.<market>] table."""
    values = {}
    for name, value in section.items():
        if name not in RULE_FIELDS:
            raise SettingsError(f"{where}: unknown alert setting {name!r}")
        if name == "direction":
            ok = isinstance(value, str)
        elif name == "provisional_opens":
            ok = isinstance(value, bool)
        elif name in ("min_denominator", "for_days"):
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok:
            kind = {"direction": "'above' or 'below'", "provisional_opens": "true or false"}.get(
                name, "a whole number" if name in ("min_denominator", "for_days") else "a number"
            )
            raise SettingsError(f"{where}: {name} must be {kind}, got {value!r}")
        values[name] = float(value) if name in ("warn", "critical", "recovery") else value
    return values


def _alert_settings(section, path: Path) -> AlertSettings:
    where = f"{path}: [alerts]"
    if not isinstance(section, dict):
        raise SettingsError(f"{where} must be a table of settings")
    values: dict = {}
    per_metric: dict[str, dict] = {}
    per_market: dict[tuple[str, str], dict] = {}
    for name, value in section.items():
        if name in ALERT_METRICS:
            if not isinstance(value, dict):
                raise SettingsError(f"{path}: [alerts.{name}] must be a table of settings")
            markets = value.get("markets", {})
            if not isinstance(markets, dict):
                raise SettingsError(f"{path}: [alerts.{name}.markets] must be a table of markets")
            rule = {k: v for k, v in value.items() if k != "markets"}
            per_metric[name] = _rule_values(rule, f"{path}: [alerts.{name}]")
            for market, overrides in markets.items():
                if market not in MARKETS or not isinstance(overrides, dict):
                    raise SettingsError(
                        f"{path}: [alerts.{name}.markets] may hold only tables {', '.join(MARKETS)}"
                    )
                per_market[name, market] = _rule_values(
                    overrides, f"{path}: [alerts.{name}.markets.{market}]"
                )
        elif name == "sinks":
            if not isinstance(value, list) or not set(value) <= set(ALERT_SINKS):
                raise SettingsError(f"{where} sinks must be a list of {', '.join(ALERT_SINKS)}")
            values[name] = tuple(dict.fromkeys(value))
        elif name == "jsonl_path":
            if not isinstance(value, str) or not value:
                raise SettingsError(f"{where} jsonl_path must be a file path")
            values[name] = Path(value) if Path(value).is_absolute() else path.parent / value
        elif name == "webhook_url_env":
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
                raise SettingsError(
                    f"{where} webhook_url_env must be the name of an environment variable"
                )
            values[name] = value
        elif name in ("webhook_timeout_seconds", "retry_backoff_seconds"):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise SettingsError(f"{where} {name} must be a number of seconds, 0 or more")
            values[name] = float(value)
        else:
            raise SettingsError(f"{where}: unknown alert setting {name!r}")
    values["rules"] = tuple(
        AlertRule(
            metric=metric,
            market=market,
            **{
                **DEFAULT_ALERT_RULES[metric],
                **per_metric.get(metric, {}),
                **per_market.get((metric, market), {}),
            },
        ).check()
        for metric in ALERT_METRICS
        for market in MARKETS
    )
    return AlertSettings(**values)


def load_settings(config: Path | None = None, environ: dict | None = None) -> Settings:
    """Read settings from `config` (default ./modmetrics.toml if present), then the environment.

    Paths in the file are relative to the file's folder; paths from the environment to the
    current directory.
    """
    environ = os.environ if environ is None else environ
    values: dict = {}
    spark_master = environ.get("MODMETRICS_SPARK_MASTER")
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
        sections = {"validation", "alerts", "dashboards", "spark", "lake"}
        unknown = sorted(set(raw) - known - sections)
        if unknown:
            raise SettingsError(f"{path}: unknown setting(s): {', '.join(unknown)}")
        file_values = {k: v for k, v in raw.items() if k in known}
        if "validation" in raw:
            values["validation"] = _validation_settings(raw["validation"], path)
        if "dashboards" in raw:
            file_values["dashboards_dir"] = _dashboards_out(raw["dashboards"], path)
        if "lake" in raw:
            file_values["lake"] = _lake_out(raw["lake"], path)
        if "spark" in raw:
            values["spark"] = _spark_settings(raw["spark"], path)

        if "alerts" in raw:
            values["alerts"] = _alert_settings(raw["alerts"], path)
        values.update(_coerce(file_values, str(path)))
        for key in ("warehouse", "landing", "dashboards_dir", "lake"):
            if key in values and not values[key].is_absolute():
                values[key] = path.parent / values[key]
    for key, var in ENV_OVERRIDES.items():
        if environ.get(var):
            values.update(_coerce({key: environ[var]}, f"environment {var}"))
    if spark_master:
        values["spark"] = replace(values.get("spark", SparkSettings()), master=spark_master)
    if environ.get(LAKE_ENV):
        values["lake"] = Path(environ[LAKE_ENV])
    return _checked(Settings(**values, source=source))
