"""Deterministic templates: the night's facts as plain sentences, then Markdown and Block Kit.

The narrative holds plain text only; each renderer escapes every piece for its target, so a
key or reason from a source system is never read as markup.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from recon_assets.legs import GENUINE_ERROR, KNOWN_ACCEPTED, LEGS_BY_CHECK, MAPPING, TIMING
from recon_assets.money import format_money
from recon_assets.reconciliation.exceptions import chargeback_sentence, spreadsheet_safe
from recon_assets.reporting.facts import Break, Chargeback, NightFacts
from recon_assets.reporting.slack_text import MAX_BLOCKS, MAX_SECTION_CHARS, escape_mrkdwn
from recon_assets.rules import ScopeGap
from recon_assets.sources.systems import SYSTEMS

SYSTEM_LABELS = {system.name: system.noun for system in SYSTEMS}
CLASS_LABELS = {
    GENUINE_ERROR: ("genuine error", "genuine errors"),
    MAPPING: ("mapping break", "mapping breaks"),
    TIMING: ("timing item", "timing items"),
    KNOWN_ACCEPTED: ("accepted", "accepted"),
}
# How many breaks the main Slack message lists; the rest go to its thread and the CSV.
MAX_LISTED = 15
# A key longer than this is shown as its first and last KEY_END characters around "…", so a
# line keeps its money, owner and break id within Slack's limits; the CSV keeps it whole.
MAX_KEY_CHARS = 64
KEY_END = 30
_LONG_RUN = re.compile(rf"\S{{{MAX_KEY_CHARS + 1},}}")


def short_key(key: str) -> str:
    return key if len(key) <= MAX_KEY_CHARS else f"{key[:KEY_END]}…{key[-KEY_END:]}"


def shorten_keys(text: str, *keys: str) -> str:
    """`text` with `keys` and any other run of more than MAX_KEY_CHARS non-blank characters (a
    key quoted in a reason, e.g. a nearest candidate) shortened in the middle."""
    for key in keys:
        text = text.replace(key, short_key(key))
    return _LONG_RUN.sub(lambda m: short_key(m.group()), text)


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def class_count(cls: str, n: int) -> str:
    return plural(n, *CLASS_LABELS[cls])


@dataclass(frozen=True)
class BreakGroup:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Narrative:
    recon_date: str
    clean: bool
    headline: str
    notices: tuple[str, ...] = ()
    summary: tuple[str, ...] = ()
    groups: tuple[BreakGroup, ...] = ()

    def summary_text(self) -> str:
        """What the narrator may rephrase: the headline, the notices and the counts."""
        return "\n".join([self.headline, *self.notices, *self.summary])

    def full_text(self) -> str:
        groups = [line for g in self.groups for line in (g.title, *g.lines)]
        return "\n".join([self.summary_text(), *groups])

    def with_headline(self, headline: str) -> Narrative:
        return replace(self, headline=headline)


def money_by_currency(facts: NightFacts, tied: bool) -> str:
    money = [
        format_money(o.tied_minor if tied else o.sale_minor, o.currency)
        for o in facts.orders
        if o.currency and (o.tied_orders if tied else o.orders)
    ]
    return ", ".join(money) or "no sales money"


def expiring_text(facts: NightFacts) -> str:
    """Rules that stop matching soon, so their breaks do not come back as a surprise."""
    if not facts.expiring_rules:
        return ""
    rules = ", ".join(f"{rule} on {expires}" for rule, expires in facts.expiring_rules)
    return f" Accepted rules expiring soon: {rules}."


def orders_split(facts: NightFacts) -> str:
    """Tied, in flight and needing a person: three counts that add up to the orders."""
    split = [
        f"{facts.orders_tied:,} tied end to end ({money_by_currency(facts, tied=True)})",
        f"{facts.orders_in_flight:,} in flight (timing only)",
    ]
    if facts.orders_needing_a_person or not facts.clean:
        n = facts.orders_needing_a_person
        split.append(f"{n:,} {'needs' if n == 1 else 'need'} a person")
    return ", ".join(split)


def first_night_text(facts: NightFacts) -> str:
    return (
        f"{facts.recon_date} is the first night (RECON_START_DATE): counterparts dated "
        "before it cannot be seen."
    )


def chargebacks_text(facts: NightFacts) -> str:
    n = len(facts.chargebacks)
    money: dict[str, int] = {}
    for c in facts.chargebacks:
        money[c.currency] = money.get(c.currency, 0) + c.amount_minor
    amounts = ", ".join(format_money(v, c) for c, v in sorted(money.items()))
    return f"For information: {plural(n, 'chargeback')} tonight ({amounts}), not breaks."


def chargeback_line(c: Chargeback) -> str:
    return shorten_keys(chargeback_sentence(dataclasses.asdict(c)), c.order_ref, c.psp_reference)


def stopped_legs(gap: ScopeGap) -> str:
    """`sale_vs_shipment`, or `refund_vs_processor_vs_ledger (ledger part)` when a system
    stops only part of a leg."""
    parts_of: dict[str, list[str]] = {}
    for check, part in gap.parts:
        parts_of.setdefault(check, []).append(part)
    return ", ".join(
        check
        if len(parts) == len(LEGS_BY_CHECK[check].parts)
        else f"{check} ({' and '.join(parts)} part)"
        for check, parts in parts_of.items()
    )


def scope_text(facts: NightFacts) -> str:
    """One line: the legs not reconciled tonight and why (rules/scope.yaml)."""
    gaps = "; ".join(
        f"{g.source}: {g.why}" + (f" ({stopped_legs(g)})" if g.parts else "")
        for g in facts.not_reconciled
    )
    return f"Not reconciled (rules/scope.yaml): {gaps}."


def clean_line(facts: NightFacts) -> str:
    counts = facts.by_class
    systems = ", ".join(SYSTEM_LABELS[s] for s in facts.delivered)
    extras = [
        *([first_night_text(facts)] if facts.first_night else []),
        *([chargebacks_text(facts)] if facts.chargebacks else []),
        *([scope_text(facts)] if facts.not_reconciled else []),
    ]
    return (
        f"Reconciliation for {facts.recon_date} is clean: "
        f"{plural(facts.orders_touched, 'order')} touched tonight "
        f"({money_by_currency(facts, tied=False)}) checked across {len(facts.delivered)} "
        f"systems ({systems}): {orders_split(facts)}; "
        f"set aside {class_count(TIMING, counts[TIMING])} and {counts[KNOWN_ACCEPTED]:,} accepted."
        + "".join(f" {e}" for e in extras)
        + expiring_text(facts)
    )


def break_line(b: Break) -> str:
    """The money first, what differs, what to do next, who, how old, which break."""
    money = (
        f"{format_money(b.amount_minor, b.currency)} at stake. "
        if b.currency and b.amount_minor
        else ""
    )
    step = f" Next: {b.next_step}" if b.next_step else ""
    return (
        f"{money}{shorten_keys(b.reason, b.key)}{step} Owner: {b.owner}. "
        f"Age {plural(b.age_days, 'day')}, {CLASS_LABELS[b.cls][0]}, {b.break_id}."
    )


def largest_first(breaks: tuple[Break, ...]) -> list[Break]:
    return sorted(breaks, key=lambda b: (-(b.amount_minor or 0), -b.age_days, b.break_id))


def break_groups(facts: NightFacts) -> tuple[BreakGroup, ...]:
    """Per currency, largest money first: amounts in different currencies are not comparable
    without exchange rates, which the reconciliation does not have."""
    currencies = sorted({b.currency for b in facts.needs_a_person if b.currency})
    groups = []
    for currency in [*currencies, None]:
        breaks = largest_first(tuple(b for b in facts.needs_a_person if b.currency == currency))
        if breaks:
            what = currency or "no money at stake"
            title = f"Needs a person, {what}: {plural(len(breaks), 'break')}, largest first"
            groups.append(BreakGroup(title, tuple(break_line(b) for b in breaks)))
    if facts.chargebacks:
        title = "Chargebacks tonight, for information (not breaks)"
        groups.append(BreakGroup(title, tuple(chargeback_line(c) for c in facts.chargebacks)))
    return tuple(groups)


def build_narrative(facts: NightFacts) -> Narrative:
    if facts.clean:
        return Narrative(facts.recon_date, True, clean_line(facts))
    problems = []
    if facts.needs_a_person:
        n = len(facts.needs_a_person)
        problems.append(f"{plural(n, 'break')} {'needs' if n == 1 else 'need'} a person")
    if facts.missing:
        problems.append(f"{plural(len(facts.missing), 'source')} did not deliver")
    if facts.failed_checks:
        problems.append(f"{plural(len(facts.failed_checks), 'check')} failed")
    if not facts.history_complete:
        problems.append("the night before was not reconciled")
    headline = f"Reconciliation for {facts.recon_date} is not clean: {', '.join(problems)}."
    notices = tuple(
        f"No file from {SYSTEM_LABELS[s]} ({s}) for {facts.recon_date}: its records are not "
        "reconciled, so tonight cannot be called clean."
        for s in facts.missing
    ) + tuple(f"Check {c.check} on {c.asset} failed in this run." for c in facts.failed_checks)
    if not facts.history_complete:
        notices += (
            "The night before was not reconciled, so tonight's matching could not see its "
            "history: reconcile the missing nights (`recon run` catches up).",
        )
    if facts.first_night:
        notices += (first_night_text(facts),)
    if facts.not_reconciled:
        notices += (scope_text(facts),)
    counts = facts.by_class
    new = facts.new_tonight
    summary = [
        "Open breaks: "
        + ", ".join(class_count(c, counts[c]) for c in (GENUINE_ERROR, MAPPING, TIMING))
        + f", {counts[KNOWN_ACCEPTED]:,} accepted; {new:,} new tonight, "
        f"{len(facts.breaks) - new:,} carried over; {facts.resolved:,} resolved tonight.",
        f"Orders touched tonight: {facts.orders_touched:,} "
        f"({money_by_currency(facts, tied=False)}): {orders_split(facts)}.",
    ]
    if facts.chargebacks:
        summary.append(chargebacks_text(facts))
    if facts.not_accepted_by_rule:
        summary.append(
            ", ".join(
                f"{plural(n, 'break')} selected by {rule} but not accepted"
                for rule, n in facts.not_accepted_by_rule.items()
            )
            + " (amount moved outside the rule, or above the policy cap: see each reason)."
        )
    if facts.accepted_by_rule:
        summary.append(
            ", ".join(f"{n:,} accepted by {rule}" for rule, n in facts.accepted_by_rule.items())
            + "."
        )
    if facts.expiring_rules:
        summary.append(expiring_text(facts).strip())
    return Narrative(
        facts.recon_date, False, headline, notices, tuple(summary), break_groups(facts)
    )


# Markdown (the report file and the Dagster UI) ------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|])")
# An underscore only starts emphasis at a word edge; inside `brk_3f9a` it is left alone.
_MD_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def escape_markdown(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))
    return _MD_EDGE_UNDERSCORE.sub(r"\\_", text)


def render_markdown(narrative: Narrative) -> str:
    """One line on a clean night; otherwise headline, notices, counts and the list."""
    if narrative.clean:
        return escape_markdown(narrative.headline) + "\n"
    out = [f"**{escape_markdown(narrative.headline)}**"]
    if narrative.notices:
        out.append("\n".join(f"- {escape_markdown(n)}" for n in narrative.notices))
    out += [escape_markdown(s) for s in narrative.summary]
    for group in narrative.groups:
        out.append(f"### {escape_markdown(group.title)}")
        out.append("\n".join(f"- {escape_markdown(line)}" for line in group.lines))
    return "\n\n".join(out) + "\n"


# Slack Block Kit ------------------------------------------------------------------------


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _packed(lines: list[str]) -> list[dict[str, Any]]:
    """Escaped lines into as few sections as fit 3,000 characters each."""
    sections: list[str] = []
    for line in lines:
        line = line if len(line) <= MAX_SECTION_CHARS else line[: MAX_SECTION_CHARS - 1] + "…"
        if sections and len(sections[-1]) + 1 + len(line) <= MAX_SECTION_CHARS:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    return [_section(s) for s in sections]


def _bullets(lines: tuple[str, ...] | list[str]) -> list[str]:
    return [f"• {escape_mrkdwn(line)}" for line in lines]


def _group_blocks(groups: list[BreakGroup]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for group in groups:
        blocks.append(_section(f"*{escape_mrkdwn(group.title)}*"))
        blocks += _packed(_bullets(group.lines))
    return blocks


def _split_groups(
    groups: tuple[BreakGroup, ...], first: int
) -> tuple[list[BreakGroup], list[BreakGroup]]:
    """The first `first` lines (in order) and the rest, each keeping its group title."""
    head: list[BreakGroup] = []
    tail: list[BreakGroup] = []
    left = first
    for group in groups:
        shown, rest = group.lines[:left], group.lines[left:]
        left -= len(shown)
        if shown:
            head.append(BreakGroup(group.title, shown))
        if rest:
            tail.append(BreakGroup(group.title + " (continued)" if shown else group.title, rest))
    return head, tail


def _chunks(blocks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [blocks[i : i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)]


def render_slack(narrative: Narrative) -> list[dict[str, Any]]:
    """The night's messages: the first for the channel, any others for its thread."""
    headline = escape_mrkdwn(narrative.headline)
    if narrative.clean:
        return [{"text": headline, "blocks": [_section(headline)]}]
    main = [_section(f"*{headline}*")]
    if narrative.notices:
        main += _packed(_bullets(narrative.notices))
    main += _packed([escape_mrkdwn(s) for s in narrative.summary])
    listed, rest = _split_groups(narrative.groups, MAX_LISTED)
    main += _group_blocks(listed)
    replies = []
    if rest:
        more = sum(len(g.lines) for g in rest)
        note = f"{plural(more, 'more break')} in the thread; every open break is in the CSV there."
        main.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
        continued = f"Reconciliation for {narrative.recon_date}, continued"
        replies = [{"text": continued, "blocks": c} for c in _chunks(_group_blocks(rest))]
    if len(main) > MAX_BLOCKS:  # only with absurdly many notices: keep the head, say so
        main = [*main[: MAX_BLOCKS - 1], _section("(shortened: see the report file)")]
    return [{"text": headline, "blocks": main}, *replies]


# The full list as a file ------------------------------------------------------------------

CSV_COLUMNS = (
    "break_id", "check", "key", "class", "kind", "owner", "age_days", "first_seen",
    "money", "amount_minor", "currency", "accepted_rule", "reason",
)  # fmt: skip


def breaks_csv(facts: NightFacts) -> str:
    """Every open break of the night, all four classes, needs-a-person first."""
    order = {c: i for i, c in enumerate((GENUINE_ERROR, MAPPING, TIMING, KNOWN_ACCEPTED))}
    rows = sorted(
        facts.breaks,
        key=lambda b: (order[b.cls], b.currency or "~", -(b.amount_minor or 0), b.break_id),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for b in rows:
        money = format_money(b.amount_minor, b.currency) if b.currency else ""
        values = (
            b.break_id, b.check, b.key, b.cls, b.kind, b.owner, b.age_days, b.first_seen,
            money, b.amount_minor, b.currency, b.accepted_rule, b.reason,
        )  # fmt: skip
        writer.writerow([spreadsheet_safe(v) for v in values])
    return out.getvalue()


@dataclass(frozen=True)
class RenderedReport:
    """Everything stored for a night: the Markdown, the Slack payload, the attachment."""

    recon_date: str
    clean: bool
    markdown: str
    messages: tuple[dict[str, Any], ...]
    attachment: dict[str, str] | None

    @functools.cached_property
    def payload_json(self) -> str:
        """Written once: the file, the stored pieces and the digest all use it (13,000 breaks
        make it 7.8 MB)."""
        payload = {
            "recon_date": self.recon_date,
            "clean": self.clean,
            "messages": list(self.messages),
            "attachment": self.attachment,
        }
        return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_payload(cls, markdown: str, payload: str) -> RenderedReport:
        data = json.loads(payload)
        return cls(
            data["recon_date"],
            data["clean"],
            markdown,
            tuple(data["messages"]),
            data["attachment"],
        )


def render(facts: NightFacts, narrative: Narrative) -> RenderedReport:
    messages = render_slack(narrative)
    attachment = None
    if len(messages) > 1:
        attachment = {
            "filename": f"recon-{facts.recon_date}-open-breaks.csv",
            "title": f"Open breaks {facts.recon_date} ({len(facts.breaks):,})",
            "content": breaks_csv(facts),
        }
    return RenderedReport(
        facts.recon_date, narrative.clean, render_markdown(narrative), tuple(messages), attachment
    )
