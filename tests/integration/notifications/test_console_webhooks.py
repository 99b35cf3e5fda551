"""The console's webhook pages: an administrator sees an endpoint's deliveries and sends
one again, as `POST /v1/webhooks/{id}/deliveries/{id}/resend` does, audited alike."""

from __future__ import annotations

from fastapi.testclient import TestClient

from questline.auth.policy import Role
from questline.settings import Settings
from tests.integration.conftest import Api
from tests.integration.notifications.test_webhooks import (  # noqa: F401 (fixtures)
    DESIGN,
    add_endpoint,
    receiver,
    settings,
    settled,
)
from tests.integration.web.console_client import Browser
from tests.support.accounts import add_user
from tests.support.receiver import Receiver


def test_an_admin_reads_the_deliveries_and_resends_one(
    api: Api,
    receiver: Receiver,  # noqa: F811
    settings: Settings,  # noqa: F811
    client: TestClient,
) -> None:
    api.publish(DESIGN)
    endpoint = add_endpoint(api, receiver.url, ["notification.created"], description="CRM")
    api.event("zoe", "did", n=1)
    (done,) = settled(api, endpoint["id"], 1)
    add_user(settings.database_url, "admin@example.com", Role.ADMIN)
    admin = Browser(client, "admin@example.com")

    listing = admin.get("/console/webhooks")
    assert listing.status_code == 200
    assert receiver.url in listing.text
    page = admin.get(f"/console/webhooks/{endpoint['id']}?status=succeeded")
    assert f'data-delivery="{done["id"]}"' in page.text
    assert (
        admin.get(f"/console/webhooks/{endpoint['id']}?status=failed").text.count("data-delivery=")
        == 0
    )

    sent = admin.post(f"/console/webhooks/{endpoint['id']}/deliveries/{done['id']}/resend")
    assert sent.status_code == 303
    receiver.wait_for(lambda found: len(found) >= 2)
    first, second = receiver.requests()
    assert (first.id, first.body) == (second.id, second.body)
    entries = api.get("/v1/audit", expect=200).json()["data"]
    resends = [e for e in entries if e["actor"] == "user:admin@example.com"]
    assert len(resends) == 1
    missing = admin.post(f"/console/webhooks/{endpoint['id']}/deliveries/999999/resend")
    assert missing.status_code == 404
