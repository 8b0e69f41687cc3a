"""Command-line mistakes: one line naming the mistake and the commands, exit 2."""

import pytest

from conftest import cli

pytestmark = pytest.mark.usefixtures("isolated_settings")

COMMANDS = (
    "commands: run, sql, drivers, generate, validate, dashboards, export, alerts, cases, quality, "
    "demo "
    "(`modmetrics COMMAND --help` for one's options)"
)


def test_an_unknown_command_gets_one_line_and_the_commands(tmp_path) -> None:
    assert cli("rnu", cwd=tmp_path) == (
        2,
        "",
        f"modmetrics: error: unknown command 'rnu'; {COMMANDS}\n",
    )


def test_an_unknown_option_gets_one_line_and_the_commands(tmp_path) -> None:
    assert cli("run", "--landng", "x", cwd=tmp_path) == (
        2,
        "",
        f"modmetrics: error: unknown arguments: --landng x; {COMMANDS}\n",
    )
    assert cli("sql", "--bogus", "select 1", cwd=tmp_path) == (
        2,
        "",
        f"modmetrics: error: unknown option --bogus; {COMMANDS}\n",
    )


def test_no_command_gets_one_line_and_the_commands(tmp_path) -> None:
    assert cli(cwd=tmp_path) == (2, "", f"modmetrics: error: no command given; {COMMANDS}\n")


def test_a_bad_value_names_the_command_and_its_help(tmp_path) -> None:
    assert cli("run", "--engine", "pandas", cwd=tmp_path) == (
        2,
        "",
        "modmetrics: error: run: argument --engine: invalid choice: 'pandas' (choose from "
        "'duckdb', 'spark') (`modmetrics run --help` for its options)\n",
    )
