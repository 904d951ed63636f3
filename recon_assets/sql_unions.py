"""The per-source and per-leg unions, built from their folders of pieces.

A query names a folder of pieces, `{{ union_per_source('reconciliation/records') }}` or
`{{ union_per_leg('reconciliation/leg_inputs') }}`, and the `UNION ALL` of the folder's `.sql`
files (one per source, or per leg, named after it) is put in its place, in name order. So a
new source or leg is one file in each folder, never an edit of a union. That each folder holds
exactly one piece per entry of the catalogue (sources/systems.py, legs.py) is checked by
recon_assets_tests/test_catalogue.py; the loader itself reads no catalogue, so the warehouse
modules that load SQL import no domain code.

Plain text only: the trace loads this too, and must stay free of pandas and sqlglot.
"""

from __future__ import annotations

import re
from pathlib import Path

UNION = re.compile(r"\{\{ *union_per_(source|leg)\('([\w/]+)'\) *\}\}")


class MissingPiece(LookupError):
    """A union's folder of pieces is missing or empty."""


def union_folders(text: str) -> list[tuple[str, str]]:
    """(kind, folder) of every union the query text names."""
    return UNION.findall(text)


def pieces(sql_dir: Path, folder: str) -> list[Path]:
    """The pieces of one union, in name order."""
    return sorted((sql_dir / folder).glob("*.sql"))


def expand_unions(text: str, sql_dir: Path) -> str:
    """`text` with each union placeholder replaced by the UNION ALL of its folder's pieces."""

    def union(match: re.Match[str]) -> str:
        kind, folder = match.groups()
        found = pieces(sql_dir, folder)
        if not found:
            raise MissingPiece(f"sql/{folder}/ has no piece: every {kind} needs its own file")
        return "\nUNION ALL\n".join(p.read_text(encoding="utf-8").strip() for p in found)

    return UNION.sub(union, text)
