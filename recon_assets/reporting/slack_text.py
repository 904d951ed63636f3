"""The nightly report as Slack shows it, and what a post left: Block Kit's limits, Slack's
escaping and the plain-text view (`recon report --slack`), kept apart from the Slack client
(slack.py) so that reading a stored report loads neither slack-sdk nor Dagster."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters, so source data can never ping (`<!channel>`) or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_mrkdwn(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_BOLD_LINE = re.compile(r"^\*(.+)\*$", re.MULTILINE)


def blocks_as_text(messages: list[dict[str, Any]], attachment: str | None = None) -> str:
    """The messages as a reader sees them in Slack: bold markers gone, entities decoded."""
    parts: list[str] = []
    for i, message in enumerate(messages):
        if i == 1:
            parts.append("── in the thread ──")
        for block in message["blocks"]:
            texts = [block["text"]] if "text" in block else block.get("elements", [])
            for text in texts:
                parts.append(unescape_mrkdwn(_BOLD_LINE.sub(r"\1", text["text"])))
    if attachment:
        parts.append(f"── in the thread: file {attachment} ──")
    return "\n\n".join(parts) + "\n"


@dataclass(frozen=True)
class Posted:
    channel: str  # the channel id Slack answered with
    ts: str
    thread_replies: int
    file_id: str | None
