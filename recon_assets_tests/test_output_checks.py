"""The output checks can fail, and a night run again is byte for byte the same."""

from __future__ import annotations

from recon_assets.reconciliation.assets import conservation_result, proven_identical
from recon_assets.reconciliation.digests import NightDigest, table_digest
from recon_assets.rules import load_rules
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets_tests.books import Books, day, reconcile

RULES = load_rules(DEFAULT_RULES_DIR)


def _two_nights(settings, warehouse) -> None:
    books = Books()
    books.web_sale(day(1), "1001")
    books.web_sale(day(2), "1002", currency="EUR")
    books.drop("shipments", day(1), order_ref="1001")
    books.write(settings.landing_dir, 2)
    reconcile(warehouse, settings.landing_dir, RULES, 2)


def _unbalanced_after(settings, warehouse, change: str) -> dict:
    """The one unbalanced row of night 2's conservation check once `change` is made to its
    entity_records (the check passes before, fails after)."""
    _two_nights(settings, warehouse)
    with warehouse.session() as session:
        assert conservation_result(session, day(2)).passed
        session.execute(change, {"d": day(2)})
        result = conservation_result(session, day(2))
    assert not result.passed
    [row] = result.metadata["unbalanced"].data
    return row


def test_conservation_fails_when_a_record_is_in_no_row(settings, warehouse):
    row = _unbalanced_after(
        settings,
        warehouse,
        "DELETE FROM entity_records WHERE recon_date = $d AND source = 'oms_orders'",
    )
    assert (row["source"], row["delivered_records"], row["placed_records"]) == (
        "oms_orders",
        1,
        0,
    )


def test_conservation_counts_the_placements_of_a_record_placed_twice(settings, warehouse):
    row = _unbalanced_after(
        settings,
        warehouse,
        "INSERT INTO entity_records SELECT * FROM entity_records"
        " WHERE recon_date = $d AND source = 'oms_orders'",
    )
    assert (row["source"], row["delivered_records"], row["placed_records"]) == (
        "oms_orders",
        1,
        2,
    )
    assert row["misplaced_records"] == 2


def test_determinism_check_fails_only_when_the_same_inputs_and_rules_give_other_rows(
    settings, warehouse
):
    _two_nights(settings, warehouse)
    with warehouse.session() as session:

        def check(inputs: str, rules: str) -> bool:
            output, rows = table_digest(session, "classified_variances", day(1))
            now = NightDigest(inputs, rules, output, rows)
            return proven_identical(session, "classified_variances", day(1), now).passed

        assert check("in", "rules")  # first materialisation: nothing to compare with
        assert check("in", "rules")  # the same rows again
        session.execute(
            "UPDATE classified_variances SET age_days = age_days + 1 WHERE recon_date = $d",
            {"d": day(1)},
        )
        assert not check("in", "rules")  # same inputs and rules, other rows
        session.execute(
            "UPDATE classified_variances SET age_days = age_days + 1 WHERE recon_date = $d",
            {"d": day(1)},
        )
        assert check("other in", "rules")  # other inputs: other rows are no proof of anything
        assert check("other in", "other rules")


def _night_bytes(warehouse, table: str) -> bytes:
    rows = warehouse.query(
        f"SELECT * FROM {table} WHERE recon_date = $d ORDER BY ALL", {"d": day(2)}
    )
    return rows.to_csv(index=False).encode()


def test_a_night_reconciled_again_later_is_byte_identical(settings, warehouse):
    _two_nights(settings, warehouse)
    tables = [
        "matched_ledger",
        "leg_facts",
        "fact_records",
        "entity_records",
        "classified_variances",
    ]
    with warehouse.session() as session:
        digests = [table_digest(session, t, day(2)) for t in tables]
    before = [_night_bytes(warehouse, t) for t in tables]
    assert all(rows > 0 for _, rows in digests)
    reconcile(warehouse, settings.landing_dir, RULES, 2)
    # The whole night done twice: the same bytes, and so the same digests computed in SQL.
    assert [_night_bytes(warehouse, t) for t in tables] == before
    with warehouse.session() as session:
        assert [table_digest(session, t, day(2)) for t in tables] == digests
