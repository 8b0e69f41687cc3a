"""The static dashboard site: read the published warehouse's views, draw, write HTML pages.

Every number on a page comes from a query in sql/dashboards/; this module only arranges them.
The pages open from file:// with no network: plotly.js is written once, beside them, and shared.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import plotly
import plotly.io
import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from warehouse.runner import open_read_only, read_sql
from warehouse.vocabulary import MARKETS

from . import SITE_MANIFEST, figures
from .figures import METRICS

QUERIES = [
    "as_of",
    "kpis",
    "trends",
    "projections",
    "volumes",
    "policy_days",
    "segments",
    "top_contributors",
    "what_moved",
    "qa_queues",
    "appeal_capture",
    "files",
    "file_problems",
    "rejections",
    "rejection_reasons",
    "validation",
    "thresholds",
    "open_alerts",
    "alert_events",
]
# The views several queries read (directly, or through market_kpis, market_daily_metrics and
# the other views built on them): each is evaluated once per build, not once per query. A
# registered copy shadows the view of that name on the build's read-only connection.
SHARED_VIEWS = ["metric_breakdowns", "market_daily_metrics", "ingested_files"]
# queries a later query reads, as dashboard_<name> (rejection_reasons sums rejections' rows)
REUSED_QUERIES = ["rejections"]
# the window days (read by windows.sql) bound into a query as $name: constant days let DuckDB
# prune the decisions to the window and build the join on the audits (sql/views/qa_audits.sql)
BOUND_DAYS = {
    "qa_queues": ("qa_first_day", "qa_last_day"),
    "appeal_capture": ("capture_first_day", "capture_last_day"),
}
PLOTLY_JS = "assets/plotly.min.js"
PLOT_CONFIG = {"displaylogo": False, "responsive": True}

_templates = Environment(
    loader=PackageLoader("dashboards", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _pct(value) -> str:
    return "–" if value is None else f"{value:.2%}"


def _pts(change) -> str:
    """A change of a rate, in percentage points (no '-0.00')."""
    points = round(change * 100, 2)
    return f"{points:+.2f} pts" if points else "0.00 pts"


def _num(value, spec: str = ",.0f") -> str:
    return "–" if value is None else format(value, spec)


def _when(value) -> str:
    return "–" if value is None else f"{value:%Y-%m-%d %H:%M %Z}".strip()


def _arrow(change) -> str:
    points = round(change * 100, 2)
    return "▲" if points > 0 else "▼" if points < 0 else "■"


def _change_class(row: dict, info) -> str:
    """Colour of a change: significant rises of an error rate are bad news."""
    if row["change_is_significant"] is None or not row["change_is_significant"]:
        return "noise"
    if not info.errors_are_bad:
        return "moved"
    return "worse" if row["change"] > 0 else "better"


_templates.filters.update(
    pct=_pct, pts=_pts, num=_num, when=_when, arrow=_arrow, change_class=_change_class
)


class DashboardError(Exception):
    """The site cannot be built: the message is one line meant for the user."""


@dataclass(frozen=True)
class Site:
    """What a build wrote."""

    out: Path
    pages: list[Path]  # the pages written
    unchanged: list[Path]  # the pages whose data had not changed: left as they were
    seconds: float


def load(warehouse: Path) -> dict[str, pl.DataFrame]:
    """Every query of sql/dashboards/ on the published warehouse, read-only."""
    if not warehouse.is_file():
        raise DashboardError(f"{warehouse}: no warehouse there yet (run `modmetrics run`)")
    con = open_read_only(warehouse)
    try:
        for view in SHARED_VIEWS:
            # read once, then every query (and every view built on it) reads the copy
            con.register(view, con.sql(f"select * from {view}").to_arrow_table())
        windows = con.sql(read_sql("dashboards/windows.sql")).pl().row(0, named=True)
        data = {}
        for name in QUERIES:
            days = {key: windows[key] for key in BOUND_DAYS.get(name, ())}
            data[name] = con.sql(read_sql(f"dashboards/{name}.sql"), params=days or None).pl()
            if name in REUSED_QUERIES:
                con.register(f"dashboard_{name}", data[name])
        return data
    finally:
        con.close()


def build_site(warehouse: Path, out: Path) -> Site:
    """Write index.html, one page per market and quality.html into `out`, each only if what it
    shows changed since the build recorded in `out`/.site.json (`pages`: the pages written)."""
    started = time.perf_counter()
    data = load(warehouse)
    out.mkdir(parents=True, exist_ok=True)
    _write_plotly_js(out)
    stamp = _stamp(data["as_of"])
    days = _days(data["as_of"])
    builders = {
        "index.html": (lambda: _overview(data, days, stamp), _page_data(data, OVERVIEW_DATA)),
        **{
            f"{m.lower()}.html": (
                lambda m=m: _market_page(data, m, days, stamp),
                _page_data(data, MARKET_DATA, market=m),
            )
            for m in MARKETS
        },
        "quality.html": (lambda: _quality_page(data, stamp), _page_data(data, QUALITY_DATA)),
    }
    built = _read_manifest(out)
    keys, written, unchanged = {}, [], []
    for name, (render, frames) in builders.items():
        keys[name] = _page_key(frames, data["as_of"])
        if built.get("pages", {}).get(name) == keys[name] and (out / name).is_file():
            unchanged.append(out / name)  # the same numbers as of the same day: on disk already
            continue
        written.append(_write(out / name, render()))
    run_id = data["as_of"]["last_run_id"][0] if not data["as_of"].is_empty() else None
    _write(out / SITE_MANIFEST, json.dumps({"run_id": run_id, "pages": keys}, indent=1))
    return Site(out=out, pages=written, unchanged=unchanged, seconds=time.perf_counter() - started)


# What each page shows, by query (a market's page: that market's rows of each). A page whose
# rows, and whose as-of stamp, are those of the last build is not drawn again.
OVERVIEW_DATA = ["kpis", "open_alerts", "trends", "thresholds", "alert_events", "projections"]
MARKET_DATA = [
    "kpis",
    "open_alerts",
    "trends",
    "thresholds",
    "alert_events",
    "projections",
    "volumes",
    "policy_days",
    "segments",
    "top_contributors",
    "what_moved",
    "qa_queues",
    "appeal_capture",
]
QUALITY_DATA = ["files", "file_problems", "rejections", "rejection_reasons", "validation"]
# the stamp's columns a page's key leaves out: the run's time changes on every run, the numbers
# do not (the page says "numbers of the run at ...": the run that last changed them)
_RUN_COLUMNS = ("last_run_at", "last_run_id")


def _page_data(data: dict, names: list[str], market: str | None = None) -> list[pl.DataFrame]:
    frames = [data[name] for name in names]
    if market is None:
        return frames
    return [f.filter(pl.col("market") == market) for f in frames]


def _page_key(frames: list[pl.DataFrame], as_of: pl.DataFrame) -> str:
    """sha256 of what a page shows: its rows, its stamp, and the code that draws them."""
    digest = hashlib.sha256(_CODE_VERSION.encode())
    for frame in [as_of.drop(_RUN_COLUMNS, strict=False), *frames]:
        digest.update(str(frame.schema).encode())
        digest.update(frame.write_csv().encode())
    return digest.hexdigest()


def _code_version() -> str:
    """The site's code, templates and queries, and the plotly that draws: a new version redraws."""
    here = Path(__file__).resolve().parent
    sql = here.parent / "sql" / "dashboards"
    digest = hashlib.sha256(plotly.__version__.encode())
    for path in sorted([*here.glob("*.py"), *(here / "templates").glob("*"), *sql.glob("*.sql")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


_CODE_VERSION = _code_version()


def _read_manifest(out: Path) -> dict:
    try:
        return json.loads((out / SITE_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# --- pages ----------------------------------------------------------------------------------


def _overview(data: dict, days: pl.DataFrame | None, stamp: dict) -> str:
    charts = []
    if days is not None:
        for metric in METRICS:
            charts.append(
                _plot(
                    figures.trend(
                        data["trends"],
                        metric,
                        MARKETS,
                        days,
                        data["thresholds"],
                        data["alert_events"],
                        data["projections"],
                    ),
                    f"trend-{metric}",
                )
            )
    return _render(
        "index.html",
        stamp,
        page="overview",
        title="Overview",
        tiles=_tiles(data["kpis"]),
        alerts=data["open_alerts"].to_dicts(),
        charts=charts,
    )


def _market_page(data: dict, market: str, days: pl.DataFrame | None, stamp: dict) -> str:
    def of(name: str) -> pl.DataFrame:
        return data[name].filter(pl.col("market") == market)

    trends, heatmaps, breakdowns = [], [], []
    if days is not None and not of("trends").is_empty():
        for metric in METRICS:
            trends.append(
                _plot(
                    figures.trend(
                        of("trends"),
                        metric,
                        [market],
                        days,
                        of("thresholds"),
                        of("alert_events"),
                        of("projections"),
                        critical_line=True,
                    ),
                    f"trend-{metric}",
                )
            )
        volumes = _plot(figures.volumes(of("volumes").drop("market"), days), "volumes")
        for metric in ("overkill_rate", "leakage_rate"):
            heatmaps.append(
                _plot(figures.heatmap(of("policy_days"), metric, days), f"heatmap-{metric}")
            )
        segments = of("segments")
        if not segments.is_empty():
            window = _window(segments) + ": overkill and leakage still provisional"
            breakdowns = [
                _plot(
                    figures.segments(segments, "source", f"Machine vs human, {window}"), "by-source"
                ),
                _plot(
                    figures.segments(segments, "object_type", f"By object type, {window}"),
                    "by-object-type",
                ),
            ]
    else:
        volumes = None
    top = of("top_contributors")
    moved = of("what_moved")
    what_moved = [
        _plot(figures.drivers(moved.filter(pl.col("metric") == metric), metric), f"moved-{metric}")
        for metric in METRICS
        if not moved.filter(pl.col("metric") == metric).is_empty()
    ]
    qa_queues = of("qa_queues")
    return _render(
        "market.html",
        stamp,
        page=market,
        title=market,
        market=market,
        tiles=[t for t in _tiles(data["kpis"]) if t["market"] == market],
        alerts=of("open_alerts").to_dicts(),
        trends=trends,
        volumes=volumes,
        heatmaps=heatmaps,
        breakdowns=breakdowns,
        top_window=_window(top, "last 7 settled days") if not top.is_empty() else "",
        top_overkill=top.filter(pl.col("metric") == "overkill_rate").to_dicts(),
        top_leakage=top.filter(pl.col("metric") == "leakage_rate").to_dicts(),
        what_moved=what_moved,
        qa_window=_window(qa_queues, "latest 28 days") if not qa_queues.is_empty() else "",
        qa_queues=qa_queues.to_dicts(),
        capture=of("appeal_capture").to_dicts(),
    )


def _quality_page(data: dict, stamp: dict) -> str:
    rejections = data["rejections"]
    chart = (
        _plot(figures.rejections(data["rejection_reasons"]), "rejections")
        if not rejections.is_empty()
        else None
    )
    return _render(
        "quality.html",
        stamp,
        page="quality",
        title="Data quality",
        files=data["files"].to_dicts(),
        problems=data["file_problems"].to_dicts(),
        rejections_chart=chart,
        rejections=rejections.head(25).to_dicts(),
        reasons=data["rejection_reasons"].to_dicts(),
        rejections_total=len(rejections),
        validation=data["validation"].to_dicts(),
    )


# --- pieces ---------------------------------------------------------------------------------


def _tiles(kpis: pl.DataFrame) -> list[dict]:
    """One tile per market and metric, holding its day and 7-day figures."""
    tiles = []
    for market in MARKETS:
        for metric, info in METRICS.items():
            spans = {
                r["span"]: r
                for r in kpis.filter(
                    (pl.col("market") == market) & (pl.col("metric") == metric)
                ).iter_rows(named=True)
            }
            tiles.append(
                {
                    "market": market,
                    "metric": metric,
                    "info": info,
                    "day": spans.get("day"),
                    "week": spans.get("7 days"),
                    # overkill and leakage are compared on projected and settled periods only
                    "projected": spans.get("7 days projected") if info.settles else None,
                    "settled": spans.get("settled 7 days") if info.settles else None,
                }
            )
    return tiles


def _stamp(as_of: pl.DataFrame) -> dict:
    row = as_of.to_dicts()[0] if not as_of.is_empty() else {}
    return {
        "as_of_date": row.get("as_of_date"),
        "last_run_at": row.get("last_run_at"),
        "timezone": row.get("reporting_timezone"),
        "latest_complete_day": row.get("latest_complete_day"),
        "appeal_window_days": row.get("appeal_window_days"),
        "built_at": datetime.now().astimezone(),
    }


def _days(as_of: pl.DataFrame) -> pl.DataFrame | None:
    """The calendar of the charts: the first to the last day with decisions."""
    if as_of.is_empty() or as_of["first_day"][0] is None:
        return None
    return figures.calendar(as_of["first_day"][0], as_of["last_day"][0])


def _window(rows: pl.DataFrame, words: str = "last 7 days") -> str:
    first, last = rows["first_day"].min(), rows["last_day"].max()
    return f"{words} ({first:%d %b} – {last:%d %b %Y})"


def _plot(fig: figures.Figure, div_id: str) -> Markup:
    """A chart's HTML: a div and the script that draws it, without plotly.js itself."""
    fig.update_axes("x", **figures.AXES)
    fig.update_axes("y", **figures.AXES)
    return Markup(
        plotly.io.to_html(
            fig.to_dict(),
            validate=False,  # the figures are plain dicts, validated by the tests
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            config=PLOT_CONFIG,
            default_width="100%",
            default_height=f"{fig.layout.get('height') or 360}px",
        )
    )


def _render(template: str, stamp: dict, **values) -> str:
    return _templates.get_template(template).render(
        stamp=stamp, markets=MARKETS, metrics=METRICS, plotly_js=PLOTLY_JS, **values
    )


def _write(path: Path, text: str) -> Path:
    """Replace `path` atomically: someone may have the page open in a browser."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _write_plotly_js(out: Path) -> None:
    """plotly.js once for every page, from the installed plotly package (no CDN)."""
    target = out / PLOTLY_JS
    script = get_plotlyjs()
    if target.is_file() and target.stat().st_size == len(script.encode("utf-8")):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    _write(target, script)
