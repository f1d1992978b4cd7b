"""The site build: pages from the quiz definition whatever its questions, prices from TIERS, retention from
crb.schedule, the API base setting, the page-weight budget, and the sample report's previews."""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crb import schedule
from crb.quiz import Quiz
from crb.settings import SiteSettings
from tests.site.browsing import load_build

build = load_build()


def settings(**env: str) -> SiteSettings:
    return SiteSettings.from_env(env)


def made(out: Path, **kwargs: object) -> dict[str, str]:
    kwargs.setdefault("settings", settings())
    build.build(out, with_sample=False, **kwargs)
    return {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


INVENTED = Quiz.model_validate(
    {
        "version": "test-1",
        "sections": [
            {
                "id": "s1",
                "title": "First part",
                "questions": [
                    {"id": "zz_name", "text": "Name it", "type": "text", "max": 50},
                    {
                        "id": "zz_pick",
                        "text": "Pick one",
                        "type": "single",
                        "options": [{"value": "a", "label": "Ay"}, {"value": "b", "label": "Bee"}],
                    },
                ],
            },
            {
                "id": "s2",
                "title": "Second part",
                "questions": [
                    {
                        "id": "zz_many",
                        "text": "Pick some",
                        "type": "multi",
                        "required": False,
                        "max": 2,
                        "options": [{"value": "x", "label": "Ex"}, {"value": "y", "label": "Why"}],
                    },
                    {"id": "zz_rate", "text": "Rate it", "type": "scale", "min": 0, "max": 10},
                    {"id": "zz_count", "text": "Count them", "type": "number", "min": 1, "unit": "things"},
                    {"id": "zz_tell", "text": "Tell us", "type": "text", "max": 1000, "help": "In a few words."},
                ],
            },
        ],
    }
)


def test_the_quiz_page_is_generated_from_any_definition(tmp_path: Path) -> None:
    quiz = made(tmp_path, quiz=INVENTED)["quiz.html"]
    steps = re.findall(r'class="q" data-id="([^"]+)" data-type="([^"]+)" data-section="([^"]+)"', quiz)
    assert steps == [
        ("zz_name", "text", "First part"),
        ("zz_pick", "single", "First part"),
        ("zz_many", "multi", "Second part"),
        ("zz_rate", "scale", "Second part"),
        ("zz_count", "number", "Second part"),
        ("zz_tell", "text", "Second part"),
    ]
    assert quiz.count('name="zz_rate" value=') == 11  # 0 to 10
    assert 'type="checkbox" name="zz_many" value="y"' in quiz
    assert "Choose up to 2." in quiz and "(optional)" in quiz and "In a few words." in quiz
    assert '<textarea id="a-zz_tell"' in quiz and 'maxlength="50"' in quiz
    assert 'min="1"' in quiz and ">things<" in quiz
    assert "6 questions" in quiz


def test_prices_come_from_the_tiers_setting(tmp_path: Path) -> None:
    tiers = [
        {"id": "basic", "name": "Starter Report", "amount": 9900, "currency": "eur"},
        {"id": "deep", "name": "Deep Dive", "amount": 123450, "currency": "usd"},
    ]
    pages = made(tmp_path, settings=settings(TIERS=json.dumps(tiers)))
    for page in ("index.html", "results.html", "terms.html"):
        assert "Starter Report" in pages[page] and "€99" in pages[page], page
        assert "Deep Dive" in pages[page] and "$1,234.50" in pages[page], page
    assert 'name="tier" value="basic" checked' in pages["results.html"]


def test_the_tier_card_of_the_edition_with_a_call_says_so(tmp_path: Path) -> None:
    results = made(tmp_path, settings=settings())["results.html"]
    cards = dict(re.findall(r'value="(\w+)"[^>]*>(.*?)</label>', results))
    assert "60-minute strategy call" in cards["report_call"]
    assert "strategy call" not in cards["report"]


SELLER = {
    "SELLER_NAME": "Beispiel Beratung GmbH",
    "SELLER_ADDRESS": "Hauptstraße 1\\n10115 Berlin",
    "SELLER_VAT_ID": "DE123456789",
    "SUPPORT_EMAIL": "hilfe@beispiel.de",
}


def test_the_seller_is_named_on_the_imprint_privacy_notice_terms_and_every_page(tmp_path: Path) -> None:
    pages = made(tmp_path, settings=settings(**SELLER))
    imprint = text(pages["imprint.html"])
    assert "Beispiel Beratung GmbH Hauptstraße 1 10115 Berlin VAT id: DE123456789 Email: hilfe@beispiel.de" in imprint
    assert "test mode" not in imprint
    assert "The controller of your data is Beispiel Beratung GmbH, Hauptstraße 1, 10115 Berlin." in text(
        pages["privacy.html"]
    )
    assert "between you and Beispiel Beratung GmbH, Hauptstraße 1, 10115 Berlin (VAT id DE123456789)" in text(
        pages["terms.html"]
    )
    for name, html in pages.items():
        assert "Sold by Beispiel Beratung GmbH" in html and re.search(r'href="/?imprint\.html"', html), name


def test_without_the_sellers_details_the_imprint_says_it_is_a_test(tmp_path: Path) -> None:
    imprint = text(made(tmp_path, settings=settings())["imprint.html"])
    assert "SELLER_NAME, SELLER_ADDRESS, SELLER_VAT_ID, SUPPORT_EMAIL unset" in imprint and "test mode" in imprint


@pytest.mark.parametrize(
    ("env", "label", "sentence"),
    [
        ({}, "incl. VAT", "Prices include VAT; your invoice shows it."),
        ({"STRIPE_AUTOMATIC_TAX": "true", "PRICES_INCLUDE_VAT": "false"}, "plus VAT", "added at checkout"),
        ({"PRICES_INCLUDE_VAT": "false"}, "excl. VAT", "no VAT is added at checkout"),
    ],
)
def test_every_price_says_how_vat_stands_to_it(tmp_path: Path, env: dict[str, str], label: str, sentence: str) -> None:
    pages = made(tmp_path, settings=settings(**env))
    for page in ("index.html", "results.html", "terms.html"):
        said = text(pages[page])
        assert f"€147 {label}" in said and f"€497 {label}" in said, page
    assert sentence in text(pages["index.html"]) and sentence in text(pages["terms.html"])


def test_privacy_states_the_retention_periods_of_crb_schedule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    privacy = text(made(tmp_path / "a")["privacy.html"])
    assert f"idle for {schedule.UNPAID_SESSION_DAYS} days" in privacy
    assert f"Deleted {schedule.REPORT_PDF_DAYS} days after they are made" in privacy
    assert f"one follow-up {schedule.FOLLOW_UP_AFTER_DAYS} days after" in privacy
    assert "Expires after 60 minutes" in privacy
    monkeypatch.setattr(schedule, "UNPAID_SESSION_DAYS", 11)
    monkeypatch.setattr(schedule, "REPORT_PDF_DAYS", 45)
    changed = text(made(tmp_path / "b", settings=settings(CHECKOUT_EXPIRY_MINUTES="90"))["privacy.html"])
    assert (
        "idle for 11 days" in changed and "Deleted 45 days after" in changed and "Expires after 90 minutes" in changed
    )
    assert "reminder" not in privacy  # no recovery emails unless CHECKOUT_RECOVERY
    recovering = text(made(tmp_path / "c", settings=settings(CHECKOUT_RECOVERY="true"))["privacy.html"])
    assert f"Stripe keeps it {schedule.RECOVERY_LINK_DAYS} days" in recovering
    assert "we send one reminder with a link back to it" in recovering


def test_the_api_base_is_a_build_setting(tmp_path: Path) -> None:
    same = made(tmp_path / "same")["quiz.html"]
    assert '<meta name="crb-api" content="">' in same
    assert "connect-src &#39;self&#39;;" in same
    other = made(tmp_path / "other", api_base="https://api.example.com/")["quiz.html"]
    assert '<meta name="crb-api" content="https://api.example.com">' in other
    assert "connect-src &#39;self&#39; https://api.example.com;" in other
    with pytest.raises(build.BuildError, match="SITE_API_BASE"):
        build.build(tmp_path / "bad", api_base="ftp://nope", settings=settings(), with_sample=False)


def test_the_budget_is_printed_and_enforced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert build.main(["--out", str(tmp_path / "ok"), "--no-sample", "--api-base", ""]) == 0
    assert not (tmp_path / "data").exists()  # `make site` runs before `crb up`: it needs no key, and makes none
    printed = capsys.readouterr().out
    weight = build.page_weight(tmp_path / "ok", "quiz.html")
    assert f"page weight, quiz.html: HTML {weight.parts['HTML']:,}" in printed
    assert f"= {weight.total:,} bytes (within the 61,440-byte budget)" in printed
    monkeypatch.setattr(build, "QUIZ_PAGE_BUDGET", 10_000)
    assert build.main(["--out", str(tmp_path / "over"), "--no-sample"]) == 1
    assert "OVER the 10,000-byte budget" in capsys.readouterr().err


def test_assets_are_squeezed_yet_the_same_code(tmp_path: Path) -> None:
    made(tmp_path)
    [script] = (tmp_path / "assets").glob("app.*.js")
    [style] = (tmp_path / "assets").glob("site.*.css")
    assert "/*" not in style.read_text() and not re.search(r"^\s*//", script.read_text(), re.M)
    if shutil.which("node"):
        subprocess.run(["node", "--check", str(script)], check=True)


@pytest.mark.browser
async def test_previews_without_a_pdf_rasteriser_come_from_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_pdf: Path
) -> None:
    """On a machine without poppler's pdftoppm (or pypdfium2) the landing page still gets its previews."""
    sample = importlib.import_module("sample_report")
    monkeypatch.setattr(sample.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # importing it fails, as where it is not installed
    made_sample = await asyncio.to_thread(sample.make_sample, tmp_path / "samples", settings(), sample_pdf)
    assert made_sample.source == "Chromium screenshots of the report HTML"
    assert made_sample.pages[0].caption == "Cover"
    assert len(made_sample.pages) > 1
    for preview in made_sample.pages:
        png = (tmp_path / preview.file).read_bytes()
        assert png.startswith(b"\x89PNG") and preview.width == 480
