"""A night's breaks as the people downstream read them (`recon exceptions`)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from recon_assets.reconciliation.classify import BREAK_FIELDS
from recon_assets.warehouse import Warehouse


class NightNotReconciled(LookupError):
    pass


def night_breaks(warehouse: Warehouse, recon_date: date) -> list[dict[str, Any]]:
    """Every open break of the night, all four classes, largest money first."""
    reconciled = warehouse.query(
        "SELECT COUNT(*) AS n FROM leg_facts WHERE recon_date = $d", {"d": recon_date}
    )["n"].iloc[0]
    if not reconciled:
        raise NightNotReconciled(
            f"{recon_date} has not been reconciled: run `recon run --date {recon_date}` first"
        )
    frame = warehouse.query(
        "SELECT * FROM classified_variances WHERE recon_date = $d "
        "ORDER BY amount_minor DESC, check_name, key",
        {"d": recon_date},
    )
    out = []
    for row in frame.to_dict("records"):
        row["check"] = row.pop("check_name")
        row["first_seen"] = str(row["first_seen"])[:10]
        row["age_days"] = int(row["age_days"])
        row["amount_minor"] = int(row["amount_minor"])
        row["evidence"] = json.loads(row["evidence"])
        out.append({f: row[f] for f in BREAK_FIELDS})
    return out


def as_json(breaks: list[dict[str, Any]]) -> str:
    return json.dumps(breaks, indent=2, sort_keys=False, ensure_ascii=False)


def spreadsheet_safe(value: Any) -> Any:
    """Source data in a CSV cell: one starting with = + - @ is a formula to a spreadsheet."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(breaks: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=BREAK_FIELDS, lineterminator="\n")
    writer.writeheader()
    for brk in breaks:
        evidence = json.dumps(brk["evidence"], sort_keys=True, separators=(",", ":"))
        writer.writerow({k: spreadsheet_safe(v) for k, v in {**brk, "evidence": evidence}.items()})
    return buffer.getvalue()
