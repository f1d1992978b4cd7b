"""The methodology section: the formulas, every assumption and value used with its source, and what was capped."""

# The report's typography uses × and − on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from crb.assessment import assumptions as A
from crb.assessment.findings import HOURS_LABELS, Evaluation
from crb.assessment.knowledge import KnowledgeBase
from crb.assessment.plan import adjustments as capped
from crb.assessment.profile import Profile
from crb.assessment.readiness import BANDS, PILLARS
from crb.assessment.verdict import RULES_TEXT
from crb.assessment.wording import percent
from crb.report import Assumption, Formula, Methodology, Source

GLOBAL_SOURCES: Final = (
    "cisco_ai_readiness",
    "eurostat_labour_2024",
    "ecb_fx_2026_09_11",
    "freelancermap_2023",
    "crb_earlier_version",
    "nist_ai_rmf",
)

OVERVIEW: Final = (
    "Every number in this report is computed from your answers by the formulas below; nothing is random, and the"
    " same answers give the same report. Amounts are in euros (EUR); vendor prices quoted in US dollars are"
    " converted at the stated ECB rate.",
    "The readiness score uses six pillars aligned with the Cisco AI Readiness Index pillars (strategy,"
    " infrastructure, data, governance, talent, culture). The weights and band thresholds are CRB Analyser's own;"
    " this is not a Cisco score. Optional questions you left blank are left out of a pillar's maximum.",
    "Each opportunity in our knowledge base that applies to you is valued one way only, from the hours it saves"
    " or from the revenue it adds, never both, and the knowledge base splits each kind of work so that no two"
    " opportunities save the same hour.",
    "Every opportunity is scored from 1 to 10 for Customer Value (what your customers gain) and Business Health"
    " (whether it pays and fits your readiness). It is recommended only when both are 6 or above; with one below 6"
    " it is shown with caution, with both below 6 it is not recommended, with the reason and an alternative.",
    "Risks follow the NIST AI Risk Management Framework's map-measure-manage idea: each has a probability, an"
    " impact in euros and a mitigation; their expected cost (probability × impact) is part of every ROI.",
)

DISCLAIMER: Final = (
    "This report is an estimate from your own answers and public prices, not financial, legal or tax advice."
    " Prices change: check them with the vendor before you buy. Results above our plausibility limits are capped"
    " and say so."
)


def formulas(profile: Profile) -> tuple[Formula, ...]:
    return (
        Formula(
            name="Pillar score (0-100)", expression="100 × Σ(item weight × item points) / Σ(weights of answered items)"
        ),
        Formula(name="Readiness score (0-100)", expression="Σ(pillar weight × pillar score), halves rounded up"),
        Formula(
            name="Automation fit",
            expression=f"{A.FIT_BASE} + {A.FIT_SPAN} × ((repetitiveness − 1) + (documentation − 1)) / 8"
            f" = {profile.fit:.2f} for you",
        ),
        Formula(name="Hours saved a week", expression="Σ(weekly hours of each kind × the opportunity's share) × fit"),
        Formula(
            name="Value saved a year",
            expression=f"hours saved × €{profile.hourly_cost:,.2f} × {A.WORKING_WEEKS.value:.0f} weeks"
            " × confidence discount",
        ),
        Formula(
            name="Value created a year",
            expression=f"revenue × uplift × {percent(A.CONTRIBUTION_MARGIN.value)} margin × confidence discount",
        ),
        Formula(
            name="Adoption in month m",
            expression="clamp((m − 0.5 − implementation weeks / 4.33) / ramp months, 0, 1)",
        ),
        Formula(
            name="Monthly cost", expression="fixed + per seat × seats + per unit × units, middle of the price range"
        ),
        Formula(name="One-off cost", expression=f"setup days × €{A.DAY_RATE.value:.0f} + internal hours × hourly cost"),
        Formula(name="Expected risk cost", expression="Σ probability × impact, spread evenly over 36 months"),
        Formula(name="ROI over 36 months", expression="(benefit − cost − risk) / (cost + risk), capped at 500 %"),
        Formula(name="Payback", expression="month in which the cumulative benefit first covers cost and risk"),
        Formula(name="Value ranges", expression="value saved × 0.8 to × 1.2; value created × 0.7 to × 1.3"),
        Formula(name="Report pillars", expression="mean of the findings' pillars, leaving out those ruled out"),
        *(Formula(name=f"Verdict rule {i}", expression=rule) for i, rule in enumerate(RULES_TEXT, start=1)),
    )


def assumptions(profile: Profile, kb: KnowledgeBase) -> tuple[Assumption, ...]:
    """Every value the computation used, the customer's own answers included, with its source."""
    return (
        _hourly(profile),
        *(Assumption(id=a.id, label=a.label, value=_value(a), source=a.source) for a in A.GLOBAL_ASSUMPTIONS),
        Assumption(
            id="confidence_discount",
            label="Confidence discounts on benefits",
            value=", ".join(f"{k} {percent(v)}" for k, v in A.CONFIDENCE_DISCOUNT.items()),
            source=A.CONFIDENCE_SOURCE,
        ),
        Assumption(
            id="value_ranges",
            label="Ranges around the expected value",
            value="value saved ±20 %; value created ×0.7 to ×1.3",
            source=A.CONFIDENCE_SOURCE,
        ),
        Assumption(
            id="risk_probability",
            label="Risk probabilities",
            value=", ".join(f"{k} {percent(v)}" for k, v in A.PROBABILITY.items()),
            source="Our assumption; a probability is raised one level when your answers make the risk likelier",
        ),
        Assumption(
            id="ramp_months",
            label="Months from go-live to full use",
            value=f"{profile.ramp_months} for your room for change ({_ramp_table()})",
            source="Our assumption: teams with less room for change adopt more slowly",
        ),
        Assumption(
            id="revenue",
            label="Revenue counted for value created",
            value=f"€{profile.revenue:,.0f} for your band ({_money_table(A.REVENUE)})",
            source="Our assumption: the lower middle of each band",
        ),
        Assumption(
            id="budget",
            label="Monthly budget planned against",
            value=f"€{profile.budget:,.0f} for your band",
            source="Our assumption: the lower middle of each band",
        ),
        Assumption(
            id="desk_staff",
            label="Staff who need a seat for office tools",
            value=f"{profile.desk_people} of {profile.team_size}"
            f" ({percent(A.DESK_SHARE.get(profile.industry, A.DESK_SHARE['other']))} for your industry)",
            source="Our assumption by industry: shop floor, site and kitchen staff need no office seats",
        ),
        Assumption(
            id="phases",
            label="Start month of each roadmap phase",
            value=", ".join(f"{A.PHASE_NAMES[k][0]} month {v}" for k, v in A.PHASE_START.items()),
            source="Our roadmap: quick wins 0-6 months, foundation 6-18, transformation 18-36",
        ),
        Assumption(
            id="findings_per_tier",
            label="Findings per report",
            value="10 in the CRB Report, 15 with the strategy call; 3 or 4 of them explicitly not recommended when"
            " that many apply",
            source="CRB Analyser's product definition",
        ),
        Assumption(
            id="prerequisite_hours",
            label="Internal hours of the foundation steps",
            value="AI policy 8 h; owner and budget 4 h; AI basics 2 h per desk worker;"
            " data clean-up 24 h + 2 h per desk worker",
            source="Our assumption",
        ),
        Assumption(
            id="value_basis",
            label="Time freed counts as value saved",
            value="hours saved × the loaded hourly cost, whether the time is reused or paid less",
            source="The earlier version's convention; whether freed time becomes cash depends on how you reuse it",
        ),
        *_pillar_weights(),
        Assumption(
            id="bands",
            label="Readiness bands",
            value=", ".join(f"{name} below {limit}" for limit, name in BANDS[:-1]) + f", {BANDS[-1][1]} from 80",
            source="CRB Analyser's own thresholds (Cisco publishes no numeric cut-offs)",
        ),
        Assumption(
            id="knowledge_base",
            label="Knowledge base version",
            value=f"{kb.version}, {len(kb.templates)} opportunity templates",
            source="CRB Analyser knowledge base; prices gathered November 2026",
        ),
    )


def _value(a: A.Assumed) -> str:
    """`€800 per day`, `30 %`, `46 weeks`."""
    if a.unit == "share":
        return percent(a.value)
    if a.unit.startswith("€"):
        return f"€{a.value:g}{a.unit[1:]}"
    return f"{a.value:g} {a.unit}"


def _hourly(profile: Profile) -> Assumption:
    if profile.hourly_cost_given:
        return Assumption(
            id="hourly_cost",
            label="Loaded cost of an hour of staff time",
            value=f"€{profile.hourly_cost:,.2f}",
            source="Your answer",
        )
    d = A.DEFAULT_HOURLY_COST
    return Assumption(id="hourly_cost", label=d.label, value=f"€{d.value:,.2f}", source=d.source)


def _ramp_table() -> str:
    return ", ".join(f"{k}: {v}" for k, v in A.RAMP_MONTHS.items())


def _money_table(table: Mapping[str, float]) -> str:
    return ", ".join(f"{k} €{v:,.0f}" for k, v in table.items())


def _pillar_weights() -> tuple[Assumption, ...]:
    return tuple(
        Assumption(
            id=f"pillar_{rule.id}",
            label=f"{rule.name} pillar: weight {percent(rule.weight)} of the readiness score",
            value="; ".join(f"{i.question} {percent(i.weight)}" for i in rule.items),
            source="CRB Analyser's own weights, pillars aligned with the Cisco AI Readiness Index",
        )
        for rule in PILLARS
    )


def adjustments(profile: Profile, evaluations: Sequence[Evaluation]) -> tuple[str, ...]:
    """Everything the plausibility rules changed, and any answer we had to fill in."""
    notes = [
        f"You reported {profile.reported_hours[q]:g} hours a week of {HOURS_LABELS[q]}, more than your team of"
        f" {profile.team_size} can work ({profile.team_size * A.HOURS_PER_PERSON.value:g} hours); we used"
        f" {profile.hours(q):g}."
        for q in profile.capped_hours
    ]
    notes += [n for e in evaluations for n in capped(e)]
    return tuple(notes)


def sources(kb: KnowledgeBase, ids: Sequence[str]) -> tuple[Source, ...]:
    """The sources behind the report, each once, the global ones first."""
    wanted = dict.fromkeys([*GLOBAL_SOURCES, *ids])
    return tuple(
        Source(id=s.id, title=s.title, url=s.url, date=s.date, kind=s.kind) for s in (kb.source(i) for i in wanted)
    )


def methodology(
    profile: Profile, kb: KnowledgeBase, evaluations: Sequence[Evaluation], source_ids: Sequence[str]
) -> Methodology:
    return Methodology(
        overview=OVERVIEW,
        formulas=formulas(profile),
        assumptions=assumptions(profile, kb),
        adjustments=adjustments(profile, evaluations),
        sources=sources(kb, source_ids),
        disclaimer=DISCLAIMER,
    )
