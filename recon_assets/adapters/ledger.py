"""What the Xero and QuickBooks ledger reports share: preamble, sections and totals.

Both reports put title lines before the header (found by `read_table(search_rows=...)`),
group postings under an account heading row (a row with a single filled cell), and add
opening/closing balances and `Total ...` rows, which are skipped. Journal layouts print the
date and number only on a transaction's first line: `fill` carries them forward. Dates carry
no zone: a posting date is the business date as printed. The report has no currency column,
so the book currency is the configured one (default GBP).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from recon_assets.adapters.canonical import ledger_entry
from recon_assets.adapters.common import (
    AdapterError,
    Context,
    IdMaker,
    Record,
    Row,
    Table,
    parse_currency,
    parse_date,
)

DEFAULT_LEDGER_CURRENCY = "GBP"
SKIPPED = ("total", "opening balance", "closing balance", "net movement")


def account_code(heading: str) -> str:
    """`4000 Sales`, `4000 - Sales`, `Sales (4000)`, `Income:4000 Sales`, `4000 · Sales` -> 4000."""
    name = heading.split(":")[-1].strip()
    if match := re.match(r"(\d[\w.-]*)(\s|$)", name):
        return match.group(1)
    if match := re.search(r"\((\w+)\)\s*$", name):
        return match.group(1)
    return name


def book_currency(ctx: Context) -> str:
    try:
        return parse_currency(ctx.currency or DEFAULT_LEDGER_CURRENCY)
    except ValueError as err:
        raise AdapterError(f"currency {ctx.currency!r}: {err}") from None


@dataclass(frozen=True)
class Posting:
    record: Record
    posting: date
    heading: str  # the account heading above the row ('' when there is none)
    filled: dict[str, str]  # `fill` columns, carried forward from the transaction's first line


def postings(
    table: Table, date_key: str, formats: Sequence[str], fill: Sequence[str] = ()
) -> Iterator[Posting]:
    heading = ""
    last: dict[str, str] = {}
    for record in table:
        filled = [c.strip() for c in record.cells if c.strip()]
        if filled[0].casefold().startswith(SKIPPED):
            continue
        if len(filled) == 1 and not _is_date(filled[0], formats):
            heading = filled[0]
            continue
        if record.text(date_key):
            last = {k: record.text(k) for k in (date_key, *fill)}
        elif not last:
            raise record.error(date_key, "", "is empty and no earlier line of the journal has one")
        values = {k: record.text(k) or last.get(k, "") for k in fill}
        try:
            posting = parse_date(last[date_key], formats)
        except ValueError as err:
            raise record.error(date_key, last[date_key], str(err)) from None
        yield Posting(record, posting, heading, values)


def _is_date(text: str, formats: Sequence[str]) -> bool:
    try:
        parse_date(text, formats)
    except ValueError:
        return False
    return True


def entry(
    ids: IdMaker,
    posting: Posting,
    *,
    account: str,
    reference: str,
    currency: str,
    debit: int,
    credit: int,
    memo: str,
    kind: str,
) -> Row:
    entry_id = ids(posting.posting, account, reference, kind, memo, debit, credit)
    with posting.record.guard():
        return ledger_entry(
            entry_id=entry_id,
            posting=posting.posting,
            account=account,
            reference=reference or memo or entry_id,
            currency=currency,
            debit_minor=debit,
            credit_minor=credit,
            memo=memo,
        )
