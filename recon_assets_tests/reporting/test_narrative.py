"""The templates, on hand-made facts: no warehouse, no Dagster, no network."""

from __future__ import annotations

import csv
import io

from recon_assets.legs import GENUINE_ERROR, KNOWN_ACCEPTED, MAPPING, TIMING
from recon_assets.money import format_money
from recon_assets.reporting.facts import Break, FailedCheck, NightFacts, OrdersTied
from recon_assets.reporting.narrative import (
    CLASS_LABELS,
    MAX_LISTED,
    SYSTEM_LABELS,
    breaks_csv,
    build_narrative,
    render,
    render_markdown,
)
from recon_assets.reporting.slack_text import MAX_BLOCKS, MAX_SECTION_CHARS, blocks_as_text
from recon_assets.sources.catalog import SOURCES

NIGHT = "2026-04-02"
ALL_SOURCES = tuple(s.name for s in SOURCES)
ORDERS = (
    OrdersTied("BHD", 2, 2500, 1, 1250, in_flight_orders=1),
    OrdersTied("GBP", 40, 123_456, 38, 120_000, in_flight_orders=2),
    OrdersTied("JPY", 3, 28_000, 3, 28_000),
)


def brk(n: int, cls: str = GENUINE_ERROR, amount: int | None = 100, **kw) -> Break:
    currency = kw.get("currency", "GBP" if amount is not None else None)
    at_stake = f" by {format_money(amount, currency)}" if currency else ""
    fields = dict(
        break_id=f"brk_{n:016x}",
        check="sale_vs_oms",
        key=str(80000 + n),
        cls=cls,
        kind="amount_differs",
        reason=f"Order {80000 + n}: order management differs from the sale{at_stake}.",
        owner="ecommerce-ops",
        first_seen="2026-04-01",
        age_days=1,
        amount_minor=amount,
        currency=currency,
        accepted_rule=None,
    )
    return Break(**{**fields, **kw})


def night(*breaks: Break, **kw) -> NightFacts:
    fields = dict(
        recon_date=NIGHT,
        breaks=breaks,
        orders=ORDERS,
        delivered=ALL_SOURCES,
        missing=(),
        resolved=4,
    )
    return NightFacts(**{**fields, **kw})


def test_labels_cover_every_class_and_source():
    assert set(CLASS_LABELS) == {GENUINE_ERROR, MAPPING, TIMING, KNOWN_ACCEPTED}
    assert set(SYSTEM_LABELS) == set(ALL_SOURCES)


def test_clean_night_is_one_line_with_money_per_currency_and_set_aside_counts():
    facts = night(
        brk(1, TIMING),
        brk(2, TIMING),
        brk(3, KNOWN_ACCEPTED, accepted_rule="gift-card-orders"),
    )
    report = render(facts, build_narrative(facts))
    assert report.clean
    assert report.markdown == (
        "Reconciliation for 2026-04-02 is clean: 45 orders touched tonight (BHD 2.500, GBP "
        "1,234.56, JPY 28,000) checked across 7 systems (storefront, showroom POS, order "
        "management, payment processors, processor settlements, 3PL, ledger): 42 tied end to "
        "end (BHD 1.250, GBP 1,200.00, JPY 28,000), 3 in flight (timing only); set aside 2 "
        "timing items and 1 accepted.\n"
    )
    [message] = report.messages
    assert message["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": report.markdown.strip()}}
    ]
    assert report.attachment is None


def test_a_missing_source_or_failed_check_is_never_clean():
    missing = night(delivered=ALL_SOURCES[:-1], missing=("shipments",))
    narrative = build_narrative(missing)
    assert not narrative.clean
    assert (
        narrative.headline == f"Reconciliation for {NIGHT} is not clean: 1 source did not deliver."
    )
    assert f"No file from 3PL (shipments) for {NIGHT}" in render_markdown(narrative)
    failed = night(failed_checks=(FailedCheck("matched_ledger", "every_record_accounted_for"),))
    assert "Check every_record_accounted_for on matched_ledger failed" in render_markdown(
        build_narrative(failed)
    )


def test_exceptions_counts_by_class_new_and_carried_and_accepted_per_rule():
    facts = night(
        brk(1),
        brk(2, MAPPING, first_seen=NIGHT, age_days=0),
        brk(3, TIMING),
        *[brk(10 + i, KNOWN_ACCEPTED, accepted_rule="gift-card-orders") for i in range(12)],
        brk(30, KNOWN_ACCEPTED, accepted_rule="marketplace-fees"),
    )
    markdown = render_markdown(build_narrative(facts))
    assert markdown.startswith(
        f"**Reconciliation for {NIGHT} is not clean: 2 breaks need a person.**\n"
    )
    assert (
        "Open breaks: 1 genuine error, 1 mapping break, 1 timing item, 13 accepted; "
        "1 new tonight, 15 carried over; 4 resolved tonight."
    ) in markdown
    assert "12 accepted by gift-card-orders, 1 accepted by marketplace-fees." in markdown
    assert (
        "Orders touched tonight: 45 (BHD 2.500, GBP 1,234.56, JPY 28,000): 42 tied end to end "
        "(BHD 1.250, GBP 1,200.00, JPY 28,000), 3 in flight (timing only), 0 need a person."
    ) in markdown
    # Timing and accepted breaks are counted, never listed.
    assert brk(3).break_id not in markdown and brk(10).break_id not in markdown
    assert "Owner: ecommerce-ops. Age 1 day, genuine error, brk_0000000000000001." in markdown


def test_breaks_are_listed_largest_money_first_within_each_currency():
    facts = night(
        brk(1, amount=500),
        brk(2, amount=90_000),
        brk(3, amount=7_000, currency="JPY"),
        brk(4, amount=None),
        brk(5, MAPPING, amount=1_200),
    )
    markdown = render_markdown(build_narrative(facts))
    order = sorted(range(1, 6), key=lambda n: markdown.index(brk(n).break_id))
    assert order == [2, 5, 1, 3, 4]
    assert "### Needs a person, GBP: 3 breaks, largest first" in markdown
    assert "### Needs a person, no money at stake: 1 break, largest first" in markdown


def test_source_data_cannot_ping_link_or_format():
    evil = "<!channel> <https://x.example|y> & *bold* [a](b)"
    facts = night(brk(1, key=evil, reason=f"Order {evil}: missing in OMS."))
    report = render(facts, build_narrative(facts))
    posted = str(report.messages)
    assert "<!channel>" not in posted and "<https://" not in posted
    assert "&lt;!channel&gt; &lt;https://x.example|y&gt; &amp; *bold*" in posted
    assert r"\<!channel\> \<https://x.example\|y\> &amp; \*bold\* \[a\](b)" in report.markdown
    # Slack shows the characters as typed.
    assert f"Order {evil}: missing in OMS." in blocks_as_text(list(report.messages))


def test_two_hundred_breaks_respect_block_kit_limits_and_attach_every_break():
    breaks = [
        brk(i, amount=(i + 1) * 100, reason="Order x: " + "very long " * 40) for i in range(200)
    ]
    facts = night(*breaks, brk(900, TIMING))
    report = render(facts, build_narrative(facts))
    main, *thread = report.messages
    assert thread
    for message in report.messages:
        assert len(message["blocks"]) <= MAX_BLOCKS
        for block in message["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= MAX_SECTION_CHARS
    listed = [str(m) for m in report.messages]
    assert sum(brk(199).break_id in text for text in listed[:1]) == 1
    for b in breaks:
        assert sum(b.break_id in text for text in listed) == 1, b.break_id
    assert f"{200 - MAX_LISTED} more breaks in the thread" in str(main)
    rows = list(csv.DictReader(io.StringIO(report.attachment["content"])))
    assert len(rows) == 201 and rows[0]["break_id"] == brk(199).break_id
    assert rows[-1]["class"] == TIMING


def test_csv_cells_cannot_become_spreadsheet_formulas():
    facts = night(brk(1, key="=HYPERLINK(1)"), *[brk(i) for i in range(2, 30)])
    [row] = [
        r
        for r in csv.DictReader(
            io.StringIO(render(facts, build_narrative(facts)).attachment["content"])
        )
        if r["break_id"] == brk(1).break_id
    ]
    assert row["key"] == "'=HYPERLINK(1)"


def test_same_facts_in_any_order_give_the_same_bytes():
    breaks = [brk(i, amount=i * 7 % 13) for i in range(40)]
    first = render(night(*breaks), build_narrative(night(*breaks)))
    shuffled = night(*reversed(breaks))
    second = render(shuffled, build_narrative(shuffled))
    assert first.markdown == second.markdown
    assert first.payload_json == second.payload_json


def test_rules_about_to_expire_are_mentioned_on_clean_and_broken_nights():
    expiring = (("gift-card-orders", "2026-04-05"),)
    clean = render(night(expiring_rules=expiring), build_narrative(night(expiring_rules=expiring)))
    assert clean.markdown.count("\n") == 1  # still one line
    assert clean.markdown.endswith(
        "Accepted rules expiring soon: gift-card-orders on 2026-04-05.\n"
    )
    broken = night(brk(1, GENUINE_ERROR), expiring_rules=expiring)
    assert "Accepted rules expiring soon: gift-card-orders on 2026-04-05." in render_markdown(
        build_narrative(broken)
    )


def test_a_huge_key_is_shortened_in_the_middle_and_the_line_keeps_money_owner_and_id():
    key = "A" * 5_000 + "-middle-" + "Z" * 5_000
    huge = brk(1, amount=123_45, key=key, reason=f"Order {key}: order management differs.")
    report = render(night(huge), build_narrative(night(huge)))
    shown = f"{'A' * 30}…{'Z' * 30}"
    slack_text = blocks_as_text(list(report.messages))
    for text in (slack_text, report.markdown):
        [line] = [line for line in text.splitlines() if huge.break_id in line]
        assert f"Order {shown}: order management differs." in line
        assert format_money(123_45, "GBP") in line and "Owner: ecommerce-ops." in line
        assert line.rstrip().endswith(f"{huge.break_id}.")
        assert key not in text
    assert key in breaks_csv(night(huge))  # the CSV attachment keeps the whole key


def test_breaks_a_rule_selected_but_could_not_accept_are_counted_per_rule():
    facts = night(
        brk(1, rule_not_applied="po-1-rounding"),
        brk(2, rule_not_applied="po-1-rounding"),
        brk(3, rule_not_applied="uncaptured-gbp"),
        brk(4),
    )
    markdown = render_markdown(build_narrative(facts))
    assert (
        "2 breaks selected by po-1-rounding but not accepted, 1 break selected by "
        "uncaptured-gbp but not accepted (amount moved outside the rule, or above the policy "
        "cap: see each reason)."
    ) in markdown
    assert "selected by" not in render_markdown(build_narrative(night(brk(1))))
