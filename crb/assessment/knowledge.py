"""The knowledge base as typed data: opportunity templates, products with prices, sources, and their rules."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
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


class OptionSpec(_Data):
    kind: OptionKind
    name: str
    examples: str
    requires: Cond | None = None  # e.g. an add-on that needs a suite the customer already has
    lines: tuple[Line, ...]
    setup_days: tuple[float, float]
    internal_hours: float = Field(ge=0)
    internal_hours_per_seat: float = Field(default=0, ge=0)
    weeks: int = Field(ge=1)


class RiskSpec(_Data):
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
    what_instead: str


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
    prerequisites: tuple[str, ...] = ()
    confidence: Confidence
    goals: tuple[str, ...]
    custom_at_scale: bool
    modifiers: tuple[Modifier, ...] = ()
    options: tuple[OptionSpec, OptionSpec, OptionSpec]
    risks: tuple[RiskSpec, ...]
    not_recommended: tuple[NotRecommendedRule, ...] = ()
    alternative: str
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

    @model_validator(mode="after")
    def _consistent(self) -> KnowledgeBase:
        ids = [t.id for t in self.templates]
        if len(set(ids)) != len(ids):
            raise ValueError("template ids must be unique")
        shares: defaultdict[str, float] = defaultdict(float)
        for t in self.templates:
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
    products = {line.product for o in t.options for line in o.lines}
    sources = set(t.source_ids) | {s for p in products if p in kb.products for s in kb.products[p].source_ids}
    return (products - kb.products.keys()) | (sources - kb.sources.keys())


@cache
def load_knowledge() -> KnowledgeBase:
    """The knowledge base shipped with the package (templates, products, sources), validated once."""
    raw = _read("knowledge_base.json")
    presets: dict[str, Any] = raw["option_presets"]
    common: dict[str, Any] = raw["common_risks"]
    templates = [_expand(t, presets, common) for t in raw["templates"]]
    products = {p["id"]: p for p in _read("products.json")["products"]}
    sources = {s["id"]: s for s in _read("sources.json")["sources"]}
    return KnowledgeBase.model_validate(
        {"version": raw["version"], "templates": templates, "products": products, "sources": sources}
    )


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))
    return data


def _expand(template: dict[str, Any], presets: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    """Fill in option presets and shared risks named by id."""
    options = [_option(o, presets) for o in template["options"]]
    risks = [common[r] if isinstance(r, str) else r for r in template["risks"]]
    return {**template, "options": options, "risks": risks}


def _option(option: dict[str, Any], presets: dict[str, Any]) -> dict[str, Any]:
    if "preset" not in option:
        return option
    base = presets[option["preset"]]
    extra = option.get("extra_lines", [])
    rest = {k: v for k, v in option.items() if k not in ("preset", "extra_lines")}
    return {**base, **rest, "lines": [*base["lines"], *extra]}
