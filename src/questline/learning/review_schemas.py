"""Request and response models of spaced repetition: reviews, the due queue, statistics
and the app's settings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator
from pydantic.config import JsonDict

from questline.engine.periods import zone
from questline.learning.memory import CardState
from questline.learning.reviews import DueQueue, ReviewResult, ReviewStats
from questline.learning.schema_types import CardId, Identifier, request_with_example, with_example
from questline.learning.settings import SETTING_NAMES, LearningSettings

_T = "2026-11-21T16:35:51Z"
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
StateName = Literal["new", "learning", "review", "relearning"]


def state_name(state: CardState) -> StateName:
    names: dict[CardState, StateName] = {
        CardState.NEW: "new",
        CardState.LEARNING: "learning",
        CardState.REVIEW: "review",
        CardState.RELEARNING: "relearning",
    }
    return names[state]


class ReviewIn(BaseModel):
    """A review of a card: how well the player recalled it, 1 (again: forgotten), 2
    (hard), 3 (good) or 4 (easy). `id` is your idempotency key: sent again, the review
    applies once."""

    model_config = request_with_example(
        {
            "id": "rev-8812",
            "card": "hola",
            "rating": 3,
            "reviewed_at": _T,
            "duration_ms": 5300,
        }
    )

    id: Identifier | None = None
    card: CardId
    rating: int = Field(ge=1, le=4)
    reviewed_at: AwareDatetime | None = Field(
        default=None, description="when the player answered (default: now)"
    )
    duration_ms: int | None = Field(default=None, ge=0, le=86_400_000)

    @field_validator("reviewed_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            found = value.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is out of range") from None
        if found < EARLIEST:
            raise ValueError(f"reviews from before {EARLIEST.date()} are not accepted")
        return found


class ReviewOut(BaseModel):
    """A review and the memory state it led to (FSRS): the card's state, stability (days
    until recall falls to 90 %), difficulty (1-10), when it is due next, and the recall
    predicted when it was reviewed."""

    model_config = with_example(
        {
            "id": "rev-8812",
            "card": "hola",
            "rating": 3,
            "reviewed_at": _T,
            "state_before": "review",
            "state": "review",
            "stability": 12.4,
            "difficulty": 4.9,
            "due": "2026-12-04T16:35:51Z",
            "retrievability": 0.91,
            "event_id": "review-3c9f6a1b2d4e5f60718293a4b5c6d7e8",
            "duplicate": False,
        }
    )

    id: str
    card: str
    rating: int
    reviewed_at: datetime
    state_before: StateName
    state: StateName
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    retrievability: float | None = None
    event_id: str
    duplicate: bool = Field(description="a review sent again: this is the first one's result")

    @classmethod
    def of(cls, result: ReviewResult) -> ReviewOut:
        memory = result.memory
        return cls(
            id=result.id,
            card=result.card,
            rating=result.rating,
            reviewed_at=result.reviewed_at,
            state_before=state_name(result.state_before),
            state=state_name(memory.state),
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=memory.due,
            retrievability=result.retrievability,
            event_id=result.event_id,
            duplicate=result.duplicate,
        )


_DUE: JsonDict = {
    "card": "hola",
    "course": "spanish-basics",
    "word": "hola",
    "translation": "hello",
    "audio_url": "https://cdn.example.com/es/hola.mp3",
    "image_url": None,
    "example": None,
    "state": "review",
    "new": False,
    "due": "2026-11-21T08:00:00Z",
    "due_local": "2026-11-21T09:00:00+01:00",
}


class DueCardOut(BaseModel):
    """A card to review: due (`due`, and in the player's zone `due_local`), or new."""

    model_config = with_example(_DUE)

    card: str
    course: str
    word: str
    translation: str
    audio_url: str | None = None
    image_url: str | None = None
    example: str | None = None
    state: StateName
    new: bool
    due: datetime | None = None
    due_local: str | None = None


class DueQueueOut(BaseModel):
    """Today's review queue in the player's time zone: the cards due before their next
    local midnight, soonest first, with the day's new cards spread among them. The queue
    changes with every review, so it has no next page: ask again."""

    model_config = with_example(
        {
            "data": [_DUE],
            "next_cursor": None,
            "date": "2026-11-21",
            "time_zone": "Europe/Madrid",
            "due_today": 34,
            "new_today": 10,
        }
    )

    data: list[DueCardOut]
    next_cursor: str | None = None
    date: str
    time_zone: str
    due_today: int = Field(description="cards due before the end of the player's day")
    new_today: int = Field(description="new cards the queue still offers today")

    @classmethod
    def of(cls, queue: DueQueue) -> DueQueueOut:
        local = zone(queue.time_zone)
        return cls(
            data=[
                DueCardOut(
                    card=c.card,
                    course=c.course,
                    word=c.word,
                    translation=c.translation,
                    audio_url=c.audio_url,
                    image_url=c.image_url,
                    example=c.example,
                    state=state_name(c.state),
                    new=c.due is None,
                    due=c.due,
                    due_local=c.due.astimezone(local).isoformat() if c.due else None,
                )
                for c in queue.cards
            ],
            next_cursor=None,
            date=queue.day.date.isoformat(),
            time_zone=queue.time_zone,
            due_today=queue.due_today,
            new_today=queue.new_today,
        )


_COUNTS: JsonDict = {"new": 40, "learning": 6, "review": 71, "relearning": 3}


class CardCountsOut(BaseModel):
    """A player's cards by memory state."""

    model_config = with_example(_COUNTS)

    new: int
    learning: int
    review: int
    relearning: int


_FORECAST: JsonDict = {"date": "2026-11-21", "due": 34}


class ForecastDayOut(BaseModel):
    """How many cards fall due on one local day (the first day counts overdue ones too)."""

    model_config = with_example(_FORECAST)

    date: str
    due: int


class ReviewStatsOut(BaseModel):
    """A player's reviews at a glance, by their local calendar."""

    model_config = with_example(
        {
            "time_zone": "Europe/Madrid",
            "date": "2026-11-21",
            "cards": _COUNTS,
            "reviews_today": 25,
            "new_today": 5,
            "retention": 0.9,
            "retention_reviews": 140,
            "forecast": [_FORECAST],
        }
    )

    time_zone: str
    date: str
    cards: CardCountsOut
    reviews_today: int
    new_today: int = Field(description="new cards reviewed for the first time today")
    retention: float | None = Field(
        description="over the last 30 local days: the share of reviews of cards in review"
        " that were recalled (rated 2-4); null without such reviews"
    )
    retention_reviews: int
    forecast: list[ForecastDayOut]

    @classmethod
    def of(cls, stats: ReviewStats) -> ReviewStatsOut:
        cards: dict[str, Any] = {state_name(s): n for s, n in stats.cards.items()}
        return cls(
            time_zone=stats.time_zone,
            date=stats.today,
            cards=CardCountsOut(**cards),
            reviews_today=stats.reviews_today,
            new_today=stats.new_today,
            retention=stats.retention,
            retention_reviews=stats.retention_reviews,
            forecast=[ForecastDayOut(date=f.date, due=f.due) for f in stats.forecast],
        )


Steps = Annotated[list[Annotated[int, Field(ge=1, le=1440)]], Field(max_length=10)]


class LearningSettingsIn(BaseModel):
    """The app's spaced-repetition settings. What you leave out follows the server's
    defaults (`QUESTLINE_LEARNING_*`). They apply to reviews from now on; a card keeps
    the due date its last review gave it."""

    model_config = request_with_example({"desired_retention": 0.9, "new_cards_per_day": 15})

    desired_retention: float | None = Field(default=None, ge=0.7, le=0.99)
    maximum_interval_days: int | None = Field(default=None, ge=1, le=36500)
    new_cards_per_day: int | None = Field(default=None, ge=0, le=1000)
    learning_steps_minutes: Steps | None = None
    relearning_steps_minutes: Steps | None = None
    fuzz: bool | None = None


class LearningSettingsOut(BaseModel):
    """The spaced-repetition settings in force for the app, and which of them it set."""

    model_config = with_example(
        {
            "desired_retention": 0.9,
            "maximum_interval_days": 36500,
            "new_cards_per_day": 15,
            "learning_steps_minutes": [1, 10],
            "relearning_steps_minutes": [10],
            "fuzz": True,
            "set_by_app": ["new_cards_per_day"],
        }
    )

    desired_retention: float
    maximum_interval_days: int
    new_cards_per_day: int
    learning_steps_minutes: list[int]
    relearning_steps_minutes: list[int]
    fuzz: bool
    set_by_app: list[str]

    @classmethod
    def of(cls, settings: LearningSettings, app_values: dict[str, Any]) -> LearningSettingsOut:
        return cls(
            desired_retention=settings.desired_retention,
            maximum_interval_days=settings.maximum_interval_days,
            new_cards_per_day=settings.new_cards_per_day,
            learning_steps_minutes=list(settings.learning_steps_minutes),
            relearning_steps_minutes=list(settings.relearning_steps_minutes),
            fuzz=settings.fuzz,
            set_by_app=[n for n in SETTING_NAMES if app_values.get(n) is not None],
        )
