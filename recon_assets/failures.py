"""What can go wrong, named where the command line can tell it without loading a stage: the
landing files, the rules and a night's run raise these, and `recon` (cli_errors.explain)
turns each into one line, without importing Dagster, pandas or the graph to recognise it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# A landing file's problems are listed up to this many (the first five are printed).
MAX_PROBLEMS = 50


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the line."""


class LandingError(ValueError):
    """A landing file that cannot be accepted; `problems` lists the first 50 of `total`."""

    def __init__(self, path: Path, problems: Sequence[object], total: int | None = None):
        self.path = path
        self.total = len(problems) if total is None else total
        self.problems = list(problems[:MAX_PROBLEMS])
        shown = f", first {min(5, len(self.problems))} shown" if self.total > 5 else ""
        lines = "\n".join(f"  - {p}" for p in self.problems[:5])
        super().__init__(f"{path}: {self.total} problem(s){shown}\n{lines}")


class LandingFolderError(ValueError):
    """The landing folder cannot be the one the sources deliver into, or a night's file has
    gone from it: reading on would store empty deliveries over real ones."""


class NightOutsidePartitions(ValueError):
    """A night before the store's first or after its last complete day; the message says
    which nights it can reconcile."""


class NightFailed(RuntimeError):
    """A night's run failed at `step`; the step's own exception is the `__cause__`."""

    def __init__(self, night: str, step: str, run_id: str | None):
        super().__init__(f"reconciling {night} failed at step {step}")
        self.night, self.step, self.run_id = night, step, run_id
