"""Queries of attempts at lessons and their answers. Writes never commit (the caller's
unit of work does)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from questline.learning.tables import AnswerRow, AttemptRow
from questline.storage.models import Event, Player


def lock_player(session: Session, player_id: int) -> None:
    """The player row, as the workers lock it (FOR NO KEY UPDATE): taken first by a use
    case that writes for one player, so it waits for (never deadlocks with) a batch."""
    session.execute(select(Player.id).where(Player.id == player_id).with_for_update(key_share=True))


def add_attempt(session: Session, row: AttemptRow) -> AttemptRow:
    session.add(row)
    session.flush()
    return row


def attempt(session: Session, player_id: int, key: str, *, lock: bool = False) -> AttemptRow | None:
    statement = select(AttemptRow).where(AttemptRow.key == key, AttemptRow.player_id == player_id)
    return session.scalar(statement.with_for_update() if lock else statement)


def answers_of(session: Session, attempt_id: int) -> list[AnswerRow]:
    return list(
        session.scalars(
            select(AnswerRow)
            .where(AnswerRow.attempt_id == attempt_id)
            .order_by(AnswerRow.answered_at, AnswerRow.question)
        )
    )


def answer(session: Session, attempt_id: int, question: str) -> AnswerRow | None:
    return session.get(AnswerRow, (attempt_id, question))


def add_answer(session: Session, row: AnswerRow) -> AnswerRow:
    session.add(row)
    session.flush()
    return row


def has_passed(session: Session, player_id: int, lesson_key: str) -> bool:
    return (
        session.scalar(
            select(AttemptRow.id)
            .where(
                AttemptRow.player_id == player_id,
                AttemptRow.lesson_key == lesson_key,
                AttemptRow.passed.is_(True),
            )
            .limit(1)
        )
        is not None
    )


def event_seq(session: Session, app_id: int, key: str) -> int | None:
    """The sequence number of the event an attempt sent."""
    return session.scalar(select(Event.seq).where(Event.app_id == app_id, Event.key == key))


def submitted_attempts(session: Session, player_id: int, course_id: int) -> list[AttemptRow]:
    return list(
        session.scalars(
            select(AttemptRow)
            .where(
                AttemptRow.player_id == player_id,
                AttemptRow.course_id == course_id,
                AttemptRow.status == "submitted",
            )
            .order_by(AttemptRow.id)
        )
    )
