"""The landing folder: find new files, and load each one's rows, as text, into temp load tables.

Values are not judged here: sql/staging/ applies the rules. This module only decides whether a
file can be used at all (readable, required columns present) and records every file it sees.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.runner import read_sql, run_sql, set_variables
from warehouse.vocabulary import CONTRACTS

SUFFIXES = (".csv", ".csv.gz", ".parquet")
GLOB_CHARACTERS = set("*?[]{}")


def discover(landing: Path, kind: str) -> list[Path]:
    """Every data file under landing/<kind>/, at any depth, in a stable order."""
    folder = landing / kind
    if not folder.is_dir():
        return []
    files = [
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name.lower().endswith(SUFFIXES) and not p.name.startswith(".")
    ]
    return sorted(files, key=lambda p: p.as_posix())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quote(identifier: str) -> str:
    """A column name read from a file header, quoted so it can only ever be a name."""
    return '"' + identifier.replace('"', '""') + '"'


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def csv_header(path: Path) -> list[str]:
    """The header row of a CSV file (plain or gzip), read with the csv module: one line only."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    # utf-8-sig: a byte-order mark (as Excel writes) is not part of the first column's name
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise ValueError("the file is empty (no header row)")
    return header


def match_header(kind: str, header: list[str]) -> tuple[list[str], dict[str, str]]:
    """The header's column names as the readers call them, and the name of each contract column
    in it; ValueError naming the missing required columns."""
    # A repeated name gets a suffix, so every column keeps its place (a repeated extra column is
    # ignored like any other).
    unique: list[str] = []
    for name in header:
        candidate, n = name, 1
        while candidate in unique:
            n += 1
            candidate = f"{name}__{n}"
        unique.append(candidate)
    by_name: dict[str, str] = {}
    for name in unique:
        by_name.setdefault(name.strip().lower(), name)
    missing = [c for c in CONTRACTS[kind].required if c not in by_name]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ValueError(f"missing required column{plural}: {', '.join(missing)}")
    return unique, by_name


def _contract_columns(kind: str, by_name: dict[str, str]) -> str:
    """The select list of the contract's columns as text (NULL where the file lacks one)."""
    return ", ".join(
        f"{_quote(by_name[c])}::varchar as {c}" if c in by_name else f"null::varchar as {c}"
        for c in CONTRACTS[kind].columns
    )


# Columns a scan of several files adds (assets/landing.py reads files with them): a file that has
# a column of one of these names is read alone.
SCAN_COLUMNS = {"file_index", "file_row_number", "filename"}
# Two types of one contract column that one scan can read together: DuckDB reads both as an
# instant (TIMESTAMP as UTC, the session zone); each file's values keep the text of its own type.
INSTANTS = {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE"}


def contract_types(con: duckdb.DuckDBPyConnection, kind: str, path: Path) -> dict[str, str] | None:
    """The type of each contract column of a Parquet file that can be read with others in one
    scan (read_parquet_together), None for a file to read alone: unreadable header, a required
    column missing, a contract column named otherwise than the contract, a path that reads as a
    glob pattern, or a column a scan adds."""
    if GLOB_CHARACTERS.intersection(str(path)):
        return None
    try:
        header = con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
        unique, by_name = match_header(kind, [row[0] for row in header])
    except (duckdb.Error, ValueError):
        return None
    names = {name.lower() for name in unique}
    if len(names) < len(unique) or names & SCAN_COLUMNS:
        return None  # union_by_name matches names ignoring case
    if any(by_name[c] != c for c in by_name if c in CONTRACTS[kind].columns):
        return None
    return {name: type_ for name, type_, *_ in header if name in CONTRACTS[kind].columns}


def scans(files: list[tuple[int, Path, dict[str, str] | None]]) -> list[list[tuple]]:
    """Runs of consecutive files (in file_id order) that one scan can read: each contract
    column of one type in all of them, or of the two INSTANTS types. Runs of one file are left
    out (load_file reads it); so is a file of None types."""
    runs: list[list[tuple]] = []
    current: list[tuple] = []
    seen: dict[str, set[str]] = {}
    for file_id, path, types in [*files, (None, None, None)]:
        fits = types is not None and all(
            {*seen.get(c, ()), t} <= INSTANTS or not seen.get(c) or seen[c] == {t}
            for c, t in types.items()
        )
        if not fits:
            if len(current) > 1:
                runs.append(current)
            current, seen = [], {}
        if types is not None:
            current.append((file_id, path, types))
            for c, t in types.items():
                seen.setdefault(c, set()).add(t)
    return runs


def read_parquet_together(
    con: duckdb.DuckDBPyConnection, kind: str, run: list[tuple[int, Path, dict[str, str]]]
) -> dict[int, int]:
    """Stage the rows of a run of Parquet files (scans()) in one scan; return the rows of each
    file, by file_id; {} when the scan fails.

    One file of one row group is decoded by one thread; a scan of many files by every core. The
    rows, their text, their order and their verdicts are those of reading the files one at a
    time (load_file): the files are consecutive, and a column that is a TIMESTAMP in one file
    and a TIMESTAMP WITH TIME ZONE in another gets each file's own text. When the scan fails
    none of its rows stay: load_file then reads each file alone, so that a bad file fails by
    itself, with its one-line error.
    """
    ids = [file_id for file_id, _, _ in run]
    variables: dict[str, object] = {
        "landing_files": [str(path) for _, path, _ in run],
        "landing_file_ids": ids,
    }
    select = []
    for c in CONTRACTS[kind].columns:
        present = {types[c] for _, _, types in run if c in types}
        if len(present) > 1:  # the two INSTANTS: a naive timestamp keeps its text
            variables[f"landing_naive_{c}"] = [types.get(c) == "TIMESTAMP" for _, _, types in run]
            select.append(
                f"case when getvariable('landing_naive_{c}')[(file_index + 1)::bigint] "
                f"then {_quote(c)}::timestamp::varchar else {_quote(c)}::varchar end as {c}"
            )
        elif present:
            select.append(f"{_quote(c)}::varchar as {c}")
        else:
            select.append(f"null::varchar as {c}")
    set_variables(con, **variables)
    # file_index is the file's place in the list: its file_id is at that place in the ids
    con.execute(
        f"create or replace temp view load_{kind} as "
        "select getvariable('landing_file_ids')[(file_index + 1)::bigint]::bigint as file_id, "
        f"file_row_number + 1 as line_number, {', '.join(select)} "
        "from read_parquet(getvariable('landing_files'), file_row_number = true, "
        "union_by_name = true)"
    )
    try:
        con.execute(f"insert into staged {read_sql(f'staging/stg_{kind}.sql')}")
    except duckdb.Error:
        con.execute("delete from staged where file_id between ? and ?", [min(ids), max(ids)])
        return {}
    counts = dict(
        con.execute(
            "select file_id, count(*) from staged where file_id between ? and ? group by file_id",
            [min(ids), max(ids)],
        ).fetchall()
    )
    return {file_id: counts.get(file_id, 0) for file_id in ids}


def load_file(
    con: duckdb.DuckDBPyConnection, kind: str, file_id: int, path: Path
) -> tuple[int | None, str | None]:
    """Append the rows of one file to temp table load_<kind>; return (rows read, error)."""
    is_parquet = path.name.lower().endswith(".parquet")
    if GLOB_CHARACTERS.intersection(str(path)):
        # DuckDB's readers take a path as a glob pattern: such a name could read other files
        return None, "cannot read the file: its path contains one of * ? [ ] { } (rename it)"
    try:
        if is_parquet:
            header = [
                row[0]
                for row in con.execute(
                    "describe select * from read_parquet(?)", [str(path)]
                ).fetchall()
            ]
        else:
            header = csv_header(path)
    except (duckdb.Error, OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        return None, f"cannot read the file: {_first_line(exc)}"

    try:
        unique, by_name = match_header(kind, header)
    except ValueError as exc:
        return None, str(exc)

    # The file, as text columns of the contract, is the view load_<kind>; the staging SQL judges
    # its rows straight into `staged`. The path and column names reach DuckDB as variables and
    # quoted identifiers, never as SQL text.
    select_list = _contract_columns(kind, by_name)
    set_variables(con, landing_file=str(path), landing_file_id=file_id)
    if is_parquet:
        source = (
            "file_row_number + 1 as line_number",
            "read_parquet(getvariable('landing_file'), file_row_number = true)",
        )
    else:
        set_variables(con, landing_columns={name: "VARCHAR" for name in unique})
        source = (
            "row_number() over () as line_number",
            "read_csv(getvariable('landing_file'), all_varchar = true, header = true, "
            "delim = ',', quote = '\"', escape = '\"', store_rejects = true, "
            "auto_detect = false, columns = getvariable('landing_columns'))",
        )
    con.execute(
        f"create or replace temp view load_{kind} as "
        f"select getvariable('landing_file_id')::bigint as file_id, {source[0]}, {select_list} "
        f"from {source[1]}"
    )
    try:
        if _has_table(con, "reject_errors"):
            con.execute("delete from reject_errors")
        rows = con.execute(f"insert into staged {read_sql(f'staging/stg_{kind}.sql')}").fetchone()[
            0
        ]
        malformed = 0 if is_parquet else _stage_malformed_lines(con, kind, file_id)
        if malformed:
            _renumber_after_malformed_lines(con, kind, file_id)
    except duckdb.Error as exc:
        con.execute("delete from staged where file_id = ?", [file_id])
        return None, f"cannot read the file: {_first_line(exc)}"
    return rows + malformed, None


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where table_name = ? and temporary", [name]
        ).fetchone()[0]
    )


def _stage_malformed_lines(con: duckdb.DuckDBPyConnection, kind: str, file_id: int) -> int:
    """Lines the CSV reader could not split into the header's columns wait for quarantine."""
    if not _has_table(con, "reject_errors"):
        return 0
    con.execute(
        """
        insert into malformed_lines
        select ?, ?, line - 1,
               json_object('line', any_value(csv_line),
                           'problem', string_agg(distinct error_message, '; '))::varchar
        from reject_errors
        group by line
        """,
        [kind, file_id],
    )
    count = con.execute("select count(distinct line) from reject_errors").fetchone()[0]
    con.execute("delete from reject_errors")
    return count


def _renumber_after_malformed_lines(con: duckdb.DuckDBPyConnection, kind: str, file_id: int):
    """Give the good rows their data line numbers: the reader numbered them skipping bad lines.

    The k-th good row sits on line k + j, j being the number of malformed lines before it; the
    i-th malformed line (on line m) comes before it exactly when m - i < k.
    """
    con.execute(
        """
        update staged
        set line_number = staged.line_number + (
            select count(*)
            from (
                select line_number - row_number() over (order by line_number) as good_before
                from malformed_lines
                where kind = ? and file_id = ?
            ) as malformed
            where malformed.good_before < staged.line_number
        )
        where staged.file_id = ?
        """,
        [kind, file_id, file_id],
    )


@dataclass
class FileOutcome:
    """What became of one new landing file in this run."""

    file_id: int
    kind: str
    path: str
    size_bytes: int
    modified_at: datetime
    content_sha256: str
    status: str  # ingested | failed | same_content
    rows_read: int | None = None
    error: str | None = None
    replaces: list[int] = field(default_factory=list)  # earlier versions at the same path


def _modified_at(stat: os.stat_result) -> datetime:
    """The file's modification time, to the microsecond DuckDB keeps."""
    return datetime.fromtimestamp(stat.st_mtime_ns // 1000 / 1e6, UTC)


def file_state(path: Path) -> tuple[str, int, datetime]:
    """(resolved path, size, modification time): a file with the state of a version read
    before is not hashed again."""
    stat = path.stat()
    return str(path.resolve()), stat.st_size, _modified_at(stat)


def stage_new_files(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    kind: str,
    before_reading: Callable[[], None] = lambda: None,
) -> list[FileOutcome]:
    """Load the rows of every new file of `kind` into load_<kind>; say what became of each file.

    A file whose content (sha256) was seen before is not read again: at the same path it is
    skipped silently; at another path it is reported as `same_content`. A file at a known path
    with new content replaces the earlier versions, unless it cannot be used (then it only fails
    itself and the earlier version stays); a `same_content` twin of a replaced version is then
    read in its place. Only temp tables are written: record_files() writes the warehouse,
    inside the run's transaction. `before_reading()` is called before each new file is read.
    """
    # `staged` gets the shape of the staging SQL's output, then load_<kind> becomes a view per file
    run_sql(con, "staging/load_tables.sql")
    con.execute(f"create or replace temp table staged as {read_sql(f'staging/stg_{kind}.sql')}")
    con.execute(f"drop table load_{kind}")
    current = con.execute(
        "select path, file_id, content_sha256, status, size_bytes, modified_at "
        "from file_manifest where kind = ? and status <> 'replaced' order by file_id",
        [kind],
    ).fetchall()
    # path, size and modification time of every version read: such a file is not hashed again
    unchanged = {(path, size, modified) for path, _, _, _, size, modified in current}
    current = [row[:4] for row in current]
    by_path: dict[str, list[tuple[int, str]]] = {}
    by_digest: dict[str, str] = {}  # content -> the path whose rows carry it
    for path, file_id, digest, status in current:
        by_path.setdefault(path, []).append((file_id, digest))
        if status != "same_content":
            by_digest.setdefault(digest, path)
    next_id = con.execute("select coalesce(max(file_id), 0) + 1 from file_manifest").fetchone()[0]
    outcomes: list[FileOutcome] = []
    replaced: set[int] = set()
    prefetched: dict[int, int] = {}  # file_id -> rows, of the files read together
    planned: dict[int, str] = {}  # file_id -> path, of the Parquet files with new content
    first_of_run: dict[int, list[tuple]] = {}  # file_id -> the run of files read with it

    def take(path: Path, resolved: str, digest: str, earlier: list[tuple[int, str]]) -> None:
        nonlocal next_id
        stat = path.stat()
        outcome = FileOutcome(
            next_id, kind, resolved, stat.st_size, _modified_at(stat), digest, "ingested"
        )
        if digest in by_digest:
            outcome.status, outcome.error = "same_content", f"same content as {by_digest[digest]}"
        else:
            mine = planned.get(next_id) == resolved  # the file its run read under this id
            if mine and next_id in first_of_run:
                before_reading()
                prefetched.update(read_parquet_together(con, kind, first_of_run.pop(next_id)))
            if mine and next_id in prefetched:
                outcome.rows_read = prefetched.pop(next_id)
            else:
                if prefetched.pop(next_id, None) is not None:  # another file's rows: not these
                    con.execute("delete from staged where file_id = ?", [next_id])
                before_reading()
                outcome.rows_read, outcome.error = load_file(con, kind, next_id, path)
                if outcome.error:
                    outcome.status = "failed"
        if outcome.status != "failed":
            outcome.replaces = [file_id for file_id, _ in earlier]
            replaced.update(outcome.replaces)
            for _, old in earlier:
                if by_digest.get(old) == resolved:
                    del by_digest[old]  # that content is no longer carried by this path
            earlier = []
        by_path[resolved] = [*earlier, (next_id, digest)]
        if outcome.status == "ingested":
            by_digest.setdefault(digest, resolved)
        outcomes.append(outcome)
        next_id += 1

    files = discover(landing, kind)
    show = sys.stderr.isatty() and len(files) > 1
    from tqdm import tqdm  # here: a run with nothing new never reads a file

    new_files: list[tuple[Path, str, str]] = []
    for path in tqdm(files, desc=f"reading {kind}", unit="file", disable=not show, leave=False):
        state = file_state(path)
        resolved = state[0]
        if state in unchanged:
            continue  # read in an earlier run, untouched since: not even hashed
        new_files.append((path, resolved, sha256_of(path)))

    # Runs of consecutive Parquet files with new content are read in one scan each
    # (read_parquet_together), when take() reaches the run's first file, under the file_ids that
    # take() gives them; take() then only counts their rows. The file_ids are known beforehand
    # when no path comes twice.
    if len({resolved for _, resolved, _ in new_files}) == len(new_files):
        carried, planned_id, order = set(by_digest), next_id, []
        for path, resolved, digest in new_files:
            if any(seen == digest for _, seen in by_path.get(resolved, [])):
                continue
            if path.name.lower().endswith(".parquet") and digest not in carried:
                planned[planned_id] = resolved
                order.append((planned_id, path, contract_types(con, kind, path)))
            else:
                order.append((planned_id, path, None))
            carried.add(digest)
            planned_id += 1
        for run in scans(order):
            first_of_run[run[0][0]] = run

    for path, resolved, digest in new_files:
        earlier = by_path.get(resolved, [])
        if any(seen == digest for _, seen in earlier):
            continue  # read in an earlier run: nothing new
        take(path, resolved, digest, earlier)
    if prefetched:  # read together, then found to be the same content as another file
        con.execute("delete from staged where list_contains(?, file_id)", [list(prefetched)])
        prefetched.clear()

    # A twin recorded as `same_content` of a version replaced in this run now carries the rows:
    # one from an earlier run is read as a new file, one from this run is read in place.
    for path, file_id, digest, status in current:
        twin = Path(path)
        if (
            status == "same_content"
            and file_id not in replaced
            and digest not in by_digest
            and twin.is_file()
            and sha256_of(twin) == digest
        ):
            take(twin, path, digest, [(file_id, digest)])
    for outcome in outcomes:
        if outcome.status == "same_content" and outcome.content_sha256 not in by_digest:
            outcome.rows_read, outcome.error = load_file(
                con, kind, outcome.file_id, Path(outcome.path)
            )
            outcome.status = "failed" if outcome.error else "ingested"
            if outcome.status == "ingested":
                by_digest[outcome.content_sha256] = outcome.path
    return outcomes


def record_files(
    con: duckdb.DuckDBPyConnection, outcomes: list[FileOutcome], run_id: str, now: datetime
) -> None:
    """Write the manifest rows and quarantine the malformed lines of this run's new files.

    Leaves temp table replaced_files: the earlier versions that this run's files replace.
    """
    con.execute("create or replace temp table replaced_files (file_id bigint)")
    for o in outcomes:
        for old in o.replaces:
            con.execute(
                "update file_manifest set status = 'replaced', error = ? where file_id = ?",
                [f"replaced by a newer version of the file (file_id {o.file_id})", old],
            )
            con.execute("insert into replaced_files values (?)", [old])
        con.execute(
            "insert into file_manifest (file_id, kind, path, size_bytes, modified_at, "
            "content_sha256, status, error, rows_read, run_id, ingested_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                o.file_id,
                o.kind,
                o.path,
                o.size_bytes,
                o.modified_at,
                o.content_sha256,
                o.status,
                o.error,
                o.rows_read,
                run_id,
                now,
            ],
        )
    con.execute(
        "insert into quarantine select kind, file_id, line_number, 'malformed CSV line', record, "
        "?, ? from malformed_lines",
        [run_id, now],
    )
    con.execute("delete from malformed_lines")
