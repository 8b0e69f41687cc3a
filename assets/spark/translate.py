"""The SQL of sql/ as Spark SQL: one source of truth, written in DuckDB's dialect, translated.

sqlglot translates the dialect; this module adds what a dialect translation cannot know:
- the macros of sql/macros.sql are inlined (Spark SQL has no macros), so a formula such as
  wilson_low or metric_rates, or an ingestion rule such as latest_appeal_states, exists once, in
  macros.sql (a table macro becomes a subquery over the tables it is given);
- getvariable('name') becomes the named parameter :name, bound by spark.sql(args=...): values
  are never SQL text, on either engine;
- the DuckDB functions with another name or shape in Spark are rewritten (REWRITES below).

What cannot be translated is refused, with the reason, by UNTRANSLATABLE: one place, tested.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp

from warehouse.runner import read_sql


class UntranslatableSQL(ValueError):
    """A DuckDB construct with no Spark SQL translation; the message names the file and why."""


# DuckDB constructs that have no Spark translation, and why. The translator refuses a query
# using one (tests/test_spark.py holds one example per entry). The Spark engine never needs them:
# they live in DuckDB-only SQL (incremental merges, the long-form alert views).
UNTRANSLATABLE: dict[str, str] = {
    "query_table": "DuckDB's query_table() outside a table macro: the table macros of "
    "macros.sql are inlined, as subqueries over their arguments",
    "unpivot": "DuckDB's multi-column UNPIVOT (metric_values) has no Spark form; alerts stay on "
    "DuckDB",
    "rowid": "DuckDB's physical row id: the incremental merges update rows in place; Spark "
    "runs the batch SQL of sql/batch/",
    "columns": "DuckDB's COLUMNS(*) star expression: only struct_pack(*columns(t.* exclude "
    "(...))) is rewritten, with the load table's known columns",
}


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...]
    body: exp.Expression  # the expression, or the query of a table macro
    is_table: bool


_MACRO = re.compile(
    r"create\s+or\s+replace\s+macro\s+(\w+)\s*\(([^)]*)\)\s+as\s+(table\s+)?(.*)",
    re.IGNORECASE | re.DOTALL,
)


def _statements(sql: str) -> list[str]:
    """The statements of a SQL file, comments dropped (they never hold a semicolon here)."""
    text = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in text.split(";") if s.strip()]


@cache
def macros() -> dict[str, Macro]:
    """Every macro of sql/macros.sql, parsed once."""
    found: dict[str, Macro] = {}
    for statement in _statements(read_sql("macros.sql")):
        match = _MACRO.fullmatch(statement)
        if not match:
            raise UntranslatableSQL(f"macros.sql: not a macro definition: {statement[:60]}")
        name, params, is_table, body = match.groups()
        parsed = (
            sqlglot.parse_one(body, read="duckdb")
            if is_table
            else sqlglot.parse_one(f"select {body}", read="duckdb").expressions[0]
        )
        found[name.lower()] = Macro(
            name.lower(),
            tuple(p.strip().lower() for p in params.split(",") if p.strip()),
            parsed,
            bool(is_table),
        )
    return found


def _function_name(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return None


def _substitute(body: exp.Expression, values: Mapping[str, exp.Expression]) -> exp.Expression:
    """The macro body with each unqualified parameter column replaced by its argument."""

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name.lower() in values:
            return exp.Paren(this=values[node.name.lower()].copy())
        return node

    return body.copy().transform(replace)


def _inline_scalar_macros(tree: exp.Expression) -> exp.Expression:
    scalar = {name: m for name, m in macros().items() if not m.is_table}

    def replace(node: exp.Expression) -> exp.Expression:
        name = _function_name(node)
        if name in scalar and isinstance(node, exp.Anonymous):
            macro = scalar[name]
            args = node.expressions
            if len(args) != len(macro.params):
                raise UntranslatableSQL(f"{name}() takes {len(macro.params)} arguments")
            # the body may call other macros: inline those too
            return _inline_scalar_macros(
                _substitute(macro.body, dict(zip(macro.params, args, strict=True)))
            )
        return node

    return tree.transform(replace)


def _inline_table_macros(tree: exp.Expression) -> exp.Expression:
    """Each call of a table macro -> its query as a subquery, every query_table(parameter) in it
    reading the table given for that parameter (under the alias the macro gives it)."""
    table_macros = {name: m for name, m in macros().items() if m.is_table}

    def replace(node: exp.Expression) -> exp.Expression:
        if not (isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous)):
            return node
        name = str(node.this.this).lower()
        macro = table_macros.get(name)
        if macro is None:
            return node
        args = node.this.expressions
        if len(args) != len(macro.params) or not all(isinstance(a, exp.Column) for a in args):
            raise UntranslatableSQL(f"{name}() takes {len(macro.params)} table names")
        tables = dict(zip(macro.params, (a.name for a in args), strict=True))
        body = macro.body.copy()
        for read in list(body.find_all(exp.Table)):
            call = read.this
            if isinstance(call, exp.Anonymous) and str(call.this).lower() == "query_table":
                (param,) = call.expressions
                table = exp.to_table(tables[param.name.lower()])
                if read.args.get("alias"):
                    table.set("alias", read.args["alias"])
                read.replace(table)
        alias = node.alias or name
        # the body may call other table macros: inline those too
        return exp.Subquery(
            this=_inline_table_macros(body), alias=exp.TableAlias(this=exp.to_identifier(alias))
        )

    return tree.transform(replace)


def _refuse(tree: exp.Expression, where: str) -> None:
    for node in tree.walk():
        name = _function_name(node)
        if isinstance(node, exp.Columns):
            name = "columns"
        if isinstance(node, exp.Pivot) and node.args.get("unpivot"):
            name = "unpivot"
        if isinstance(node, exp.Column) and node.name.lower() == "rowid":
            name = "rowid"
        if name in UNTRANSLATABLE:
            raise UntranslatableSQL(f"{where}: {name}: {UNTRANSLATABLE[name]}")


def _struct_of_columns(columns: Mapping[str, Sequence[str]]) -> Callable:
    """struct_pack(*columns(t.* exclude (a, b))) -> struct(t.c AS c, ...) for a known table."""

    def replace(node: exp.Expression) -> exp.Expression:
        if not (isinstance(node, exp.Struct) and len(node.expressions) == 1):
            return node
        inner = node.expressions[0]
        if not (isinstance(inner, exp.Columns) and isinstance(inner.this, exp.Column)):
            return node
        star = inner.this
        table = star.table
        source = columns.get(table)
        if not isinstance(star.this, exp.Star) or source is None:
            return node
        excluded = {c.name.lower() for c in (star.this.args.get("except_") or [])}
        kept = [c for c in source if c.lower() not in excluded]
        return exp.Struct(expressions=[exp.alias_(exp.column(c, table=table), c) for c in kept])

    return replace


def _rewrite_for_spark(node: exp.Expression) -> exp.Expression:
    name = _function_name(node)
    if name == "getvariable" and isinstance(node, exp.Anonymous):
        (arg,) = node.expressions
        return exp.Placeholder(this=arg.name)
    if name == "regexp_full_match":
        # Spark's RLIKE matches anywhere: anchor the whole pattern
        text, pattern = node.this, node.expression
        # (\\z: Java's $ would also match before a final line break)
        return exp.RegexpLike(this=text, expression=exp.Literal.string(f"^(?:{pattern.name})\\z"))
    if isinstance(node, exp.TryCast) and node.to.is_type("timestamptz", "timestamp"):
        # Spark's timestamp cast refuses a lowercase 't' or 'z', and a zone after hh:mm with no
        # seconds, both of which DuckDB's accepts
        node = node.copy()
        node.set(
            "this",
            exp.RegexpReplace(
                this=exp.Upper(this=node.this),
                expression=exp.Literal.string(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})(?=[Z+-])"),
                replacement=exp.Literal.string("$1:00"),
            ),
        )
        return node
    if name == "isfinite" and isinstance(node, exp.Anonymous):
        # NaN compares above every double in Spark, so it is not below infinity either
        (value,) = node.expressions
        return exp.LT(
            this=exp.Abs(this=value),
            expression=exp.cast(exp.Literal.string("Infinity"), "double"),
        )
    if name == "hash" and isinstance(node, exp.Anonymous):
        # Spark's hashes skip NULL arguments: hash(a, NULL, b) = hash(a, b, NULL). The NULL
        # pattern is hashed too, so that moving a value between columns makes another version.
        args = node.expressions
        nulls = exp.Array(expressions=[exp.Is(this=a.copy(), expression=exp.Null()) for a in args])
        return exp.Anonymous(this="xxhash64", expressions=[*args, nulls])
    if isinstance(node, exp.JSONObject):
        # json_object('k', v, ...) -> to_json(named_struct('k', v, ...))
        pairs: list[exp.Expression] = []
        for kv in node.expressions:
            pairs.extend([kv.this, kv.expression])
        return exp.Anonymous(
            this="to_json", expressions=[exp.Anonymous(this="named_struct", expressions=pairs)]
        )
    if isinstance(node, exp.Grouping) and len(node.expressions) > 1:
        # DuckDB's grouping(a, b) is the bit mask grouping(a) * 2 + grouping(b); Spark's
        # grouping() takes one column (and its grouping_id() every grouping column)
        args = node.expressions
        terms = [
            exp.Mul(
                this=exp.Grouping(expressions=[a.copy()]),
                expression=exp.Literal.number(2 ** (len(args) - 1 - i)),
            )
            for i, a in enumerate(args)
        ]
        total = terms[0]
        for term in terms[1:]:
            total = exp.Add(this=total, expression=term)
        return exp.Paren(this=total)
    return node


def _body(tree: exp.Expression) -> exp.Expression:
    """A view definition's query (CREATE VIEW x AS <query>), or the query itself."""
    if isinstance(tree, exp.Create):
        return tree.expression
    return tree


def translate(
    sql: str, where: str = "query", columns: Mapping[str, Sequence[str]] | None = None
) -> str:
    """One DuckDB query (or view definition) as Spark SQL; raises UntranslatableSQL."""
    statements = sqlglot.parse(sql, read="duckdb")
    if len(statements) != 1:
        raise UntranslatableSQL(f"{where}: one query expected, found {len(statements)}")
    tree = _body(statements[0])
    tree = _inline_table_macros(tree)
    tree = _inline_scalar_macros(tree)
    tree = tree.transform(_struct_of_columns(columns or {}))
    _refuse(tree, where)
    tree = tree.transform(_rewrite_for_spark)
    return tree.sql(dialect="spark")


def translate_file(name: str, columns: Mapping[str, Sequence[str]] | None = None) -> str:
    """sql/<name> (one query or one view definition) as Spark SQL."""
    return translate(read_sql(name), where=f"sql/{name}", columns=columns)
