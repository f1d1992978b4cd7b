"""The methodology section: the formulas, every assumption and value used with its source, and what was capped."""

# The report's typography uses × and − on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from crb.assessment import assumptions as A
from crb.assessment.costs import COMPLIANT
from crb.assessment.knowledge import KnowledgeBase
from crb.assessment.ledger import Entry
from crb.assessment.plan import adjustments as capped
from crb.assessment.profile import Profile
from crb.assessment.readiness import BANDS, ITEM_LABELS, PILLARS
from crb.assessment.verdict import PLAN_RULE_TEXT, RULES_TEXT
from crb.assessment.wording import percent
from crb.quiz import load_quiz
from crb.quiz.plausibility import RULE_TEXT as PLAUSIBILITY_TEXT
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
    " it is shown with caution, with both below 6 it is not recommended, with the reason and an alternative. One"
    " that passes both but, started when the plan lets it, would not pay back by month 36 is held back and shown"
    " with caution, saying why.",
    "Risks follow the NIST AI Risk Management Framework's map-measure-manage idea: each has a probability, an"
    " impact in euros and a mitigation; their expected cost (probability × impact) is part of every ROI.",
    "How the figures add up: each recommendation has one month-by-month series of cost, risk and benefit on the"
    " plan's 36-month calendar, in whole euros. A recommendation that starts in month m has no cost and no"
    " benefit before m, and its payback and ROI count from m. Its table sums its own months; the timeline, the"
    " value summary, the headline value and the ROI chart sum the same series, so every total is the sum of the"
    " figures shown. A product several recommendations use is paid for once: each month its cost is shared among"
    " those that use it, in proportion to what each alone would pay, and each table shows its share.",
    PLAN_RULE_TEXT,
    "Your own words: what you wrote about your biggest time sink is matched against English and German terms for"
    " each opportunity in our knowledge base. A recommended opportunity that matches comes first among the"
    " recommendations; one that matches but is not recommended is shown among the findings with the reason.",
    "Sensitive data: with special-category data (health, financial, legal or children's data) or rules beyond"
    f" GDPR, an opportunity that handles personal data uses only an option with {COMPLIANT}, includes a"
    " data-protection review in its setup, and carries a data-protection risk with its cost.",
    f"Plausibility: {PLAUSIBILITY_TEXT}",
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
        Formula(
            name="Expected risk cost",
            expression="Σ probability × impact, spread evenly over the months from its start to month 36",
        ),
        Formula(
            name="ROI over the plan",
            expression="(benefit − cost − risk) / (cost + risk) from its start to month 36, capped at 500 %",
        ),
        Formula(
            name="Payback",
            expression="months from its start until its cumulative net stays at or above zero",
        ),
        Formula(
            name="Break-even of the plan",
            expression="the first month after which the plan's cumulative net stays at or above zero",
        ),
        Formula(name="Value ranges", expression="value saved × 0.8 to × 1.2; value created × 0.7 to × 1.3"),
        Formula(
            name="Report pillars",
            expression="mean of the recommendations' pillars (with none: of the opportunities shown with caution)",
        ),
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
            value=f"€{profile.revenue:,.0f} for your band ({_money_table('revenue_band', A.REVENUE)})",
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
            source="Our roadmap: quick wins months 1-6, foundation 7-18, transformation 19-36",
        ),
        Assumption(
            id="findings_per_tier",
            label="Findings per report",
            value="10 in the CRB Report, 15 with the strategy call; 3 or 4 of them explicitly not recommended when"
            " that many apply",
            source="CRB Analyser's product definition",
        ),
        Assumption(
            id="recommendations_per_team",
            label="Recommendations in the plan at most",
            value=f"{A.max_recommendations(profile.team_size)} for your team ("
            + ", ".join(
                f"{most} for {'one person' if size == 1 else f'up to {size} people'}"
                for size, most in A.RECOMMENDATIONS_BY_TEAM[:-1]
            )
            + f", {A.RECOMMENDATIONS_BY_TEAM[-1][1]} otherwise)",
            source="Our assumption: each recommendation needs someone's time to adopt; the same plan in both editions",
        ),
        Assumption(
            id="prerequisite_hours",
            label="Internal hours of the foundation steps",
            value="AI policy 8 h (2 h for one person); owner and budget 4 h (1 h); AI basics 2 h per desk worker;"
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
    """`€800 per day`, `30 %`, `46 weeks`, `4.33 weeks`: at most two decimals."""
    number = f"{a.value:.2f}".rstrip("0").rstrip(".")
    if a.unit == "share":
        return percent(a.value)
    if a.unit.startswith("€"):
        return f"€{number}{a.unit[1:]}"
    return f"{number} {a.unit}"


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


def _money_table(qid: str, table: Mapping[str, float]) -> str:
    labels = {o.value: o.label for o in load_quiz().questions[qid].options}
    return "; ".join(f"{labels.get(k, k)}: €{v:,.0f}" for k, v in table.items())


def _pillar_weights() -> tuple[Assumption, ...]:
    return tuple(
        Assumption(
            id=f"pillar_{rule.id}",
            label=f"{rule.name} pillar: weight {percent(rule.weight)} of the readiness score",
            value="; ".join(f"{ITEM_LABELS[i.question]} {percent(i.weight)}" for i in rule.items),
            source="CRB Analyser's own weights, pillars aligned with the Cisco AI Readiness Index",
        )
        for rule in PILLARS
    )


def adjustments(profile: Profile, entries: Sequence[Entry]) -> tuple[str, ...]:
    """Everything the plausibility rules changed, and any answer we had to fill in."""
    notes = []
    if profile.hours_scale < 1:
        reported = sum(profile.reported_hours.values())
        cap = profile.team_size * A.HOURS_PER_PERSON.value
        notes.append(
            f"You reported {reported:g} hours a week of tasks, more than a team of {profile.team_size} can work"
            f" ({cap:g} hours at {A.HOURS_PER_PERSON.value:g} per person); we scaled each task's hours down to"
            f" {percent(profile.hours_scale)}."
        )
    notes += [n for x in entries for n in capped(x)]
    return tuple(notes)


def sources(kb: KnowledgeBase, ids: Sequence[str]) -> tuple[Source, ...]:
    """The sources behind the report, each once, the global ones first."""
    wanted = dict.fromkeys([*GLOBAL_SOURCES, *ids])
    return tuple(
        Source(id=s.id, title=s.title, url=s.url, date=s.date, kind=s.kind) for s in (kb.source(i) for i in wanted)
    )


def methodology(
    profile: Profile, kb: KnowledgeBase, entries: Sequence[Entry], source_ids: Sequence[str]
) -> Methodology:
    return Methodology(
        overview=OVERVIEW,
        formulas=formulas(profile),
        assumptions=assumptions(profile, kb),
        adjustments=adjustments(profile, entries),
        sources=sources(kb, source_ids),
        disclaimer=DISCLAIMER,
    )
