"""Nothing lost, with real processes: the server SIGKILLed while its sender is in the
middle of deliveries. Every notification is still there and every webhook is delivered
at least once, with the same webhook-id (and body) each time it is sent."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.conftest import ADMIN_KEY
from tests.integration.conftest import JWT_SECRET
from tests.support.processes import free_port, start_api
from tests.support.receiver import Receiver

pytestmark = pytest.mark.slow
DESIGN = """
currencies: {xp: {name: XP}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""
EVENTS = 30


def serve_env(database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": database_url,
        "QUESTLINE_BOOTSTRAP_KEY": ADMIN_KEY,
        "QUESTLINE_JWT_SECRET": JWT_SECRET,
        "QUESTLINE_SQLITE_SYNCHRONOUS": "NORMAL",
        "QUESTLINE_WORKER_POLL_SECONDS": "0.05",
        "QUESTLINE_EMBEDDED_JOBS": "false",
        "QUESTLINE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        # An attempt's time limit; a dead sender's deliveries are taken again after
        # six times this and 5 s.
        "QUESTLINE_WEBHOOK_TIMEOUT_SECONDS": "1",
        "QUESTLINE_LOG_LEVEL": "warning",
    }
    env.pop("QUESTLINE_REDIS_URL", None)
    return env


def wait_until(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_server_killed_mid_delivery_loses_no_notification_and_resends_each_webhook_as_itself(
    database_url: str, tmp_path: Path
) -> None:
    env = serve_env(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with Receiver() as receiver:
        first = start_api(env, tmp_path, "first", port)
        try:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
                published = http.put(
                    "/v1/config", content=DESIGN, headers={"Content-Type": "application/yaml"}
                )
                assert published.status_code == 201, published.text
                wanted = {"url": receiver.url, "events": ["notification.created"]}
                endpoint = http.post("/v1/webhooks", json=wanted).json()
                receiver.hold()  # the receiver takes requests and does not answer them
                for n in range(1, EVENTS + 1):
                    body = {"id": f"e{n}", "type": "did", "player": f"p{n % 3}"}
                    event = {**body, "properties": {"n": n}}
                    assert http.post("/v1/events", json=event).status_code == 202
                wait_until(lambda: receiver.held >= 2, 60, "deliveries in flight")
        finally:
            first.kill()  # SIGKILL: no shutdown, deliveries in the middle of their attempt
        in_flight = {r.id for r in receiver.requests()}
        receiver.release()

        second = start_api(env, tmp_path, "second", port)
        try:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:

                def all_delivered() -> list[dict[str, Any]] | None:
                    found = http.get(
                        f"/v1/webhooks/{endpoint['id']}/deliveries", params={"limit": 500}
                    ).json()["data"]
                    done = len(found) == EVENTS and all(d["status"] == "succeeded" for d in found)
                    return found if done else None

                delivered = wait_until(all_delivered, 120, "every delivery to succeed")
                inbox = [
                    n
                    for player in ("p0", "p1", "p2")
                    for n in http.get(
                        f"/v1/players/{player}/notifications", params={"limit": 500}
                    ).json()["data"]
                ]
        finally:
            second.kill()

    # Every notification exists, once.
    assert sorted(n["event_id"] for n in inbox) == sorted(f"e{n}" for n in range(1, EVENTS + 1))
    # Every delivery reached the receiver, signed, under its one id and body.
    verifier = Webhook(endpoint["secret"])
    bodies: dict[str, bytes] = {}
    for request in receiver.requests():
        verifier.verify(request.body, request.headers)
        assert bodies.setdefault(request.id, request.body) == request.body
    assert {d["message_id"] for d in delivered} == set(bodies)
    about = sorted(json.loads(body)["data"]["event"]["id"] for body in bodies.values())
    assert about == sorted(f"e{n}" for n in range(1, EVENTS + 1))
    # What was in flight when the server died was sent again after the restart.
    resent = [r.id for r in receiver.requests() if r.id in in_flight]
    assert in_flight
    assert all(resent.count(message) >= 2 for message in in_flight)
