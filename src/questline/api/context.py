"""What a running server holds: settings, database, worker, dispatcher."""

from __future__ import annotations

from dataclasses import dataclass

from questline.leaderboards.service import LeaderboardReader
from questline.processing.designs import DesignCache
from questline.processing.dispatch import Dispatcher
from questline.processing.worker import Worker
from questline.settings import Settings
from questline.storage.database import Database


@dataclass
class Context:
    settings: Settings
    database: Database
    designs: DesignCache
    worker: Worker
    dispatcher: Dispatcher
    leaderboards: LeaderboardReader
