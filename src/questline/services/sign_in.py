"""Console sign-in: an email and a password checked, throttled per account and per client
address, for one of the user's apps. The API's token login and the web console's session
both sign in here."""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItem
from sqlalchemy.orm import Session

from questline.auth.attempts import Attempts, Place, Refused
from questline.auth.passwords import hash_password, needs_rehash, verify_password
from questline.auth.policy import Role
from questline.auth.request_limits import parse_limit
from questline.auth.throttle import Throttle, TooManyRequests
from questline.errors import Forbidden, Unauthorized
from questline.settings import Settings
from questline.storage.apps import get_app
from questline.storage.models import App
from questline.storage.users import find_user, first_app, role_in

WRONG_CREDENTIALS = "the email or the password is wrong"


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    email: str
    app: App
    role: Role


class SignIn:
    """The places an attempt holds in the throttle's windows: taken before the password
    is verified and given back unless it turns out wrong, so that concurrent guesses
    cannot all pass a check made before any of them was counted."""

    def __init__(self, settings: Settings, throttle: Throttle, email: str, client_ip: str):
        self._attempts = throttle.attempts
        self._places = _take_places(
            self._attempts,
            (parse_limit(settings.login_limit_per_account), "login-account", _key(email)),
            (parse_limit(settings.login_limit_per_ip), "login-ip", client_ip),
        )
        self._failed = False

    def check(self, session: Session, email: str, password: str, app_slug: str | None) -> SignedIn:
        """The user and their role in the app (by default their first), or 401/403."""
        user = find_user(session, email)
        # Unknown users are checked against a dummy hash: same work, same answer.
        valid = verify_password(user.password_hash if user else None, password)
        if user is None or not valid or user.disabled_at is not None:
            self._failed = True
            raise Unauthorized(WRONG_CREDENTIALS)
        if needs_rehash(user.password_hash):
            # Hashed under older parameters: upgrade while the password is at hand.
            user.password_hash = hash_password(password)
        app = get_app(session, app_slug) if app_slug else None
        app_id = app.id if app else (None if app_slug else first_app(session, user.id))
        role = role_in(session, user.id, app_id) if app_id is not None else None
        if app_id is None or role is None:
            raise Forbidden("this account has no role in that app")
        return SignedIn(user.id, user.email, session.get_one(App, app_id), role)

    def done(self) -> None:
        """Give the places back, unless the password was wrong (then they count)."""
        if not self._failed:
            for place in self._places:
                self._attempts.give_back(place)


def _key(email: str) -> str:
    return email.strip().lower()


def _take_places(attempts: Attempts, *windows: tuple[RateLimitItem, str, str]) -> list[Place]:
    """A place in each window, or 429 (and none held) if any is full."""
    places: list[Place] = []
    for limit, kind, name in windows:
        taken = attempts.take(limit, kind, name)
        if isinstance(taken, Refused):
            for place in places:
                attempts.give_back(place)
            raise TooManyRequests(
                "too many failed sign-ins; try again later", retry_after=taken.retry_after
            )
        places.append(taken)
    return places
