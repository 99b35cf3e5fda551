"""What the learning module holds about a player, for the privacy endpoints: exported
with the rest of the player's data, and deleted when the player is erased."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from questline.learning import privacy_store
from questline.learning.memory import CardState
from questline.learning.tables import CardStateRow


class LearningData:
    """What the learning module holds about a player: exported with the rest, and
    deleted when the player is erased (attempts, answers, memory states, reviews)."""

    name = "learning"

    def export(self, session: Session, player_id: int) -> dict[str, Any]:
        return {
            "attempts": [
                {
                    "id": row.key,
                    "course": course,
                    "lesson": row.lesson_key,
                    "content_version": row.version,
                    "status": row.status,
                    "started_at": row.started_at,
                    "submitted_at": row.submitted_at,
                    "score": row.score,
                    "passed": row.passed,
                }
                for row, course in privacy_store.player_attempts(session, player_id)
            ],
            "answers": [
                {
                    "attempt": attempt,
                    "question": row.question,
                    "correct": row.correct,
                    "response": row.response,
                    "time_ms": row.time_ms,
                    "hint_used": row.hint_used,
                    "answered_at": row.answered_at,
                }
                for row, attempt in privacy_store.player_answers(session, player_id)
            ],
            "cards": [
                _state_export(row, key)
                for row, key in privacy_store.player_states(session, player_id)
            ],
            "reviews": [
                {
                    "id": row.key,
                    "card": key,
                    "rating": row.rating,
                    "reviewed_at": row.reviewed_at,
                    "duration_ms": row.duration_ms,
                }
                for row, key in privacy_store.player_reviews(session, player_id)
            ],
        }

    def erase(self, session: Session, player_id: int) -> None:
        privacy_store.erase_player(session, player_id)


def _state_export(row: CardStateRow, key: str) -> dict[str, Any]:
    memory = asdict(privacy_store.memory_of(row))
    memory["state"] = CardState(row.state).label
    return {"card": key, **memory}
