"""The audit trail: where an order, payment, payout or store-day stood night by night, and
the accepted edge cases the retailer has written down so the same break never pages twice.

trace: every record of a key and its breaks night by night; accept: a break written down
as a reviewed rule; backtest: what rules would do to the stored nights; history: what each
night and run reported; expiry: rules about to stop matching.
"""
