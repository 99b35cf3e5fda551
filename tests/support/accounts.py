"""Console users made directly in the database, for tests that need one per role."""

from __future__ import annotations

from functools import cache

from questline.auth.passwords import hash_password
from questline.auth.policy import Role
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.users import create_user, find_user, set_role

PASSWORD = "correct horse battery staple"


@cache
def _password_hash() -> str:
    """One hash of the test password for every user: argon2 is slow on purpose."""
    return hash_password(PASSWORD)


def add_user(database_url: str, email: str, role: Role, app: str = "default") -> None:
    database = Database(database_url)
    try:
        with database.transaction() as session:
            user = find_user(session, email) or create_user(session, email, _password_hash())
            set_role(session, user, ensure_app(session, app).id, role)
    finally:
        database.dispose()
