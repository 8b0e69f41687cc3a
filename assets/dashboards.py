"""The dashboards asset: the static HTML site, rebuilt from the published warehouse."""

from pathlib import Path

import dagster as dg

from warehouse.resources import RunSettings, WarehouseResource

from .publish import published_warehouse


@dg.asset(
    name="dashboards",
    group_name="publish",
    kinds={"html", "plotly"},
    deps=[published_warehouse],
    description=(
        "Plotly HTML dashboards (overview, one page per market, data quality) read from the "
        "published warehouse; they open offline from file://."
    ),
)
def dashboards_site(
    warehouse: WarehouseResource, run_settings: RunSettings
) -> dg.MaterializeResult:
    from dashboards.site import build_site  # plotly and polars: only a run that builds pages

    site = build_site(Path(warehouse.published), Path(run_settings.dashboards))
    index = site.out / "index.html"
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(index.resolve())),
            "pages_written": len(site.pages),
            "pages_unchanged": len(site.unchanged),
            "seconds": round(site.seconds, 2),
        }
    )
