"""Webhook messages the Standard Webhooks way (https://www.standardwebhooks.com/):
message ids, `whsec_` secrets, the JSON body, and the three signed headers. Pure.

    webhook-id:        msg_…  (the same on every attempt: receivers deduplicate by it)
    webhook-timestamp: seconds since the epoch, of this attempt
    webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">

The HMAC key is the secret's base64 part, decoded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from questline.engine.notifications import EFFECT_KINDS

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix, not a secret)
NOTIFICATION_CREATED = "notification.created"
EFFECT_PREFIX = "effect."
# What an endpoint may subscribe to; "effect.*" is every effect, "*" everything.
EVENT_TYPES = (NOTIFICATION_CREATED, *(EFFECT_PREFIX + kind for kind in EFFECT_KINDS))
WILDCARDS = ("*", "effect.*")


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret; ValueError if it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret starts with '{SECRET_PREFIX}'")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError:
        raise ValueError("a webhook secret is 'whsec_' and base64") from None
    if not 24 <= len(key) <= 64:
        raise ValueError("a webhook secret holds 24 to 64 bytes")
    return key


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(16)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def body(event_type: str, at: datetime, data: dict[str, Any]) -> str:
    """The payload: `{"type", "timestamp", "data"}`, written once and sent as is."""
    return orjson.dumps({"type": event_type, "timestamp": at.isoformat(), "data": data}).decode()


def wants(events: Sequence[str], event_type: str) -> bool:
    return (
        "*" in events
        or event_type in events
        or (event_type.startswith(EFFECT_PREFIX) and "effect.*" in events)
    )


def check_events(events: Sequence[str]) -> list[str]:
    """What is wrong with an endpoint's list of event types (nothing: empty)."""
    unknown = [e for e in events if e not in EVENT_TYPES and e not in WILDCARDS]
    if not unknown:
        return []
    return [f"unknown event type '{e}'" for e in unknown]
