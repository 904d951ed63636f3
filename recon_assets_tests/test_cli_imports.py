"""The command line answers at once: `recon --help` and the commands that only read (trace,
exceptions, report, accept, rules, convert) import neither Dagster nor the asset graph.

Each command runs in a fresh interpreter, as `recon` does, on a reconciled night, and the
modules it loaded are then listed: an import of Dagster anywhere on its path fails here."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from recon_assets.cli import COMMANDS, app
from recon_assets.rules import load_rules
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets_tests.books import Books, day, reconcile

# Runs `recon ARGS...` in this interpreter and prints the modules it loaded, whatever the
# command's outcome.
RUN_AND_LIST = """
import json, sys
from recon_assets.cli import app
try:
    app(sys.argv[1:], prog_name="recon")
except SystemExit:
    pass
print("\\n" + json.dumps(sorted(sys.modules)))
"""
# The graph: what materialises nights, and what Dagster would load to show them.
GRAPH = ("recon_assets.definitions", "recon_assets.runner", "recon_assets.resources")


def loaded(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def dagster_or_graph(modules: set[str]) -> list[str]:
    return sorted(
        m
        for m in modules
        if m.split(".")[0] in ("dagster", "dagster_duckdb", "dagster_gcp", "dagster_webserver")
        or m in GRAPH
        or m.endswith(".assets")
    )


@pytest.fixture
def reconciled(settings, warehouse):
    """One reconciled night with an open break on order 1001 (the test process may use
    Dagster: the commands run in their own)."""
    books = Books()
    books.web_sale(day(1), "1001")
    books.drop("oms_orders", day(1), order_id="1001")
    books.write(settings.landing_dir, 1)
    reconcile(warehouse, settings.landing_dir, load_rules(DEFAULT_RULES_DIR), 1)
    return day(1).isoformat()


def test_importing_the_command_line_and_its_help_load_neither_dagster_nor_pandas():
    for modules in (loaded("--help"), loaded()):
        assert not dagster_or_graph(modules)
        assert not {"pandas", "pandera", "duckdb", "sqlglot"} & modules


@pytest.mark.parametrize(
    "args",
    [
        ["trace", "1001"],
        ["trace", "1001", "--format", "json"],
        ["exceptions", "--date", "{night}"],
        ["report", "--date", "{night}"],
        ["rules", "expiring"],
        ["rules", "test", "--start", "{night}", "--end", "{night}"],
        ["accept", "brk_unknown", "--reason", "a test"],
        ["convert", "--format", "stripe-payouts", "--input", "missing.csv"],
        ["trace", "no-such-key"],  # a refusal, explained in one line
    ],
)
def test_a_command_that_only_reads_loads_neither_dagster_nor_the_graph(reconciled, args):
    modules = loaded(*(arg.format(night=reconciled) for arg in args))
    assert "recon_assets.settings" in modules  # the command did run
    assert not dagster_or_graph(modules), args


def test_a_trace_loads_no_rules_and_no_pandera(reconciled):
    modules = loaded("trace", "1001")
    assert "recon_assets.audit.trace" in modules
    assert not {"pandera", "recon_assets.rules", "recon_assets.sources.catalog"} & modules


@pytest.mark.parametrize("args", [["trace", "1001"], ["trace", "1001", "--format", "json"]])
def test_a_trace_runs_the_stored_sql_without_pandas_or_sqlglot(reconciled, args):
    """A trace answers in plain rows from the files as stored (DuckDB's dialect): the ~1 s
    pandas and sqlglot take to import is most of what a person would wait."""
    modules = loaded(*args)
    assert "recon_assets.audit.trace" in modules
    assert not {"pandas", "sqlglot", "numpy", "pyarrow"} & modules


def test_the_commands_that_materialise_do_load_the_graph():
    """The boundary test above can fail: `run` loads what it materialises."""
    assert {"dagster", "recon_assets.definitions"} <= loaded("run", "--help")


def test_a_run_on_duckdb_loads_no_google_client_library(settings):
    """Google's libraries (0.4 s a process) load only for a BigQuery store."""
    books = Books()
    books.web_sale(day(1), "1001")
    books.write(settings.landing_dir, 1)
    modules = loaded("run", "--date", day(1).isoformat())
    assert "recon_assets.reconciliation.matching" in modules  # the night was matched
    google = ("google.cloud", "google.api_core", "google.auth", "dagster_gcp")
    assert not {m for m in modules if m.startswith(google)}
    assert "recon_assets.staging_bigquery" not in modules


def test_the_help_lists_every_command_with_the_first_line_of_its_own_help():
    listing = CliRunner().invoke(app, ["--help"])
    assert listing.exit_code == 0, listing.output
    for name, command in COMMANDS.items():
        assert f" {name} " in listing.output
        own = command.load(name).help or ""
        assert " ".join(own.split("\n\n")[0].split()) == command.summary, name
