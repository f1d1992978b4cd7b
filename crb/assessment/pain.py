"""The customer's own words about what takes too much time, matched to the templates whose work they name.

The terms live in `pain_terms.json`: for each template id an `en` and a `de` list, both applied to every text.
Text and terms are folded the same way before they are compared: lower case, ä/ö/ü as ae/oe/ue, ß as ss, other
accents dropped, apostrophes removed; words are split at spaces, punctuation and hyphens ("Order-status" is the two
words "order" and "status", and is reported as written). A term is one of:

- `quot`: a plain term matches words starting with it (quote, quotes, quotation); alone it needs 3 letters or more,
  so a short stem never matches inside a longer unrelated word ("plan" is not in "explanation").
- `=mail`: a whole word only (mail, not mails or Mailand).
- `*angebot`: a compound part, anywhere inside a word (Angebotserstellung, Kostenangebote); 5 letters or more.
- `order status`: a phrase, consecutive words each read by the rules above, within one clause (no , . ; : ! ? or
  line break between them).
- `!tax return`: a block, for its template only: words it matches count for nothing there.

The file's `_never` terms block words for every template (English words that contain a German compound part, such as
"determine" for `*termin`), and no single-word term may match a word of `_generic` ("time", "work", "Zeit",
"Arbeit"): the load fails if one does, so generic words never match on their own. `_filler` holds the function words
`closest` ignores.

A hit scores each distinct matched term once, however often it is repeated: 1 for a word and ½ more for each further
word of a phrase. Where terms overlap the longest wins, and no word counts twice for one template.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

from crb.assessment.knowledge import Template

TERMS_FILE: Final = "pain_terms.json"
MIN_PREFIX: Final = 3  # letters in a plain single-word term
MIN_PART: Final = 5  # letters in a compound part: shorter ones turn up inside too many unrelated words
LANGUAGES: Final = ("en", "de")
PHRASE_WORD: Final = 0.5  # what each word after the first adds to a phrase's score

_WORD = re.compile(r"[^\W_]+(?:[-\u2010\u2011'\u2019][^\W_]+)*")  # a written word, hyphens and apostrophes inside
_HYPHEN = re.compile(r"[-\u2010\u2011]")
_CLAUSE_BREAK = re.compile(r"[,.;:!?()\[\]{}\"\u201c\u201d\u201e\u00ab\u00bb\u2026\r\n]")
_UMLAUTS: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})

_SUFFIXES: Final = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ers", "er", "es", "ed", "ly", "s", "e")


@dataclass(frozen=True)
class PainHit:
    """A template the customer's words name: the words that matched, as written and in text order, and how strongly."""

    template_id: str
    terms: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class _Token:
    folded: str
    start: int  # the written word around the token: "Order-status" for both "order" and "status"
    end: int
    clause: int


@dataclass(frozen=True)
class _Word:
    how: Literal["prefix", "whole", "part"]
    stem: str

    def matches(self, folded: str) -> bool:
        match self.how:
            case "prefix":
                return folded.startswith(self.stem)
            case "whole":
                return folded == self.stem
            case "part":
                return self.stem in folded


@dataclass(frozen=True)
class _Term:
    words: tuple[_Word, ...]

    def starts(self, text: _Text) -> list[int]:
        """The token indexes where the whole term matches, within one clause."""
        n, tokens = len(self.words), text.tokens
        return [
            i
            for i in text.positions(self.words[0])
            if i + n <= len(tokens)
            and tokens[i].clause == tokens[i + n - 1].clause
            and all(i + k in text.positions(w) for k, w in enumerate(self.words[1:], start=1))
        ]


class _Text:
    """The tokens of one text, with each word's matching positions worked out once (a text meets every template)."""

    def __init__(self, tokens: Sequence[_Token]) -> None:
        self.tokens = tokens
        self._seen: dict[_Word, frozenset[int]] = {}

    def positions(self, word: _Word) -> frozenset[int]:
        found = self._seen.get(word)
        if found is None:
            found = frozenset(i for i, t in enumerate(self.tokens) if word.matches(t.folded))
            self._seen[word] = found
        return found


@dataclass(frozen=True)
class _Entry:
    terms: tuple[_Term, ...]
    blocks: tuple[_Term, ...]


@dataclass(frozen=True)
class PainTerms:
    """The parsed terms file: each template's terms and blocks, the blocks for all templates, and the word lists."""

    entries: Mapping[str, _Entry]
    never: tuple[_Term, ...]
    generic: frozenset[str]
    filler: frozenset[str]


def match_pain(text: str, templates: Sequence[Template]) -> tuple[PainHit, ...]:
    """Templates the text names, strongest first; ties keep the templates' order."""
    terms = load_pain_terms()
    text = unicodedata.normalize("NFC", text)
    tokens = _tokens(text)
    if not tokens:
        return ()
    seen = _Text(tokens)
    never = _covered(terms.never, seen)
    hits = []
    for template in templates:
        entry = terms.entries.get(template.id)
        if entry is None:
            continue
        spans = _spans(entry.terms, seen, never | _covered(entry.blocks, seen))
        if spans:
            hits.append(_hit(template.id, spans, tokens, text))
    return tuple(sorted(hits, key=lambda h: -h.score))


def closest(text: str, templates: Sequence[Template], among: Sequence[str], limit: int = 2) -> tuple[str, ...]:
    """When nothing matches: ids from `among` nearest to the text (shared word stems with title and summary), best
    first; may be empty. Generic and filler words are left out, rarer stems weigh more, ties keep the order of `among`.
    """
    terms = load_pain_terms()
    ignore = terms.generic | terms.filler
    words = _stems(text, ignore)
    if not words or limit < 1:
        return ()
    docs = {t.id: _stems(f"{t.title} {t.summary}", ignore) for t in templates}
    df = Counter(s for stems in docs.values() for s in stems)
    scored = []
    for template_id in dict.fromkeys(among):
        shared = sorted(words & docs.get(template_id, frozenset()))  # sorted: the float sum must not depend on hashing
        if shared:
            scored.append((template_id, sum(math.log(1 + len(docs) / df[s]) for s in shared)))
    scored.sort(key=lambda pair: -pair[1])
    return tuple(template_id for template_id, _ in scored[:limit])


def fold(word: str) -> str:
    """A word as it is compared: `Prüfen`, `pruefen` and `PRÜFEN` all give `pruefen`; `Straße` gives `strasse`."""
    word = unicodedata.normalize("NFC", word).casefold().translate(_UMLAUTS)
    return "".join(c for c in unicodedata.normalize("NFKD", word) if c.isalnum())


def _tokens(text: str) -> tuple[_Token, ...]:
    tokens = []
    clause, last = 0, 0
    for m in _WORD.finditer(text):
        if _CLAUSE_BREAK.search(text, last, m.start()):
            clause += 1
        last = m.end()
        for part in _HYPHEN.split(m.group()):
            if folded := fold(part):
                tokens.append(_Token(folded, m.start(), m.end(), clause))
    return tuple(tokens)


def _covered(terms: Sequence[_Term], text: _Text) -> frozenset[int]:
    """Indexes of the tokens that any of the terms match."""
    return frozenset(i + k for term in terms for i in term.starts(text) for k in range(len(term.words)))


def _spans(terms: Sequence[_Term], text: _Text, blocked: frozenset[int]) -> list[tuple[int, int]]:
    """Where the terms match as (first token, word count): longest first, no token counted twice, in text order."""
    found = {
        (i, len(term.words))
        for term in terms
        for i in term.starts(text)
        if blocked.isdisjoint(range(i, i + len(term.words)))
    }
    taken: set[int] = set()
    spans = []
    for i, n in sorted(found, key=lambda span: (-span[1], span[0])):
        if taken.isdisjoint(range(i, i + n)):
            taken.update(range(i, i + n))
            spans.append((i, n))
    return sorted(spans)


def _hit(template_id: str, spans: Sequence[tuple[int, int]], tokens: Sequence[_Token], text: str) -> PainHit:
    """Each distinct term, as written and folded, scores once however often it is repeated: 1 for a word, ½ more per
    further word of a phrase, so two terms outweigh one two-word phrase."""
    found: dict[str, tuple[str, float]] = {}
    for i, n in spans:
        words = text[tokens[i].start : tokens[i + n - 1].end]
        found.setdefault(fold(words), (words, 1 + PHRASE_WORD * (n - 1)))
    return PainHit(template_id, tuple(w for w, _ in found.values()), sum(score for _, score in found.values()))


def _stems(text: str, ignore: frozenset[str]) -> frozenset[str]:
    words = (t.folded for t in _tokens(unicodedata.normalize("NFC", text)))
    stems = (_stem(w) for w in words if w not in ignore)
    return frozenset(s for s in stems if len(s) >= 3 and not s.isdigit())


def _stem(word: str) -> str:
    """A crude English stem, the same on both sides of a comparison: reports, reporting → report; planning → plan."""
    if word.endswith(("ss", "us", "is")):
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeioulsz":
        word = word[:-1]
    return word


@cache
def load_pain_terms() -> PainTerms:
    """The terms shipped with the package, parsed and checked once."""
    raw = json.loads(resources.files(__package__).joinpath(TERMS_FILE).read_text(encoding="utf-8"))
    return parse_pain_terms(raw)


def parse_pain_terms(raw: Any) -> PainTerms:
    """The terms file's content as typed terms; a malformed term fails with the template and the term."""
    if not isinstance(raw, dict):
        raise ValueError(f"{TERMS_FILE}: expected an object of template ids")
    unknown = {k for k in raw if k.startswith("_")} - {"_about", "_generic", "_never", "_filler"}
    if unknown:
        raise ValueError(f"{TERMS_FILE}: unknown entries {sorted(unknown)}")
    generic = frozenset(fold(w) for w in _strings(raw.get("_generic", []), "_generic"))
    filler = frozenset(fold(w) for w in _strings(raw.get("_filler", []), "_filler"))
    never = tuple(_term(s, "_never") for s in _strings(raw.get("_never", []), "_never"))
    entries = {tid: _entry(tid, spec, generic) for tid, spec in raw.items() if not tid.startswith("_")}
    return PainTerms(entries=entries, never=never, generic=generic, filler=filler)


def _entry(template_id: str, spec: Any, generic: frozenset[str]) -> _Entry:
    if not isinstance(spec, dict) or set(spec) != set(LANGUAGES):
        raise ValueError(f"{TERMS_FILE}: {template_id}: expected {{'en': [...], 'de': [...]}}")
    sources = [s for lang in LANGUAGES for s in _strings(spec[lang], f"{template_id}.{lang}")]
    terms = [(s, _term(s.removeprefix("!"), template_id)) for s in sources]
    for source, term in terms:
        if len(term.words) == 1 and not source.startswith("!"):
            _check_single(template_id, source, term.words[0], generic)
    return _Entry(
        terms=tuple(term for source, term in terms if not source.startswith("!")),
        blocks=tuple(term for source, term in terms if source.startswith("!")),
    )


def _check_single(template_id: str, source: str, word: _Word, generic: frozenset[str]) -> None:
    if word.how == "prefix" and len(word.stem) < MIN_PREFIX:
        raise ValueError(f"{TERMS_FILE}: {template_id}: {source!r} is shorter than {MIN_PREFIX} letters")
    clash = sorted(g for g in generic if word.matches(g))
    if clash:
        raise ValueError(f"{TERMS_FILE}: {template_id}: {source!r} matches the generic words {clash}")


def _term(source: str, where: str) -> _Term:
    pieces = source.split()
    if not pieces:
        raise ValueError(f"{TERMS_FILE}: {where}: an empty term")
    return _Term(tuple(_word(piece, source, where) for piece in pieces))


def _word(piece: str, source: str, where: str) -> _Word:
    how: Literal["prefix", "whole", "part"]
    match piece[0]:
        case "=":
            how, body = "whole", piece[1:]
        case "*":
            how, body = "part", piece[1:]
        case _:
            how, body = "prefix", piece
    if not _WORD.fullmatch(body) or _HYPHEN.search(body):
        raise ValueError(f"{TERMS_FILE}: {where}: {source!r} has a word that is not one plain word: {piece!r}")
    stem = fold(body)
    if how == "part" and len(stem) < MIN_PART:
        raise ValueError(f"{TERMS_FILE}: {where}: the compound part in {source!r} is shorter than {MIN_PART} letters")
    return _Word(how, stem)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValueError(f"{TERMS_FILE}: {where}: expected a list of strings")
    return [str(s) for s in value]
