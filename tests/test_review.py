"""modmetrics cases and modmetrics quality on a real warehouse, and the market page's queues by
QA error.

Dataset (BR unless said; as of 2026-10-31; ids made to be found by a text search):
  day    decision  action     policy  source   object   moderator queue     appeals       audit
  10-01  D01       penalize   spam    human    live     mod-A     q-fast    overturned    non_violating (aud-X); earlier re-audit violating (aud-Y)
  10-01  D02       penalize   spam    machine  video    -         -         2 overturned  non_violating, weight 4 (aud-X)
  10-02  D03       penalize   hate    human    live     mod-B     q-fast    upheld        violating (aud-Y)
  10-02  D04       no_action  hate    human    comment  mod-A     q-slow    overturned    violating (aud-X)
  10-03  D05       no_action  spam    machine  live     -         q-slow    pending       non_violating, weight 4 (aud-X)
  10-03  D06       penalize   spam    human    live     mod-B     q-slow    pending, then overturned
  10-03  D07       penalize   HOSTILE human    live     mod-A     <b>q-bold</b>           violating (aud-Y)
  10-01  D08 LATAM penalize   spam    human    live     mod-A     q-fast    overturned
  10-04  D09       penalize   spam    human    live     mod-A     q-fast    overturned    (after the days asked for)
plus an overturned appeal of a decision that never came (an orphan: counts nowhere).
"""  # noqa: E501

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import Landing, appeal, audit, cli, decision, query, run, wilson

pytestmark = pytest.mark.usefixtures("isolated_settings")

HOSTILE = "spam' or '1'='1"
DAYS = ("--from", "2026-10-01", "--to", "2026-10-03")
ID = "idq7"  # the prefix of every id of the dataset: no page may show one
DEC = {n: f"{ID}-dec-0{n}" for n in range(1, 10)}
MOD_A, MOD_B, AUD_X, AUD_Y = f"{ID}-mod-A", f"{ID}-mod-B", f"{ID}-aud-X", f"{ID}-aud-Y"


def _build(landing: Landing, path):
    def dec(n, day, action, policy, source, object_type, moderator, queue, market="BR"):
        return decision(
            DEC[n],
            f"2026-10-0{day}T10:00:00Z",
            market=market,
            action=action,
            policy=policy,
            source=source,
            object_type=object_type,
            object_id=f"{ID}-obj-0{n}",
            creator_id=f"{ID}-creator-0{n}",
            moderator_id=moderator,
            queue=queue,
        )

    landing.csv(
        "decisions/d.csv",
        [
            dec(1, 1, "penalize", "spam", "human", "live", MOD_A, "q-fast"),
            dec(2, 1, "penalize", "spam", "machine", "video", "", ""),
            dec(3, 2, "penalize", "hate", "human", "live", MOD_B, "q-fast"),
            dec(4, 2, "no_action", "hate", "human", "comment", MOD_A, "q-slow"),
            dec(5, 3, "no_action", "spam", "machine", "live", "", "q-slow"),
            dec(6, 3, "penalize", "spam", "human", "live", MOD_B, "q-slow"),
            dec(7, 3, "penalize", HOSTILE, "human", "live", MOD_A, "<b>q-bold</b>"),
            dec(8, 1, "penalize", "spam", "human", "live", MOD_A, "q-fast", market="LATAM"),
            dec(9, 4, "penalize", "spam", "human", "live", MOD_A, "q-fast"),
        ],
    )

    def overturned(a, n, day=8):
        return appeal(f"{ID}-app-{a}", DEC.get(n, f"{ID}-dec-99"), "overturned",
                      "2026-10-05T10:00:00Z", f"2026-10-{day:02d}T10:00:00Z")  # fmt: skip

    landing.csv(
        "appeals/a.csv",
        [
            overturned("1", 1),
            overturned("2a", 2),
            overturned("2b", 2, day=9),
            appeal(f"{ID}-app-3", DEC[3], "upheld", "2026-10-05T10:00:00Z", "2026-10-08T10:00:00Z"),
            overturned("4", 4),
            appeal(f"{ID}-app-5", DEC[5], "pending", "2026-10-05T10:00:00Z"),
            appeal(f"{ID}-app-6", DEC[6], "pending", "2026-10-05T10:00:00Z"),
            overturned("8", 8),
            overturned("9", 9),
            overturned("orphan", 99),
        ],
    )
    landing.csv(
        "appeals/b.csv",  # the pending appeal of D06, resolved later under the same id
        [appeal(f"{ID}-app-6", DEC[6], "overturned", "2026-10-05T10:00:00Z",
                "2026-10-11T10:00:00Z")],
    )  # fmt: skip

    def qa(q, n, verdict, auditor, day=6, weight=""):
        return audit(f"{ID}-qa-{q}", DEC[n], verdict, f"2026-10-0{day}T10:00:00Z", weight, auditor)

    landing.csv(
        "audits/q.csv",
        [
            qa("1", 1, "non_violating", AUD_X),
            qa("1r", 1, "violating", AUD_Y, day=5),  # earlier: not the audit that counts
            qa("2", 2, "non_violating", AUD_X, weight="4"),
            qa("3", 3, "violating", AUD_Y),
            qa("4", 4, "violating", AUD_X),
            qa("5", 5, "non_violating", AUD_X, weight="4"),
            qa("7", 7, "violating", AUD_Y),
        ],
    )
    run(landing, path)
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("review")
    return _build(Landing(root / "landing"), root / "data" / "warehouse.duckdb")


def _cli(warehouse, *args):
    code, out, err = cli(*args, "--warehouse", warehouse, cwd=warehouse.parent)
    assert code == 0, err
    return out


def _cases(warehouse, metric, *filters) -> list[dict]:
    out = _cli(warehouse, "cases", "--market", "BR", "--metric", metric, *DAYS, *filters,
               "--format", "json")  # fmt: skip
    return json.loads(out)


# filter -> (the breakdown of metric_breakdowns with that segment, its columns' values)
FILTERS = {
    "none": ((), "market", {}),
    "policy": (("--policy", "spam"), "policy", {"policy": "spam"}),
    "source": (("--source", "human"), "source", {"source": "human"}),
    "object_type": (("--object-type", "live"), "object_type", {"object_type": "live"}),
    "policy_queue": (
        ("--policy", "spam", "--queue", "q-slow"),
        "policy_queue",
        {"policy": "spam", "queue": "q-slow"},
    ),
    "queue_unspecified": (
        ("--policy", "spam", "--queue", "unspecified"),
        "policy_queue",
        {"policy": "spam", "queue": "unspecified"},
    ),
}
# by hand, from the table above: the decisions of each metric's numerator under each filter
EXPECTED = {
    "overkill_rate": {
        "none": [1, 2, 6], "policy": [1, 2, 6], "source": [1, 6], "object_type": [1, 6],
        "policy_queue": [6], "queue_unspecified": [2],
    },
    "leakage_rate": {
        "none": [4], "policy": [], "source": [4], "object_type": [],
        "policy_queue": [], "queue_unspecified": [],
    },
    "audit_overkill_rate": {
        "none": [1, 2], "policy": [1, 2], "source": [1], "object_type": [1],
        "policy_queue": [], "queue_unspecified": [2],
    },
    "audit_leakage_rate": {
        "none": [4], "policy": [], "source": [4], "object_type": [],
        "policy_queue": [], "queue_unspecified": [],
    },
    "penalty_ratio": {
        "none": [1, 2, 3, 6, 7], "policy": [1, 2, 6], "source": [1, 3, 6, 7],
        "object_type": [1, 3, 6, 7], "policy_queue": [6], "queue_unspecified": [2],
    },
}  # fmt: skip


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("metric", EXPECTED)
def test_the_cases_are_the_numerator_of_the_metric(warehouse, metric, name) -> None:
    args, breakdown, segment = FILTERS[name]
    cases = _cases(warehouse, metric, *args)
    assert [c["decision_id"] for c in cases] == [DEC[n] for n in EXPECTED[metric][name]]
    where = "".join(f" and {column} = ?" for column in segment)
    (numerator,) = query(
        warehouse,
        "select coalesce(sum(numerator), 0) as n from metric_values(metric_breakdowns) "
        "where period = 'day' and market = 'BR' and first_day between '2026-10-01' and "
        f"'2026-10-03' and metric = ? and breakdown = ?{where}",
        [metric, breakdown, *segment.values()],
    )
    # the audit rates' numerators are weight sums: each case counts its sample_weight
    counted = sum(c["sample_weight"] if metric.startswith("audit_") else 1 for c in cases)
    assert counted == numerator["n"]


def test_the_market_cases_are_the_numerators_of_market_daily_metrics(warehouse) -> None:
    (totals,) = query(
        warehouse,
        "select sum(overturned_penalties) as overkill_rate, sum(overturned_no_actions) as "
        "leakage_rate, sum(penalties) as penalty_ratio from market_daily_metrics "
        "where market = 'BR' and metric_date between '2026-10-01' and '2026-10-03'",
    )
    assert totals == {"overkill_rate": 3, "leakage_rate": 1, "penalty_ratio": 5}
    assert {metric: len(_cases(warehouse, metric)) for metric in totals} == totals


def test_each_case_carries_the_appeal_or_audit_that_makes_it_count(warehouse) -> None:
    overkill = _cases(warehouse, "overkill_rate")
    assert [(c["appeal_id"], c["overturned_appeals"], c["resolved_at"]) for c in overkill] == [
        (f"{ID}-app-1", 1, "2026-10-08 10:00:00+00:00"),
        (f"{ID}-app-2b", 2, "2026-10-09 10:00:00+00:00"),  # the later of its two overturns
        (f"{ID}-app-6", 1, "2026-10-11 10:00:00+00:00"),
    ]
    (first,) = _cases(warehouse, "audit_overkill_rate", "--source", "human")
    assert {k: first[k] for k in ("decision_id", "object_id", "creator_id", "moderator_id",
            "queue", "decided_at", "audit_id", "audit_verdict", "auditor_id", "appeal_id")} == {
        "decision_id": DEC[1], "object_id": f"{ID}-obj-01", "creator_id": f"{ID}-creator-01",
        "moderator_id": MOD_A, "queue": "q-fast", "decided_at": "2026-10-01 10:00:00+00:00",
        "audit_id": f"{ID}-qa-1", "audit_verdict": "non_violating", "auditor_id": AUD_X,
        "appeal_id": None,
    }  # fmt: skip


def test_a_hostile_policy_name_is_data(warehouse) -> None:
    (case,) = _cases(warehouse, "penalty_ratio", "--policy", HOSTILE)
    assert (case["decision_id"], case["policy"]) == (DEC[7], HOSTILE)
    out = _cli(warehouse, "cases", "--market", "BR", "--metric", "penalty_ratio", *DAYS,
               "--policy", "x' or '1'='1")  # fmt: skip
    assert list(csv.reader(io.StringIO(out)))[1:] == []  # the header, no case
    assert len(_cases(warehouse, "penalty_ratio")) == 5  # and the warehouse is as it was


def test_bad_dates_are_one_line(warehouse) -> None:
    for days, message in [
        (("--from", "2026-13-01", "--to", "2026-10-03"), "--from must be a date"),
        (("--from", "2026-10-04", "--to", "2026-10-03"), "--from 2026-10-04 is after --to"),
    ]:
        code, out, err = cli("cases", "--market", "BR", "--metric", "overkill_rate", *days,
                             "--warehouse", warehouse, cwd=warehouse.parent)  # fmt: skip
        assert (code, out, len(err.splitlines())) == (2, "", 1)
        assert message in err


def test_quality_by_moderator_ranks_by_the_lower_bound(warehouse) -> None:
    # mod-A: D01 (penalty judged non_violating: wrong), D04 (no_action judged violating: wrong),
    # D07 (right): 2 of 3. mod-B: D03 right: 0 of 1. LATAM has no audit.
    rows = json.loads(_cli(warehouse, "quality", "--by", "moderator", "--market", "BR", *DAYS,
                           "--format", "json"))  # fmt: skip
    a, b = wilson(2 / 3, 3), wilson(0, 1)
    got = [(r["moderator_id"], r["audited_decisions"], r["qa_errors"], r["qa_error_rank"])
           for r in rows]  # fmt: skip
    assert got == [(MOD_A, 3, 2, 1), (MOD_B, 1, 0, 2)]
    assert rows[0]["qa_error_rate_low"] == pytest.approx(a[0], abs=1e-12)
    assert rows[0]["qa_error_rate_high"] == pytest.approx(a[1], abs=1e-12)
    assert (rows[1]["qa_error_rate_low"], rows[1]["qa_error_rate_high"]) == pytest.approx(
        (0.0, b[1]), abs=1e-12
    )


def test_quality_by_auditor_compares_the_re_audit(warehouse) -> None:
    # D01: aud-X non_violating, aud-Y violating: no agreement; X says violating 0 of 1, Y 1 of 1,
    # p_e = 0 x 1 + 1 x 0 = 0, kappa = (0 - 0) / 1 = 0
    rows = json.loads(_cli(warehouse, "quality", "--by", "auditor", *DAYS, "--format", "json"))
    pair = {"market": "BR", "decisions": 1, "compared_audits": 1, "agreements": 0,
            "agreement_rate": 0.0, "expected_agreement": 0.0, "cohens_kappa": 0.0}  # fmt: skip
    got = [{k: r[k] for k in ("auditor_a", "auditor_b", *pair)} for r in rows]
    assert got == [
        {"auditor_a": None, "auditor_b": None, **pair},
        {"auditor_a": AUD_X, "auditor_b": AUD_Y, **pair},
    ]


def test_the_market_page_lists_queues_by_qa_error_and_no_ids(warehouse, tmp_path) -> None:
    out = _cli(warehouse, "dashboards", "--out", tmp_path / "site")
    assert "pages" in out
    pages = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "site").glob("*.html")}
    assert {"index.html", "br.html", "quality.html"} <= set(pages)
    # BR queues over the 28 days to 10-04: unspecified D02 (wrong, weight 4): 1 of 1;
    # q-fast D01 wrong, D03 right: 1 of 2; q-slow D04 wrong (1), D05 right (4): 1 of 5 by
    # weight; <b>q-bold</b> D07 right: 0 of 1. Ranked by the lower bound of the interval.
    # Lower bounds: unspecified 0.2065, q-fast 0.0945, q-slow (Kish n 25/17) 0.0133, q-bold 0.
    lows = [wilson(1, 1)[0], wilson(1 / 2, 2)[0], wilson(1 / 5, 25 / 17)[0], 0.0]
    assert lows == sorted(lows, reverse=True)
    table = pages["br.html"].split('id="qa-queues"')[1].split("</table>")[0]
    order = ["unspecified", "q-fast", "q-slow", "&lt;b&gt;q-bold&lt;/b&gt;"]
    positions = [table.index(f"<td>{q}</td>") for q in order]
    assert positions == sorted(positions)
    assert "<b>q-bold</b>" not in pages["br.html"]  # a queue name is text, never markup
    for name, html in pages.items():
        assert ID not in html, name
