"""The projection of young days and the appeal capture on the pages, built by a real run and
opened in headless Chromium (the browser and Visit of test_dashboards.py).

Dataset (as of 2026-10-31, appeal window 30 days: 10-02 .. 10-31 are provisional): BR, every day
of the 66 days up to 10-31, 20 penalties and 20 no-actions, as conftest.nowcast_history: 4
penalties overturned at lags 1, 3, 7 and 15 days, 2 no-actions at lags 2 and 10; but an appeal
resolved after the as-of date has not arrived yet, so a young day's observed rate is low. Its
36 settled days give the projection its history: r = 4/20 for penalties, c(5) = 2/4, phi = 1.
- 10-26 (age 5): observed overkill 2/20 = 0.1 (lags 1, 3); projected 2 + (1 − 1/2) · 20 · 0.2
  = 4 -> 0.2. Every young day projects to 0.2 likewise (the known overturns are c · n · r).
- The latest 7 days, projected: 10-24 .. 10-30, 7 · 4 / 140 = 0.2, against 10-17 .. 10-23, 0.2.
- Audits on 2026-09-10 (settled, in the capture window 09-04 .. 10-01): penalties p0
  (overturned) and p10 (never appealed) judged non-violating, p11 violating; no-action n0
  (overturned) judged violating. Overkill: 2 QA errors, 1 overturned on appeal: 50%.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from test_dashboards import Visit, browser  # noqa: F401 (the browser fixture)

from conftest import NOWCAST_AS_OF, NOWCAST_LAGS, Landing, appeal, audit, decision, query, run

PAGES = ["index", "br"]
AUDITED_DAY = date(2026, 9, 10)


def _write_dataset(landing: Landing) -> None:
    decisions, appeals = [], []
    for age in range(66):
        day = NOWCAST_AS_OF - timedelta(days=age)
        for action, lags in NOWCAST_LAGS.items():
            for i in range(20):
                decision_id = f"n-{day:%m%d}-{action[0]}{i}"
                decisions.append(decision(decision_id, f"{day}T10:00:00Z", action=action))
                resolved = day + timedelta(days=lags[i]) if i < len(lags) else None
                if resolved is not None and resolved <= NOWCAST_AS_OF:
                    appeals.append(
                        appeal(
                            f"a-{decision_id}",
                            decision_id,
                            "overturned",
                            f"{day}T11:00:00Z",
                            f"{resolved}T12:00:00Z",
                        )  # fmt: skip
                    )
    landing.csv("decisions/history.csv", decisions)
    landing.csv("appeals/history.csv", appeals)
    audited = f"{AUDITED_DAY:%m%d}"
    landing.csv(
        "audits/audits.csv",
        [
            audit(f"q-{key}", f"n-{audited}-{key}", verdict, f"{AUDITED_DAY}T18:00:00Z")
            for key, verdict in [
                ("p0", "non_violating"),
                ("p10", "non_violating"),
                ("p11", "violating"),
                ("n0", "violating"),
            ]  # fmt: skip
        ],
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("projected")
    landing = Landing(root / "landing")
    _write_dataset(landing)
    run(
        landing,
        root / "data" / "warehouse.duckdb",
        dashboards=True,
        validation=True,
        as_of=NOWCAST_AS_OF,
    )
    return root / "data" / "dashboards"


@pytest.fixture(scope="module")
def warehouse(site: Path) -> Path:
    return site.parent / "warehouse.duckdb"


@pytest.fixture(scope="module")
def visits(site: Path, browser):  # noqa: F811 (the imported fixture)
    opened = {name: Visit(browser, site, name) for name in PAGES}
    yield opened
    for visit in opened.values():
        visit.close()


def _traces(visit: Visit, chart: str) -> dict[str, dict]:
    return {t["name"]: t for t in visit.charts()[chart]}


@pytest.mark.parametrize("name", PAGES)
def test_pages_open_without_errors_and_show_no_decision_id(visits, site: Path, name) -> None:
    assert visits[name].errors == [] and visits[name].blocked == []
    text = (site / f"{name}.html").read_text(encoding="utf-8")
    assert f"n-{AUDITED_DAY:%m%d}-p0" not in text and "n-1026-p0" not in text


@pytest.mark.parametrize("name", PAGES)
def test_a_young_day_shows_its_observed_and_its_projected_value(visits, warehouse, name) -> None:
    (day,) = query(
        warehouse,
        "select overkill_rate, overkill_rate_projected, overkill_rate_projected_low, "
        "overkill_rate_projected_high from market_daily_metrics where metric_date = '2026-10-26'",
    )
    assert day["overkill_rate"] == 0.1
    assert day["overkill_rate_projected"] == pytest.approx(0.2)
    traces = _traces(visits[name], "trend-overkill_rate")
    observed, projected = traces["BR (provisional)"], traces["BR projected final (95%)"]
    at = projected["x"].index("2026-10-26")
    assert observed["y"][observed["x"].index("2026-10-26")] == 0.1
    assert projected["y"][at] == pytest.approx(0.2)
    assert (observed["dash"], projected["dash"]) == ("dot", "longdash")  # apart at a glance
    # the band holds the day's interval of its final value
    band = traces["BR projected final (95%) band"]
    on_day = [y for x, y in zip(band["x"], band["y"], strict=True) if x == "2026-10-26"]
    assert sorted(on_day) == [
        pytest.approx(day["overkill_rate_projected_low"]),
        pytest.approx(day["overkill_rate_projected_high"]),
    ]
    assert day["overkill_rate_projected_low"] < 0.2 < day["overkill_rate_projected_high"]


def test_the_projection_starts_from_the_last_settled_day(visits) -> None:
    projected = _traces(visits["br"], "trend-leakage_rate")["BR projected final (95%)"]
    drawn = [x for x, y in zip(projected["x"], projected["y"], strict=True) if y is not None]
    assert (drawn[0], drawn[-1]) == ("2026-10-01", "2026-10-31")  # 10-01: settled, joins


def test_the_overkill_tile_judges_the_latest_7_days_on_projected_values(visits, warehouse) -> None:
    (kpi,) = query(
        warehouse,
        "select value, previous_value, change_is_significant from market_kpis "
        "where market = 'BR' and metric = 'overkill_rate' and span = '7 days projected'",
    )
    assert kpi == {"value": pytest.approx(0.2), "previous_value": pytest.approx(0.2),
                   "change_is_significant": False}  # fmt: skip
    tile = visits["br"].page.locator(
        '.tile[data-market="BR"][data-metric="overkill_rate"] .line[data-span="7 days projected"]'
    )
    assert float(tile.get_attribute("data-value")) == pytest.approx(0.2)
    text = tile.inner_text()
    assert "latest 7 days, projected 20.00%" in text and "within noise" in text
    assert "provisional" not in text  # the observed 7 days are; this is the number to judge
    settled = visits["br"].page.locator(
        '.tile[data-market="BR"][data-metric="overkill_rate"] .line[data-span="settled 7 days"]'
    )
    assert settled.count() == 1  # beside the settled 7 days


def test_the_capture_panel_says_how_many_qa_errors_appeals_overturned(visits) -> None:
    panel = visits["br"].page.locator("#appeal-capture")
    cells = panel.locator('tr[data-metric="overkill_rate"] td').all_inner_texts()
    assert cells[0] == "penalties QA judged non-violating (overkill)"
    assert cells[1:3] == ["2", "3"]  # QA errors, of audited
    assert cells[4] == "50.00%"
    sentence = panel.locator('.capture-sentence[data-metric="overkill_rate"]').inner_text()
    assert sentence.startswith("Overkill: appeals overturned 50.00% of the penalties QA judged")
    assert "50.00% were never appealed and 0.00% were appealed but not overturned" in sentence
    assert "lower bound" in panel.inner_text()
