"""The tables. Balances, metric counters and rule state are projections of the
ledger and the event log; the event log and config versions are the source of truth.

One module per area; every model is importable from here, and importing this package
puts every table of the core on `Base.metadata` (Alembic and foreign keys see them all).
"""

from questline.storage.models.apps import (
    ApiKey,
    App,
    ConsoleSession,
    Membership,
    RefreshToken,
    User,
)
from questline.storage.models.base import NAMING_CONVENTION, Base
from questline.storage.models.config import AuditEntry, ConfigVersion, DryRun, ScheduledPublish
from questline.storage.models.leaderboards import (
    LeaderboardBucket,
    LeaderboardCount,
    LeaderboardHidden,
    LeaderboardRun,
    LeaderboardScore,
    LeagueEntry,
    LeagueGroup,
    LeagueMember,
)
from questline.storage.models.ledger import Balance, LedgerEntry
from questline.storage.models.mechanics import (
    AchievementAward,
    Counter,
    QuestCompletion,
    QuestJoin,
    RuleState,
    StreakFreezeUse,
    StreakRow,
)
from questline.storage.models.players import Event, Item, Player

__all__ = [
    "NAMING_CONVENTION",
    "AchievementAward",
    "ApiKey",
    "App",
    "AuditEntry",
    "Balance",
    "Base",
    "ConfigVersion",
    "ConsoleSession",
    "Counter",
    "DryRun",
    "Event",
    "Item",
    "LeaderboardBucket",
    "LeaderboardCount",
    "LeaderboardHidden",
    "LeaderboardRun",
    "LeaderboardScore",
    "LeagueEntry",
    "LeagueGroup",
    "LeagueMember",
    "LedgerEntry",
    "Membership",
    "Player",
    "QuestCompletion",
    "QuestJoin",
    "RefreshToken",
    "RuleState",
    "ScheduledPublish",
    "StreakFreezeUse",
    "StreakRow",
    "User",
]
