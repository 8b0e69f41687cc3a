"""Plotly figures from the warehouse's rows: each function draws numbers it is given, and
computes none. Strings from input files (policy, queue, object type) are escaped before they
reach Plotly, which reads HTML-like tags in labels and hover text."""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import polars as pl
from plotly.colors import make_colorscale, sequential

from warehouse.vocabulary import MARKETS


@dataclass(frozen=True)
class Metric:
    title: str
    numerator: str  # what the numerator counts, for hover text
    denominator: str
    definition: str
    errors_are_bad: bool = True  # a rise is bad news (overkill, leakage); not so the penalty ratio
    count_format: str = ",.0f"
    settles: bool = False  # counts appeals, which keep arriving for appeal_window_days


# Words only: the numbers come from the warehouse (sql/macros.sql metric_rates defines them).
METRICS = {
    "overkill_rate": Metric(
        "Overkill overturned on appeal",
        "penalties overturned",
        "penalties",
        "Share of penalties overturned on a creator's appeal, by the day of the decision. A lower "
        "bound of the overkill error rate: only the errors somebody appealed, and won, are "
        "counted (each market page shows how many of the errors QA finds appeals overturn).",
        settles=True,
    ),
    "leakage_rate": Metric(
        "Leakage overturned on appeal",
        "no-actions overturned",
        "no-actions",
        "Share of 'no action' decisions overturned on a reporter's appeal, by the day of the "
        "decision. A lower bound of the leakage error rate: violating content nobody appealed "
        "is not counted.",
        settles=True,
    ),
    "audit_overkill_rate": Metric(
        "Overkill error rate found by QA audit",
        "audit weight judged non-violating",
        "audited penalty weight",
        "The estimate of the overkill error rate itself: the weighted share of QA-audited "
        "penalties judged non-violating. Its interval uses the effective (Kish) sample size of "
        "the weighted audit sample.",
        count_format=",.1f",
    ),
    "audit_leakage_rate": Metric(
        "Leakage error rate found by QA audit",
        "audit weight judged violating",
        "audited no-action weight",
        "The estimate of the leakage error rate itself: the weighted share of QA-audited "
        "'no action' decisions judged violating.",
        count_format=",.1f",
    ),
    "penalty_ratio": Metric(
        "Penalty ratio",
        "penalties",
        "decisions",
        "Share of moderation decisions that end in a penalty.",
        errors_are_bad=False,
    ),
}

PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e")  # colour-blind safe (Dark2)
MARKET_COLORS = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(MARKETS)}
SEVERITY_COLORS = {"notice": "#1565c0", "warning": "#e6a700", "critical": "#c62828"}
LAYOUT = dict(
    # plain white, set here: no Plotly template (plotly.js draws a figure without one as is)
    paper_bgcolor="white",
    plot_bgcolor="white",
    margin=dict(l=60, r=20, t=40, b=40),
    height=360,
    hovermode="closest",
    legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0),
    font=dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=12),
)


AXES = dict(gridcolor="#eceff1", zeroline=False, automargin=True)


class Figure:
    """A figure as the JSON plotly.js draws: its traces and its layout as plain dicts, with
    LAYOUT under `layout`. plotly.graph_objects validates every property as it is set, which was
    most of the time the site took to draw and grew with the days shown; the tests validate
    every figure of a built site against Plotly's schema instead (tests/test_dashboards.py)."""

    def __init__(self, data=(), **layout):
        self.data = list(data)
        self.layout = {**copy.deepcopy(LAYOUT), **layout}  # its own margin, legend, font

    def add_trace(self, trace: dict) -> None:
        self.data.append(trace)

    def update_axes(self, axis: str, **props) -> None:
        """Every axis of one kind ("x" or "y"), as plotly's update_xaxes and update_yaxes, but
        one level deep: a dict given as a property replaces the axis's dict of that name."""
        pattern = re.compile(f"{axis}axis[0-9]*")
        for name in {f"{axis}axis", *filter(pattern.fullmatch, self.layout)}:
            self.layout[name] = {**self.layout.get(name, {}), **props}

    def add_annotation(self, **props) -> None:
        self.layout.setdefault("annotations", []).append(props)

    def to_dict(self) -> dict:
        return {"data": self.data, "layout": self.layout}


def trace(kind: str, **props) -> dict:
    """A trace of type `kind` ("scatter", "bar", "heatmap"); a property given None is unset."""
    return {"type": kind, **{k: v for k, v in props.items() if v is not None}}


def _grid(fig: Figure, rows: int, cols: int, titles: list[str], spacing: float, title_size=16):
    """Axes for a rows x cols grid of panels, each titled, as plotly's make_subplots lays them
    out (`spacing` between panels, as a share of the figure; one column shares its x axis)."""
    height = (1 - spacing * (rows - 1)) / rows
    width = (1 - spacing * (cols - 1)) / cols
    for i, title in enumerate(titles):
        row, col = divmod(i, cols)
        n = _axis_suffix(i)
        x0, y1 = col * (width + spacing), 1 - row * (height + spacing)
        x_axis = {"anchor": f"y{n}", "domain": [x0, x0 + width]}
        if cols == 1 and row < rows - 1:
            x_axis |= {"matches": f"x{rows}", "showticklabels": False}
        fig.layout[f"xaxis{n}"] = x_axis
        fig.layout[f"yaxis{n}"] = {"anchor": f"x{n}", "domain": [y1 - height, y1]}
        fig.add_annotation(
            font={"size": title_size}, showarrow=False, text=title, x=x0 + width / 2,
            xanchor="center", xref="paper", y=y1, yanchor="bottom", yref="paper",
        )  # fmt: skip


def _axis_suffix(cell: int) -> str:
    """The axes of a grid's cell (0-based, row by row): x and y, then x2 and y2, ..."""
    return "" if cell == 0 else str(cell + 1)


def _panel(props: dict, cell: int) -> dict:
    """A trace drawn in a cell of _grid."""
    n = _axis_suffix(cell)
    return {**props, "xaxis": f"x{n}", "yaxis": f"y{n}"}


def label(value) -> str:
    """Text from an input file, made safe for Plotly's HTML-like labels."""
    return html.escape("" if value is None else str(value), quote=False)


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def calendar(first: date, last: date) -> pl.DataFrame:
    """Every day from first to last: joined to a series, a missing day becomes a gap."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return pl.DataFrame({"metric_date": days}, schema={"metric_date": pl.Date})


def _days(column: pl.Series) -> list[str | None]:
    """A date column as the ISO strings the page's JSON holds: given dates, plotly's encoder
    would try its other encoders on each one first (a third of the drawing of a long history's
    pages: 0.33 of 0.85 s at 50M decisions)."""
    return column.cast(pl.String).to_list()


def _on_calendar(rows: pl.DataFrame, days: pl.DataFrame) -> pl.DataFrame:
    return days.join(rows, on="metric_date", how="left").sort("metric_date")


def _band(x: list, low: list, high: list) -> tuple[list, list]:
    """The outline of a 95% band: one closed shape per run of days with an interval, so that
    the band has the same gaps as the line."""
    band_x, band_y, run = [], [], []
    for day, lo, hi in [*zip(x, low, high, strict=True), (None, None, None)]:
        if lo is not None and hi is not None:
            run.append((day, lo, hi))
            continue
        if run:
            band_x += [d for d, _, _ in run] + [d for d, _, _ in reversed(run)] + [None]
            band_y += [h for _, _, h in run] + [lo_ for _, lo_, _ in reversed(run)] + [None]
            run = []
    return band_x, band_y


CUSTOM_COLUMNS = ["low", "high", "numerator", "denominator", "sample_size"]


def points(*columns: list) -> np.ndarray:
    """A trace's customdata: per point, one value of each column, as an object array. Plotly
    takes an array as it is, where it checks a list of tuples value by value (most of the time a
    page took to draw, growing with the days shown); both give the same JSON."""
    values = np.empty((len(columns[0]) if columns else 0, len(columns)), dtype=object)
    for i, column in enumerate(columns):
        if len(column) != len(values):
            raise ValueError("customdata columns of different lengths")
        values[:, i] = column
    return values


def _custom(rows: pl.DataFrame, note: list[str] | None = None) -> np.ndarray:
    """Per point: interval, numerator, denominator, sample size (and a note), for the hover."""
    columns = [rows[c].to_list() for c in CUSTOM_COLUMNS]
    if note is not None:
        columns.append(note)
    return points(*columns)


def _hover(metric: Metric, head: str, value: str = "y", note: bool = False) -> str:
    """Hover text: the rate, its interval and what it is made of; the audit rates add the
    effective sample size their interval uses."""
    n = "<br>effective sample size %{customdata[4]:,.1f}" if metric.count_format != ",.0f" else ""
    return (
        f"{head}<br>"
        f"{metric.title}: <b>%{{{value}:.2%}}</b><br>"
        "95% interval: %{customdata[0]:.2%} – %{customdata[1]:.2%}<br>"
        f"%{{customdata[2]:{metric.count_format}}} {metric.numerator} of "
        f"%{{customdata[3]:{metric.count_format}}} {metric.denominator}{n}"
        + ("%{customdata[5]}" if note else "")
        + "<extra></extra>"
    )


def trend(
    rows: pl.DataFrame,
    metric: str,
    markets: list[str],
    days: pl.DataFrame,
    thresholds: pl.DataFrame,
    events: pl.DataFrame,
    projections: pl.DataFrame | None = None,
    *,
    critical_line: bool = False,
) -> Figure:
    """One metric per day for the given markets: line, 95% band, provisional days dotted, their
    projected final value with its 95% band (overkill and leakage), the alert thresholds and
    the alert events."""
    info = METRICS[metric]
    fig = Figure(
        title=dict(text=info.title, x=0, xanchor="left"),
        yaxis=dict(tickformat=".1%", rangemode="tozero"),
    )
    for market in markets:
        color = MARKET_COLORS.get(market, "#555555")
        series = _on_calendar(
            rows.filter((pl.col("metric") == metric) & (pl.col("market") == market)).drop(
                "metric", "market"
            ),
            days,
        )
        projected = _projected(projections, metric, market, series) if info.settles else None
        x = _days(series["metric_date"])
        low, high = series["low"], series["high"]
        if projected is not None:
            # a projected day has the projection's band, not the observed value's
            hidden = projected["projected"].is_not_null() & series["provisional"].fill_null(False)
            low = pl.select(pl.when(~hidden).then(low)).to_series()
            high = pl.select(pl.when(~hidden).then(high)).to_series()
        band_x, band_y = _band(x, low.to_list(), high.to_list())
        fig.add_trace(
            trace(
                "scatter",
                x=band_x,
                y=band_y,
                mode="lines",
                line=dict(width=0),
                fill="toself",
                fillcolor=_rgba(color, 0.15 if len(markets) == 1 else 0.08),
                hoverinfo="skip",
                name=f"{market} 95% interval",
                showlegend=False,
                legendgroup=market,
            )
        )
        # only the appeal-based metrics move while a day is provisional
        series = series.with_columns(pl.col("provisional").fill_null(False) & info.settles)
        # the provisional stretch starts at the last settled day, so that the two lines join
        joins = pl.col("provisional").shift(-1, fill_value=False) & ~pl.col("provisional")
        series = series.with_columns(
            settled=pl.when(~pl.col("provisional")).then(pl.col("value")),
            pending=pl.when(pl.col("provisional") | joins).then(pl.col("value")),
        )
        provisional = series["provisional"]
        customdata = _custom(
            series,
            ["<br><i>provisional: appeals still arriving</i>" if p else "" for p in provisional],
        )
        settled, pending = series["settled"], series["pending"]
        fig.add_trace(
            trace(
                "scatter",
                x=x,
                y=settled.to_list(),
                customdata=customdata,
                mode="lines+markers",
                marker=dict(size=4),
                line=dict(color=color, width=2),
                name=market,
                legendgroup=market,
                hovertemplate=_hover(info, f"<b>{market}</b> %{{x|%a %d %b %Y}}", note=True),
            )
        )
        if provisional.any():
            fig.add_trace(
                trace(
                    "scatter",
                    x=x,
                    y=pending.to_list(),
                    customdata=customdata,
                    mode="lines+markers",
                    marker=dict(size=5, symbol="circle-open"),
                    line=dict(color=color, width=1.5, dash="dot"),
                    # fainter when a projection is drawn beside it: the number to judge is that
                    opacity=0.6 if projected is not None else 1.0,
                    name=f"{market} (provisional)",
                    legendgroup=market,
                    # beside its projection, on a one-market chart (three would crowd it)
                    showlegend=projected is not None and len(markets) == 1,
                    hovertemplate=_hover(info, f"<b>{market}</b> %{{x|%a %d %b %Y}}", note=True),
                )
            )
        if projected is not None:
            _projected_traces(fig, projected, info, market, color, len(markets))
    if rows.filter((pl.col("metric") == metric) & pl.col("value").is_not_null()).is_empty():
        fig.add_annotation(
            text="no data yet", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5
        )
    _threshold_lines(fig, thresholds, metric, markets, days, critical_line)
    _alert_markers(fig, events, metric, markets)
    if info.settles:
        _provisional_shading(fig, rows, metric, markets)
    return fig


PROJECTED = "projected final (95%)"


def _projected(
    projections: pl.DataFrame | None, metric: str, market: str, series: pl.DataFrame
) -> pl.DataFrame | None:
    """A market's projected final values on the calendar of `series` (None when no day has
    one), starting from the last settled day's observed value so that the lines join."""
    if projections is None:
        return None
    chosen = projections.filter(
        (pl.col("metric") == metric) & (pl.col("market") == market) & pl.col("value").is_not_null()
    )
    if chosen.is_empty():
        return None
    joined = series.select("metric_date", "value", "low", "high", "provisional").join(
        chosen.select(
            "metric_date",
            pl.col("value").alias("p_value"),
            pl.col("low").alias("p_low"),
            pl.col("high").alias("p_high"),
            "completeness",
        ),
        on="metric_date",
        how="left",
    )
    provisional = pl.col("provisional").fill_null(False)
    joins = provisional.shift(-1, fill_value=False) & ~provisional
    return joined.select(
        "metric_date",
        pl.when(joins).then(pl.col("value")).otherwise(pl.col("p_value")).alias("projected"),
        # the band opens from the last settled day's value, not from its (sampling) interval
        pl.when(joins).then(pl.col("value")).otherwise(pl.col("p_low")).alias("low"),
        pl.when(joins).then(pl.col("value")).otherwise(pl.col("p_high")).alias("high"),
        pl.when(joins).then(1.0).otherwise(pl.col("completeness")).alias("completeness"),
        pl.col("value").alias("observed"),
    )


def _projected_traces(fig, projected: pl.DataFrame, info, market, color, markets: int) -> None:
    """The projected final value of provisional days: a long-dashed line in a hatched band."""
    x = _days(projected["metric_date"])
    band_x, band_y = _band(x, projected["low"].to_list(), projected["high"].to_list())
    group = f"{market} projected"
    fig.add_trace(
        trace(
            "scatter",
            x=band_x,
            y=band_y,
            mode="lines",
            line=dict(width=0),
            fill="toself",
            fillcolor=_rgba(color, 0.18 if markets == 1 else 0.1),
            fillpattern=dict(shape="/", fgcolor=_rgba(color, 0.6), size=7, solidity=0.2),
            hoverinfo="skip",
            name=f"{market} {PROJECTED} band",
            showlegend=False,
            legendgroup=group,
        )
    )
    customdata = points(
        projected["low"].to_list(),
        projected["high"].to_list(),
        projected["completeness"].to_list(),
        projected["observed"].to_list(),
    )
    fig.add_trace(
        trace(
            "scatter",
            x=x,
            y=projected["projected"].to_list(),
            customdata=customdata,
            mode="lines+markers",
            # long dashes and squares: the thresholds are dashed, escalations diamonds
            marker=dict(size=5, symbol="square"),
            line=dict(color=color, width=2, dash="longdash"),
            name=f"{market} {PROJECTED}",
            legendgroup=group,
            hovertemplate=(
                f"<b>{market}</b> %{{x|%a %d %b %Y}}<br>"
                f"{info.title}, projected final: <b>%{{y:.2%}}</b><br>"
                "95% interval of the final value: %{customdata[0]:.2%} – %{customdata[1]:.2%}<br>"
                "observed so far: %{customdata[3]:.2%}<br>"
                "expected share of the overturns already in: %{customdata[2]:.0%}<extra></extra>"
            ),
        )
    )


def _threshold_lines(fig, thresholds, metric, markets, days, critical_line) -> None:
    chosen = thresholds.filter((pl.col("metric") == metric) & pl.col("market").is_in(markets))
    if chosen.is_empty():
        return
    x = [days["metric_date"][0], days["metric_date"][-1]]
    kinds = [("warn_threshold", "warn", "dash")]
    if critical_line:
        kinds.append(("critical_threshold", "critical", "dashdot"))
    for column, word, dash in kinds:
        values = chosen.select("market", column).unique().sort("market")
        shared = values[column].n_unique() == 1
        for market, value in values.iter_rows() if not shared else [(None, values[column][0])]:
            color = SEVERITY_COLORS["critical" if word == "critical" else "warning"]
            who = "all markets" if market is None else market
            fig.add_trace(
                trace(
                    "scatter",
                    x=x,
                    y=[value, value],
                    mode="lines",
                    line=dict(color=color if market is None else MARKET_COLORS[market], dash=dash),
                    name=f"{word} threshold" + ("" if market is None else f" {market}"),
                    hovertemplate=f"{word} threshold ({who}): {value:.2%}<extra></extra>",
                )
            )


def _alert_markers(fig, events, metric, markets) -> None:
    chosen = events.filter((pl.col("metric") == metric) & pl.col("market").is_in(markets))
    symbols = {
        "opened": "triangle-up",
        "reopened": "triangle-up",
        "escalated": "diamond",
        "resolved": "circle",
    }
    for event, symbol in symbols.items():
        part = chosen.filter(pl.col("event") == event)
        if part.is_empty():
            continue
        # filled with the market's colour, outlined with the severity's (green: resolved)
        colors = [MARKET_COLORS.get(m, "#555555") for m in part["market"]]
        outlines = [
            "#2e7d32" if event == "resolved" else SEVERITY_COLORS.get(s, "#555555")
            for s in part["severity"]
        ]
        fig.add_trace(
            trace(
                "scatter",
                x=_days(part["metric_date"]),
                y=part["value"].to_list(),
                customdata=points(part["market"].to_list(), part["severity"].to_list()),
                mode="markers",
                marker=dict(
                    symbol=symbol, size=13, color=colors, line=dict(width=2.5, color=outlines)
                ),
                name=f"alert {event}",
                hovertemplate=(
                    f"<b>alert {event}</b> %{{customdata[0]}} (%{{customdata[1]}})<br>"
                    "%{x|%d %b %Y}: %{y:.2%}<extra></extra>"
                ),
            )
        )


def _provisional_shading(fig, rows, metric, markets) -> None:
    provisional = rows.filter(
        (pl.col("metric") == metric) & pl.col("market").is_in(markets) & pl.col("provisional")
    )
    if provisional.is_empty():
        return
    # from noon before the first provisional day to noon after the last, around their points
    x0 = datetime.combine(provisional["metric_date"].min(), time()) - timedelta(hours=12)
    x1 = datetime.combine(provisional["metric_date"].max(), time()) + timedelta(hours=12)
    fig.layout.setdefault("shapes", []).append(
        dict(type="rect", xref="x", yref="y domain", x0=x0, x1=x1, y0=0, y1=1,
             fillcolor="#9e9e9e", opacity=0.08, line=dict(width=0))
    )  # fmt: skip
    fig.add_annotation(
        text="provisional: appeals still arriving", showarrow=False, font=dict(size=10),
        x=x0, xref="x", xanchor="left", y=0, yref="y domain", yanchor="bottom",
    )  # fmt: skip


VOLUME_PANELS = [
    ("Decisions and penalties", [("decisions", "decisions"), ("penalties", "penalties")]),
    (
        "Appeals and overturns",
        [
            ("appealed_penalties", "penalties appealed"),
            ("overturned_penalties", "penalties overturned"),
            ("appealed_no_actions", "no-actions appealed"),
            ("overturned_no_actions", "no-actions overturned"),
        ],
    ),
    (
        "QA audits",
        [("audited_penalties", "penalties audited"), ("audited_no_actions", "no-actions audited")],
    ),
]
SERIES_COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
]


def volumes(rows: pl.DataFrame, days: pl.DataFrame) -> Figure:
    """One market's daily volumes, in three panels."""
    series = _on_calendar(rows, days)
    fig = Figure(
        height=640,
        margin=dict(l=60, r=20, t=30, b=40),
        legend=dict(orientation="v", x=1.01, y=1, xanchor="left"),
    )
    _grid(fig, len(VOLUME_PANELS), 1, [title for title, _ in VOLUME_PANELS], spacing=0.08)
    colors = iter(SERIES_COLORS)
    for cell, (_, columns) in enumerate(VOLUME_PANELS):
        for (column, name), color in zip(columns, colors, strict=False):
            fig.add_trace(
                _panel(
                    trace(
                        "scatter",
                        x=_days(series["metric_date"]),
                        y=series[column].to_list(),
                        mode="lines",
                        line=dict(color=color, width=1.8),
                        name=name,
                        hovertemplate=f"{name}: %{{y:,}}<br>%{{x|%a %d %b %Y}}<extra></extra>",
                    ),
                    cell,
                )
            )
    fig.update_axes("y", rangemode="tozero", tickformat=",")
    return fig


def heatmap(rows: pl.DataFrame, metric: str, days: pl.DataFrame) -> Figure:
    """Policy x day of one metric for one market; a cell with no decisions is blank."""
    info = METRICS[metric]
    chosen = rows.filter(pl.col("metric") == metric)
    policies = sorted(chosen["policy"].unique().to_list())
    x = _days(days["metric_date"])
    z, custom = [], []
    for policy in policies:
        line = _on_calendar(chosen.filter(pl.col("policy") == policy), days)
        z.append(line["value"].to_list())
        custom.append(_custom(line))
    fig = Figure(
        [
            trace(
                "heatmap",
                x=x,
                y=[label(p) for p in policies],
                z=z,
                customdata=np.stack(custom) if custom else [],
                # Plotly's Python "Reds" (colorbrewer): plotly.js has a "Reds" of its own
                colorscale=make_colorscale(sequential.Reds),
                zmin=0,
                colorbar=dict(tickformat=".0%"),
                hoverongaps=False,
                hovertemplate=_hover(info, "<b>%{y}</b> %{x|%a %d %b %Y}", value="z"),
            )
        ],
        height=max(260, 60 + 22 * len(policies)),
        title=dict(text=f"{info.title} by policy and day", x=0),
    )
    fig.update_axes("y", autorange="reversed", type="category")
    return fig


def segments(rows: pl.DataFrame, breakdown: str, title: str) -> Figure:
    """Each metric for the segments of one breakdown (source, object type), one panel per
    metric (their scales differ), with 95% intervals."""
    chosen = rows.filter(pl.col("breakdown") == breakdown)
    fig = Figure(margin=dict(l=50, r=10, t=70, b=40), title=dict(text=title, x=0), showlegend=False)
    _grid(fig, 1, len(METRICS), [m.title for m in METRICS.values()], spacing=0.05, title_size=11)
    for i, segment in enumerate(sorted(chosen["segment"].unique().to_list())):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        for col, metric in enumerate(METRICS, start=1):
            info = METRICS[metric]
            row = chosen.filter((pl.col("segment") == segment) & (pl.col("metric") == metric))
            if row.is_empty():
                continue
            r = row.to_dicts()[0]
            fig.add_trace(
                _panel(
                    trace(
                        "bar",
                        x=[label(segment)],
                        y=[r.get("value")],
                        customdata=_custom(row),
                        name=label(segment),
                        legendgroup=segment,
                        showlegend=col == 1,
                        marker=dict(color=color),
                        error_y=dict(
                            type="data",
                            array=[_gap(r, "high", "value")],
                            arrayminus=[_gap(r, "value", "low")],
                            thickness=1,
                        ),
                        hovertemplate=_hover(info, "<b>%{x}</b>"),
                    ),
                    col - 1,
                )
            )
    fig.update_axes("y", tickformat=".2%", rangemode="tozero")
    return fig


DRIVER_COLORS = {"mix": "#7570b3", "rate": "#d95f02"}  # Dark2, as PALETTE


def drivers(rows: pl.DataFrame, metric: str) -> Figure:
    """The largest drivers of one market's metric change (rows of rate_drivers, largest first):
    per segment a diverging bar of its mix effect and its rate effect, stacked, in points."""
    info = METRICS[metric]
    first = rows.row(0, named=True)
    names = [
        f"{d.replace('_', ' ')}: {label(s)}"
        for d, s in zip(rows["dimension"], rows["segment"], strict=True)
    ]
    custom = points(
        *(rows[c].to_list() for c in ("baseline_share", "period_share", "baseline_rate",
                                      "period_rate")),
        [100 * v for v in rows["contribution"].to_list()],
    )  # fmt: skip
    hover = (
        "<b>%{y}</b><br>%{fullData.name}: <b>%{x:+.3f} pts</b><br>"
        "contribution (mix + rate) %{customdata[4]:+.3f} pts<br>"
        "share %{customdata[0]:.1%} → %{customdata[1]:.1%}<br>"
        "rate %{customdata[2]:.2%} → %{customdata[3]:.2%}<extra></extra>"
    )
    traces = []
    for effect, title in (("mix", "Mix: its share moved"), ("rate", "Rate: its own rate moved")):
        traces.append(
            trace(
                "bar",
                y=names,
                x=[None if v is None else 100 * v for v in rows[f"{effect}_effect"].to_list()],
                orientation="h",
                name=title,
                marker=dict(color=DRIVER_COLORS[effect]),
                customdata=custom,
                hovertemplate=hover,
            )
        )
    settled = "" if first["period_settled"] else " (appeals still arriving)"
    title = (
        f"{info.title}: {_pct(first['baseline_market_rate'])} → {_pct(first['period_market_rate'])}"
        f" ({100 * first['market_change']:+.2f} pts), "
        f"{first['baseline_first_day']:%d %b}–{first['baseline_last_day']:%d %b} vs "
        f"{first['period_first_day']:%d %b}–{first['period_last_day']:%d %b}{settled}"
    )
    fig = Figure(
        traces,
        height=max(260, 90 + 30 * len(names)),
        title=dict(text=title, x=0, font=dict(size=13)),
        barmode="relative",
    )
    fig.update_axes("x", zeroline=True, zerolinecolor="#9ca3af", ticksuffix=" pts")
    fig.update_axes("y", autorange="reversed", type="category")
    return fig


def _pct(value) -> str:
    return "–" if value is None else f"{value:.2%}"


def _gap(row: dict, a: str, b: str):
    if row.get(a) is None or row.get(b) is None:
        return None
    return row[a] - row[b]


def rejections(rows: pl.DataFrame) -> Figure:
    """Rejected rows by reason, one bar per reason and kind of file."""
    totals = rows.sort("rejected_rows")
    traces = []
    for i, table in enumerate(sorted(totals["source_table"].unique().to_list())):
        part = totals.filter(pl.col("source_table") == table)
        traces.append(
            trace(
                "bar",
                x=part["rejected_rows"].to_list(),
                y=[label(r) for r in part["reason"]],
                orientation="h",
                name=label(table),
                marker=dict(color=SERIES_COLORS[i % len(SERIES_COLORS)]),
                hovertemplate="%{y}: %{x:,} rows<extra>" + label(table) + "</extra>",
            )
        )
    fig = Figure(
        traces,
        height=max(180, 100 + 24 * totals.height),
        barmode="stack",
        title=dict(text="Rejected rows by reason", x=0),
        # whole rows: no 0.2 ticks when the counts are small
        xaxis=dict(tickformat=",", **({"dtick": 1} if totals["rejected_rows"].max() < 10 else {})),
    )
    fig.update_axes("y", type="category")
    return fig
