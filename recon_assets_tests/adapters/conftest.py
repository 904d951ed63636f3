"""Shared fixtures: the real vendor samples (../shared/formats) and landing-file readers."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from recon_assets.adapters import convert

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "formats"


@pytest.fixture(scope="session")
def samples() -> Path:
    assert SAMPLES.is_dir(), f"vendor samples not found at {SAMPLES}"
    return SAMPLES


def read_source(landing: Path, source: str) -> list[dict[str, str]]:
    """Every row of every landing file of a source, with the file's date as `_date`."""
    rows = []
    for path in sorted((landing / source).glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                rows.append({**row, "_date": path.stem})
    return rows


def total(rows: list[dict[str, str]], column: str, **where: str) -> int:
    return sum(int(r[column]) for r in rows if all(r[k] == v for k, v in where.items()))


def by(rows: list[dict[str, str]], key: str, column: str) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for row in rows:
        out[row[key]] += int(row[column])
    return dict(out)


@pytest.fixture
def run(tmp_path: Path):
    """Convert a file into a fresh landing dir; returns (summary, landing dir)."""
    landing = tmp_path / "landing"

    def _run(format: str, path: Path, **kwargs):
        return convert(format, path, landing, **kwargs), landing

    return _run


@pytest.fixture
def write(tmp_path: Path):
    """Write an inline export (text exactly as given) and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write
