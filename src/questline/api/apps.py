"""/v1/apps: the tenants one server hosts, and each app's access settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from questline.api.http.deps import Authorized, ContextDep, ReadSessionDep, SessionDep
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.auth.policy import Role
from questline.auth.principals import Principal, PrincipalKind
from questline.errors import Forbidden, NotFound
from questline.storage import audit
from questline.storage.apps import (
    AppSettings,
    apps_by_id,
    create_app,
    get_app,
    replace_settings,
)
from questline.storage.database import after_commit
from questline.storage.models import App, Membership
from questline.storage.users import apps_of, role_in

router = APIRouter(prefix="/v1/apps", tags=["apps"], route_class=SessionRoute)
# Not under /v1/apps/{id}: a player token (of one app, which it does not name) reads it too.
branding_router = APIRouter(tags=["apps"], route_class=SessionRoute)

AppSlug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class AppIn(BaseModel):
    """A new app (tenant)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"id": "fitness", "name": "Fitness tracker"}]},
    )

    id: AppSlug = Field(description="the app's id: lower-case letters, digits and dashes")
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="a name people read"
    )


class AppOut(BaseModel):
    """An app and its access settings."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "fitness",
                    "name": "Fitness tracker",
                    "created_at": "2026-11-21T16:35:51Z",
                    "settings": {"player_event_types": ["workout.logged"]},
                }
            ]
        },
    )

    id: str = Field(validation_alias="slug", description="the app's id")
    name: str
    created_at: datetime
    settings: AppSettings

    @field_validator("settings", mode="before")
    @classmethod
    def _as_stored(cls, raw: object) -> object:
        # The column's JSON, read as stored settings (a limit below today's floor stays).
        return AppSettings.stored(raw) if raw is None or isinstance(raw, dict) else raw


class AppList(BaseModel):
    """The apps the caller belongs to."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "id": "default",
                            "name": "Default app",
                            "created_at": "2026-11-21T16:35:51Z",
                            "settings": {},
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    data: list[AppOut]
    next_cursor: str | None = None


class AccentOut(BaseModel):
    """The brand colour as each theme shows it: as readable as text must be there."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"light": "#0f766e", "dark": "#3f918b"}]}
    )

    light: str
    dark: str


class BrandingOut(BaseModel):
    """The brand the app's player pages and widgets wear (each part null where unset)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "SkillQuest",
                    "color": "#0f766e",
                    "logo_url": "/play/static/demo-logo.svg",
                    "accent": {"light": "#0f766e", "dark": "#3f918b"},
                }
            ]
        }
    )

    name: str | None
    color: str | None
    logo_url: str | None
    accent: AccentOut | None = Field(description="null: Questline's own accent")


def _visible(session: SessionDep | ReadSessionDep, principal: Principal, slug: str) -> App:
    """An app the caller belongs to: a key's own, or any in which a user has a role."""
    app = get_app(session, slug)
    # Another app's existence is nobody else's business: 404, not 403.
    if app is None or not _belongs(session, principal, app.id):
        raise NotFound(f"no app with id '{slug}'")
    return app


def _belongs(session: SessionDep | ReadSessionDep, principal: Principal, app_id: int) -> bool:
    if app_id == principal.app_id:
        return True
    user_id = principal.user_id
    return user_id is not None and role_in(session, user_id, app_id) is not None


def _own(session: SessionDep, principal: Principal, slug: str) -> App:
    """The app the caller acts in (a console user signs in to one app at a time)."""
    app = _visible(session, principal, slug)
    if app.id != principal.app_id:
        raise Forbidden(
            f'this sign-in acts in another app: sign in with "app": "{slug}" to change this one'
        )
    return app


@router.get("", summary="The apps the caller belongs to")
def list_apps(principal: Authorized, session: ReadSessionDep) -> AppList:
    app_ids = [principal.app_id]
    if principal.kind is PrincipalKind.USER and principal.user_id is not None:
        app_ids = apps_of(session, principal.user_id)
    return AppList(data=[AppOut.model_validate(app) for app in apps_by_id(session, app_ids)])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an app (console owners)",
    responses=problems(409),
)
def post_app(body: AppIn, principal: Authorized, session: SessionDep) -> AppOut:
    app = create_app(session, body.id, body.name)
    if principal.user_id is not None:
        session.add(
            Membership(
                user_id=principal.user_id,
                app_id=app.id,
                role=Role.OWNER.value,
                created_at=app.created_at,
            )
        )
    out = AppOut.model_validate(app)
    audit.record(
        session,
        principal,
        "app.create",
        "app",
        app.slug,
        after=out.model_dump(mode="json"),
        app_id=app.id,
    )
    return out


@router.get("/{app_id}", summary="One app and its access settings")
def get_one(app_id: AppSlug, principal: Authorized, session: ReadSessionDep) -> AppOut:
    return AppOut.model_validate(_visible(session, principal, app_id))


@router.put("/{app_id}/settings", summary="Replace the app's access settings")
def put_settings(
    app_id: AppSlug,
    body: AppSettings,
    principal: Authorized,
    session: SessionDep,
    context: ContextDep,
) -> AppOut:
    app = _own(session, principal, app_id)
    replace_settings(session, app, body, principal)
    after_commit(session, lambda: context.app_settings.forget(app.id))
    return AppOut.model_validate(app)


@branding_router.get("/v1/branding", summary="The brand of the app's player pages and widgets")
def get_branding(
    principal: Authorized, session: ReadSessionDep, context: ContextDep
) -> BrandingOut:
    brand = context.app_settings.get(principal.app_id, session).brand
    light, dark = brand.light, brand.dark
    accent = AccentOut(light=light.accent, dark=dark.accent) if light and dark else None
    return BrandingOut(name=brand.name, color=brand.color, logo_url=brand.logo_url, accent=accent)
