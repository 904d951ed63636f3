"""The audit trail and learning the edges (DESIGN.md sections 1 and 7).

trace: every record of a key and its breaks night by night; accept: a break written down
as a reviewed rule; backtest: what rules would do to the stored nights; history: what each
night and run reported; expiry: rules about to stop matching.
"""
