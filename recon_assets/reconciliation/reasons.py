"""One plain sentence per break, from its facts only: what differs and by how much."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recon_assets.legs import (
    CAPTURE_VS_SETTLEMENT,
    PART_NOUNS,
    PAYOUT_VS_BANK,
    POS_TAKINGS_VS_LEDGER,
    SALE_VS_SHIPMENT,
)
from recon_assets.money import format_money

# What a sentence reads of each of a leg's parts, and nothing else (classify.py converts
# only these to plain values; test_classify.py holds the sentences to them).
FACT_FIELDS = (
    "check_name",
    "part",
    "key",
    "kind",
    "a_currency",
    "b_currency",
    "a_quantity",
    "b_quantity",
    "a_records",
    "b_records",
    "age_days",
    "sla_days",
    "b_system",
    "mapped_key",
    "mapped_level",
    "missing_kind",
)
KEY_FIELDS = {
    "oms": "order_id",
    "ledger": "reference",
    "3pl": "order_ref",
}
NORMALISATION_TEXT = {
    1: ("trimming and case-folding it", "case_fold"),
    2: ("stripping '#'", "strip_hash"),
    3: ("stripping its prefix", "strip_prefix"),
    4: ("stripping its prefix and leading zeros", "strip_leading_zeros"),
}


def key_label(check: str) -> str:
    if check == CAPTURE_VS_SETTLEMENT:
        return "Payment"
    if check == POS_TAKINGS_VS_LEDGER:
        return "Store-day"
    if check == PAYOUT_VS_BANK:
        return "Payout"
    return "Order"


def _int(value: Any) -> int:
    return 0 if value is None or value != value else int(value)


def quantity_text(check: str, quantity: int, currency: str | None) -> str:
    if check == SALE_VS_SHIPMENT:
        return f"{quantity} unit{'s' if abs(quantity) != 1 else ''}"
    return format_money(quantity, currency or "XXX")


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def reason(
    parts: Sequence[Mapping[str, Any]],
    unknown_codes: tuple[str, ...] = (),
    nearest: tuple[str, int] | None = None,
) -> str:
    """One sentence from the facts of a leg's broken parts (in the leg's order).

    Several broken parts (a store-day's sales and refunds, a payout's bank and fees) are
    named in one sentence, each with its money. A one-sided break of one part names its
    nearest unmatched candidate. `unknown_codes`: the account, store or processor codes the
    break's records use that the rules do not know (e.g. `account 4001`, `store LDN09`).
    `nearest`: (key, quantity) of the closest one-sided leg on the other side, the record a
    person should look at first.
    """
    fact = parts[0]
    if len(parts) > 1:
        label = f"{key_label(fact['check_name'])} {fact['key']}: "
        clauses = [_sentence(p, unknown_codes).removeprefix(label).rstrip(".") for p in parts]
        return label + "; ".join(clauses) + "."
    sentence = _sentence(fact, unknown_codes)
    if nearest is None:
        return sentence
    _, a_bare, b_one, _ = PART_NOUNS[(fact["check_name"], fact["part"])]
    currency = fact.get("a_currency") or fact.get("b_currency")
    noun = a_bare if not _int(fact.get("a_records")) else b_one
    amount = quantity_text(fact["check_name"], nearest[1], currency)
    return f"{sentence} Nearest unmatched {noun}: {nearest[0]} at {amount}."


def _sentence(fact: Mapping[str, Any], unknown_codes: tuple[str, ...]) -> str:
    check, part, key, kind = fact["check_name"], fact["part"], fact["key"], fact["kind"]
    a_noun, a_bare, b_one, b_many = PART_NOUNS[(check, part)]
    label = f"{key_label(check)} {key}"
    currency = fact.get("a_currency") or fact.get("b_currency")
    a, b = _int(fact.get("a_quantity")), _int(fact.get("b_quantity"))

    def q(n: int) -> str:
        return quantity_text(check, n, currency)

    age, sla = _int(fact.get("age_days")), _int(fact.get("sla_days"))
    waited = f"{'on its first night' if age == 0 else f'after {_days(age)}'} (allowed {_days(sla)})"
    if kind == "key_mapping":
        system = fact.get("b_system") or "the counterpart"
        field = KEY_FIELDS.get(system, "order_ref")
        how, setting = NORMALISATION_TEXT[_int(fact.get("mapped_level"))]
        return (
            f"{system} {field} '{fact['mapped_key']}' matches {label.lower()} after {how}: "
            f"add a key mapping for {system} ({setting}) in rules/mappings.yaml."
        )
    if kind == "missing_order_key":
        _, field, reference = key.split(":", 2)
        system = fact.get("b_system") or "processor"
        return (
            f"{b_one.capitalize()} {reference} of {q(b)} has no order key: its {system} field "
            f"'{field}' is empty. Fill it at the processor, or read the order key from "
            f"another field (order_key of the feed in rules/sources.yaml)."
        )
    if kind == "unknown_account":
        accounts = ", ".join(unknown_codes) or "an unknown account"
        return (
            f"{label}: {b_many} is made to {accounts}, which is not in the chart of "
            f"accounts: add it to rules/accounts.yaml or repost it."
        )
    if kind == "unknown_code":
        codes = ", ".join(unknown_codes) or "an unknown code"
        return (
            f"{label}: the records come from {codes}, not in the allowed codes of "
            f"rules/mappings.yaml: add it there or correct the source."
        )
    if kind == "exponent_slip":
        big, small = max(abs(a), abs(b)), max(min(abs(a), abs(b)), 1)
        return (
            f"{label}: {q(b)} in {b_many} against {q(a)} for {a_noun}, {big // small}x apart: "
            f"a currency-exponent slip."
        )
    if not _int(fact.get("a_records")):
        return f"{label}: {q(b)} in {b_many} but no {a_bare} {waited}."
    if kind == fact.get("missing_kind"):
        if _int(fact.get("b_records")):
            return (
                f"{label}: {q(b)} in {b_many} against {q(a)} for {a_noun}; "
                f"{q(a - b)} still missing {waited}."
            )
        return f"{label}: no {b_one} for {a_noun} of {q(a)} {waited}."
    if kind == "duplicate_capture":
        return (
            f"{label} was captured {_int(fact.get('b_records'))} times for {q(b)} against a sale "
            f"of {q(a)}: {q(b - a)} too much."
        )
    if fact.get("b_currency") and fact.get("a_currency") and fact["b_currency"] != currency:
        return f"{label}: {b_many} in {fact['b_currency']} against {a_noun} in {currency} ({q(a)})."
    direction = "more" if b > a else "less"
    return f"{label}: {q(b)} in {b_many} against {q(a)} for {a_noun}: {q(abs(b - a))} {direction}."
