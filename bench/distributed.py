"""Benchmark of the distributed mode on loopback: PostgreSQL, Redis, `questline serve
--workers 2` and Celery workers, with a load generator in a process of its own.
Prints figures; asserts nothing.

(a) batches of 1,000 events, sent by a few concurrent connections as fast as they are
    accepted: events/s end to end (first request sent → last effect committed).
(b) single events, open loop at a fixed rate (2,000 requests/s by default): requests go
    out on schedule whether or not earlier ones were answered, and latency is counted
    from the scheduled time, so a stalled server cannot hide behind a slow client.
    Prints p50/p99 ingest latency and the processing lag (age of the oldest pending
    event) sampled meanwhile; then the same at lower rates, to show what is sustained.
(c) events for new players at a steady pace, each polled for on the XP leaderboard
    (served from Redis): p50/p99 of accepted → visible.

In the same run, the raw limits: the same rows written by one plain `COPY` into a table
shaped like the event log, and one `ZADD` per event through a Redis pipeline, with our
end-to-end figure as a ratio of each. And the CPU time each part of the stack used (read
from /proc): per event in (a), with the rate the cores could sustain at that cost; the
cores busy in (b).

    python bench/distributed.py [--events 30000] [--rate 2000] [--lower-rates 500,1000]
                                [--seconds 10] [--workers 2] [--worker-nice 10]

The Celery workers run at a lower priority than the API (nice 10, as in the Procfile).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import queue
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import cpu  # noqa: E402  (bench/cpu.py, next to this file)
from questline.processing.distributed import QUEUE  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.processes import free_port  # noqa: E402
from tests.support.redis import RedisServer  # noqa: E402

KEY = "ql_sk_bench-admin-key-0123456789abcdefghijklmnopq"
HEADERS = {"Authorization": f"Bearer {KEY}"}
# The parts the machine's CPU time is split into (process trees; see bench/cpu.py).
API, WORKERS, POSTGRES, REDIS, GENERATOR = (
    "API", "workers", "PostgreSQL", "Redis", "load generator"
)  # fmt: skip
STACK = (API, WORKERS, POSTGRES, REDIS)


def make_events(count: int, players: int, prefix: str, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "id": f"{prefix}-{i}",
            "type": "attempt.submitted",
            "player": f"player-{rng.randrange(players)}",
            "item": f"challenge-{rng.randrange(20)}",
            "properties": {"score": rng.randrange(101)},
        }
        for i in range(count)
    ]


# --- the load generator (its own process) ----------------------------------------------


class Connection:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams. A general-purpose client
    spent more CPU per request than the server does, and the generator shares the two
    cores with the server: it must cost as little as possible per request."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


async def _send_batches(
    base: str, events: list[dict[str, Any]], size: int, connections: int
) -> float:
    chunks = [orjson.dumps({"events": events[i : i + size]}) for i in range(0, len(events), size)]
    started = time.time()

    async def sender() -> None:
        connection = Connection(*_address(base))
        while chunks:
            status = await connection.post("/v1/events/batch", chunks.pop())
            if status != 202:
                raise RuntimeError(f"a batch was answered {status}")

    await asyncio.gather(*(sender() for _ in range(connections)))
    return started


async def _send_open_loop(
    base: str, events: list[dict[str, Any]], rate: float, connections: int = 64
) -> tuple[list[float], int, float, float]:
    """Requests are due on a fixed schedule; a request waits for a free connection if
    all are busy, and that wait counts in its latency."""
    latencies: list[float] = []
    errors = 0
    due_queue: asyncio.Queue[tuple[bytes, float] | None] = asyncio.Queue()

    async def sender() -> None:
        nonlocal errors
        connection = Connection(*_address(base))
        while (item := await due_queue.get()) is not None:
            body, due = item
            try:
                if await connection.post("/v1/events", body) != 202:
                    errors += 1
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                connection = Connection(*_address(base))
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
    answered_for = time.perf_counter() - start
    return latencies, errors, sent_for, answered_for


def load_generator(phase: str, base: str, args: dict[str, Any], out: Any) -> None:
    if phase == "batches":
        events = make_events(args["events"], args["players"], "batch", 1)
        started = asyncio.run(_send_batches(base, events, args["batch"], args["connections"]))
        # Its own CPU time: it has ended by the time the stack's is read.
        out.put({"started": started, "accepted": time.time(), "cpu": time.process_time()})
    else:
        count = int(args["rate"] * args["seconds"])
        events = make_events(count, args["players"], f"single-{args['rate']:.0f}", 2)
        started = time.time()
        latencies, errors, sent_for, answered_for = asyncio.run(
            _send_open_loop(base, events, args["rate"])
        )
        out.put(
            {
                "started": started,
                "latencies": latencies,
                "errors": errors,
                "sent_for": sent_for,
                "answered_for": answered_for,
            }
        )


def run_load(phase: str, base: str, args: dict[str, Any]) -> multiprocessing.Process:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=load_generator, args=(phase, base, args, queue))
    process.start()
    process.queue = queue  # type: ignore[attr-defined]
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


# --- the stack ----------------------------------------------------------------------------


def pending(connection: psycopg.Connection[Any]) -> tuple[int, float]:
    """Pending events and the age of the oldest (the processing lag), in seconds. (One
    connection for every look: a new one per look cost PostgreSQL a process start, and
    the stack's CPU is what is measured.)"""
    count, age = connection.execute(
        "SELECT count(*), coalesce(extract(epoch FROM now() - min(received_at)), 0)"
        " FROM events WHERE status = 'pending'"
    ).fetchone()  # type: ignore[misc]
    return int(count), float(age)


def wait_drained(connection: psycopg.Connection[Any], timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pending(connection)[0] == 0:
            return time.time()
        time.sleep(0.05)
    raise RuntimeError("events still pending after the timeout")


def start_stack(
    workdir: Path,
    db_url: str,
    redis_url: str,
    workers: int,
    shards: int | None,
    worker_nice: int,
) -> tuple[list[subprocess.Popen[bytes]], str]:
    port = free_port()
    metrics = workdir / "metrics"
    metrics.mkdir()
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": db_url,
        "QUESTLINE_REDIS_URL": redis_url,
        "QUESTLINE_BOOTSTRAP_KEY": KEY,
        "QUESTLINE_LOG_LEVEL": "warning",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }
    if shards is not None:
        env["QUESTLINE_WORKER_SHARDS"] = str(shards)
    cli = [sys.executable, "-m", "questline.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    log = (workdir / "stack.log").open("ab")
    processes = [
        subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=log,
        )
    ]
    for _ in range(workers):
        processes.append(
            subprocess.Popen(
                ["nice", "-n", str(worker_nice), *cli, "worker", "--pool", "solo"],
                env=env,
                cwd=workdir,
                stdout=log,
                stderr=log,
            )
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return processes, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the API did not become ready")


def publish(base: str) -> None:
    with httpx.Client(base_url=base, headers=HEADERS, timeout=60) as client:
        design = (ROOT / "blueprints" / "skillquest.yaml").read_bytes()
        client.put(
            "/v1/config", content=design, headers={"Content-Type": "application/yaml"}
        ).raise_for_status()
        for i in range(20):
            client.post(
                "/v1/items",
                json={
                    "key": f"challenge-{i}",
                    "kind": "challenge",
                    "attributes": {"xp": 50 + 10 * i},
                },
            ).raise_for_status()


def wait_for_workers(redis_url: str, timeout: float = 60) -> None:
    """Until the workers have taken what the publish queued (the achievement backfill).
    A worker starts slower than the API: a backfill still queued when events arrive
    would run meanwhile, through every player (a)'s first batches created, and (a)
    would measure it as well."""
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    try:
        while client.llen(QUEUE):
            if time.monotonic() > deadline:
                raise RuntimeError("the workers took nothing from the queue")
            time.sleep(0.1)
    finally:
        client.close()


# --- the raw limits -----------------------------------------------------------------------


def raw_copy(conninfo: str, events: list[dict[str, Any]]) -> float:
    """The same rows, one plain COPY into a table shaped (and indexed) like the log."""
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE raw_events (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES)"
        )
        rows = [
            (1, e["id"], 1 + int(e["player"].split("-")[1]), e["type"], "now", "now", "UTC",
             f'{{"score": {e["properties"]["score"]}}}', e["item"], "pending")
            for e in events
        ]  # fmt: skip
        started = time.perf_counter()
        with (
            connection.transaction(),
            connection.cursor().copy(
                "COPY raw_events (app_id, key, player_id, type, occurred_at, received_at,"
                " time_zone, properties, item_key, status) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return len(rows) / (time.perf_counter() - started)


def raw_zadd(redis_url: str, events: list[dict[str, Any]]) -> float:
    """One ZADD per event into a sorted set, pipelined 1,000 at a time."""
    client = redis.Redis.from_url(redis_url)
    try:
        started = time.perf_counter()
        for offset in range(0, len(events), 1000):
            pipe = client.pipeline(transaction=False)
            for event in events[offset : offset + 1000]:
                pipe.zadd("raw:leaderboard", {event["player"]: event["properties"]["score"]})
            pipe.execute()
        return len(events) / (time.perf_counter() - started)
    finally:
        client.close()


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def _probe(client: httpx.AsyncClient, index: int, delay: float) -> float:
    """Send one event for a new player; return seconds from its 202 to its rank on the
    skillquest XP board being served."""
    await asyncio.sleep(delay)
    player = f"probe-{index}"
    event = {"id": f"probe-{index}", "type": "attempt.submitted", "player": player,
             "item": "challenge-0", "properties": {"score": 90}}  # fmt: skip
    answer = await client.post("/v1/events", json=event)
    accepted = time.perf_counter()
    if answer.status_code != 202:
        raise RuntimeError(f"a probe was answered {answer.status_code}")
    while time.perf_counter() - accepted < 30:
        ranks = await client.get(f"/v1/players/{player}/ranks")
        if any(rank["board"] == "global_xp" for rank in ranks.json()["data"]):
            return time.perf_counter() - accepted
        await asyncio.sleep(0.005)
    raise RuntimeError(f"{player} never showed on the leaderboard")


def accept_to_leaderboard(base: str, probes: int, rate: float) -> list[float]:
    """Events sent at `rate` per second, each polled for on the leaderboard (read from
    Redis) until it shows: the time from accepted to visible, in seconds."""

    async def run() -> list[float]:
        async with httpx.AsyncClient(base_url=base, headers=HEADERS, timeout=30) as client:
            return await asyncio.gather(*(_probe(client, i, i / rate) for i in range(probes)))

    return asyncio.run(run())


def open_loop(
    base: str, database: psycopg.Connection[Any], settings: dict[str, Any], roots: dict[int, str]
) -> dict[str, Any]:
    """(b) at one rate: the generator's figures, the lag sampled meanwhile, the CPU each
    part of the stack used while the generator sent and got answers, and the drain."""
    load = run_load("singles", base, settings)
    assert load.pid is not None
    roots = {**roots, load.pid: GENERATOR}
    lags: list[float] = []
    samples = [cpu.sample()] if cpu.available() else []
    while (found := result_of(load, wait=0.25)) is None:
        lags.append(pending(database)[1])
        if samples:
            samples.append(cpu.sample())
    finished = time.time()
    drained_after = wait_drained(database) - finished
    progress(f"(b) at {settings['rate']:.0f}/s done")
    # The samples taken while requests went out, not while the generator started.
    sending = (found["started"], found["started"] + found["sent_for"])
    window = [s for s in samples if sending[0] <= s.at <= sending[1]]
    busy = None
    if len(window) >= 2:
        seconds = window[-1].at - window[0].at
        used = cpu.used(window[0], window[-1], roots)
        busy = {name: value / seconds for name, value in used.items()}
    return {
        **found,
        "rate": settings["rate"],
        "lags": lags,
        "drained_after": drained_after,
        "busy": busy,
    }


def print_open_loop(found: dict[str, Any], seconds: float) -> None:
    latencies = [x * 1000 for x in found["latencies"]]
    q = statistics.quantiles(latencies, n=100)
    sent = len(latencies)
    print(f"\n(b) {sent} single events, open loop at {found['rate']:.0f}/s for {seconds:.0f} s")
    print(f"  offered rate achieved by the generator: {sent / found['sent_for']:.0f} requests/s")
    print(f"  ingest latency: p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms; errors {found['errors']}")
    print(f"  answered: {sent / found['answered_for']:.0f} requests/s (all answered after"
          f" {found['answered_for']:.1f} s)")  # fmt: skip
    lags = found["lags"] or [0.0]
    print(f"  processing lag (oldest pending): median {statistics.median(lags):.2f} s,"
          f" max {max(lags):.2f} s")  # fmt: skip
    print(f"  drained {found['drained_after']:.2f} s after the last answer")
    busy = found["busy"]
    if busy is not None:
        print(f"  cores busy while sending: {busy['machine']:.2f} of {os.cpu_count()}"
              f" ({describe(busy, '{:.2f}')})")  # fmt: skip
        print(f"  API CPU per request: {busy[API] / found['rate'] * 1e6:.0f} µs")


def describe(used: dict[str, float], form: str) -> str:
    """Each part's figure, then what no part accounts for (ended processes, the system)."""
    parts = [*STACK, GENERATOR]
    other = used["machine"] - sum(used.get(name, 0.0) for name in parts)
    return ", ".join(f"{name} {form.format(used.get(name, 0.0))}" for name in parts) + (
        f", other {form.format(other)}"
    )


def print_cost(used: dict[str, float] | None, events: int) -> None:
    """(a)'s CPU per event, by part, and the rate the cores could sustain at that cost."""
    if used is None:
        return
    per_event = {name: value / events * 1e6 for name, value in used.items()}
    stack = sum(per_event.get(name, 0.0) for name in STACK)
    cores = os.cpu_count() or 1
    print(f"  CPU used, first send → last effect: {used['machine']:.1f} s of {cores} cores;"
          f" per event in µs: {describe(per_event, '{:.0f}')}")  # fmt: skip
    print(f"  the stack's CPU per event ({' + '.join(STACK)}): {stack:.0f} µs, so {cores}"
          f" cores sustain at most {cores / stack * 1e6:.0f} events/s at this cost")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=30_000, help="events sent in batches")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=4, help="batch senders in flight")
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=2000, help="single events per second")
    parser.add_argument(
        "--lower-rates",
        type=lambda text: [float(r) for r in text.split(",") if r],
        default=[500.0, 1000.0],
        help="(b) again at these rates, to show what this machine sustains (comma-separated)",
    )
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="niceness of the Celery workers: below the API, as on a machine they share",
    )
    parser.add_argument("--seconds", type=float, default=10, help="duration of the open loop")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--probes", type=int, default=200, help="(c) events polled for")
    parser.add_argument("--probe-rate", type=float, default=20, help="(c) probes per second")
    parser.add_argument(
        "--shards", type=int, default=None, help="QUESTLINE_WORKER_SHARDS (default: its default)"
    )
    args = parser.parse_args()
    settings = vars(args)
    # Stopped early (Ctrl-C, SIGTERM): still stop the servers this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    print(
        f"distributed mode on loopback, {os.cpu_count()} cores: PostgreSQL (fsync off), Redis,"
        f" API × 2 processes, {args.workers} Celery workers (nice {args.worker_nice});"
        f" skillquest, {args.players} players"
    )
    with (
        tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp,
        PostgresServer() as pg,
        RedisServer() as rds,
    ):
        workdir = Path(tmp)
        db_url = pg.create_database("bench")
        conninfo = pg.conninfo_for("bench")
        processes, base = start_stack(
            workdir, db_url, rds.url, args.workers, args.shards, args.worker_nice
        )
        database = psycopg.connect(conninfo, autocommit=True)
        try:
            publish(base)
            wait_for_workers(rds.url)
            progress("stack up; (a) batches")
            roots = {processes[0].pid: API, pg.pid: POSTGRES, rds.pid: REDIS}
            roots.update({process.pid: WORKERS for process in processes[1:]})

            # (a) batches, end to end
            before = cpu.sample() if cpu.available() else None
            load = run_load("batches", base, settings)
            found = result_of(load)
            drained = wait_drained(database)
            cost = None
            if before is not None:
                cost = {**cpu.used(before, cpu.sample(), roots), GENERATOR: found["cpu"]}
            ingest_rate = args.events / (found["accepted"] - found["started"])
            end_to_end = args.events / (drained - found["started"])

            progress(f"(a) done: {end_to_end:.0f} events/s end to end; (b) singles")
            singles = [
                open_loop(base, database, {**settings, "rate": rate}, roots)
                for rate in [args.rate, *args.lower_rates]
            ]
            progress("(b) done; (c) accept → leaderboard")
            board = accept_to_leaderboard(base, args.probes, args.probe_rate)
        except BaseException:
            log = (workdir / "stack.log").read_text(errors="replace").splitlines()
            print("\n".join(log[-40:]), file=sys.stderr)
            raise
        finally:
            database.close()
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)

        progress("(c) done; raw limits")
        events = make_events(args.events, args.players, "batch", 1)
        copy_rate = raw_copy(conninfo, events)
        zadd_rate = raw_zadd(rds.url, events)

    print(f"\n(a) {args.events} events in batches of {args.batch}, {args.connections} connections")
    print(f"  ingest (202s received):            {ingest_rate:9.0f} events/s")
    print(f"  end to end (sent → effects committed): {end_to_end:6.0f} events/s")
    print(f"  raw: one COPY of the same rows:   {copy_rate:9.0f} rows/s")
    print(f"     end to end / COPY:             {end_to_end / copy_rate:9.3f}")
    print(f"  raw: pipelined ZADD per event:    {zadd_rate:9.0f} ops/s")
    print(f"     end to end / ZADD:             {end_to_end / zadd_rate:9.3f}")
    print_cost(cost, args.events)
    for found in singles:
        print_open_loop(found, args.seconds)
    seen = statistics.quantiles([x * 1000 for x in board], n=100)
    print(f"\n(c) {args.probes} events for new players at {args.probe_rate:.0f}/s, each polled for"
          " on the XP board (served from Redis)")  # fmt: skip
    print(f"  accept → visible on the leaderboard: p50 {seen[49]:.0f} ms, p99 {seen[98]:.0f} ms")
    print("\ntargets: ≥ 10,000 events/s end to end with batches; p99 ingest < 50 ms at 2,000"
          " single-event requests/s; accept-to-leaderboard p99 < 1 s")  # fmt: skip


if __name__ == "__main__":
    main()
