"""Tests for pipelines.sample_data (synthetic landing folder generator)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pytest

from sample_data.generate import generate_landing

START = dt.date(2026, 10, 1)
TABLES = ("decisions", "appeals", "audits")
REQUIRED = {
    "decisions": {
        "decision_id",
        "object_id",
        "object_type",
        "creator_id",
        "market",
        "policy",
        "action",
        "penalty",
        "source",
        "moderator_id",
        "queue",
        "decided_at",
    },
    "appeals": {"appeal_id", "decision_id", "appealed_at", "status", "resolved_at"},
    "audits": {"audit_id", "decision_id", "audited_at", "verdict", "auditor_id"},
}
TS_COLS = {
    "decisions": ("decided_at",),
    "appeals": ("appealed_at", "resolved_at"),
    "audits": ("audited_at",),
}
MARKETS = "('BR', 'LATAM', 'EMEA')"
ACTIONS = "('penalize', 'no_action')"
SOURCES = "('machine', 'human')"
POLICIES = (
    "('minor_safety', 'violent_extremism', 'hate_speech', 'adult_nudity', 'harassment', "
    "'spam', 'dangerous_acts', 'ip_violation')"
)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in _files(root)
    }


def _is_csv(p: Path) -> bool:
    return p.name.endswith((".csv", ".csv.gz"))


def _connect(root: Path) -> duckdb.DuckDBPyConnection:
    """One all-VARCHAR table per landing folder, with a `filename` column."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table in TABLES:
        files = _files(root / table)
        csvs = ", ".join(f"'{p}'" for p in files if _is_csv(p))
        pqs = ", ".join(f"'{p}'" for p in files if p.suffix == ".parquet")
        selects = []
        if csvs:
            selects.append(
                f"SELECT * FROM read_csv([{csvs}], all_varchar = true, header = true, "
                "union_by_name = true, filename = true)"
            )
        if pqs:
            selects.append(
                f"SELECT COLUMNS(*)::VARCHAR FROM read_parquet([{pqs}], union_by_name = true, "
                "filename = true)"
            )
        con.execute(f"CREATE TABLE {table} AS " + " UNION ALL BY NAME ".join(selects))
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> tuple[Path, dict, duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("landing")
    summary = generate_landing(
        root, START, days=21, decisions_per_day=1500, seed=11, dirty_share=0.01
    )
    return root, summary, _connect(root)


# ------------------------------------------------------------------------------ determinism


@pytest.mark.parametrize("file_format", ["mixed", "parquet"])
def test_same_seed_gives_byte_identical_files(tmp_path: Path, file_format: str) -> None:
    kw = dict(days=6, decisions_per_day=300, dirty_share=0.02, file_format=file_format)
    s1 = generate_landing(tmp_path / "a", START, seed=3, **kw)
    s2 = generate_landing(tmp_path / "b", START, seed=3, **kw)
    h1, h2 = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert s1 == s2
    assert len(h1) == s1["files"] > 0
    assert h1 == h2

    generate_landing(tmp_path / "c", START, seed=4, **kw)
    h3 = _hashes(tmp_path / "c")
    assert h3 != h1
    common = set(h1) & set(h3)
    assert all(h1[k] != h3[k] for k in common)


def test_file_format_changes_layout_not_content(tmp_path: Path) -> None:
    kw = dict(days=5, decisions_per_day=200, seed=5, dirty_share=0.02)
    sums = {
        f: generate_landing(tmp_path / f, START, file_format=f, **kw)
        for f in ("csv", "parquet", "mixed")
    }
    assert sums["csv"] == sums["parquet"] == sums["mixed"]
    assert {p.suffix for p in _files(tmp_path / "csv")} == {".csv"}
    assert {p.suffix for p in _files(tmp_path / "parquet")} == {".parquet"}
    # Same rows whatever the format (timestamps compared as instants).
    counts = {}
    for f in sums:
        con = _connect(tmp_path / f)
        counts[f] = con.execute(
            "SELECT count(DISTINCT (decision_id, market, action, "
            "try_cast(decided_at AS TIMESTAMPTZ))) FROM decisions"
        ).fetchone()
    assert counts["csv"] == counts["parquet"] == counts["mixed"]


def test_argument_validation(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_landing(tmp_path, START, days=1, file_format="json")
    with pytest.raises(ValueError):
        generate_landing(tmp_path, START, days=0)
    with pytest.raises(ValueError):
        generate_landing(tmp_path, START, days=1, dirty_share=0.9)


# ------------------------------------------------------------------------------ layout


def test_every_file_is_readable_and_has_required_columns(medium) -> None:
    root, summary, _ = medium
    con = duckdb.connect()
    files = _files(root)
    assert len(files) == summary["files"]
    rows = dict.fromkeys(TABLES, 0)
    exts = set()
    for p in files:
        table = p.relative_to(root).parts[0]
        assert table in TABLES
        if p.suffix == ".parquet":
            rel = con.sql(f"SELECT * FROM read_parquet('{p}')")
            exts.add("parquet")
            for c in TS_COLS[table]:
                assert rel.types[rel.columns.index(c)] in ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE")
        else:
            assert _is_csv(p), p
            exts.add("csv.gz" if p.name.endswith(".gz") else "csv")
            rel = con.sql(f"SELECT * FROM read_csv('{p}', all_varchar = true)")
        cols = set(rel.columns)
        assert REQUIRED[table] <= cols, (p, REQUIRED[table] - cols)
        if table == "audits" and "sample_weight" not in cols:
            assert p.name.split(".")[0].endswith("_human_qa"), p
        rows[table] += rel.aggregate("count(*)").fetchall()[0][0]
        assert len(p.relative_to(root).parts) >= 3  # files live below a sub folder
    assert rows == {t: summary[t] for t in TABLES}
    assert exts == {"csv", "csv.gz", "parquet"}
    late = sorted((root / "decisions" / "late").iterdir())
    assert len(late) == summary["late_files"] == 1
    late_day = late[0].name.split("_")[1]
    assert not [p for p in files if f"decisions_{late_day}" in p.name and p.parent.name != "late"]


def test_human_only_audit_files_and_weights(medium) -> None:
    _, _, con = medium
    # Files without a sample_weight column only hold audits of human decisions.
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM audits a JOIN decisions d USING (decision_id)
        WHERE a.sample_weight IS NULL AND lower(trim(d.source)) <> 'human'""",
        )
        == 0
    )
    assert _one(con, "SELECT count(*) FROM audits WHERE sample_weight IS NULL") > 0
    # Valid weights: 4 for machine decisions (sampled 4x less), 1 for human ones.
    assert (
        _one(
            con,
            """
        SELECT count(*) FROM audits a JOIN decisions d USING (decision_id)
        WHERE try_cast(a.sample_weight AS DOUBLE) > 0
          AND try_cast(a.sample_weight AS DOUBLE)
              <> CASE lower(trim(d.source)) WHEN 'machine' THEN 4 ELSE 1 END""",
        )
        == 0
    )


def test_a_tenth_of_the_audits_have_an_earlier_second_audit_by_another_auditor(medium) -> None:
    _, _, con = medium
    con.execute("""CREATE TEMP TABLE reaudits AS
        SELECT r.audit_id, r.auditor_id, try_cast(r.audited_at AS TIMESTAMPTZ) AS done_at,
               o.auditor_id AS first_auditor, try_cast(o.audited_at AS TIMESTAMPTZ) AS first_done,
               r.filename = o.filename AS same_file
        FROM audits r JOIN audits o
          ON o.decision_id = r.decision_id AND o.audit_id NOT LIKE 'qr-%'
        WHERE r.audit_id LIKE 'qr-%'""")
    reaudits, audits = (
        _one(con, "SELECT count(*) FROM reaudits"),
        _one(con, "SELECT count(*) FROM audits WHERE audit_id NOT LIKE 'qr-%'"),
    )
    assert 0.07 <= reaudits / audits <= 0.12
    # each doubles one audit, by another auditor, earlier (the one that counts stays the same),
    # in the same file; the auditor ids are the auditors' (m-5xxxxx), not moderators'
    assert _one(con, "SELECT count(DISTINCT audit_id) FROM reaudits") == reaudits
    assert _one(con, "SELECT count(*) FROM reaudits WHERE auditor_id = first_auditor") == 0
    assert _one(con, "SELECT count(*) FROM reaudits WHERE NOT done_at < first_done") == 0
    assert _one(con, "SELECT bool_and(same_file) FROM reaudits")
    assert _one(con, "SELECT bool_and(auditor_id LIKE 'm-5%') FROM reaudits")


def test_ids_are_unique_and_well_formed(medium) -> None:
    _, summary, con = medium
    n_ids = summary["decision_ids"] - summary["dirty_by_kind"]["missing_decision_id"]
    assert _one(con, "SELECT count(DISTINCT decision_id) FROM decisions") == n_ids
    assert (
        _one(
            con,
            """SELECT count(*) FROM decisions WHERE NOT regexp_full_match(decision_id,
        'd-[0-9]{8}') OR NOT regexp_full_match(object_id, 'o-[0-9]{8}')
        OR NOT regexp_full_match(creator_id, 'c-[0-9]{8}')""",
        )
        == 0
    )
    assert _one(con, "SELECT count(*) - count(DISTINCT audit_id) FROM audits") == 0
    # An appeal has at most a pending row and a resolved row.
    assert (
        _one(
            con,
            """SELECT max(n) FROM (SELECT count(*) n, count(DISTINCT lower(trim(status)))
        k FROM appeals GROUP BY appeal_id) WHERE n = k""",
        )
        <= 2
    )
    assert (
        _one(
            con,
            """SELECT count(*) FROM (SELECT appeal_id FROM appeals GROUP BY appeal_id
        HAVING count(*) > 2 OR count(*) <> count(DISTINCT lower(trim(status))))""",
        )
        == 0
    )
    assert (
        _one(
            con,
            "SELECT count(*) FROM decisions WHERE lower(trim(source)) = 'machine' "
            "AND moderator_id IS NOT NULL",
        )
        == 0
    )


# ------------------------------------------------------------------------------ referential


def test_appeals_and_audits_reference_decisions(medium) -> None:
    _, summary, con = medium
    kinds = summary["dirty_by_kind"]
    orphans = _one(
        con,
        """SELECT count(*) FROM appeals
        WHERE decision_id NOT IN (SELECT decision_id FROM decisions WHERE decision_id NOT NULL)""",
    )
    assert orphans == kinds["orphan_appeal"] > 0
    assert (
        _one(
            con,
            """SELECT count(*) FROM audits
        WHERE decision_id NOT IN (SELECT decision_id FROM decisions WHERE decision_id NOT NULL)""",
        )
        == 0
    )
    # Appellant: the creator appeals a penalty, the reporter a no_action.
    assert (
        _one(
            con,
            """SELECT count(*) FROM appeals a JOIN decisions d USING (decision_id)
        WHERE a.appellant <> CASE lower(trim(d.action)) WHEN 'penalize' THEN 'creator'
                                                       ELSE 'reporter' END""",
        )
        == 0
    )


def test_appeal_resolution_times(medium) -> None:
    _, summary, con = medium
    kinds = summary["dirty_by_kind"]
    con.execute("""CREATE OR REPLACE TEMP VIEW ap AS SELECT *, lower(trim(status)) AS st,
        try_cast(appealed_at AS TIMESTAMPTZ) AS a_ts, try_cast(resolved_at AS TIMESTAMPTZ) AS r_ts
        FROM appeals""")
    assert (
        _one(con, "SELECT count(*) FROM ap WHERE st NOT IN ('pending', 'upheld', 'overturned')")
        == 0
    )
    assert (
        _one(con, "SELECT count(*) FROM ap WHERE st = 'pending' AND resolved_at IS NOT NULL") == 0
    )
    # The only resolved rows without resolved_at are the deliberate "overturned" ones.
    assert _one(con, "SELECT count(*) FROM ap WHERE st = 'upheld' AND resolved_at IS NULL") == 0
    assert (
        _one(con, "SELECT count(*) FROM ap WHERE st = 'overturned' AND resolved_at IS NULL")
        == kinds["overturned_without_resolved_at"]
    )
    # resolved_at >= appealed_at on every resolved row except the deliberate dirty ones.
    assert (
        _one(con, "SELECT count(*) FROM ap WHERE r_ts < a_ts") == kinds["resolved_before_appealed"]
    )
    assert _one(con, "SELECT count(*) FROM ap WHERE st <> 'pending' AND r_ts >= a_ts") > 0
    # A pending row and the later resolved row of the same appeal agree on appealed_at.
    assert (
        _one(
            con,
            """SELECT count(*) FROM ap p JOIN ap r USING (appeal_id)
        WHERE p.st = 'pending' AND r.st <> 'pending' AND p.a_ts <> r.a_ts""",
        )
        == 0
    )
    # Recent days still have appeals that are pending at the end of the window.
    assert (
        _one(
            con,
            """SELECT count(*) FROM ap WHERE st = 'pending' AND appeal_id NOT IN
        (SELECT appeal_id FROM ap WHERE st <> 'pending')""",
        )
        > 0
    )
    # Appeals are filed after the decision (0-9 days), audits 1-7 days after it.
    lo, hi = con.execute("""SELECT min(a_ts - try_cast(d.decided_at AS TIMESTAMPTZ)),
        max(a_ts - try_cast(d.decided_at AS TIMESTAMPTZ))
        FROM ap JOIN decisions d USING (decision_id)""").fetchone()
    assert dt.timedelta(0) < lo and hi < dt.timedelta(days=10)
    lo, hi = con.execute("""SELECT min(try_cast(audited_at AS TIMESTAMPTZ)
        - try_cast(d.decided_at AS TIMESTAMPTZ)), max(try_cast(audited_at AS TIMESTAMPTZ)
        - try_cast(d.decided_at AS TIMESTAMPTZ)) FROM audits JOIN decisions d USING (decision_id)
        """).fetchone()
    assert dt.timedelta(days=1) <= lo and hi <= dt.timedelta(days=7)


def test_timestamps_stay_inside_the_window(medium) -> None:
    _, summary, con = medium
    kinds = summary["dirty_by_kind"]
    start = dt.datetime.combine(START, dt.time(), dt.UTC)
    end = dt.datetime.combine(dt.date.fromisoformat(summary["end"]), dt.time(), dt.UTC)
    bad = {
        "decisions": "unparseable_decided_at",
        "appeals": "unparseable_appealed_at",
        "audits": "unparseable_audited_at",
    }
    for table, cols in TS_COLS.items():
        for c in cols:
            ts = f"try_cast({c} AS TIMESTAMPTZ)"
            n_null = _one(
                con, f"SELECT count(*) FROM {table} WHERE {c} IS NOT NULL AND {ts} IS NULL"
            )
            n_future = _one(con, f"SELECT count(*) FROM {table} WHERE {ts} >= '{end}'")
            if c == cols[0]:
                # Unparseable values (CSV) or NULLs standing in for them (parquet).
                assert (
                    n_null + _one(con, f"SELECT count(*) FROM {table} WHERE {c} IS NULL")
                    == kinds[bad[table]]
                )
            else:
                assert n_null == 0
            if c == "decided_at":
                assert n_future == kinds["future_decided_at"] > 0
                assert (
                    _one(con, f"SELECT min(year({ts})) FROM {table} WHERE {ts} >= '{end}'") == 2099
                )
            else:
                assert n_future == 0
        first = cols[0]
        assert _one(con, f"SELECT min(try_cast({first} AS TIMESTAMPTZ)) FROM {table}") >= start
    # Every CSV timestamp uses one of the three ISO styles.
    assert (
        _one(
            con,
            r"""SELECT count(*) FROM decisions WHERE try_cast(decided_at AS TIMESTAMPTZ)
        IS NOT NULL AND NOT regexp_full_match(decided_at,
        '\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)| \d\d:\d\d:\d\d(\+00)?)')""",
        )
        == 0
    )
    for pattern in (r"T\d\d:\d\d:\d\d[+-]\d\d:\d\d", r"T\d\d:\d\d:\d\dZ", r" \d\d:\d\d:\d\d"):
        assert (
            _one(
                con,
                f"""SELECT count(*) FROM decisions
            WHERE regexp_full_match(decided_at, '\\d{{4}}-\\d\\d-\\d\\d{pattern}')""",
            )
            > 0
        )


# ------------------------------------------------------------------------------ dirty rows


def test_dirty_rows_match_the_summary(medium) -> None:
    _, summary, con = medium
    k = summary["dirty_by_kind"]
    q = {
        "missing_decision_id": "SELECT count(*) FROM decisions WHERE decision_id IS NULL",
        "missing_object_id": "SELECT count(*) FROM decisions WHERE object_id IS NULL",
        "missing_creator_id": "SELECT count(*) FROM decisions WHERE creator_id IS NULL",
        "invalid_market": f"""SELECT count(*) FROM decisions
            WHERE upper(trim(market)) NOT IN {MARKETS}""",
        "penalize_without_policy": "SELECT count(*) FROM decisions WHERE policy IS NULL",
        "messy_code_case": f"""SELECT count(*) FROM decisions WHERE
            (market NOT IN {MARKETS} AND upper(trim(market)) IN {MARKETS})
            OR (action NOT IN {ACTIONS} AND lower(trim(action)) IN {ACTIONS})
            OR (source NOT IN {SOURCES} AND lower(trim(source)) IN {SOURCES})
            OR (policy NOT IN {POLICIES} AND lower(trim(policy)) IN {POLICIES})""",
        "messy_status_case": """SELECT count(*) FROM appeals WHERE status <> lower(trim(status))""",
        "messy_verdict_case": """SELECT count(*) FROM audits WHERE verdict <> lower(trim(verdict))
            AND lower(trim(verdict)) IN ('violating', 'non_violating')""",
        "invalid_verdict": """SELECT count(*) FROM audits
            WHERE lower(trim(verdict)) NOT IN ('violating', 'non_violating')""",
        "nonpositive_sample_weight": """SELECT count(*) FROM audits
            WHERE try_cast(sample_weight AS DOUBLE) <= 0""",
    }
    for kind, sql in q.items():
        assert _one(con, sql) == k[kind], kind
    # Every other code value is valid once trimmed and case-folded.
    assert (
        _one(
            con,
            f"""SELECT count(*) FROM decisions WHERE lower(trim(action)) NOT IN {ACTIONS}
        OR lower(trim(source)) NOT IN {SOURCES}""",
        )
        == 0
    )
    assert (
        _one(
            con,
            "SELECT count(*) FROM decisions WHERE lower(trim(action)) = 'penalize' "
            "AND penalty IS NULL",
        )
        == 0
    )
    assert (
        _one(
            con,
            "SELECT count(*) FROM decisions WHERE lower(trim(action)) = 'no_action' "
            "AND penalty IS NOT NULL",
        )
        == 0
    )
    # Duplicates: identical copies and conflicting copies (other action or market).
    dup_rows = _one(
        con,
        """SELECT count(*) - count(DISTINCT decision_id) FROM decisions
        WHERE decision_id IS NOT NULL""",
    )
    assert dup_rows == k["identical_duplicate"] + k["conflicting_duplicate"]
    conflicting = _one(
        con,
        """SELECT count(*) FROM (SELECT decision_id FROM decisions
        WHERE decision_id IS NOT NULL GROUP BY decision_id
        HAVING count(DISTINCT (upper(trim(market)), lower(trim(action)))) > 1)""",
    )
    assert conflicting == k["conflicting_duplicate"]
    # Identical copies are the same row (timestamps compared as instants).
    assert (
        _one(
            con,
            """SELECT count(*) FROM (SELECT decision_id FROM decisions
        WHERE decision_id IS NOT NULL GROUP BY decision_id HAVING count(*) > 1 AND
        count(DISTINCT (object_id, creator_id, policy, source, moderator_id, queue,
        try_cast(decided_at AS TIMESTAMPTZ))) > 1)""",
        )
        == 0
    )


def test_dirty_share_is_roughly_as_requested(medium) -> None:
    _, summary, _ = medium
    total = sum(summary[t] for t in TABLES)
    share = summary["dirty_rows"] / total
    assert 0.5 * 0.01 <= share <= 2 * 0.01
    assert summary["dirty_rows"] == sum(summary["dirty_by_kind"].values())
    assert 0 < summary["invalid_rows"] < summary["dirty_rows"]
    assert all(v > 0 for v in summary["dirty_by_kind"].values()), summary["dirty_by_kind"]


def test_clean_generation_has_no_dirty_rows(tmp_path: Path) -> None:
    s = generate_landing(tmp_path, START, days=8, decisions_per_day=400, dirty_share=0.0)
    assert s["dirty_rows"] == 0 and s["decisions"] == s["decision_ids"]
    con = _connect(tmp_path)
    assert (
        _one(
            con,
            f"""SELECT count(*) FROM decisions WHERE market NOT IN {MARKETS}
        OR action NOT IN {ACTIONS} OR policy IS NULL OR decision_id IS NULL
        OR try_cast(decided_at AS TIMESTAMPTZ) IS NULL""",
        )
        == 0
    )
    assert (
        _one(
            con,
            """SELECT count(*) FROM appeals WHERE decision_id NOT IN
        (SELECT decision_id FROM decisions)""",
        )
        == 0
    )


# ------------------------------------------------------------------------------ realism


def test_metrics_are_plausible(medium) -> None:
    _, _, con = medium
    con.execute("""CREATE OR REPLACE TEMP VIEW d AS
        SELECT decision_id, upper(trim(market)) AS m, lower(trim(action)) AS act,
               lower(trim(source)) AS src, try_cast(decided_at AS TIMESTAMPTZ) AS ts
        FROM decisions WHERE decision_id IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY decision_id ORDER BY filename) = 1""")
    con.execute("""CREATE OR REPLACE TEMP VIEW ov AS SELECT DISTINCT decision_id FROM appeals
        WHERE lower(trim(status)) = 'overturned'""")
    by_market = con.execute("""SELECT m, count(*), avg((act = 'penalize')::INT),
        count(ov.decision_id) FILTER (WHERE act = 'penalize')
            / count(*) FILTER (WHERE act = 'penalize'),
        count(ov.decision_id) FILTER (WHERE act = 'no_action')
            / count(*) FILTER (WHERE act = 'no_action')
        FROM d LEFT JOIN ov USING (decision_id) WHERE m IN ('BR', 'LATAM', 'EMEA')
        GROUP BY m ORDER BY 2 DESC""").fetchall()
    assert [r[0] for r in by_market] == ["BR", "LATAM", "EMEA"]  # volumes 45/30/25
    for _, _, pen_ratio, overkill, leakage in by_market:
        assert 0.30 <= pen_ratio <= 0.45
        assert 0.003 <= overkill <= 0.02
        assert 0.0005 <= leakage <= 0.005
    machine, human = (
        _one(
            con,
            f"""SELECT count(ov.decision_id) / count(*) FROM d LEFT JOIN ov
            USING (decision_id) WHERE act = 'penalize' AND src = '{s}'""",
        )
        for s in ("machine", "human")
    )
    assert machine > human
    appeal_rate = _one(
        con,
        """SELECT count(DISTINCT a.decision_id) / (SELECT count(*) FROM d
        WHERE act = 'penalize') FROM appeals a JOIN d USING (decision_id) WHERE act = 'penalize'""",
    )
    assert 0.05 <= appeal_rate <= 0.10
    audit_overkill, audit_leakage, audited = con.execute("""SELECT
        sum(w) FILTER (WHERE act = 'penalize' AND v = 'non_violating')
          / sum(w) FILTER (WHERE act = 'penalize'),
        sum(w) FILTER (WHERE act = 'no_action' AND v = 'violating')
          / sum(w) FILTER (WHERE act = 'no_action'),
        count(*) / (SELECT count(*) FROM d)
        FROM (SELECT decision_id, lower(trim(verdict)) AS v,
                     coalesce(try_cast(sample_weight AS DOUBLE), 1) AS w FROM audits) a
        JOIN d USING (decision_id) WHERE w > 0""").fetchone()
    assert 0.03 <= audit_overkill <= 0.09
    assert 0.01 <= audit_leakage <= 0.045
    assert 0.03 <= audited <= 0.06
    # Weekends are busier than midweek.
    weekend, midweek = con.execute("""SELECT
        count(*) FILTER (WHERE isodow(ts) IN (6, 7)) / count(DISTINCT ts::DATE)
            FILTER (WHERE isodow(ts) IN (6, 7)),
        count(*) FILTER (WHERE isodow(ts) IN (2, 3)) / count(DISTINCT ts::DATE)
            FILTER (WHERE isodow(ts) IN (2, 3))
        FROM d WHERE year(ts) < 2099""").fetchone()
    assert weekend > 1.1 * midweek
