"""Benchmark: what a single-event request (`POST /v1/events`) costs the API in CPU,
in-process, next to baselines measured in the same run.

The app is built as `questline serve` builds it (its HTTP edge, routing, the auth
policy, the group commit of single events) on a SQLite file, with processing off so
only the API's share is timed, and driven straight through ASGI — no sockets, no HTTP
parser, no client library — by a driver that keeps `--concurrency` requests in flight.
Three kinds of request, interleaved in rounds so the machine's load moves them alike:

- `floor`: the same driver calling a bare ASGI app that answers a fixed body: what the
  driver and the event loop cost, with no framework at all;
- `minimal`: `POST /bench/minimal` in the same app, a route that answers a fixed body
  behind the API-key check: what every request pays (middleware, routing, auth) before
  any endpoint's own work;
- `event`: `POST /v1/events` with one event (a fresh id each time, many players), from
  the request to its 202 — body read and checked, authorized, appended (grouped with
  the others in flight) and answered.

CPU is the process's (every thread, the appends in the thread pool included) and the
event loop thread's alone, divided by the requests answered; each figure is printed with
min / median / max over the rounds, then each round's ratio of `event` to `minimal`.

    python bench/event_http.py [--requests 4000] [--rounds 5] [--concurrency 32]
                               [--synchronous FULL|NORMAL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import Response

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from questline.api.app import create_app  # noqa: E402
from questline.api.http.deps import EventWriter  # noqa: E402
from questline.auth.policy import POLICY, Permission, needs  # noqa: E402
from questline.settings import get_settings  # noqa: E402

KEY = "ql_sk_bench-admin-key-0123456789abcdefghijklmnopq"
ASGI = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def configure(workdir: Path, synchronous: str) -> None:
    os.environ.update(
        {
            "QUESTLINE_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "QUESTLINE_SQLITE_SYNCHRONOUS": synchronous,
            "QUESTLINE_BOOTSTRAP_KEY": KEY,
            "QUESTLINE_EMBEDDED_WORKER": "off",
            "QUESTLINE_EMBEDDED_JOBS": "false",
            "QUESTLINE_LOG_LEVEL": "warning",
        }
    )


def build_app() -> Any:
    app = create_app(get_settings())
    POLICY["POST /bench/minimal"] = needs(Permission.EVENTS_WRITE)

    @app.post("/bench/minimal", include_in_schema=False)
    async def minimal(principal: EventWriter) -> Response:  # noqa: ARG001
        return Response(b'{"ok":true}', status_code=202, media_type="application/json")

    # First in the routing table, as `POST /v1/events` nearly is: routes are tried in
    # order, and one at the end of the table pays for trying every route before it.
    app.router.routes.insert(0, app.router.routes.pop())
    return app


async def floor_app(scope: dict[str, Any], receive: Any, send: Any) -> None:  # noqa: ARG001
    await receive()
    await send(
        {
            "type": "http.response.start",
            "status": 202,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"ok":true}'})


def scope_for(path: str, body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"authorization", f"Bearer {KEY}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"user-agent", b"bench"),
        ],
    }


async def call(app: ASGI, path: str, body: bytes) -> int:
    delivered = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            await asyncio.Event().wait()  # a client that stays: never disconnects
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope_for(path, body), receive, send)
    return status


async def drive(
    app: ASGI, path: str, bodies: list[bytes], concurrency: int, expect: int
) -> tuple[float, float, float]:
    """µs per request, `concurrency` in flight: CPU of the process, CPU of the event
    loop's thread, and wall-clock time."""
    queue = iter(bodies)
    wrong, last = 0, 0

    async def sender() -> None:
        nonlocal wrong, last
        for body in queue:
            if (status := await call(app, path, body)) != expect:
                wrong, last = wrong + 1, status

    cpu, loop, wall = time.process_time(), time.thread_time(), time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    cpu, loop = time.process_time() - cpu, time.thread_time() - loop
    wall = time.perf_counter() - wall
    if wrong:
        raise RuntimeError(f"{wrong} of {len(bodies)} requests to {path} were not {expect}: {last}")
    return cpu / len(bodies) * 1e6, loop / len(bodies) * 1e6, wall / len(bodies) * 1e6


def event_bodies(count: int, round_number: int, players: int) -> list[bytes]:
    return [
        orjson.dumps(
            {
                "id": f"r{round_number}-{i}",
                "type": "attempt.submitted",
                "player": f"player-{i % players}",
                "item": f"challenge-{i % 20}",
                "properties": {"score": i % 101},
            }
        )
        for i in range(count)
    ]


async def publish(app: Any) -> None:
    """The skillquest design and the challenges the events name."""
    design = (ROOT / "blueprints" / "skillquest.yaml").read_bytes()
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {KEY}"}
    base = "http://bench"
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as c:
        answer = await c.put(
            "/v1/config", content=design, headers={"Content-Type": "application/yaml"}
        )
        answer.raise_for_status()
        for i in range(20):
            answer = await c.post(
                "/v1/items",
                json={"key": f"challenge-{i}", "kind": "challenge", "attributes": {"xp": 100}},
            )
            answer.raise_for_status()


def spread_of(values: list[float]) -> str:
    return f"{min(values):.0f} / {statistics.median(values):.0f} / {max(values):.0f}"


async def run(args: argparse.Namespace) -> None:
    app = build_app()
    async with app.router.lifespan_context(app):
        await publish(app)
        # Warm up: every layer built, the key remembered, the first appends done.
        await drive(app, "/bench/minimal", [b"{}"] * 200, args.concurrency, 202)
        await drive(app, "/v1/events", event_bodies(200, 0, args.players), args.concurrency, 202)
        figures: dict[str, list[tuple[float, float, float]]] = {
            "floor": [],
            "minimal": [],
            "event": [],
        }
        for round_number in range(1, args.rounds + 1):
            floor = await drive(floor_app, "/", [b"{}"] * args.requests, args.concurrency, 202)
            minimal = await drive(
                app, "/bench/minimal", [b"{}"] * args.requests, args.concurrency, 202
            )
            bodies = event_bodies(args.requests, round_number, args.players)
            event = await drive(app, "/v1/events", bodies, args.concurrency, 202)
            for kind, figure in (("floor", floor), ("minimal", minimal), ("event", event)):
                figures[kind].append(figure)
            print(
                f"round {round_number}: CPU µs/request  floor {floor[0]:.0f}"
                f"  minimal {minimal[0]:.0f}  event {event[0]:.0f}",
                flush=True,
            )
    print(
        f"\n{args.requests} requests per kind per round, {args.rounds} rounds,"
        f" {args.concurrency} in flight, SQLite synchronous={args.synchronous};"
        " µs per request, min / median / max over the rounds"
    )
    print(f"{'':8} {'CPU, whole process':>27} {'CPU, event loop thread':>27} {'wall (median)':>14}")
    for kind, values in figures.items():
        cpu = [c for c, _, _ in values]
        loop = [t for _, t, _ in values]
        wall = [w for _, _, w in values]
        print(
            f"{kind:8} {spread_of(cpu):>27} {spread_of(loop):>27} {statistics.median(wall):14.0f}"
        )
    for kind, index in (("CPU", 0), ("loop CPU", 1)):
        pairs = zip(figures["event"], figures["minimal"], strict=True)
        ratios = [e[index] / m[index] for e, m in pairs]
        print(
            f"event / minimal, {kind}, per round: "
            + " ".join(f"{r:.2f}" for r in ratios)
            + f" (median {statistics.median(ratios):.2f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=4000, help="per kind and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="questline-event-http-") as workdir:
        configure(Path(workdir), args.synchronous)
        subprocess.run(
            [sys.executable, "-m", "questline.cli", "migrate"],
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            check=True,
            capture_output=True,
        )
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
