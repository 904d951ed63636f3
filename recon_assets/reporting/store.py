"""Where reports are kept: a file per night, and every run's report and post in the warehouse."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from recon_assets.reporting.narrative import RenderedReport
from recon_assets.reporting.slack_text import Posted
from recon_assets.sql import statements
from recon_assets.warehouse import Warehouse, plain_records, run_sql

# The size of report_text's pieces: small rows keep a night's append cheap (why:
# sql/ddl/reporting.sql).
REPORT_PIECE_CHARS = 1000


@dataclass(frozen=True)
class ReportFiles:
    """`$RECON_HOME/reports/<date>.md` and the Slack payload beside it as `<date>.json`: a
    plain resource (as the warehouse is), so `recon report` reads them without Dagster."""

    reports_dir: str

    def paths(self, recon_date: str) -> tuple[Path, Path]:
        folder = Path(self.reports_dir)
        return folder / f"{recon_date}.md", folder / f"{recon_date}.json"

    def write(self, report: RenderedReport) -> Path:
        markdown, payload = self.paths(report.recon_date)
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(report.markdown, encoding="utf-8")
        payload.write_text(report.payload_json, encoding="utf-8")
        return markdown

    def read(self, recon_date: str) -> RenderedReport | None:
        markdown, payload = self.paths(recon_date)
        if not (markdown.exists() and payload.exists()):
            return None
        return RenderedReport.from_payload(
            markdown.read_text(encoding="utf-8"), payload.read_text(encoding="utf-8")
        )


def digest(report: RenderedReport) -> str:
    return hashlib.sha256((report.markdown + report.payload_json).encode()).hexdigest()


def _execute(warehouse: Warehouse, name: str, params: dict[str, Any]) -> None:
    with warehouse.session() as session:
        run_sql(session, f"reporting/{name}", params)


def _query(warehouse: Warehouse, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with warehouse.session() as session:
        return plain_records(run_sql(session, f"reporting/{name}", params))


def report_pieces(report: RenderedReport) -> pd.DataFrame:
    """The report's text as report_text keeps it: each part in pieces of REPORT_PIECE_CHARS."""
    parts = {"markdown": report.markdown, "payload": report.payload_json}
    pieces = [
        (part, seq, text[start : start + REPORT_PIECE_CHARS])
        for part, text in parts.items()
        for seq, start in enumerate(range(0, len(text), REPORT_PIECE_CHARS))
    ]
    return pd.DataFrame(pieces, columns=["part", "seq", "piece"]).astype(
        {"part": "object", "seq": "int32", "piece": "object"}
    )


def keep_report(warehouse: Warehouse, run_id: str, report: RenderedReport, narrator: str) -> str:
    report_digest = digest(report)
    params = {
        "recon_date": date.fromisoformat(report.recon_date),
        "run_id": run_id,
        "clean": report.clean,
        "narrator": narrator,
        "digest": report_digest,
    }
    (query,) = statements("reporting/keep_report")
    (text_query,) = statements("reporting/keep_report_text")
    with warehouse.session() as session:
        session.load("report_pieces", report_pieces(report))
        session.append_from("report_history", query, params)
        session.append_from("report_text", text_query, params)
    return report_digest


def _kept_report(
    warehouse: Warehouse, recon_date: str, run_id: str = "", report_digest: str = ""
) -> list[dict[str, Any]]:
    return _query(
        warehouse,
        "kept_report",
        {"recon_date": date.fromisoformat(recon_date), "run_id": run_id, "digest": report_digest},
    )


def stored_report(
    warehouse: Warehouse, recon_date: str, run_id: str = ""
) -> tuple[RenderedReport, str] | None:
    """The report this run kept for the night, else the latest kept; with its digest."""
    rows = _kept_report(warehouse, recon_date, run_id)
    if not rows:
        return None
    row = rows[0]
    return RenderedReport.from_payload(row["markdown"], row["payload"]), row["digest"]


def previous_post(warehouse: Warehouse, recon_date: str) -> dict[str, Any] | None:
    rows = _query(warehouse, "previous_post", {"recon_date": date.fromisoformat(recon_date)})
    return rows[0] if rows else None


def posted_report(warehouse: Warehouse, recon_date: str, report_digest: str) -> RenderedReport:
    """The report a post was made from (kept in report_history before every post)."""
    [row] = _kept_report(warehouse, recon_date, report_digest=report_digest)
    return RenderedReport.from_payload(row["markdown"], row["payload"])


def thread_incomplete(post: dict[str, Any], report: RenderedReport) -> bool:
    """Whether a reply or the attachment of the post did not go out."""
    missing_file = report.attachment is not None and not post["file_id"]
    return post["thread_replies"] < len(report.messages) - 1 or missing_file


def record_post(
    warehouse: Warehouse, recon_date: str, run_id: str, posted: Posted, report_digest: str
) -> None:
    params = {
        "recon_date": date.fromisoformat(recon_date),
        "run_id": run_id,
        "channel": posted.channel,
        "ts": posted.ts,
        "thread_replies": posted.thread_replies,
        "file_id": posted.file_id,
        "report_digest": report_digest,
    }
    _execute(warehouse, "record_post", params)
