"""The optional narrator may only rephrase: a fake Anthropic client stands in for the API."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import dagster as dg
import pytest

from recon_assets.reporting.narrative import build_narrative, render_markdown
from recon_assets.reporting.narrator import TEMPLATE, AnthropicNarrator, narrate
from recon_assets.resources import narrator_resource
from recon_assets.settings import Settings
from recon_assets_tests.reporting.test_narrative import brk, night

FACTS = night(brk(1, amount=51_107), brk(2, amount=3_995, owner="payments-ops"))
OWNERS = frozenset({"ecommerce-ops", "payments-ops", "treasury"})


class FakeMessages:
    def __init__(self, reply: str | Exception):
        self.reply = reply
        self.requests: list[dict] = []

    def create(self, **request):
        self.requests.append(request)
        if isinstance(self.reply, Exception):
            raise self.reply
        return SimpleNamespace(content=[SimpleNamespace(type="text", text=self.reply)])


class FakeAnthropic:
    """Stands in for `anthropic.Anthropic`: keeps the key it was given."""

    def __init__(self, api_key: str):
        self.api_key = api_key
        self.messages = FakeMessages("")


def fake_narrator(reply: str | Exception) -> AnthropicNarrator:
    return AnthropicNarrator(SimpleNamespace(messages=FakeMessages(reply)), model="fake-model")


def test_a_faithful_rephrasing_replaces_only_the_opening_line():
    template = build_narrative(FACTS)
    narrator = fake_narrator(
        "2 breaks on 2026-04-02 need a person:\n the largest, brk_0000000000000001 "
        "(GBP 511.07), is for ecommerce-ops."
    )
    narrated, narration = narrate(template, narrator, OWNERS)
    assert narration.narrator == "anthropic:fake-model" and narration.fallback is None
    assert narrated.headline.startswith("2 breaks on 2026-04-02 need a person: the largest")
    # Counts, classes and the list stay the template's.
    assert narrated.summary == template.summary and narrated.groups == template.groups
    [request] = narrator.client.messages.requests
    assert request["model"] == "fake-model"
    assert "Open breaks: 2 genuine errors" in request["messages"][0]["content"]


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("9 breaks need a person tonight.", "9"),
        ("2 breaks need a person; brk_00000000deadbeef is the largest.", "brk_00000000deadbeef"),
        ("2 breaks, GBP 511.70 at stake.", "511.70"),
        ("2 breaks; treasury should look first.", "treasury"),
        ("2 breaks; finance-systems should look first.", "finance-systems"),
        ("Three breaks need a person.", "three"),
    ],
)
def test_a_rephrasing_stating_anything_not_in_the_facts_is_refused(reply, why):
    template = build_narrative(FACTS)
    narrated, narration = narrate(template, fake_narrator(reply), OWNERS)
    assert narrated == template
    assert narration.narrator == TEMPLATE
    assert "stated facts not in the report" in narration.fallback and why in narration.fallback


def test_a_failing_or_empty_narrator_falls_back_to_the_template():
    template = build_narrative(FACTS)
    narrated, narration = narrate(template, fake_narrator(TimeoutError("slow")), OWNERS)
    assert (
        narrated == template and narration.fallback == "anthropic:fake-model failed: TimeoutError"
    )
    narrated, narration = narrate(template, fake_narrator("  "), OWNERS)
    assert narrated == template and "no text" in narration.fallback


def test_clean_night_stays_one_line_when_narrated():
    clean = build_narrative(night())
    narrated, _ = narrate(clean, fake_narrator("All tied\non 2026-04-02."), OWNERS)
    assert render_markdown(narrated) == "All tied on 2026-04-02.\n"


def _configured_narrator():
    """The narrator as a run gets it: the resource built from the settings, then initialised
    by Dagster (which reads ANTHROPIC_API_KEY through dg.EnvVar)."""
    resource = narrator_resource(Settings.from_env())
    with dg.build_resources({"narrator": resource}) as resources:
        return resources.narrator.narrator()


def test_the_narrator_is_off_unless_asked_and_available(monkeypatch):
    assert _configured_narrator() == (None, None)
    monkeypatch.setenv("RECON_NARRATOR", "anthropic")
    assert _configured_narrator() == (None, "ANTHROPIC_API_KEY is not set")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setitem(sys.modules, "anthropic", None)  # the extra is not installed
    narrator, why = _configured_narrator()
    assert narrator is None and "recon_assets[narrator]" in why
    monkeypatch.setenv("RECON_NARRATOR", "oracle")
    assert _configured_narrator()[1] == "RECON_NARRATOR='oracle' is not a known narrator"


def test_the_narrator_gets_the_key_from_the_environment_when_a_run_starts(monkeypatch):
    monkeypatch.setenv("RECON_NARRATOR", "anthropic")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-at-build")
    resource = narrator_resource(Settings.from_env())
    # The key itself is never in the resource's config, only where to read it.
    assert "sk-at-build" not in repr(resource)
    assert isinstance(resource.api_key, dg.EnvVar)
    assert resource.api_key.env_var_name == "ANTHROPIC_API_KEY"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-at-run")
    monkeypatch.setitem(sys.modules, "anthropic", SimpleNamespace(Anthropic=FakeAnthropic))
    with dg.build_resources({"narrator": resource}) as resources:
        narrator, why = resources.narrator.narrator()
    assert why is None and narrator.client.api_key == "sk-at-run"
