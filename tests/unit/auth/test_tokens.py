"""Signed tokens: a token once verified is remembered by its text, never beyond its expiry
and never for another text or another secret."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from questline.auth import tokens
from questline.auth.tokens import TokenType, issue, verify
from questline.errors import Unauthorized

SECRET = "a-secret-long-enough-for-hs256-0123456789abcdef"


def test_a_verified_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token, _ = issue(
        SECRET, TokenType.PLAYER, subject="ana", app_id=1, lifetime=timedelta(minutes=5)
    )
    assert verify(SECRET, token)["sub"] == "ana"
    assert verify(SECRET, token)["sub"] == "ana"  # now from memory
    later = time.time() + 301
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(Unauthorized, match="expired"):
        verify(SECRET, token)


def test_a_remembered_token_does_not_vouch_for_another_text_or_secret() -> None:
    token, _ = issue(
        SECRET, TokenType.PLAYER, subject="ana", app_id=1, lifetime=timedelta(minutes=5)
    )
    verify(SECRET, token)
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    with pytest.raises(Unauthorized, match="not one this server signed"):
        verify(SECRET, forged)
    with pytest.raises(Unauthorized, match="not one this server signed"):
        verify(SECRET + "-rotated", token)


def test_the_claims_handed_out_cannot_change_the_remembered_ones() -> None:
    token, _ = issue(
        SECRET, TokenType.PLAYER, subject="ana", app_id=1, lifetime=timedelta(minutes=5)
    )
    verify(SECRET, token)["sub"] = "bea"
    assert verify(SECRET, token)["sub"] == "ana"
