"""verify_webhook on what the server really sends: its signature checks out, and any
change to the body, the secret or the time does not."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from questline_client import Questline, WebhookVerificationError, verify_webhook
from tests.integration.sdk.conftest import LiveServer
from tests.support.receiver import Received, Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as found:
        yield found


def awarded(request: Received) -> bool:
    """The webhook of pia's "+3 XP" (her first event also unlocks a badge)."""
    data = request.json["data"]
    return bool(data["player"] == "pia" and data["notification"]["title"] == "+3 XP")


def test_a_webhook_the_server_signed_is_verified_and_a_changed_one_refused(
    live: LiveServer, questline: Questline, receiver: Receiver
) -> None:
    with live.admin() as admin:
        made = admin.post(
            "/v1/webhooks", json={"url": receiver.url, "events": ["notification.created"]}
        )
        assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    try:
        questline.send("did", "pia", properties={"n": 3}, wait=True)
        receiver.wait_for(
            lambda found: any(awarded(r) for r in found), what="the notification's webhook"
        )
    finally:
        with live.admin() as admin:
            admin.delete(f"/v1/webhooks/{made.json()['id']}")
    delivered = next(r for r in receiver.requests() if awarded(r))

    message = verify_webhook(secret, delivered.headers, delivered.body)
    assert message.id == delivered.headers["webhook-id"]
    assert message.type == "notification.created"
    assert message.data["player"] == "pia"
    assert message.data["notification"]["title"] == "+3 XP"
    # Header names in any case, the body as text: the same message.
    shouted = {k.upper(): v for k, v in delivered.headers.items()}
    assert verify_webhook(secret, shouted, delivered.body.decode()).id == message.id

    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        verify_webhook(secret, delivered.headers, delivered.body.replace(b"+3", b"+9"))
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MjQyNDI0"
    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        verify_webhook(other, delivered.headers, delivered.body)
    with pytest.raises(WebhookVerificationError, match="from now"):
        verify_webhook(secret, delivered.headers, delivered.body, now=time.time() + 3600)
    unsigned = {k: v for k, v in delivered.headers.items() if k != "webhook-signature"}
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify_webhook(secret, unsigned, delivered.body)
