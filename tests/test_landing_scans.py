"""Consecutive Parquet files are read in one scan (assets/landing.py read_parquet_together): the
rows, their text and their verdicts are those of reading each file alone, and a bad file still
fails alone, with its one line."""

from datetime import UTC, datetime

import pyarrow as pa
import pytest

import assets.landing
from conftest import DECISION_COLUMNS, decision, file_row, query, run

pytestmark = pytest.mark.usefixtures("isolated_settings")


def _columns(*rows: dict) -> dict:
    return {c: [row[c] or None for row in rows] for c in DECISION_COLUMNS}


def _corrupt(path) -> None:
    """Overwrite a Parquet file's data pages, keeping its header and footer: the schema reads,
    the rows do not."""
    data = bytearray(path.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little")
    data[8 : len(data) - 16 - footer] = b"\xab" * (len(data) - 24 - footer)
    path.write_bytes(bytes(data))


def _reads(monkeypatch) -> list[str]:
    """The files read one at a time (load_file), by name."""
    alone: list[str] = []
    load_file = assets.landing.load_file

    def spy(con, kind, file_id, path):
        alone.append(path.name)
        return load_file(con, kind, file_id, path)

    monkeypatch.setattr(assets.landing, "load_file", spy)
    return alone


def test_parquet_files_read_together_keep_each_files_timestamp_text(
    landing, warehouse, monkeypatch
) -> None:
    # a TIMESTAMP WITH TIME ZONE column, then a naive TIMESTAMP: one scan reads both as instants
    landing.parquet(
        "decisions/a_aware.parquet",
        {
            **_columns(decision("d-1"), decision("d-2", market="XX")),
            "decided_at": pa.array(
                [datetime(2026, 10, 1, 9, 0, tzinfo=UTC), datetime(2026, 10, 1, 9, 30, tzinfo=UTC)],
                pa.timestamp("us", tz="UTC"),
            ),
        },
    )
    landing.parquet(
        "decisions/b_naive.parquet",
        {
            **_columns(decision("d-3"), decision("d-4", market="XX")),
            "decided_at": pa.array(
                [datetime(2026, 10, 1, 23, 30), datetime(2026, 10, 1, 23, 45)], pa.timestamp("us")
            ),
            "export_batch": ["eb-1", "eb-1"],  # an extra column only this file has
        },
    )
    alone = _reads(monkeypatch)
    run(landing, warehouse)

    assert alone == []  # both were read in the one scan
    assert query(
        warehouse,
        "select decision_id, decided_at::varchar as decided_at from decisions order by 1",
    ) == [
        {"decision_id": "d-1", "decided_at": "2026-10-01 09:00:00+00"},
        {"decision_id": "d-3", "decided_at": "2026-10-01 23:30:00+00"},
    ]
    # the record of a rejected row shows the value as its own file's type reads
    assert [
        (r["line_number"], r["decided_at"])
        for r in query(
            warehouse,
            "select line_number, json_extract_string(record, '$.decided_at') as decided_at "
            "from rejected_rows order by source_file",
        )
    ] == [(2, "2026-10-01 09:30:00+00"), (2, "2026-10-01 23:45:00")]


def test_a_corrupt_file_among_parquet_files_read_together_fails_alone(
    landing, warehouse, monkeypatch
) -> None:
    first = landing.parquet("decisions/a.parquet", _columns(decision("d-1"), decision("d-2")))
    bad = landing.parquet("decisions/b.parquet", _columns(decision("d-3")))
    _corrupt(bad)
    last = landing.parquet(
        "decisions/c.parquet", _columns(decision("d-4"), decision("d-5", market="XX"))
    )
    alone = _reads(monkeypatch)
    run(landing, warehouse)

    # the scan of the three failed: each was read alone, and only the corrupt one failed
    assert alone == ["a.parquet", "b.parquet", "c.parquet"]
    assert file_row(warehouse, bad)["status"] == "failed"
    assert file_row(warehouse, bad)["error"].startswith("cannot read the file: ")
    assert "\n" not in file_row(warehouse, bad)["error"]
    assert [
        (r["status"], r["rows"], r["accepted"], r["rejected"])
        for r in (file_row(warehouse, first), file_row(warehouse, last))
    ] == [("ingested", 2, 2, 0), ("ingested", 2, 1, 1)]
    assert [r["decision_id"] for r in query(warehouse, "select * from decisions order by 1")] == [
        "d-1",
        "d-2",
        "d-4",
    ]


def test_parquet_files_read_together_count_their_own_rows(landing, warehouse) -> None:
    files = [
        landing.parquet("decisions/a.parquet", _columns(decision("d-1"), decision("d-2"))),
        landing.parquet(
            "decisions/b.parquet", _columns(decision("d-2"), decision("d-3", market="XX"))
        ),
        landing.parquet("decisions/c.parquet", _columns(decision("d-4"))),
    ]
    run(landing, warehouse)

    assert [
        (r["rows"], r["accepted"], r["rejected"], r["identical_duplicates"])
        for r in (file_row(warehouse, f) for f in files)
    ] == [(2, 2, 0, 0), (2, 0, 1, 1), (1, 1, 0, 0)]
