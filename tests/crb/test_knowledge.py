"""The knowledge base as data: enough templates, complete options and rules, and references that resolve."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from crb.assessment.consistency import TEAM_PHRASES, TOOL_PHRASES
from crb.assessment.knowledge import Cond, KnowledgeBase, Reader, Template, knowledge_for, load_knowledge
from crb.quiz import load_quiz
from crb.report import Category


def conditions(t: Template) -> Iterator[Cond]:
    roots = [t.applies, *(r.when for r in t.not_recommended), *(m.when for m in t.modifiers)]
    roots += [r.raise_when for r in t.risks if r.raise_when] + [o.requires for o in t.options if o.requires]
    stack = list(roots)
    while stack:
        cond = stack.pop()
        yield cond
        stack += [*(cond.all_of or ()), *(cond.any_of or ()), *([cond.negate] if cond.negate else [])]


def test_there_are_at_least_30_templates_across_every_category() -> None:
    kb = load_knowledge()

    assert len(kb.templates) >= 30
    categories: set[Category] = {"efficiency", "growth", "risk", "compliance", "customer_experience"}
    assert {t.category for t in kb.templates} == categories
    assert {t.horizon for t in kb.templates} == {"quick_win", "foundation", "transformation"}


def test_every_template_has_three_priced_options_risks_and_an_alternative() -> None:
    for t in load_knowledge().templates:
        assert [o.kind for o in t.options] == ["off_the_shelf", "best_in_class", "custom"], t.id
        for option in t.options:
            assert option.lines and option.weeks >= 1, (t.id, option.kind)
            assert option.setup_days[0] <= option.setup_days[1], (t.id, option.kind)
        assert t.risks, t.id
        assert t.alternative and t.value_note and t.source_ids, t.id


def test_not_recommended_rules_say_why_not_and_what_instead() -> None:
    kb = load_knowledge()
    for t in kb.templates:
        for rule in t.not_recommended:
            assert len(rule.why_not) > 40 and len(rule.what_instead) > 20, t.id
    always = [t.id for t in kb.templates if any(r.when.always for r in t.not_recommended)]
    assert len(always) >= 3  # there are always a few things worth ruling out


def test_conditions_name_real_questions_options_and_pillars() -> None:
    questions = load_quiz().questions
    for t in load_knowledge().templates:
        for cond in conditions(t):
            if cond.pillar is not None:
                assert cond.pillar in {"strategy", "infrastructure", "data", "governance", "talent", "culture"}
            if cond.q is None:
                continue
            question = questions[cond.q]
            values = {o.value for o in question.options}
            assert set(cond.is_in or ()) <= values and set(cond.has or ()) <= values, (t.id, cond.q)
            if cond.gte is not None or cond.lt is not None:
                assert question.type in ("number", "scale"), (t.id, cond.q)


def test_rules_on_hours_only_ever_rule_out_small_volumes() -> None:
    # So more hours can never make an opportunity less recommended (the monotonicity the tests rely on).
    for t in load_knowledge().templates:
        for rule in t.not_recommended:
            for cond in conditions_of(rule.when):
                if cond.q and cond.q.startswith("hours_"):
                    assert cond.lt is not None, t.id


def conditions_of(root: Cond) -> Iterator[Cond]:
    yield root
    for child in [*(root.all_of or ()), *(root.any_of or ()), *([root.negate] if root.negate else [])]:
        yield from conditions_of(child)


def test_value_comes_from_hours_or_revenue_and_no_hour_is_counted_twice() -> None:
    kb = load_knowledge()
    shares: Counter[str] = Counter()
    for t in kb.templates:
        assert bool(t.drivers) != bool(t.revenue_uplift), t.id
        shares.update(t.drivers)
    hours = {q.id for q in load_quiz().questions.values() if q.id.startswith("hours_")}
    assert set(shares) == hours
    assert all(total <= 0.9 + 1e-9 for total in shares.values())


def test_enough_templates_always_apply_to_fill_the_largest_tier() -> None:
    always = [t for t in load_knowledge().templates if t.applies.always]

    assert len(always) >= 15


def test_products_and_sources_resolve_and_prices_are_ranges() -> None:
    kb = load_knowledge()
    for product in kb.products.values():
        for low, high in (product.fixed, product.per_seat, product.per_unit):
            assert 0 <= low <= high, product.id
        assert all(s in kb.sources for s in product.source_ids), product.id
    for t in kb.templates:
        assert all(s in kb.sources for s in t.source_ids), t.id


def test_an_inconsistent_knowledge_base_is_refused() -> None:
    kb = load_knowledge()
    data = kb.model_dump(by_alias=True)
    data["templates"][1]["drivers"] = {"hours_admin": 0.9}

    with pytest.raises(ValueError, match=r"more than 0\.9"):
        KnowledgeBase.model_validate(data)


def test_a_condition_has_exactly_one_kind() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Cond.model_validate({"q": "team_size", "gte": 1, "lt": 5})
    with pytest.raises(ValueError, match="exactly one"):
        Cond.model_validate({"always": True, "q": "team_size"})


def _texts(node: object, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


@pytest.mark.parametrize("solo", [False, True])
@pytest.mark.parametrize("sensitive", [False, True])
@pytest.mark.parametrize("tool", sorted(TOOL_PHRASES))
def test_no_text_assumes_a_tool_or_a_team_the_reader_lacks(tool: str, sensitive: bool, solo: bool) -> None:
    """Every text as a business without this tool (and with every other) reads it, alone or as a team."""
    kb = knowledge_for(Reader(solo=solo, tools=frozenset(TOOL_PHRASES) - {tool}, sensitive=sensitive))

    found = [
        (path, phrase)
        for path, text in _texts(kb.model_dump(mode="json", exclude={"tools", "sources", "products"}))
        for phrase in TOOL_PHRASES[tool] + (TEAM_PHRASES if solo else ())
        if phrase in text.lower()
    ]

    assert found == []
