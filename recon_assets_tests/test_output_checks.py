"""The output checks can fail, and a night run again is byte for byte the same."""

from __future__ import annotations

from recon_assets.reconciliation.assets import (
    conservation_result,
    done_twice,
    table_digest,
)
from recon_assets.rules import load_rules
from recon_assets.settings import PROJECT_ROOT
from recon_assets_tests.books import Books, day, reconcile

RULES = load_rules(PROJECT_ROOT / "rules")


def _two_nights(settings, warehouse) -> None:
    books = Books()
    books.web_sale(day(1), "1001")
    books.web_sale(day(2), "1002", currency="EUR")
    books.drop("shipments", day(1), order_ref="1001")
    books.write(settings.landing_dir, 2)
    reconcile(warehouse, settings.landing_dir, RULES, 2)


def test_conservation_fails_when_a_record_is_in_no_row(settings, warehouse):
    _two_nights(settings, warehouse)
    with warehouse.session() as session:
        assert conservation_result(session, day(2)).passed
        session.execute(
            "DELETE FROM entity_records WHERE recon_date = $d AND source = 'oms_orders'",
            {"d": day(2)},
        )
        lost = conservation_result(session, day(2))
    assert not lost.passed
    [row] = lost.metadata["unbalanced"].data
    assert (row["source"], row["delivered_records"], row["placed_records"]) == (
        "oms_orders",
        1,
        0,
    )


def test_determinism_check_tells_when_doing_the_work_again_differs(settings, warehouse):
    _two_nights(settings, warehouse)
    with warehouse.session() as session:
        counter = iter(range(100))

        def unstable() -> None:
            session.execute(
                "UPDATE classified_variances SET age_days = $n WHERE recon_date = $d",
                {"n": next(counter), "d": day(1)},
            )

        _, first, again = done_twice(session, unstable, ["classified_variances"], day(1))
        assert first != again
        _, first, again = done_twice(session, lambda: None, ["classified_variances"], day(1))
        assert first == again


def test_a_night_reconciled_again_later_is_byte_identical(settings, warehouse):
    _two_nights(settings, warehouse)
    tables = ["matched_ledger", "leg_facts", "fact_records", "classified_variances"]
    with warehouse.session() as session:
        before = [table_digest(session, t, day(2)) for t in tables]
    reconcile(warehouse, settings.landing_dir, RULES, 2)
    with warehouse.session() as session:
        assert [table_digest(session, t, day(2)) for t in tables] == before
