"""What the server sends and takes, as typed models.

Answers keep fields the client does not know yet (``extra="allow"``), so a newer server
never breaks an older client; a test checks these models against the server's OpenAPI
schema so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

T = TypeVar("T")

# An event property: text, a whole number, a number, true/false or null.
PropertyValue = str | bool | int | float | None


class Answer(BaseModel):
    """Base of every model the server sends."""

    model_config = ConfigDict(extra="allow")


# --- what the client sends ---


class Profile(BaseModel):
    """A player's profile, set or updated with an event: display name, IANA time zone,
    locale, and an avatar (an http(s) URL of a picture boards show beside the name)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    time_zone: str | None = None
    locale: str | None = None
    avatar_url: str | None = None


class Event(BaseModel):
    """Something a player did. ``id`` is its idempotency key: the client makes one when
    none is given, so that a retried send is recognized and never counted twice."""

    model_config = ConfigDict(extra="forbid")

    type: str
    player: str
    id: str | None = None
    time: AwareDatetime | None = None
    properties: dict[str, PropertyValue] = Field(default_factory=dict)
    item: str | None = None
    profile: Profile | None = None

    def body(self) -> dict[str, Any]:
        """The JSON body the server takes (absent fields left out)."""
        body: dict[str, Any] = {"type": self.type, "player": self.player}
        if self.id is not None:
            body["id"] = self.id
        if self.time is not None:
            body["time"] = self.time.isoformat()
        if self.properties:
            body["properties"] = dict(self.properties)
        if self.item is not None:
            body["item"] = self.item
        if self.profile is not None:
            body["profile"] = self.profile.model_dump(exclude_none=True)
        return body


# --- events ---


class EventAccepted(Answer):
    """The answer to a sent event. ``duplicate`` is true when the id was known already
    (nothing new was counted); ``effects`` are given when it was processed at once (``[]``
    when it failed). A failed event's ``error`` is problem details: ``code``
    (``processing_failed``) and ``detail`` (why), as in a batch's results."""

    id: str
    status: str  # pending, processed or failed
    duplicate: bool
    received_at: datetime
    effects: list[dict[str, Any]] | None = None
    error: dict[str, Any] | None = None


class BatchItemResult(Answer):
    """What became of one event of a batch; ``index`` is its place in the batch."""

    index: int
    id: str | None
    status: str  # pending, processed, failed or rejected
    duplicate: bool = False
    effects: list[dict[str, Any]] | None = None
    error: dict[str, Any] | None = None


class BatchResult(Answer):
    """The answer to a batch: counts, and one result per event in the batch's order."""

    accepted: int
    duplicates: int
    rejected: int
    results: list[BatchItemResult]


class EventDetails(Answer):
    """A recorded event, its processing status and the effects it had."""

    id: str
    type: str
    player: str
    time: datetime
    received_at: datetime
    time_zone: str
    properties: dict[str, Any]
    item: str | None
    status: str
    processed_at: datetime | None
    config_version: int | None
    effects: list[dict[str, Any]] | None
    error: dict[str, Any] | None  # problem details, as EventAccepted's


# --- players ---


class Level(Answer):
    """Progress on a currency's level curve."""

    level: int
    total: int
    level_started_at: int
    next_level_at: int | None
    remaining: int | None
    percent: float


class Currency(Answer):
    balance: int
    earned: int
    level: Level | None = None


class MetricCounts(Answer):
    """A metric's value today, this week (the player's own) and over all time."""

    today: int
    week: int
    all: int


class PlayerScore(Answer):
    """A score as the player shows it: its name (in the reader's language), value, tier
    and bounds."""

    name: str | None
    value: int | float
    tier: str | None
    min: int | None
    max: int | None


class Player(Answer):
    """A player's balances, levels, metrics and scores."""

    id: str
    display_name: str | None
    avatar_url: str | None = None
    time_zone: str
    locale: str | None
    created_at: datetime
    currencies: dict[str, Currency]
    metrics: dict[str, MetricCounts]
    scores: dict[str, PlayerScore] = Field(default_factory=dict)
    unread_notifications: int = 0
    following: int = 0
    followers: int = 0
    private_profile: bool = False


class LedgerEntry(Answer):
    """One change of a balance, and why."""

    id: int
    currency: str
    amount: int
    balance_after: int
    cause: str
    cause_id: str
    event_id: str | None
    config_version: int | None
    explanation: str
    breakdown: dict[str, Any]
    created_at: datetime


class Page(Answer, Generic[T]):
    """A page of a list; ``next_cursor`` asks for the next one (None: this is the last)."""

    data: list[T]
    next_cursor: str | None = None


# --- mechanics ---


class AchievementTier(Answer):
    """A tier of an achievement and the player's progress towards it."""

    tier: str | None
    target: int
    rewards: dict[str, Any]
    rarity: float
    unlocked: bool
    unlocked_at: datetime | None
    current: int
    percent: float


class PlayerAchievement(Answer):
    """An achievement as a player stands on it."""

    id: str
    name: str | None
    description: str | None
    category: str | None
    icon: str | None
    secret: bool
    repeat: str
    period: str
    unlocked: bool
    retired: bool
    tiers: list[AchievementTier]


class FreezeUse(Answer):
    covered: date
    used_at: datetime


class Streak(Answer):
    """A player's streak as it stands now, in their time zone."""

    key: str
    name: str | None
    period: str
    current: int
    longest: int
    started_on: date | None
    last_period: date | None
    today_done: bool
    at_risk: bool
    ends_at: datetime | None
    freezes: int
    freezes_max: int
    freezes_needed: int
    freezes_used: list[FreezeUse]


class QuestObjective(Answer):
    metric: str
    name: str
    target: int
    progress: int
    percent: float


class PlayerQuest(Answer):
    """A quest as a player stands on it: its running instance and progress."""

    id: str
    name: str | None
    description: str | None
    period: str
    instance: str | None
    active: bool
    joined_at: datetime | None
    starts_at: datetime | None
    ends_at: datetime | None
    objectives: list[QuestObjective]
    completed: bool
    completed_at: datetime | None
    rewards: dict[str, Any]


class Score(Answer):
    """A player's score: value, tier and the inputs it was computed from."""

    key: str
    name: str | None
    player: str
    value: int | float
    tier: str | None
    min: int | None
    max: int | None
    components: dict[str, Any]
    config_version: int
    computed_at: datetime


class ScoreList(Answer):
    """Every score of the design for a player (not paged: one per score)."""

    data: list[Score]


class LeaderboardEntry(Answer):
    """A player's standing, with the name and avatar a board shows beside it."""

    player: str
    display_name: str | None = None
    avatar_url: str | None = None
    score: int | float
    rank: int
    position: int


class LeaderboardPage(Answer):
    """A page of a leaderboard's run, best first."""

    board: str
    name: str | None
    rank_by: str
    ranking: str
    run: str
    starts_at: datetime | None
    ends_at: datetime | None
    final: bool
    partition: str | None
    data: list[LeaderboardEntry]
    total: int | None
    next_cursor: str | None
    # With `among`: the standing of the player whose circle it is.
    player_standing: LeaderboardEntry | None = None


# --- social ---


class Follow(Answer):
    """Whether ``player`` now follows (or, from a block, blocks) ``other``."""

    player: str
    other: str
    active: bool


class Link(Answer):
    """Another player in a list of follows or blocks, and since when."""

    player: str
    display_name: str | None
    since: datetime


class SocialProfile(Answer):
    """Whether a player's profile is private, with their follow counts."""

    player: str
    private: bool
    following: int
    followers: int


class ActivityEntry(Answer):
    """One public thing a player did (``kind``: ``level_reached``,
    ``achievement_unlocked``, ``streak_extended``, ``quest_completed``,
    ``score_tier_changed``), worded in the reader's locale; ``cheered`` says whether
    the reader cheered it."""

    id: int
    player: str
    display_name: str | None
    kind: str
    message: str
    data: dict[str, Any]
    cheers: int
    cheered: bool
    created_at: datetime


class ActivityPage(Answer):
    """A page of a feed or of a player's activity, newest first; ``locale`` is the one
    its messages are worded in."""

    data: list[ActivityEntry]
    next_cursor: str | None = None
    locale: str


class Cheer(Answer):
    """An activity entry's cheers, and whether the player now cheers it."""

    entry_id: int
    cheers: int
    cheered: bool


# --- tokens and notifications ---


class PlayerToken(Answer):
    """A short-lived bearer token that reads only this player's own state."""

    token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth token type, not a secret)
    expires_in: int
    player: str


class Notification(Answer):
    """One entry of a player's inbox; ``id`` increases with every notification."""

    id: int
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    push: bool
    event_id: str | None
    created_at: datetime
    read_at: datetime | None


class WebhookMessage(Answer):
    """A verified webhook: its message id (the same on every retry: deduplicate by it),
    its type (``notification.created``, ``effect.<kind>``), when it was made, its data."""

    id: str
    type: str
    timestamp: datetime
    data: dict[str, Any]
