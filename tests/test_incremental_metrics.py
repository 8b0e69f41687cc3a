"""The metrics step follows what a run changed (sql/metrics/restated_decisions.sql): a warehouse
brought up to date run by run holds exactly the numbers of one built from scratch on the same
files. Five runs bring new decisions, a late decision, new appeals for old decisions, an appeal
changing state, an appeal moved to another decision, a redelivered and a conflicting row, audits
(one redelivered with another verdict), a replaced file and a market's new time zone; the
warehouse is compared after every run, table by table, with one built by a single run over the
landing folder as it is then."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest

from conftest import Landing, appeal, audit, decision, rows, run

pytestmark = pytest.mark.usefixtures("isolated_settings")

SAO_PAULO = {"BR": {"timezone": "America/Sao_Paulo"}}  # [markets.BR] timezone = "..."
COMPARED = ("daily_metrics", "overturn_development", "audit_development", "market_daily_metrics")


def _runs(landing: Landing, warehouse, after: Callable[[int, dict], None]) -> list[str]:
    """Five runs over a growing landing folder, calling `after(k, settings)` after run k;
    return their ids."""
    ids = []
    # run 1: two days of decisions in two markets and queues, a pending appeal, a weighted audit,
    # an appeal whose decision has not arrived yet
    landing.csv(
        "decisions/day1.csv",
        [
            decision("d-1", "2026-10-01T10:00:00Z"),
            decision("d-2", "2026-10-01T11:00:00Z", action="no_action"),
            decision("d-3", "2026-10-01T01:30:00Z", queue="priority"),  # 09-30 in São Paulo
            decision("d-4", "2026-10-01T12:00:00Z", market="EMEA", source="human"),
            decision("d-5", "2026-10-02T09:00:00Z", market="EMEA", action="no_action"),
        ],
    )
    landing.csv(
        "appeals/a1.csv",
        [appeal("ap-1", "d-1"), appeal("ap-9", "d-9", appealed_at="2026-10-03T10:00:00Z")],
    )
    landing.csv("audits/q1.csv", [audit("q-1", "d-4", "non_violating", sample_weight="4")])
    ids.append(run(landing, warehouse))
    after(1, {})
    # run 2: a new day; the late decision d-9 (on day 1, with its orphan appeal); d-1's appeal
    # overturned; new appeals for old decisions; an audit of an old decision
    landing.csv(
        "decisions/day3.csv",
        [
            decision("d-6", "2026-10-03T10:00:00Z"),
            decision("d-7", "2026-10-03T23:30:00Z", market="EMEA", action="no_action"),
            decision("d-9", "2026-10-01T15:00:00Z"),
        ],
    )
    landing.csv(
        "appeals/a2.csv",
        [
            appeal("ap-1", "d-1", "overturned", resolved_at="2026-10-04T10:00:00Z"),
            appeal("ap-2", "d-2", "overturned", resolved_at="2026-10-06T10:00:00Z"),
            appeal("ap-3", "d-5", "pending", appealed_at="2026-10-03T10:00:00Z"),
            appeal("ap-4", "d-6", "upheld", "2026-10-04T10:00:00Z", "2026-10-05T10:00:00Z"),
        ],
    )
    landing.csv("audits/q2.csv", [audit("q-2", "d-2", "violating", "2026-10-07T10:00:00Z")])
    ids.append(run(landing, warehouse))
    after(2, {})
    # run 3: only appeals and audits: ap-3 resolved, ap-4 moved to another decision, q-1 again
    # with another verdict, a second overturn of d-1 known earlier
    landing.csv(
        "appeals/a3.csv",
        [
            appeal("ap-3", "d-5", "overturned", "2026-10-03T10:00:00Z", "2026-10-08T10:00:00Z"),
            appeal("ap-4", "d-3", "upheld", "2026-10-04T10:00:00Z", "2026-10-06T10:00:00Z"),
            appeal("ap-5", "d-1", "overturned", "2026-10-02T10:00:00Z", "2026-10-03T10:00:00Z"),
        ],
    )
    landing.csv(
        "audits/q3.csv",
        [audit("q-1", "d-4", "violating", "2026-10-09T10:00:00Z", sample_weight="4")],
    )
    ids.append(run(landing, warehouse))
    after(3, {})
    # run 4: d-2 delivered again on another day (a conflict: it leaves the counts), d-4 again
    # as it was (an identical duplicate), a new decision on an old day
    landing.csv(
        "decisions/late.csv",
        [
            decision("d-2", "2026-10-02T11:00:00Z", action="no_action"),
            decision("d-4", "2026-10-01T12:00:00Z", market="EMEA", source="human"),  # identical
            decision("d-10", "2026-10-02T08:00:00Z", market="EMEA"),
        ],
    )
    ids.append(run(landing, warehouse))
    after(4, {})
    # run 5: BR's days move to São Paulo; the first appeals file is replaced (ap-9 withdrawn);
    # another day of decisions with an audit
    landing.csv("appeals/a1.csv", [appeal("ap-1", "d-1")])
    landing.csv(
        "decisions/day4.csv",
        [decision("d-11", "2026-10-04T02:00:00Z"), decision("d-12", "2026-10-04T10:00:00Z")],
    )
    landing.csv("audits/q4.csv", [audit("q-4", "d-11", "non_violating", "2026-10-05T10:00:00Z")])
    ids.append(run(landing, warehouse, markets=SAO_PAULO))
    after(5, {"markets": SAO_PAULO})
    return ids


@pytest.fixture(scope="module")
def incremental_and_scratch(tmp_path_factory: pytest.TempPathFactory):
    """After each run k: a copy of the warehouse run by run (incremental_k) and one built by a
    single run over the landing folder as it is then (scratch_k)."""
    root = tmp_path_factory.mktemp("incremental")
    landing = Landing(root / "landing")
    warehouse = root / "incremental" / "warehouse.duckdb"
    pairs = {}

    def after(k: int, settings: dict) -> None:
        incremental = root / f"incremental_{k}.duckdb"
        shutil.copyfile(warehouse.resolve(), incremental)
        scratch = root / f"scratch_{k}" / "warehouse.duckdb"
        run(landing, scratch, **settings)  # every file at once
        pairs[k] = (incremental, scratch)

    run_ids = _runs(landing, warehouse, after)
    return pairs, run_ids


def _differing_rows(incremental, scratch, table: str) -> list[tuple]:
    """The rows of `table` (without run_id) in one warehouse and not the other, either way."""
    columns = [
        c
        for (c,) in rows(
            incremental,
            "select column_name from information_schema.columns where table_name = ? "
            "and column_name <> 'run_id' order by ordinal_position",
            [table],
        )
    ]
    listed = ", ".join(columns)
    return rows(
        incremental,
        f"attach '{scratch}' as scratch (read_only); "
        f"(select 'incremental only', {listed} from {table} "
        f"except all select 'incremental only', {listed} from scratch.{table}) "
        f"union all (select 'scratch only', {listed} from scratch.{table} "
        f"except all select 'scratch only', {listed} from {table})",
    )


@pytest.mark.parametrize("table", COMPARED)
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_run_by_run_equals_from_scratch(incremental_and_scratch, k: int, table: str) -> None:
    incremental, scratch = incremental_and_scratch[0][k]
    assert _differing_rows(incremental, scratch, table) == []


@pytest.mark.parametrize("table", COMPARED)
def test_the_compared_tables_hold_rows(incremental_and_scratch, table: str) -> None:
    incremental, _ = incremental_and_scratch[0][5]
    assert rows(incremental, f"select count(*) from {table}") == [(_expected_rows(table),)]


def _expected_rows(table: str) -> int:
    """Hand-counted rows of each table at the end (so that 0 differing rows is not 0 rows)."""
    return {
        # BR: 09-30 (d-3, priority), 10-01 (d-1, d-9), 10-03 (d-6), 10-04 (d-11 at 23:00 on
        # 10-03 in São Paulo, so 10-03; d-12 on 10-04); EMEA: 10-01 (d-4), 10-02 (d-5, d-10:
        # a no_action and a penalty, one segment: no_action and penalize share it), 10-03 (d-7)
        "daily_metrics": 7,
        # d-1 (first overturn known 10-03, age 2), d-5 (10-08, age 6)
        "overturn_development": 2,
        # d-4 (EMEA, audited 10-09: age 8), d-11 (BR 10-03, audited 10-05: age 2)
        "audit_development": 2,
        # BR 09-30, 10-01, 10-03, 10-04; EMEA 10-01, 10-02, 10-03
        "market_daily_metrics": 7,
    }[table]


def test_a_run_with_only_late_appeals_recomputes_only_their_days(incremental_and_scratch) -> None:
    pairs, run_ids = incremental_and_scratch
    incremental, _ = pairs[5]
    # run 3 changed d-5 (EMEA 10-02), d-3 and d-6 (ap-4 moved: BR 10-01 UTC and 10-03), d-1
    # (BR 10-01), d-4 (EMEA 10-01): days 10-01, 10-02, 10-03
    assert rows(
        incremental,
        "select days_recomputed, first_day_recomputed::varchar, last_day_recomputed::varchar "
        "from pipeline_runs where run_id = ?",
        [run_ids[2]],
    ) == [(3, "2026-10-01", "2026-10-03")]
