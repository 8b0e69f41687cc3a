"""The dashboard site, built by a real run and opened in real headless Chromium from file://
with the network blocked, against a small hand-checked dataset.

Dataset (appeal window 10 days, as of 2026-10-31: the latest complete day is 2026-10-30, days
after 2026-10-21 are provisional):
- BR, every day 2026-10-17 .. 10-30: penalties p1 (spam, machine, queue video_autoflag) and p2
  (harassment, human, queue live_report), no-actions n1 and n2 (spam, human). On 10-30 one more
  penalty, x, whose policy and queue are script-injection strings. Appeals: p1 of 10-26 and x of
  10-30 overturned, p2 of 10-30 upheld, n1 of 10-20 overturned.
    overkill 10-30 = 1/3; 10-29 = 0/2; last 7 days (10-24 .. 10-30) = 2/15; the 7 before = 0/14
    leakage last 7 days = 0/14; the 7 before = 1/14; penalty ratio 10-30 = 3/5
- LATAM, every day 10-17 .. 10-30 but 10-25 (a failed export: a gap): one penalty, one no-action.
  On 10-20 one more penalty, lx, overturned, with the same markup policy, queue and object type.
- EMEA, 10-28 .. 10-30: one penalty and one no-action a day. One more row, rejected (market
  XX), in a file named like an HTML tag. Penalty x's object type is markup too.
- Audits of 10-30: p1 non-violating, n1 violating; LATAM and EMEA one of each kind.
- Alert rules of their own for BR overkill and leakage: warn past 10%, recover under 5%, judged
  from one decision on, open on one breaching day, provisional days included (they open but
  never resolve). So BR overkill opens on 10-26 (1/2) and is still open (10-27's 0/2 is
  provisional; 10-30 breaches again, 1/3): a warning whose worst day is 10-26. BR leakage opens
  on 10-20 (1/2) and resolves on 10-21 (0/2), both settled days.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import plotly.graph_objects as go
import pytest

from conftest import (
    Landing,
    appeal,
    audit,
    cli,
    decision,
    query,
    rows,
    run,
    scalar,
    wilson,
)
from pipelines.settings import AlertRule, AlertSettings

SCRIPT_POLICY = "<script>alert(1)</script>"
SCRIPT_QUEUE = "<img src=x onerror=alert(2)>"
SCRIPT_OBJECT_TYPE = "<svg onload=alert(3)>"
SCRIPT_FILE = "<img src=y onerror=alert(4)>.csv"
SECRET_IDS = ("CREATOR-SECRET-7", "OBJ-SECRET", "MOD-SECRET-9", "DEC-SECRET")
PAGES = ["index", "br", "latam", "emea", "quality"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "dashboards"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _days(first: int, last: int, skip: tuple[int, ...] = ()) -> list[str]:
    return [f"2026-10-{d:02d}" for d in range(first, last + 1) if d not in skip]


def _decision(key: str, day: str, **values) -> dict:
    return decision(
        f"DEC-SECRET-{key}-{day}",
        f"{day}T12:00:00Z",
        creator_id="CREATOR-SECRET-7",
        object_id=f"OBJ-SECRET-{key}-{day}",
        moderator_id="MOD-SECRET-9" if values.get("source") == "human" else "",
        **values,
    )


def _write_dataset(landing: Landing) -> None:
    for day in _days(17, 30):
        rows_ = [
            _decision("p1", day, policy="spam", queue="video_autoflag"),
            _decision("p2", day, policy="harassment", source="human", queue="live_report"),
            _decision("n1", day, action="no_action", source="human"),
            _decision("n2", day, action="no_action", source="human"),
        ]
        if day == "2026-10-30":
            rows_.append(
                _decision(
                    "x",
                    day,
                    policy=SCRIPT_POLICY,
                    queue=SCRIPT_QUEUE,
                    object_type=SCRIPT_OBJECT_TYPE,
                )  # fmt: skip
            )
        landing.csv(f"decisions/br_{day}.csv", rows_)
    landing.csv(
        "decisions/latam.csv",
        [
            d
            for day in _days(17, 30, skip=(25,))
            for d in (
                _decision("lp", day, market="LATAM"),
                _decision("ln", day, market="LATAM", action="no_action", source="human"),
            )
        ]
        # the markup names again, in LATAM's settled week, overturned: a top contributor
        + [
            _decision(
                "lx",
                "2026-10-20",
                market="LATAM",
                policy=SCRIPT_POLICY,
                queue=SCRIPT_QUEUE,
                object_type=SCRIPT_OBJECT_TYPE,
            )  # fmt: skip
        ],
    )
    landing.csv(
        "decisions/emea.csv",
        [
            d
            for day in _days(28, 30)
            for d in (
                _decision("ep", day, market="EMEA"),
                _decision("en", day, market="EMEA", action="no_action", source="human"),
            )
        ],
    )
    # a row the rules reject, in a file whose name is markup: the data-quality page shows both
    landing.csv(f"decisions/{SCRIPT_FILE}", [_decision("bad", "2026-10-30", market="XX")])

    def appealed(key: str, day: str, status: str) -> dict:
        return appeal(
            f"a-{key}-{day}",
            f"DEC-SECRET-{key}-{day}",
            status,
            appealed_at=f"{day}T18:00:00Z",
            resolved_at="2026-10-31T09:00:00Z",
        )

    landing.csv(
        "appeals/appeals.csv",
        [
            appealed("p1", "2026-10-26", "overturned"),
            appealed("x", "2026-10-30", "overturned"),
            appealed("p2", "2026-10-30", "upheld"),
            appealed("n1", "2026-10-20", "overturned"),
            appealed("lx", "2026-10-20", "overturned"),
        ],
    )
    landing.csv(
        "audits/audits.csv",
        [
            audit(f"q-{i}", f"DEC-SECRET-{key}-2026-10-30", verdict, "2026-10-31T08:00:00Z")
            for i, (key, verdict) in enumerate(
                [
                    ("p1", "non_violating"),
                    ("n1", "violating"),
                    ("lp", "violating"),
                    ("ln", "non_violating"),
                    ("ep", "violating"),
                    ("en", "violating"),
                ]
            )
        ]
        # a week before, audits in: the BR audit tiles compare 10-30 (audits still arriving)
        # with 10-23
        + [
            audit(
                "q-week-before", "DEC-SECRET-p1-2026-10-23", "non_violating", "2026-10-24T08:00:00Z"
            )
        ],  # fmt: skip
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboards a real run wrote: beside the warehouse, in data/dashboards/."""
    root = tmp_path_factory.mktemp("dashboards")
    landing = Landing(root / "landing")
    _write_dataset(landing)
    own = {
        metric: AlertRule(
            metric=metric,
            market="BR",
            direction="above",
            warn=0.10,
            critical=0.90,
            recovery=0.05,
            min_denominator=1,
            for_days=1,
            provisional_opens=True,
        )  # fmt: skip
        for metric in ("overkill_rate", "leakage_rate")
    }
    rules = tuple(
        own[r.metric] if r.market == "BR" and r.metric in own else r for r in AlertSettings().rules
    )
    run(
        landing,
        root / "data" / "warehouse.duckdb",
        dashboards=True,
        validation=True,  # the quality page shows what validation found
        appeal_window_days=10,
        # days of a few decisions: the threshold rule, whose markers the tests below check
        alerts=AlertSettings(sinks=("jsonl",), rules=rules, method="threshold"),
    )
    return root / "data" / "dashboards"


@pytest.fixture(scope="module")
def warehouse(site: Path) -> Path:
    return site.parent / "warehouse.duckdb"


# --- the browser --------------------------------------------------------------------------------


def _chromium() -> str:
    """Debian's Chromium; installed here when missing and we may (a fresh machine, as root)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
        found = shutil.which("chromium")
    if not found:
        pytest.fail("Chromium not found: install Debian's chromium package (see the README)")
    return found


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One page opened from file:// with every other request blocked, and what it reported."""

    def __init__(self, browser, site: Path, name: str):
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.goto((site / f"{name}.html").as_uri())
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.js-plotly-plot')].every(e => e._fullLayout)"
        )

    def _route(self, route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def charts(self) -> dict[str, list[dict]]:
        """Every chart's traces, as Plotly holds them: {div id: [{name, x, y, z}]}."""
        return self.page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll('.js-plotly-plot')].map(
                e => [e.id, e.data.map(t => ({name: t.name, type: t.type, x: t.x, y: t.y,
                                              z: t.z, dash: t.line && t.line.dash}))]))"""
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def visits(site: Path, browser):
    opened = {name: Visit(browser, site, name) for name in PAGES}
    yield opened
    for visit in opened.values():
        visit.close()


# --- every page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_page_opens_offline_without_errors(visits, name: str) -> None:
    visit = visits[name]
    assert visit.errors == []
    assert visit.blocked == []  # nothing but file:// was asked for
    assert visit.page.evaluate("() => typeof Plotly") == "object"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("name", ["index", "br", "latam", "emea", "quality"])
def test_every_chart_is_drawn_with_data(visits, name: str) -> None:
    charts = visits[name].charts()
    assert charts, f"{name}.html has no chart"
    for chart_id, traces in charts.items():
        values = [v for t in traces for v in (t["y"] or t["z"] or []) if v is not None]
        assert values, f"{name}.html chart {chart_id} has no data"
        drawn = visits[name].page.locator(f"#{chart_id} .main-svg").count()
        assert drawn > 0, f"{name}.html chart {chart_id} was not drawn"


_NEW_PLOT, _BETWEEN_ARGUMENTS = (
    re.compile(r'Plotly\.newPlot\(\s*"([^"]+)",\s*'),
    re.compile(r"[,\s]*"),
)


def _figures_of(page: Path) -> dict[str, tuple]:
    """Every chart of a page as the page draws it: Plotly.newPlot(div, data, layout, config)."""
    text, charts = page.read_text(encoding="utf-8"), {}
    decoder = json.JSONDecoder()
    for call in _NEW_PLOT.finditer(text):
        position, args = call.end(), []
        for _ in range(3):
            value, position = decoder.raw_decode(text, position)
            args.append(value)
            position = _BETWEEN_ARGUMENTS.match(text, position).end()
        charts[call.group(1)] = tuple(args)
    return charts


@pytest.mark.parametrize("name", PAGES)
def test_every_chart_is_a_valid_plotly_figure(site: Path, name: str) -> None:
    """The figures are written as plain dicts, unchecked (dashboards/figures.py): here each is
    checked against Plotly's schema, property by property, as plotly.graph_objects checks."""
    charts = _figures_of(site / f"{name}.html")
    assert charts, f"{name}.html has no chart"
    for chart_id, (data, layout, _config) in charts.items():
        try:
            go.Figure(data=data, layout=layout)
        except ValueError as error:
            pytest.fail(f"{name}.html chart {chart_id}: {str(error)[:400]}")


def test_plotly_js_is_shipped_once_beside_the_pages(site: Path) -> None:
    assert (site / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    for name in PAGES:
        text = (site / f"{name}.html").read_text(encoding="utf-8")
        assert '<script src="assets/plotly.min.js"></script>' in text
        assert "cdn" not in text.lower()
        assert len(text.encode()) < 1_000_000  # plotly.js is not embedded in the page


def test_every_page_links_to_every_other(visits) -> None:
    links = visits["br"].page.eval_on_selector_all("nav a", "els => els.map(e => e.href)")
    assert [Path(link).name for link in links] == [f"{n}.html" for n in PAGES]


def test_pages_say_what_the_data_is_as_of(visits) -> None:
    stamp = visits["index"].page.inner_text("#data-as-of")
    assert "Data as of 2026-10-31" in stamp
    assert "latest complete day 2026-10-30" in stamp


def test_no_creator_object_or_moderator_id_appears_on_any_page(site: Path, warehouse) -> None:
    assert scalar(warehouse, "select count(*) from decisions where creator_id = 'CREATOR-SECRET-7'")
    for name in PAGES:
        text = (site / f"{name}.html").read_text(encoding="utf-8")
        for secret in SECRET_IDS:
            assert secret not in text, f"{secret} on {name}.html"


# --- the numbers ----------------------------------------------------------------------------


def _tile(visit: Visit, market: str, metric: str, span: str):
    return visit.page.locator(
        f'.tile[data-market="{market}"][data-metric="{metric}"] .line[data-span="{span}"]'
    )


def test_kpi_tiles_show_the_warehouse_values(visits, warehouse) -> None:
    expected = {
        ("overkill_rate", "day"): 1 / 3,
        ("overkill_rate", "7 days"): 2 / 15,
        ("leakage_rate", "7 days"): 0.0,
        ("penalty_ratio", "day"): 3 / 5,
    }
    for (metric, span), value in expected.items():
        (stored,) = rows(
            warehouse,
            "select value from market_kpis where market = 'BR' and metric = ? and span = ?",
            [metric, span],
        )[0]
        assert stored == pytest.approx(value, abs=1e-12)
        tile = _tile(visits["index"], "BR", metric, span)
        assert float(tile.get_attribute("data-value")) == pytest.approx(value, abs=1e-12)
        assert f"{value:.2%}" in tile.inner_text()


def test_a_tile_says_whether_the_change_is_larger_than_the_noise(visits) -> None:
    # penalty ratio 3/5 on 10-30 against 2/4 on 10-29: +10 points, within the noise
    tile = _tile(visits["index"], "BR", "penalty_ratio", "day")
    assert "▲ +10.00 pts within noise" in tile.inner_text()


def test_an_audit_rate_whose_audits_are_still_arriving_says_so(visits, warehouse) -> None:
    # the latest week's audits are still arriving (audit window 7 days): its change is not judged
    arriving = rows(
        warehouse,
        "select market, metric, span from market_kpis where audits_arriving and change is not null "
        "and change_is_significant is null",
    )
    assert arriving
    for market, metric, span in arriving:
        text = _tile(visits["index"], market, metric, span).inner_text()
        assert "audits still arriving" in text and "appeals still arriving" not in text


def test_provisional_overkill_and_leakage_are_not_judged_against_older_periods(visits) -> None:
    # leakage 0/14 against 1/14 the week before: the newer week's appeals are still arriving
    tile = _tile(visits["index"], "BR", "leakage_rate", "7 days")
    assert "▼ -7.14 pts appeals still arriving" in tile.inner_text()
    # the settled week (10-15 .. 10-21; decisions from 10-17) is shown beside: 1 of 10
    settled = _tile(visits["index"], "BR", "leakage_rate", "settled 7 days")
    assert float(settled.get_attribute("data-value")) == pytest.approx(1 / 10)
    assert settled.get_attribute("data-first-day") == "2026-10-15"
    assert settled.get_attribute("data-last-day") == "2026-10-21"
    assert "no previous" in settled.inner_text()
    # the penalty ratio does not wait for appeals: no settled line
    assert _tile(visits["index"], "BR", "penalty_ratio", "settled 7 days").count() == 0


def test_trend_chart_data_equals_the_warehouse_with_gaps_for_missing_days(
    visits, warehouse
) -> None:
    traces = {t["name"]: t for t in visits["index"].charts()["trend-overkill_rate"]}
    stored = {
        (str(r["metric_date"]), r["market"]): r["overkill_rate"]
        for r in query(warehouse, "select * from market_daily_metrics")
    }
    for market in ("BR", "LATAM", "EMEA"):
        settled, provisional = traces[market], traces.get(f"{market} (provisional)")
        for i, day in enumerate(settled["x"]):
            shown = settled["y"][i]
            if shown is None and provisional is not None:
                shown = provisional["y"][i]
            if (day, market) in stored:
                assert shown == pytest.approx(stored[(day, market)], abs=1e-12), (market, day)
            else:
                assert shown is None, (market, day)  # a gap, not a zero
    latam = traces["LATAM (provisional)"]
    assert latam["y"][latam["x"].index("2026-10-25")] is None


def test_provisional_days_are_drawn_dotted(visits) -> None:
    traces = {t["name"]: t for t in visits["br"].charts()["trend-overkill_rate"]}
    assert traces["BR"]["dash"] == "solid" or traces["BR"]["dash"] is None
    assert traces["BR (provisional)"]["dash"] == "dot"
    settled_days = [
        x for x, y in zip(traces["BR"]["x"], traces["BR"]["y"], strict=True) if y is not None
    ]
    assert max(settled_days) == "2026-10-21"  # the last day out of the appeal window


def test_trend_hover_holds_numerator_denominator_and_interval(visits) -> None:
    low, high = wilson(1 / 3, 3)
    data = visits["br"].page.evaluate(
        """() => { const t = document.getElementById('trend-overkill_rate').data
                     .find(t => t.name === 'BR (provisional)');
                   const i = t.x.indexOf('2026-10-30');
                   return {custom: t.customdata[i], template: t.hovertemplate}; }"""
    )
    assert data["custom"][:4] == [pytest.approx(low), pytest.approx(high), 1, 3]
    assert "penalties overturned of" in data["template"]
    assert "95% interval" in data["template"]


def test_top_contributors_rank_policy_and_queue_by_errors_in_the_settled_week(visits) -> None:
    def first_row(page: str, metric: str) -> list[str]:
        table = visits[page].page.locator(f'table.top[data-metric="{metric}"]')
        return table.locator("tr").nth(1).locator("td").all_inner_texts()[:5]

    # settled week 10-15 .. 10-21: BR's one error is n1 of 10-20 (1 of 10 spam no-actions)
    assert first_row("br", "leakage_rate") == ["spam", "unspecified", "1", "10", "10.00%"]
    assert "No errors in this window." in visits["br"].page.inner_text("main")
    # LATAM's is lx of 10-20, whose policy and queue are markup (1 of 1)
    assert first_row("latam", "overkill_rate") == [SCRIPT_POLICY, SCRIPT_QUEUE, "1", "1", "100.00%"]


def test_what_moved_draws_each_drivers_mix_and_rate_apart(visits, warehouse) -> None:
    """BR's penalty ratio, 10-17 .. 10-23 against 10-24 .. 10-30: 14/28 -> 15/29, the one more
    penalty being x, whose policy, queue and object type are markup and new: each is a segment
    of share 0 -> 1/29 at rate 1, so mix (1/29)(1 + 1)/2, rate 0, in points. Next, source
    machine: share 7/28 -> 8/29, rate 1 on both sides: mix 8/29 - 1/4. Overkill, leakage and
    audit leakage have no week to compare with (no decisions or audits before): no chart; audit
    overkill has one audited penalty on each side (10-23, 10-30)."""
    charts = visits["br"].charts()
    assert sorted(c for c in charts if c.startswith("moved-")) == [
        "moved-audit_overkill_rate",
        "moved-penalty_ratio",
    ]
    traces = {t["name"]: t for t in charts["moved-penalty_ratio"]}
    mix, rate = traces["Mix: its share moved"], traces["Rate: its own rate moved"]
    assert mix["type"] == rate["type"] == "bar"
    new = [SCRIPT_OBJECT_TYPE, SCRIPT_POLICY, SCRIPT_QUEUE]
    names = ["object type", "policy", "queue"]
    assert mix["y"][:4] == [
        *(f"{n}: {html.escape(s, quote=False)}" for n, s in zip(names, new, strict=True)),
        "source: machine",
    ]
    assert mix["x"][:4] == pytest.approx([100 / 29] * 3 + [100 * (8 / 29 - 1 / 4)], abs=1e-9)
    assert rate["x"][:4] == pytest.approx([0.0] * 4, abs=1e-9)
    stored = rows(
        warehouse,
        "select 100 * mix_effect, 100 * rate_effect from rate_drivers "
        "where market = 'BR' and metric = 'penalty_ratio' order by metric_rank limit 8",
    )
    assert list(zip(mix["x"], rate["x"], strict=True)) == stored
    section = visits["br"].page.locator("#what-moved")
    assert section.inner_text() == "What moved"
    assert visits["br"].dialogs == []


def test_script_injection_in_a_policy_name_is_shown_as_text(visits, site: Path) -> None:
    assert visits["latam"].dialogs == []
    assert SCRIPT_POLICY in visits["latam"].page.inner_text("table.top")
    assert visits["latam"].page.locator("table.top script").count() == 0
    assert visits["latam"].page.locator("img[src=x]").count() == 0
    visit = visits["br"]
    assert visit.dialogs == []
    heatmap_labels = visit.page.locator("#heatmap-overkill_rate .ytick text").all_text_contents()
    assert SCRIPT_POLICY in heatmap_labels
    assert "<script>alert(1)" not in (site / "br.html").read_text(encoding="utf-8")


def test_quality_page_counts_files_and_rejected_rows(visits, warehouse) -> None:
    table = visits["quality"].page.locator("#files")
    decisions = table.locator("tr", has_text="decisions").all_inner_texts()[0].split("\t")
    files, _, read, accepted, rejected = decisions[1:6]
    (expected,) = query(
        warehouse,
        "select count(*) as files, sum(rows) as r, sum(accepted) as a, sum(rejected) as j "
        "from ingested_files where kind = 'decisions'",
    )
    assert [files, read, accepted, rejected] == [
        str(expected["files"]),
        f"{expected['r']:,}",
        f"{expected['a']:,}",
        str(expected["j"]),
    ]
    reasons = visits["quality"].page.inner_text("#rejection-reasons")
    assert "market not allowed\t1\t1" in reasons
    # the markup-named file rejects its one row: the upstream-health warning comes first
    assert "upstream_health" in visits["quality"].page.inner_text("#validation-failures")
    assert "accepted_decisions_valid" in visits["quality"].page.text_content("#validation")


def test_markup_in_an_object_type_or_a_file_name_is_shown_as_text(visits) -> None:
    ticks = visits["br"].page.locator("#by-object-type .xtick text").all_text_contents()
    assert SCRIPT_OBJECT_TYPE in ticks
    quality = visits["quality"]
    assert SCRIPT_FILE in quality.page.inner_text("#rejections-by-file")
    assert quality.page.locator("img[src=y]").count() == 0
    assert quality.dialogs == [] and visits["br"].dialogs == []


# --- alerts -------------------------------------------------------------------------------


def test_open_alerts_are_listed_on_the_overview(visits, warehouse) -> None:
    assert rows(warehouse, "select market, metric, opened_on::varchar from alerts "
                "where status = 'open'") == [("BR", "overkill_rate", "2026-10-26")]  # fmt: skip
    cells = visits["index"].page.locator("#open-alerts tr").nth(1).locator("td").all_inner_texts()
    low, high = wilson(1 / 2, 2)
    assert cells == [
        "warning", "BR", "Overkill overturned on appeal", "2026-10-26", "2026-10-30",
        "50.00%", f"{low:.2%} – {high:.2%}", "10.00%",
    ]  # fmt: skip
    assert visits["index"].page.locator("#open-alerts tr").count() == 2  # one alert open


def test_alerts_are_marked_on_the_trends(visits) -> None:
    overkill = {t["name"]: t for t in visits["br"].charts()["trend-overkill_rate"]}
    assert overkill["alert opened"]["x"] == ["2026-10-26"]
    assert overkill["alert opened"]["y"] == [pytest.approx(1 / 2)]
    assert "alert resolved" not in overkill
    leakage = {t["name"]: t for t in visits["br"].charts()["trend-leakage_rate"]}
    assert leakage["alert opened"]["x"] == ["2026-10-20"]
    assert leakage["alert resolved"]["x"] == ["2026-10-21"]
    assert leakage["alert resolved"]["y"] == [0.0]


def test_trends_draw_the_alert_thresholds(visits) -> None:
    br = {t["name"]: t for t in visits["br"].charts()["trend-overkill_rate"]}
    assert br["warn threshold"]["y"] == [0.10, 0.10]
    assert br["critical threshold"]["y"] == [0.90, 0.90]
    # on the overview the markets' thresholds differ, so each market has its line
    overview = {t["name"]: t for t in visits["index"].charts()["trend-overkill_rate"]}
    assert overview["warn threshold BR"]["y"] == [0.10, 0.10]
    default = AlertSettings().rule("overkill_rate", "LATAM").warn
    assert overview["warn threshold LATAM"]["y"] == [default, default]


# --- the command --------------------------------------------------------------------------------


def test_dashboards_command_writes_the_site_where_asked(warehouse, tmp_path: Path) -> None:
    code, out, err = cli(
        "dashboards", "--warehouse", warehouse, "--out", tmp_path / "s", cwd=tmp_path
    )
    assert (code, err) == (0, "")
    assert sorted(p.name for p in (tmp_path / "s").glob("*.html")) == sorted(
        f"{n}.html" for n in PAGES
    )
    assert "index.html" in out


def test_dashboards_command_without_a_warehouse_says_so_in_one_line(tmp_path: Path) -> None:
    code, out, err = cli("dashboards", "--warehouse", tmp_path / "none.duckdb", cwd=tmp_path)
    assert code == 2
    missing = tmp_path / "none.duckdb"
    assert err == f"modmetrics: error: {missing}: no warehouse there yet (run `modmetrics run`)\n"


# --- rebuilt only where the data changed ------------------------------------------------------


def test_a_page_is_rewritten_only_when_its_markets_data_changed(tmp_path: Path) -> None:
    landing = Landing(tmp_path / "landing")
    days = ("2026-10-20", "2026-10-21")
    landing.csv(
        "decisions/d.csv",
        [
            decision(f"{m}-{day}-{a}", f"{day}T10:00:00Z", market=m, action=a)
            for m in ("BR", "LATAM")
            for day in days
            for a in ("penalize", "no_action")
        ],
    )
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    site = warehouse.parent / "dashboards"
    run(landing, warehouse, dashboards=True)
    before = {p.name: (p.stat().st_ino, p.read_text()) for p in site.glob("*.html")}

    # a late overturn of a BR penalty: BR's numbers move, LATAM's and EMEA's do not
    landing.csv(
        "appeals/late.csv",
        [
            appeal(
                "ap-1",
                "BR-2026-10-20-penalize",
                "overturned",
                appealed_at="2026-10-21T10:00:00Z",
                resolved_at="2026-10-25T10:00:00Z",
            )
        ],
    )
    run(landing, warehouse, dashboards=True)
    after = {p.name: (p.stat().st_ino, p.read_text()) for p in site.glob("*.html")}

    assert after["latam.html"] == before["latam.html"]  # same file, not written again
    assert after["emea.html"] == before["emea.html"]
    assert after["br.html"][0] != before["br.html"][0]
    assert after["br.html"][1] != before["br.html"][1]
    assert after["quality.html"][0] != before["quality.html"][0]  # it lists the new file


def test_every_page_is_rewritten_when_the_as_of_date_moves(tmp_path: Path) -> None:
    landing = Landing(tmp_path / "landing")
    landing.csv("decisions/d.csv", [decision("d-1", "2026-10-20T10:00:00Z")])
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    site = warehouse.parent / "dashboards"
    run(landing, warehouse, dashboards=True)
    run(landing, warehouse, dashboards=True, as_of="2026-11-01")
    for page in PAGES:
        assert "Data as of <b>2026-11-01</b>" in (site / f"{page}.html").read_text(), page


def test_every_query_returns_its_plain_rows_with_the_shared_views_read_once(warehouse) -> None:
    """load() reads the shared views once and registers copies in their place, and binds the
    windows' days (windows.sql): each query returns exactly the rows it returns on the warehouse
    itself, its days left NULL, the views' defaults (rejection_reasons: those of its definition,
    rejected rows per reason and the files they came from)."""
    from dashboards.site import BOUND_DAYS, QUERIES, SHARED_VIEWS, load
    from warehouse.runner import open_read_only, read_sql

    assert SHARED_VIEWS == ["metric_breakdowns", "market_daily_metrics", "ingested_files"]
    data = load(warehouse)
    con = open_read_only(warehouse)  # the builder's connection settings (its time zone)
    try:
        plain = {}
        for name in (n for n in QUERIES if n != "rejection_reasons"):
            sql = read_sql(f"dashboards/{name}.sql")
            unbound = {day: None for day in BOUND_DAYS.get(name, ())}
            plain[name] = con.sql(sql, params=unbound or None).pl()
        assert {n for n in QUERIES if "$" in read_sql(f"dashboards/{n}.sql")} == set(BOUND_DAYS)
        plain["rejection_reasons"] = con.sql(
            "select source_table, reason, count(*) as rejected_rows,"
            " count(distinct source_file) as files from rejected_rows group by all"
            " order by rejected_rows desc, source_table, reason"
        ).pl()
    finally:
        con.close()
    assert not data["files"].is_empty() and not data["rejection_reasons"].is_empty()
    assert not data["qa_queues"].is_empty()  # (no day of this warehouse is settled yet)
    for name in QUERIES:
        assert data[name].schema == plain[name].schema, name
        assert data[name].equals(plain[name]), name
