"""Webhooks: an app's endpoints get signed messages of its players' notifications and
effects, retried when the receiver fails, never from the event's own processing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from standardwebhooks.webhooks import Webhook

from questline.api.app import create_app
from questline.notifications.jobs import prune_notifications
from questline.notifications.tables import WebhookEndpoint
from questline.processing.periodic import JobContext
from questline.settings import Settings
from tests.integration.conftest import Api, make_settings
from tests.support.receiver import Receiver

DESIGN = """
currencies:
  xp: {name: XP, levels: {thresholds: [0, 100]}}
rules: [{id: r, name: Practice, on: did, award: {xp: "event.n"}}]
"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Webhooks go to public addresses only, unless the operator allows more: these tests'
    # receiver is on loopback.
    return make_settings(
        database_url, webhook_allowed_networks="127.0.0.0/8", webhook_timeout_seconds=2
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as found:
        yield found


def add_endpoint(api: Api, url: str, events: list[str], **more: Any) -> dict[str, Any]:
    body = {"url": url, "events": events, **more}
    return dict(api.post("/v1/webhooks", json=body, expect=201).json())


def deliveries(api: Api, endpoint: int, **params: Any) -> list[dict[str, Any]]:
    found = api.get(f"/v1/webhooks/{endpoint}/deliveries", params=params, expect=200).json()
    return list(found["data"])


def settled(api: Api, endpoint: int, count: int, timeout: float = 60) -> list[dict[str, Any]]:
    """Wait until `count` deliveries are no longer pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = deliveries(api, endpoint)
        if len(found) >= count and all(d["status"] != "pending" for d in found):
            return found
        time.sleep(0.1)
    raise AssertionError(f"deliveries still pending: {deliveries(api, endpoint)}")


def test_endpoints_are_managed_and_their_secret_shown_only_when_made(
    api: Api, receiver: Receiver
) -> None:
    made = add_endpoint(api, receiver.url, ["notification.created"], description="toasts")
    assert made["secret"].startswith("whsec_")
    assert made["enabled"] is True
    shown = api.get(f"/v1/webhooks/{made['id']}", expect=200).json()
    assert shown["secret"] is None
    assert shown["description"] == "toasts"
    assert [e["id"] for e in api.get("/v1/webhooks", expect=200).json()["data"]] == [made["id"]]

    changed = api.request(
        "PATCH", f"/v1/webhooks/{made['id']}", json={"events": ["effect.*"]}, expect=200
    ).json()
    assert changed["events"] == ["effect.*"]
    assert changed["secret"] is None
    rotated = api.request(
        "PATCH", f"/v1/webhooks/{made['id']}", json={"rotate_secret": True}, expect=200
    ).json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != made["secret"]
    api.request("DELETE", f"/v1/webhooks/{made['id']}", expect=204)
    assert api.get(f"/v1/webhooks/{made['id']}").status_code == 404
    actions = [e["action"] for e in api.get("/v1/audit", expect=200).json()["data"]]
    assert {"webhook.create", "webhook.update", "webhook.delete"} <= set(actions)
    assert "whsec_" not in str(api.get("/v1/audit").json())


def test_bad_endpoints_are_refused_saying_where(api: Api, receiver: Receiver) -> None:
    cases = [
        ({"url": "ftp://example.com/x", "events": ["*"]}, ["body", "url"]),
        ({"url": receiver.url, "events": ["effect.confetti"]}, ["body", "events"]),
        ({"url": receiver.url, "events": ["*"], "secret": "not-a-secret"}, ["body", "secret"]),
    ]
    for body, where in cases:
        refused = api.post("/v1/webhooks", json=body)
        assert refused.status_code == 422, body
        assert refused.json()["errors"][0]["loc"] == where


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
    ],
)
def test_private_and_loopback_addresses_are_refused_unless_the_operator_allows(
    database_url: str, url: str
) -> None:
    with TestClient(create_app(make_settings(database_url)), raise_server_exceptions=False) as c:
        refused = Api(c).post("/v1/webhooks", json={"url": url, "events": ["*"]})
    assert refused.status_code == 422
    assert "QUESTLINE_WEBHOOK_ALLOWED_NETWORKS" in refused.json()["detail"]


def test_a_notification_arrives_signed_as_standard_webhooks_verify_it(
    api: Api, receiver: Receiver
) -> None:
    api.publish(DESIGN)
    endpoint = add_endpoint(api, receiver.url, ["notification.created", "effect.level_reached"])
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"id": "e1", "type": "did", "player": "zoe", "properties": {"n": 100}},
        expect=202,
    )
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"id": "e0", "type": "did", "player": "ann", "properties": {"n": 5}},
        expect=202,
    )
    receiver.wait_for(lambda found: len(found) >= 4)
    verifier = Webhook(endpoint["secret"])
    messages = [verifier.verify(r.body, r.headers) for r in receiver.requests()]
    by_type: dict[str, list[Any]] = {}
    for message in messages:
        by_type.setdefault(message["type"], []).append(message["data"])
    assert sorted(n["notification"]["title"] for n in by_type["notification.created"]) == [
        "+100 XP",
        "+5 XP",
        "Level 2!",
    ]
    created = by_type["notification.created"]
    level = next(n for n in created if n["notification"]["kind"] == "level_reached")
    assert level["player"] == "zoe"
    assert level["push"] is True
    assert level["event"]["id"] == "e1"
    assert level["event"]["type"] == "did"
    assert by_type["effect.level_reached"] == [
        {
            "player": "zoe",
            "event": level["event"],
            "effect": {"kind": "level_reached", "currency": "xp", "level": 2, "previous_level": 1},
        }
    ]
    assert all(r.headers["webhook-id"].startswith("msg_") for r in receiver.requests())
    settled(api, endpoint["id"], 4)


def test_a_push_notification_carries_the_players_devices(api: Api, receiver: Receiver) -> None:
    api.publish(DESIGN)
    api.event("zoe", "did", n=1)
    api.request("PUT", "/v1/players/zoe/devices/phone", json={"platform": "ios", "token": "apns-1"})
    add_endpoint(api, receiver.url, ["notification.created"])
    api.event("zoe", "did", n=200)  # "+200 XP" (not for push) and "Level 2!" (for push)
    receiver.wait_for(lambda found: len(found) >= 2)
    data = {r.json["data"]["notification"]["kind"]: r.json["data"] for r in receiver.requests()}
    assert data["level_reached"]["devices"] == [
        {"device_id": "phone", "platform": "ios", "token": "apns-1"}
    ]
    assert data["currency_awarded"]["push"] is False


def test_a_failing_receiver_is_retried_with_the_same_webhook_id(
    api: Api, receiver: Receiver
) -> None:
    api.publish(DESIGN)
    endpoint = add_endpoint(api, receiver.url, ["notification.created"])
    receiver.statuses = [503]
    api.event("zoe", "did", n=1)
    (done,) = settled(api, endpoint["id"], 1)
    assert done["status"] == "succeeded"
    assert done["attempts"] == 2
    assert done["response_status"] == 200
    assert done["next_attempt_at"] is None
    first, second = receiver.requests()
    assert first.id == second.id == done["message_id"]
    assert first.body == second.body
    verifier = Webhook(endpoint["secret"])  # each attempt signed anew, with its own time
    assert verifier.verify(first.body, first.headers) == verifier.verify(
        second.body, second.headers
    )


def test_a_receiver_that_refuses_is_not_asked_again(api: Api, receiver: Receiver) -> None:
    api.publish(DESIGN)
    endpoint = add_endpoint(api, receiver.url, ["notification.created"])
    receiver.status = 410
    api.event("zoe", "did", n=1)
    (done,) = settled(api, endpoint["id"], 1)
    assert done["status"] == "failed"
    assert done["attempts"] == 1
    assert done["last_error"] == "HTTP 410: ok"
    assert len(receiver.requests()) == 1


def test_while_a_delivery_waits_its_next_attempt_is_shown(api: Api, receiver: Receiver) -> None:
    api.publish(DESIGN)
    endpoint = add_endpoint(api, receiver.url, ["notification.created"])
    receiver.status = 500
    api.event("zoe", "did", n=1)
    receiver.wait_for(lambda found: len(found) >= 1)
    deadline = time.monotonic() + 30
    while (found := deliveries(api, endpoint["id"])[0])["response_status"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert found["status"] == "pending"
    assert found["last_error"] == "HTTP 500: ok"
    assert found["latency_ms"] >= 0
    waits = datetime.fromisoformat(found["next_attempt_at"]) - datetime.now(UTC)
    assert timedelta(0) < waits <= timedelta(seconds=6)  # the first retry: 2.5 to 5 s later
    assert deliveries(api, endpoint["id"], status="succeeded") == []


def test_an_endpoint_failing_for_a_day_is_disabled_and_says_why(
    api: Api, client: TestClient, receiver: Receiver
) -> None:
    api.publish(DESIGN)
    endpoint = add_endpoint(api, receiver.url, ["notification.created"])
    context: Any = client.app.state.questline  # type: ignore[attr-defined]
    with context.database.transaction() as session:  # it has failed since yesterday
        session.execute(
            update(WebhookEndpoint).values(failing_since=datetime.now(UTC) - timedelta(hours=25))
        )
    receiver.status = 502
    api.event("zoe", "did", n=1)
    deadline = time.monotonic() + 30
    while (shown := api.get(f"/v1/webhooks/{endpoint['id']}").json())["enabled"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert shown["disabled_at"] is not None
    assert "failed since" in shown["disabled_reason"]
    assert "HTTP 502" in shown["disabled_reason"]
    # Enabled again by hand, it is healthy until it fails again.
    enabled = api.request(
        "PATCH", f"/v1/webhooks/{endpoint['id']}", json={"enabled": True}, expect=200
    ).json()
    assert enabled["failing_since"] is None
    assert enabled["disabled_reason"] is None


def test_a_delivery_is_resent_by_hand_with_the_same_id_and_body(
    api: Api, receiver: Receiver
) -> None:
    api.publish(DESIGN)
    endpoint = add_endpoint(api, receiver.url, ["notification.created"])
    api.event("zoe", "did", n=1)
    (done,) = settled(api, endpoint["id"], 1)
    again = api.post(
        f"/v1/webhooks/{endpoint['id']}/deliveries/{done['id']}/resend", expect=201
    ).json()
    assert again["message_id"] == done["message_id"]
    assert again["id"] != done["id"]
    receiver.wait_for(lambda found: len(found) >= 2)
    first, second = receiver.requests()
    assert (first.id, first.body) == (second.id, second.body)
    assert api.post(f"/v1/webhooks/{endpoint['id']}/deliveries/999999/resend").status_code == 404


def test_a_hanging_receiver_never_holds_up_processing(api: Api, receiver: Receiver) -> None:
    api.publish(DESIGN)
    endpoint = add_endpoint(api, receiver.url, ["notification.created"])
    receiver.hold()
    for n in range(1, 21):
        api.event("zoe", "did", n=n)  # processed before the answer (?wait=true)
    assert api.player("zoe")["currencies"]["xp"]["balance"] == 210
    inbox = api.get("/v1/players/zoe/notifications", params={"limit": 100}).json()["data"]
    assert len(inbox) == 21  # 20 awards and a level
    assert receiver.held >= 1
    assert any(d["status"] == "pending" for d in deliveries(api, endpoint["id"]))
    receiver.release()
    settled(api, endpoint["id"], 21)


def test_erasing_a_player_removes_the_deliveries_about_them(api: Api, receiver: Receiver) -> None:
    api.publish(DESIGN)
    endpoint = add_endpoint(api, receiver.url, ["notification.created"])
    api.event("zoe", "did", n=1)
    api.event("max", "did", n=1)
    settled(api, endpoint["id"], 2)
    api.request("DELETE", "/v1/players/zoe", expect=204)
    (left,) = deliveries(api, endpoint["id"])
    assert left["status"] == "succeeded"


def test_finished_deliveries_are_pruned_with_old_notifications(
    api: Api, client: TestClient, receiver: Receiver
) -> None:
    api.publish(DESIGN)
    endpoint = add_endpoint(api, receiver.url, ["notification.created"])
    api.event("zoe", "did", n=1)
    settled(api, endpoint["id"], 1)
    context: Any = client.app.state.questline  # type: ignore[attr-defined]
    jobs = JobContext(context.settings, context.database, context.worker)
    assert prune_notifications(jobs, now=datetime.now(UTC)) == 0
    assert prune_notifications(jobs, now=datetime.now(UTC) + timedelta(days=91)) == 2
    assert deliveries(api, endpoint["id"]) == []
