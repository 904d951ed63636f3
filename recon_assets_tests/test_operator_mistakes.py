"""The operator's mistakes as a corpus (issue 10): each one against a real store of two
reconciled nights (a real DuckDB file, a real Dagster instance, real landing files), through
the command line. Each ends in the exact one-line message (a rejected file: one line per
problem) and exit code, and leaves the stored nights byte for byte as they were."""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from recon_assets.cli import app
from recon_assets.cli_errors import explain
from recon_assets.generator import generate
from recon_assets.partitions import build_daily_partitions
from recon_assets.runner import NightFailed, materialize_nights
from recon_assets.settings import DEFAULT_RULES_DIR, Settings
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


def _rejected(*problems: str) -> str:
    lines = "".join(f"\n  - oms_orders/{N3}.csv, {p}" for p in problems)
    return (
        f"{N3} not reconciled: {{landing}}/oms_orders/{N3}.csv: {len(problems)} problem(s){lines}"
    )


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
        lambda s, m: (
            (s.root / "a-file").write_text("x"),
            m.setenv("RECON_HOME", str(s.root / "a-file")),
        ),
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
    expected = message.format(**places, home=store.home, last=last, run=run_id)
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
