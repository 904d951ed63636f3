"""`recon trace KEY`: every record of an order, payment, payout or store-day, from the
stored partitions alone, with each leg's latest status and its breaks night by night."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from recon_assets.audit.history import break_timeline
from recon_assets.legs import SALE_VS_SHIPMENT
from recon_assets.money import format_money
from recon_assets.stored import AuditError
from recon_assets.warehouse import Session


@dataclass(frozen=True)
class Trace:
    key: str
    keys: list[dict[str, Any]]  # the key asked for and the keys it leads to
    records: list[dict[str, Any]]  # every stored source record of the own keys
    legs: list[dict[str, Any]]  # each leg's latest comparison
    breaks: list[dict[str, Any]]  # per break: summary, nights and events

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False, default=str)


def _break_summary(nights: list[dict[str, Any]], resolved: list[dict[str, Any]]) -> dict:
    latest = [n for n in nights if n["in_latest"]]
    last = latest[-1] if latest else nights[-1]
    last_resolution = resolved[-1]["resolved_on"] if resolved else None
    still_open = bool(latest) and (last_resolution is None or last_resolution < last["recon_date"])
    return {
        "break_id": last["break_id"],
        "check": last["check_name"],
        "key": last["key"],
        "first_seen": min((n["first_seen"] for n in latest), default=None),
        "last_night": last["recon_date"],
        "class": last["class"],
        "kind": last["kind"],
        "accepted_rule": last["accepted_rule"],
        "owner": last["owner"],
        "amount_minor": last["amount_minor"],
        "currency": last["currency"],
        "reason": last["reason"],
        "status": "open" if still_open else "resolved",
        "resolved_on": None if still_open else last_resolution,
        "nights": nights,
        "events": break_timeline(nights, resolved),
    }


def trace_key(session: Session, key: str) -> Trace:
    """Everything stored about `key`; AuditError if no night ever saw it."""
    key = key.strip()
    keys = session.rows("audit/trace_keys", {"key": key})
    records = session.rows("audit/trace_records", {})
    for record in records:
        record["fields"] = json.loads(record["fields"])
    legs = session.rows("audit/trace_legs", {})
    nights = session.rows("audit/trace_breaks", {})
    resolutions = session.rows("audit/trace_resolutions", {})
    if not (records or legs or nights):
        raise AuditError(f"{key!r}: no stored night has a record, leg or break with this key")
    breaks = []
    for break_id in dict.fromkeys(n["break_id"] for n in nights):
        breaks.append(
            _break_summary(
                [n for n in nights if n["break_id"] == break_id],
                [r for r in resolutions if r["break_id"] == break_id],
            )
        )
    return Trace(key=key, keys=keys, records=records, legs=legs, breaks=breaks)


def _money(amount: Any, currency: Any) -> str:
    if amount is None:
        return ""
    return format_money(int(amount), currency) if currency else str(amount)


def _leg_side(leg: dict[str, Any], side: str) -> str:
    quantity = leg[f"{side}_quantity"]
    if quantity is None:
        return "—"
    if leg["check_name"] == SALE_VS_SHIPMENT:
        return f"{quantity} units"
    return _money(quantity, leg[f"{side}_currency"] or leg["expected_currency"])


def _leg_status(leg: dict[str, Any]) -> Text:
    if leg["class"] is None:
        return Text(leg["kind"], style="green")
    rule = f" by {leg['accepted_rule']}" if leg["accepted_rule"] else ""
    style = {"timing": "yellow", "known_accepted": "cyan"}.get(leg["class"], "bold red")
    return Text(f"{leg['class']}{rule} ({leg['kind']})", style=style)


def render(trace: Trace) -> Group:
    """Rich tables: how the key was followed, its records, its legs, its breaks' history."""
    followed = ", ".join(f"{k['relation']} {k['key']}" for k in trace.keys if k["key"] != trace.key)
    title = Text.assemble(("Trace of ", "bold"), (trace.key, "bold cyan"))
    if followed:
        title.append(f"  (also followed: {followed})")

    records = Table(title="Records in every source", title_justify="left")
    for column in ("business date", "source", "record", "what", "amount", "units"):
        records.add_column(column, justify="right" if column in ("amount", "units") else "left")
    for r in trace.records:
        units = "" if r["units"] is None else str(r["units"])
        records.add_row(
            r["business_date"],
            r["source"],
            r["record_id"],
            r["what"],
            _money(r["amount_minor"], r["currency"]),
            units,
        )

    legs = Table(title="Legs, latest status", title_justify="left")
    for column in ("check", "part", "key", "as of", "status", "expected", "counterpart", "age"):
        legs.add_column(column)
    for leg in trace.legs:
        legs.add_row(
            leg["check_name"],
            leg["part"],
            leg["key"],
            leg["as_of"],
            _leg_status(leg),
            _leg_side(leg, "expected"),
            _leg_side(leg, "counterpart"),
            str(leg["age_days"]),
        )

    history = Table(title="Breaks, night by night", title_justify="left")
    for column in ("night", "check", "key", "event", "detail"):
        history.add_column(column)
    for brk in trace.breaks:
        for event in brk["events"]:
            history.add_row(
                event["recon_date"], brk["check"], brk["key"], event["event"], event["detail"]
            )
    if not trace.breaks:
        history.add_row("", "", "", "never broken", "every leg matched on its night")
    return Group(title, records, legs, history)


def print_trace(trace: Trace, console: Console) -> None:
    console.print(render(trace))
