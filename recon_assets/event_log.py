"""Dagster's run record on SQLite, at a night's pace: a connection kept per database file.

`recon`'s own runs (run, backfill, demo) record through it when the instance's dagster.yaml
leaves the storage to Dagster's SQLite default, in that default's folder: the UI, which
opens the instance with Dagster's own storage, reads the same files. It is chosen when the
instance is opened, not written into dagster.yaml, so a home moved or copied elsewhere
records where it now is.

Dagster's `SqliteEventLogStorage` makes a new SQLAlchemy engine, connects and disconnects for
every event it records, every record it reads and every time it asks whether a table exists
(a night of 40 orders: 145 events, 780 connections; 1.7-1.9 s inside `store_event` on a
2-core machine, 0.5 s with the connections kept, the night's steps 3.5-4.1 s to 2.2-2.7 s).
This one keeps an engine with its pool per file for the few files a run writes (its own and
the cross-run index), and commits in WAL mode with `synchronous=NORMAL`: after a crash the
record is consistent, and only the last events before a power loss may be missing. The run
record is Dagster's bookkeeping; the nights themselves are in the warehouse, which this does
not touch.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import Connection, Engine, event

# Files whose engine is kept: a run writes its own and the index; the UI reads many runs',
# so the least recently used beyond these are closed.
KEPT_ENGINES = 4
# What in dagster.yaml names a storage of its own: then it is left as written.
STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")


def _write_ahead_without_full_sync(dbapi_connection: sqlite3.Connection, _record) -> None:
    # WAL, as Dagster means its files to be (it asks inside a transaction, where SQLite
    # ignores it for a file not yet made); in WAL, NORMAL keeps the file consistent.
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log storage, keeping its connections (`instance_at` picks it)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_found: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _write_ahead_without_full_sync)
            self._engines[shard] = engine
        self._engines.move_to_end(shard)  # the most recently used last
        while len(self._engines) > KEPT_ENGINES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As Dagster's, with the shard's engine kept rather than made and disposed of.
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # Dagster asks on every asset event, with a connection of its own each time. A table
        # found stays (a migration adds tables); one not found is asked for again.
        if table_name not in self._tables_found:
            if not super().has_table(table_name):
                return False
            self._tables_found.add(table_name)
        return True

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_engines()  # before the run files are deleted under them
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()


def instance_at(home: Path) -> dg.DagsterInstance:
    """The Dagster instance at `home`, its run record kept by this storage unless its
    dagster.yaml names a storage of its own."""
    config, _ = dagster_instance_config(str(home))
    if any(config.get(key) for key in STORAGE_KEYS):
        return dg.DagsterInstance.from_config(str(home))
    default = InstanceRef.config_defaults(str(home))["event_log_storage"]
    storage = {
        "module": __name__,
        "class": PooledSqliteEventLogStorage.__name__,
        "config": yaml.safe_load(default.config_yaml),  # Dagster's folder for it
    }
    ref = InstanceRef.from_dir(str(home), overrides={"event_log_storage": storage})
    return dg.DagsterInstance.from_ref(ref)
