"""Secrets out of error text: what Slack, BigQuery, the narrator or a vendor API answer can echo,
and that text is logged, stored in run metadata and printed; it passes through `redact` first."""

from __future__ import annotations

import re

from recon_assets.settings import secret_values

# Any Slack token (bot xoxb-, user xoxp-, app xoxa-, refresh xoxe-...), configured or not.
_SLACK_TOKEN = re.compile(r"xox[a-z]-[A-Za-z0-9-]+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` with every configured secret and every Slack-shaped token replaced."""
    # Longest first, so a secret containing another is replaced whole.
    secrets = sorted(set(secret_values()), key=len)
    for secret in reversed(secrets):
        text = text.replace(secret, REDACTED)
    return _SLACK_TOKEN.sub(REDACTED, text)


def redact_error(err: BaseException) -> BaseException:
    """`err` and the errors behind it with their text redacted in place, so a traceback in a
    log or in Dagster's run record shows no secret either; returns `err` to re-raise."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(redact(a) if isinstance(a, str) else a for a in current.args)
        if isinstance(getattr(current, "message", None), str):
            current.message = redact(current.message)  # type: ignore[attr-defined]
        current = current.__cause__ or current.__context__
    return err
