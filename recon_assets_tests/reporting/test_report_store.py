"""Every run's report is kept whole, its text in small pieces, on a real temporary DuckDB."""

from __future__ import annotations

import pytest

from recon_assets.reporting.narrative import RenderedReport
from recon_assets.reporting.store import (
    REPORT_PIECE_CHARS,
    digest,
    keep_report,
    posted_report,
    stored_report,
)
from recon_assets.warehouse_duckdb import DuckDBWarehouse

NIGHT = "2026-03-20"


def _report(lines: int, word: str) -> RenderedReport:
    # Pound signs and an emoji: pieces are cut by character, never inside one.
    body = "\n".join(f"- Order {i}: {word} £{i},000.50 short 🧾" for i in range(lines))
    return RenderedReport(
        NIGHT,
        False,
        f"Reconciliation for {NIGHT}\n{body}\n",
        ({"text": body[:3000]}, {"text": body[3000:6000]}),
        {"filename": "open-breaks.csv", "title": "Open breaks", "content": body},
    )


@pytest.fixture
def warehouse(tmp_path) -> DuckDBWarehouse:
    return DuckDBWarehouse(database=str(tmp_path / "recon.duckdb"))


def test_a_kept_report_reads_back_byte_for_byte_from_small_pieces(warehouse):
    report = _report(400, "storefront")
    kept = keep_report(warehouse, "run-a", report, "template")
    assert kept == digest(report)
    assert stored_report(warehouse, NIGHT, "run-a") == (report, kept)
    assert posted_report(warehouse, NIGHT, kept) == report
    pieces = warehouse.query(
        "SELECT part, count(*) AS n, max(length(piece)) AS longest, sum(length(piece)) AS chars "
        "FROM report_text GROUP BY part ORDER BY part"
    )
    assert pieces["longest"].max() == REPORT_PIECE_CHARS
    assert pieces["chars"].tolist() == [len(report.markdown), len(report.payload_json)]
    assert (pieces["n"] > 10).all()
    # The report's own row keeps no text: appending a night never rewrites earlier reports.
    row = warehouse.query("SELECT markdown, payload FROM report_history")
    assert row.to_dict("records") == [{"markdown": "", "payload": ""}]


def test_the_report_to_post_is_this_runs_else_the_latest_and_a_post_finds_its_own(warehouse):
    first, second = _report(300, "first"), _report(350, "second")
    first_digest = keep_report(warehouse, "run-a", first, "template")
    second_digest = keep_report(warehouse, "run-b", second, "template")
    assert stored_report(warehouse, NIGHT, "run-a") == (first, first_digest)
    assert stored_report(warehouse, NIGHT) == (second, second_digest)
    assert posted_report(warehouse, NIGHT, first_digest) == first
    assert posted_report(warehouse, NIGHT, second_digest) == second
    assert stored_report(warehouse, "2026-03-21") is None


def test_a_report_kept_before_report_text_moves_into_it_once_whole(warehouse):
    report = _report(50, "earlier")
    warehouse.query(
        "INSERT INTO report_history VALUES ($d, 'run-old', now(), false, 'template', $m, $p, $g) "
        "RETURNING run_id",
        {"d": NIGHT, "m": report.markdown, "p": report.payload_json, "g": digest(report)},
    )
    # Every session opens the store as the current version keeps it.
    assert stored_report(warehouse, NIGHT) == (report, digest(report))
    assert posted_report(warehouse, NIGHT, digest(report)) == report
    count = "SELECT count(*) AS n FROM report_text"
    moved = warehouse.query(count)["n"].iloc[0]
    # A line a piece (each keeps its newline but the last).
    assert moved == sum(len(text.split("\n")) for text in (report.markdown, report.payload_json))
    row = warehouse.query("SELECT markdown, payload FROM report_history")
    assert row.to_dict("records") == [{"markdown": "", "payload": ""}]
    assert warehouse.query(count)["n"].iloc[0] == moved
