"""Pain matching: the customer's own words name templates, in English and German, and traps and generic words don't."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crb.assessment.knowledge import Template, load_knowledge
from crb.assessment.pain import PainHit, closest, fold, load_pain_terms, match_pain, parse_pain_terms

PLANNING = frozenset({"ai_planning", "scheduling_assistant", "shift_planning"})
SUPPORT = frozenset({"support_ai_agent", "support_copilot", "email_triage", "self_service_faq"})
DRAFTING = frozenset({"general_assistant", "proposal_drafting", "marketing_content"})
DOCUMENTS = frozenset({"document_extraction", "contract_review", "knowledge_search"})


def one(template_id: str) -> frozenset[str]:
    return frozenset({template_id})


def templates() -> tuple[Template, ...]:
    return load_knowledge().templates


def raw_terms() -> dict[str, Any]:
    text = resources.files("crb.assessment").joinpath("pain_terms.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def hit_ids(text: str) -> list[str]:
    return [h.template_id for h in match_pain(text, templates())]


def outcome(text: str) -> list[tuple[str, float]]:
    """What must not depend on spelling: which templates, in which order, how strongly."""
    return [(h.template_id, h.score) for h in match_pain(text, templates())]


def test_the_terms_cover_exactly_the_knowledge_bases_templates() -> None:
    assert set(load_pain_terms().entries) == {t.id for t in templates()}


def test_every_template_has_english_and_german_terms() -> None:
    for template_id, spec in raw_terms().items():
        if template_id.startswith("_"):
            continue
        positive = {lang: [s for s in spec[lang] if not s.startswith("!")] for lang in ("en", "de")}
        assert len(positive["en"]) >= 3 and len(positive["de"]) >= 3, template_id


# Each case: the text, groups of which each must have a member among the hits, and the group the strongest is from.
CASES: list[tuple[str, tuple[frozenset[str], ...], frozenset[str] | None]] = [
    (
        "writing quotes takes evenings, and planning which technician goes where is chaos",
        (one("proposal_drafting"), PLANNING),
        PLANNING,
    ),
    (
        "Order-status and returns emails eat our afternoons, and listings for a new collection take weeks.",
        (SUPPORT, one("product_descriptions")),
        None,
    ),
    (
        "Writing pitches and monthly client reports eats the time we should spend on creative work.",
        (one("proposal_drafting"), one("automated_reporting")),
        None,
    ),
    (
        "Our advisers spend evenings writing client letters and checking documents instead of advising.",
        (DRAFTING, DOCUMENTS),
        None,
    ),
    (
        "Die Angebotserstellung dauert ewig und die Tourenplanung ist jeden Morgen Chaos.",
        (one("proposal_drafting"), PLANNING),
        None,
    ),
    (
        "Belege abtippen und Rechnungen prüfen kostet uns jede Woche einen Tag",
        (one("invoice_capture"),),
        one("invoice_capture"),
    ),
    # a bookkeeper
    (
        "As bookkeepers we spend every month-end reconciling bank statements and chasing missing receipts.",
        (one("bookkeeping_checks"), one("invoice_capture")),
        one("bookkeeping_checks"),
    ),
    ("Jenny Rosen does the books by hand", (one("bookkeeping_checks"),), one("bookkeeping_checks")),
    (
        "Unsere Buchhaltung tippt jeden Beleg einzeln in DATEV ein.",
        (one("bookkeeping_checks"), one("invoice_capture")),
        one("bookkeeping_checks"),
    ),
    # a clinic
    (
        "Reception is swamped with patients calling to book and move appointments.",
        (one("scheduling_assistant"),),
        one("scheduling_assistant"),
    ),
    (
        "Patienten rufen ständig an, um Termine zu verschieben oder abzusagen.",
        (one("scheduling_assistant"),),
        one("scheduling_assistant"),
    ),
    # a logistics firm
    (
        "Dispatch and delivery-note paperwork take up half of every morning.",
        (PLANNING, one("document_extraction")),
        one("document_extraction"),
    ),
    (
        "Disposition der Fahrer und Lieferscheine abtippen.",
        (one("shift_planning"), one("document_extraction"), one("data_entry_automation")),
        None,
    ),
    # more of the everyday
    (
        "Wir verbringen jeden Tag Stunden mit Kundenanfragen per Telefon und E-Mail.",
        (one("support_ai_agent"), one("email_triage")),
        SUPPORT,
    ),
    ("Die Dienstplanung für 30 Pflegekräfte und die Urlaubsplanung.", (one("shift_planning"),), one("shift_planning")),
    ("The rota for 40 nurses, covering sick leave and holidays.", (one("shift_planning"),), one("shift_planning")),
    (
        "Posting on Instagram and writing the newsletter every week.",
        (one("marketing_content"),),
        one("marketing_content"),
    ),
    (
        "Keeping track of stock levels across three warehouses and deciding what to reorder.",
        (one("demand_forecasting"),),
        one("demand_forecasting"),
    ),
    ("Manual data entry from PDF orders into our ERP.", (one("data_entry_automation"),), None),
    ("Translating our website into French.", (one("translation"),), one("translation")),
    ("Übersetzungen für den Onlineshop", (one("translation"),), one("translation")),
    ("Our spreadsheets are scattered and nobody trusts the numbers.", (one("spreadsheet_consolidation"),), None),
    ("Data protection requests and GDPR paperwork.", (one("gdpr_requests"),), one("gdpr_requests")),
    ("Verträge prüfen und Klauseln vergleichen", (one("contract_review"),), one("contract_review")),
    ("Recruiting: reading hundreds of CVs.", (one("ai_hiring_screening"),), one("ai_hiring_screening")),
]


@pytest.mark.parametrize(("text", "named", "strongest"), CASES)
def test_the_customers_words_name_templates(
    text: str, named: tuple[frozenset[str], ...], strongest: frozenset[str] | None
) -> None:
    ids = hit_ids(text)

    for group in named:
        assert group & set(ids), (sorted(group), ids)
    if strongest is not None:
        assert ids[0] in strongest, ids


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "we love our customers",
        "Wir lieben unsere Kunden.",
        "It all takes so much time and work, too many hours every day.",
        "Keine Zeit, zu viel Arbeit, zu viele Stunden jede Woche.",
        "The explanation at the border was ordinary.",
        "The airplane over our plant and the planet.",
        "Mailand is lovely; we determined that at the terminal.",
        "Die Berechnung der Geschichte und die Verantwortung dafür.",
        "We spend whole evenings on everything.",
    ],
)
def test_unrelated_generic_or_tricky_text_names_nothing(text: str) -> None:
    assert match_pain(text, templates()) == ()


def test_no_generic_word_matches_on_its_own() -> None:
    for word in raw_terms()["_generic"]:
        assert match_pain(word, templates()) == (), word
        assert match_pain(word.upper(), templates()) == (), word


@pytest.mark.parametrize(
    ("text", "template_id"),
    [
        ("Sales quotas", "proposal_drafting"),  # quot- but not a quote
        ("Our quarterly tax returns", "support_ai_agent"),  # returns, but not parcels
        ("Raumbelegung und Belegschaft", "invoice_capture"),  # Beleg inside, but not receipts
        ("Kundenbesuche und Terminvereinbarungen", "contract_review"),  # -vereinbarung, but an appointment
        ("Payment reminders to late payers", "scheduling_assistant"),  # reminders, but not of appointments
        ("Bestandskunden und Bestandteile", "demand_forecasting"),  # Bestand inside, but not stock
        ("Die Steuerung der Anlage", "bookkeeping_checks"),  # Steuer inside, but not tax
    ],
)
def test_a_template_blocks_words_that_only_look_like_its_terms(text: str, template_id: str) -> None:
    assert template_id not in hit_ids(text)


def test_every_term_matches_its_own_words() -> None:
    """No dead terms: each term, written out plainly, names its template."""
    for template_id, spec in raw_terms().items():
        if template_id.startswith("_"):
            continue
        for term in [s for lang in ("en", "de") for s in spec[lang] if not s.startswith("!")]:
            sample = " ".join(word.lstrip("=*") for word in term.split())
            assert template_id in hit_ids(sample), (template_id, term)


def test_hits_report_the_customers_words_as_written_in_text_order() -> None:
    text = "Order-status and returns emails eat our afternoons, and listings for a new collection take weeks."
    hits = {h.template_id: h for h in match_pain(text, templates())}

    assert hits["support_ai_agent"].terms == ("Order-status", "returns")
    assert hits["product_descriptions"].terms == ("listings", "new collection")
    assert hits["email_triage"].terms == ("emails",)
    german = {h.template_id: h.terms for h in match_pain("Unsere Kunden-E-Mails und Angebote", templates())}
    assert german["email_triage"] == ("Kunden-E-Mails",)
    assert german["proposal_drafting"] == ("Angebote",)
    repeated = {h.template_id: h for h in match_pain("Emails, e-mails and EMAILS; Kunden-E-Mails", templates())}
    assert repeated["email_triage"] == PainHit("email_triage", ("Emails", "Kunden-E-Mails"), 2.0)


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("quotes", 1.0),
        ("quotes, quotes and more quotes", 1.0),  # repeating a word is not more evidence
        ("quotes and Quotes and QUOTES", 1.0),
        ("quotes and proposals", 2.0),
        ("quotes, proposals and tenders", 3.0),
        ("a statement of work", 2.0),  # a phrase: 1 + ½ per further word
    ],
)
def test_more_distinct_terms_and_longer_phrases_score_higher(text: str, score: float) -> None:
    (hit,) = [h for h in match_pain(text, templates()) if h.template_id == "proposal_drafting"]

    assert hit.score == score


def test_the_longest_of_overlapping_terms_counts_once() -> None:
    hits = {h.template_id: h for h in match_pain("Meeting notes and more meetings", templates())}

    # "meeting" and "meeting notes" are both terms: the phrase takes its words, the later "meetings" counts apart
    assert hits["meeting_notes"] == PainHit("meeting_notes", ("Meeting notes", "meetings"), 2.5)


def test_hits_come_strongest_first_and_ties_keep_the_templates_order() -> None:
    kb = templates()
    text = "planning, rotas and shifts"  # shift_planning 3; ai_planning 1, scheduling_assistant 0

    assert hit_ids(text) == ["shift_planning", "ai_planning"]
    tie = [h.template_id for h in match_pain("planning", kb)]
    assert tie == ["ai_planning", "shift_planning"]  # the knowledge base's order
    assert [h.template_id for h in match_pain("planning", kb[::-1])] == tie[::-1]


def test_only_the_templates_given_are_matched() -> None:
    kb = [t for t in templates() if t.id != "proposal_drafting"]

    assert "proposal_drafting" not in [h.template_id for h in match_pain("quotes and invoices", kb)]
    assert [h.template_id for h in match_pain("quotes and invoices", kb)] == ["invoice_capture"]


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("Belege abtippen und Rechnungen prüfen", "BELEGE ABTIPPEN UND RECHNUNGEN PRUEFEN"),
        ("Rechnungsprüfung und Übersetzungen", "rechnungspruefung und uebersetzungen"),
        ("Die Angebotserstellung dauert ewig", "die angebotserstellung dauert ewig"),
        ("Kontoauszüge und Lieferscheine", "KONTOAUSZÜGE UND LIEFERSCHEINE"),
        ("Die Tourenplanung: Straßen, Maße", "Die Tourenplanung: Strassen, Masse"),
        ("writing quotes and planning", "Writing QUOTES and Planning"),
        ("Order-status emails", "order status e-mails"),
        ("Termine für Patienten", "Termine fu\u0308r Patienten"),  # the same umlaut, decomposed
    ],
)
def test_case_and_german_spelling_do_not_change_the_outcome(text: str, other: str) -> None:
    assert outcome(text) and outcome(text) == outcome(other)


def test_fold_writes_german_both_ways_alike() -> None:
    assert fold("Prüfen") == fold("pruefen") == fold("PRÜFEN") == "pruefen"
    assert fold("Straße") == fold("STRASSE") == "strasse"
    assert fold("customer's") == "customers"
    assert fold("Café") == "cafe"


def test_a_phrase_does_not_run_across_a_clause() -> None:
    assert "support_ai_agent" not in hit_ids("we track every order. Status meetings follow")
    assert "support_ai_agent" in hit_ids("we track every order status")


VOCAB = [
    "quotes", "Angebote", "Tourenplanung", "Belege", "prüfen", "Rechnungen", "order", "status", "returns", "emails",
    "Termine", "Übersetzung", "Straße", "dispatch", "delivery", "note", "paperwork", "and", "und", "the", "time",
    "Zeit", "border", "explanation", "Mailand", "Öffnungszeiten", "Kundenanfragen", ",", ".", "-", "Dienstplan",
]  # fmt: skip


def german_spelled_out(text: str) -> str:
    return text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("Ü", "Ue").replace("ß", "ss")


@given(st.lists(st.sampled_from(VOCAB), max_size=14).map(" ".join))
def test_the_outcome_is_the_same_in_any_case_and_spelling(text: str) -> None:
    expected = outcome(text)

    assert outcome(text) == expected  # deterministic
    assert outcome(text.upper()) == expected
    assert outcome(text.lower()) == expected
    assert outcome(german_spelled_out(text)) == expected


@given(st.text(max_size=500))
def test_any_text_gives_well_formed_hits(text: str) -> None:
    hits = match_pain(text, templates())
    written = unicodedata.normalize("NFC", text)

    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.template_id for h in hits}) == len(hits)
    for hit in hits:
        assert hit.terms and hit.score >= len(hit.terms) > 0
        assert all(term in written for term in hit.terms)


def all_ids() -> list[str]:
    return [t.id for t in templates()]


def test_closest_names_the_nearest_templates_for_a_near_miss() -> None:
    text = "Typing numbers by hand into the system"
    assert match_pain(text, templates()) == ()

    near = closest(text, templates(), all_ids())

    assert 1 <= len(near) <= 2
    assert set(near) <= {"invoice_capture", "automated_reporting", "ask_your_data", "workflow_automation"}
    assert closest(text, templates(), all_ids()) == near


def test_closest_keeps_to_the_ids_among_and_the_limit() -> None:
    text = "Typing numbers by hand into the system"
    among = ["automated_reporting", "no_such_template", "invoice_capture", "lead_scoring"]

    assert set(closest(text, templates(), among, limit=5)) == {"automated_reporting", "invoice_capture"}
    assert len(closest(text, templates(), among, limit=1)) == 1
    assert closest(text, templates(), among, limit=0) == ()
    assert closest(text, templates(), ["lead_scoring"]) == ()


@pytest.mark.parametrize(
    "text", ["", "we love our customers", "Wir lieben unsere Kunden", "so much time and work", "xyzzy plugh"]
)
def test_closest_is_empty_when_nothing_shares_a_stem(text: str) -> None:
    assert closest(text, templates(), all_ids()) == ()


def minimal(**terms: Sequence[str]) -> dict[str, Any]:
    """A terms file with two generic words and one template per keyword, its English terms as given."""
    return {"_generic": ["time", "work"], **{tid: {"en": list(en), "de": ["*angebot"]} for tid, en in terms.items()}}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (minimal(a=["*bot"]), "'*bot'"),  # compound parts need 5 letters
        (minimal(a=["qu"]), "'qu'"),  # plain single-word terms need 3
        (minimal(a=["tim"]), "generic"),  # would match "time" on its own
        (minimal(a=["*ork"]), "'*ork'"),
        (minimal(a=["e-mail"]), "'e-mail'"),  # a hyphenated word is two words: write "e mail"
        (minimal(a=["="]), "'='"),
        (minimal(a=[""]), "empty"),
        ({**minimal(a=["quot"]), "_typo": []}, "_typo"),
        ({"a": {"en": ["quot"]}}, "'de'"),
        ({"a": {"en": "quot", "de": []}}, "a.en"),
        ([], "object"),
    ],
)
def test_a_malformed_terms_file_fails_naming_the_term(raw: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_pain_terms(raw)


def test_a_generic_word_may_sit_inside_a_phrase() -> None:
    terms = parse_pain_terms(minimal(a=["response time", "=work order"]))

    assert len(terms.entries["a"].terms) == 3
