"""What each night reported, kept: a night as first reported, break timelines.

`classified_variances` holds each night's latest run; `classified_variances_history` holds
every run, so what went out on the morning of a night stays recoverable after a rerun.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from recon_assets.warehouse import Session, run_sql

if TYPE_CHECKING:  # a trace reads plain rows: pandas stays off its path
    import pandas as pd


def night_runs(session: Session, recon_date: date) -> pd.DataFrame:
    """The runs that classified the night, oldest first, with how many breaks each kept."""
    return run_sql(session, "audit/night_runs", {"recon_date": recon_date})


def night_as_reported(
    session: Session, recon_date: date, run_id: str | None = None
) -> pd.DataFrame:
    """The night's breaks as run `run_id` reported them; by default its first run's."""
    return run_sql(session, "audit/night_as_reported", {"recon_date": recon_date, "run_id": run_id})


def _event(night: Any, row: Mapping[str, Any], event: str, detail: str) -> dict[str, Any]:
    return {
        "recon_date": night,
        "break_id": row["break_id"],
        "check": row["check_name"],
        "key": row["key"],
        "event": event,
        "detail": detail,
    }


def break_timeline(
    nights: Iterable[Mapping[str, Any]], resolutions: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One break's story from its nightly rows and resolutions (both plain, ISO dates).

    Events: opened (or reopened), class changed, accepted by a rule, no longer accepted,
    resolved, and where a rerun of a night changed what its first run had reported.
    """
    entries = [(n["recon_date"], 1, n) for n in nights]
    entries += [(r["resolved_on"], 0, r) for r in resolutions]
    events: list[dict[str, Any]] = []
    state: Mapping[str, Any] | None = None  # tonight's latest row while the break is open
    opened_before = False
    for night, is_night, row in sorted(entries, key=lambda e: (e[0], e[1])):
        if not is_night:
            if state is not None:
                events.append(_event(night, row, "resolved", f"gone, last {row['last_class']}"))
            state = None
            continue
        if row.get("in_first_run") and not row.get("in_latest"):
            events.append(
                _event(
                    night,
                    row,
                    "dropped by a rerun",
                    f"first run reported {row['first_run_class']}; the latest run has no break",
                )
            )
            continue
        if state is None:
            verb = "reopened" if opened_before else "opened"
            events.append(_event(night, row, verb, f"{row['class']} ({row['kind']})"))
            opened_before = True
        elif row["class"] != state["class"]:
            events.append(_event(night, row, "class changed", f"{state['class']} → {row['class']}"))
        previous_rule = state["accepted_rule"] if state is not None else None
        if row["accepted_rule"] and row["accepted_rule"] != previous_rule:
            events.append(_event(night, row, "accepted", f"by rule {row['accepted_rule']}"))
        elif previous_rule and not row["accepted_rule"]:
            events.append(_event(night, row, "no longer accepted", f"rule {previous_rule}"))
        first = (row.get("first_run_class"), row.get("first_run_accepted_rule"))
        if row.get("in_first_run") and first != (row["class"], row["accepted_rule"]):
            was = first[0] + (f" ({first[1]})" if first[1] else "")
            events.append(_event(night, row, "rerun changed", f"first run reported {was}"))
        elif row.get("in_first_run") is False and (row.get("runs") or 0) > 1:
            events.append(_event(night, row, "rerun changed", "first run reported no break"))
        state = row
    return events
