"""The warehouse layer: the project's vocabulary, the DuckDB resource, the SQL runner, publishing.

Everything above it (dashboards, assets, checks, pipelines) imports from here; this package
imports nothing of the project.
"""
