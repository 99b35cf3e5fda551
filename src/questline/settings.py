"""All configuration, from QUESTLINE_* environment variables (or a .env file)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from questline.auth.request_limits import REQUEST_LIMIT_FLOOR, parse_limit, parse_request_limit


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUESTLINE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/questline.db",
        description="SQLite file (embedded default) or postgresql+psycopg://user@host/db",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:port/db — set it to run distributed: Celery broker,"
        " leaderboards, caches, rate limits and live fan-out move to Redis",
    )
    bootstrap_key: SecretStr | None = Field(
        default=None, description="an admin API key for the default app, created at start"
    )
    jwt_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="signs console access tokens and player tokens; unset: console login"
        " and player tokens are unavailable (`make run` writes one to var/jwt.secret)",
    )
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=7, ge=1, le=90)
    console_session_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="how long a web console sign-in lasts"
    )
    player_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    login_limit_per_account: str = Field(
        default="10 per 15 minutes", description="failed console logins allowed per email"
    )
    login_limit_per_ip: str = Field(
        default="50 per 15 minutes", description="failed console logins allowed per client IP"
    )
    rate_limit_per_key: str | None = Field(
        default=None,
        description="requests allowed per API key or console user (e.g. `6000/minute`, at"
        f" least {REQUEST_LIMIT_FLOOR}), unless the app sets its own; unset: no limit (keys"
        " live on trusted servers)",
    )
    rate_limit_per_player: str = Field(
        default="120/minute",
        description=f"requests allowed per player token (at least {REQUEST_LIMIT_FLOOR}),"
        " unless the app sets its own",
    )
    request_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="an endpoint that has not begun answering by then gets 503 `timeout`",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="a request whose body has not fully arrived by then (counted from its"
        " start) gets 408 and its connection is closed: stalled uploads do not hold the server",
    )
    key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="how long a server process remembers an API key it looked up; a key"
        " revoked elsewhere stops working here within this time (0: look up every request)",
    )
    leaderboard_cache_seconds: float = Field(
        default=0.25,
        ge=0,
        le=0.5,
        description="with Redis: how long a server process answers a page of a current"
        " leaderboard again without asking Redis; writes of this process show at once,"
        " those of other processes within this time (0: ask every request)",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="addresses or networks (comma-separated: `10.0.0.5,10.1.0.0/16`) of the"
        " reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed;"
        " empty: none, every client is the address that connected",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="json: one object per line, with the request id; text: readable lines;"
        " auto: text when standard error is a terminal, else json",
    )
    log_tasks: bool = Field(
        default=False,
        description="distributed: log two lines per Celery task (received, succeeded);"
        " failures are logged either way",
    )
    max_body_bytes: int = 1024 * 1024
    # FULL survives power loss; NORMAL (in WAL mode) survives a process crash only.
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL"] = "FULL"
    embedded_worker: Literal["auto", "thread", "process", "off"] = Field(
        default="auto",
        description="where events are processed: auto (Celery workers when redis_url is set,"
        " else a thread of the server), a background thread, a child process of the server"
        " (a core of its own), or off (another process runs the worker)",
    )
    worker_batch_size: int = Field(default=2000, ge=1, le=5000)
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_linger_seconds: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="after a wake-up, how long the embedded worker thread waits for more"
        " events to batch with (latency of background processing, not of the API)",
    )
    score_cache_ttl_seconds: float = Field(
        default=300.0,
        gt=0,
        description="how long a computed score may be served from the cache; entries are"
        " dropped as soon as the player's events are processed, this is a safety net",
    )
    embedded_jobs: bool = Field(
        default=True,
        description="embedded mode: run the periodic jobs (leaderboard runs, league"
        " rollovers, resumed backfills) in a thread of the server; distributed mode runs them in"
        " `questline scheduler`",
    )
    backfill_after_publish: bool = Field(
        default=True,
        description="after a design is published, award in the background the achievements"
        " players already qualify for (a worker runs it in distributed mode), and resume"
        " such a run that stopped in the middle",
    )
    # The learning module's spaced repetition; each app may set its own (PUT
    # /v1/learning/settings).
    learning_desired_retention: float = Field(
        default=0.9,
        ge=0.7,
        le=0.99,
        description="the chance of recall FSRS schedules reviews for: higher means more reviews",
    )
    learning_maximum_interval_days: int = Field(
        default=36500, ge=1, le=36500, description="the longest time between two reviews of a card"
    )
    learning_new_cards_per_day: int = Field(
        default=20, ge=0, le=1000, description="new cards a player's review queue offers a day"
    )
    learning_fuzz: bool = Field(
        default=True,
        description="spread review intervals a little (FSRS fuzz) so that cards learned"
        " together do not keep falling due together",
    )
    notification_retention_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="notifications, and finished webhook deliveries, older than this are deleted",
    )
    notification_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="how often a server reads for its live streams what no wake-up"
        " announced (written by another process without Redis, or a lost wake-up)",
    )
    notification_ping_seconds: float = Field(
        default=15.0, gt=0, le=300, description="heartbeat interval of live streams"
    )
    notification_stream_seconds: float = Field(
        default=300.0,
        gt=0,
        le=86400,
        description="a live stream ends after this long; EventSource reconnects at once"
        " with Last-Event-ID (so a revoked or expired token stops being served)",
    )
    webhook_allowed_networks: str = Field(
        default="",
        description="networks webhooks may go to although they are not public, e.g."
        " `10.0.0.0/8, 127.0.0.1/32` (unset: public addresses only)",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="time limit of connecting, and of each read"
    )
    webhook_concurrency: int = Field(
        default=8, ge=1, le=256, description="deliveries in flight at once, per sender"
    )
    webhook_retry_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 7,
        description="failed deliveries are retried for this long; an endpoint failing"
        " for this long is disabled",
    )
    # Distributed mode (QUESTLINE_REDIS_URL set): Celery workers and beat.
    worker_shards: int = Field(
        default=16,
        ge=1,
        le=1024,
        description="players are split into this many shards; a shard is drained by one"
        " Celery task at a time, so it bounds how many workers can share the load",
    )
    sweep_every_seconds: float = Field(
        default=10.0, gt=0, description="how often beat looks for events left pending"
    )
    sweep_grace_seconds: float = Field(
        default=30.0,
        ge=0,
        description="an event still pending this long after it was received is processed"
        " by the sweep (its dispatch was lost)",
    )
    scheduler_state: str = Field(
        default="var/celerybeat-schedule", description="where Celery beat keeps its state"
    )

    @field_validator("rate_limit_per_key", "rate_limit_per_player")
    @classmethod
    def _a_request_limit(cls, value: str | None) -> str | None:
        if value is not None:
            parse_request_limit(value)  # ValueError if it is not one, or below the floor
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _addresses(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for entry in value:
                if entry != "*":
                    ipaddress.ip_network(entry, strict=False)  # ValueError if not one
        return value

    @field_validator("login_limit_per_account", "login_limit_per_ip")
    @classmethod
    def _a_limit(cls, value: str) -> str:
        parse_limit(value)
        return value

    @property
    def processing(self) -> Literal["celery", "thread", "process", "off"]:
        """Who processes events: Celery workers, or the server (a thread or a child)."""
        if self.embedded_worker == "auto":
            return "celery" if self.redis_url else "thread"
        return self.embedded_worker


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
