"""What `recon` says when a command fails: one line naming what is wrong and what to do, exit
code 2 for bad input and 1 for a failure. The traceback is printed only under `recon --debug`;
Dagster's run record keeps it for every failed run. Every failure it names comes from
recon_assets/failures.py, so that explaining one loads neither Dagster nor a stage."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from recon_assets.adapters.config import SourcesConfigError
from recon_assets.failures import (
    BAD_INPUT,
    FAILURE,
    BadInput,
    LandingError,
    LandingFolderError,
    NightFailed,
    NightOutsidePartitions,
    RulesError,
)
from recon_assets.redact import redact
from recon_assets.settings import SettingsError

DEBUG_HINT = "(recon --debug ... prints the traceback)"
NO_SPACE = os.strerror(errno.ENOSPC)  # "No space left on device"
# DuckDB's words when another process has the file open (a run holds it until it ends).
LOCKED = re.compile(r'Could not set lock on file "([^"]+)".*?\(PID (\d+)\)', re.DOTALL)


@dataclass(frozen=True)
class Outcome:
    message: str
    exit_code: int


def chain(err: BaseException) -> Iterator[BaseException]:
    """The error and every error that caused it, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )


def one_line(text: str) -> str:
    return " ".join(redact(text).split())


def _cannot_write(err: BaseException, home: str) -> str:
    what = getattr(err, "strerror", None) or str(err)
    where = getattr(err, "filename", None)
    return (
        f"Cannot write under RECON_HOME={home!r}: {what}{f' ({where})' if where else ''}: point "
        "RECON_HOME (and DAGSTER_HOME, if set) at a folder you can write to"
    )


def explain(err: BaseException, home: str) -> Outcome:
    """The one line (a landing file's problems: one line each) and exit code for `err`."""
    errors = list(chain(err))
    night = next((e for e in errors if isinstance(e, NightFailed)), None)
    before = f"{night.night} not reconciled: " if night else ""
    for e in errors:
        if isinstance(e, SettingsError | BadInput | NightOutsidePartitions | SourcesConfigError):
            return Outcome(one_line(str(e)), BAD_INPUT)
        if isinstance(e, LandingError | LandingFolderError | RulesError):
            # One line per problem already, naming the file (line and column): kept as they are.
            return Outcome(before + redact(str(e)), BAD_INPUT)
        # DuckDB says it in its IOException's text, the OS in an OSError's errno.
        if (isinstance(e, OSError) and e.errno == errno.ENOSPC) or NO_SPACE in str(e):
            filename = getattr(e, "filename", None)
            where = f" writing {filename}" if filename else ""
            return Outcome(
                f"{before}no space left on the device{where}: free some space and run again",
                FAILURE,
            )
        if isinstance(e, OSError) and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return Outcome(_cannot_write(e, home), BAD_INPUT)
        locked = LOCKED.search(str(e)) if isinstance(e, duckdb.IOException) else None
        if locked:
            file, pid = locked.groups()
            return Outcome(
                f"{before}the warehouse {file} is in use by process {pid} (a run holds it until "
                "it ends): run again once that has finished",
                FAILURE,
            )
        if isinstance(e, sqlite3.OperationalError | duckdb.IOException) and (
            "unable to open" in str(e) or "read-only" in str(e) or "Permission" in str(e)
        ):
            return Outcome(_cannot_write(e, home), BAD_INPUT)
    cause = night.__cause__ if night and night.__cause__ else err
    described = getattr(cause, "description", None) or str(cause) or type(cause).__name__
    if night:
        return Outcome(
            f"The run for {night.night} failed at step {night.step}: {one_line(described)} "
            f"(Dagster run {night.run_id}) {DEBUG_HINT}",
            FAILURE,
        )
    return Outcome(f"{type(cause).__name__}: {one_line(described)} {DEBUG_HINT}", FAILURE)
