"""Queries of a player's learning data: what the privacy endpoints export and erase."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from questline.learning.memory import CardState, Memory
from questline.learning.tables import (
    AnswerRow,
    AttemptRow,
    CardRow,
    CardStateRow,
    CourseRow,
    ReviewRow,
)


def memory_of(row: CardStateRow) -> Memory:
    return Memory(
        state=CardState(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=row.due,
        last_review=row.last_review,
        reps=row.reps,
        lapses=row.lapses,
    )


def player_attempts(session: Session, player_id: int) -> list[tuple[AttemptRow, str]]:
    return [
        (row, course)
        for row, course in session.execute(
            select(AttemptRow, CourseRow.key)
            .join(CourseRow, CourseRow.id == AttemptRow.course_id)
            .where(AttemptRow.player_id == player_id)
            .order_by(AttemptRow.id)
        )
    ]


def player_answers(session: Session, player_id: int) -> list[tuple[AnswerRow, str]]:
    return [
        (row, attempt_key)
        for row, attempt_key in session.execute(
            select(AnswerRow, AttemptRow.key)
            .join(AttemptRow, AttemptRow.id == AnswerRow.attempt_id)
            .where(AttemptRow.player_id == player_id)
            .order_by(AnswerRow.attempt_id, AnswerRow.answered_at)
        )
    ]


def player_states(session: Session, player_id: int) -> list[tuple[CardStateRow, str]]:
    return [
        (row, key)
        for row, key in session.execute(
            select(CardStateRow, CardRow.key)
            .join(CardRow, CardRow.id == CardStateRow.card_id)
            .where(CardStateRow.player_id == player_id)
            .order_by(CardStateRow.rank, CardStateRow.card_id)
        )
    ]


def player_reviews(session: Session, player_id: int) -> list[tuple[ReviewRow, str]]:
    return [
        (row, key)
        for row, key in session.execute(
            select(ReviewRow, CardRow.key)
            .join(CardRow, CardRow.id == ReviewRow.card_id)
            .where(ReviewRow.player_id == player_id)
            .order_by(ReviewRow.reviewed_at, ReviewRow.id)
        )
    ]


def erase_player(session: Session, player_id: int) -> None:
    attempts = select(AttemptRow.id).where(AttemptRow.player_id == player_id)
    session.execute(delete(AnswerRow).where(AnswerRow.attempt_id.in_(attempts)))
    session.execute(delete(AttemptRow).where(AttemptRow.player_id == player_id))
    session.execute(delete(ReviewRow).where(ReviewRow.player_id == player_id))
    session.execute(delete(CardStateRow).where(CardStateRow.player_id == player_id))
