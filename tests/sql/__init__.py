"""Unit tests of single SQL files and macros: given rows, expected rows, no Dagster.

A package, so that its conftest.py is the module sql.conftest and does not take the place of
tests/conftest.py, which the modules of tests/ import as `conftest`.
"""
