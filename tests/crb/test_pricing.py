"""Prices and VAT as every page and email says them (`crb.pricing`)."""

from __future__ import annotations

import pytest

from crb.pricing import VatTreatment, money
from crb.settings import SiteSettings


@pytest.mark.parametrize(
    ("amount", "currency", "whole", "said"),
    [
        (14700, "eur", False, "€147.00"),
        (14700, "eur", True, "€147"),
        (14750, "eur", True, "€147.50"),
        (123456789, "usd", False, "$1,234,567.89"),
        (14700, "chf", False, "147.00 CHF"),
        (None, "eur", False, ""),
    ],
)
def test_money(amount: int | None, currency: str, whole: bool, said: str) -> None:
    assert money(amount, currency, whole=whole) == said


@pytest.mark.parametrize(
    ("automatic", "inclusive", "label"),
    [(False, True, "incl. VAT"), (True, True, "incl. VAT"), (True, False, "plus VAT"), (False, False, "excl. VAT")],
)
def test_every_configuration_says_how_vat_stands(automatic: bool, inclusive: bool, label: str) -> None:
    vat = VatTreatment(automatic, inclusive)
    assert vat.label == label
    assert "VAT" in vat.explanation
    assert vat.stated(14700, "eur").startswith("€147.00")


def test_the_amount_charged_names_its_vat_when_the_invoice_says_it() -> None:
    vat = VatTreatment(automatic=True, inclusive=False)
    assert vat.stated(17493, "eur", tax=2793) == "€174.93 incl. €27.93 VAT"
    assert "no VAT charged" in vat.stated(14700, "eur", tax=0)  # a reverse charge
    # Stripe Tax worked it out but the invoice is not at hand: never "plus VAT" on an amount already charged.
    assert "plus" not in vat.stated(17493, "eur")
    assert VatTreatment(automatic=False, inclusive=True).stated(14700, "eur", tax=None) == "€147.00 incl. VAT"


def test_the_settings_choose_it() -> None:
    site = SiteSettings.from_env({"STRIPE_AUTOMATIC_TAX": "true", "PRICES_INCLUDE_VAT": "false"})
    assert VatTreatment.of(site) == VatTreatment(automatic=True, inclusive=False)
    assert VatTreatment.of(SiteSettings()) == VatTreatment(automatic=False, inclusive=True)
