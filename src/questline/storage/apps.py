"""Apps (tenants) and their API keys."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from questline.auth.keys import display_prefix, generate_key, hash_key
from questline.auth.request_limits import REQUEST_LIMIT_FLOOR, parse_limit, parse_request_limit
from questline.branding import Brand
from questline.engine.periods import is_valid_zone
from questline.errors import Conflict
from questline.storage import audit
from questline.storage.audit import Actor
from questline.storage.models import ApiKey, App

if TYPE_CHECKING:
    from questline.storage.database import Database

DEFAULT_APP = "default"
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
# A logo: an https address, or a path on this server. Neither may hold a quote, a space,
# `;` or `,`: the pages name the logo's origin in their Content-Security-Policy.
_LOGO = re.compile(
    r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/+=&?!:@-]*)?"
    r"|/(?!/)[A-Za-z0-9._~%/-]*"
)
# Writing last_used_at on every request would make every read a write.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def get_app(session: Session, slug: str) -> App | None:
    return session.scalar(select(App).where(App.slug == slug))


def ensure_app(session: Session, slug: str = DEFAULT_APP, name: str | None = None) -> App:
    app = get_app(session, slug)
    if app is None:
        app = App(slug=slug, name=name or slug.title(), created_at=datetime.now(UTC))
        session.add(app)
        session.flush()
    return app


def create_key(
    session: Session,
    app: App,
    *,
    name: str,
    scopes: list[str],
    secret: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Store a key (hashed) and return it with its secret, which is shown only now."""
    secret = secret or generate_key()
    key = ApiKey(
        app_id=app.id,
        name=name,
        prefix=display_prefix(secret),
        secret_hash=hash_key(secret),
        scopes=scopes,
        created_at=datetime.now(UTC),
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return key, secret


def ensure_key(session: Session, app: App, *, secret: str, name: str, scopes: list[str]) -> ApiKey:
    existing = find_key(session, secret)
    if existing is not None:
        return existing
    key, _ = create_key(session, app, name=name, scopes=scopes, secret=secret)
    return key


def find_key(session: Session, secret: str) -> ApiKey | None:
    return find_key_by_hash(session, hash_key(secret))


def find_key_by_hash(session: Session, secret_hash: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.secret_hash == secret_hash))


def needs_touch(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a key's last-used time is worth writing (at most once a minute per key)."""
    return last_used_at is None or now - last_used_at > _LAST_USED_RESOLUTION


def touch_key(session: Session, key_id: int, now: datetime) -> None:
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


class AppSettings(BaseModel):
    """What each app decides for itself: access, the zone its analytics count in, and the
    brand its player pages and widgets wear."""

    model_config = ConfigDict(extra="forbid")

    player_event_types: list[str] = Field(
        default_factory=list,
        description="event types a player token may submit for its own player; empty: none",
        max_length=100,
    )
    rate_limit_per_key: str | None = Field(
        default=None,
        description="requests allowed per API key or console user, e.g. `600/minute`, at"
        f" least {REQUEST_LIMIT_FLOOR}; unset: the server's default",
        max_length=100,
    )
    rate_limit_per_player: str | None = Field(
        default=None,
        description="requests allowed per player token, e.g. `60/minute`, at least"
        f" {REQUEST_LIMIT_FLOOR}; unset: the server's default",
        max_length=100,
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="browser origins allowed to call the API for this app",
        max_length=100,
    )
    time_zone: str = Field(
        default="UTC",
        description="the IANA time zone whose days, weeks and months analytics count in",
        max_length=64,
    )
    brand_name: str | None = Field(
        default=None,
        description="the name the player pages show in their header; unset: none",
        min_length=1,
        max_length=60,
    )
    brand_color: str | None = Field(
        default=None,
        description="the accent colour of the player pages and widgets, `#rrggbb`; shown"
        " darker or lighter where a theme needs it to stay readable; unset: Questline's",
        max_length=7,
    )
    brand_logo_url: str | None = Field(
        default=None,
        description="the logo the player pages show: an `https://` address, or a path on"
        " this server such as `/play/static/demo-logo.svg`; unset: none",
        max_length=500,
    )

    @property
    def brand(self) -> Brand:
        return Brand(self.brand_name, self.brand_color, self.brand_logo_url)

    @field_validator("rate_limit_per_key", "rate_limit_per_player")
    @classmethod
    def _a_limit(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            try:
                parse_limit(value)
            except ValueError:
                raise ValueError("not a rate limit such as '600/minute'") from None
            if not (info.context or {}).get("stored"):
                parse_request_limit(value)  # raises ValueError below the floor
        return value

    @classmethod
    def stored(cls, raw: dict[str, Any] | None) -> AppSettings:
        """Settings as the database holds them. A limit stored before the floor existed
        is shown as it is (and enforced at the floor, see ``request_limits.applied_limit``)."""
        return cls.model_validate(raw or {}, context={"stored": True})

    @field_validator("time_zone")
    @classmethod
    def _a_zone(cls, value: str) -> str:
        if not is_valid_zone(value):
            raise ValueError(f"'{value}' is not an IANA time zone such as Europe/Paris")
        return value

    @field_validator("brand_color")
    @classmethod
    def _a_color(cls, value: str | None) -> str | None:
        if value is not None and not _COLOR.fullmatch(value):
            raise ValueError(f"'{value}' is not a colour written as #rrggbb, such as #0f766e")
        return value.lower() if value is not None else None

    @field_validator("brand_logo_url")
    @classmethod
    def _a_logo(cls, value: str | None) -> str | None:
        if value is not None and not _LOGO.fullmatch(value):
            raise ValueError(
                f"'{value}' is neither an https:// address nor a path on this server"
                " such as /play/static/logo.svg"
            )
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(f"'{origin}' is not an origin such as https://app.example.com")
        return value


# Read by every player page: built once (building and keying a statement cost more than
# running it).
_SETTINGS = select(App.settings).where(App.id == bindparam("app_id"))


def app_settings(database: Database, app_id: int) -> AppSettings:
    with database.reader() as session:
        return settings_of(session, app_id)


class SettingsCache:
    """Each app's settings as a server process reads them for every request (its limits,
    its CORS origins, its pages' brand): read at most every ``ttl`` seconds per app. The
    process that replaces them forgets them at once; another process sees the change
    within ``ttl`` seconds."""

    def __init__(self, database: Database, *, ttl: float = 10.0) -> None:
        self.database = database
        self.ttl = ttl
        self._cache: dict[int, tuple[float, AppSettings]] = {}
        self._lock = threading.Lock()

    def get(self, app_id: int, session: Session | None = None) -> AppSettings:
        """The app's settings, read with ``session`` (or a reader of its own) when not
        in memory."""
        found = self.in_memory(app_id)
        if found is not None:
            return found
        found = (
            app_settings(self.database, app_id) if session is None else settings_of(session, app_id)
        )
        with self._lock:
            self._cache[app_id] = (time.monotonic() + self.ttl, found)
        return found

    def in_memory(self, app_id: int) -> AppSettings | None:
        """The app's settings if they are in memory and fresh, else None (no I/O: for
        the event loop). Taken once and passed on: asked again a moment later, they could
        have expired."""
        with self._lock:
            cached = self._cache.get(app_id)
        return cached[1] if cached is not None and cached[0] > time.monotonic() else None

    def forget(self, app_id: int) -> None:
        with self._lock:
            self._cache.pop(app_id, None)


def settings_of(session: Session, app_id: int) -> AppSettings:
    return AppSettings.stored(session.scalar(_SETTINGS, {"app_id": app_id}))


def create_app(session: Session, slug: str, name: str) -> App:
    if get_app(session, slug) is not None:
        raise Conflict(f"an app with id '{slug}' already exists")
    return ensure_app(session, slug, name)


def apps_by_id(session: Session, app_ids: list[int]) -> list[App]:
    return list(session.scalars(select(App).where(App.id.in_(app_ids)).order_by(App.id)))


def replace_settings(
    session: Session, app: App, settings: AppSettings, who: Actor | str
) -> AppSettings:
    """Replace the app's access settings (omitted ones back to their defaults), audited."""
    before = AppSettings.stored(app.settings)
    app.settings = settings.model_dump(mode="json", exclude_defaults=True)
    audit.record(
        session,
        who,
        "app.settings",
        "app",
        app.slug,
        before=before.model_dump(mode="json"),
        after=settings.model_dump(mode="json"),
        app_id=app.id,
    )
    return settings


def brand_if_unbranded(session: Session, app: App, brand: dict[str, Any], who: str) -> bool:
    """Give the app a brand (``name``, ``color``, ``logo_url``) unless it has one already
    (a demo loaded again leaves a brand someone chose alone). True when given."""
    current = AppSettings.stored(app.settings)
    if current.brand != Brand():
        return False
    wanted = AppSettings.model_validate(
        {
            **current.model_dump(mode="json", exclude_defaults=True),
            **{f"brand_{part}": value for part, value in brand.items()},
        }
    )
    replace_settings(session, app, wanted, who)
    return True


def keys_page(
    session: Session, app_id: int, *, after_id: int | None, limit: int | None = None
) -> list[ApiKey]:
    """The app's keys, oldest first: a page of `limit` of them, or all."""
    statement = select(ApiKey).where(ApiKey.app_id == app_id)
    if after_id is not None:
        statement = statement.where(ApiKey.id > after_id)
    return list(session.scalars(statement.order_by(ApiKey.id).limit(limit)))


def get_key(session: Session, app_id: int, key_id: int) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.app_id == app_id, ApiKey.id == key_id))


def revoke_key(key: ApiKey, now: datetime) -> None:
    if key.revoked_at is None:
        key.revoked_at = now
