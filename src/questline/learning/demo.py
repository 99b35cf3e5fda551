"""The learning part of a blueprint's demo: import its course and play a week of lessons
and reviews for its demo players, through the same use cases the API calls (so every
lesson and review goes into the game as an event, and the worker turns them into XP,
gems, streaks, quests, achievements and leagues)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from questline.engine.periods import zone
from questline.learning import attempts, reviews, service
from questline.learning.model import local_day
from questline.learning.progress import course_progress
from questline.learning.settings import LearningSettings
from questline.processing.designs import DesignCache
from questline.processing.dispatch import NoDispatcher
from questline.processing.submission import EventFlow
from questline.processing.worker import Worker
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.players import ensure_player
from questline.yamlfile import load_yaml


@dataclass(frozen=True)
class _Cli:
    """Who the demo's audit entries name."""

    app_id: int
    actor: str = "cli"


@dataclass(frozen=True)
class _Pace:
    lessons: int
    reviews: int
    accuracy: float
    skip: frozenset[int]


def load_learning_demo(
    database: Database,
    folder: Path,
    blueprint: str,
    app_slug: str = "default",
    extend: Callable[[Worker], None] | None = None,
) -> dict[str, Any] | None:
    """Load the `learning` part of the blueprint's seed, if it has one; returns what was
    loaded (None without one). Run it after the core demo has published the design. The
    worker that processes the week gets the modules' projections from `extend` (so
    players get notifications and activity entries)."""
    seed = load_yaml((folder / f"{blueprint}.seed.yaml").read_text(encoding="utf-8"))
    plan = seed.get("learning") if isinstance(seed, dict) else None
    if not plan:
        return None
    now = datetime.now(UTC)
    document = load_yaml((folder / plan["course"]).read_text(encoding="utf-8"))
    with database.transaction() as session:
        app = ensure_app(session, app_slug)
        app_id = app.id
        course = service.import_course(
            session, _Cli(app_id), document["id"], document, comment="demo", now=now
        ).version
        zones: dict[str, str] = {}
        for entry in seed.get("players", []):
            player = ensure_player(session, app_id, entry["id"], now)
            player.display_name = entry.get("name")
            player.time_zone = zones[entry["id"]] = entry.get("time_zone", "UTC")
    worker = Worker(database, DesignCache())
    if extend is not None:
        extend(worker)
    flow = EventFlow(database, worker, NoDispatcher())
    done = {"attempts": 0, "reviews": 0}
    for index, (name, pace) in enumerate(_paces(plan).items()):
        rng = random.Random(f"{blueprint}-{index}")
        week = _Week(database, flow, app_id, course.course, name, pace, rng)
        for days_back in range(int(plan.get("days", 7)) - 1, -1, -1):
            if days_back in pace.skip:
                continue
            start = _session_start(now, zones.get(name, "UTC"), days_back)
            attempts, reviewed = week.practise(start)
            done["attempts"] += attempts
            done["reviews"] += reviewed
    return {
        "course": course.course,
        "lessons": course.lessons,
        "cards": course.cards,
        "players": len(_paces(plan)),
        **done,
        "events": worker.drain(),
    }


def _session_start(now: datetime, time_zone: str, days_back: int) -> datetime:
    """When a player practises on the local day `days_back` days before today: 09:00
    there, or today, if that is still to come, a few minutes before now (a session lasts
    about three minutes)."""
    today = local_day(now, time_zone)
    day = today.date - timedelta(days=days_back)
    morning = datetime.combine(day, time(9), tzinfo=zone(time_zone)).astimezone(UTC)
    if morning < now - timedelta(minutes=4):
        return morning
    return max(today.starts_at + timedelta(seconds=10), now - timedelta(minutes=4))


def _paces(plan: dict[str, Any]) -> dict[str, _Pace]:
    return {
        player: _Pace(
            int(pace["lessons"]),
            int(pace["reviews"]),
            float(pace["accuracy"]),
            frozenset(pace.get("skip", [])),
        )
        for player, pace in plan["pace"].items()
    }


class _Week:
    def __init__(
        self,
        database: Database,
        flow: EventFlow,
        app_id: int,
        course: str,
        player: str,
        pace: _Pace,
        rng: random.Random,
    ) -> None:
        self.database = database
        self.flow = flow
        self.app_id = app_id
        self.course = course
        self.player = player
        self.pace = pace
        self.rng = rng
        self.defaults = LearningSettings()

    def practise(self, start: datetime) -> tuple[int, int]:
        """One day's session from `start`: lessons, then the day's reviews."""
        at = start
        for _ in range(self.pace.lessons):
            self._lesson(at)
            at += timedelta(seconds=40)
        return self.pace.lessons, self._reviews(at)

    def _lesson(self, at: datetime) -> None:
        with self.database.reader() as session:
            lesson = course_progress(session, self.app_id, self.player, self.course).next_lesson
        if lesson is None:
            return  # the course is done
        with self.database.transaction() as session:
            attempt = attempts.start_attempt(session, self.app_id, self.player, lesson, at)
            for question in attempt.lesson.questions:
                right = self.rng.random() < self.pace.accuracy
                given = attempts.AnswerGiven(
                    question.id,
                    None,
                    question.answers[0] if right else "?",
                    self.rng.randint(2000, 9000),
                    hint_used=self.rng.random() < 0.1,
                )
                attempts.record_answer(
                    session, self.app_id, self.player, lesson, attempt.id, given, at
                )
        attempts.submit_attempt(
            self.flow,
            self.app_id,
            self.player,
            lesson,
            attempt.id,
            wait=False,
            now=at + timedelta(seconds=30),
        )

    def _reviews(self, start: datetime) -> int:
        with self.database.reader() as session:
            queue = reviews.due_queue(
                session, self.app_id, self.player, self.pace.reviews, self.defaults, start
            )
        with self.database.transaction() as session:
            for step, card in enumerate(queue.cards):
                at = start + timedelta(seconds=3 * step)
                roll = self.rng.random()
                rating = 1 if roll > self.pace.accuracy else (4 if roll < 0.2 else 3)
                reviews.record_review(
                    session,
                    self.flow,
                    self.app_id,
                    self.player,
                    reviews.ReviewGiven(card.card, rating, None, at, self.rng.randint(1500, 6000)),
                    self.defaults,
                    at,
                )
        return len(queue.cards)
