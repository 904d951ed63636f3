"""A break's evidence is bounded (issue 10): one order with thousands of parcels keeps the
first records and a count of the rest, while `recon trace` still lists every record."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from recon_assets.cli import app
from recon_assets.rules import Timing
from recon_assets.settings import Settings
from recon_assets_tests.books import Books, day, ts

PARCELS = 5000
ORDER = "80001"


def test_an_order_with_thousands_of_parcels_keeps_small_evidence_and_a_full_trace(
    settings: Settings,
) -> None:
    books = Books()
    books.web_sale(day(1), ORDER, units=2)
    for i in range(PARCELS):
        books.add(
            "shipments", day(1), shipment_id=f"SHP-{ORDER}-{i:05d}", order_ref=ORDER,
            shipped_ts=ts(day(1)), carrier="dhl", tracking=f"T{i:05d}", units=1,
        )  # fmt: skip
    books.write(settings.landing_dir, 1)
    night = day(1).isoformat()
    runner = CliRunner()
    ran = runner.invoke(app, ["run", "--date", night])
    assert ran.exit_code == 0, ran.output

    listed = runner.invoke(app, ["exceptions", "--date", night, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    [brk] = [b for b in json.loads(listed.output) if b["check"] == "sale_vs_shipment"]
    assert brk["class"] == "genuine_error"  # 5,001 units shipped against 2 sold
    limit = Timing().evidence_records
    # The sale and every parcel: 1 + 1 + 5,000 records behind the break.
    total = PARCELS + 2
    *records, omitted = brk["evidence"]
    assert len(records) == limit
    assert [r["source"] for r in records[:1]] == ["storefront_orders"]
    assert omitted == {
        "omitted_records": total - limit,
        "records": total,
        "retrieve": f"recon trace {ORDER}",
    }
    # Every parcel as evidence would be over a megabyte; the whole night's list stays small.
    assert len(listed.output) < 50_000

    traced = runner.invoke(app, ["trace", ORDER, "--format", "json"])
    assert traced.exit_code == 0, traced.output
    shipments = [r for r in json.loads(traced.output)["records"] if r["source"] == "shipments"]
    assert len(shipments) == PARCELS + 1
