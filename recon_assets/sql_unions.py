"""The per-source and per-leg unions, built from the catalogues.

A query names a folder of pieces, `{{ union_per_source('reconciliation/records') }}` or
`{{ union_per_leg('reconciliation/leg_inputs') }}`, and the `UNION ALL` of the folder's
`<source>.sql` (`<check>.sql`) files is put in its place, in the catalogue's order. So a new
source or leg is one file in each folder, never an edit of a union, and a file that is
missing stops every query that needs it.

Plain text and the light halves of the catalogues only: the trace loads this too, and must
stay free of pandas, pandera and sqlglot.
"""

from __future__ import annotations

import re
from pathlib import Path

from recon_assets.legs import LEGS
from recon_assets.sources.systems import SOURCE_NAMES

UNION = re.compile(r"\{\{ *union_per_(source|leg)\('([\w/]+)'\) *\}\}")
MEMBERS: dict[str, tuple[str, ...]] = {
    "source": SOURCE_NAMES,
    "leg": tuple(leg.check for leg in LEGS),
}


class MissingPiece(LookupError):
    """A source or leg of the catalogue has no piece in a union's folder."""


def union_folders(text: str) -> list[tuple[str, str]]:
    """(kind, folder) of every union the query text names."""
    return UNION.findall(text)


def expand_unions(text: str, sql_dir: Path) -> str:
    """`text` with each union placeholder replaced by the UNION ALL of its folder's pieces."""

    def union(match: re.Match[str]) -> str:
        kind, folder = match.groups()
        pieces = []
        for member in MEMBERS[kind]:
            path = sql_dir / folder / f"{member}.sql"
            if not path.is_file():
                raise MissingPiece(
                    f"sql/{folder}/{member}.sql is missing: every {kind} of the catalogue "
                    f"needs its piece of the union in sql/{folder}/"
                )
            pieces.append(path.read_text(encoding="utf-8").strip())
        return "\nUNION ALL\n".join(pieces)

    return UNION.sub(union, text)
