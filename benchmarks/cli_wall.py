"""How long the read-only `recon` commands take, whole process, on a year of stored nights.

    python benchmarks/cli_wall.py [--home DIR] [--runs 7] [--recon PATH]

Builds the year once into --home (as trace_year.py does: 14 generated nights reconciled for
real, stacked 26 times with shifted dates and suffixed identifiers: 378 nights), then runs
each command `--runs` times as its own process, the way a person at a terminal does, and
prints the median wall and CPU time (--recon: another install's `recon`, e.g. the main branch's, on
the same store). Not a test: figures for the README and the issue.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import duckdb
from trace_year import RECON, START, process_times, reconcile_base, stack_copies

BASE_NIGHTS, COPIES, ORDERS_PER_DAY = 14, 26, 100


def build_year(home: Path) -> None:
    settings = reconcile_base(home.parent, ORDERS_PER_DAY, BASE_NIGHTS)
    assert settings.home == home, (settings.home, home)
    stack_copies(settings.duckdb_path, BASE_NIGHTS, COPIES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path(".recon") / "bench-year" / "home")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--recon", type=Path, default=RECON)
    args = parser.parse_args()
    home = args.home.resolve()
    if not (home / "recon.duckdb").exists():
        began = time.perf_counter()
        build_year(home)
        print(f"built the year in {time.perf_counter() - began:.0f} s")
    con = duckdb.connect(str(home / "recon.duckdb"), read_only=True)
    [(nights, last)] = con.execute(
        "SELECT COUNT(DISTINCT recon_date), MAX(recon_date) FROM leg_facts"
    ).fetchall()
    [(order, payout)] = con.execute(
        "SELECT s.order_id, st.payout_id FROM storefront_orders s "
        "JOIN processor_transactions p ON p.order_ref = s.order_id "
        "JOIN processor_settlements st ON st.psp_reference = p.psp_reference "
        "ORDER BY s.business_date DESC, s.order_id LIMIT 1"
    ).fetchall()
    con.close()
    print(f"store: {home / 'recon.duckdb'}, {nights} nights, last {last}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECON_")}
    env |= {"RECON_HOME": str(home), "RECON_START_DATE": START.isoformat()}
    commands = {
        "recon --help": ["--help"],
        f"recon trace {order}": ["trace", order],
        f"recon trace {payout}": ["trace", payout],
        f"recon exceptions --date {last}": ["exceptions", "--date", str(last)],
        f"recon report --date {last}": ["report", "--date", str(last)],
        "recon rules expiring": ["rules", "expiring"],
    }
    for label, command in commands.items():
        wall, cpu = process_times([str(args.recon), *command], env, args.runs)
        print(f"{label:44} median of {args.runs}: wall {wall:5.2f} s, CPU {cpu:5.2f} s")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
