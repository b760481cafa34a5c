"""The quality benchmark's histories: seeded, reproducible, and shaped as each shape says."""

from __future__ import annotations

from datetime import timedelta

from bench.followup_shapes import SHAPES, Shape, generate

USUAL = SHAPES[0]


def test_the_same_seed_gives_the_same_partners_and_another_seed_others() -> None:
    assert generate(7, USUAL) == generate(7, USUAL)
    assert generate(7, USUAL) != generate(8, USUAL)
    late = next(s for s in SHAPES if s.name == "late completions")
    assert generate(7, USUAL) != generate(7, late)


def test_due_dates_follow_the_shape() -> None:
    for shape in SHAPES:
        low, high = shape.due_days
        for partner in generate(3, shape)[:40]:
            for fact in partner.facts:
                assert low <= (fact.due_on - fact.made_on).days <= high, shape.name


def test_late_agreements_are_all_done_or_never_closed_as_the_shape_says() -> None:
    done_late = Shape("all done", late_done=1.0, days_late=(1, 14))
    never = Shape("never", late_done=0.0)
    for partner in generate(4, done_late)[:40]:
        assert all(f.done_on is not None for f in partner.facts)
        assert all(
            f.done_on is None or f.done_on <= f.due_on + timedelta(days=14) for f in partner.facts
        )
    for partner in generate(4, never)[:40]:
        assert all(f.done_on is None or f.done_on <= f.due_on for f in partner.facts)


def test_volumes_and_declines_are_planted_as_described() -> None:
    sparse = next(s for s in SHAPES if s.name == "1–10 per fortnight")
    partners = generate(5, sparse)
    assert all(1.0 <= p.volume <= 10.0 for p in partners)
    declining = [p for p in partners if p.decline_on is not None]
    assert len(declining) == 60
    assert {p.keeps_pace for p in declining} == {True, False}
