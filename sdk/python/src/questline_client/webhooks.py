"""Checking that a webhook came from your Questline server, the Standard Webhooks way
(https://www.standardwebhooks.com/): an HMAC-SHA256 of ``{id}.{timestamp}.{body}``
with the endpoint's ``whsec_`` secret, in the ``webhook-signature`` header."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping

from pydantic import ValidationError as ModelError

from questline_client.errors import WebhookVerificationError
from questline_client.models import WebhookMessage

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix, not a secret)
TOLERANCE_SECONDS = 300


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("the secret is not 'whsec_' and base64") from None


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    tolerance: float = TOLERANCE_SECONDS,
    now: float | None = None,
) -> WebhookMessage:
    """The message of a webhook request, once its signature and time check out.

    ``secret`` is the endpoint's ``whsec_…`` secret (shown when the endpoint was made or
    its secret rotated); ``headers`` the request's headers (any case); ``body`` its raw
    body, exactly as received — not parsed and re-encoded JSON. A timestamp more than
    ``tolerance`` seconds from ``now`` (default: the clock) is refused, so a recorded
    request cannot be replayed later. Raises ``WebhookVerificationError``.
    """
    found = {k.lower(): v for k, v in headers.items()}
    message_id = found.get("webhook-id")
    stamp = found.get("webhook-timestamp")
    signatures = found.get("webhook-signature")
    if not message_id or not stamp or not signatures:
        raise WebhookVerificationError(
            "missing webhook-id, webhook-timestamp or webhook-signature header"
        )
    try:
        sent_at = int(stamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a whole number") from None
    clock = time.time() if now is None else now
    if abs(clock - sent_at) > tolerance:
        raise WebhookVerificationError(
            f"webhook-timestamp is {int(clock - sent_at)} s from now (tolerance {tolerance:g} s)"
        )
    raw = body.encode() if isinstance(body, str) else bytes(body)
    signed = f"{message_id}.{sent_at}.".encode() + raw
    expected = base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()
    # The header may hold several signatures (during a secret rotation): one must match.
    for candidate in signatures.split():
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            break
    else:
        raise WebhookVerificationError("no signature matches: wrong secret, or altered body")
    try:
        payload = json.loads(raw)
        if not isinstance(payload, dict):
            raise ValueError("not a JSON object")
        return WebhookMessage.model_validate({**payload, "id": message_id})
    except (ValueError, ModelError) as error:
        raise WebhookVerificationError(f"the body is not a webhook message: {error}") from None
