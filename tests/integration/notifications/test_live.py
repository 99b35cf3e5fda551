"""Live notifications over Server-Sent Events: what a browser's EventSource sees."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from tests.conftest import ADMIN_KEY
from tests.integration.conftest import JWT_SECRET, Api, make_settings
from tests.support.processes import QuestlineProcess, free_port, start_api
from tests.support.sse import SseClient, SseEvent

# One notification per event: "+n XP".
DESIGN = """
currencies: {xp: {name: XP}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""
STREAM = "/v1/players/zoe/notifications/stream"


def token(api: Api, player: str = "zoe") -> str:
    return str(api.post(f"/v1/players/{player}/token", expect=200).json()["token"])


def sse(response: httpx.Response) -> list[SseEvent]:
    """The events of a stream the server has ended."""
    found, fields = [], {}
    for line in response.text.splitlines():
        if line == "":
            if "data" in fields:
                event = fields.get("event", "message")
                found.append(SseEvent(fields.get("id"), event, fields["data"]))
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
    return found


# In the test client a stream ends after QUESTLINE_NOTIFICATION_STREAM_SECONDS (0.5 s in
# the tests' settings), as a stream does in production after its lifetime.


def test_a_stream_resumes_after_last_event_id_with_the_backlog_in_order(
    api: Api, client: TestClient
) -> None:
    api.publish(DESIGN)
    for n in range(1, 6):
        api.event("zoe", "did", n=n)
    ids = sorted(n["id"] for n in api.get("/v1/players/zoe/notifications").json()["data"])
    response = client.get(
        STREAM, params={"access_token": token(api)}, headers={"Last-Event-ID": str(ids[1])}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse(response)
    assert [e.id for e in events] == [str(i) for i in ids[2:]]
    assert [e.event for e in events] == ["notification"] * 3
    assert [e.json["title"] for e in events] == ["+3 XP", "+4 XP", "+5 XP"]
    assert "retry: " in response.text  # tells EventSource how soon to reconnect


def test_a_new_stream_starts_from_now_or_after_a_given_id(api: Api, client: TestClient) -> None:
    api.publish(DESIGN)
    for n in range(1, 4):
        api.event("zoe", "did", n=n)
    ids = sorted(n["id"] for n in api.get("/v1/players/zoe/notifications").json()["data"])
    fresh = client.get(STREAM, params={"access_token": token(api)})
    assert fresh.status_code == 200
    assert sse(fresh) == []
    after = client.get(STREAM, params={"access_token": token(api), "after": ids[0]})
    assert [e.id for e in sse(after)] == [str(i) for i in ids[1:]]


def test_eventsource_credentials_a_player_token_in_the_query_or_a_cookie(
    api: Api, client: TestClient
) -> None:
    api.publish(DESIGN)
    zoe = token(api)
    assert client.get(STREAM, params={"access_token": zoe}).status_code == 200
    client.cookies.set("questline_token", zoe)
    assert client.get(STREAM).status_code == 200
    client.cookies.clear()
    assert client.get(STREAM, headers={"Authorization": f"Bearer {zoe}"}).status_code == 200
    assert client.get(STREAM, headers={"Authorization": f"Bearer {ADMIN_KEY}"}).status_code == 200

    assert client.get(STREAM).status_code == 401
    # A key or a console token never travels in a URL: refused even when valid.
    key = client.get(STREAM, params={"access_token": ADMIN_KEY})
    assert key.status_code == 401
    assert "player token" in key.json()["detail"]
    assert client.get(STREAM, params={"access_token": token(api, "max")}).status_code == 403
    # Only the stream takes a token in the query.
    other = client.get("/v1/players/zoe/notifications", params={"access_token": zoe})
    assert other.status_code == 401


def test_a_quiet_stream_sends_heartbeats(database_url: str) -> None:
    settings = make_settings(
        database_url, notification_ping_seconds=0.1, notification_stream_seconds=0.5
    )
    with TestClient(create_app(settings)) as client:
        api = Api(client)
        api.publish(DESIGN)
        quiet = client.get(STREAM, params={"access_token": token(api)})
    assert quiet.text.count(": ping") >= 2


def test_a_bad_last_event_id_is_refused(api: Api, client: TestClient) -> None:
    api.publish(DESIGN)
    bad = client.get(
        STREAM, params={"access_token": token(api)}, headers={"Last-Event-ID": "yesterday"}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["header", "Last-Event-ID"]


# --- a real server, as browsers use it ---


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[tuple[QuestlineProcess, str]]:
    port = free_port()
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": database_url,
        "QUESTLINE_BOOTSTRAP_KEY": ADMIN_KEY,
        "QUESTLINE_JWT_SECRET": JWT_SECRET,
        "QUESTLINE_SQLITE_SYNCHRONOUS": "NORMAL",
        "QUESTLINE_WORKER_POLL_SECONDS": "0.05",
        "QUESTLINE_EMBEDDED_JOBS": "false",
        "QUESTLINE_NOTIFICATION_PING_SECONDS": "0.2",
        "QUESTLINE_LOG_LEVEL": "warning",
    }
    env.pop("QUESTLINE_REDIS_URL", None)
    process = start_api(env, tmp_path, "serve", port)
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.kill()


def admin(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {ADMIN_KEY}"})


def test_a_client_that_drops_and_resumes_sees_every_notification_once_in_order(
    server: tuple[QuestlineProcess, str],
) -> None:
    _, base = server
    with admin(base) as http:
        published = http.put(
            "/v1/config", content=DESIGN, headers={"Content-Type": "application/yaml"}
        )
        assert published.status_code == 201, published.text
        zoe = http.post("/v1/players/zoe/token").json()["token"]
        url = f"{base}{STREAM}?access_token={zoe}"
        first = SseClient(url).start()

        sent = threading.Event()

        def send_events() -> None:
            # Events keep coming while the client drops and comes back.
            with admin(base) as sender:
                for n in range(1, 121):
                    body = {"id": f"e{n}", "type": "did", "player": "zoe", "properties": {"n": n}}
                    assert sender.post("/v1/events", json=body).status_code == 202
            sent.set()

        threading.Thread(target=send_events, daemon=True).start()
        before = first.wait_for(20)
        dropped = first.close()
        assert len(dropped) >= len(before)
        second = SseClient(url, headers={"Last-Event-ID": dropped[-1].id or ""}).start()
        assert sent.wait(120)
        resumed = second.wait_for(120 - len(dropped))
        second.close()

    seen = [*dropped, *resumed]
    ids = [int(e.id or 0) for e in seen]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids) == 120
    assert [e.json["title"] for e in seen] == [f"+{n} XP" for n in range(1, 121)]
    assert all(e.json["event_id"] == f"e{n}" for n, e in enumerate(seen, start=1))


def test_open_streams_end_cleanly_when_the_server_stops(
    server: tuple[QuestlineProcess, str],
) -> None:
    process, base = server
    with admin(base) as http:
        zoe = http.post("/v1/players/zoe/token").json()["token"]
    streams = [SseClient(f"{base}{STREAM}?access_token={zoe}").start() for _ in range(3)]
    assert all(s.status == 200 for s in streams)
    # SIGTERM: uvicorn waits for open connections (up to 30 s here); the streams must
    # end at once, not hold the shutdown until that deadline.
    code = process.stop(timeout=15)
    assert code in (0, -15), process.log_text()  # uvicorn re-raises SIGTERM once done
    assert "graceful shutdown exceeded" not in process.log_text()
    assert all(s.join(timeout=5) for s in streams)
    assert all(s.ended and s.error is None for s in streams)
