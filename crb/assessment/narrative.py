"""Evaluations in words: findings with their rationale, why not and what instead, and the customer's own words."""

# The report's typography uses × and − on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from collections.abc import Mapping, Sequence

from crb.assessment import assumptions as A
from crb.assessment.findings import HOURS_LABELS, Evaluation
from crb.assessment.pain import PainHit
from crb.assessment.profile import Profile
from crb.assessment.wording import percent, plural, quoted
from crb.report import Finding, Horizon, OwnWords, PainLink

# A recommendation's number in the report and its title, by template id: what pointers point to.
Numbers = Mapping[str, tuple[int, str]]


def to_finding(e: Evaluation, profile: Profile, numbers: Numbers, horizon: Horizon | None = None) -> Finding:
    """The finding as the report shows it (`horizon`: the phase the plan gives it, where it differs)."""
    why_not, instead = _why_not(e, numbers)
    return Finding(
        id=e.template.id,
        title=e.template.title,
        summary=e.template.summary,
        category=e.template.category,
        customer_value=e.customer_value,
        business_health=e.business_health,
        status=e.status,
        recommended=e.status == "recommended",
        confidence=e.confidence,
        horizon=horizon or e.phase,
        hours_saved_per_week=round(e.hours_saved, 1),
        value_saved_per_year=round(e.value_saved),
        value_created_per_year=round(e.value_created),
        rationale=rationale(e, profile),
        basis=e.template.value_note,
        why_not=why_not,
        what_instead=instead,
        source_ids=source_ids(e),
    )


def rationale(e: Evaluation, profile: Profile) -> str:
    """Why this applies to you, with the numbers it rests on."""
    t = e.template
    if t.kind == "created":
        return (
            f"On revenue of about €{profile.revenue:,.0f} (your band), {percent(t.revenue_uplift, 1)} more revenue"
            f" at a {percent(A.CONTRIBUTION_MARGIN.value)} margin is worth about €{e.value_created:,.0f} a year"
            f" after our {e.confidence}-confidence discount."
        )
    parts = [
        f"{profile.hours(q):g} {plural(profile.hours(q), 'hour')} a week of {HOURS_LABELS[q]} × {percent(share)}"
        for q, share in t.drivers.items()
    ]
    saved = round(e.hours_saved, 1)
    return (
        f"From {' plus '.join(parts)}, at an automation fit of {profile.fit:.2f} for how repetitive and documented"
        f" your work is: about {saved:.1f} {plural(saved, 'hour')} a week, worth about €{e.value_saved:,.0f} a year"
        f" after our {e.confidence}-confidence discount."
    )


def _why_not(e: Evaluation, numbers: Numbers) -> tuple[str | None, str | None]:
    if e.status == "recommended":
        return None, None
    if e.held_back is not None:
        return e.held_back, pointing(e.template.alternative, e.template.alternative_instead, numbers)
    if e.rule is not None:
        return e.rule.why_not, pointing(e.rule.what_instead, e.rule.instead, numbers)
    running = e.chosen_cost.monthly_mid * 12
    low = [
        name
        for name, score in (("Customer Value", e.customer_value), ("Business Health", e.business_health))
        if score < A.RECOMMEND_THRESHOLD.value
    ]
    scores = " and ".join(f"{name} is {_score(e, name)}" for name in low)
    why = (
        f"{scores}, below the 6 we require. On its own, at your volumes, it would bring about"
        f" €{e.value_saved + e.value_created:,.0f} a year against about €{running:,.0f} a year to run,"
        f" a three-year ROI of {e.economics.uncapped_roi_percent:.0f} %."
    )
    return why, pointing(e.template.alternative, e.template.alternative_instead, numbers)


def pointing(text: str, ids: Sequence[str], numbers: Numbers) -> str:
    """The alternative, with a pointer to each template it names that this report recommends (and only those)."""
    pointers = [f"recommendation {numbers[i][0]}, '{numbers[i][1]}'" for i in ids if i in numbers]
    return f"{text} See {' and '.join(pointers)}." if pointers else text


def _score(e: Evaluation, name: str) -> int:
    return e.customer_value if name == "Customer Value" else e.business_health


def source_ids(e: Evaluation) -> tuple[str, ...]:
    """The template's evidence and the price sources of its chosen option, each once."""
    ids = [*e.template.source_ids, *(s for line in e.chosen_cost.lines for s in line.product.source_ids)]
    return tuple(dict.fromkeys(ids))


def own_words(
    text: str | None,
    hits: Sequence[PainHit],
    evaluations: Sequence[Evaluation],
    shown: Sequence[str],
    nearest: Sequence[str],
    numbers: Numbers,
) -> OwnWords | None:
    """What the customer wrote, the opportunities it points to (recommended ones by number), and one sentence on it.

    A matched opportunity the findings do not show carries its reason here; one that does not apply to this
    business at all is left out. `nearest` are the ids of the closest findings, used when nothing matched.
    """
    if not text:
        return None
    by_id = {e.template.id: e for e in evaluations}
    links = [
        _link(by_id[h.template_id], numbers, h.terms, h.template_id in shown) for h in hits if h.template_id in by_id
    ]
    matched = tuple(sorted(links, key=lambda m: m.recommendation or len(numbers) + 1))  # stable: hit order next
    closest = () if matched else tuple(_link(by_id[i], numbers, (), True) for i in nearest if i in by_id)
    return OwnWords(text=text, matched=matched, closest=closest, summary=_summary(matched, closest))


def _link(e: Evaluation, numbers: Numbers, words: Sequence[str], shown: bool) -> PainLink:
    number = numbers.get(e.template.id)
    return PainLink(
        id=e.template.id,
        title=e.template.title,
        status=e.status,
        recommendation=number[0] if number else None,
        words=tuple(words),
        why_not=None if shown or number else _why_not(e, numbers)[0],
    )


def _summary(matched: Sequence[PainLink], closest: Sequence[PainLink]) -> str:
    if not matched:
        if closest:
            return (
                "None of the opportunities we assess matches your words directly; the closest in this report are"
                f" {quoted([c.title for c in closest])}."
            )
        return (
            "None of the opportunities we assess matches your words directly; the recommendations below are the"
            " ones your other answers point to."
        )
    recommended = [m for m in matched if m.recommendation is not None]
    beyond = [m for m in matched if m.recommendation is None and m.status == "recommended"]
    others = [m for m in matched if m.recommendation is None and m.status != "recommended" and not m.why_not]
    unshown = [m for m in matched if m.recommendation is None and m.status != "recommended" and m.why_not]
    parts = []
    if recommended:
        listed = "; ".join(
            f"'{m.title}' (recommendation {m.recommendation}, for “{', '.join(m.words)}”)" for m in recommended
        )
        parts.append(f"Here is what we found for it: {listed}.")
    if beyond:
        parts.append(f"{quoted([m.title for m in beyond])} also pass our tests; the plan starts with the strongest.")
    if others:
        verb = "is" if len(others) == 1 else "are"
        parts.append(
            f"{quoted([m.title for m in others])} {verb} among the findings but not recommended now; the findings"
            " say why and what to do instead."
        )
    parts += [f"'{m.title}' matches your words too, but is not recommended now: {m.why_not}" for m in unshown]
    return " ".join(parts)
