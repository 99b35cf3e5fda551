"""Whose address a request comes from, as `questline serve` decides it: the address that
connected, unless it is a proxy the operator listed in QUESTLINE_TRUSTED_PROXIES. Run as an
operator runs it, since the server's own handling of forwarding headers is what is tested."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import JWT_SECRET
from tests.support.processes import QuestlineProcess, free_port, start_api

# Which database holds the users does not matter here: one is enough.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@contextmanager
def serving(database_url: str, workdir: Path, **settings: str) -> Iterator[tuple[str, Path]]:
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": database_url,
        "QUESTLINE_JWT_SECRET": JWT_SECRET,
        "QUESTLINE_LOGIN_LIMIT_PER_IP": "3 per minute",
        "QUESTLINE_EMBEDDED_WORKER": "off",
        "QUESTLINE_EMBEDDED_JOBS": "false",
        "QUESTLINE_TRUSTED_PROXIES": "",
        **settings,
    }
    env.pop("QUESTLINE_REDIS_URL", None)
    port = free_port()
    api: QuestlineProcess = start_api(env, workdir, "serve", port)
    try:
        yield f"http://127.0.0.1:{port}", api.log
    finally:
        api.stop()


def sign_ins(base: str, forwarded_for: list[str]) -> list[int]:
    """One wrong sign-in per address claimed, each for an account of its own."""
    return [
        httpx.post(
            f"{base}/v1/auth/login",
            json={"email": f"guess{n}@example.com", "password": "guess"},
            headers={"X-Forwarded-For": address},
            timeout=30,
        ).status_code
        for n, address in enumerate(forwarded_for)
    ]


def test_a_local_client_cannot_choose_its_address_to_dodge_the_sign_in_limit(
    database_url: str, tmp_path: Path
) -> None:
    # Even with uvicorn's own variable saying to believe everyone.
    with serving(database_url, tmp_path, FORWARDED_ALLOW_IPS="*") as (base, log):
        statuses = sign_ins(base, ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"])
    assert statuses == [401, 401, 401, 429]
    assert "FORWARDED_ALLOW_IPS is ignored" in log.read_text()


def test_behind_a_listed_proxy_each_forwarded_client_counts_for_itself(
    database_url: str, tmp_path: Path
) -> None:
    with serving(database_url, tmp_path, QUESTLINE_TRUSTED_PROXIES="127.0.0.1") as (base, _):
        rotating = sign_ins(base, ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"])
        one_client = sign_ins(base, ["198.51.100.7"] * 4)
    assert rotating == [401] * 4
    assert one_client == [401, 401, 401, 429]
