"""Deliveries that go wrong in real life: renamed and corrected files, odd names and headers,
audits that move, concurrent runs, DuckDB upgrades, and ad hoc SQL that tries to write."""

import fcntl
import io
from contextlib import redirect_stderr

import duckdb

from conftest import audit, cli, decision, file_row, query, run, scalar, settings
from pipelines.cli import run_pipeline


def test_a_renamed_copy_keeps_rows_when_the_original_is_corrected_in_the_same_delivery(
    landing, warehouse
) -> None:
    """Run 2 brings b.csv corrected (d-2) and a.csv holding b.csv's old content (d-1)."""
    old = landing.csv("decisions/b.csv", [decision("d-1")])
    old_bytes = old.read_bytes()
    run(landing, warehouse)
    landing.csv("decisions/b.csv", [decision("d-2")])
    landing.bytes("decisions/a.csv", old_bytes)
    run(landing, warehouse)
    assert query(warehouse, "select decision_id from decisions order by 1") == [
        {"decision_id": "d-1"},
        {"decision_id": "d-2"},
    ]
    # nothing of another kind is read as an appeals or audits file
    assert (
        query(warehouse, "select kind, status from ingested_files where kind <> 'decisions'") == []
    )


def test_a_file_name_with_glob_characters_fails_alone(landing, warehouse) -> None:
    """DuckDB reads a path as a glob: d_[1].csv would read d_1.csv instead of itself."""
    landing.csv("decisions/d_1.csv", [decision("d-1")])
    odd = landing.csv("decisions/d_[1].csv", [decision("d-9", market="EMEA")])
    run(landing, warehouse)
    row = file_row(warehouse, odd)
    assert row["status"] == "failed"
    assert row["error"] == "cannot read the file: its path contains one of * ? [ ] { } (rename it)"
    assert query(warehouse, "select decision_id, market from decisions") == [
        {"decision_id": "d-1", "market": "BR"}
    ]
    assert scalar(warehouse, "select sum(identical_duplicates) from ingested_files") == 0


def test_a_repeated_extra_column_is_ignored(landing, warehouse) -> None:
    path = landing.text(
        "decisions/notes.csv",
        "decision_id,object_id,object_type,creator_id,market,policy,action,source,decided_at,"
        "note,note\n"
        "d-1,o-1,video,c-1,BR,spam,penalize,human,2026-10-01T10:00:00Z,a,b\n",
    )
    run(landing, warehouse)
    row = file_row(warehouse, path)
    assert (row["status"], row["rows"], row["accepted"], row["rejected"]) == ("ingested", 1, 1, 0)


def test_an_audit_redelivered_for_another_decision_counts_once_on_the_new_one(
    landing, warehouse
) -> None:
    landing.csv(
        "decisions/d.csv",
        [decision("d-1"), decision("d-2", "2026-10-02T10:00:00Z")],
    )
    landing.csv("audits/first.csv", [audit("q-1", "d-1", "non_violating")])
    run(landing, warehouse)
    assert query(warehouse, "select decision_id from audits") == [{"decision_id": "d-1"}]
    # QA corrects the delivery: the audit was of d-2
    landing.csv(
        "audits/correction.csv", [audit("q-1", "d-2", "non_violating", "2026-10-06T10:00:00Z")]
    )
    run(landing, warehouse)
    assert query(warehouse, "select decision_id, audit_id from audits") == [
        {"decision_id": "d-2", "audit_id": "q-1"}
    ]
    by_day = query(
        warehouse,
        "select metric_date::varchar as day, audited_penalties "
        "from market_daily_metrics order by 1",
    )
    assert by_day == [
        {"day": "2026-10-01", "audited_penalties": 0},
        {"day": "2026-10-02", "audited_penalties": 1},
    ]


def test_ad_hoc_sql_cannot_attach_or_touch_files(landing, warehouse, tmp_path) -> None:
    landing.csv("decisions/d.csv", [decision("d-1")])
    run(landing, warehouse)
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    target = tmp_path / "leak.csv"
    for statement in (
        f"attach '{work}' as w (read_write)",
        f"copy (select 1) to '{target}'",
        "select * from read_csv('/etc/hostname')",
        "set enable_external_access = true",
    ):
        code, out, err = cli("sql", "--warehouse", warehouse, statement, cwd=tmp_path)
        assert code == 2, statement
        assert err.startswith("modmetrics: error: ") and err.count("\n") == 1, err
    assert not target.exists()


def test_a_second_run_while_one_holds_the_warehouse_fails_cleanly(landing, warehouse) -> None:
    landing.csv("decisions/d.csv", [decision("d-1")])
    run(landing, warehouse)
    before = warehouse.read_bytes()
    landing.csv("decisions/e.csv", [decision("d-2")])
    lock_path = warehouse.parent / ".modmetrics-work" / "run.lock"
    with lock_path.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stderr(err):
            code = run_pipeline(settings(landing, warehouse), out=out)
    assert code == 1
    assert "another run is writing the warehouse" in err.getvalue()
    assert warehouse.read_bytes() == before
    run(landing, warehouse)  # once the other run ends, this one goes through
    assert scalar(warehouse, "select count(*) from decisions") == 2


def test_after_a_duckdb_upgrade_stored_versions_are_rehashed(landing, warehouse) -> None:
    """Versions are told apart by DuckDB's hash(); a new DuckDB may hash differently."""
    landing.csv("decisions/d.csv", [decision("d-1")])
    run(landing, warehouse)
    work = warehouse.parent / ".modmetrics-work" / warehouse.name
    con = duckdb.connect(str(work))
    # what an upgrade looks like from the warehouse: hashes and version from another DuckDB
    con.execute("update decision_rows set row_hash = 42")
    con.execute("update warehouse_info set duckdb_version = 'v0.0.0'")
    con.close()
    landing.csv("decisions/again.csv", [decision("d-1"), decision("d-2")])
    run(landing, warehouse)
    again = file_row(warehouse, landing.path("decisions/again.csv"))
    assert (again["accepted"], again["identical_duplicates"], again["rejected"]) == (1, 1, 0)
    assert scalar(warehouse, "select count(*) from conflicting_decisions") == 0
    running = duckdb.connect().execute("select version()").fetchone()[0]
    assert scalar(warehouse, "select duckdb_version from warehouse_info") == running


def test_an_invalid_memory_limit_is_a_settings_error(tmp_path) -> None:
    (tmp_path / "modmetrics.toml").write_text('memory_limit = "lots"\n')
    code, out, err = cli("sql", "select 1", cwd=tmp_path)
    assert code == 2
    assert err == (
        "modmetrics: error: modmetrics.toml: memory_limit 'lots' is not a size like 1GB or 1500MB\n"
    )


def test_json_output_has_no_nan(landing, warehouse, tmp_path) -> None:
    landing.csv("decisions/d.csv", [decision("d-1")])
    run(landing, warehouse)
    code, out, err = cli(
        "sql",
        "--warehouse",
        warehouse,
        "--format",
        "json",
        "select 'nan'::double as x, 1.50::decimal(4, 2) as y",
        cwd=tmp_path,
    )
    assert code == 0, err
    assert out == '[\n {\n  "x": null,\n  "y": 1.5\n }\n]\n'


def test_a_run_does_not_hash_files_it_has_already_read(landing, warehouse, monkeypatch) -> None:
    """The daily run's cost follows the new files: an untouched file is not even hashed."""
    import assets.landing

    hashed = []
    real = assets.landing.sha256_of
    monkeypatch.setattr(assets.landing, "sha256_of", lambda p: hashed.append(p.name) or real(p))
    landing.csv("decisions/old.csv", [decision("d-1")])
    run(landing, warehouse)
    assert hashed == ["old.csv"]
    hashed.clear()
    landing.csv("decisions/new.csv", [decision("d-2")])
    run(landing, warehouse)
    assert hashed == ["new.csv"]
    hashed.clear()
    landing.csv("decisions/old.csv", [decision("d-1"), decision("d-3")])  # changed: hashed again
    run(landing, warehouse)
    assert hashed == ["old.csv"]
    assert scalar(warehouse, "select count(*) from decisions") == 3
