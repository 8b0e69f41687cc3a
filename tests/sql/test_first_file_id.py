"""sql/checks/first_file_id.sql: the bound that lets a run's checks skip older files' rows."""

from __future__ import annotations

import pytest

from warehouse.runner import read_sql, set_variables

from .helpers import given

# files 1 and 2 came with run r1, 3 and 4 with r2
FILES = [{"file_id": i, "run_id": "r1" if i <= 2 else "r2"} for i in (1, 2, 3, 4)]


@pytest.mark.parametrize(
    ("run_id", "every_day", "first_file_id"),
    [
        ("r2", False, 3),  # the smallest of the run's files
        ("r2", True, 0),  # every file
        ("r3", False, 5),  # a run that read no file: past every file
    ],
)
def test_first_file_id(con, run_id, every_day, first_file_id) -> None:
    given(con, "file_manifest", FILES)
    set_variables(con, run_id=run_id, every_day=every_day)
    con.execute(read_sql("checks/first_file_id.sql"))
    assert con.execute("select getvariable('first_file_id')").fetchone()[0] == first_file_id


def test_first_file_id_of_an_empty_manifest(con) -> None:
    given(con, "file_manifest", [], file_id="bigint", run_id="varchar")
    set_variables(con, run_id="r1", every_day=False)
    con.execute(read_sql("checks/first_file_id.sql"))
    assert con.execute("select getvariable('first_file_id')").fetchone()[0] == 0
