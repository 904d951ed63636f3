"""Generated sample nights, made once per test session, and a reader for their files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from recon_assets.generator import GenerationSummary, generate

START = date(2025, 3, 20)  # the range crosses the switch to British Summer Time on 30 March
NIGHTS = 14
ORDERS_PER_DAY = 30


@dataclass(frozen=True)
class Sample:
    summary: GenerationSummary

    @property
    def root(self) -> Path:
        return self.summary.out_dir

    def source(self, name: str) -> pd.DataFrame:
        """Every file of a source as text, with the file's date as `business_date`."""
        frames = [
            pd.read_csv(path, dtype=str, keep_default_na=False).assign(business_date=path.stem)
            for path in sorted((self.root / name).glob("*.csv"))
        ]
        frame = pd.concat(frames, ignore_index=True)
        for column in frame.columns:
            if column.endswith("_minor") or column == "units":
                frame[column] = frame[column].astype("int64")
        return frame

    def expected(self) -> pd.DataFrame:
        return pd.read_csv(self.root / "expected_breaks.csv", dtype=str, keep_default_na=False)


def make_sample(root: Path, seed: int = 11, breaks: dict[str, int] | None = None) -> Sample:
    return Sample(generate(root, START, NIGHTS, ORDERS_PER_DAY, seed, breaks))


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return make_sample(tmp_path_factory.mktemp("clean"), breaks={})


@pytest.fixture(scope="session")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return make_sample(tmp_path_factory.mktemp("broken"))
