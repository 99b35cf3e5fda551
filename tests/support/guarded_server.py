"""`python -m tests.support.guarded_server serve …`: the `questline` command, whose server
runs a `LoopWatchdog` on its event loop from start-up to shutdown and appends what it finds
to the file named by $QUESTLINE_TEST_LOOP_REPORT (read it with `LoopReport`)."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

import questline.api.app
from questline.cli import main
from tests.support.loop_guard import LoopReport, LoopWatchdog


class _Guarded:
    """The app, with the watchdog started once the app has started and stopped before it
    shuts down (start-up and shutdown may wait for the database; requests may not)."""

    def __init__(self, app: ASGIApp, report: LoopReport) -> None:
        self.app = app
        self.report = report
        self.watchdog: LoopWatchdog | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def watched_receive() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and self.watchdog is not None:
                self.watchdog.stop(wait=False)
            return message

        async def watched_send(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                self.watchdog = LoopWatchdog(
                    asyncio.get_running_loop(), threading.get_ident(), self.report.write
                )
                self.watchdog.start()
            await send(message)

        await self.app(scope, watched_receive, watched_send)


def _serve_guarded() -> None:
    report = LoopReport(Path(os.environ["QUESTLINE_TEST_LOOP_REPORT"]))
    serve_app = questline.api.app.serve_app

    def guarded_app() -> ASGIApp:
        return _Guarded(serve_app(), report)

    questline.api.app.serve_app = guarded_app  # type: ignore[assignment]  # `serve` looks it up
    main()


if __name__ == "__main__":
    _serve_guarded()
