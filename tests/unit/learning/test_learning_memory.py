"""Memory states follow the `fsrs` package's own scheduler exactly (fuzz off), and the
fuzz, drawn from each review's key, stays within the package's own range."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import fsrs
from hypothesis import given, settings
from hypothesis import strategies as st

from questline.learning.memory import NEW, CardState, MemoryModel, MemorySettings, replay

START = datetime(2026, 3, 1, 8, tzinfo=UTC)

review_logs = st.lists(
    st.tuples(
        st.integers(1, 4),  # rating
        st.integers(0, 60 * 24 * 40),  # minutes after the card was due (or the last review)
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(
    log=review_logs,
    retention=st.sampled_from([0.8, 0.9, 0.95]),
    maximum=st.sampled_from([30, 365, 36500]),
)
def test_every_state_equals_the_fsrs_schedulers_for_the_same_reviews(
    log: list[tuple[int, int]], retention: float, maximum: int
) -> None:
    model = MemoryModel(
        MemorySettings(desired_retention=retention, maximum_interval=maximum, fuzz=False)
    )
    reference = fsrs.Scheduler(
        desired_retention=retention, maximum_interval=maximum, enable_fuzzing=False
    )
    card = fsrs.Card(card_id=1, due=START)
    memory = NEW
    at = START
    for index, (rating, late_minutes) in enumerate(log):
        # Reviews come when the card is due, or some time after.
        at = max(at, card.due) + timedelta(minutes=late_minutes)
        card, _ = reference.review_card(card, fsrs.Rating(rating), at)
        memory = model.review(memory, rating, at, f"r{index}")
        assert int(memory.state) == int(card.state)
        assert memory.step == card.step
        assert memory.stability == card.stability
        assert memory.difficulty == card.difficulty
        assert memory.due == card.due
        assert memory.last_review == card.last_review == at
    assert memory.reps == len(log)


def test_the_fuzz_is_drawn_from_the_key_and_stays_in_the_packages_range() -> None:
    fuzzed = MemoryModel(MemorySettings(fuzz=True))
    plain = MemoryModel(MemorySettings(fuzz=False))
    # A card well into review: good, good, good, good at its due dates.
    memory = NEW
    at = START
    for index in range(4):
        memory = plain.review(memory, 3, at, f"warm-{index}")
        assert memory.due is not None
        at = memory.due
    for key in ("a", "b", "c", "d", "e", "f"):
        once = fuzzed.review(memory, 3, at, key)
        assert fuzzed.review(memory, 3, at, key) == once  # the same review, the same due date
        assert once.due is not None
        ours = (once.due - at).days
        # What the package itself may choose for this review, over many random draws.
        possible = set()
        package = fsrs.Scheduler(enable_fuzzing=True)
        card = fsrs.Card(
            card_id=1,
            state=fsrs.State(int(memory.state)),
            step=memory.step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=memory.due,
            last_review=memory.last_review,
        )
        state = random.getstate()
        try:
            for seed in range(300):
                random.seed(seed)
                after, _ = package.review_card(card, fsrs.Rating.Good, at)
                possible.add((after.due - at).days)
        finally:
            random.setstate(state)
        assert min(possible) <= ours <= max(possible)
        assert once.stability == plain.review(memory, 3, at, key).stability
    spread = {(fuzzed.review(memory, 3, at, key).due) for key in map(str, range(50))}
    assert len(spread) > 1


def test_a_replay_folds_reviews_in_the_order_given() -> None:
    model = MemoryModel(MemorySettings(fuzz=False))
    times = [START + timedelta(days=d) for d in (0, 0, 3, 10)]
    states = replay(model, [(3, t, f"k{i}") for i, t in enumerate(times)])
    assert [s.reps for s in states] == [1, 2, 3, 4]
    assert states[0].state is CardState.LEARNING
    assert states[-1].state is CardState.REVIEW


def test_forgetting_a_card_in_review_counts_a_lapse() -> None:
    model = MemoryModel(MemorySettings(fuzz=False))
    memory = model.review(NEW, 4, START, "easy")  # easy: straight to review
    assert memory.state is CardState.REVIEW
    assert memory.due is not None
    forgotten = model.review(memory, 1, memory.due, "again")
    assert forgotten.state is CardState.RELEARNING
    assert forgotten.lapses == 1
    assert model.retrievability(NEW, START) == 0.0
    assert 0 < model.retrievability(memory, memory.due) < 1
