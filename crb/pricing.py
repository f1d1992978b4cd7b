"""Prices as buyers read them: the amount, and how VAT stands to it, said the same way on every page and email."""

from __future__ import annotations

from dataclasses import dataclass

from crb.settings import SiteSettings

CURRENCY_SYMBOLS = {"eur": "€", "usd": "$", "gbp": "£"}


def money(amount: int | None, currency: str | None, *, whole: bool = False) -> str:
    """`amount` minor units as a price: €147.00 (or €147 with `whole`, where the cents are zero)."""
    if amount is None:
        return ""
    code = (currency or "").lower()
    units = amount / 100
    number = f"{units:,.0f}" if whole and amount % 100 == 0 else f"{units:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{symbol}{number}" if symbol else f"{number} {code.upper()}".strip()


@dataclass(frozen=True)
class VatTreatment:
    """How the configured prices stand to VAT (`STRIPE_AUTOMATIC_TAX`, `PRICES_INCLUDE_VAT`)."""

    automatic: bool
    inclusive: bool

    @classmethod
    def of(cls, settings: SiteSettings) -> VatTreatment:
        return cls(settings.stripe_automatic_tax, settings.prices_include_vat)

    @property
    def label(self) -> str:
        """Beside every price: "incl. VAT" or "plus VAT" (or "excl. VAT", where none is added)."""
        if self.inclusive:
            return "incl. VAT"
        return "plus VAT" if self.automatic else "excl. VAT"

    @property
    def explanation(self) -> str:
        """One sentence for the pricing section, the terms and the checkout note."""
        if self.automatic and self.inclusive:
            return (
                "Prices include VAT. Stripe works out the VAT within the price from your billing address, and your "
                "invoice shows it; with a valid EU VAT id, the reverse charge applies where the law says so."
            )
        if self.automatic:
            return (
                "Prices are net: VAT at your country's rate is added at checkout from your billing address, and your "
                "invoice shows it; with a valid EU VAT id, the reverse charge applies where the law says so."
            )
        if self.inclusive:
            return "Prices include VAT; your invoice shows it."
        return "Prices exclude VAT and no VAT is added at checkout; your invoice states the amount you pay."

    def stated(self, amount: int | None, currency: str | None, tax: int | None = None) -> str:
        """An amount charged, with its VAT: "€147.00 incl. €23.47 VAT" when the invoice says how much."""
        price = money(amount, currency)
        if not price:
            return ""
        if tax:
            return f"{price} incl. {money(tax, currency)} VAT"
        if not self.automatic:
            return f"{price} {self.label}"
        if tax == 0:
            return f"{price}, no VAT charged (reverse charge, or outside its scope: your invoice says which)"
        return f"{price} incl. any VAT worked out at checkout (your invoice shows it)"  # not known here
