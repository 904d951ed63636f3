"""A night reads only the stored records linked to it by a key (issue 16: a night's cost
follows the night, not its history), and finds exactly what reading the whole lookback
window finds."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta

import duckdb
import pytest
from typer.testing import CliRunner

from recon_assets.cli import app
from recon_assets.generator import generate
from recon_assets.reconciliation import matching
from recon_assets.rules import load_rules
from recon_assets.warehouse import DuckDBSession

START = date(2026, 5, 4)  # the settings fixture's RECON_START_DATE
NIGHTS = 8
LAST = START + timedelta(days=NIGHTS - 1)
KEPT = tuple(matching.KEPT_TABLES.values())


class UniverseCounting(DuckDBSession):
    """A session that counts each source's universe as the matching drops it."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        super().__init__(con)
        self.universe: dict[str, int] = {}

    def execute(self, statement, params=None) -> None:
        dropped = re.search(r"DROP TABLE u_(\w+)", statement)
        if dropped:
            (count,) = self.con.execute(f"SELECT COUNT(*) FROM u_{dropped[1]}").fetchone()
            self.universe[dropped[1]] = count
        super().execute(statement, params)


def _match_last_night(database, rules, link_everything: bool, monkeypatch) -> dict[str, int]:
    """Re-matches the last night on a copy; returns the universe's size, source by source."""
    if link_everything:
        # Every stored record gets one key: the whole window is linked to the night, which
        # is what the night read before it read by key.
        plain = matching.statements

        def everything_linked(name, *args, **kwargs):
            found = plain(name, *args, **kwargs)
            if name != "reconciliation/window_keys":
                return found
            return tuple(s.replace("ELSE key END AS key", "ELSE 'one' END AS key") for s in found)

        monkeypatch.setattr(matching, "statements", everything_linked)
    con = duckdb.connect(str(database))
    try:
        session = UniverseCounting(con)
        matching.run_matching(session, rules, LAST)
        assert set(session.universe) == {spec.name for spec in matching.SOURCES}
        return session.universe
    finally:
        con.close()
        monkeypatch.undo()


@pytest.fixture
def reconciled(settings):
    breaks = {
        "not_captured": 1,
        "not_settled": 1,
        "ledger_not_posted": 1,
        "not_shipped": 1,
        "settlement_gross_differs": 1,
        "capture_key_mapping": 1,
        "late_oms": 1,
        "payout_not_in_bank": 1,
    }
    generate(settings.landing_dir, START, NIGHTS, 12, seed=11, breaks=breaks)
    result = CliRunner().invoke(app, ["backfill", "--start", str(START), "--end", str(LAST)])
    assert result.exit_code == 0, result.output
    return settings


def test_the_night_reads_by_key_and_finds_what_the_whole_window_finds(
    reconciled, tmp_path, monkeypatch
):
    rules = load_rules(reconciled.rules_dir)
    by_key, whole = tmp_path / "by_key.duckdb", tmp_path / "whole.duckdb"
    shutil.copy(reconciled.duckdb_path, by_key)
    shutil.copy(reconciled.duckdb_path, whole)

    read_by_key = _match_last_night(by_key, rules, False, monkeypatch)
    read_whole = _match_last_night(whole, rules, True, monkeypatch)

    # The night read less than the window holds...
    assert sum(read_by_key.values()) < sum(read_whole.values())
    # ...and kept exactly the same facts, records, entities and ledger rows.
    con = duckdb.connect(str(by_key))
    con.execute(f"ATTACH '{whole}' AS whole (READ_ONLY)")
    for table in KEPT:
        night = f"SELECT * FROM {{}}{table} WHERE recon_date = DATE '{LAST}'"
        rows = con.execute(f"SELECT COUNT(*) FROM ({night.format('')})").fetchone()[0]
        assert rows > 0, table
        for left, right in (("", "whole."), ("whole.", "")):
            differing = con.execute(
                f"SELECT COUNT(*) FROM ({night.format(left)} EXCEPT ALL {night.format(right)})"
            ).fetchone()[0]
            assert differing == 0, table
    # Tonight's ledger shows orders settled on earlier nights: their settlement lines were
    # read through the order's processor reference, not by a key of tonight's records.
    settled_before = con.execute(
        f"""
        SELECT COUNT(*) FROM entity_records AS r
        WHERE r.recon_date = DATE '{LAST}' AND r.source = 'processor_settlements'
          AND r.business_date < DATE '{LAST}'
        """
    ).fetchone()[0]
    assert settled_before > 0
