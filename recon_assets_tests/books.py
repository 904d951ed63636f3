"""Hand-written books for engine tests: consistent records across all seven systems.

Each helper writes one business event in every system that should have it, so a test
removes or changes exactly one record and states the one break it expects.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from recon_assets.reconciliation.assets import classify_and_store
from recon_assets.reconciliation.matching import run_matching
from recon_assets.rules import Rules
from recon_assets.sources.catalog import SOURCES
from recon_assets.sources.resource import LandingSource
from recon_assets.warehouse_duckdb import DuckDBWarehouse
from recon_assets_tests.conftest import write_landing

D1 = date(2026, 5, 4)


def day(n: int) -> date:
    """D1 is night 1; day(2) is the night after."""
    return D1 + timedelta(days=n - 1)


def ts(d: date) -> str:
    return f"{d.isoformat()}T23:50:00+01:00"


@dataclass
class Books:
    rows: dict[tuple[str, date], list[dict]] = field(default_factory=lambda: defaultdict(list))
    bank_skip: tuple[str, ...] = ()
    fees_skip: tuple[str, ...] = ()
    bank_adjust: dict[str, int] = field(default_factory=dict)
    seq: int = 0

    def add(self, source: str, d: date, **row) -> dict:
        self.rows[(source, d)].append(row)
        return row

    def _id(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}{self.seq:04d}"

    def post(self, d: date, account: str, reference: str, currency: str, dr: int = 0, cr: int = 0):
        return self.add(
            "ledger_entries", d, entry_id=self._id("JE"), posting_date=d.isoformat(),
            account=account, reference=reference, currency=currency, debit_minor=dr,
            credit_minor=cr, memo="",
        )  # fmt: skip

    def settle(self, d: date, psp: str, currency: str, gross: int, fee: int, payout: str):
        return self.add(
            "processor_settlements", d, settlement_line_id=f"SL-{psp}", psp_reference=psp,
            payout_id=payout, settled_date=d.isoformat(), currency=currency, gross_minor=gross,
            fee_minor=fee, net_minor=gross - fee,
        )  # fmt: skip

    def web_sale(
        self,
        d: date,
        order: str,
        amount: int = 10_000,
        currency: str = "GBP",
        units: int = 2,
        tender: str = "card",
        fee: int = 150,
        payout: str = "PO-1",
    ) -> None:
        """A web order that ties everywhere on its own night."""
        self.add(
            "storefront_orders", d, event_id=f"{order}-01", order_id=order, event_type="order",
            event_ts=ts(d), currency=currency, amount_minor=amount, units=units,
            payment_method=tender,
        )  # fmt: skip
        self.add(
            "oms_orders", d, order_id=order, channel="web", created_ts=ts(d), currency=currency,
            amount_minor=amount, units=units,
        )  # fmt: skip
        if tender in ("card", "paypal"):
            psp = f"psp-{order}"
            self.add(
                "processor_transactions", d, psp_reference=psp, order_ref=order,
                processor="stripe" if tender == "card" else "paypal", txn_type="capture",
                event_ts=ts(d), currency=currency, amount_minor=amount, fee_minor=fee,
            )  # fmt: skip
            self.settle(d, psp, currency, amount, fee, payout)
        self.add(
            "shipments", d, shipment_id=f"SHP-{order}", order_ref=order, shipped_ts=ts(d),
            carrier="dhl", tracking=f"T{order}", units=units,
        )  # fmt: skip
        self.post(d, "4000", order, currency, cr=amount)
        self.post(d, "1100" if tender != "gift_card" else "2100", order, currency, dr=amount)

    def web_refund(
        self, d: date, order: str, amount: int, currency: str = "GBP", tender: str = "card"
    ) -> None:
        self.add(
            "storefront_orders", d, event_id=f"{order}-R{self.seq}", order_id=order,
            event_type="refund", event_ts=ts(d), currency=currency, amount_minor=amount, units=0,
            payment_method=tender,
        )  # fmt: skip
        self.seq += 1
        if tender in ("card", "paypal"):
            psp = f"psp-{order}-r{self.seq}"
            self.add(
                "processor_transactions", d, psp_reference=psp, order_ref=order,
                processor="stripe", txn_type="refund", event_ts=ts(d), currency=currency,
                amount_minor=amount, fee_minor=0,
            )  # fmt: skip
            self.settle(d, psp, currency, -amount, 0, f"PO-R{self.seq}")
        self.post(d, "4010", order, currency, dr=amount)
        self.post(d, "1100", order, currency, cr=amount)

    def pos_sale(
        self,
        d: date,
        order: str,
        store: str = "LDN01",
        amount: int = 5_000,
        tender: str = "cash",
        fulfilment: str = "carry_out",
    ) -> None:
        psp = f"psp-{order}" if tender == "card" else ""
        self.add(
            "pos_transactions", d, txn_id=f"T{order}", store_id=store, order_id=order,
            txn_type="sale", event_ts=ts(d), currency="GBP", amount_minor=amount, units=1,
            tender=tender, psp_reference=psp, fulfilment=fulfilment,
        )  # fmt: skip
        self.add(
            "oms_orders", d, order_id=order, channel="pos", created_ts=ts(d), currency="GBP",
            amount_minor=amount, units=1,
        )  # fmt: skip
        if tender == "card":
            self.add(
                "processor_transactions", d, psp_reference=psp, order_ref=order,
                processor="adyen", txn_type="capture", event_ts=ts(d), currency="GBP",
                amount_minor=amount, fee_minor=0,
            )  # fmt: skip
            self.settle(d, psp, "GBP", amount, 0, "PO-POS")
        if fulfilment == "ship":
            self.add(
                "shipments", d, shipment_id=f"SHP-{order}", order_ref=order, shipped_ts=ts(d),
                carrier="dhl", tracking="", units=1,
            )  # fmt: skip

    def pos_takings(self, d: date, store: str, sales: int, refunds: int = 0) -> None:
        ref = f"POS:{store}:{d.isoformat()}"
        self.post(d, "4000", ref, "GBP", cr=sales)
        if refunds:
            self.post(d, "4010", ref, "GBP", dr=refunds)

    def bank_payouts(self) -> Books:
        """Books plus the bank and fee postings of every payout, from its lines as they are."""
        books = Books(defaultdict(list, {k: list(v) for k, v in self.rows.items()}), seq=self.seq)
        payouts: dict[str, dict] = {}
        for (source, d), rows in sorted(self.rows.items(), key=lambda item: item[0][1]):
            for line in rows if source == "processor_settlements" else ():
                p = payouts.setdefault(line["payout_id"], {"day": d, "cur": line["currency"]})
                p["net"] = p.get("net", 0) + line["net_minor"]
                p["fee"] = p.get("fee", 0) + line["fee_minor"]
        for payout, p in sorted(payouts.items()):
            if payout in self.bank_skip:
                continue
            net = p["net"] + self.bank_adjust.get(payout, 0)
            books.post(p["day"], "1000", payout, p["cur"], dr=max(net, 0), cr=max(-net, 0))
            if p["fee"] and payout not in self.fees_skip:
                books.post(p["day"], "6100", payout, p["cur"], dr=p["fee"])
        return books

    def drop(self, source: str, d: date, **match) -> None:
        """Remove the records of `source` on `d` whose fields equal `match`."""
        rows = self.rows[(source, d)]
        kept = [r for r in rows if any(r.get(k) != v for k, v in match.items())]
        assert len(kept) < len(rows), f"nothing in {source} on {d} matches {match}"
        self.rows[(source, d)] = kept

    def change(self, source: str, d: date, match: dict, **values) -> None:
        hits = [r for r in self.rows[(source, d)] if all(r.get(k) == v for k, v in match.items())]
        assert hits, f"nothing in {source} on {d} matches {match}"
        for row in hits:
            row.update(values)

    def write(self, landing: Path, nights: int) -> None:
        """The landing files of nights 1..n, payouts posted to the bank (unless told not to)."""
        rows = self.bank_payouts().rows
        for n in range(1, nights + 1):
            for spec in SOURCES:
                write_landing(landing, spec.name, day(n).isoformat(), rows[(spec.name, day(n))])


def reconcile(
    warehouse: DuckDBWarehouse, landing: Path, rules: Rules, nights: int, first: date = D1
) -> list:
    """Load and reconcile `nights` nights from `first` in order, as the assets do.

    Returns each night's classified breaks.
    """
    source = LandingSource(landing_dir=str(landing))
    out = []
    for n in range(nights):
        night = first + timedelta(days=n)
        with warehouse.session() as session, session.transaction():
            for spec in SOURCES:
                frame = source.read(spec, night.isoformat()).frame
                session.replace_partition(spec.name, {"business_date": night}, frame)
            run_matching(session, rules, night)
            out.append(classify_and_store(session, rules, night))
    return out


def opened(breaks) -> set[tuple[str, str, str]]:
    return {(b.check_name, b.key, b["class"]) for _, b in breaks.iterrows()}
