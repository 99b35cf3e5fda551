"""Run one processing batch and die (SIGKILL-like, no cleanup) just before it commits.

python -m tests.support.crash_worker DATABASE_URL
"""

from __future__ import annotations

import os
import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from questline.processing.worker import Worker
from questline.storage.database import Database


def main() -> None:
    database = Database(sys.argv[1])

    @event.listens_for(Session, "before_commit")
    def _die(session: Any) -> None:
        # The effects are flushed to the database connection; the commit never happens.
        session.flush()
        os._exit(86)

    Worker(database).process_batch()


if __name__ == "__main__":
    main()
