"""A night is all or nothing (issue 10): a real `recon run` process killed with SIGKILL at
several points leaves the store byte for byte as it was, and the re-run gives what a clean
run gives."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from recon_assets_tests.test_operator_mistakes import N3, Store, _store_in, template  # noqa: F401

# Columns that name the run or the wall clock: the same night run twice differs only there.
RUN_COLUMNS = {"run_id", "recorded_at"}


def dump(store: Store) -> dict[str, object]:
    """Every stored row of every table (sorted, run ids and times left out) and every report
    file: the whole stored state a reader can see. Opened for writing, as the next run opens
    it: DuckDB then replays what a killed process committed to its write-ahead log (a
    read-only connection would not)."""
    with duckdb.connect(str(store.home / "recon.duckdb")) as con:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
        ).fetchall()
        out: dict[str, object] = {}
        for (table,) in tables:
            info = con.execute(f"SELECT name FROM pragma_table_info('{table}')").fetchall()
            columns = ", ".join(f'"{c}"' for (c,) in info if c not in RUN_COLUMNS)
            rows = con.execute(f'SELECT {columns} FROM "{table}"').fetchall()
            out[table] = sorted(map(repr, rows))
    for path in sorted((store.home / "reports").iterdir()):
        out[path.name] = path.read_bytes()
    return out


def copy_of(template: Store, root: Path) -> Store:  # noqa: F811
    shutil.copytree(template.root, root, symlinks=True)
    return _store_in(root)


def recon(store: Store, *args: str) -> subprocess.Popen[str]:
    executable = Path(sys.executable).parent / "recon"
    env = {**os.environ, **store.env()}
    for name in ("SLACK_BOT_TOKEN", "RECON_NARRATOR"):
        env.pop(name, None)
    return subprocess.Popen(
        [str(executable), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def kill_when(store: Store, step: str, *args: str) -> None:
    """Start `recon ARGS` and SIGKILL it as soon as Dagster's event log says its run's `step`
    has started."""
    instance = dg.DagsterInstance.from_config(str(store.home / "dagster"))
    earlier = {run.run_id for run in instance.get_runs()}
    process = recon(store, *args)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the run ended before {step} started: " + str(
            process.communicate()[0]
        )
        runs = [run for run in instance.get_runs(limit=1) if run.run_id not in earlier]
        if runs and step in {
            r.event_log_entry.step_key
            for r in instance.get_records_for_run(
                runs[0].run_id, of_type=dg.DagsterEventType.STEP_START
            ).records
        }:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return
        time.sleep(0.01)
    raise AssertionError(f"{step} did not start")


@pytest.fixture(scope="module")
def clean_run(template: Store, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    """Night three reconciled once, without a kill: what every re-run must give."""
    store = copy_of(template, tmp_path_factory.mktemp("clean") / "store")
    done = recon(store, "run", "--date", N3)
    assert done.wait(timeout=900) == 0, done.communicate()[0]
    return dump(store)


@pytest.mark.parametrize(
    "step",
    [
        "ledger_entries",  # while the sources load
        "matched_ledger",  # the sources loaded
        "classified_variances",  # matched
        "exception_report",  # classified, the report being built
    ],
)
def test_a_killed_run_leaves_the_store_as_it_was_and_a_rerun_equals_a_clean_run(
    template: Store,  # noqa: F811
    clean_run: dict[str, object],
    tmp_path: Path,
    step: str,
) -> None:
    store = copy_of(template, tmp_path / "store")
    before = dump(store)
    kill_when(store, step, "run", "--date", N3)
    assert dump(store) == before

    rerun = recon(store, "run", "--date", N3)
    assert rerun.wait(timeout=900) == 0, rerun.communicate()[0]
    assert dump(store) == clean_run
    with duckdb.connect(str(store.home / "recon.duckdb")) as con:
        schemas = con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()
    # The killed run's staging went with the re-run.
    assert not [s for (s,) in schemas if s.startswith("run_")]
