"""When to try a webhook again, when to give up, and which addresses are off limits.
Pure: the sender does the I/O.

Retries: exponential back-off with jitter (the n-th retry waits between half and all of
`first × 2^(n-1)`, at most `longest`), on timeouts, connection errors, 408, 429 and 5xx,
until `give_up_after` has passed since the message was made (about a day). Any other
answer is final. An endpoint whose deliveries have failed without a success in between
for `disable_after` is disabled, with the reason.

Addresses: a webhook goes only to public addresses, unless the operator allows a
network (QUESTLINE_WEBHOOK_ALLOWED_NETWORKS): otherwise anyone who may register an
endpoint could make the server call its own private network (SSRF).
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: a status code, or an error before any answer."""

    status: int | None
    error: str | None
    latency_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        if self.status is None:
            return self.error is not None and not self.error.startswith(REFUSED)
        return self.status in (408, 429) or self.status >= 500


REFUSED = "refused:"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first: timedelta = timedelta(seconds=5)
    longest: timedelta = timedelta(hours=1)
    give_up_after: timedelta = timedelta(hours=24)
    disable_after: timedelta = timedelta(hours=24)

    def next_attempt(
        self,
        outcome: Outcome,
        attempts: int,
        created_at: datetime,
        now: datetime,
        rng: random.Random,
    ) -> datetime | None:
        """When to try again after the `attempts`-th attempt, or None: done or given up."""
        if outcome.succeeded or not outcome.retryable:
            return None
        ceiling = min(self.longest, self.first * 2 ** max(attempts - 1, 0))
        wait = ceiling * (0.5 + rng.random() / 2)
        at = now + wait
        return at if at - created_at <= self.give_up_after else None

    def disables(self, failing_since: datetime | None, now: datetime) -> bool:
        return failing_since is not None and now - failing_since >= self.disable_after


def parse_networks(text: str) -> list[Network]:
    """`127.0.0.0/8, ::1` → networks; ValueError naming a bad one."""
    found: list[Network] = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            found.append(ipaddress.ip_network(part, strict=False))
    return found


def refused(address: Address, allowed: Sequence[Network]) -> bool:
    """Whether a webhook may not go to `address`: anything but a public unicast address,
    unless an allowed network holds it."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return False
    return not address.is_global or address.is_multicast


def why_refused(address: Address) -> str:
    kind = (
        "a loopback"
        if address.is_loopback
        else "a link-local"
        if address.is_link_local
        else "a private"
        if address.is_private
        else "a non-public"
    )
    return (
        f"{REFUSED} {address} is {kind} address; allow its network with"
        " QUESTLINE_WEBHOOK_ALLOWED_NETWORKS"
    )
