"""Running an extract asset as Dagster runs it, against the loopback vendors of fakes.py."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from recon_assets.adapters.config import load_sources
from recon_assets.extracts.assets import build_extract_assets
from recon_assets.partitions import build_daily_partitions
from recon_assets.settings import Settings
from recon_assets.sources.resource import LandingSource

SAMPLE_START = "2024-01-01"


@pytest.fixture
def sample_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The samples' nights (2024-2025) are within the partitions."""
    monkeypatch.setenv("RECON_START_DATE", SAMPLE_START)
    return Settings.from_env()


def sources_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run_extract(
    settings: Settings,
    sources: Path,
    resources: dict,
    first: str,
    last: str | None = None,
    instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInJobResult:
    """The extract of every api feed of `sources` for `first` (to `last`: one backfill run)."""
    assets = build_extract_assets(load_sources(sources), build_daily_partitions(settings))
    tags = None
    if last is not None:
        tags = {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    return dg.materialize(
        assets,
        partition_key=None if last is not None else first,
        tags=tags,
        resources={
            "landing": LandingSource(
                landing_dir=str(settings.landing_dir), rules_dir=str(settings.rules_dir)
            ),
            **resources,
        },
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def failure_of(result: dg.ExecuteInJobResult) -> str:
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    return failure.step_failure_data.error.message.strip()


def landing_bytes(landing: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(landing)): p.read_bytes()
        for p in sorted(landing.rglob("*"))
        if p.is_file()
    }
