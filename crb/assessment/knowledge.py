"""The knowledge base as typed data: opportunity templates, products with prices, sources, and their rules.

Texts may differ by reader. In `knowledge_base.json` a text is either a string or an object
`{"text": …, "sensitive": …, "without": {tool id: …}, "solo": …}`: the first that applies wins, in that order
(`sensitive` for special-category data or regulated work, `without` when the business does not use that tool,
`solo` for a one-person business), else `text`. `load_knowledge(reader)` resolves every text for one reader, so the
engine only ever sees plain strings.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crb.report import Category, Confidence, Horizon, OptionKind, Probability

MAX_SHARE_PER_QUESTION: Final = 0.9  # no two templates may save the same hour: shares of one question sum to ≤ 0.9
OPTION_ORDER: Final[tuple[OptionKind, ...]] = ("off_the_shelf", "best_in_class", "custom")


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Cond(_Data):
    """A rule over the answers: exactly one of always / q / pillar / all / any / not."""

    always: bool | None = None
    q: str | None = None
    pillar: str | None = None
    is_in: tuple[str, ...] | None = Field(default=None, alias="in")
    has: tuple[str, ...] | None = None
    gte: float | None = None
    lt: float | None = None
    all_of: tuple[Cond, ...] | None = Field(default=None, alias="all")
    any_of: tuple[Cond, ...] | None = Field(default=None, alias="any")
    negate: Cond | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_kind(self) -> Cond:
        kinds = [self.always, self.q, self.pillar, self.all_of, self.any_of, self.negate]
        if sum(k is not None for k in kinds) != 1:
            raise ValueError("a condition needs exactly one of always, q, pillar, all, any, not")
        tests = [self.is_in, self.has, self.gte, self.lt]
        if (self.q is not None or self.pillar is not None) and sum(t is not None for t in tests) != 1:
            raise ValueError("a q or pillar condition needs exactly one of in, has, gte, lt")
        return self


class Source(_Data):
    id: str
    title: str
    url: str | None
    date: str
    kind: str


class Product(_Data):
    """A priced product: fixed + per seat + per unit a month, each as a low-high range in its currency."""

    id: str
    name: str
    currency: Literal["USD", "EUR"]
    fixed: tuple[float, float] = (0, 0)
    per_seat: tuple[float, float] = (0, 0)
    per_unit: tuple[float, float] = (0, 0)
    unit: str | None = None
    min_seats: int = 1
    source_ids: tuple[str, ...]
    note: str | None = None


class Seats(_Data):
    basis: Literal["team", "desk"]
    share: float = Field(gt=0, le=1)
    min: int = Field(default=1, ge=1)


class Line(_Data):
    product: str
    seats: Seats | None = None
    units_per_saved_hour: float = Field(default=0, ge=0)


class Tool(_Data):
    """A tool an option builds on, and what it costs to add when the business does not use it yet."""

    label: str  # "accounting software"
    line: Line
    internal_hours: float = Field(ge=0)


class OptionSpec(_Data):
    kind: OptionKind
    name: str
    examples: str
    requires: Cond | None = None  # e.g. an add-on that needs a suite the customer already has
    needs: tuple[str, ...] = ()  # tools it builds on; added (and costed) when the business has none
    sensitive_ok: bool = False  # EU hosting, a data-processing agreement and no training on your data
    lines: tuple[Line, ...]
    setup_days: tuple[float, float]
    internal_hours: float = Field(ge=0)
    internal_hours_per_seat: float = Field(default=0, ge=0)
    weeks: int = Field(ge=1)


class RiskSpec(_Data):
    id: str  # a common risk's key, or "own" for one written for its template
    title: str
    probability: Probability
    impact_hours: float = 0
    impact_euros: float = 0
    impact_benefit_months: float = 0
    impact_one_off_share: float = 0
    mitigation: str
    raise_when: Cond | None = None


class NotRecommendedRule(_Data):
    when: Cond
    why_not: str
    what_instead: str  # reads on its own; the report adds a pointer to `instead` where that is recommended
    instead: tuple[str, ...] = ()  # template ids the alternative points to


class Modifier(_Data):
    when: Cond
    customer_value: int = 0
    business_health: int = 0
    reason: str


class Template(_Data):
    """One opportunity: when it applies, how its value follows from the answers, its options, risks and rules."""

    id: str
    title: str
    summary: str
    category: Category
    horizon: Horizon
    applies: Cond
    drivers: Mapping[str, float] = Field(default_factory=dict)
    revenue_uplift: float = Field(default=0, ge=0, le=0.05)
    max_hours_per_desk_person: float | None = None
    value_note: str
    customer_value: int = Field(ge=1, le=10)
    business_health: int = Field(ge=1, le=10)
    customer_facing: bool = False
    data_dependent: bool = False
    personal_data: bool = True  # handles customers' or staff's personal data
    prerequisites: tuple[str, ...] = ()
    confidence: Confidence
    goals: tuple[str, ...]
    custom_at_scale: bool
    modifiers: tuple[Modifier, ...] = ()
    options: tuple[OptionSpec, OptionSpec, OptionSpec]
    risks: tuple[RiskSpec, ...]
    not_recommended: tuple[NotRecommendedRule, ...] = ()
    alternative: str
    alternative_instead: tuple[str, ...] = ()  # template ids the alternative points to
    source_ids: tuple[str, ...]

    @model_validator(mode="after")
    def _valued_one_way(self) -> Template:
        if bool(self.drivers) == bool(self.revenue_uplift):
            raise ValueError(f"{self.id}: value comes from hours saved or from revenue, exactly one of them")
        if tuple(o.kind for o in self.options) != OPTION_ORDER:
            raise ValueError(f"{self.id}: options must be off_the_shelf, best_in_class, custom in that order")
        return self

    @property
    def kind(self) -> Literal["saved", "created"]:
        return "saved" if self.drivers else "created"

    def option(self, kind: OptionKind) -> OptionSpec:
        return next(o for o in self.options if o.kind == kind)


class KnowledgeBase(_Data):
    version: str
    templates: tuple[Template, ...]
    products: Mapping[str, Product]
    sources: Mapping[str, Source]
    tools: Mapping[str, Tool]
    common_risks: Mapping[str, RiskSpec]

    @model_validator(mode="after")
    def _consistent(self) -> KnowledgeBase:
        ids = [t.id for t in self.templates]
        if len(set(ids)) != len(ids):
            raise ValueError("template ids must be unique")
        shares: defaultdict[str, float] = defaultdict(float)
        ids_set = set(ids)
        unknown_tools = {p for t in self.tools.values() for p in [t.line.product] if p not in self.products}
        if unknown_tools:
            raise ValueError(f"tools name unknown products {sorted(unknown_tools)}")
        for t in self.templates:
            refs = {r for rule in t.not_recommended for r in rule.instead} | set(t.alternative_instead)
            if refs - ids_set:
                raise ValueError(f"{t.id}: points to unknown templates {sorted(refs - ids_set)}")
            needed = {n for o in t.options for n in o.needs}
            if needed - self.tools.keys():
                raise ValueError(f"{t.id}: needs unknown tools {sorted(needed - self.tools.keys())}")
            for q, share in t.drivers.items():
                shares[q] += share
            missing = _missing_references(t, self)
            if missing:
                raise ValueError(f"{t.id}: unknown products or sources {sorted(missing)}")
        over = {q: round(s, 3) for q, s in shares.items() if s > MAX_SHARE_PER_QUESTION + 1e-9}
        if over:
            raise ValueError(f"shares of one question's hours add up to more than {MAX_SHARE_PER_QUESTION}: {over}")
        return self

    def source(self, source_id: str) -> Source:
        return self.sources[source_id]


def _missing_references(t: Template, kb: KnowledgeBase) -> set[str]:
    products = {line.product for o in t.options for line in o.lines} | {
        kb.tools[n].line.product for o in t.options for n in o.needs if n in kb.tools
    }
    sources = set(t.source_ids) | {s for p in products if p in kb.products for s in kb.products[p].source_ids}
    return (products - kb.products.keys()) | (sources - kb.sources.keys())


@dataclass(frozen=True)
class Reader:
    """What a text may depend on: a one-person business, the tools in use, special-category or regulated data."""

    solo: bool = False
    tools: frozenset[str] = frozenset()
    sensitive: bool = False


class _Variants(_Data):
    text: str
    sensitive: str | None = None
    without: Mapping[str, str] = Field(default_factory=dict)
    solo: str | None = None


@cache
def load_knowledge() -> KnowledgeBase:
    """The knowledge base with every text in its plain form, validated once."""
    return knowledge_for(Reader(tools=variant_tools()))


@lru_cache(maxsize=256)
def _knowledge_for(reader: Reader) -> KnowledgeBase:
    raw = _raw()
    presets: dict[str, Any] = raw["option_presets"]
    common: dict[str, Any] = raw["common_risks"]
    templates = [_resolve(_expand(t, presets, common), reader) for t in raw["templates"]]
    products = {p["id"]: p for p in _read("products.json")["products"]}
    sources = {s["id"]: s for s in _read("sources.json")["sources"]}
    return KnowledgeBase.model_validate(
        {
            "version": raw["version"],
            "templates": templates,
            "products": products,
            "sources": sources,
            "tools": raw["tools"],
            "common_risks": {k: {"id": k, **v} for k, v in _resolve(common, reader).items()},
        }
    )


def knowledge_for(reader: Reader) -> KnowledgeBase:
    """The knowledge base with every text resolved for this reader (only the tools texts depend on count)."""
    return _knowledge_for(Reader(reader.solo, reader.tools & variant_tools(), reader.sensitive))


@cache
def variant_tools() -> frozenset[str]:
    """The tools some text depends on (`without`)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "text" in node and isinstance(node.get("without"), dict):
                found.update(node["without"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_raw())
    return frozenset(found)


@cache
def _raw() -> dict[str, Any]:
    return _read("knowledge_base.json")


def _resolve(node: Any, reader: Reader) -> Any:
    """Every text variant object replaced by the string this reader sees."""
    if isinstance(node, dict):
        if "text" in node and set(node) <= {"text", "sensitive", "without", "solo"}:
            return _say(_Variants.model_validate(node), reader)
        return {k: _resolve(v, reader) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, reader) for v in node]
    return node


def _say(v: _Variants, reader: Reader) -> str:
    if reader.sensitive and v.sensitive is not None:
        return v.sensitive
    for tool, text in v.without.items():
        if tool not in reader.tools:
            return text
    if reader.solo and v.solo is not None:
        return v.solo
    return v.text


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))
    return data


def _expand(template: dict[str, Any], presets: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    """Fill in option presets and shared risks named by id."""
    options = [_option(o, presets) for o in template["options"]]
    risks = [{"id": r, **common[r]} if isinstance(r, str) else {"id": "own", **r} for r in template["risks"]]
    return {**template, "options": options, "risks": risks}


def _option(option: dict[str, Any], presets: dict[str, Any]) -> dict[str, Any]:
    if "preset" not in option:
        return option
    base = presets[option["preset"]]
    extra = option.get("extra_lines", [])
    rest = {k: v for k, v in option.items() if k not in ("preset", "extra_lines")}
    return {**base, **rest, "lines": [*base["lines"], *extra]}
