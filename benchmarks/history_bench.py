"""A night with a year behind it against a first night, on data whose breaks resolve.

    python benchmarks/history_bench.py [--orders 1000] [--nights 365] [--repeat 2]

Generates `--nights` + 1 business dates with the product's own generator and no injected
errors, so the night's breaks are the timing ones of a retailer whose books tie (settlements,
shipments and postings a day or two late, resolved when they arrive). The last date is the
night. Its `--nights` before are reconciled in one store (`recon backfill`, a month a run,
timed), and the lookback window's nights plus five in another; then the night is timed, each
as a whole `recon run` on a copy of its store (`--repeat` times): as a first night (nothing
stored), with the window behind it, and with every night behind it. Issue 16: a year of stored
nights must not raise a night's peak RSS (memory bounded by the night, not the history).
scale_bench.py --history-days measures the other case: the bench's injected breaks are never
resolved, so there the open breaks, and the night, grow with the history.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import duckdb
from scale_bench import RECON, product_env, step_seconds, timed

from recon_assets.generator.build import generate
from recon_assets.rules import load_rules
from recon_assets.settings import DEFAULT_RULES_DIR

NIGHT = date(2025, 7, 1)


def night_breaks(home: Path, night: date) -> int:
    with duckdb.connect(str(home / "recon.duckdb"), read_only=True) as con:
        query = "SELECT COUNT(*) FROM classified_variances WHERE recon_date = $d"
        return con.execute(query, {"d": night}).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000, help="web and POS sales a day")
    parser.add_argument("--nights", type=int, default=365, help="nights stored before the night")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="history_bench_"))
    landing, logs = scratch / "landing", scratch / "logs"
    logs.mkdir()
    first_date = NIGHT - timedelta(days=args.nights)
    generate(landing, first_date, args.nights + 1, args.orders, seed=11, breaks={})

    window = load_rules(DEFAULT_RULES_DIR).timing.lookback_days + 5
    behind = {"first night": 0, f"{window} nights behind": window}
    behind[f"{args.nights} nights behind"] = args.nights
    backfills: dict[str, dict] = {}
    runs: dict[str, list[dict]] = {}
    for label, nights in behind.items():
        start = NIGHT - timedelta(days=nights)
        stored = scratch / f"stored_{nights}"
        env = product_env(stored, landing, start)
        if nights:
            command = [str(RECON), "backfill", "--start", str(start),
                       "--end", str(NIGHT - timedelta(days=1))]  # fmt: skip
            backfills[label] = timed(command, logs / f"backfill_{nights}.log", env)
        runs[label] = []
        for i in range(args.repeat):
            home = scratch / f"night_{nights}_{i}"
            if stored.exists():
                shutil.copytree(stored, home)
            command = [str(RECON), "run", "--date", str(NIGHT), "--landing", str(landing)]
            result = timed(
                command, logs / f"night_{nights}_{i}.log", product_env(home, landing, start)
            )
            result["steps"] = sum(step_seconds(home, NIGHT).values())
            result["breaks"] = night_breaks(home, NIGHT)
            runs[label].append(result)
            shutil.rmtree(home)
        shutil.rmtree(stored, ignore_errors=True)

    cores, load = os.cpu_count(), os.getloadavg()[0]
    print(f"{args.orders:,} orders a day, no injected errors, night {NIGHT}; "
          f"{cores} cores, load {load:.1f}")  # fmt: skip
    print(f"{'':24}{'wall s':>16}{'peak MiB':>14}{'steps s':>14}{'breaks':>8}{'peak /first':>13}")
    first_rss = min(r["rss"] for r in runs["first night"])
    for label, results in runs.items():

        def each(key: str, form: str, results: list[dict] = results) -> str:
            return ", ".join(format(r[key], form) for r in results)

        peak = max(r["rss"] for r in results) / first_rss
        print(
            f"{label:24}{each('wall', '.2f'):>16}{each('rss', '.0f'):>14}"
            f"{each('steps', '.2f'):>14}{results[0]['breaks']:>8}{peak:>13.2f}"
        )
    for label, b in backfills.items():
        nights = behind[label]
        print(f"backfill of the {nights} nights before: {b['wall']:.0f} s, "
              f"{b['wall'] / nights:.2f} s a night, peak {b['rss']:.0f} MiB")  # fmt: skip
    print(f"logs: {logs}")


if __name__ == "__main__":
    main()
