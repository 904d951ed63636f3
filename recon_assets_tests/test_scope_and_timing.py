"""Issue 13, points 1 and 3: the systems in scope (rules/scope.yaml) and an SLA per processor
or store (rules/timing.yaml overrides), from the rules models to nights run by `recon`."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from recon_assets.cli import app
from recon_assets.legs import (
    CAPTURE_VS_SETTLEMENT,
    GENUINE_ERROR,
    POS_TAKINGS_VS_LEDGER,
    SALE_VS_OMS,
    TIMING,
    WEB_SALE_VS_LEDGER,
)
from recon_assets.rules import (
    SOURCE_NAMES,
    RulesError,
    Scope,
    Timing,
    load_rules,
    load_scope,
    load_yaml_model,
)
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets_tests.books import Books, day, opened, reconcile
from recon_assets_tests.conftest import SHARED_FORMATS

runner = CliRunner()

NO_OMS_NO_3PL = """\
systems:
  oms_orders:
    connected: false
    reason: no separate OMS
  shipments:
    connected: false
    reason: no 3PL connected
"""
SCOPE_LINE = (
    "Not reconciled (rules/scope.yaml): oms_orders: no separate OMS (sale_vs_oms); "
    "shipments: no 3PL connected (sale_vs_shipment)."
)


def rules_with(tmp_path: Path, **files: str) -> Path:
    """The project's rules with some files written over (`scope="..."` is scope.yaml)."""
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    for name, text in files.items():
        (rules / f"{name}.yaml").write_text(text, encoding="utf-8")
    return rules


def recon(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def exceptions(night: date) -> list[dict]:
    return json.loads(recon("exceptions", "--date", night.isoformat(), "--format", "json"))


# The rules models --------------------------------------------------------------------------


def test_no_scope_file_puts_every_system_in_scope_from_the_first_night(tmp_path):
    scope = load_scope(tmp_path)
    assert scope == Scope() and load_scope(DEFAULT_RULES_DIR) == Scope()
    assert scope.not_reconciled(date(2026, 5, 4)) == ()
    assert scope.part_reconciled_from(SALE_VS_OMS, "total") == date.min


@pytest.mark.parametrize(
    "text, message",
    [
        ("systems:\n  shipments:\n    conected: false\n", "line 3: systems.shipments.conected: "
         "unknown key"),
        ("systems:\n  warehouse:\n    connected: false\n", "line 2: systems.warehouse"),
        ("systems:\n  shipments:\n    connected: false\n", "say why the system is not connected"),
        ("systems:\n  ledger_entries:\n    connected: false\n    reason: x\n"
         "    since: 2026-06-01\n", "a system that is not connected has no since date"),
        ("sources: {}\n", "line 1: sources: unknown key"),
    ],
)  # fmt: skip
def test_a_scope_file_is_refused_naming_file_line_and_what_is_wrong(tmp_path, text, message):
    (tmp_path / "scope.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=r"scope\.yaml") as caught:
        load_scope(tmp_path)
    assert message in str(caught.value)


def test_scope_names_each_leg_part_stopped_once_and_a_channel_alone_stops_nothing():
    scope = Scope.model_validate(
        {
            "systems": {
                "pos_transactions": {"connected": False, "reason": "no showrooms"},
                "shipments": {"connected": False, "reason": "no 3PL connected"},
                "ledger_entries": {"since": date(2026, 6, 1)},
            }
        }
    )
    before = {g.source: (g.why, g.parts) for g in scope.not_reconciled(date(2026, 5, 31))}
    assert before == {
        "pos_transactions": ("no showrooms", (("pos_takings_vs_ledger", "sales"),
                                              ("pos_takings_vs_ledger", "refunds"))),
        "shipments": ("no 3PL connected", (("sale_vs_shipment", "units"),)),
        "ledger_entries": ("connected from 2026-06-01", (
            ("web_sale_vs_ledger", "revenue"), ("refund_vs_processor_vs_ledger", "ledger"),
            ("payout_vs_bank", "bank"), ("payout_vs_bank", "fees"))),
    }  # fmt: skip
    # The web storefront still sells: sale_vs_oms and sale_vs_capture need either channel.
    assert scope.part_reconciled_from(SALE_VS_OMS, "total") == date.min
    assert scope.part_reconciled_from(WEB_SALE_VS_LEDGER, "revenue") == date(2026, 6, 1)
    assert scope.part_reconciled_from(POS_TAKINGS_VS_LEDGER, "sales") == date.max
    after = [g.source for g in scope.not_reconciled(date(2026, 6, 1))]
    assert after == ["pos_transactions", "shipments"]


def test_timing_overrides_per_processor_and_store_where_the_leg_names_them(tmp_path):
    path = tmp_path / "timing.yaml"
    path.write_text(
        "overrides:\n"
        "  capture_vs_settlement:\n    processor: {stripe: 7, adyen: 3, paypal: 1}\n"
        "  pos_takings_vs_ledger:\n    store: {MAN01: 4}\n",
        encoding="utf-8",
    )
    timing = load_yaml_model(path, Timing)
    assert timing.sla(CAPTURE_VS_SETTLEMENT) == 3  # the leg's own SLA is unchanged
    assert timing.override_rows() == [
        (CAPTURE_VS_SETTLEMENT, "processor:adyen", 3),
        (CAPTURE_VS_SETTLEMENT, "processor:paypal", 1),
        (CAPTURE_VS_SETTLEMENT, "processor:stripe", 7),
        (POS_TAKINGS_VS_LEDGER, "store:MAN01", 4),
    ]
    path.write_text("overrides:\n  sale_vs_oms:\n    processor: {stripe: 7}\n", encoding="utf-8")
    # An OMS record names no processor, and a carrier is known only once a parcel shipped.
    with pytest.raises(RulesError, match=r"line 3: overrides\.sale_vs_oms\.processor: unknown key"):
        load_yaml_model(path, Timing)
    path.write_text("overrides:\n  sale_vs_shipment:\n    carrier: {dhl: 5}\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"line 3: overrides\.sale_vs_shipment\.carrier: unknown"):
        load_yaml_model(path, Timing)


# Nights run by `recon` on a real DuckDB ---------------------------------------------------------


def web_and_showroom_night(landing: Path, *, drop: tuple[str, ...]) -> None:
    """Night 1 of a retailer whose sales tie everywhere, without the systems in `drop`."""
    books = Books()
    books.web_sale(day(1), "1001")
    books.pos_sale(day(1), "2001", store="LDN01")
    books.pos_takings(day(1), "LDN01", 5_000)
    books.write(landing, 1)
    for source in drop:
        shutil.rmtree(landing / source)


def test_systems_out_of_scope_give_no_breaks_and_one_report_line(settings, tmp_path, monkeypatch):
    web_and_showroom_night(settings.landing_dir, drop=("oms_orders", "shipments"))
    monkeypatch.setenv("RECON_RULES_DIR", str(rules_with(tmp_path, scope=NO_OMS_NO_3PL)))
    recon("backfill", "--start", day(1).isoformat(), "--end", day(1).isoformat())

    assert exceptions(day(1)) == []
    report = recon("report", "--date", day(1).isoformat())
    assert report.startswith("Reconciliation for 2026-05-04 is clean")
    assert report.count("Not reconciled") == 1
    assert SCOPE_LINE in report
    slack = recon("report", "--date", day(1).isoformat(), "--slack")
    assert slack.count(SCOPE_LINE) == 1


def test_the_same_night_with_every_system_in_scope_breaks_and_is_not_clean(settings):
    """The control of the test above: the missing systems are breaks and missing sources."""
    web_and_showroom_night(settings.landing_dir, drop=("oms_orders", "shipments"))
    recon("backfill", "--start", day(1).isoformat(), "--end", day(1).isoformat())

    found = {(b["check"], b["key"]) for b in exceptions(day(1))}
    assert ("sale_vs_oms", "1001") in found and ("sale_vs_shipment", "1001") in found
    report = recon("report", "--date", day(1).isoformat())
    assert "is not clean" in report and "2 sources did not deliver" in report
    assert "Not reconciled" not in report


def test_a_source_in_scope_that_did_not_deliver_is_still_never_clean(
    settings, tmp_path, monkeypatch
):
    web_and_showroom_night(settings.landing_dir, drop=("oms_orders", "shipments"))
    shutil.rmtree(settings.landing_dir / "ledger_entries")
    monkeypatch.setenv("RECON_RULES_DIR", str(rules_with(tmp_path, scope=NO_OMS_NO_3PL)))
    recon("backfill", "--start", day(1).isoformat(), "--end", day(1).isoformat())

    report = recon("report", "--date", day(1).isoformat(), "--slack")
    assert "is not clean: " in report and "1 source did not deliver" in report
    assert "No file from ledger (ledger_entries)" in report
    assert "No file from order management" not in report and "No file from 3PL" not in report
    assert report.count(SCOPE_LINE) == 1


def test_a_ledger_that_joins_later_starts_from_its_date_not_with_old_breaks(
    settings, tmp_path, monkeypatch
):
    """Ledger connected from night 3: sales of nights 1-2 are never ledger breaks, even when
    the ledger's first day posts one of them at another amount; night 3's sales are."""
    books = Books()
    books.web_sale(day(1), "1001")
    books.web_sale(day(2), "1002")
    books.web_sale(day(3), "1003")
    books.web_sale(day(3), "1004")
    books.post(day(3), "4000", "1002", "GBP", cr=9_999)  # an old order, posted on joining
    books.drop("ledger_entries", day(3), reference="1003")
    books.write(settings.landing_dir, 3)
    for n in (1, 2):
        (settings.landing_dir / "ledger_entries" / f"{day(n).isoformat()}.csv").unlink()
    since = day(3).isoformat()
    scope = f"systems:\n  ledger_entries:\n    since: {since}\n"

    def ledger_breaks() -> dict[str, set]:
        recon("backfill", "--start", day(1).isoformat(), "--end", day(3).isoformat())
        return {
            n: {
                (b["check"], b["key"], b["class"])
                for b in exceptions(day(n))
                if b["check"] in (WEB_SALE_VS_LEDGER, "payout_vs_bank")
            }
            for n in (1, 2, 3)
        }

    monkeypatch.setenv("RECON_RULES_DIR", str(rules_with(tmp_path, scope=scope)))
    assert ledger_breaks() == {1: set(), 2: set(), 3: {(WEB_SALE_VS_LEDGER, "1003", TIMING)}}
    first = recon("report", "--date", day(1).isoformat())
    assert f"ledger_entries: connected from {since} (web_sale_vs_ledger, " in first
    assert "did not deliver" not in first
    assert "Not reconciled" not in recon("report", "--date", since)
    # An order the ledger leg did not compare has no status on it, not "matched".
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        statuses = dict(
            con.execute(
                "SELECT entity_key, status_web_sale_vs_ledger FROM matched_ledger "
                "WHERE recon_date = ? AND entity_type = 'order'",
                [day(3)],
            ).fetchall()
        )
    assert (statuses["1002"], statuses["1003"], statuses["1004"]) == (None, "open", "matched")

    # The control: the same files with the ledger in scope from the first night.
    shutil.rmtree(settings.home)
    monkeypatch.setenv("RECON_RULES_DIR", str(DEFAULT_RULES_DIR))
    without = ledger_breaks()[3]
    assert (WEB_SALE_VS_LEDGER, "1001", GENUINE_ERROR) in without
    assert (WEB_SALE_VS_LEDGER, "1002", GENUINE_ERROR) in without


STRIPE_ONLY = "systems:\n" + "".join(
    f"  {source}:\n    connected: false\n    reason: only Stripe is connected\n"
    for source in ("storefront_orders", "pos_transactions", "oms_orders", "shipments",
                   "ledger_entries")
)  # fmt: skip
# The Stripe balance-change sample: a charge of 1 May paid out on 7 May, three of 3 May on
# 9 May, those of 4 May on 10 May: 4-6 days after capture.
FIRST_CHARGE, THIRD_OF_MAY, FOURTH_OF_MAY = (
    "ch_3PBjvdGtEGgLrOja18CqHpJS",
    "ch_3PCHV6GtEGgLrOja0oWx1vCL",
    "ch_3PCcAUGtEGgLrOja0O26cuCO",
)


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ("{stripe: 7}", {FIRST_CHARGE: TIMING, THIRD_OF_MAY: TIMING, FOURTH_OF_MAY: TIMING}),
        # Another processor's SLA leaves Stripe on the leg's 3 days: 5 and 3 days old is late.
        ("{adyen: 7, paypal: 1}",
         {FIRST_CHARGE: GENUINE_ERROR, THIRD_OF_MAY: GENUINE_ERROR, FOURTH_OF_MAY: TIMING}),
    ],
)  # fmt: skip
def test_stripe_payouts_of_the_sample_are_on_time_under_a_stripe_sla_of_seven_days(
    settings, tmp_path, monkeypatch, overrides, expected
):
    sample = SHARED_FORMATS / "stripe_balance_change_itemized.sample.csv"
    recon("convert", "--format", "stripe-balance-change", "--input", str(sample),
          "--landing", str(settings.landing_dir))  # fmt: skip
    timing = (DEFAULT_RULES_DIR / "timing.yaml").read_text(encoding="utf-8")
    timing += f"overrides:\n  capture_vs_settlement:\n    processor: {overrides}\n"
    rules = rules_with(tmp_path, scope=STRIPE_ONLY, timing=timing)
    monkeypatch.setenv("RECON_RULES_DIR", str(rules))
    monkeypatch.setenv("RECON_START_DATE", "2024-05-01")
    recon("backfill", "--start", "2024-05-01", "--end", "2024-05-06")

    breaks = exceptions(date(2024, 5, 6))
    # Only Stripe is connected: every break is a capture (or refund) waiting for its payout.
    assert {b["check"] for b in breaks} == {CAPTURE_VS_SETTLEMENT}
    classes = {b["key"]: b["class"] for b in breaks}
    assert {key: classes[key] for key in expected} == expected
    ages = {b["key"]: b["age_days"] for b in breaks}
    assert (ages[FIRST_CHARGE], ages[THIRD_OF_MAY], ages[FOURTH_OF_MAY]) == (5, 3, 2)


def test_a_store_posted_weekly_gets_its_own_sla_and_the_others_keep_the_legs(
    settings, warehouse, tmp_path
):
    books = Books()
    books.pos_sale(day(1), "2001", store="LDN01")
    books.pos_sale(day(1), "2002", store="MAN01")
    books.write(settings.landing_dir, 3)  # neither store-day's takings are posted
    timing = (DEFAULT_RULES_DIR / "timing.yaml").read_text(encoding="utf-8")
    timing += "overrides:\n  pos_takings_vs_ledger:\n    store: {MAN01: 4}\n"
    rules = load_rules(rules_with(tmp_path, timing=timing))

    nights = reconcile(warehouse, settings.landing_dir, rules, 3)
    takings = {b for b in opened(nights[2]) if b[0] == POS_TAKINGS_VS_LEDGER}
    assert takings == {
        (POS_TAKINGS_VS_LEDGER, "POS:LDN01:2026-05-04", GENUINE_ERROR),  # 2 days: the leg's SLA
        (POS_TAKINGS_VS_LEDGER, "POS:MAN01:2026-05-04", TIMING),  # 2 of its 4 days
    }


def test_every_system_declared_in_scope_from_the_first_night_changes_no_break(
    settings, tmp_path, monkeypatch
):
    """The default is the old behaviour: a scope naming all seven systems from the first
    night gives byte for byte the exceptions of no scope file, on generated nights with
    every kind of break injected."""
    first, last = "2026-03-20", "2026-03-22"
    monkeypatch.setenv("RECON_START_DATE", first)
    recon("generate", "--out", str(settings.landing_dir), "--start", first, "--days", "3",
          "--orders-per-day", "20", "--seed", "7")  # fmt: skip

    def nights() -> list[str]:
        recon("backfill", "--start", first, "--end", last)
        return [recon("exceptions", "--date", d, "--format", "json") for d in (first, last)]

    default = nights()
    assert all(json.loads(night) for night in default)  # breaks to compare, not two empties
    shutil.rmtree(settings.home)
    everything = "systems:\n" + "".join(
        f"  {source}:\n    since: {first}\n" for source in SOURCE_NAMES
    )
    monkeypatch.setenv("RECON_RULES_DIR", str(rules_with(tmp_path, scope=everything)))
    assert nights() == default
