"""dashboards/figures.py's plain-dict figures against what plotly.graph_objects drew before."""

from __future__ import annotations

import math
from datetime import date, datetime

import polars as pl
import pytest
from plotly.subplots import make_subplots

from dashboards import figures


def _close(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


@pytest.mark.parametrize(
    ("rows", "cols", "spacing", "size"),
    [(3, 1, 0.08, 16), (1, 5, 0.05, 11)],  # the volumes' panels, the segments' panels
)
def test_a_grid_is_laid_out_as_make_subplots_lays_it_out(rows, cols, spacing, size) -> None:
    titles = [f"panel {i}" for i in range(rows * cols)]
    expected = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        shared_xaxes=cols == 1,
        **({"vertical_spacing": spacing} if rows > 1 else {"horizontal_spacing": spacing}),
    )
    expected.update_annotations(font_size=size)
    expected = expected.to_plotly_json()["layout"]
    fig = figures.Figure()
    figures._grid(fig, rows, cols, titles, spacing=spacing, title_size=size)
    drawn = {k: v for k, v in fig.layout.items() if k in expected}
    assert set(drawn) == set(expected) - {"template"}
    for key, value in drawn.items():
        assert _close(value, expected[key]), (key, value, expected[key])


def test_each_figure_has_a_layout_of_its_own() -> None:
    first, second = figures.Figure(), figures.Figure()
    first.layout["legend"]["x"] = 0.5
    first.update_axes("y", tickformat=".1%")
    assert second.layout["legend"] == figures.LAYOUT["legend"]
    assert figures.LAYOUT["legend"]["x"] == 0
    assert "yaxis" not in second.layout


def test_the_provisional_shading_runs_from_noon_before_to_noon_after_its_days() -> None:
    rows = pl.DataFrame(
        {
            "metric": ["overkill_rate"] * 3,
            "market": ["BR"] * 3,
            "metric_date": [date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 3)],
            "provisional": [False, True, True],
        }
    )
    fig = figures.Figure()
    figures._provisional_shading(fig, rows, "overkill_rate", ["BR"])
    [shape] = fig.layout["shapes"]
    assert (shape["x0"], shape["x1"]) == (datetime(2026, 9, 1, 12), datetime(2026, 9, 3, 12))
    assert fig.layout["annotations"][0]["x"] == datetime(2026, 9, 1, 12)
