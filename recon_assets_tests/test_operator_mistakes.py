"""The operator's mistakes as a corpus (issue 10): each one against a real store of two
reconciled nights (a real DuckDB file, a real Dagster instance, real landing files), through
the command line. Each ends in the exact one-line message (a rejected file: one line per
problem) and exit code, and leaves the stored nights byte for byte as they were."""

from __future__ import annotations

import errno
import gzip
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest
from typer.testing import CliRunner

from recon_assets.cli import app
from recon_assets.cli_errors import explain
from recon_assets.generator import generate
from recon_assets.partitions import build_daily_partitions
from recon_assets.runner import NightFailed, materialize_nights
from recon_assets.settings import DEFAULT_RULES_DIR, Settings
from recon_assets_tests.adapters.conftest import SAMPLES
from recon_assets_tests.test_rules import ALIAS_BOMB

N1, N2, N3 = "2026-10-01", "2026-10-02", "2026-10-03"
STORED = (N1, N2)


@dataclass
class Store:
    root: Path
    home: Path
    landing: Path
    rules: Path

    def env(self) -> dict[str, str]:
        return {
            "RECON_HOME": str(self.home),
            "RECON_LANDING_DIR": str(self.landing),
            "RECON_RULES_DIR": str(self.rules),
            "DAGSTER_HOME": str(self.home / "dagster"),
            "RECON_START_DATE": N1,
            "RECON_TIMEZONE": "Europe/London",
            "RECON_WAREHOUSE": "duckdb",
        }


def _store_in(root: Path) -> Store:
    return Store(root, root / "home", root / "landing", root / "rules")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Three generated nights; the first two reconciled."""
    store = _store_in(tmp_path_factory.mktemp("template"))
    generate(store.landing, date.fromisoformat(N1), 3, 20, seed=1, breaks={})
    shutil.copytree(DEFAULT_RULES_DIR, store.rules)
    result = CliRunner().invoke(app, ["backfill", "--start", N1, "--end", N2], env=store.env())
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture
def store(template: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A copy of the template for one mistake, its variables set."""
    shutil.copytree(template.root, tmp_path / "store", symlinks=True)
    copy = _store_in(tmp_path / "store")
    for name, value in copy.env().items():
        monkeypatch.setenv(name, value)
    for name in ("SLACK_BOT_TOKEN", "RECON_SLACK_BASE_URL", "RECON_NARRATOR"):
        monkeypatch.delenv(name, raising=False)
    return copy


def stored_nights(store: Store) -> dict[str, object]:
    """Every stored table's rows of the stored nights (all rows of a table with no date
    column), sorted, and the nights' report files: what must not change. A failed run's
    staging (its own schema, dropped by the next run) is nothing anybody reads."""
    with duckdb.connect(str(store.home / "recon.duckdb"), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            ).fetchall()
        ]
        dump: dict[str, object] = {}
        for table in sorted(tables):
            info = con.execute(f"SELECT name FROM pragma_table_info('{table}')").fetchall()
            columns = [c for (c,) in info]
            # The night a row belongs to: the night that wrote it, else the business date.
            dated = [c for c in ("recon_date", "business_date") if c in columns]
            where = f"WHERE CAST({dated[0]} AS VARCHAR) IN {STORED}" if dated else ""
            rows = con.execute(f'SELECT * FROM "{table}" {where}').fetchall()
            dump[table] = sorted(map(repr, rows))
    for night in STORED:
        for suffix in (".md", ".json"):
            dump[night + suffix] = (store.home / "reports" / f"{night}{suffix}").read_bytes()
    return dump


def _oms(store: Store) -> Path:
    return store.landing / "oms_orders" / f"{N3}.csv"


def _second_line_cell(store: Store, column: str, value: bytes) -> None:
    """Night three's OMS file with `value` in `column` of its first data row."""
    _set_cell(_oms(store), column, value)


def _set_cell(path: Path, column: str, value: bytes, row: int = 1) -> None:
    """`value` in `column` of the file's `row`th data row (line row + 1 of a plain file)."""
    header, *rows = path.read_bytes().split(b"\n")
    cells = rows[row - 1].split(b",")
    cells[header.decode().split(",").index(column)] = value
    rows[row - 1] = b",".join(cells)
    path.write_bytes(b"\n".join([header, *rows]))


def _drop_last_field(store: Store) -> None:
    """Night three's first OMS row one field short."""
    header, first, *rest = _oms(store).read_bytes().split(b"\n")
    _oms(store).write_bytes(b"\n".join([header, first.rpartition(b",")[0], *rest]))


def _two_huge_refunds(store: Store) -> None:
    """Two storefront refunds of one order, each within int64, summing past it."""
    path = store.landing / "storefront_orders" / f"{N3}.csv"
    header, first, *rest = path.read_bytes().decode().split("\n")
    order = dict(zip(header.split(","), first.split(","), strict=True))
    refunds = [
        ",".join(
            {**order, "event_id": f"R{i}", "event_type": "refund", "amount_minor": str(2**63 - 1)}[
                c
            ]
            for c in header.split(",")
        )
        for i in (1, 2)
    ]
    path.write_bytes("\n".join([header, first, *refunds, *rest]).encode())


def _rename_column(store: Store, old: bytes, new: bytes) -> None:
    path = _oms(store)
    path.write_bytes(path.read_bytes().replace(old, new, 1))


def _landing_file(store: Store, source: str, suffix: str = ".csv") -> Path:
    return store.landing / source / f"{N3}{suffix}"


def _cell(source: str, column: str, value: bytes, row: int = 1) -> Callable[[Store, object], None]:
    """Night three's `source` file with `value` in `column` of its `row`th data row."""
    return lambda s, m: _set_cell(_landing_file(s, source), column, value, row)


def _rewrite(source: str, change: Callable[[bytes], bytes]) -> Callable[[Store, object], None]:
    """Night three's `source` file, its bytes changed by `change`."""

    def rewrite(store: Store, monkeypatch: object) -> None:
        path = _landing_file(store, source)
        path.write_bytes(change(path.read_bytes()))

    return rewrite


def _as_parquet(select: str) -> Callable[[Store, object], None]:
    """Night three's OMS delivery as Parquet instead of CSV: `select` over its text columns
    (`{csv}`), typed as a real Parquet writer (DuckDB's) writes them."""

    def convert(store: Store, monkeypatch: object) -> None:
        csv = _oms(store)
        text = f"read_csv('{csv}', all_varchar = true)"
        with duckdb.connect() as con:
            con.execute(
                f"COPY ({select.format(csv=text)}) TO '{csv.with_suffix('.parquet')}' "
                "(FORMAT parquet)"
            )
        csv.unlink()

    return convert


def _rules_file(name: str, text: str | bytes) -> Callable[[Store, object], None]:
    """`text` as the rules folder's `name` (a new file, or the shipped one replaced)."""

    def write(store: Store, monkeypatch: object) -> None:
        path = store.rules / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())

    return write


def _variables(**values: str) -> Callable[[Store, pytest.MonkeyPatch], None]:
    """Environment variables as the operator set them ({root}: the store's folder)."""

    def set_them(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value.format(root=store.root))

    return set_them


def _a_file_as(variable: str) -> Callable[[Store, pytest.MonkeyPatch], None]:
    """A plain file where `variable` should name a folder."""

    def point(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        (store.root / "a-file").write_text("x")
        monkeypatch.setenv(variable, str(store.root / "a-file"))

    return point


class _SlackStandIn(BaseHTTPRequestHandler):
    """Slack's Web API on loopback, answering every call as the path's first part says."""

    ANSWERS: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {
        "rate-limited": (429, {"Retry-After": "100"}, b'{"ok": false, "error": "ratelimited"}'),
        "server-error": (503, {}, b"upstream connect error"),
        "invalid-auth": (200, {}, b'{"ok": false, "error": "invalid_auth"}'),
        "echoes-the-token": (
            200,
            {},
            b'{"ok": false, "error": "not_authed: token xoxb-never-printed was refused"}',
        ),
    }

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, body = self.ANSWERS[self.path.split("/")[1]]
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test asserts what the run says, not what the server logs."""


@cache
def _slack_standin() -> str:
    """The stand-in's address; it serves on a daemon thread for the rest of the session."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlackStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def _slack_answering(answer: str) -> Callable[[Store, pytest.MonkeyPatch], None]:
    def point(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-never-printed")
        monkeypatch.setenv("RECON_SLACK_CHANNEL", "#finance")
        monkeypatch.setenv("RECON_SLACK_BASE_URL", f"{_slack_standin()}/{answer}/api/")

    return point


def _rejected_in(source: str, *problems: str, suffix: str = ".csv") -> str:
    lines = "".join(f"\n  - {source}/{N3}{suffix}, {p}" for p in problems)
    return (
        f"{N3} not reconciled: {{landing}}/{source}/{N3}{suffix}: {len(problems)} problem(s){lines}"
    )


def _rejected(*problems: str) -> str:
    return _rejected_in("oms_orders", *problems)


RUN_N3 = ("run", "--date", N3)
# (id, how the operator got it wrong, the command, the exact message, the exit code)
Mistake = tuple[str, Callable[[Store, pytest.MonkeyPatch], None], tuple[str, ...], str, int]
MISTAKES: list[Mistake] = [
    (
        "nul-byte-in-an-amount",
        lambda s, m: _second_line_cell(s, "amount_minor", b"39\x0095"),
        RUN_N3,
        _rejected(
            "line 2, column amount_minor: '39\\x0095' is not an integer number of minor units"
        ),
        2,
    ),
    (
        "a-testing-currency",
        lambda s, m: _second_line_cell(s, "currency", b"XTS"),
        RUN_N3,
        _rejected("line 2, column currency: 'XTS' is not an active ISO-4217 currency code"),
        2,
    ),
    (
        "a-csv-and-a-parquet-for-one-night",
        lambda s, m: _oms(s).with_suffix(".parquet").write_bytes(b"PAR1"),
        RUN_N3,
        f"{N3} not reconciled: {{landing}}/oms_orders/{N3}.csv: 1 problem(s)\n  - oms_orders/"
        f"{N3}.csv: is delivered twice, also as oms_orders/{N3}.parquet: remove one of the two "
        "files",
        2,
    ),
    (
        "a-row-with-an-extra-field",
        lambda s, m: _second_line_cell(s, "units", b"1,extra"),
        RUN_N3,
        _rejected("line 2: has more fields than the header"),
        2,
    ),
    (
        "a-duplicated-header",
        lambda s, m: _rename_column(s, b"units", b"amount_minor"),
        RUN_N3,
        _rejected(
            "header, column amount_minor: appears more than once: keep one of them",
            "header, column units: is missing (columns found: order_id, channel, created_ts, "
            "currency, amount_minor, amount_minor)",
        ),
        2,
    ),
    (
        "latin-1-text",
        lambda s, m: _second_line_cell(s, "channel", "wéb".encode("latin-1")),
        RUN_N3,
        _rejected("line 2: is not UTF-8 text: save the file as UTF-8"),
        2,
    ),
    (
        "an-amount-beyond-int64",
        lambda s, m: _second_line_cell(s, "amount_minor", b"9223372036854775808"),
        RUN_N3,
        _rejected(
            "line 2, column amount_minor: '9223372036854775808' is beyond the 64-bit integer range"
        ),
        2,
    ),
    (
        "a-zero-width-space-in-a-key",
        lambda s, m: _second_line_cell(s, "order_id", "800\u200b40".encode()),
        RUN_N3,
        _rejected(
            "line 2, column order_id: '800\\u200b40' holds a control, bidi or zero-width character"
        ),
        2,
    ),
    (
        "arabic-indic-digits",
        lambda s, m: _second_line_cell(s, "amount_minor", "١٢٣".encode()),
        RUN_N3,
        _rejected("line 2, column amount_minor: '١٢٣' is not an integer number of minor units"),
        2,
    ),
    (
        # The ledger step succeeds, the storefront step fails: nothing of the re-run is kept.
        "a-failed-rerun-with-a-changed-ledger-and-a-corrupt-storefront-cell",
        lambda s, m: (
            _set_cell(s.landing / "ledger_entries" / f"{N2}.csv", "credit_minor", b"1"),
            _set_cell(s.landing / "storefront_orders" / f"{N2}.csv", "amount_minor", b"3380O"),
        ),
        ("run", "--date", N2),
        f"{N2} not reconciled: {{landing}}/storefront_orders/{N2}.csv: 1 problem(s)\n  - "
        f"storefront_orders/{N2}.csv, line 2, column amount_minor: '3380O' is not an integer "
        "number of minor units",
        2,
    ),
    (
        "a-nul-byte-in-a-key",
        lambda s, m: _second_line_cell(s, "order_id", b"800\x0040"),
        RUN_N3,
        _rejected(
            "line 2, column order_id: '800\\x0040' holds a control, bidi or zero-width character"
        ),
        2,
    ),
    (
        "a-right-to-left-override-in-a-key",
        lambda s, m: _second_line_cell(s, "order_id", "800\u202e40".encode()),
        RUN_N3,
        _rejected(
            "line 2, column order_id: '800\\u202e40' holds a control, bidi or zero-width character"
        ),
        2,
    ),
    (
        "full-width-digits",
        lambda s, m: _second_line_cell(s, "amount_minor", "１２３".encode()),
        RUN_N3,
        _rejected("line 2, column amount_minor: '１２３' is not an integer number of minor units"),
        2,
    ),
    (
        "the-no-currency-code",
        lambda s, m: _second_line_cell(s, "currency", b"XXX"),
        RUN_N3,
        _rejected("line 2, column currency: 'XXX' is not an active ISO-4217 currency code"),
        2,
    ),
    (
        "a-withdrawn-currency",
        lambda s, m: _second_line_cell(s, "currency", b"DEM"),
        RUN_N3,
        _rejected("line 2, column currency: 'DEM' is not an active ISO-4217 currency code"),
        2,
    ),
    (
        "a-row-one-field-short",
        lambda s, m: _drop_last_field(s),
        RUN_N3,
        _rejected("line 2: has fewer fields than the header"),
        2,
    ),
    (
        "invalid-utf-8-bytes",
        lambda s, m: _second_line_cell(s, "channel", b"w\xff\xfeb"),
        RUN_N3,
        _rejected("line 2: is not UTF-8 text: save the file as UTF-8"),
        2,
    ),
    (
        # A quoted newline in the first row: the malformed row after it is on line 4, not 3.
        "a-quoted-newline-before-a-bad-amount",
        lambda s, m: (
            _set_cell(_oms(s), "amount_minor", b"12,5", row=2),
            _second_line_cell(s, "created_ts", b'"2026-10-03\n10:00"'),
        ),
        RUN_N3,
        _rejected("line 4: has more fields than the header"),
        2,
    ),
    (
        "two-refunds-summing-past-int64",
        lambda s, m: _two_huge_refunds(s),
        RUN_N3,
        f"{N3} not reconciled: {{landing}}/storefront_orders/{N3}.csv: 1 problem(s)\n  - "
        f"storefront_orders/{N3}.csv, column amount_minor: adds up beyond the 64-bit integer "
        "range in GBP",
        2,
    ),
    (
        "a-date-before-the-first-night",
        lambda s, m: None,
        ("run", "--date", "2026-09-30"),
        "2026-09-30 is not a night this store can reconcile: the nights are 2026-10-01 "
        "(RECON_START_DATE) to {last} (the last complete day in RECON_TIMEZONE)",
        2,
    ),
    (
        "a-decimal-amount",
        lambda s, m: _second_line_cell(s, "amount_minor", b"12.50"),
        RUN_N3,
        _rejected(
            "line 2, column amount_minor: '12.50' is not an integer number of minor units",
        ),
        2,
    ),
    (
        "a-negative-unit-count",
        lambda s, m: _second_line_cell(s, "units", b"-1"),
        RUN_N3,
        _rejected(
            "line 2, column units: '-1' must not be negative",
        ),
        2,
    ),
    (
        "an-empty-key",
        lambda s, m: _second_line_cell(s, "order_id", b""),
        RUN_N3,
        _rejected(
            "line 2, column order_id: must not be empty",
        ),
        2,
    ),
    (
        "a-key-delivered-twice-in-one-file",
        lambda s, m: _set_cell(
            _oms(s), "order_id", _oms(s).read_bytes().split(b"\n")[1].split(b",")[0], row=2
        ),
        RUN_N3,
        _rejected(
            "line 2, column order_id: '80040' is a duplicate key: another row has the same value",
            "line 3, column order_id: '80040' is a duplicate key: another row has the same value",
        ),
        2,
    ),
    (
        "a-timestamp-without-its-offset",
        lambda s, m: _second_line_cell(s, "created_ts", b"2026-10-03T10:00:00"),
        RUN_N3,
        _rejected(
            "line 2, column created_ts: '2026-10-03T10:00:00' is not a real ISO-8601 date and "
            "time with an offset (e.g. 2026-10-03T10:00:00+01:00)",
        ),
        2,
    ),
    (
        "an-impossible-date",
        lambda s, m: _second_line_cell(s, "created_ts", b"2026-02-30T10:00:00+00:00"),
        RUN_N3,
        _rejected(
            "line 2, column created_ts: '2026-02-30T10:00:00+00:00' is not a real ISO-8601 date "
            "and time with an offset (e.g. 2026-10-03T10:00:00+01:00)",
        ),
        2,
    ),
    (
        "a-channel-not-in-the-list",
        lambda s, m: _second_line_cell(s, "channel", b"phone"),
        RUN_N3,
        _rejected(
            "line 2, column channel: 'phone' is not one of ['web', 'pos']",
        ),
        2,
    ),
    (
        "a-lower-case-currency",
        lambda s, m: _second_line_cell(s, "currency", b"gbp"),
        RUN_N3,
        _rejected(
            "line 2, column currency: 'gbp' is not an active ISO-4217 currency code",
        ),
        2,
    ),
    (
        "an-empty-file",
        lambda s, m: _oms(s).write_bytes(b""),
        RUN_N3,
        _rejected(
            "line 1: is empty: no header row",
        ),
        2,
    ),
    (
        "a-column-missing-from-the-header",
        lambda s, m: _rename_column(s, b"units", b"qty"),
        RUN_N3,
        _rejected(
            "header, column units: is missing (columns found: order_id, channel, created_ts, "
            "currency, amount_minor, qty)",
        ),
        2,
    ),
    (
        "a-parquet-file-that-is-not-parquet",
        lambda s, m: (
            _oms(s).with_suffix(".parquet").write_bytes(b"not parquet"),
            _oms(s).unlink(),
        ),
        RUN_N3,
        f"{N3} not reconciled: {{landing}}/oms_orders/{N3}.parquet: 1 problem(s)\n  - oms_orders/"
        f"{N3}.parquet: is not a Parquet file (Parquet magic bytes not found in footer. Either the "
        "file is corrupted or this is not a parquet file.)",
        2,
    ),
    (
        "a-tab-inside-a-key",
        lambda s, m: _second_line_cell(s, "order_id", b"800\t40"),
        RUN_N3,
        _rejected(
            "line 2, column order_id: '800\\t40' holds a control, bidi or zero-width character",
        ),
        2,
    ),
    (
        "the-landing-folder-mistyped",
        lambda s, m: None,
        ("run", "--date", N2, "--landing", "/wrong/path"),
        "landing folder /wrong/path does not exist: pass --landing (or set RECON_LANDING_DIR) "
        "to the folder the sources deliver into, or --allow-empty (resource landing: "
        "allow_empty) stores it as not delivered",
        2,
    ),
    (
        "a-landing-folder-holding-no-source",
        lambda s, m: (s.root / "elsewhere").mkdir(),
        ("backfill", "--start", N1, "--end", N2, "--landing", "{root}/elsewhere"),
        "landing folder {root}/elsewhere holds none of the sources' folders (storefront_orders, "
        "pos_transactions, oms_orders, processor_transactions, processor_settlements, "
        "shipments, ledger_entries): pass --landing (or set RECON_LANDING_DIR) to the folder the "
        "sources deliver into, or --allow-empty (resource landing: allow_empty) stores it as not "
        "delivered",
        2,
    ),
    (
        "a-stored-nights-file-gone-from-the-folder",
        lambda s, m: (s.landing / "shipments" / f"{N2}.csv").unlink(),
        ("run", "--date", N2),
        f"{N2} not reconciled: shipments/{N2}.csv was delivered for {N2} and is stored, but is "
        "not in {landing}: check the landing folder, or --allow-empty (resource landing: "
        "allow_empty) stores it as not delivered",
        2,
    ),
    (
        "a-date-after-the-last-night",
        lambda s, m: None,
        ("run", "--date", "2099-01-01"),
        "2099-01-01 is not a night this store can reconcile: the nights are 2026-10-01 "
        "(RECON_START_DATE) to {last} (the last complete day in RECON_TIMEZONE)",
        2,
    ),
    (
        "an-alias-bomb-in-the-rules",
        lambda s, m: (s.rules / "accepted" / "bomb.yaml").write_text(ALIAS_BOMB),
        RUN_N3,
        f"{N3} not reconciled: {{rules}}/accepted/bomb.yaml, line 2, column 8: not valid YAML: "
        "alias *a is not allowed in a rules file",
        2,
    ),
    (
        "a-bad-start-date",
        lambda s, m: m.setenv("RECON_START_DATE", "garbage"),
        RUN_N3,
        "RECON_START_DATE='garbage' is not a YYYY-MM-DD date: set it to the first business date "
        "your landing files cover",
        2,
    ),
    (
        "a-bad-time-zone",
        lambda s, m: m.setenv("RECON_TIMEZONE", "Mars/Olympus"),
        RUN_N3,
        "RECON_TIMEZONE='Mars/Olympus' is not an IANA time zone: set it to one such as "
        "Europe/London",
        2,
    ),
    (
        "a-bad-warehouse",
        lambda s, m: m.setenv("RECON_WAREHOUSE", "oracle"),
        RUN_N3,
        "RECON_WAREHOUSE='oracle' is not a warehouse: set it to duckdb or bigquery",
        2,
    ),
    (
        "recon-home-a-file",
        _a_file_as("RECON_HOME"),
        RUN_N3,
        "RECON_HOME='{root}/a-file' is a file: point RECON_HOME at a folder",
        2,
    ),
    (
        "a-slack-that-refuses-connections",
        lambda s, m: (
            m.setenv("SLACK_BOT_TOKEN", "xoxb-never-printed"),
            m.setenv("RECON_SLACK_CHANNEL", "#finance"),
            m.setenv("RECON_SLACK_BASE_URL", "http://127.0.0.1:9/api/"),
        ),
        RUN_N3,
        f"The run for {N3} failed at step slack_report: Slack did not take the report for {N3} "
        "after retries: <urlopen error [Errno 111] Connection refused>. The report is kept at "
        "{home}/reports/2026-10-03.md. (Dagster run {run}) (recon --debug ... prints the "
        "traceback)",
        1,
    ),
    # --- landing files: encodings, header and quoting -------------------------------------
    (
        "a-utf-8-byte-order-mark-before-the-header",
        _rewrite("oms_orders", lambda b: b"\xef\xbb\xbf" + b),
        RUN_N3,
        "Reconciled 2026-10-03.",
        0,
    ),
    (
        "a-utf-16-file",
        _rewrite("oms_orders", lambda b: b.decode().encode("utf-16")),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 1: is not UTF-8 text: save the file as UTF-8",
        ),
        2,
    ),
    (
        "windows-line-endings",
        _rewrite("oms_orders", lambda b: b.replace(b"\n", b"\r\n")),
        RUN_N3,
        "Reconciled 2026-10-03.",
        0,
    ),
    (
        "a-header-in-capitals",
        lambda s, m: _rename_column(s, b"amount_minor", b"AMOUNT_MINOR"),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "header, column amount_minor: is missing (columns found: order_id, channel, "
            "created_ts, currency, AMOUNT_MINOR, units)",
        ),
        2,
    ),
    (
        "a-file-with-only-its-header",
        _rewrite("oms_orders", lambda b: b.split(b"\n")[0] + b"\n"),
        RUN_N3,
        "Reconciled 2026-10-03.",
        0,
    ),
    (
        "an-unterminated-quote",
        _cell("oms_orders", "channel", b'"web'),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2: has a quote that is never closed: close it (a quote inside a quoted field "
            "is written twice)",
        ),
        2,
    ),
    (
        "semicolons-instead-of-commas",
        _rewrite("oms_orders", lambda b: b.replace(b",", b";")),
        RUN_N3,
        "2026-10-03 not reconciled: {landing}/oms_orders/2026-10-03.csv: 6 problem(s), first 5 "
        "shown\n  - oms_orders/2026-10-03.csv, header, column order_id: is missing (columns "
        "found: order_id;channel;created_ts;currency;amount_minor;units)\n  - "
        "oms_orders/2026-10-03.csv, header, column channel: is missing (columns found: "
        "order_id;channel;created_ts;currency;amount_minor;units)\n  - "
        "oms_orders/2026-10-03.csv, header, column created_ts: is missing (columns found: "
        "order_id;channel;created_ts;currency;amount_minor;units)\n  - "
        "oms_orders/2026-10-03.csv, header, column currency: is missing (columns found: "
        "order_id;channel;created_ts;currency;amount_minor;units)\n  - "
        "oms_orders/2026-10-03.csv, header, column amount_minor: is missing (columns found: "
        "order_id;channel;created_ts;currency;amount_minor;units)",
        2,
    ),
    (
        "a-gzip-file-named-csv",
        _rewrite("oms_orders", gzip.compress),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 1: is not UTF-8 text: save the file as UTF-8",
        ),
        2,
    ),
    # --- landing files: numbers and money --------------------------------------------------
    (
        "a-thousands-separator-in-a-quoted-amount",
        _cell("oms_orders", "amount_minor", b'"15,999"'),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column amount_minor: '15,999' is not an integer number of minor units",
        ),
        2,
    ),
    (
        "an-amount-in-scientific-notation",
        _cell("oms_orders", "amount_minor", b"1.6e4"),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column amount_minor: '1.6e4' is not an integer number of minor units",
        ),
        2,
    ),
    (
        "a-hexadecimal-amount",
        _cell("oms_orders", "amount_minor", b"0x3E7F"),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column amount_minor: '0x3E7F' is not an integer number of minor units",
        ),
        2,
    ),
    (
        "an-empty-amount",
        _cell("oms_orders", "amount_minor", b""),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column amount_minor: is not an integer number of minor units",
        ),
        2,
    ),
    (
        "a-negative-storefront-amount",
        _cell("storefront_orders", "amount_minor", b"-15999"),
        RUN_N3,
        _rejected_in(
            "storefront_orders",
            "line 2, column amount_minor: '-15999' must not be negative",
        ),
        2,
    ),
    (
        "a-negative-processor-fee",
        _cell("processor_transactions", "fee_minor", b"-355"),
        RUN_N3,
        _rejected_in(
            "processor_transactions",
            "line 2, column fee_minor: '-355' must not be negative",
        ),
        2,
    ),
    (
        "a-settlement-net-that-is-not-gross-less-fee",
        _cell("processor_settlements", "net_minor", b"1"),
        RUN_N3,
        _rejected_in(
            "processor_settlements",
            "line 2, column net_minor: net_minor must equal gross_minor - fee_minor",
        ),
        2,
    ),
    (
        "a-negative-ledger-debit",
        _cell("ledger_entries", "debit_minor", b"-1"),
        RUN_N3,
        _rejected_in(
            "ledger_entries",
            "line 2, column debit_minor: '-1' must not be negative",
        ),
        2,
    ),
    (
        "a-settlement-gross-below-the-64-bit-range",
        _cell("processor_settlements", "gross_minor", b"-9223372036854775809"),
        RUN_N3,
        _rejected_in(
            "processor_settlements",
            "line 2, column gross_minor: '-9223372036854775809' is beyond the 64-bit integer range",
        ),
        2,
    ),
    (
        "shipped-units-not-a-whole-number",
        _cell("shipments", "units", b"1.5"),
        RUN_N3,
        _rejected_in(
            "shipments",
            "line 2, column units: '1.5' is not a whole number",
        ),
        2,
    ),
    (
        "a-unit-count-beyond-int64",
        _cell("shipments", "units", b"99999999999999999999"),
        RUN_N3,
        _rejected_in(
            "shipments",
            "line 2, column units: '99999999999999999999' is beyond the 64-bit integer range",
        ),
        2,
    ),
    # --- landing files: currencies --------------------------------------------------------
    (
        "a-two-letter-currency",
        _cell("oms_orders", "currency", b"GB"),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column currency: 'GB' is not an active ISO-4217 currency code",
        ),
        2,
    ),
    (
        "a-currency-with-a-trailing-space",
        _cell("oms_orders", "currency", b"GBP "),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column currency: 'GBP ' is not an active ISO-4217 currency code",
        ),
        2,
    ),
    (
        "a-currency-with-a-no-break-space",
        _cell("oms_orders", "currency", "GBP\u00a0".encode()),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column currency: 'GBP\\xa0' is not an active ISO-4217 currency code",
        ),
        2,
    ),
    (
        "a-funds-code-for-a-currency",
        _cell("oms_orders", "currency", b"USN"),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column currency: 'USN' is not an active ISO-4217 currency code",
        ),
        2,
    ),
    (
        "a-precious-metal-for-a-currency",
        _cell("oms_orders", "currency", b"XAU"),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column currency: 'XAU' is not an active ISO-4217 currency code",
        ),
        2,
    ),
    (
        "a-currency-outside-the-retailers-list",
        lambda s, m: (
            _rules_file("currencies.yaml", "allowed: [GBP, EUR, JPY, USD]\n")(s, m),
            _second_line_cell(s, "currency", b"CHF"),
        ),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column currency: 'CHF' is not a currency allowed by rules/currencies.yaml",
        ),
        2,
    ),
    # --- landing files: dates and timestamps ----------------------------------------------
    (
        "a-date-where-a-timestamp-belongs",
        _cell("oms_orders", "created_ts", b"2026-10-03"),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column created_ts: '2026-10-03' is not a real ISO-8601 date and time with "
            "an offset (e.g. 2026-10-03T10:00:00+01:00)",
        ),
        2,
    ),
    (
        "an-offset-beyond-a-day",
        _cell("oms_orders", "created_ts", b"2026-10-03T10:00:00+25:00"),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column created_ts: '2026-10-03T10:00:00+25:00' is not a real ISO-8601 "
            "date and time with an offset (e.g. 2026-10-03T10:00:00+01:00)",
        ),
        2,
    ),
    (
        "a-us-style-settlement-date",
        _cell("processor_settlements", "settled_date", b"10/03/2026"),
        RUN_N3,
        _rejected_in(
            "processor_settlements",
            "line 2, column settled_date: '10/03/2026' is not a YYYY-MM-DD date",
        ),
        2,
    ),
    (
        "an-impossible-posting-date",
        _cell("ledger_entries", "posting_date", b"2026-02-30"),
        RUN_N3,
        _rejected_in(
            "ledger_entries",
            "line 2, column posting_date: '2026-02-30' is not a YYYY-MM-DD date",
        ),
        2,
    ),
    # --- landing files: lists, keys and text ------------------------------------------------
    (
        "a-storefront-event-type-not-in-the-list",
        _cell("storefront_orders", "event_type", b"return"),
        RUN_N3,
        _rejected_in(
            "storefront_orders",
            "line 2, column event_type: 'return' is not one of ['order', 'refund', 'cancel']",
        ),
        2,
    ),
    (
        "a-payment-method-not-in-the-list",
        _cell("storefront_orders", "payment_method", b"bitcoin"),
        RUN_N3,
        _rejected_in(
            "storefront_orders",
            "line 2, column payment_method: 'bitcoin' is not one of ['card', 'paypal', "
            "'gift_card', 'other']",
        ),
        2,
    ),
    (
        "a-till-tender-not-in-the-list",
        _cell("pos_transactions", "tender", b"voucher"),
        RUN_N3,
        _rejected_in(
            "pos_transactions",
            "line 2, column tender: 'voucher' is not one of ['card', 'cash', 'gift_card']",
        ),
        2,
    ),
    (
        "a-fulfilment-not-in-the-list",
        _cell("pos_transactions", "fulfilment", b"click_and_collect"),
        RUN_N3,
        _rejected_in(
            "pos_transactions",
            "line 2, column fulfilment: 'click_and_collect' is not one of ['carry_out', 'ship']",
        ),
        2,
    ),
    (
        "a-processor-transaction-type-not-in-the-list",
        _cell("processor_transactions", "txn_type", b"payout"),
        RUN_N3,
        _rejected_in(
            "processor_transactions",
            "line 2, column txn_type: 'payout' is not one of ['capture', 'refund', 'chargeback']",
        ),
        2,
    ),
    (
        "a-storefront-event-delivered-twice",
        lambda s, m: _set_cell(
            _landing_file(s, "storefront_orders"),
            "event_id",
            _landing_file(s, "storefront_orders").read_bytes().split(b"\n")[1].split(b",")[0],
            row=2,
        ),
        RUN_N3,
        _rejected_in(
            "storefront_orders",
            "line 2, column event_id: '80040-00' is a duplicate key: another row has the same "
            "value",
            "line 3, column event_id: '80040-00' is a duplicate key: another row has the same "
            "value",
        ),
        2,
    ),
    (
        "a-quoted-carriage-return-in-a-key",
        _cell("oms_orders", "order_id", b'"800\r40"'),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column order_id: '800\\r40' holds a control, bidi or zero-width character",
        ),
        2,
    ),
    (
        "a-zero-width-joiner-in-a-ledger-memo",
        _cell("ledger_entries", "memo", "Web order\u200d 80040".encode()),
        RUN_N3,
        _rejected_in(
            "ledger_entries",
            "line 2, column memo: 'Web order\\u200d 80040' holds a control, bidi or zero-width "
            "character",
        ),
        2,
    ),
    (
        "a-bidi-isolate-in-a-carrier-name",
        _cell("shipments", "carrier", "\u2066dhl\u2069".encode()),
        RUN_N3,
        _rejected_in(
            "shipments",
            "line 2, column carrier: '\\u2066dhl\\u2069' holds a control, bidi or zero-width "
            "character",
        ),
        2,
    ),
    (
        "a-line-separator-in-a-tracking-number",
        _cell("shipments", "tracking", "DH16\u20284208".encode()),
        RUN_N3,
        _rejected_in(
            "shipments",
            "line 2, column tracking: 'DH16\\u20284208' holds a control, bidi or zero-width "
            "character",
        ),
        2,
    ),
    (
        "a-soft-hyphen-in-a-key",
        _cell("oms_orders", "order_id", "800\u00ad40".encode()),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "line 2, column order_id: '800\\xad40' holds a control, bidi or zero-width character",
        ),
        2,
    ),
    (
        "an-escape-sequence-in-a-store-id",
        _cell("pos_transactions", "store_id", b"\x1b[31mLDN01"),
        RUN_N3,
        _rejected_in(
            "pos_transactions",
            "line 2, column store_id: '\\x1b[31mLDN01' holds a control, bidi or zero-width "
            "character",
        ),
        2,
    ),
    # --- landing files: the files themselves ----------------------------------------------
    (
        "a-folder-where-the-file-should-be",
        lambda s, m: (_oms(s).unlink(), _oms(s).mkdir()),
        RUN_N3,
        "2026-10-03 not reconciled: {landing}/oms_orders/2026-10-03.csv: 1 problem(s)\n  - "
        "oms_orders/2026-10-03.csv: is a folder, not a file: deliver the night's file under "
        "this name",
        2,
    ),
    (
        "a-symlink-to-the-real-file",
        lambda s, m: (
            _oms(s).rename(s.root / "oms.csv"),
            _oms(s).symlink_to(s.root / "oms.csv"),
        ),
        RUN_N3,
        "Reconciled 2026-10-03.",
        0,
    ),
    (
        "a-symlink-to-nowhere",
        lambda s, m: (_oms(s).unlink(), _oms(s).symlink_to(s.root / "gone.csv")),
        RUN_N3,
        "2026-10-03 not reconciled: {landing}/oms_orders/2026-10-03.csv: 1 problem(s)\n  - "
        "oms_orders/2026-10-03.csv: is a link to {root}/gone.csv, which does not exist: fix "
        "the link",
        2,
    ),
    # --- landing files: Parquet -------------------------------------------------------------
    (
        "parquet-with-amounts-as-floating-point",
        _as_parquet("SELECT * REPLACE (CAST(amount_minor AS DOUBLE) AS amount_minor) FROM {csv}"),
        RUN_N3,
        "2026-10-03 not reconciled: {landing}/oms_orders/2026-10-03.parquet: 20 problem(s), "
        "first 5 shown\n  - oms_orders/2026-10-03.parquet, row 1, column amount_minor: "
        "'15999.0' is not an integer number of minor units\n  - oms_orders/2026-10-03.parquet, "
        "row 2, column amount_minor: '4200.0' is not an integer number of minor units\n  - "
        "oms_orders/2026-10-03.parquet, row 3, column amount_minor: '30890.0' is not an "
        "integer number of minor units\n  - oms_orders/2026-10-03.parquet, row 4, column "
        "amount_minor: '4750.0' is not an integer number of minor units\n  - "
        "oms_orders/2026-10-03.parquet, row 5, column amount_minor: '24200.0' is not an "
        "integer number of minor units",
        2,
    ),
    (
        "parquet-without-a-column",
        _as_parquet("SELECT * EXCLUDE (units) FROM {csv}"),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "header, column units: is missing (columns found: order_id, channel, created_ts, "
            "currency, amount_minor)",
            suffix=".parquet",
        ),
        2,
    ),
    (
        "parquet-with-a-nul-in-a-key",
        _as_parquet("SELECT * REPLACE (order_id || chr(0) AS order_id) FROM {csv}"),
        RUN_N3,
        "2026-10-03 not reconciled: {landing}/oms_orders/2026-10-03.parquet: 20 problem(s), "
        "first 5 shown\n  - oms_orders/2026-10-03.parquet, row 1, column order_id: "
        "'80040\\x00' holds a control, bidi or zero-width character\n  - "
        "oms_orders/2026-10-03.parquet, row 2, column order_id: '80041\\x00' holds a control, "
        "bidi or zero-width character\n  - oms_orders/2026-10-03.parquet, row 3, column "
        "order_id: '80042\\x00' holds a control, bidi or zero-width character\n  - "
        "oms_orders/2026-10-03.parquet, row 4, column order_id: '80043\\x00' holds a control, "
        "bidi or zero-width character\n  - oms_orders/2026-10-03.parquet, row 5, column "
        "order_id: '80044\\x00' holds a control, bidi or zero-width character",
        2,
    ),
    (
        "parquet-with-a-key-twice",
        _as_parquet("SELECT * FROM {csv} UNION ALL (SELECT * FROM {csv} LIMIT 1)"),
        RUN_N3,
        _rejected_in(
            "oms_orders",
            "row 1, column order_id: '80040' is a duplicate key: another row has the same value",
            "row 21, column order_id: '80040' is a duplicate key: another row has the same value",
            suffix=".parquet",
        ),
        2,
    ),
    (
        "parquet-with-amounts-beyond-int64",
        _as_parquet(
            "SELECT * REPLACE (CAST(amount_minor AS UBIGINT) + 9223372036854775807 "
            "AS amount_minor) FROM {csv}"
        ),
        RUN_N3,
        "2026-10-03 not reconciled: {landing}/oms_orders/2026-10-03.parquet: 20 problem(s), "
        "first 5 shown\n  - oms_orders/2026-10-03.parquet, row 1, column amount_minor: "
        "'9223372036854791806' is beyond the 64-bit integer range\n  - "
        "oms_orders/2026-10-03.parquet, row 2, column amount_minor: '9223372036854780007' is "
        "beyond the 64-bit integer range\n  - oms_orders/2026-10-03.parquet, row 3, column "
        "amount_minor: '9223372036854806697' is beyond the 64-bit integer range\n  - "
        "oms_orders/2026-10-03.parquet, row 4, column amount_minor: '9223372036854780557' is "
        "beyond the 64-bit integer range\n  - oms_orders/2026-10-03.parquet, row 5, column "
        "amount_minor: '9223372036854800007' is beyond the 64-bit integer range",
        2,
    ),
    # --- rules files ----------------------------------------------------------------------
    (
        "a-yaml-syntax-error",
        _rules_file("timing.yaml", "sla_days: {sale_vs_oms: 1\nlookback_days: 35\n"),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/timing.yaml, line 2, column 14: not valid YAML: "
        "expected ',' or '}}', but got ':'",
        2,
    ),
    (
        "an-unknown-key-in-the-tolerances",
        _rules_file("tolerances.yaml", "tolerances: {}\ntolerence: 5\n"),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/tolerances.yaml, line 2: tolerence: unknown key",
        2,
    ),
    (
        "an-sla-written-in-words",
        lambda s, m: _rules_file(
            "timing.yaml",
            (s.rules / "timing.yaml").read_text().replace("sale_vs_oms: 1", "sale_vs_oms: one"),
        )(s, m),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/timing.yaml, line 4: sla_days.sale_vs_oms: Input "
        "should be a valid integer, unable to parse string as an integer",
        2,
    ),
    (
        "a-negative-sla",
        lambda s, m: _rules_file(
            "timing.yaml",
            (s.rules / "timing.yaml").read_text().replace("sale_vs_oms: 1", "sale_vs_oms: -1"),
        )(s, m),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/timing.yaml, line 4: sla_days.sale_vs_oms: Input "
        "should be greater than or equal to 0",
        2,
    ),
    (
        "a-key-written-twice-in-one-mapping",
        lambda s, m: _rules_file(
            "timing.yaml",
            (s.rules / "timing.yaml")
            .read_text()
            .replace("sale_vs_oms: 1", "sale_vs_oms: 1\n  sale_vs_oms: 30"),
        )(s, m),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/timing.yaml, line 5, column 3: not valid YAML: key "
        "'sale_vs_oms' is written twice (also on line 4): keep one",
        2,
    ),
    (
        "an-accepted-rule-with-an-impossible-date",
        _rules_file(
            "accepted/rounding.yaml",
            "rules:\n  - id: rounding\n    reason: penny rounding\n    owner: finance\n"
            "    check: sale_vs_oms\n    key: '80040'\n    created: 2026-02-30\n",
        ),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/accepted/rounding.yaml, line 7, column 14: not "
        "valid YAML: '2026-02-30' is not a real date (day is out of range for month)",
        2,
    ),
    (
        "one-accepted-rule-id-in-two-files",
        lambda s, m: [
            _rules_file(
                f"accepted/{name}.yaml",
                "rules:\n  - id: rounding\n    reason: penny rounding\n    owner: finance\n"
                "    check: sale_vs_oms\n    key: '80040'\n",
            )(s, m)
            for name in ("a", "b")
        ],
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/accepted/b.yaml: rule id 'rounding' is also in "
        "{rules}/accepted/a.yaml",
        2,
    ),
    (
        "an-accepted-rule-for-a-check-that-does-not-exist",
        _rules_file(
            "accepted/typo.yaml",
            "rules:\n  - id: typo\n    reason: x\n    owner: finance\n"
            "    check: sale_vs_omss\n    key: '80040'\n",
        ),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/accepted/typo.yaml, line 5: rules.0.check: Input "
        "should be 'sale_vs_oms', 'sale_vs_capture', 'capture_vs_settlement', "
        "'sale_vs_shipment', 'web_sale_vs_ledger', 'pos_takings_vs_ledger', "
        "'refund_vs_processor_vs_ledger' or 'payout_vs_bank'",
        2,
    ),
    (
        "a-rules-file-that-is-a-list",
        _rules_file("tolerances.yaml", "- sale_vs_oms\n- 5\n"),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/tolerances.yaml, line 1: (top level): Input should "
        "be a valid dictionary or instance of Tolerances",
        2,
    ),
    (
        "an-empty-timing-file",
        _rules_file("timing.yaml", ""),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/timing.yaml: is empty: write its settings, or "
        "delete it where it is optional",
        2,
    ),
    (
        "tabs-indenting-a-rules-file",
        _rules_file("tolerances.yaml", "tolerances:\n\tsale_vs_oms: {absolute_minor: 5}\n"),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/tolerances.yaml, line 2, column 1: not valid YAML: "
        "found character '\\t' that cannot start any token",
        2,
    ),
    (
        "a-rules-file-that-is-not-utf-8",
        _rules_file("owners.yaml", "owners:\n  default: Zoé\n".encode("latin-1")),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/owners.yaml, line 2: is not UTF-8 text: save the "
        "file as UTF-8",
        2,
    ),
    (
        "the-chart-of-accounts-deleted",
        lambda s, m: (s.rules / "accounts.yaml").unlink(),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/accounts.yaml: file is missing",
        2,
    ),
    (
        "a-scope-naming-an-unknown-source",
        _rules_file("scope.yaml", "systems:\n  warehouse_robots:\n    connected: false\n"),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/scope.yaml, line 2: "
        "systems.warehouse_robots.[key]: Input should be 'storefront_orders', "
        "'pos_transactions', 'oms_orders', 'processor_transactions', 'processor_settlements', "
        "'shipments' or 'ledger_entries'\n{rules}/scope.yaml, line 2: "
        "systems.warehouse_robots: Value error, say why the system is not connected (reason)",
        2,
    ),
    (
        "a-scope-since-date-that-is-not-a-date",
        _rules_file("scope.yaml", "systems:\n  shipments:\n    since: next tuesday\n"),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/scope.yaml, line 3: systems.shipments.since: Input "
        "should be a valid date or datetime, invalid character in year",
        2,
    ),
    (
        "an-inactive-currency-in-the-currency-list",
        _rules_file("currencies.yaml", "allowed: [GBP, XTS]\n"),
        RUN_N3,
        "2026-10-03 not reconciled: {rules}/currencies.yaml, line 1: allowed.1: Value error, "
        "'XTS' is not an active ISO-4217 currency code",
        2,
    ),
    # --- environment variables ------------------------------------------------------------
    (
        "a-start-date-in-the-future",
        _variables(RECON_START_DATE="2099-01-01"),
        RUN_N3,
        "2026-10-03 is not a night this store can reconcile: the nights are none yet, "
        "RECON_START_DATE (2099-01-01) is after the last complete day in RECON_TIMEZONE: set "
        "it to the first business date your landing files cover",
        2,
    ),
    (
        "an-impossible-start-date",
        _variables(RECON_START_DATE="2026-13-01"),
        RUN_N3,
        "RECON_START_DATE='2026-13-01' is not a YYYY-MM-DD date: set it to the first business "
        "date your landing files cover",
        2,
    ),
    (
        "an-empty-time-zone",
        _variables(RECON_TIMEZONE=""),
        RUN_N3,
        "RECON_TIMEZONE='' is not an IANA time zone: set it to one such as Europe/London",
        2,
    ),
    (
        "bigquery-without-a-project",
        _variables(RECON_WAREHOUSE="bigquery", RECON_BQ_DATASET="recon"),
        RUN_N3,
        "RECON_WAREHOUSE=bigquery needs RECON_BQ_PROJECT set: set it (docs/bigquery.md), or "
        "set RECON_WAREHOUSE=duckdb",
        2,
    ),
    (
        "a-memory-limit-that-is-not-a-size",
        _variables(RECON_DUCKDB_MEMORY_LIMIT="lots"),
        RUN_N3,
        "RECON_DUCKDB_MEMORY_LIMIT='lots' is not a size: set it to one such as 4GB or 512MB, "
        "or unset it",
        2,
    ),
    (
        "the-landing-variable-pointing-at-a-file",
        _a_file_as("RECON_LANDING_DIR"),
        RUN_N3,
        "landing folder {root}/a-file does not exist: pass --landing (or set "
        "RECON_LANDING_DIR) to the folder the sources deliver into, or --allow-empty (resource "
        "landing: allow_empty) stores it as not delivered",
        2,
    ),
    (
        "the-rules-folder-missing",
        _variables(RECON_RULES_DIR="{root}/no-rules"),
        RUN_N3,
        "2026-10-03 not reconciled: {root}/no-rules/timing.yaml: file is missing",
        2,
    ),
    (
        "a-slack-wait-cap-that-is-not-a-number",
        _variables(
            SLACK_BOT_TOKEN="xoxb-never-printed",
            RECON_SLACK_CHANNEL="#finance",
            RECON_SLACK_MAX_RETRY_AFTER="soon",
        ),
        RUN_N3,
        "RECON_SLACK_MAX_RETRY_AFTER='soon' is not a number of seconds: set it to one such as 60",
        2,
    ),
    (
        "a-slack-token-without-a-channel",
        _variables(SLACK_BOT_TOKEN="xoxb-never-printed"),
        RUN_N3,
        "SLACK_BOT_TOKEN is set but RECON_SLACK_CHANNEL is not: set it to the channel the "
        "report goes to (e.g. #finance-ops), or unset SLACK_BOT_TOKEN to keep Slack off",
        2,
    ),
    (
        "dagster-home-a-file",
        _a_file_as("DAGSTER_HOME"),
        RUN_N3,
        "DAGSTER_HOME='{root}/a-file' is a file: point DAGSTER_HOME at a folder, or unset it "
        "(the runs are then kept under RECON_HOME)",
        2,
    ),
    # --- command-line arguments -----------------------------------------------------------
    (
        "a-date-in-words",
        lambda s, m: None,
        ("run", "--date", "yesterday"),
        "Invalid value for --date: 'yesterday' is not a YYYY-MM-DD date: see recon run --help",
        2,
    ),
    (
        "a-date-without-its-leading-zero",
        lambda s, m: None,
        ("run", "--date", "2026-10-3"),
        "Invalid value for --date: '2026-10-3' is not a YYYY-MM-DD date: see recon run --help",
        2,
    ),
    (
        "a-backfill-range-backwards",
        lambda s, m: None,
        ("backfill", "--start", N2, "--end", N1),
        "Invalid value for --end: 2026-10-01 is before --start 2026-10-02: see recon backfill "
        "--help",
        2,
    ),
    (
        "a-backfill-ending-after-the-last-night",
        lambda s, m: None,
        ("backfill", "--start", N1, "--end", "2099-01-01"),
        "2099-01-01 is not a night this store can reconcile: the nights are 2026-10-01 "
        "(RECON_START_DATE) to {last} (the last complete day in RECON_TIMEZONE)",
        2,
    ),
    (
        "a-misspelt-option",
        lambda s, m: None,
        ("run", "--dat", N3),
        "No such option: --dat (Possible options: --date): see recon run --help",
        2,
    ),
    (
        "an-unknown-option-before-the-command",
        lambda s, m: None,
        ("--verbose", "run", "--date", N3),
        "No such option: --verbose: see recon --help",
        2,
    ),
    (
        "the-landing-option-pointing-at-a-file",
        lambda s, m: (s.root / "a-file").write_text("x"),
        ("run", "--date", N3, "--landing", "{root}/a-file"),
        "landing folder {root}/a-file does not exist: pass --landing (or set "
        "RECON_LANDING_DIR) to the folder the sources deliver into, or --allow-empty (resource "
        "landing: allow_empty) stores it as not delivered",
        2,
    ),
    (
        "exceptions-of-a-night-not-reconciled",
        lambda s, m: None,
        ("exceptions", "--date", N3),
        "2026-10-03 has not been reconciled: run `recon run --date 2026-10-03` first",
        2,
    ),
    (
        "the-report-of-a-night-not-reconciled",
        lambda s, m: None,
        ("report", "--date", N3),
        "No report is stored for 2026-10-03: run `recon run --date 2026-10-03`.",
        2,
    ),
    (
        "accepting-a-break-that-does-not-exist",
        lambda s, m: None,
        ("accept", "no-such-break", "--reason", "x", "--owner", "finance"),
        "no-such-break: no stored night has this break",
        2,
    ),
    # --- vendor exports for recon convert -------------------------------------------------
    (
        "a-vendor-format-that-does-not-exist",
        lambda s, m: None,
        ("convert", "--format", "shopfiy-orders", "--input", "{root}/x.csv"),
        "unknown format 'shopfiy-orders'; expected one of shopify-orders, shopify-payments, "
        "stripe-balance-change, stripe-payouts, stripe-balance-history, adyen-settlement, "
        "paypal-stl, paypal-trr, shipstation-shipments, square-transactions, xero-gl, "
        "quickbooks-gl",
        2,
    ),
    (
        "a-vendor-export-that-is-not-there",
        lambda s, m: None,
        ("convert", "--format", "shopify-orders", "--input", "{root}/x.csv"),
        "{root}/x.csv: no such file",
        2,
    ),
    (
        "a-stripe-export-converted-as-shopify",
        lambda s, m: shutil.copy(
            SAMPLES / "stripe_balance_change_itemized.sample.csv", s.root / "x.csv"
        ),
        ("convert", "--format", "shopify-orders", "--input", "{root}/x.csv"),
        "x.csv: unknown or drifted header, missing column(s): 'Name' (no similar header); "
        "'Total' (no similar header); 'Created at' (closest header found: 'created'); "
        "'Lineitem quantity' (no similar header); 'Refunded Amount' (no similar header); "
        "'Cancelled at' (no similar header)",
        2,
    ),
    (
        "a-shopify-total-that-is-not-money",
        lambda s, m: (s.root / "x.csv").write_bytes(
            (SAMPLES / "shopify_orders.sample.csv").read_bytes().replace(b",220.06,", b",22O.06,")
        ),
        ("convert", "--format", "shopify-orders", "--input", "{root}/x.csv"),
        "x.csv, line 2, column 'Total': '22O.06' is not an amount",
        2,
    ),
    (
        "convert-with-nothing-to-convert",
        lambda s, m: None,
        ("convert",),
        "Invalid value: give --format and --input, or --feeds: see recon convert --help",
        2,
    ),
    (
        "a-feeds-file-with-an-unknown-key",
        _rules_file("sources.yaml", "feeds:\n  - format: shopify-orders\n    pth: x.csv\n"),
        ("convert", "--feeds", "{root}"),
        "{rules}/sources.yaml, line 3: feeds.0.pth: unknown key",
        2,
    ),
    # --- faults ---------------------------------------------------------------------------
    (
        "slack-rate-limiting-past-the-cap",
        _slack_answering("rate-limited"),
        RUN_N3,
        "The run for 2026-10-03 failed at step slack_report: Slack did not take the report for "
        "2026-10-03 after retries: rate limited: Slack asked to wait 100 s, more than the 60 s "
        "allowed (RECON_SLACK_MAX_RETRY_AFTER). The report is kept at "
        "{home}/reports/2026-10-03.md. (Dagster run {run}) (recon --debug ... prints the "
        "traceback)",
        1,
    ),
    (
        "slack-unavailable",
        _slack_answering("server-error"),
        RUN_N3,
        "The run for 2026-10-03 failed at step slack_report: Slack did not take the report for "
        "2026-10-03 after retries: The request to the Slack API failed. (url: "
        "{slack}/server-error/api/chat.postMessage) The server responded with: {{'ok': False, "
        "'error': 'Received a response in a non-JSON format: upstream connect error'}}. The "
        "report is kept at {home}/reports/2026-10-03.md. (Dagster run {run}) (recon --debug "
        "... prints the traceback)",
        1,
    ),
    (
        "a-revoked-slack-token",
        _slack_answering("invalid-auth"),
        RUN_N3,
        "The run for 2026-10-03 failed at step slack_report: Slack did not take the report for "
        "2026-10-03 after retries: The request to the Slack API failed. (url: "
        "{slack}/invalid-auth/api/chat.postMessage) The server responded with: {{'ok': False, "
        "'error': 'invalid_auth'}}. The report is kept at {home}/reports/2026-10-03.md. "
        "(Dagster run {run}) (recon --debug ... prints the traceback)",
        1,
    ),
    (
        "a-slack-error-echoing-the-token",
        _slack_answering("echoes-the-token"),
        RUN_N3,
        "The run for 2026-10-03 failed at step slack_report: Slack did not take the report for "
        "2026-10-03 after retries: The request to the Slack API failed. (url: "
        "{slack}/echoes-the-token/api/chat.postMessage) The server responded with: {{'ok': "
        "False, 'error': 'not_authed: token [redacted] was refused'}}. The report is kept at "
        "{home}/reports/2026-10-03.md. (Dagster run {run}) (recon --debug ... prints the "
        "traceback)",
        1,
    ),
]


@pytest.mark.parametrize(
    ("mistake", "command", "message", "exit_code"),
    [pytest.param(*m[1:], id=m[0]) for m in MISTAKES],
)
def test_a_mistake_ends_in_one_line_and_leaves_the_stored_nights_as_they_were(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    mistake: Callable[[Store, pytest.MonkeyPatch], None],
    command: tuple[str, ...],
    message: str,
    exit_code: int,
) -> None:
    before = stored_nights(store)
    last = build_daily_partitions(Settings.from_env()).get_last_partition_key()
    mistake(store, monkeypatch)
    places = {"root": store.root, "landing": store.landing, "rules": store.rules}
    result = CliRunner().invoke(app, [c.format(**places) for c in command])
    run_id = result.output.rpartition("(Dagster run ")[2].partition(")")[0]
    expected = message.format(
        **places, home=store.home, last=last, run=run_id, slack=_slack_standin()
    )
    assert result.output.strip() == expected
    assert result.exit_code == exit_code
    assert "xoxb-never-printed" not in result.output
    assert stored_nights(store) == before


def test_debug_prints_the_traceback(store: Store) -> None:
    result = CliRunner().invoke(app, ["--debug", "run", "--date", N2, "--landing", "/wrong/path"])
    assert result.exit_code == 1
    assert "LandingFolderError" in repr(result.exception)


def test_allow_empty_says_a_missing_folder_is_meant(store: Store) -> None:
    result = CliRunner().invoke(
        app, ["run", "--date", N2, "--landing", str(store.root / "gone"), "--allow-empty"]
    )
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(store.home / "recon.duckdb"), read_only=True) as con:
        delivered = con.execute(
            f"SELECT count(*) FROM source_deliveries WHERE business_date = '{N2}' AND delivered"
        ).fetchone()
    assert delivered == (0,)


def test_the_executable_says_a_bad_variable_in_one_line_before_loading_dagster(
    store: Store,
) -> None:
    recon = Path(sys.executable).parent / "recon"
    env = {**store.env(), "RECON_START_DATE": "garbage", "PATH": str(recon.parent)}
    done = subprocess.run(
        [str(recon), "run", "--date", N3], env=env, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "RECON_START_DATE='garbage' is not a YYYY-MM-DD date: set it to the first business "
        "date your landing files cover\n",
    )


def test_a_full_disk_is_one_line_with_exit_code_one() -> None:
    # Real ENOSPC errors, from Python and from DuckDB: /dev/full refuses every write.
    with pytest.raises(OSError) as python, open("/dev/full", "w") as full:
        full.write("x")
        full.flush()
    assert python.value.errno == errno.ENOSPC
    with pytest.raises(duckdb.IOException) as engine:
        duckdb.connect().execute("COPY (SELECT * FROM range(100000)) TO '/dev/full' (FORMAT csv)")
    for caught in (python, engine):
        outcome = explain(caught.value, "/srv/recon")
        assert (outcome.message, outcome.exit_code) == (
            "no space left on the device: free some space and run again",
            1,
        )


def test_an_unwritable_recon_home_names_the_variable(store: Store, monkeypatch) -> None:
    monkeypatch.setenv("RECON_HOME", "/sys/recon-home")
    monkeypatch.delenv("DAGSTER_HOME")
    result = CliRunner().invoke(app, ["run", "--date", N3])
    assert result.exit_code == 2
    assert result.output.startswith("Cannot write under RECON_HOME='/sys/recon-home': ")
    assert result.output.strip().endswith(
        "point RECON_HOME (and DAGSTER_HOME, if set) at a folder you can write to"
    )


def test_a_night_dagster_has_no_partition_for_names_the_range(store: Store) -> None:
    """What the runner raises when asked for a date past the partitions (the UI's own check
    is Dagster's; the command line refuses it before starting)."""
    with pytest.raises(NightFailed) as caught:
        materialize_nights(Settings.from_env(), ["2099-01-01"])
    partitions = build_daily_partitions(Settings.from_env())
    first, last = partitions.get_first_partition_key(), partitions.get_last_partition_key()
    outcome = explain(caught.value, str(store.home))
    assert (outcome.message, outcome.exit_code) == (
        "Could not find a partition with key `2099-01-01`: the nights this store can reconcile "
        f"are {first} (RECON_START_DATE) to {last} (the last complete day in RECON_TIMEZONE)",
        2,
    )


def test_a_warehouse_held_by_another_process_is_one_line_naming_it(store: Store) -> None:
    # Another process holds the file open, as a run does until it ends.
    database = store.home / "recon.duckdb"
    hold = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); input()"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        result = CliRunner().invoke(app, ["exceptions", "--date", N1])
    finally:
        holder.communicate("\n")
    assert (result.output, result.exit_code) == (
        f"the warehouse {database} is in use by process {holder.pid} (a run holds it until it "
        "ends): run again once that has finished\n",
        1,
    )
