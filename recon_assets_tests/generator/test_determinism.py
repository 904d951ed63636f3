"""Same arguments, same bytes; another seed, another retailer."""

from __future__ import annotations

from pathlib import Path

from recon_assets_tests.generator.conftest import make_sample


def _contents(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*.csv")}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = _contents(make_sample(tmp_path / "a", seed=5).root)
    second = _contents(make_sample(tmp_path / "b", seed=5).root)
    assert first == second
    assert len(first) == 7 * 14 + 1


def test_other_seed_gives_other_files(tmp_path: Path) -> None:
    first = _contents(make_sample(tmp_path / "a", seed=5).root)
    other = _contents(make_sample(tmp_path / "b", seed=6).root)
    assert first.keys() == other.keys()
    assert first["oms_orders/2025-03-20.csv"] != other["oms_orders/2025-03-20.csv"]
    assert first["expected_breaks.csv"] != other["expected_breaks.csv"]
