"""Property: whatever is lost, late or wrong, every record of the night is accounted for."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recon_assets.reconciliation.assets import conservation_result
from recon_assets.rules import load_rules
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets.sources.catalog import SOURCES
from recon_assets.warehouse_duckdb import DuckDBWarehouse
from recon_assets_tests.books import D1, Books, day, reconcile

RULES = load_rules(DEFAULT_RULES_DIR)
orders = st.lists(
    st.tuples(
        st.sampled_from(["card", "paypal", "gift_card"]),
        st.integers(min_value=1, max_value=500_000),
        st.integers(min_value=1, max_value=4),
        st.sampled_from(["GBP", "EUR", "JPY"]),
        st.integers(min_value=1, max_value=2),  # the night it happened
    ),
    min_size=1,
    max_size=8,
)
# Which records to lose: (source index, position) pairs, taken modulo what exists.
losses = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 50)), max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=orders, losses=losses, tweak=st.integers(-3, 3))
def test_every_record_is_in_exactly_one_row_and_money_adds_up(orders, losses, tweak):
    books = Books()
    for n, (tender, amount, units, currency, night) in enumerate(orders):
        books.web_sale(day(night), f"{5000 + n}", amount, currency, units, tender)
    books.bank_adjust = {"PO-1": tweak}
    for source_index, position in losses:
        source = SOURCES[source_index].name
        rows = books.rows[(source, D1)]
        if rows:
            rows.pop(position % len(rows))
    with tempfile.TemporaryDirectory() as folder:
        landing = Path(folder) / "landing"
        books.write(landing, 2)
        warehouse = DuckDBWarehouse(database=str(Path(folder) / "recon.duckdb"))
        nights = reconcile(warehouse, landing, RULES, 2)
        with warehouse.session() as session:
            for n in (1, 2):
                result = conservation_result(session, day(n))
                assert result.passed, result.metadata["unbalanced"]
            # Every break has records behind it, and every break id is unique.
            for breaks in nights:
                assert breaks["break_id"].is_unique
                assert (breaks["evidence"] != "[]").all()
