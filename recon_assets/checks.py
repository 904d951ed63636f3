"""Asset check names that a later stage reads: the report tells a source that did not deliver
apart from a failed check, so both stages name the check from here."""

DELIVERED = "delivered"
