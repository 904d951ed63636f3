"""Posting to Slack with slack-sdk: escaping, retries, threads and file uploads.

The bot token comes from `SLACK_BOT_TOKEN` through `dg.EnvVar` when a run starts (resources.py)
and is never kept in config, logs or metadata. `RECON_SLACK_BASE_URL` points the client
elsewhere (GovSlack, a test server).
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from recon_assets.redact import redact
from recon_assets.reporting.slack_text import Posted
from recon_assets.settings import (
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_WEBSERVER_URL,
    MAX_RETRY_AFTER_ENV,
    SLACK_TOKEN_ENV,
)


def retry_after(response: HttpResponse | None) -> float | None:
    """The seconds a 429 asks to wait (Retry-After), if it says."""
    headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
    try:
        return float(headers["retry-after"][0])
    except (KeyError, IndexError, ValueError):
        return None


class CappedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Waits the Retry-After a 429 names, up to `max_wait` seconds: a longer wait is not
    retried, so the post fails in seconds (the report is kept) instead of blocking the run."""

    def __init__(self, max_retry_count: int, max_wait: float):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        wait = retry_after(response)
        return super()._can_retry(state=state, request=request, response=response) and (
            wait is None or wait <= self.max_wait
        )


def slack_error_text(err: BaseException, max_wait: float) -> str:
    """What went wrong with Slack in one line, tokens redacted (Slack can echo them)."""
    if isinstance(err, SlackApiError) and err.response.status_code == 429:
        wait = err.response.headers.get("Retry-After") or err.response.headers.get("retry-after")
        return (
            f"rate limited: Slack asked to wait {wait} s, more than the {max_wait:g} s allowed "
            f"({MAX_RETRY_AFTER_ENV})"
        )
    return " ".join(redact(str(err)).split())


class SlackNotConfigured(RuntimeError):
    pass


class PartlyPosted(RuntimeError):
    """The first message went out, a thread reply or the file did not."""

    def __init__(self, posted: Posted):
        super().__init__(f"posted {posted.ts} in {posted.channel}, but not all of its thread")
        self.posted = posted


class SlackResource(dg.ConfigurableResource):
    """Slack for the nightly report and alerts; off unless `SLACK_BOT_TOKEN` is set."""

    channel: str | None = None
    # dg.EnvVar("SLACK_BOT_TOKEN") when it is set (resources.py); None: Slack is off.
    token: str | None = None
    base_url: str | None = None
    webserver_url: str = DEFAULT_WEBSERVER_URL
    max_retries: int = 3
    backoff_factor: float = 0.5
    timeout_seconds: int = 30
    # The longest Retry-After a rate-limited post waits for (RECON_SLACK_MAX_RETRY_AFTER).
    max_retry_after_seconds: float = DEFAULT_MAX_RETRY_AFTER

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def client(self) -> WebClient:
        token = self.token
        if not token:
            raise SlackNotConfigured(f"{SLACK_TOKEN_ENV} is not set: Slack is off")
        if not self.channel:
            raise SlackNotConfigured(f"{SLACK_TOKEN_ENV} is set but RECON_SLACK_CHANNEL is not")
        backoff = BackoffRetryIntervalCalculator(backoff_factor=self.backoff_factor)
        base_url = self.base_url or WebClient.BASE_URL
        return WebClient(
            token=token,
            base_url=base_url if base_url.endswith("/") else base_url + "/",
            timeout=self.timeout_seconds,
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=self.max_retries),
                CappedRateLimitRetryHandler(self.max_retries, self.max_retry_after_seconds),
                ServerErrorRetryHandler(
                    max_retry_count=self.max_retries, interval_calculator=backoff
                ),
            ],
        )

    def run_url(self, run_id: str) -> str:
        return f"{self.webserver_url.rstrip('/')}/runs/{run_id}"

    def post_text(self, text: str) -> Posted:
        """One plain message (alerts); `text` must already be escaped."""
        response = self.client().chat_postMessage(channel=self.channel, text=text)
        return Posted(response["channel"], response["ts"], 0, None)

    def post_messages(
        self,
        messages: list[dict[str, Any]],
        attachment: dict[str, str] | None = None,
    ) -> Posted:
        """The first message in the channel, the rest (and the attachment) in its thread."""
        client = self.client()
        first, *replies = messages
        response = client.chat_postMessage(channel=self.channel, **first)
        return self._thread(
            client, Posted(response["channel"], response["ts"], 0, None), replies, attachment
        )

    def complete_thread(
        self,
        posted: Posted,
        messages: list[dict[str, Any]],
        attachment: dict[str, str] | None = None,
    ) -> Posted:
        """The replies (and the attachment) an earlier post of `messages` did not get to."""
        return self._thread(
            self.client(),
            posted,
            messages[1 + posted.thread_replies :],
            attachment if posted.file_id is None else None,
        )

    def _thread(
        self,
        client: WebClient,
        posted: Posted,
        replies: list[dict[str, Any]],
        attachment: dict[str, str] | None,
    ) -> Posted:
        done, file_id = posted.thread_replies, posted.file_id
        try:
            for reply in replies:
                client.chat_postMessage(channel=posted.channel, thread_ts=posted.ts, **reply)
                done += 1
            if attachment:
                # files_upload_v2 needs the channel id, which the first post answered with.
                uploaded = client.files_upload_v2(
                    channel=posted.channel,
                    thread_ts=posted.ts,
                    filename=attachment["filename"],
                    title=attachment["title"],
                    content=attachment["content"],
                )
                file_id = uploaded["file"]["id"]
        except Exception as err:
            # The caller must still record what went out: the next run completes the thread.
            raise PartlyPosted(Posted(posted.channel, posted.ts, done, file_id)) from err
        return Posted(posted.channel, posted.ts, done, file_id)
