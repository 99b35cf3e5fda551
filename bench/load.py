"""The load generator of the end-to-end benchmarks (bench/ingest.py, bench/distributed.py),
run in a process of its own so that its CPU time is not the server's.

- batches: a few connections send batches of events as fast as they are accepted;
- singles: single events at a fixed rate, open loop (requests go out on schedule whether
  or not earlier ones were answered; latency counts from the scheduled time, so a stalled
  server cannot hide behind a slow client), while probes, meanwhile, time how soon an
  accepted event shows on the leaderboard page a client reads
  (`GET /v1/leaderboards/global_xp`, the top 10).

The events and what they must cause are defined here once (`make_events`,
`expected_xp`), so the end-of-run check (bench/verify.py) knows what every event sent
should have done.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import random
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

KEY = "ql_sk_bench-admin-key-0123456789abcdefghijklmnopq"
HEADERS = {"Authorization": f"Bearer {KEY}"}
BOARD = "global_xp"
CHALLENGES = 20
PROBE_PLAYER = "prober"
PROBE_ITEM = "probe"
# The prober's XP grows by this much per probe, far above any other player's total, so
# each probe puts the prober on top of the board's first page with a score it never
# had before: "visible" is that page showing it.
PROBE_XP = 10**9
PROBE_SCORE = 90


def challenge_xp(index: int) -> int:
    return 50 + 10 * index


def make_events(count: int, players: int, prefix: str, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "id": f"{prefix}-{i}",
            "type": "attempt.submitted",
            "player": f"player-{rng.randrange(players)}",
            "item": f"challenge-{rng.randrange(CHALLENGES)}",
            "properties": {"score": rng.randrange(101)},
        }
        for i in range(count)
    ]


def probe_event(index: int) -> dict[str, Any]:
    return {"id": f"probe-{index}", "type": "attempt.submitted", "player": PROBE_PLAYER,
            "item": PROBE_ITEM, "properties": {"score": PROBE_SCORE}}  # fmt: skip


def expected_xp(event: dict[str, Any]) -> int:
    """The skillquest rule: item XP × score / 100, rounded down."""
    item = event["item"]
    xp = PROBE_XP if item == PROBE_ITEM else challenge_xp(int(item.split("-")[1]))
    return xp * min(max(event["properties"]["score"], 0), 100) // 100


def publish(base: str) -> None:
    """The skillquest design, its challenges and the probes' item."""
    design = (Path(__file__).resolve().parents[1] / "blueprints" / "skillquest.yaml").read_bytes()
    with httpx.Client(base_url=base, headers=HEADERS, timeout=60) as client:
        client.put(
            "/v1/config", content=design, headers={"Content-Type": "application/yaml"}
        ).raise_for_status()
        items = [(f"challenge-{i}", challenge_xp(i)) for i in range(CHALLENGES)]
        for key, xp in [*items, (PROBE_ITEM, PROBE_XP)]:
            client.post(
                "/v1/items", json={"key": key, "kind": "challenge", "attributes": {"xp": xp}}
            ).raise_for_status()


class Connection:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams. A general-purpose client
    spent more CPU per request than the server does, and the generator shares the two
    cores with the server: it must cost as little as possible per request."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)


async def _send_batches(
    base: str, events: list[dict[str, Any]], size: int, connections: int
) -> float:
    chunks = [orjson.dumps({"events": events[i : i + size]}) for i in range(0, len(events), size)]
    started = time.time()

    async def sender() -> None:
        connection = Connection(base)
        while chunks:
            status, _ = await connection.request("POST", "/v1/events/batch", chunks.pop())
            if status != 202:
                raise RuntimeError(f"a batch was answered {status}")

    await asyncio.gather(*(sender() for _ in range(connections)))
    return started


async def _send_open_loop(
    base: str, events: list[dict[str, Any]], rate: float, connections: int = 64
) -> dict[str, Any]:
    """Requests are due on a fixed schedule; a request waits for a free connection if
    all are busy, and that wait counts in its latency."""
    latencies: list[float] = []
    answered = errors = 0
    due_queue: asyncio.Queue[tuple[bytes, float] | None] = asyncio.Queue()

    async def sender() -> None:
        nonlocal answered, errors
        connection = Connection(base)
        while (item := await due_queue.get()) is not None:
            body, due = item
            try:
                status, _ = await connection.request("POST", "/v1/events", body)
                if status == 202:
                    answered += 1
                else:
                    errors += 1
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                connection = Connection(base)
            latencies.append(time.perf_counter() - due)

    senders = [asyncio.create_task(sender()) for _ in range(connections)]
    bodies = [orjson.dumps(event) for event in events]
    start = time.perf_counter() + 0.2
    for index, body in enumerate(bodies):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due_queue.put_nowait((body, due))
    sent_for = time.perf_counter() - start
    for _ in senders:
        due_queue.put_nowait(None)
    await asyncio.gather(*senders)
    return {
        "latencies": latencies,
        "answered": answered,
        "errors": errors,
        "sent_for": sent_for,
        "answered_for": time.perf_counter() - start,
    }


async def _probe(base: str, index: int, delay: float, poll: float, reads: list[int]) -> float:
    """Send probe `index`; seconds from its 202 until the board's first page shows the
    prober with the score it brings. Looks every `poll` seconds at first, then every
    twentieth of the time waited so far (a 5 % resolution): a probe waiting seconds
    must not flood the API it measures with reads. Each read is counted in `reads`."""
    await asyncio.sleep(delay)
    sender, reader = Connection(base), Connection(base)
    status, _ = await sender.request("POST", "/v1/events", orjson.dumps(probe_event(index)))
    accepted = time.perf_counter()
    if status != 202:
        raise RuntimeError(f"a probe was answered {status}")
    target = (index + 1) * PROBE_XP * PROBE_SCORE // 100
    while (waited := time.perf_counter() - accepted) < 120:
        status, body = await reader.request("GET", f"/v1/leaderboards/{BOARD}")
        reads[0] += 1
        top = orjson.loads(body)["data"] if status == 200 else []
        if top and top[0]["player"] == PROBE_PLAYER and top[0]["score"] >= target:
            return time.perf_counter() - accepted
        await asyncio.sleep(max(poll, waited / 20))
    raise RuntimeError(f"probe {index} never showed on the leaderboard page")


async def _singles_with_probes(base: str, args: dict[str, Any]) -> dict[str, Any]:
    count = int(args["rate"] * args["seconds"])
    events = make_events(count, args["players"], singles_prefix(args["rate"]), 2)
    first, probes = args["probe_start"], args["probes"]
    reads = [0]
    timing = [
        _probe(base, first + n, 0.2 + n / args["probe_rate"], args["probe_poll"], reads)
        for n in range(probes)
    ]
    found, *visible = await asyncio.gather(_send_open_loop(base, events, args["rate"]), *timing)
    return {**found, "visible": visible, "page_reads": reads[0]}


def singles_prefix(rate: float) -> str:
    return f"single-{rate:.0f}"


def _generator(phase: str, base: str, args: dict[str, Any], out: Any) -> None:
    if phase == "batches":
        events = make_events(args["events"], args["players"], args["prefix"], args["seed"])
        started = asyncio.run(_send_batches(base, events, args["batch"], args["connections"]))
        # Its own CPU time: it has ended by the time the stack's is read.
        out.put({"started": started, "accepted": time.time(), "cpu": time.process_time()})
    else:
        started = time.time()
        found = asyncio.run(_singles_with_probes(base, args))
        out.put({"started": started, **found})


def run_load(phase: str, base: str, args: dict[str, Any]) -> multiprocessing.Process:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_generator, args=(phase, base, args, results))
    process.start()
    process.queue = results  # type: ignore[attr-defined]
    return process


def result_of(load: multiprocessing.Process, wait: float | None = None) -> Any:
    """The generator's figures; None if `wait` seconds pass first. (Read them before
    joining: a process does not exit until what it put in its queue is read.)"""
    deadline = None if wait is None else time.monotonic() + wait
    while True:
        try:
            found: dict[str, Any] = load.queue.get(timeout=0.25)  # type: ignore[attr-defined]
        except queue.Empty:
            if not load.is_alive():
                raise RuntimeError("the load generator failed (see above)") from None
            if deadline is not None and time.monotonic() > deadline:
                return None
            continue
        load.join()
        return found
