"""Courses as plain data: judging answers, scoring, unlocking, local days, the queue mix."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from questline.learning.model import (
    Lesson,
    LessonStatus,
    Question,
    lesson_status,
    local_day,
    mix_new_cards,
    normalize_answer,
    score_attempt,
)


def question(qid: str, *answers: str) -> Question:
    return Question(qid, "text", "?", (), answers)


def lesson(*questions: Question, pass_score: int = 70, prerequisite: str | None = None) -> Lesson:
    return Lesson("l", "u", 1, "L", "lesson", pass_score, 10, prerequisite, (), questions)


def test_an_answer_is_judged_without_case_spaces_or_outer_punctuation_but_with_accents() -> None:
    adios = question("q", "adiós")
    assert adios.judge("  ¡ADIÓS!  ")
    assert adios.judge("adiós.")
    assert not adios.judge("adios")
    assert question("q", "buenos días").judge("Buenos   días")
    # Composed and decomposed accents are the same answer.
    assert adios.judge("adio\u0301s")
    assert normalize_answer("¿Qué tal?") == "qué tal"


def test_a_score_is_correct_over_all_questions_rounded_down() -> None:
    three = lesson(question("a", "1"), question("b", "2"), question("c", "3"), pass_score=66)
    score = score_attempt(three, {"a": True, "b": True, "c": False})
    assert (score.correct, score.total, score.percent, score.passed) == (2, 3, 66, True)
    # An unanswered question counts as wrong.
    assert score_attempt(three, {"a": True}).percent == 33
    assert score_attempt(three, {"a": True, "b": True, "c": True}).perfect
    # A lesson without questions is passed by taking it.
    assert score_attempt(lesson(), {}).passed


def test_a_lesson_is_locked_until_its_prerequisite_is_passed() -> None:
    second = lesson(prerequisite="first")
    assert lesson_status(second, []) is LessonStatus.LOCKED
    assert lesson_status(second, ["first"]) is LessonStatus.AVAILABLE
    assert lesson_status(second, ["first", "l"]) is LessonStatus.PASSED
    assert lesson_status(lesson(), []) is LessonStatus.AVAILABLE


def test_a_local_day_lasts_as_long_as_the_calendar_day_there() -> None:
    spring = local_day(datetime(2026, 3, 29, 12, tzinfo=UTC), "Europe/Berlin")
    assert spring.date == date(2026, 3, 29)
    assert spring.starts_at == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert spring.ends_at - spring.starts_at == timedelta(hours=23)
    autumn = local_day(datetime(2026, 10, 25, 12, tzinfo=UTC), "Europe/Berlin")
    assert autumn.ends_at - autumn.starts_at == timedelta(hours=25)
    # Kathmandu's day starts at its own midnight, +05:45.
    kathmandu = local_day(datetime(2026, 6, 1, 20, tzinfo=UTC), "Asia/Kathmandu")
    assert kathmandu.date == date(2026, 6, 2)
    assert kathmandu.starts_at == datetime(2026, 6, 1, 18, 15, tzinfo=UTC)


@given(
    due_total=st.integers(0, 60),
    new_total=st.integers(0, 30),
    limit=st.integers(1, 100),
)
def test_the_queue_keeps_both_orders_and_spreads_new_cards_evenly(
    due_total: int, new_total: int, limit: int
) -> None:
    due = [f"d{i}" for i in range(due_total)]
    new = [f"n{i}" for i in range(new_total)]
    mixed = mix_new_cards(
        due[:limit], new[:limit], due_total=due_total, new_total=new_total, limit=limit
    )
    assert len(mixed) == min(limit, due_total + new_total)
    # Each list keeps its own order, and the head of each is what is shown.
    reviews = [card for card in mixed if card.startswith("d")]
    fresh = [card for card in mixed if card.startswith("n")]
    assert reviews == due[: len(reviews)]
    assert fresh == new[: len(fresh)]
    # In the whole day's queue, the gaps between new cards differ by at most one.
    whole = mix_new_cards(
        due, new, due_total=due_total, new_total=new_total, limit=due_total + new_total
    )
    positions = [index for index, card in enumerate(whole) if card.startswith("n")]
    gaps = [b - a - 1 for a, b in zip([-1, *positions], [*positions, len(whole)], strict=False)]
    if new_total and due_total:
        assert max(gaps) - min(gaps) <= 1
    # A shorter page is the start of the longer one.
    assert mixed == whole[: len(mixed)]
