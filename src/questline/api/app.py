"""The FastAPI application: wiring only."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import Depends, FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from questline import __version__
from questline.analytics import routes as analytics_routes
from questline.analytics import wiring as analytics
from questline.api import (
    achievements,
    apps,
    audit,
    auth,
    config,
    config_schedules,
    docs_ui,
    dry_runs,
    event_previews,
    events,
    grants,
    health,
    inventory,
    items,
    keys,
    leaderboards,
    leagues,
    metrics,
    player_tokens,
    players,
    privacy,
    purchases,
    quests,
    scores,
    shop,
    streaks,
    users,
    wallet,
)
from questline.api.access import authorize
from questline.api.http import (
    openapi_docs,
)
from questline.api.http.context import Context
from questline.api.http.edge import HttpEdge
from questline.api.http.input_guard import install_data_error_handler
from questline.api.http.operation_ids import operation_id
from questline.api.http.outages import install_outage_handlers
from questline.api.http.problems import install_problem_handlers
from questline.api.http.rate_limits import RateLimits
from questline.api.http.sessions import check_session_routes
from questline.auth.key_cache import KeyCache
from questline.auth.keys import Scope
from questline.auth.throttle import Throttle
from questline.composition import extend_worker
from questline.leaderboards.wiring import (
    build_leaderboards,
    close_leaderboard_reads,
    close_leaderboards,
    prepare_leaderboards,
)
from questline.learning import routes as learning_routes
from questline.learning.openapi_examples import course_docs
from questline.learning.privacy import LearningData
from questline.metrics import record_processed
from questline.notifications import routes as notification_routes
from questline.notifications import service as notification_service
from questline.notifications import webhook_routes
from questline.notifications import wiring as notifications
from questline.processing.backfill import Backfiller, BackfillReport, BackgroundBackfill
from questline.processing.designs import DesignCache
from questline.processing.dispatch import (
    Dispatcher,
    InProcessDispatcher,
    NoDispatcher,
    ProcessDispatcher,
)
from questline.processing.dry_runs import BackgroundDryRuns, DryRunner
from questline.processing.periodic import EmbeddedScheduler, JobContext
from questline.processing.rarity import RarityCache
from questline.processing.score_cache import build_score_cache
from questline.processing.worker import Worker
from questline.settings import Settings, get_settings
from questline.social import routes as social_routes
from questline.social import wiring as social
from questline.social.service import Notifier
from questline.storage.apps import DEFAULT_APP, SettingsCache, ensure_app, ensure_key
from questline.storage.database import Database
from questline.storage.schema import check_schema
from questline.web import routes as web_routes
from questline.web.console import routes as console_routes

log = logging.getLogger(__name__)


def build_context(settings: Settings) -> Context:
    database = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    designs = DesignCache()
    worker = Worker(database, designs)
    worker.on_processed(record_processed)
    dispatcher: Dispatcher
    backfill: Backfiller | None = None
    dry_runner: DryRunner = BackgroundDryRuns(database, designs)
    if settings.processing == "celery":
        from questline.processing.distributed import (
            CeleryBackfill,
            CeleryDispatcher,
            CeleryDryRuns,
        )

        dispatcher = CeleryDispatcher(settings)
        backfill = CeleryBackfill(dispatcher.celery)
        dry_runner = CeleryDryRuns(dispatcher.celery)
    elif settings.processing == "thread":
        dispatcher = InProcessDispatcher(
            worker,
            poll_seconds=settings.worker_poll_seconds,
            batch=settings.worker_batch_size,
            linger_seconds=settings.worker_linger_seconds,
        )
    elif settings.processing == "process":
        dispatcher = ProcessDispatcher(
            settings.database_url,
            sqlite_synchronous=settings.sqlite_synchronous,
            poll_seconds=settings.worker_poll_seconds,
            batch=settings.worker_batch_size,
            redis_url=settings.redis_url,
            extend=partial(extend_worker, settings=settings),
        )
    else:
        dispatcher = NoDispatcher()
    score_cache = build_score_cache(settings)
    # A processed event may move any of its player's scores: drop them after commit.
    worker.on_processed(lambda results: score_cache.invalidate({r.player_id for r in results}))
    rarity = RarityCache()
    worker.on_processed(rarity.after_batch)
    throttle = Throttle(settings.redis_url)
    rate_limits = RateLimits(
        throttle,
        SettingsCache(database),
        per_key=settings.rate_limit_per_key,
        per_player=settings.rate_limit_per_player,
    )
    reader = build_leaderboards(
        database,
        settings.redis_url,
        worker,
        page_cache_seconds=settings.leaderboard_cache_seconds,
    )
    if backfill is None:

        def backfilled(app_id: int, report: BackfillReport) -> None:
            rarity.invalidate([app_id])
            score_cache.invalidate(report.rewarded)  # rewards can move a score's inputs

        backfill = BackgroundBackfill(database, designs, on_done=backfilled, project=worker.project)
    context = Context(
        settings,
        database,
        designs,
        worker,
        dispatcher,
        reader,
        score_cache,
        rarity,
        throttle,
        rate_limits,
        KeyCache(ttl=settings.key_cache_seconds),
        _embedded_scheduler(settings, database, worker, backfill, dry_runner),
        backfill,
        dry_runner,
        # Modules: what they hold about players goes with the privacy endpoints.
        player_data=[LearningData()],
    )
    notes = notifications.install(context)
    social.install(context, notify=_cheer_notifier(notes))
    analytics.install(context)
    return context


def _cheer_notifier(notes: notifications.Notifications) -> Notifier:
    """A cheered player is told through the notifications module's own service."""

    def notify(
        session: Session, player_id: int, title: Mapping[str, str], data: dict[str, Any], key: str
    ) -> None:
        notification_service.notify(
            session,
            notes.outlets,
            player_id=player_id,
            kind="cheer",
            title=title,
            data=data,
            dedupe_key=key,
        )

    return notify


def _embedded_scheduler(
    settings: Settings,
    database: Database,
    worker: Worker,
    backfill: Backfiller,
    dry_runs: DryRunner,
) -> EmbeddedScheduler | None:
    if settings.processing == "celery" or not settings.embedded_jobs:
        return None  # distributed: `questline scheduler` (Celery beat) runs them
    return EmbeddedScheduler(JobContext(settings, database, worker, backfill, dry_runs))


def bootstrap(context: Context) -> None:
    """Make sure the default app exists, and the bootstrap admin key if one is set.
    Several API processes start at once: one that loses the race to create them finds
    them created on its second look."""
    try:
        _bootstrap(context)
    except IntegrityError:
        _bootstrap(context)


def _bootstrap(context: Context) -> None:
    with context.database.transaction() as session:
        app = ensure_app(session, DEFAULT_APP, "Default app")
        if context.settings.bootstrap_key is not None:
            ensure_key(
                session,
                app,
                secret=context.settings.bootstrap_key.get_secret_value(),
                name="bootstrap",
                scopes=[Scope.ADMIN.value],
            )


def _prepare(context: Context) -> None:
    check_schema(context.database.engine)
    bootstrap(context)
    prepare_leaderboards(context.leaderboards, context.database)


def _stop_work(context: Context) -> None:
    """Waits for the jobs, the backfill, dry runs and the worker in hand to finish."""
    if context.scheduler is not None:
        context.scheduler.stop()
    if context.backfill is not None:
        context.backfill.wait()
    context.dry_runs.wait()
    context.dispatcher.stop()
    context.scores.close()


def _release(context: Context) -> None:
    close_leaderboards(context.leaderboards)
    context.database.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context = build_context(settings)
        # Off the event loop, as all database work is (it serves the health checks).
        try:
            await run_in_threadpool(_prepare, context)
        except Exception:
            context.database.dispose()
            raise
        app.state.questline = context
        context.dispatcher.start()
        if context.scheduler is not None:
            context.scheduler.start()
        for module in context.modules.values():
            module.start()
        try:
            yield
        finally:
            for module in context.modules.values():
                await module.stop()
            await run_in_threadpool(_stop_work, context)
            await close_leaderboard_reads(context.leaderboards)
            if context.rate_limits is not None:
                await context.rate_limits.throttle.aclose()
            await run_in_threadpool(_release, context)

    app = FastAPI(
        title="Questline",
        version=__version__,
        summary="A self-hostable gamification engine",
        description="Send what your users did; get points, levels and their explanations back.",
        lifespan=lifespan,
        docs_url=None,  # docs_ui serves /docs and /redoc from files of its own, not a CDN
        redoc_url=None,
        # auth.policy decides, for every route, who may call it.
        dependencies=[Depends(authorize)],
        generate_unique_id_function=operation_id,  # short, stable names for clients
        # Requests are recorded by the access log and `/metrics` (the HTTP edge). FastAPI's
        # OpenTelemetry bridge, with nothing configured, still looked up three global
        # providers on every request: a few per cent of a single event's CPU, for nothing.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_problem_handlers(app)
    openapi_docs.install(app, course_docs)
    docs_ui.install(app)
    install_data_error_handler(app)
    install_outage_handlers(app)
    for module in (
        event_previews,
        events,
        players,
        config,
        items,
        health,
        metrics,
        leaderboards,
        leagues,
    ):
        app.include_router(module.router)
    for module in (achievements, streaks, quests, scores, grants, dry_runs, config_schedules):
        app.include_router(module.router)
    for module in (shop, purchases, inventory, wallet):
        app.include_router(module.router)
    for module in (auth, apps, keys, users, player_tokens, privacy, audit):
        app.include_router(module.router)
    app.include_router(apps.branding_router)
    app.include_router(learning_routes.router)  # the learning module
    app.include_router(analytics_routes.router)  # the analytics module
    app.include_router(notification_routes.router)
    app.include_router(webhook_routes.router)
    app.include_router(social_routes.router)
    web_routes.install(app)  # the player pages and widgets (after the problem handlers)
    console_routes.install(app)  # the web console (after the player pages' handlers)
    # Request ids, the access record, CORS, rate-limit headers, the 500 safety net, body
    # limits, unstorable text and the time limit: one layer (see its module for the order).
    app.add_middleware(
        HttpEdge,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_seconds=settings.body_timeout_seconds,
        seconds=settings.request_timeout_seconds,
    )
    if settings.trusted_proxies:
        # Outermost, so that everything inside sees the client the proxy names. The server
        # itself believes no forwarding header (`questline serve` turns uvicorn's off).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


def serve_app() -> FastAPI:
    """The app `questline serve` runs (also as a factory in each of several processes)."""
    from questline.logs import configure_logging
    from questline.processing.dispatch import relax_garbage_collection

    settings = get_settings()
    # `questline serve --workers N` spawns each process afresh: nothing of the parent's
    # logging carries over, so each one sets up the same handler for itself.
    configure_logging(settings.log_level, settings.log_format)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the start-up schema check
    app = create_app(settings)
    # Checked, and every route's state built, before the first request rather than on the
    # event loop at the first request to each router; tests check it once
    # (tests/integration/test_session_routes.py) instead of for every app they make.
    check_session_routes(app)
    relax_garbage_collection()
    return app
