"""Determinism without doing the night twice: digests computed in SQL, kept per night and step.

Each step stores the digest of what it wrote beside the digests of what it read (the
deliveries of its window, the night before's stored digests, tonight's upstream step) and of
the rules and code it ran with. A rematerialisation with the same inputs, rules and code must
store the same output digest; one with other inputs or rules says so and has nothing to prove.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from recon_assets.settings import PACKAGE_ROOT
from recon_assets.sql import SQL_DIR, statements
from recon_assets.warehouse import Session, run_sql


def table_digest(session: Session, table: str, recon_date: date) -> tuple[str, int]:
    """The digest and row count of a table's rows for one night, computed in SQL."""
    (query,) = statements("checks/table_digest", tables=(("digested_table", table),))
    found = session.query(query, {"recon_date": recon_date}).iloc[0]
    return str(found["digest"]), int(found["row_count"])


def tables_digest(
    session: Session, tables: list[str], recon_date: date
) -> tuple[str, dict[str, int]]:
    """One digest over several tables' rows for one night, and each table's row count."""
    digests = [table_digest(session, t, recon_date) for t in tables]
    joined = "".join(digest for digest, _ in digests)
    rows = {table: n for table, (_, n) in zip(tables, digests, strict=True)}
    return hashlib.sha256(joined.encode()).hexdigest(), rows


def rules_digest(rules_dir: Path) -> str:
    """sha256 over every file of the rules folder and of the engine's SQL and code, and the
    DuckDB version (its row hash, used by the output digests, may change between versions)."""
    files = [(p.relative_to(rules_dir), p) for p in rules_dir.rglob("*") if p.is_file()]
    files += [(Path("engine") / p.relative_to(PACKAGE_ROOT), p) for p in PACKAGE_ROOT.rglob("*.py")]
    files += [(Path("engine/sql") / p.relative_to(SQL_DIR), p) for p in SQL_DIR.rglob("*.sql")]
    digest = hashlib.sha256(f"duckdb {duckdb.__version__}".encode() + b"\x1e")
    for name, path in sorted(files):
        digest.update(str(name).encode() + b"\x1f" + path.read_bytes() + b"\x1e")
    return digest.hexdigest()


@dataclass(frozen=True)
class NightDigest:
    inputs: str
    rules: str
    output: str
    rows: int


def inputs_digest(
    session: Session, recon_date: date, window_start: date, upstream: str = ""
) -> str:
    (query,) = statements("checks/inputs_digest")
    params = {
        "recon_date": recon_date,
        "night_before": recon_date - timedelta(days=1),
        "window_start": window_start,
        "upstream": upstream,
    }
    return str(session.query(query, params)["digest"].iloc[0])


def stored_digest(session: Session, recon_date: date, asset: str) -> NightDigest | None:
    found = run_sql(session, "checks/stored_digest", {"d": recon_date, "asset": asset})
    if found.empty:
        return None
    row = found.iloc[0]
    return NightDigest(
        row["inputs_digest"], row["rules_digest"], row["output_digest"], int(row["output_rows"])
    )


def store_digest(session: Session, recon_date: date, asset: str, digest: NightDigest) -> None:
    frame = pd.DataFrame(
        [
            {
                "inputs_digest": digest.inputs,
                "rules_digest": digest.rules,
                "output_digest": digest.output,
                "output_rows": digest.rows,
            }
        ]
    )
    session.replace_partition("night_digests", {"recon_date": recon_date, "asset": asset}, frame)


def compare(before: NightDigest | None, now: NightDigest) -> tuple[bool, dict[str, str]]:
    """Whether tonight's digest proves determinism against the one stored before, and why."""
    metadata = {"output_digest": now.output, "inputs_digest": now.inputs, "rules_digest": now.rules}
    if before is None:
        return True, {**metadata, "compared": "first materialisation: stored for the next one"}
    if (before.inputs, before.rules) != (now.inputs, now.rules):
        changed = [
            name
            for name, old, new in (
                ("inputs", before.inputs, now.inputs),
                ("rules", before.rules, now.rules),
            )
            if old != new
        ]
        return True, {**metadata, "compared": f"not comparable: {' and '.join(changed)} changed"}
    same = before.output == now.output
    return same, {
        **metadata,
        "previous_output_digest": before.output,
        "compared": "same inputs and rules: " + ("identical" if same else "OUTPUT DIFFERS"),
    }
