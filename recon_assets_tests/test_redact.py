"""Secrets never reach a log, a stored message or the terminal through an error's text."""

from __future__ import annotations

import pytest

from recon_assets.redact import redact, redact_error


def test_configured_secrets_and_any_slack_token_are_redacted(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-configured")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-42")
    text = "auth xoxb-1-configured key=sk-ant-secret-42 user xoxp-9-9-abc, ok"
    assert redact(text) == "auth [redacted] key=[redacted] user [redacted], ok"


def test_an_error_and_its_causes_are_redacted_in_place(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-42")
    try:
        try:
            raise ValueError("bad key sk-ant-secret-42")
        except ValueError as cause:
            raise RuntimeError("request failed for xoxa-2-app") from cause
    except RuntimeError as err:
        assert redact_error(err) is err
        assert str(err) == "request failed for [redacted]"
        assert str(err.__cause__) == "bad key [redacted]"
