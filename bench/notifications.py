"""Benchmark: live notifications and webhooks on the embedded default. Prints figures;
asserts nothing.

(a) 1,000 open SSE streams (one per player) on `questline serve`, events sent in batches
    at a steady rate: from the API accepting an event to its notification arriving on
    its player's stream, p50/p99; and the server's memory per open stream.
    Baseline, same run, same clients and rate: a bare SSE echo server (Starlette and
    sse-starlette, nothing else) that pushes each posted message to its stream.
(b) Webhooks: deliveries per second from the server's sender to a local receiver.
    Baseline, same run: the same receiver hit by a plain HTTP client with the same
    concurrency and bodies.

    python bench/notifications.py [--streams 1000] [--rate 5000] [--seconds 10]
                                  [--webhooks 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore
import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "ql_sk_bench-admin-key-0123456789abcdefghijklmnopq"
DESIGN = "currencies: {xp: {name: XP}}\nrules: [{id: r, on: did, award: {xp: '1'}}]\n"
TICK = 0.05  # a batch of events every 50 ms


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def wait_http(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


# --- the bare SSE echo server (the baseline) ---


def echo_server(port: int) -> None:
    import uvicorn
    from sse_starlette import EventSourceResponse, ServerSentEvent
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    queues: dict[str, set[asyncio.Queue[str]]] = {}

    async def stream(request: Request) -> EventSourceResponse:
        player = request.path_params["player"]
        queue: asyncio.Queue[str] = asyncio.Queue()
        queues.setdefault(player, set()).add(queue)

        async def events() -> Any:
            try:
                yield ServerSentEvent(comment="open")
                while True:
                    data = await queue.get()
                    yield ServerSentEvent(data=data, event="notification")
            finally:
                queues[player].discard(queue)

        return EventSourceResponse(events(), ping=15)

    async def publish(request: Request) -> Response:
        for message in json.loads(await request.body()):
            for queue in queues.get(message["player"], ()):
                queue.put_nowait(json.dumps({"event_id": message["id"]}))
        return Response(status_code=202)

    async def health(_: Request) -> Response:
        return Response("ok")

    app = Starlette(
        routes=[
            Route("/stream/{player}", stream),
            Route("/publish", publish, methods=["POST"]),
            Route("/health", health),
        ]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# --- the listener: many streams in one process, on raw asyncio sockets ---


async def listen(port: int, paths: list[str], headers: str, out: Any, ready: Path) -> None:
    connected = 0

    async def one(path: str) -> None:
        nonlocal connected
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        request = f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n"
        writer.write(f"{request}{headers}\r\n".encode())
        while (await reader.readline()) not in (b"\r\n", b""):
            pass  # status line and headers
        connected += 1
        if connected == len(paths):
            ready.write_text("ready")
        buffer = b""
        while True:
            size = int((await reader.readline()).strip() or b"0", 16)  # chunked encoding
            if size == 0:
                return
            buffer += (await reader.readexactly(size + 2))[:-2]
            while b"\r\n\r\n" in buffer:
                event, buffer = buffer.split(b"\r\n\r\n", 1)
                for line in event.split(b"\r\n"):
                    if line.startswith(b"data: "):
                        at = time.time()
                        out.write(f"{json.loads(line[6:])['event_id']} {at}\n")

    await asyncio.gather(*(one(path) for path in paths))


def listener_main(args: list[str]) -> None:
    port, paths_file, headers, out_file, ready = args
    paths = Path(paths_file).read_text().split()
    with open(out_file, "w", buffering=1) as out:
        asyncio.run(listen(int(port), paths, headers.replace("|", "\r\n"), out, Path(ready)))


def start_listener(
    port: int, paths: list[str], headers: str, workdir: Path, name: str
) -> tuple[subprocess.Popen[bytes], Path]:
    paths_file = workdir / f"{name}.paths"
    paths_file.write_text("\n".join(paths))
    out, ready = workdir / f"{name}.received", workdir / f"{name}.ready"
    command = [sys.executable, __file__, "--listener", str(port), str(paths_file), headers]
    listener = subprocess.Popen([*command, str(out), str(ready)])
    deadline = time.monotonic() + 120
    while not ready.exists():
        if time.monotonic() > deadline or listener.poll() is not None:
            raise RuntimeError("the streams did not open")
        time.sleep(0.1)
    return listener, out


def received(out: Path) -> dict[str, float]:
    found = {}
    for line in out.read_text().splitlines():
        event_id, at = line.split()
        found[event_id] = float(at)
    return found


def send_at_rate(
    post: Any, players: int, rate: int, seconds: float, prefix: str
) -> dict[str, float]:
    """Open loop: a batch every TICK whatever the server does; each event's accept time
    is when its batch was answered."""
    per_tick = max(1, round(rate * TICK))
    accepted: dict[str, float] = {}
    n = 0
    start = time.monotonic()
    for tick in range(round(seconds / TICK)):
        delay = start + tick * TICK - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        batch = [(f"{prefix}{n + i}", f"p{(n + i) % players}") for i in range(per_tick)]
        n += per_tick
        post(batch)
        now = time.time()
        accepted.update((event_id, now) for event_id, _ in batch)
    return accepted


def latencies(
    accepted: dict[str, float], out: Path, timeout: float = 180
) -> tuple[list[float], float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = received(out)
        if len(got) >= len(accepted):
            break
        time.sleep(0.5)
    got = received(out)
    found = [(got[e] - at) * 1000 for e, at in accepted.items() if e in got]
    return found, len(found) / len(accepted)


def summary(name: str, found: list[float], share: float) -> None:
    q = statistics.quantiles(found, n=100)
    print(
        f"  {name:<40} p50 {q[49]:7.1f} ms   p99 {q[98]:7.1f} ms   max {max(found):7.1f} ms"
        f"   ({share:.1%} received)"
    )


# --- the webhook receiver ---


class _Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy
    count = 0
    first = last = 0.0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()
        with _Counting.lock:
            _Counting.count += 1
            _Counting.last = time.monotonic()
            _Counting.first = _Counting.first or _Counting.last

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=5000, help="events per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--webhooks", type=int, default=5000, help="deliveries to time")
    args = parser.parse_args()
    print(
        f"{args.streams} open streams, {args.rate} events/s for {args.seconds:g} s in batches"
        f" every {TICK * 1000:g} ms (one notification per event, spread over the streams)"
    )
    with tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp:
        workdir = Path(tmp)
        baseline(args, workdir)
        questline(args, workdir)


def baseline(args: argparse.Namespace, workdir: Path) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--echo", str(port)])
    try:
        wait_http(f"http://127.0.0.1:{port}/health")
        before = rss_kib(server.pid)
        paths = [f"/stream/p{i}" for i in range(args.streams)]
        listener, out = start_listener(port, paths, "", workdir, "echo")
        time.sleep(1)
        per_stream = (rss_kib(server.pid) - before) / args.streams
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:

            def post(batch: list[tuple[str, str]]) -> None:
                body = [{"id": e, "player": p} for e, p in batch]
                http.post("/publish", content=json.dumps(body)).raise_for_status()

            accepted = send_at_rate(post, args.streams, args.rate, args.seconds, "x")
        found, share = latencies(accepted, out)
        listener.kill()
    finally:
        server.kill()
    print("\nbaseline: a bare SSE echo server (Starlette + sse-starlette, in memory)")
    summary("posted → received", found, share)
    print(f"  memory per open stream:                  {per_stream:7.1f} KiB")


def questline(args: argparse.Namespace, workdir: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "QUESTLINE_BOOTSTRAP_KEY": KEY,
        "QUESTLINE_LOG_LEVEL": "warning",
        "QUESTLINE_PORT": str(port),
        "QUESTLINE_NOTIFICATION_STREAM_SECONDS": "3600",
        "QUESTLINE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    env.pop("QUESTLINE_REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-m", "questline.cli", "migrate"], env=env, check=True, capture_output=True
    )
    serve = [sys.executable, "-m", "questline.cli", "serve"]
    server = subprocess.Popen(serve, env=env, cwd=workdir)
    headers = {"Authorization": f"Bearer {KEY}"}
    try:
        wait_http(f"{base}/health")
        http = httpx.Client(base_url=base, headers=headers, timeout=120)
        yaml = {"Content-Type": "application/yaml"}
        http.put("/v1/config", content=DESIGN, headers=yaml).raise_for_status()
        before = rss_kib(server.pid)
        paths = [f"/v1/players/p{i}/notifications/stream" for i in range(args.streams)]
        auth = f"Authorization: Bearer {KEY}|"
        listener, out = start_listener(port, paths, auth, workdir, "questline")
        time.sleep(1)
        per_stream = (rss_kib(server.pid) - before) / args.streams

        def post(batch: list[tuple[str, str]]) -> None:
            events = [{"id": e, "type": "did", "player": p} for e, p in batch]
            http.post("/v1/events/batch", json={"events": events}).raise_for_status()

        accepted = send_at_rate(post, args.streams, args.rate, args.seconds, "e")
        found, share = latencies(accepted, out)
        listener.kill()
        print("\nquestline serve (embedded: SQLite, worker thread), its streams")
        summary("accepted → notification received", found, share)
        print(f"  memory per open stream:                  {per_stream:7.1f} KiB")
        webhooks(args, http)
        http.close()
    finally:
        server.kill()


def webhooks(args: argparse.Namespace, http: httpx.Client) -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    receiver.daemon_threads = True
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
    endpoint = {"url": url, "events": ["notification.created"]}
    http.post("/v1/webhooks", json=endpoint).raise_for_status()
    for offset in range(0, args.webhooks, 1000):
        count = min(1000, args.webhooks - offset)
        events = [
            {"id": f"w{offset + i}", "type": "did", "player": f"h{i % 50}"} for i in range(count)
        ]
        http.post("/v1/events/batch", json={"events": events}).raise_for_status()
    deadline = time.monotonic() + 300
    while _Counting.count < args.webhooks and time.monotonic() < deadline:
        time.sleep(0.2)
    done, took = _Counting.count, _Counting.last - _Counting.first
    body = http.get("/v1/webhooks").json()  # a body of about a delivery's size
    payload = json.dumps({"type": "notification.created", "data": body}).encode()[:900]

    # Baseline: the same receiver, a plain client, the same concurrency (8) and keep-alive.
    _Counting.count, _Counting.first = 0, 0.0
    pool = httpcore.ConnectionPool(max_connections=16)
    started = time.monotonic()
    with ThreadPoolExecutor(8) as threads:
        sends = range(args.webhooks)
        list(threads.map(lambda _: pool.request("POST", url, content=payload), sends))
    raw = args.webhooks / (time.monotonic() - started)
    receiver.shutdown()
    print("\nwebhooks from the embedded sender (8 in flight) to a local receiver")
    rate = done / max(took, 1e-9)
    print(f"  deliveries:                              {rate:7.0f} /s ({done} signed and recorded)")
    print(f"  baseline, plain client, same receiver:   {raw:7.0f} requests/s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--echo"]:
        echo_server(int(sys.argv[2]))
    elif sys.argv[1:2] == ["--listener"]:
        listener_main(sys.argv[2:])
    else:
        main()
