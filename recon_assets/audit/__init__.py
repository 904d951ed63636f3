"""The audit trail and learning the edges (DESIGN.md sections 1 and 7).

trace: every record of a key and its breaks night by night; accept: a break written down
as a reviewed rule; backtest: what rules would do to the stored nights; history: what each
night and run reported; expiry: rules about to stop matching.
"""

from recon_assets.audit.accept import WrittenRule, accept_break
from recon_assets.audit.backtest import RuleBacktest, backtest, stored_breaks
from recon_assets.audit.expiry import rules_expiring
from recon_assets.audit.history import night_as_reported, rule_hits
from recon_assets.audit.store import AuditError, read_only_session
from recon_assets.audit.trace import Trace, trace_key

__all__ = [
    "AuditError",
    "RuleBacktest",
    "Trace",
    "WrittenRule",
    "accept_break",
    "backtest",
    "night_as_reported",
    "read_only_session",
    "rule_hits",
    "rules_expiring",
    "stored_breaks",
    "trace_key",
]
