"""An optional language-model narrator that may only rephrase the template's opening line.

Off unless `RECON_NARRATOR=anthropic` and `ANTHROPIC_API_KEY` are set and the `narrator`
extra is installed; the exception report reads it as the `narrator` resource. Its text is
kept only when every number, id, date and owner in it is already in the template text;
otherwise the template line stays and the fallback is recorded.
It never sees or changes the counts, classes or the list of breaks below the opening line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

import dagster as dg

from recon_assets.reporting.narrative import Narrative
from recon_assets.settings import ANTHROPIC_KEY_ENV, DEFAULT_NARRATOR_MODEL, NARRATOR_ENV

TEMPLATE = "template"

SYSTEM_PROMPT = (
    "You rephrase a retailer's nightly reconciliation summary for finance and operations "
    "readers. Write at most two plain sentences on one line, no markdown. Use only the facts "
    "given. Copy every number, amount, date, id and team name exactly as written; never add a "
    "number, never spell a number out in words, never change a count."
)

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_IDENT = re.compile(r"[A-Za-z0-9#][A-Za-z0-9_:#./-]*")
_HYPHENATED = re.compile(r"\b[a-z]+(?:-[a-z]+)+\b")
# Numbers in words would slip past the digit check; the templates never use them.
_NUMBER_WORDS = re.compile(
    r"\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
    r"twenty|thirty|forty|fifty|hundreds?|thousands?|millions?|billions?|half|double|twice)\b",
    re.IGNORECASE,
)


class Narrator(Protocol):
    name: str

    def rephrase(self, text: str) -> str: ...


class AnthropicNarrator:
    """Anthropic's Messages API; `client` is `anthropic.Anthropic()` or a test double."""

    def __init__(self, client: Any, model: str = DEFAULT_NARRATOR_MODEL):
        self.client = client
        self.model = model
        self.name = f"anthropic:{model}"

    def rephrase(self, text: str) -> str:
        response = self.client.messages.create(
            model=self.model,
            max_tokens=300,
            temperature=0,
            system=SYSTEM_PROMPT,
            messages=[{"role": "user", "content": text}],
        )
        return "".join(getattr(b, "text", "") for b in response.content).strip()


@dataclass(frozen=True)
class Narration:
    narrator: str  # who wrote the opening line: "template" or "anthropic:<model>"
    fallback: str | None = None  # why the template line was kept, if a narrator was asked


class NarratorResource(dg.ConfigurableResource):
    """Who may rephrase the report's opening line: the template alone (`RECON_NARRATOR` unset
    or `template`) or Anthropic's model (`anthropic`)."""

    choice: str = ""
    model: str = DEFAULT_NARRATOR_MODEL
    # dg.EnvVar("ANTHROPIC_API_KEY") when it is set (resources.py); None: it is not.
    api_key: str | None = None

    def narrator(self) -> tuple[Narrator | None, str | None]:
        """The configured narrator, or None and why not (None, None when none was asked for)."""
        choice = self.choice.strip().lower()
        if choice in ("", TEMPLATE):
            return None, None
        if choice != "anthropic":
            return None, f"{NARRATOR_ENV}={choice!r} is not a known narrator"
        if not self.api_key:
            return None, f"{ANTHROPIC_KEY_ENV} is not set"
        try:
            import anthropic  # the `narrator` extra, optional: most installs never need it
        except ImportError:
            return (
                None,
                "the narrator extra is not installed (pip install 'recon_assets[narrator]')",
            )
        return AnthropicNarrator(anthropic.Anthropic(api_key=self.api_key), self.model), None


def claims(text: str, owners: frozenset[str] = frozenset()) -> set[str]:
    """The checkable facts a text states: numbers, ids and dates, owners, numbers in words."""
    found = {m.replace(",", "") for m in _NUMBER.findall(text)}
    found |= {t.rstrip(".:/-") for t in _IDENT.findall(text) if any(c.isdigit() for c in t)}
    found |= set(_HYPHENATED.findall(text))
    found |= {w.lower() for w in _NUMBER_WORDS.findall(text)}
    words = set(re.findall(r"[A-Za-z][\w-]*", text))
    found |= {w for w in words if w in owners}
    return found


def unsupported(text: str, reference: str, owners: frozenset[str] = frozenset()) -> list[str]:
    """What `text` states that `reference` does not."""
    return sorted(claims(text, owners) - claims(reference, owners))


def narrate(
    narrative: Narrative,
    narrator: Narrator | None,
    owners: frozenset[str] = frozenset(),
    unavailable: str | None = None,
) -> tuple[Narrative, Narration]:
    """The narrative with the narrator's opening line if it holds up, else unchanged."""
    if narrator is None:
        return narrative, Narration(TEMPLATE, unavailable)
    try:
        text = " ".join(narrator.rephrase(narrative.summary_text()).split())
    except Exception as err:  # any failure of an optional narrator falls back to the template
        return narrative, Narration(TEMPLATE, f"{narrator.name} failed: {type(err).__name__}")
    if not text:
        return narrative, Narration(TEMPLATE, f"{narrator.name} returned no text")
    extra = unsupported(text, narrative.full_text(), owners)
    if extra:
        return narrative, Narration(
            TEMPLATE, f"{narrator.name} stated facts not in the report: {', '.join(extra[:10])}"
        )
    return narrative.with_headline(text), Narration(narrator.name)
