"""The sample retailer: what it sells, where, in which currencies, and who moves its money.

A homeware brand with a web storefront and two showrooms. Everything here is static; the
order simulation draws from it with the generator's seeded random source.
"""

from __future__ import annotations

from dataclasses import dataclass

from recon_assets.rules import Roles

WEB = "web"
POS = "pos"

FIRST_ORDER_NUMBER = 80000


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    # Shelf price incl. tax, in minor units of each currency (JPY has exponent 0).
    prices: dict[str, int]


PRODUCTS: tuple[Product, ...] = (
    Product("MUG-STN", "Stoneware mug", {"GBP": 1250, "EUR": 1490, "JPY": 2200}),
    Product("CUSH-LIN", "Linen cushion", {"GBP": 3500, "EUR": 4200, "JPY": 6200}),
    Product("THRW-WOL", "Wool throw", {"GBP": 6450, "EUR": 7600, "JPY": 11400}),
    Product("LAMP-CER", "Ceramic table lamp", {"GBP": 8900, "EUR": 10500, "JPY": 15800}),
    Product("RUG-JUT", "Jute rug", {"GBP": 15999, "EUR": 18900, "JPY": 28000}),
    Product("TBL-OAK", "Oak side table", {"GBP": 24900, "EUR": 29500, "JPY": 44000}),
)

# Delivery is charged on orders that ship, free from a basket threshold.
DELIVERY_FEE = {"GBP": 495, "EUR": 595, "JPY": 900}
FREE_DELIVERY_FROM = {"GBP": 10000, "EUR": 12000, "JPY": 18000}

# Web shoppers pay in their own currency; JPY is there to exercise a zero-exponent currency.
WEB_CURRENCIES = {"GBP": 6, "EUR": 3, "JPY": 1}


@dataclass(frozen=True)
class Store:
    store_id: str
    city: str
    currency: str


STORES: tuple[Store, ...] = (Store("LDN01", "London", "GBP"), Store("PAR01", "Paris", "EUR"))

# Where the day's orders come from: the web storefront, then each showroom.
CHANNEL_WEIGHTS = {WEB: 60, "LDN01": 25, "PAR01": 15}

WEB_TENDERS = {"card": 65, "paypal": 25, "gift_card": 10}
POS_TENDERS = {"card": 60, "cash": 30, "gift_card": 10}
# Share of showroom sales delivered from the warehouse instead of carried out.
POS_SHIP_SHARE = 0.15


@dataclass(frozen=True)
class Processor:
    name: str
    rate_bps: int
    fixed_minor: int
    chargeback_fee_minor: int

    def capture_fee(self, amount_minor: int) -> int:
        """Percentage plus a fixed fee, rounded half up with integer arithmetic (no floats)."""
        return (amount_minor * self.rate_bps + 5000) // 10000 + self.fixed_minor


PROCESSORS: dict[str, Processor] = {
    "stripe": Processor("stripe", 140, 20, 1500),
    "paypal": Processor("paypal", 290, 30, 1400),
    "adyen": Processor("adyen", 110, 10, 1500),
}

# The retailer's accounts at the processors that name their payouts after them (model.payout_id):
# a PayPal account id, and an Adyen merchant account per settlement currency.
PAYPAL_ACCOUNT = "HMWR7Q2K9XB4A"
ADYEN_MERCHANT_ACCOUNT = "HomewareShowrooms{currency}"

# Which processor carries a tender on a channel; tenders absent here never reach a processor.
PROCESSOR_FOR: dict[tuple[str, str], str] = {
    (WEB, "card"): "stripe",
    (WEB, "paypal"): "paypal",
    (POS, "card"): "adyen",
}

CARRIERS = {"GBP": ("royal_mail", "dpd"), "EUR": ("dhl", "colissimo"), "JPY": ("yamato",)}

# The default chart of accounts (DESIGN.md section 4): the checked postings use the default
# roles of rules/accounts.yaml; the other sides of the journals, and one code outside it.
BANK = Roles().bank
SALES = Roles().sales
REFUNDS = Roles().refunds
PROCESSOR_FEES = Roles().processor_fees
PROCESSOR_CLEARING = "1100"
STORE_CASH = "1200"
GIFT_CARD_LIABILITY = "2100"
UNCHARTED_SALES = "4001"

# The balance-sheet side of a sale or refund journal, by tender.
TENDER_ACCOUNT = {
    "card": PROCESSOR_CLEARING,
    "paypal": PROCESSOR_CLEARING,
    "cash": STORE_CASH,
    "gift_card": GIFT_CARD_LIABILITY,
}
