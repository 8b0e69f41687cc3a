"""Plotly figures from the warehouse's rows: each function draws numbers it is given, and
computes none. Strings from input files (policy, queue, object type) are escaped before they
reach Plotly, which reads HTML-like tags in labels and hover text."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

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
        "Overkill rate (appeals)",
        "penalties overturned",
        "penalties",
        "Share of penalties overturned on appeal: content or creators penalised that did not "
        "violate policy (false positives), by the day of the decision.",
        settles=True,
    ),
    "leakage_rate": Metric(
        "Leakage rate (appeals)",
        "no-actions overturned",
        "no-actions",
        "Share of 'no action' decisions overturned on a reporter's appeal: violating content "
        "left up (false negatives), by the day of the decision.",
        settles=True,
    ),
    "audit_overkill_rate": Metric(
        "Audit overkill rate",
        "audit weight judged non-violating",
        "audited penalty weight",
        "Weighted share of QA-audited penalties judged non-violating. Its interval uses the "
        "effective (Kish) sample size of the weighted audit sample.",
        count_format=",.1f",
    ),
    "audit_leakage_rate": Metric(
        "Audit leakage rate",
        "audit weight judged violating",
        "audited no-action weight",
        "Weighted share of QA-audited 'no action' decisions judged violating.",
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
    # plain white, set here rather than through a Plotly template: applying a template costs
    # ~10 ms per figure, most of the site's build time
    template="none",
    paper_bgcolor="white",
    plot_bgcolor="white",
    margin=dict(l=60, r=20, t=40, b=40),
    height=360,
    hovermode="closest",
    legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0),
    font=dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=12),
)


AXES = dict(gridcolor="#eceff1", zeroline=False, automargin=True)


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


def _custom(rows: pl.DataFrame, note: list[str] | None = None) -> list[tuple]:
    """Per point: interval, numerator, denominator, sample size (and a note), for the hover."""
    columns = [rows[c].to_list() for c in CUSTOM_COLUMNS]
    if note is not None:
        columns.append(note)
    return list(zip(*columns, strict=True))


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
    *,
    critical_line: bool = False,
) -> go.Figure:
    """One metric per day for the given markets: line, 95% band, provisional days dotted, the
    alert thresholds and the alert events."""
    info = METRICS[metric]
    fig = go.Figure()
    for market in markets:
        color = MARKET_COLORS.get(market, "#555555")
        series = _on_calendar(
            rows.filter((pl.col("metric") == metric) & (pl.col("market") == market)).drop(
                "metric", "market"
            ),
            days,
        )
        x = series["metric_date"].to_list()
        band_x, band_y = _band(x, series["low"].to_list(), series["high"].to_list())
        fig.add_trace(
            go.Scatter(
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
            go.Scatter(
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
                go.Scatter(
                    x=x,
                    y=pending.to_list(),
                    customdata=customdata,
                    mode="lines+markers",
                    marker=dict(size=5, symbol="circle-open"),
                    line=dict(color=color, width=2, dash="dot"),
                    name=f"{market} (provisional)",
                    legendgroup=market,
                    showlegend=False,
                    hovertemplate=_hover(info, f"<b>{market}</b> %{{x|%a %d %b %Y}}", note=True),
                )
            )
    if rows.filter((pl.col("metric") == metric) & pl.col("value").is_not_null()).is_empty():
        fig.add_annotation(
            text="no data yet", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5
        )
    _threshold_lines(fig, thresholds, metric, markets, days, critical_line)
    _alert_markers(fig, events, metric, markets)
    if info.settles:
        _provisional_shading(fig, rows, metric, markets)
    fig.update_layout(
        **LAYOUT,
        title=dict(text=info.title, x=0, xanchor="left"),
        yaxis=dict(tickformat=".1%", rangemode="tozero", title=None),
        xaxis=dict(title=None),
    )
    return fig


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
                go.Scatter(
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
            go.Scatter(
                x=part["metric_date"].to_list(),
                y=part["value"].to_list(),
                customdata=list(
                    zip(part["market"].to_list(), part["severity"].to_list(), strict=True)
                ),
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
    fig.add_vrect(
        x0=provisional["metric_date"].min() - timedelta(hours=12),
        x1=provisional["metric_date"].max() + timedelta(hours=12),
        fillcolor="#9e9e9e",
        opacity=0.08,
        line_width=0,
        annotation_text="provisional: appeals still arriving",
        annotation_position="bottom left",
        annotation_font_size=10,
    )


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


def volumes(rows: pl.DataFrame, days: pl.DataFrame) -> go.Figure:
    """One market's daily volumes, in three panels."""
    series = _on_calendar(rows, days)
    fig = make_subplots(
        rows=len(VOLUME_PANELS),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=[title for title, _ in VOLUME_PANELS],
    )
    colors = iter(SERIES_COLORS)
    for row, (_, columns) in enumerate(VOLUME_PANELS, start=1):
        for (column, name), color in zip(columns, colors, strict=False):
            fig.add_trace(
                go.Scatter(
                    x=series["metric_date"].to_list(),
                    y=series[column].to_list(),
                    mode="lines",
                    line=dict(color=color, width=1.8),
                    name=name,
                    hovertemplate=f"{name}: %{{y:,}}<br>%{{x|%a %d %b %Y}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    fig.update_layout(
        **{
            **LAYOUT,
            "height": 640,
            "margin": dict(l=60, r=20, t=30, b=40),
            "legend": dict(orientation="v", x=1.01, y=1, xanchor="left"),
        }
    )
    fig.update_yaxes(rangemode="tozero", tickformat=",")
    return fig


def heatmap(rows: pl.DataFrame, metric: str, days: pl.DataFrame) -> go.Figure:
    """Policy x day of one metric for one market; a cell with no decisions is blank."""
    info = METRICS[metric]
    chosen = rows.filter(pl.col("metric") == metric)
    policies = sorted(chosen["policy"].unique().to_list())
    x = days["metric_date"].to_list()
    z, custom = [], []
    for policy in policies:
        line = _on_calendar(chosen.filter(pl.col("policy") == policy), days)
        z.append(line["value"].to_list())
        custom.append(_custom(line))
    fig = go.Figure(
        go.Heatmap(
            x=x,
            y=[label(p) for p in policies],
            z=z,
            customdata=custom,
            colorscale="Reds",
            zmin=0,
            colorbar=dict(tickformat=".0%", title=None),
            hoverongaps=False,
            hovertemplate=_hover(info, "<b>%{y}</b> %{x|%a %d %b %Y}", value="z"),
        )
    )
    fig.update_layout(
        **{**LAYOUT, "height": max(260, 60 + 22 * len(policies))},
        title=dict(text=f"{info.title} by policy and day", x=0),
    )
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def segments(rows: pl.DataFrame, breakdown: str, title: str) -> go.Figure:
    """Each metric for the segments of one breakdown (source, object type), one panel per
    metric (their scales differ), with 95% intervals."""
    chosen = rows.filter(pl.col("breakdown") == breakdown)
    fig = make_subplots(
        rows=1,
        cols=len(METRICS),
        subplot_titles=[m.title for m in METRICS.values()],
        horizontal_spacing=0.05,
    )
    for i, segment in enumerate(sorted(chosen["segment"].unique().to_list())):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        for col, metric in enumerate(METRICS, start=1):
            info = METRICS[metric]
            row = chosen.filter((pl.col("segment") == segment) & (pl.col("metric") == metric))
            if row.is_empty():
                continue
            r = row.to_dicts()[0]
            fig.add_trace(
                go.Bar(
                    x=[label(segment)],
                    y=[r.get("value")],
                    customdata=_custom(row),
                    name=label(segment),
                    legendgroup=segment,
                    showlegend=col == 1,
                    marker_color=color,
                    error_y=dict(
                        type="data",
                        array=[_gap(r, "high", "value")],
                        arrayminus=[_gap(r, "value", "low")],
                        thickness=1,
                    ),
                    hovertemplate=_hover(info, "<b>%{x}</b>"),
                ),
                row=1,
                col=col,
            )
    fig.update_layout(**LAYOUT, title=dict(text=title, x=0), showlegend=False)
    fig.update_layout(margin=dict(l=50, r=10, t=70, b=40))
    fig.update_annotations(font_size=11)
    fig.update_yaxes(tickformat=".2%", rangemode="tozero")
    return fig


def _gap(row: dict, a: str, b: str):
    if row.get(a) is None or row.get(b) is None:
        return None
    return row[a] - row[b]


def rejections(rows: pl.DataFrame) -> go.Figure:
    """Rejected rows by reason, one bar per reason and kind of file."""
    totals = rows.sort("rejected_rows")
    fig = go.Figure()
    for i, table in enumerate(sorted(totals["source_table"].unique().to_list())):
        part = totals.filter(pl.col("source_table") == table)
        fig.add_trace(
            go.Bar(
                x=part["rejected_rows"].to_list(),
                y=[label(r) for r in part["reason"]],
                orientation="h",
                name=label(table),
                marker_color=SERIES_COLORS[i % len(SERIES_COLORS)],
                hovertemplate="%{y}: %{x:,} rows<extra>" + label(table) + "</extra>",
            )
        )
    fig.update_layout(
        **{**LAYOUT, "height": max(180, 100 + 24 * totals.height)},
        barmode="stack",
        title=dict(text="Rejected rows by reason", x=0),
        # whole rows: no 0.2 ticks when the counts are small
        xaxis=dict(tickformat=",", dtick=1 if totals["rejected_rows"].max() < 10 else None),
    )
    fig.update_yaxes(type="category")
    return fig
