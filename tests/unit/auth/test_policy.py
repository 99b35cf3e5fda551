"""Properties of the access policy that must hold for any grant and any route."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questline.api.access import check
from questline.auth.policy import (
    POLICY,
    ROLE_PERMISSIONS,
    Access,
    Permission,
    Role,
    Scope,
    scope_permissions,
)
from questline.auth.principals import Principal, PrincipalKind
from questline.errors import Forbidden

GUARDED = [access for access in POLICY.values() if access.permission is not None]
scopes = st.sets(st.sampled_from(list(Scope)))


def allowed(principal: Principal, access: Access, player_id: str = "zoe") -> bool:
    try:
        check(access, principal, {"player_id": player_id})
    except Forbidden:
        return False
    return True


def key(granted: set[Scope]) -> Principal:
    values = tuple(scope.value for scope in granted)
    return Principal(1, PrincipalKind.KEY, scope_permissions(values), key_id=1, scopes=values)


def user(role: Role) -> Principal:
    return Principal(1, PrincipalKind.USER, ROLE_PERMISSIONS[role], user_id=1, role=role)


@given(smaller=scopes, extra=scopes)
def test_more_scopes_never_allow_less(smaller: set[Scope], extra: set[Scope]) -> None:
    for access in GUARDED:
        if allowed(key(smaller), access):
            assert allowed(key(smaller | extra), access)


@given(granted=scopes)
def test_the_admin_scope_allows_whatever_any_scope_allows(granted: set[Scope]) -> None:
    for access in GUARDED:
        if allowed(key(granted), access):
            assert allowed(key({Scope.ADMIN}), access)


def test_no_key_can_create_apps_or_manage_users() -> None:
    every_scope = key(set(Scope))
    assert not every_scope.can(Permission.APPS_CREATE)
    assert not every_scope.can(Permission.USERS_MANAGE)


@pytest.mark.parametrize(
    ("lower", "higher"),
    [(Role.VIEWER, Role.EDITOR), (Role.EDITOR, Role.ADMIN), (Role.ADMIN, Role.OWNER)],
)
def test_each_role_can_do_everything_the_one_below_can(lower: Role, higher: Role) -> None:
    assert ROLE_PERMISSIONS[lower] < ROLE_PERMISSIONS[higher]


@given(own=st.text(min_size=1, max_size=20), asked=st.text(min_size=1, max_size=20))
def test_a_player_token_opens_only_its_own_players_routes(own: str, asked: str) -> None:
    player = Principal(1, PrincipalKind.PLAYER, frozenset(), player=own)
    for access in GUARDED:
        # A page names no player in its path: it shows the token's own, whatever is asked.
        # What players see of each other (a board) and of their app (its brand) is open to
        # every player token; the route narrows a shared read where it must.
        expected = (
            access.page
            or (access.own_player and asked == own)
            or access.player_events
            or access.shared
        )
        assert allowed(player, access, player_id=asked) is expected


@given(scopes)
def test_only_a_player_token_opens_a_player_page(granted: set[Scope]) -> None:
    pages = [access for access in GUARDED if access.page]
    assert pages
    for access in pages:
        assert not allowed(key(granted), access)
        assert not allowed(user(Role.OWNER), access)
