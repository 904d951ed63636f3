"""Time reading and validating one night's seven landing files (rows, seconds, rows/s).

Generates the night with ../shared/bench/gen_big.py (Parquet), optionally writes the same rows
as CSV too, then reads every file with the landing reader in this process:

    .venv/bin/python benchmarks/landing_bench.py --orders 100000 [--csv] [--data DIR]

Peak RSS is this process's high-water mark (generation and CSV conversion run in children).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recon_assets.sources.catalog import SOURCES
from recon_assets.sources.landing import parse_landing_file

CHECKOUT = Path(__file__).resolve().parents[1]
GEN_BIG = CHECKOUT.parent / "shared" / "bench" / "gen_big.py"
# Each Parquet file rewritten as CSV beside it, by DuckDB, in a child process; instants in UTC
# with a full offset, as the landing contract wants them.
TO_CSV = """
import sys, duckdb, pathlib
duckdb.sql("SET TimeZone = 'UTC'")
for p in pathlib.Path(sys.argv[1]).glob("*/*.parquet"):
    duckdb.sql(f"COPY (SELECT * FROM '{p}') TO '{p.with_suffix('.csv')}' "
               "(HEADER, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S.%f+00:00')")
"""


def generate(out: Path, orders: int) -> None:
    command = [sys.executable, str(GEN_BIG), "--out", str(out), "--orders", str(orders)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def read_all(data: Path, suffix: str) -> list[tuple[str, int, float]]:
    """(source, rows, seconds) of reading and validating each source's file."""
    timings = []
    for spec in SOURCES:
        [path] = sorted((data / spec.name).glob(f"*{suffix}"))
        start = time.perf_counter()
        frame = parse_landing_file(path, spec)
        timings.append((spec.name, len(frame), time.perf_counter() - start))
    return timings


def print_table(title: str, timings: list[tuple[str, int, float]]) -> None:
    print(f"\n{title}\n{'source':<24}{'rows':>10}{'seconds':>10}{'rows/s':>12}")
    total_rows = sum(r for _, r, _ in timings)
    total_seconds = sum(s for _, _, s in timings)
    for name, rows, seconds in [*timings, ("total", total_rows, total_seconds)]:
        print(f"{name:<24}{rows:>10,}{seconds:>10.2f}{rows / seconds:>12,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--data", type=Path, help="generate into (or reuse) this folder")
    parser.add_argument("--csv", action="store_true", help="also time the same rows as CSV")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="landing_bench_") as scratch:
        data = args.data or Path(scratch)
        if not (data / "manifest.json").exists():
            generate(data, args.orders)
        if args.csv:
            subprocess.run([sys.executable, "-c", TO_CSV, str(data)], check=True)
        print_table(f"Parquet, {args.orders:,} orders", read_all(data, ".parquet"))
        if args.csv:
            print_table(f"CSV, {args.orders:,} orders", read_all(data, ".csv"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"\npeak RSS of the reading process: {peak:.2f} GB")


if __name__ == "__main__":
    main()
