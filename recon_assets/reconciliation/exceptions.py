"""A night's breaks as the people downstream read them (`recon exceptions`)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from recon_assets.money import format_money
from recon_assets.reconciliation.classify import BREAK_FIELDS, break_id
from recon_assets.sql import statements
from recon_assets.warehouse import Warehouse, plain_records, run_sql

# Listed beside the breaks for information (DESIGN.md section 5), never counted as breaks.
INFORMATION = "information"
INFORMATION_CHARGEBACK = "chargeback"


class NightNotReconciled(LookupError):
    def __init__(self, recon_date: date):
        super().__init__(
            f"{recon_date} has not been reconciled: run `recon run --date {recon_date}` first"
        )


def night_breaks(warehouse: Warehouse, recon_date: date) -> list[dict[str, Any]]:
    """Every open break of the night, all four classes, largest money first."""
    params = {"d": recon_date}
    (legs,) = statements("reconciliation/night_leg_count")
    reconciled = warehouse.query(legs, params)["n"].iloc[0]
    if not reconciled:
        raise NightNotReconciled(recon_date)
    (breaks,) = statements("reconciliation/night_breaks")
    frame = warehouse.query(breaks, params)
    out = []
    for row in frame.to_dict("records"):
        row["check"] = row.pop("check_name")
        row["first_seen"] = str(row["first_seen"])[:10]
        row["age_days"] = int(row["age_days"])
        row["amount_minor"] = int(row["amount_minor"])
        row["evidence"] = json.loads(row["evidence"])
        out.append({f: row[f] for f in BREAK_FIELDS})
    return out


def chargeback_sentence(row: dict[str, Any]) -> str:
    return (
        f"Chargeback of {format_money(row['amount_minor'], row['currency'])} on order "
        f"{row['order_ref']} ({row['processor']}, payment {row['psp_reference']})."
    )


def night_information(warehouse: Warehouse, recon_date: date, owner: str) -> list[dict[str, Any]]:
    """Tonight's chargebacks in the shape of a break, class `information`: listed, never
    counted as breaks (DESIGN.md section 5)."""
    with warehouse.session() as session:
        rows = plain_records(run_sql(session, "reporting/chargebacks", {"recon_date": recon_date}))
    return [
        {
            "break_id": "info_" + break_id(INFORMATION_CHARGEBACK, row["psp_reference"])[4:],
            "check": INFORMATION_CHARGEBACK,
            "key": row["psp_reference"],
            "class": INFORMATION,
            "reason": f"{chargeback_sentence(row)} For information, not a break.",
            "owner": owner,
            "first_seen": recon_date.isoformat(),
            "age_days": 0,
            "amount_minor": row["amount_minor"],
            "currency": row["currency"],
            "evidence": [
                {
                    "business_date": recon_date.isoformat(),
                    "fields": {k: v for k, v in row.items() if k != "business_date"},
                    "part": "chargeback",
                    "record_id": row["psp_reference"],
                    "side": "expected",
                    "source": "processor_transactions",
                }
            ],
        }
        for row in rows
    ]


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
