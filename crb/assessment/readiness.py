"""The AI readiness score: six weighted pillars aligned with the Cisco AI Readiness Index, and its band."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Literal

from crb.assessment.profile import Profile
from crb.report import PillarScore

ItemKind = Literal["option", "scale", "scale_inverted", "count"]


@dataclass(frozen=True)
class Item:
    """One answer's contribution to a pillar: points from 0 to 1, times its weight."""

    question: str
    weight: float
    kind: ItemKind
    points: tuple[tuple[str, float], ...] = ()
    target: int = 1  # for "count": how many chosen options earn full points
    ignored: tuple[str, ...] = ()  # for "count": options that do not count


@dataclass(frozen=True)
class PillarRule:
    id: str
    name: str
    weight: float
    items: tuple[Item, ...]


PILLARS: Final = (
    PillarRule(
        "strategy",
        "Strategy",
        0.20,
        (
            Item("ai_strategy", 0.5, "option", (("none", 0), ("ideas", 0.35), ("plan", 0.75), ("owner", 1))),
            Item(
                "monthly_budget",
                0.3,
                "option",
                (("under_250", 0.1), ("250_1000", 0.4), ("1000_5000", 0.7), ("5000_20000", 0.9), ("over_20000", 1)),
            ),
            Item("timeline", 0.2, "option", (("now", 1), ("soon", 0.75), ("later", 0.4), ("exploring", 0.15))),
        ),
    ),
    PillarRule(
        "infrastructure",
        "Infrastructure",
        0.15,
        (
            Item("tools", 0.6, "count", target=5, ignored=("spreadsheets",)),
            Item("integration_pain", 0.4, "scale_inverted"),
        ),
    ),
    PillarRule(
        "data",
        "Data",
        0.20,
        (
            Item("data_quality", 0.45, "scale"),
            Item(
                "data_location",
                0.35,
                "option",
                (("one_system", 1), ("few_connected", 0.75), ("many_disconnected", 0.35), ("paper_and_email", 0)),
            ),
            Item("process_documentation", 0.2, "scale"),
        ),
    ),
    PillarRule(
        "governance",
        "Governance",
        0.15,
        (
            Item("ai_policy", 0.6, "option", (("none", 0), ("informal", 0.5), ("written", 1))),
            Item("process_documentation", 0.25, "scale"),
            Item("data_sensitivity", 0.15, "option", (("internal", 1), ("personal", 0.6), ("special", 0.3))),
        ),
    ),
    PillarRule(
        "talent",
        "Talent",
        0.15,
        (
            Item(
                "ai_experience", 0.55, "option", (("none", 0), ("experimenting", 0.35), ("using", 0.7), ("scaling", 1))
            ),
            Item("tech_comfort", 0.45, "scale"),
        ),
    ),
    PillarRule(
        "culture",
        "Culture",
        0.15,
        (Item("change_capacity", 0.6, "scale"), Item("risk_appetite", 0.4, "scale")),
    ),
)

# What each answer measures, as the methodology names it.
ITEM_LABELS: Final = {
    "ai_strategy": "a plan for AI",
    "monthly_budget": "monthly AI budget",
    "timeline": "when you want to start",
    "tools": "tools in use",
    "integration_pain": "little retyping between tools",
    "data_quality": "data quality",
    "data_location": "where your data lives",
    "process_documentation": "documented processes",
    "ai_policy": "rules for AI use",
    "data_sensitivity": "how sensitive your data is",
    "ai_experience": "AI experience",
    "tech_comfort": "comfort with new software",
    "change_capacity": "room for change",
    "risk_appetite": "willingness to experiment",
}

BANDS: Final = ((40, "Early stage"), (60, "Developing"), (80, "Ready"), (101, "Leading"))
SCALE_MIN, SCALE_MAX = 1, 5


@dataclass(frozen=True)
class Readiness:
    score: int
    band: str
    pillars: tuple[PillarScore, ...]

    def pillar(self, pillar_id: str) -> int:
        return next(p.score for p in self.pillars if p.id == pillar_id)


def round_half_up(value: float | Fraction) -> int:
    """Round to the nearest whole number, halves up (Python's round() goes to even)."""
    return math.floor(value + Fraction(1, 2))


def band(score: int) -> str:
    """Early stage < 40, Developing 40-59, Ready 60-79, Leading ≥ 80."""
    return next(name for limit, name in BANDS if score < limit)


def item_points(item: Item, profile: Profile) -> Fraction:
    """The item's points from 0 to 1 for this profile's answer, as an exact fraction."""
    match item.kind:
        case "option":
            return _exact(dict(item.points).get(profile.option(item.question), 0.0))
        case "scale":
            return Fraction(int(profile.number(item.question)) - SCALE_MIN, SCALE_MAX - SCALE_MIN)
        case "scale_inverted":
            return Fraction(SCALE_MAX - int(profile.number(item.question)), SCALE_MAX - SCALE_MIN)
        case "count":
            counted = [c for c in profile.choices(item.question) if c not in item.ignored]
            return min(Fraction(1), Fraction(len(counted), item.target))


def pillar_score(rule: PillarRule, profile: Profile) -> int:
    """Weighted points of the answered items over their weights: a blank optional question is left out."""
    answered = [i for i in rule.items if i.question in profile.answered]
    weight = sum((_exact(i.weight) for i in answered), Fraction(0))
    if weight == 0:
        return 0
    points = sum((_exact(i.weight) * item_points(i, profile) for i in answered), Fraction(0))
    return round_half_up(100 * points / weight)


def readiness(profile: Profile) -> Readiness:
    """Pillar scores, the weighted readiness score (from the rounded pillar scores) and its band."""
    pillars = tuple(PillarScore(id=r.id, name=r.name, score=pillar_score(r, profile), weight=r.weight) for r in PILLARS)
    score = round_half_up(sum((p.score * _exact(p.weight) for p in pillars), Fraction(0)))
    return Readiness(score=score, band=band(score), pillars=pillars)


def _exact(value: float) -> Fraction:
    """The decimal the data states (0.35 is 7/20, not the nearest binary float)."""
    return Fraction(str(value))
