"""The webhook sender: takes due deliveries from the outbox, posts them signed, records
each attempt. It runs apart from event processing — a thread of the server on the
embedded default, a Celery worker of its own queue in distributed mode — so a slow or
hanging receiver delays only its own deliveries, never an event.

A delivery is taken with a lease (its next attempt moved past the attempt's time
limit), so if the sender dies mid-attempt another takes it once the lease ends: at least
once, with the same `webhook-id`. Connections go only to addresses `delivery.refused`
allows, checked on the address actually connected to (a name that resolves elsewhere
the second time gains nothing).
"""

from __future__ import annotations

import ipaddress
import logging
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta
from typing import Any

import httpcore

from questline import __version__
from questline.notifications import signing, webhook_store
from questline.notifications.delivery import (
    FAILED,
    PENDING,
    SUCCEEDED,
    Network,
    Outcome,
    RetryPolicy,
    parse_networks,
    refused,
    why_refused,
)
from questline.notifications.webhook_store import Claimed
from questline.settings import Settings
from questline.storage.database import Database

log = logging.getLogger(__name__)

_USER_AGENT = f"Questline-Webhooks/{__version__}".encode()
_ERROR_BODY = 512  # of a failed answer, kept for the deliveries list
_READ_AT_MOST = 65536


class RefusedAddress(httpcore.ConnectError):
    """The URL's host resolved to an address webhooks may not go to."""


class GuardedBackend(httpcore.NetworkBackend):
    """Connects only to allowed addresses: resolves the host itself, refuses if any
    address is off limits, and connects to the address it checked."""

    def __init__(self, allowed: Sequence[Network]) -> None:
        self.allowed = list(allowed)
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))
        for address in addresses:
            if refused(address, self.allowed):
                raise RefusedAddress(why_refused(address))
        last: Exception | None = None
        for address in addresses:
            try:
                return self.inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                last = error
        raise last or httpcore.ConnectError(f"{host} has no address")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Sender:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        window = timedelta(hours=settings.webhook_retry_hours)
        self.policy = RetryPolicy(give_up_after=window, disable_after=window)
        self.timeout = settings.webhook_timeout_seconds
        self.concurrency = settings.webhook_concurrency
        self.ahead = self.concurrency * 4  # deliveries taken at once
        # Longer than a taken delivery can wait and take (its turn among `ahead`, then
        # its attempt): only a dead sender's deliveries are taken again.
        self.lease = timedelta(seconds=self.timeout * 6 + 5)
        self.per_endpoint = max(1, self.ahead // 2)  # no one receiver holds every slot
        self.http = httpcore.ConnectionPool(
            network_backend=GuardedBackend(parse_networks(settings.webhook_allowed_networks)),
            max_connections=self.concurrency * 2,
            keepalive_expiry=30,
        )
        self.threads = ThreadPoolExecutor(self.concurrency, thread_name_prefix="questline-webhook")
        self.rng = random.Random()
        self._in_flight: dict[Future[Outcome], Claimed] = {}
        self._waiting: deque[Claimed] = deque()

    def close(self) -> None:
        self.threads.shutdown(wait=False, cancel_futures=True)
        self.http.close()

    def run(
        self,
        stopping: threading.Event,
        wake: threading.Event | None = None,
        *,
        poll_seconds: float = 1.0,
        until: float | None = None,
    ) -> int:
        """Send until `stopping` is set — or, without `wake`, until nothing is due and
        nothing is in flight, or the monotonic time `until`. Returns attempts recorded.

        Deliveries are taken a few rounds ahead and outcomes written together, so the
        database sees two short transactions per many attempts."""
        recorded = 0
        finished: list[tuple[Claimed, Outcome]] = []
        oldest = 0.0  # when the oldest outcome not yet written came
        while not stopping.is_set():
            held = len(self._waiting) + len(self._in_flight)
            if held <= self.concurrency and not self._past(until):
                self._waiting.extend(self.claim(self.ahead - held))
            while self._waiting and len(self._in_flight) < self.concurrency:
                delivery = self._waiting.popleft()
                self._in_flight[self.threads.submit(self.attempt, delivery)] = delivery
            if not self._in_flight:
                recorded += self.record(finished)
                finished = []
                if wake is None:
                    return recorded
                wake.wait(poll_seconds)
                wake.clear()
                continue
            done, _ = wait(list(self._in_flight), timeout=0.05, return_when=FIRST_COMPLETED)
            if done and not finished:
                oldest = time.monotonic()
            finished += [(self._in_flight.pop(f), f.result()) for f in done]
            if len(finished) >= self.concurrency or time.monotonic() - oldest > 0.05:
                recorded += self.record(finished)
                finished = []
        # Stopping: what finished is recorded; what is in flight or not yet started is
        # left to its lease, and sent by whoever runs next.
        done = {f for f in self._in_flight if f.done()}
        finished += [(self._in_flight.pop(f), f.result()) for f in done]
        return recorded + self.record(finished)

    @staticmethod
    def _past(until: float | None) -> bool:
        return until is not None and time.monotonic() >= until

    def claim(self, limit: int, now: datetime | None = None) -> list[Claimed]:
        busy: dict[int, int] = {}
        for delivery in [*self._in_flight.values(), *self._waiting]:
            busy[delivery.endpoint_id] = busy.get(delivery.endpoint_id, 0) + 1
        with self.database.transaction() as session:
            return webhook_store.claim(
                session, now or datetime.now(UTC), self.lease, limit, busy, self.per_endpoint
            )

    def attempt(self, delivery: Claimed) -> Outcome:
        body = delivery.payload.encode()
        headers = signing.headers(delivery.secret, delivery.message_id, int(time.time()), body)
        started = time.perf_counter()

        def took() -> int:
            return round((time.perf_counter() - started) * 1000)

        limits = {"connect": self.timeout, "read": self.timeout, "write": self.timeout}
        try:
            with self.http.stream(
                "POST",
                delivery.url,
                headers=[(k.encode(), v.encode()) for k, v in headers.items()]
                + [(b"user-agent", _USER_AGENT)],
                content=body,
                extensions={"timeout": {**limits, "pool": self.timeout}},
            ) as response:
                status = response.status
                start = _start_of(response)  # read, so the connection can be used again
                error = None if 200 <= status < 300 else f"HTTP {status}: {start}"
                return Outcome(status, error, took())
        except RefusedAddress as refusal:
            return Outcome(None, str(refusal), took())
        except httpcore.TimeoutException:
            return Outcome(None, f"no answer within {self.timeout:g} s", took())
        except (httpcore.NetworkError, httpcore.ProtocolError) as error:
            return Outcome(None, f"connection failed: {error or type(error).__name__}", took())
        except httpcore.UnsupportedProtocol as error:
            return Outcome(None, f"refused: {error}", took())

    def record(self, results: list[tuple[Claimed, Outcome]], now: datetime | None = None) -> int:
        """Each attempt's outcome, the next attempt (or the end), and the endpoints'
        health: an endpoint failing for the whole retry window is disabled, with why."""
        if not results:
            return 0
        now = now or datetime.now(UTC)
        attempts: list[webhook_store.Attempt] = []
        for delivery, outcome in results:
            next_at = self.policy.next_attempt(
                outcome, delivery.attempts, delivery.created_at, now, self.rng
            )
            status = SUCCEEDED if outcome.succeeded else PENDING if next_at is not None else FAILED
            attempts.append(
                (status, next_at, outcome.status, outcome.latency_ms, outcome.error, delivery.id)
            )
        with self.database.transaction() as session:
            webhook_store.record(session, attempts)
            endpoints = webhook_store.endpoints_by_id(session, {d.endpoint_id for d, _ in results})
            for delivery, outcome in results:  # in the order they came
                endpoint = endpoints.get(delivery.endpoint_id)
                if endpoint is None:
                    continue
                if outcome.succeeded:
                    endpoint.failing_since = None
                    continue
                endpoint.failing_since = endpoint.failing_since or now
                if endpoint.enabled and self.policy.disables(endpoint.failing_since, now):
                    endpoint.enabled = False
                    endpoint.disabled_at = now
                    endpoint.updated_at = now
                    endpoint.disabled_reason = (
                        f"every delivery failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC;"
                        f" the last: {outcome.error}"
                    )
                    log.warning("webhook endpoint %s disabled: failing for a day", endpoint.id)
        return len(results)


def _start_of(response: httpcore.Response) -> str:
    """The first bytes of an answer's body, as text, for the deliveries list. A short
    body is read to its end, so that the connection can serve the next delivery."""
    found = b""
    for chunk in response.iter_stream():
        found += chunk
        if len(found) >= _READ_AT_MOST:
            break
    return found[:_ERROR_BODY].decode("utf-8", "replace").strip() or "(empty body)"


class EmbeddedSender:
    """The sender in a thread of the server (the embedded default)."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.sender = Sender(database, settings)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="questline-webhooks", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Without waiting for receivers: what is in flight is sent again after its lease."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.sender.close()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.sender.run(self._stopping, self._wake)
            except Exception:
                log.exception("the webhook sender failed; it starts again")
                self._stopping.wait(1.0)
