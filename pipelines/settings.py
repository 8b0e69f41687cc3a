"""Settings: modmetrics.toml, then environment variables, then command-line flags.

One pydantic model per section of the file holds its keys, defaults and rules; `load_settings`
only reads the layers in order and turns pydantic's errors into one line naming the key.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    create_model,
    model_validator,
)

from warehouse.vocabulary import ALERT_GROUPINGS, ALERT_SINKS, ENGINES, MARKETS, METRICS

DEFAULT_CONFIG_FILE = Path("modmetrics.toml")

# setting name -> environment variable that overrides it
ENV_OVERRIDES = {
    "warehouse": "MODMETRICS_WAREHOUSE",
    "landing": "MODMETRICS_LANDING",
    "reporting_timezone": "MODMETRICS_REPORTING_TIMEZONE",
    "appeal_window_days": "MODMETRICS_APPEAL_WINDOW_DAYS",
    "audit_window_days": "MODMETRICS_AUDIT_WINDOW_DAYS",
    "memory_limit": "MODMETRICS_MEMORY_LIMIT",
    "engine": "MODMETRICS_ENGINE",
}
LAKE_ENV = "MODMETRICS_LAKE"  # overrides [lake] out
SPARK_MASTER_ENV = "MODMETRICS_SPARK_MASTER"  # overrides [spark] master

ALERT_METRICS = METRICS
# the webhook is opt-in: configured without its URL variable, its rows would fail for ever
DEFAULT_ALERT_SINKS = ("console", "jsonl")


class SettingsError(ValueError):
    """Unusable settings: the message is one line meant for the user."""


# --- value types: each says what is wrong in the words that follow the key -------------------


def _check(test: Callable[[Any], Any], problem: str) -> AfterValidator:
    """Refuse a value failing `test` with `problem` ("must be ..."; may use {value!r})."""

    def check(value):
        if not test(value):
            raise ValueError(problem.format(value=value))
        return value

    return AfterValidator(check)


def _not_blank(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError(f"must be a path, got {value!r}")
    return value


def _from_file_folder(path: Path, info: ValidationInfo) -> Path:
    """Relative paths in the settings file are relative to its folder (others to the cwd)."""
    folder = (info.context or {}).get("folder")
    return folder / path if folder is not None and not path.is_absolute() else path


def _whole_days(value: Any, handler: Callable) -> int:
    try:
        return handler(value)
    except ValidationError:
        raise ValueError(f"must be a whole number of days, got {value!r}") from None


def _is_time_zone(name: str) -> bool:
    try:
        return bool(ZoneInfo(name))
    except (ZoneInfoNotFoundError, ValueError):
        return False


def _upper(value: Any) -> Any:
    """Markets are written in any case, as in the landing files."""
    if isinstance(value, list | tuple):
        return [m.strip().upper() if isinstance(m, str) else m for m in value]
    return value


def _spark_conf(value: Any) -> Any:
    """[spark.conf] is a table; Spark takes each value as text (booleans as true and false)."""
    if isinstance(value, dict):
        return tuple(
            (k, json.dumps(v) if isinstance(v, int | float) else v) for k, v in value.items()
        )
    return value


SettingPath = Annotated[Path, BeforeValidator(_not_blank), AfterValidator(_from_file_folder)]
Share = Annotated[StrictFloat, _check(lambda v: 0 <= v <= 1, "must be between 0 and 1")]
Seconds = Annotated[StrictFloat, _check(lambda v: v >= 0, "must be a number of seconds, 0 or more")]
Text = Annotated[str, StringConstraints(strip_whitespace=True), _check(bool, "must not be empty")]
Days = Annotated[int, WrapValidator(_whole_days), Field(ge=0)]
TimeZone = Annotated[
    str, _check(_is_time_zone, "{value!r} is not an IANA time zone (e.g. UTC, America/Sao_Paulo)")
]
MemorySize = Annotated[
    str,
    _check(
        lambda v: re.fullmatch(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", v.strip(), re.I),
        "{value!r} is not a size like 1GB or 1500MB",
    ),
]
Engine = Annotated[
    str, _check(ENGINES.__contains__, f"must be {' or '.join(ENGINES)}, got {{value!r}}")
]
AlertGrouping = Annotated[
    str,
    _check(
        ALERT_GROUPINGS.__contains__, f"must be {' or '.join(ALERT_GROUPINGS)}, got {{value!r}}"
    ),
]
Markets = Annotated[
    tuple[str, ...],
    BeforeValidator(_upper),
    _check(set(MARKETS).issuperset, f"may hold only {', '.join(MARKETS)}"),
]
Sinks = Annotated[
    tuple[str, ...],
    _check(set(ALERT_SINKS).issuperset, f"must be a list of {', '.join(ALERT_SINKS)}"),
    AfterValidator(lambda sinks: tuple(dict.fromkeys(sinks))),
]
VariableName = Annotated[
    str,
    _check(
        re.compile(r"[A-Za-z_][A-Za-z0-9_]*").fullmatch,
        "must be the name of an environment variable, got {value!r}",
    ),
]


class _Section(BaseModel):
    """A table of the settings file: its keys only, read-only once checked."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- the sections --------------------------------------------------------------------------


class ValidationSettings(_Section):
    """Thresholds of the WARN checks on upstream health (section [validation])."""

    # markets that must have decisions on every day a run brings (a missing one = a failed export)
    expected_markets: Markets = MARKETS
    trailing_days: Annotated[StrictInt, Field(ge=1)] = 7  # the window of the trailing median
    volume_drop: Share = 0.5  # warn when a market's day is below (1 - drop) x trailing median
    volume_rise: Annotated[StrictFloat, Field(ge=0)] = 1.0  # ... or above (1 + rise) x median
    max_rejected_share: Share = 0.02  # warn when a file rejects more than this share of rows
    machine_share_tolerance: Share = 0.15  # warn when machine share moves more than this


class MarketSettings(_Section):
    """One market's own settings (section [markets.<market>])."""

    # the zone its metric days are counted in (a São Paulo analyst's day); None: reporting_timezone
    timezone: TimeZone | None = None


def _market_keys(value: Any) -> Any:
    """[markets.br] is [markets.BR]: markets are written in any case, as in the landing files."""
    if isinstance(value, dict):
        return {k.strip().upper() if isinstance(k, str) else k: v for k, v in value.items()}
    return value


# [markets]: a table per market of the vocabulary, each optional; another name is an unknown key
_MarketTables = create_model(
    "MarketTables",
    __base__=_Section,
    **{market: (MarketSettings, MarketSettings()) for market in MARKETS},
)
MarketTables = Annotated[_MarketTables, BeforeValidator(_market_keys)]


class SparkSettings(_Section):
    """Where the Spark engine runs (section [spark]); used only with engine = "spark"."""

    master: Text = "local[*]"  # or a cluster's URL, e.g. spark://host:7077 or yarn
    driver_memory: Text = "4g"
    # any other Spark configuration, passed as is (e.g. "spark.executor.memory" = "8g")
    conf: Annotated[tuple[tuple[str, str], ...], BeforeValidator(_spark_conf)] = ()


class _Folder(_Section):
    """[dashboards] and [lake]: the folder written to (Settings.dashboards_dir and .lake)."""

    out: SettingPath


class AlertRule(_Section):
    """When one metric of one market opens, escalates and resolves an alert."""

    metric: str
    market: str
    direction: Literal["above", "below"]  # above: high values are bad; below: low values are bad
    warn: Share  # past it: a warning
    critical: Share  # past it (or the whole 95% interval past `warn`): critical
    recovery: Share  # back past it: resolved (between recovery and warn: stays open)
    min_denominator: Annotated[StrictInt, Field(ge=0)]  # days with a smaller one are not judged
    for_days: Annotated[StrictInt, Field(ge=1)]  # consecutive breaching judged days that open one
    provisional_opens: StrictBool  # whether provisional days are judged at all (see below)

    @model_validator(mode="after")
    def _in_order(self) -> AlertRule:
        # past `critical` is past `warn`, and back past `recovery` is no longer past `warn`
        sign = 1 if self.direction == "above" else -1
        if not sign * self.recovery <= sign * self.warn <= sign * self.critical:
            order = "recovery <= warn <= critical" if sign == 1 else "recovery >= warn >= critical"
            raise ValueError(f"direction {self.direction} needs {order}")
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


class _MetricRules(BaseModel):
    """[alerts.<metric>]: rule settings for every market, [.markets.<market>] for one.

    Only the names are checked here, the values once resolved into AlertRules.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    markets: dict[str, dict[str, Any]] = {}

    @model_validator(mode="after")
    def _known_names(self) -> _MetricRules:
        if not self.markets.keys() <= set(MARKETS):
            raise ValueError(f"markets may hold only tables {', '.join(MARKETS)}")
        names = {name for table in (self.model_extra, *self.markets.values()) for name in table}
        # AlertRule's own fields, not the resource's (RULE_FIELDS): warehouse.resources imports
        # Dagster, which `modmetrics sql` and `--help` need not wait for
        if unknown := sorted(names - (set(AlertRule.model_fields) - {"metric", "market"})):
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        return self

    def rule(self, metric: str, market: str, origin: str) -> AlertRule:
        """DEFAULT_ALERT_RULES, then this table's settings, then the market's."""
        values = {**DEFAULT_ALERT_RULES[metric], **self.model_extra, **self.markets.get(market, {})}
        where = ("alerts", f"{metric} ({market})")
        return _validated(AlertRule, dict(values, metric=metric, market=market), origin, where)


def _alert_rules(tables: Mapping[str, _MetricRules], origin: str) -> tuple[AlertRule, ...]:
    return tuple(
        tables.get(metric, _MetricRules()).rule(metric, market, origin)
        for metric in ALERT_METRICS
        for market in MARKETS
    )


class AlertSettings(_Section):
    """Alert rules and where alerts are delivered (section [alerts])."""

    sinks: Sinks = DEFAULT_ALERT_SINKS
    jsonl_path: SettingPath | None = None  # None: alerts.jsonl next to the warehouse
    webhook_url_env: VariableName = "MODMETRICS_ALERT_WEBHOOK_URL"  # the URL is never stored
    webhook_timeout_seconds: Seconds = 5.0
    retry_backoff_seconds: Seconds = 300.0  # a failed delivery waits this, doubled each attempt
    group: AlertGrouping = "event"  # "run": one message per sink and run, listing its events
    # how alerts are judged (sql/alerts/alert_history.sql): "evidence", CUSUMs on the counts whose
    # thresholds come from the false-alarm budget, or "threshold", the day's value past warn for
    # for_days days in a row (the rule before the evidence rule)
    method: Literal["evidence", "threshold"] = "evidence"
    # expected false alerts a year across all series (metrics x markets, warn and shift charts)
    false_alarms_per_year: Annotated[
        StrictFloat, _check(lambda v: v > 0, "must be a number of alerts a year, more than 0")
    ] = 2.0
    audit_rolling_days: Annotated[StrictInt, Field(ge=1)] = 7  # audit rates judged on this window
    shift_alerts: StrictBool = True  # a notice on a sustained move against the market's own level
    # one per metric and market; the file writes them as [alerts.<metric>] tables (_file_values)
    rules: tuple[AlertRule, ...] = Field(default_factory=lambda: _alert_rules({}, "defaults"))

    def rule(self, metric: str, market: str) -> AlertRule:
        return next(r for r in self.rules if (r.metric, r.market) == (metric, market))


class Settings(_Section):
    """Everything a run needs to know besides the data itself."""

    warehouse: SettingPath = Path("data/warehouse.duckdb")
    landing: SettingPath = Path("data/landing")
    reporting_timezone: TimeZone = "UTC"
    markets: MarketTables = _MarketTables()  # [markets.<market>]: e.g. its own timezone
    appeal_window_days: Days = 30
    # days whose QA audits are still arriving (audit_provisional): on the sample data 90.5% of a
    # day's audits are in by age 6 and all by age 7 (docs/benchmarks.md, "Audit lag")
    audit_window_days: Days = 7
    memory_limit: MemorySize = "1GB"
    as_of: date | None = None
    validation: ValidationSettings = ValidationSettings()
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    dashboards_dir: SettingPath | None = None  # [dashboards] out; default beside the warehouse
    lake: SettingPath | None = None  # [lake] out: the Parquet lake folder; None: no lake
    engine: Engine = "duckdb"  # what computes ingestion and metrics: duckdb | spark
    spark: SparkSettings = SparkSettings()
    source: str = "defaults"  # the settings file read, if any

    @property
    def alerts_jsonl(self) -> Path:
        """The JSON Lines file alerts are appended to."""
        return self.alerts.jsonl_path or self.warehouse.parent / "alerts.jsonl"

    @property
    def market_timezones(self) -> dict[str, str]:
        """The zone each market's days are counted in: its own, else reporting_timezone."""
        return {
            market: getattr(self.markets, market).timezone or self.reporting_timezone
            for market in MARKETS
        }

    @property
    def dashboards(self) -> Path:
        """Where the dashboard site is written: ./data/dashboards with the default warehouse."""
        return self.dashboards_dir or self.warehouse.parent / "dashboards"

    @property
    def work_warehouse(self) -> Path:
        """The pipeline's private working copy; analysts read the published `warehouse`."""
        return self.warehouse.parent / ".modmetrics-work" / self.warehouse.name

    def with_overrides(self, **values) -> Settings:
        """Return a copy with the given (non-None) values, checked: the command line's flags."""
        return self._with({k: v for k, v in values.items() if v is not None}, "command line")

    def _with(self, values: dict, origin: str) -> Settings:
        # the values kept are checked models already: pydantic takes them as they are
        return _validated(Settings, {**dict(self), **values}, origin)


# --- reading the layers ----------------------------------------------------------------------


def load_settings(config: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `config` (default ./modmetrics.toml if present), then the environment.

    Paths in the file are relative to the file's folder; paths from the environment to the
    current directory.
    """
    environ = os.environ if environ is None else environ
    path = config if config is not None else DEFAULT_CONFIG_FILE
    if config is not None and not path.is_file():
        raise SettingsError(f"{path}: settings file not found")
    settings = Settings()
    if path.is_file():
        values = {**_file_values(path), "source": str(path)}
        settings = _validated(Settings, values, str(path), context={"folder": path.parent})
    # one variable at a time, so that an error names it
    for key, var in (*ENV_OVERRIDES.items(), ("lake", LAKE_ENV)):
        if environ.get(var):
            settings = settings._with({key: environ[var]}, f"environment {var}")
    if environ.get(SPARK_MASTER_ENV):
        spark = {**dict(settings.spark), "master": environ[SPARK_MASTER_ENV]}
        settings = settings._with({"spark": spark}, f"environment {SPARK_MASTER_ENV}")
    return settings


def _file_values(path: Path) -> dict:
    """The file's tables under Settings' field names.

    The file writes the two output folders as [dashboards] out and [lake] out, and the alert
    rules as [alerts.<metric>] tables, resolved here into one AlertRule per metric and market.
    """
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    origin = str(path)
    # fields the file writes under another name, or not at all
    not_keys = sorted(values.keys() & {"dashboards_dir", "source"})
    alerts = values.get("alerts")
    if isinstance(alerts, dict) and "rules" in alerts:
        not_keys.append("alerts.rules")
    if not_keys:
        raise SettingsError(f"{path}: unknown setting(s): {', '.join(not_keys)}")
    for section, field in (("dashboards", "dashboards_dir"), ("lake", "lake")):
        if section in values:
            values[field] = _validated(_Folder, values.pop(section), origin, (section,)).out
    if isinstance(alerts, dict):
        tables = {
            metric: _validated(_MetricRules, alerts.pop(metric), origin, ("alerts", metric))
            for metric in ALERT_METRICS
            if metric in alerts
        }
        values["alerts"] = {**alerts, "rules": _alert_rules(tables, origin)}
    return values


# --- one line per error ----------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)

# what a value of the wrong type must be, by the start of pydantic's error type
_KINDS = {
    "float": "a number", "int": "a whole number", "bool": "true or false", "string": "a string",
    "date": "a date like 2026-10-31", "list": "a list", "tuple": "a list", "path": "a path",
    "dict": "a table of settings", "model": "a table of settings",
}  # fmt: skip


def _validated(model: type[M], values: Any, origin: str, within: tuple = (), context=None) -> M:
    """`model` checked from `values`, else a SettingsError naming `origin` and the key.

    `within` is where the table sits in the file, e.g. ("alerts", "overkill_rate (BR)").
    """
    try:
        return model.model_validate(values, context=context)
    except ValidationError as exc:
        raise SettingsError(f"{origin}: {_problem(exc.errors(), within)}") from None


def _problem(errors: list, within: tuple) -> str:
    """The first of pydantic's errors in the user's words, after the key it is about."""
    # an unknown key first: it is often the misspelling of a missing one
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    kind, loc, ctx = first["type"], first["loc"], first.get("ctx", {})
    if kind == "extra_forbidden":  # every unknown key of the table at once
        names = [
            str(e["loc"][-1]) for e in errors if e["type"] == kind and e["loc"][:-1] == loc[:-1]
        ]
        section = _key((*within, *loc[:-1]))
        return f"unknown {section + ' ' if section else ''}setting(s): {', '.join(names)}"
    if kind == "value_error":
        problem = str(ctx["error"])
    elif kind == "literal_error":
        problem = f"must be {ctx['expected']}, got {first['input']!r}"
    elif kind == "greater_than_equal":
        problem = f"must be {ctx['ge']:g} or more"
    elif kind == "missing":
        problem = "is missing"
    else:
        what = next((v for k, v in _KINDS.items() if kind.startswith(k)), "valid")
        problem = f"must be {what}, got {first['input']!r}"
    text = f"{_key(loc)} {problem}".strip()
    if not within:
        return text
    return f"{_key(within)}{': ' if loc or kind == 'value_error' else ' '}{text}"


def _key(loc: tuple) -> str:
    """('alerts', 'sinks', 0) -> 'alerts.sinks[0]'."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
