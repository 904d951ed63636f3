"""Reconciliation throughput: generated nights through the engine, figures printed.

    python benchmarks/reconcile_bench.py [--orders 2000] [--nights 7]

Times loading, matching and classification per night on the embedded DuckDB (the same code
the assets run, without Dagster's run bookkeeping), and shows that a night's cost follows
that night's records and open items rather than the number of nights stored.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from recon_assets.generator import generate
from recon_assets.reconciliation.assets import classify_and_store
from recon_assets.reconciliation.matching import run_matching
from recon_assets.rules import load_rules
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets.sources.catalog import SOURCES
from recon_assets.sources.resource import LandingSource
from recon_assets.warehouse_duckdb import DuckDBWarehouse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2000, help="sales per day")
    parser.add_argument("--nights", type=int, default=7)
    args = parser.parse_args()
    rules = load_rules(DEFAULT_RULES_DIR)
    start = date(2026, 1, 5)
    with tempfile.TemporaryDirectory() as folder:
        landing = Path(folder) / "landing"
        t0 = time.perf_counter()
        summary = generate(landing, start, args.nights, args.orders, seed=1)
        print(
            f"generated {sum(summary.rows.values()):,} records in {time.perf_counter() - t0:.1f}s"
        )
        warehouse = DuckDBWarehouse(database=str(Path(folder) / "recon.duckdb"))
        source = LandingSource(landing_dir=str(landing))
        print(f"{'night':<12}{'records':>9}{'load s':>8}{'match s':>9}{'classify s':>11}"
              f"{'breaks':>8}{'records/s':>11}")  # fmt: skip
        for n in range(args.nights):
            night = start + timedelta(days=n)
            with warehouse.session() as session, session.transaction():
                t0 = time.perf_counter()
                records = 0
                for spec in SOURCES:
                    frame = source.read(spec, night.isoformat()).frame
                    records += len(frame)
                    session.replace_partition(spec.name, {"business_date": night}, frame)
                t1 = time.perf_counter()
                run_matching(session, rules, night)
                t2 = time.perf_counter()
                breaks = classify_and_store(session, rules, night)
                t3 = time.perf_counter()
            print(
                f"{night.isoformat():<12}{records:>9,}{t1 - t0:>8.2f}{t2 - t1:>9.2f}"
                f"{t3 - t2:>11.2f}{len(breaks):>8,}{records / (t3 - t0):>11,.0f}"
            )


if __name__ == "__main__":
    main()
