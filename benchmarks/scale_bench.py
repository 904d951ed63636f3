"""One night of `../shared/bench/gen_big.py` data: the product against the floor and a peer.

    python benchmarks/scale_bench.py --orders 100000 [--history-days 30] [--demo-orders 40]

Generates one business date (and `--history-days` nights before it) as canonical Parquet
landing files, then times, each as a whole process on the same files: the physical floor
(`floor_duckdb.py`, one DuckDB statement), the pandas peer (`peer_pandas.py`) and the product
(`recon run --date D --landing DIR`, fresh RECON_HOME, RECON_START_DATE=D: the first night).
With `--history-days H` the H nights before D are reconciled first (`recon backfill`, one
process, timed too: what a retailer's first backfill costs) and `recon run --date D` is timed
again: a night with H nights behind it. Wall is the process's; peak RSS is `/usr/bin/time
-v`'s; the engine steps (matched_ledger and classified_variances) are timed by Dagster's step
events in the run's record. Last, the product's breaks are compared with
`expected_breaks.parquet`: every injected (leg, key) must be a break, and no other key a
genuine_error or mapping break on those legs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
RECON = Path(sys.executable).parent / "recon"
DATE = date(2025, 6, 30)
ENGINE_STEPS = ("matched_ledger", "classified_variances")
# The legs of the bench (bench/README.md) and the product's checks that hold them.
BENCH_LEGS = {
    "oms": "sale_vs_oms",
    "capture": "sale_vs_capture",
    "settlement": "capture_vs_settlement",
    "shipment": "sale_vs_shipment",
    "ledger": "web_sale_vs_ledger",
}


def timed(command: list[str], log: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall seconds and peak RSS (MiB) of one whole process."""
    timing = log.with_suffix(".time")
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(
            ["/usr/bin/time", "-v", "-o", str(timing), *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            check=False,
        )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {done.returncode}): see {log}")
    kib = next(
        int(line.split(":")[1])
        for line in timing.read_text().splitlines()
        if "Maximum resident set size" in line
    )
    return {"wall": wall, "rss": kib / 1024}


def step_seconds(home: Path, night: date) -> dict[str, float]:
    """{step: seconds} of the last run of `night`, from its STEP_START/STEP_SUCCESS events."""
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(dg.RunsFilter(tags={"dagster/partition": night.isoformat()}))
        run = runs[0]  # newest first
        started: dict[str, float] = {}
        out: dict[str, float] = {}
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                started[event.step_key] = entry.timestamp
            elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
                out[event.step_key] = entry.timestamp - started[event.step_key]
    return out


def product_env(home: Path, landing: Path, start: date) -> dict[str, str]:
    return {
        **os.environ,
        "RECON_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "RECON_LANDING_DIR": str(landing),
        "RECON_START_DATE": start.isoformat(),
    }


def run_product(home: Path, landing: Path, start: date, night: date, log: Path) -> dict:
    env = product_env(home, landing, start)
    backfill = None
    if start < night:
        last = str(night - timedelta(1))
        command = [str(RECON), "backfill", "--start", start.isoformat(), "--end", last]
        backfill = timed(command, log.with_name("backfill.log"), env)
    command = [str(RECON), "run", "--date", night.isoformat(), "--landing", str(landing)]
    result = timed(command, log, env)
    steps = step_seconds(home, night)
    result["engine"] = sum(steps.get(s, 0.0) for s in ENGINE_STEPS)
    result["steps"] = sum(steps.values())
    result["backfill"] = backfill
    return result


def breaks_agree(home: Path, data: Path, night: date) -> str:
    """Every injected (leg, key) is a break; nothing else on those legs is genuine or mapping."""
    with duckdb.connect(str(home / "recon.duckdb"), read_only=True) as con:
        expected = {
            (BENCH_LEGS[leg], key)
            for leg, key in con.execute(
                "SELECT leg, key FROM read_parquet($p)",
                {"p": str(data / "expected_breaks.parquet")},
            ).fetchall()
        }
        found = con.execute(
            "SELECT check_name, key, class FROM classified_variances WHERE recon_date = $d",
            {"d": night},
        ).fetchall()
        # One mapping break stands for both keys it links (DESIGN.md section 5).
        mapped = set(
            con.execute(
                "SELECT check_name, mapped_key FROM leg_facts WHERE recon_date = $d "
                "AND class = 'mapping' AND mapped_key IS NOT NULL",
                {"d": night},
            ).fetchall()
        )
    on_legs = [(c, k, cls) for c, k, cls in found if c in BENCH_LEGS.values()]
    broken = {(c, k) for c, k, _ in on_legs} | mapped
    missed = expected - broken
    extra = [(c, k, cls) for c, k, cls in on_legs if (c, k) not in expected]
    loud_extra = [e for e in extra if e[2] in ("genuine_error", "mapping")]
    other_legs = len(found) - len(on_legs)
    verdict = "OK" if not missed and not loud_extra else "DISAGREE"
    return (
        f"{verdict}: {len(expected)} injected ({len(expected & mapped)} found as the other key "
        f"of a mapping break), {len(missed)} not found, "
        f"{len(loud_extra)} other genuine_error/mapping, {len(extra) - len(loud_extra)} other "
        f"timing/accepted on the bench legs, {other_legs} breaks on legs the bench does not check"
        + (f"; not found, e.g. {sorted(missed)[:5]}" if missed else "")
        + (f"; other, e.g. {loud_extra[:5]}" if loud_extra else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--history-days", type=int, default=0)
    parser.add_argument("--demo-orders", type=int, default=40, help="0: skip the demo-sized night")
    parser.add_argument("--data", type=Path, help="default: a temporary folder")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="scale_bench_"))
    data = args.data or scratch / "data"
    logs = scratch / "logs"
    logs.mkdir()
    python = sys.executable

    def generate(out: Path, orders: int, history: int) -> int:
        subprocess.run(
            [python, str(BENCH / "gen_big.py"), "--out", str(out), "--orders", str(orders),
             "--date", DATE.isoformat(), "--history-days", str(history)],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        manifest = json.loads((out / "manifest.json").read_text())
        return sum(manifest["days"][str(DATE)].values())

    rows = generate(data, args.orders, args.history_days)
    results: dict[str, dict] = {}
    for name in ("floor_duckdb", "peer_pandas"):
        # The baselines read every file of the folder: with history, only tonight's night.
        night_only = data if not args.history_days else scratch / "night"
        if args.history_days and not night_only.exists():
            for source in (p for p in data.iterdir() if p.is_dir()):
                (night_only / source.name).mkdir(parents=True)
                shutil.copy(source / f"{DATE}.parquet", night_only / source.name)
        command = [python, str(BENCH / f"{name}.py"), "--data", str(night_only),
                   "--out", str(logs / f"{name}.parquet")]  # fmt: skip
        results[name] = timed(command, logs / f"{name}.log")
    home = scratch / "first"
    results["recon run (first night)"] = run_product(home, data, DATE, DATE, logs / "first.log")
    if args.history_days:
        shutil.rmtree(home)
        # Every night's injected breaks are in expected_breaks.parquet: checked on the night
        # with all the others behind it (the ones still open are carried to it).
        home = scratch / "history"
        start = DATE - timedelta(days=args.history_days)
        label = f"recon run ({args.history_days} nights behind)"
        results[label] = run_product(home, data, start, DATE, logs / "history.log")
    agreement = breaks_agree(home, data, DATE)
    shutil.rmtree(home)
    if args.demo_orders:
        demo = scratch / "demo"
        demo_rows = generate(demo, args.demo_orders, 0)
        results[f"recon run ({args.demo_orders} orders)"] = {
            **run_product(scratch / "demo_home", demo, DATE, DATE, logs / "demo.log"),
            "rows": demo_rows,
        }

    floor, peer = results["floor_duckdb"], results["peer_pandas"]
    cores, load = os.cpu_count(), os.getloadavg()[0]
    print(f"{args.orders:,} orders, {rows:,} source rows on {DATE}, {cores} cores, load {load:.1f}")
    print(f"{'':34}{'wall s':>9}{'peak MiB':>10}{'rows/s':>11}{'/floor':>8}{'/peer':>7}"
          f"{'engine s':>10}{'eng/floor':>10}{'steps s':>9}")  # fmt: skip
    for name, r in results.items():
        engine = (
            f"{r['engine']:>10.2f}{r['engine'] / floor['wall']:>10.1f}{r['steps']:>9.2f}"
            if "engine" in r
            else ""
        )
        print(
            f"{name:34}{r['wall']:>9.2f}{r['rss']:>10.0f}{r.get('rows', rows) / r['wall']:>11,.0f}"
            f"{r['wall'] / floor['wall']:>8.1f}{r['wall'] / peer['wall']:>7.2f}" + engine
        )
    if args.history_days:
        first = results["recon run (first night)"]
        behind = results[f"recon run ({args.history_days} nights behind)"]
        print(
            f"history: wall {behind['wall'] / first['wall']:.2f}x, engine steps "
            f"{behind['engine'] / first['engine']:.2f}x, "
            f"peak RSS {behind['rss'] / first['rss']:.2f}x the first night"
        )
        backfill = behind["backfill"]
        print(
            f"backfill of the {args.history_days} nights before (one `recon backfill`): "
            f"{backfill['wall']:.0f} s, {backfill['wall'] / args.history_days:.2f} s a night, "
            f"peak {backfill['rss']:.0f} MiB"
        )
    print(f"breaks vs expected_breaks.parquet: {agreement}")
    print(f"logs: {logs}")


if __name__ == "__main__":
    main()
