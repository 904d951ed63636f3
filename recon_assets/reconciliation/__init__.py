"""Stage 2: every order, payment, payout and store-day matched across the systems it touches
(SQL), and every break classified as timing, mapping, genuine error or known and accepted,
with its owner, age and money at stake (rules)."""
