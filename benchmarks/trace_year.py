"""How fast `recon trace` and `recon rules test` answer when the store holds a year of nights.

    python benchmarks/trace_year.py [--orders-per-day 100] [--base-nights 14] [--copies 26]
        [--runs 5] [--recon OTHER_INSTALL/bin/recon]

Reconciles `base-nights` generated nights for real, then stacks `copies` shifted copies of
every stored table (dates moved by whole blocks, every identifier suffixed, so each copy's
keys are distinct) into one DuckDB file: base-nights x (copies + 1) nights of realistic
rows. Prints the store's size, the median wall time of traces of each kind of key (in this
process, and as `recon trace KEY` whole processes, the way a person at a terminal waits for
it) and of a backtest over the last 30 nights. Not a test: figures for the README and the
issue.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb

from recon_assets.audit.backtest import backtest, stored_breaks
from recon_assets.audit.trace import trace_key
from recon_assets.generator import generate
from recon_assets.rules import AcceptedPolicy, AcceptedRule
from recon_assets.runner import materialize_night
from recon_assets.settings import DEFAULT_RULES_DIR, Settings
from recon_assets.stored import read_only_session

RECON = Path(sys.executable).parent / "recon"
START = date(2024, 1, 1)
DATES = ("recon_date", "business_date", "first_seen", "a_last_date", "b_last_date", "start_date")
IDS = (
    "key", "break_id", "record_id", "entity_key", "record_key", "mapped_key", "order_id",
    "order_ref", "event_id", "txn_id", "psp_reference", "settlement_line_id", "payout_id",
    "shipment_id", "entry_id", "reference", "run_id",
)  # fmt: skip


def reconcile_base(root: Path, orders_per_day: int, nights: int) -> Settings:
    settings = dataclasses.replace(
        Settings.from_env(),
        home=root / "home",
        landing_dir=root / "landing",
        rules_dir=DEFAULT_RULES_DIR,
        warehouse="duckdb",
        start_date=START.isoformat(),
    )
    generate(settings.landing_dir, START, nights, orders_per_day, 7)
    instance = dg.DagsterInstance.ephemeral()
    for i in range(nights):
        materialize_night(settings, (START + timedelta(days=i)).isoformat(), instance=instance)
    return settings


def stack_copies(database: Path, block_days: int, copies: int) -> None:
    """Append shifted copies of every table: a year of nights from a fortnight."""
    con = duckdb.connect(str(database))
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    for table in tables:
        columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        for copy in range(1, copies + 1):
            shifted = []
            for c in columns:
                if c in DATES:
                    shifted.append(f"{c} + INTERVAL {copy * block_days} DAY AS {c}")
                elif c in IDS:
                    shifted.append(f"{c} || '-{copy}' AS {c}")
                else:
                    shifted.append(c)
            block = "recon_date" if "recon_date" in columns else "business_date"
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT {', '.join(shifted)} FROM {table} "
                f"WHERE {block} < DATE '{START + timedelta(days=block_days)}'"
            )
    con.execute("CHECKPOINT")
    con.close()


def timed(action, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def process_times(command: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the command's process: on a
    shared machine the wall time waits for a core, the CPU time is what it would take alone."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def recon_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECON_")}
    return env | {"RECON_HOME": str(settings.home), "RECON_START_DATE": START.isoformat()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders-per-day", type=int, default=100)
    parser.add_argument("--base-nights", type=int, default=14)
    parser.add_argument("--copies", type=int, default=26)
    parser.add_argument("--runs", type=int, default=5, help="whole-process runs per key")
    parser.add_argument(
        "--recon", type=Path, action="append", help="another install's `recon` to time too"
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="recon-bench-"))
    try:
        began = time.perf_counter()
        settings = reconcile_base(root, args.orders_per_day, args.base_nights)
        print(f"reconciled {args.base_nights} nights in {time.perf_counter() - began:.1f} s")
        stack_copies(settings.duckdb_path, args.base_nights, args.copies)
        database = settings.duckdb_path
        with read_only_session(database) as session:
            nights = session.query("SELECT COUNT(DISTINCT recon_date) AS n FROM leg_facts")
            print(f"store: {nights['n'].iloc[0]} nights, {database.stat().st_size / 1e6:.0f} MB")
            for table in ("storefront_orders", "ledger_entries", "fact_records", "leg_facts",
                          "classified_variances", "classified_variances_history"):  # fmt: skip
                n = session.query(f"SELECT COUNT(*) AS n FROM {table}")["n"].iloc[0]
                print(f"  {table}: {n:,} rows")
            sample = session.query(
                "SELECT s.order_id, p.psp_reference, st.payout_id FROM storefront_orders s "
                "JOIN processor_transactions p ON p.order_ref = s.order_id "
                "JOIN processor_settlements st ON st.psp_reference = p.psp_reference "
                "WHERE s.order_id LIKE '%-13' LIMIT 1"
            ).iloc[0]
            store_day = session.query(
                "SELECT 'POS:' || store_id || ':' || strftime(business_date, '%Y-%m-%d') AS k "
                "FROM pos_transactions ORDER BY business_date DESC LIMIT 1"
            )["k"].iloc[0]
            for label, key in [
                ("order", sample["order_id"]),
                ("psp reference", sample["psp_reference"]),
                ("payout", sample["payout_id"]),
                ("POS store-day", store_day),
            ]:
                ms = timed(lambda key=key: trace_key(session, key))
                print(f"trace {label:14} {key:28} median {ms:7.1f} ms in process")
                for recon in [RECON, *(args.recon or [])]:
                    command = [str(recon), "trace", key]
                    wall, cpu = process_times(command, recon_env(settings), args.runs)
                    print(f"  {recon}: median of {args.runs}: wall {wall:.2f} s, CPU {cpu:.2f} s")
            last = session.query("SELECT MAX(recon_date) AS d FROM leg_facts")["d"].iloc[0].date()
            rule = AcceptedRule(id="bench", reason="x", owner="o", check="sale_vs_shipment")
            ms = timed(
                lambda: backtest(
                    stored_breaks(session, last - timedelta(days=29), last),
                    [(rule, "bench")],
                    AcceptedPolicy(),
                ),
                repeat=3,
            )
            print(f"rules test over the last 30 nights: median {ms:.0f} ms")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
