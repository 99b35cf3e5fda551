"""Webhook signatures, retries and the addresses webhooks may not go to."""

from __future__ import annotations

import ipaddress
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from questline.notifications.delivery import Outcome, RetryPolicy, parse_networks, refused
from questline.notifications.signing import headers, new_secret, secret_key, sign, wants

# The test vector published with the Standard Webhooks specification.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_signature_matches_the_specifications_test_vector() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


@given(st.binary(max_size=200))
def test_the_standard_webhooks_library_verifies_what_we_sign(body: bytes) -> None:
    secret = new_secret()
    now = int(datetime.now(UTC).timestamp())
    signed = headers(secret, "msg_1", now, body)
    Webhook(secret).verify(body, signed, json_parse=False)  # raises if it does not verify


def test_secrets_are_whsec_and_enough_random_bytes() -> None:
    assert len(secret_key(new_secret())) == 32
    for bad in ("secret", "whsec_!!!", "whsec_" + "QUJD"):
        with pytest.raises(ValueError, match="webhook secret"):
            secret_key(bad)


def test_subscriptions_match_types_and_wildcards() -> None:
    assert wants(["*"], "notification.created")
    assert wants(["effect.*"], "effect.level_reached")
    assert not wants(["effect.*"], "notification.created")
    assert wants(["effect.level_reached"], "effect.level_reached")
    assert not wants(["effect.level_reached"], "effect.achievement_unlocked")


NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
FAILED = Outcome(503, "HTTP 503", 12)


def test_retries_back_off_with_jitter_and_stop_after_the_window() -> None:
    policy = RetryPolicy()
    rng = random.Random(7)
    waits = [
        policy.next_attempt(FAILED, attempt, NOW, NOW, rng) - NOW  # type: ignore[operator]
        for attempt in range(1, 13)
    ]
    for attempt, waited in enumerate(waits, start=1):
        ceiling = min(timedelta(hours=1), timedelta(seconds=5 * 2 ** (attempt - 1)))
        assert ceiling / 2 <= waited <= ceiling
    assert policy.next_attempt(FAILED, 30, NOW - timedelta(hours=23, minutes=59), NOW, rng) is None


def test_what_is_retried_and_what_is_final() -> None:
    policy = RetryPolicy()
    rng = random.Random(1)
    for outcome in (
        Outcome(None, "no answer within 10 s", 10000),
        Outcome(None, "connection failed: refused", 3),
        Outcome(500, "HTTP 500", 4),
        Outcome(429, "HTTP 429", 4),
        Outcome(408, "HTTP 408", 4),
    ):
        assert policy.next_attempt(outcome, 1, NOW, NOW, rng) is not None, outcome
    for outcome in (
        Outcome(200, None, 4),
        Outcome(204, None, 4),
        Outcome(400, "HTTP 400", 4),
        Outcome(410, "HTTP 410", 4),
        Outcome(None, "refused: 10.0.0.1 is a private address", 0),
    ):
        assert policy.next_attempt(outcome, 1, NOW, NOW, rng) is None, outcome


def test_an_endpoint_is_disabled_after_a_day_of_failures_only() -> None:
    policy = RetryPolicy()
    assert not policy.disables(None, NOW)
    assert not policy.disables(NOW - timedelta(hours=23), NOW)
    assert policy.disables(NOW - timedelta(hours=24), NOW)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.8", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
     "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "224.0.0.1"],
)  # fmt: skip
def test_non_public_addresses_are_refused(address: str) -> None:
    assert refused(ipaddress.ip_address(address), [])


def test_public_addresses_pass_and_an_allowed_network_opens_a_private_one() -> None:
    assert not refused(ipaddress.ip_address("93.184.216.34"), [])
    assert not refused(ipaddress.ip_address("2606:2800:220:1::1"), [])
    allowed = parse_networks("127.0.0.0/8, 10.1.0.0/16")
    assert not refused(ipaddress.ip_address("127.0.0.1"), allowed)
    assert not refused(ipaddress.ip_address("10.1.2.3"), allowed)
    assert refused(ipaddress.ip_address("10.2.0.1"), allowed)
