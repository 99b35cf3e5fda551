"""The synchronous client against a live server: what a host app's backend does."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from questline_client import (
    AuthError,
    Event,
    NotFound,
    Profile,
    Questline,
    RetryPolicy,
    ValidationError,
)
from tests.integration.sdk.conftest import LiveServer, processed


def test_an_event_sent_is_read_back_in_the_players_state(questline: Questline) -> None:
    sent = questline.send(
        "did", "ada", properties={"n": 40}, profile=Profile(name="Ada"), wait=True
    )
    assert sent.status == "processed"
    assert sent.id.startswith("evt_")  # the client made the idempotency key
    player = questline.player("ada")
    assert player.display_name == "Ada"
    assert player.currencies["xp"].balance == 40
    assert player.currencies["xp"].level is not None
    assert player.metrics["did"].all == 1
    assert [a.id for a in questline.achievements("ada") if a.unlocked] == ["first-step"]
    assert questline.streaks("ada")[0].current == 1
    assert questline.quests("ada")[0].objectives[0].progress == 1
    assert questline.score("ada", "activity").tier == "calm"
    assert [s.key for s in questline.scores("ada")] == ["activity"]
    [entry] = questline.ledger("ada").data
    assert (entry.amount, entry.event_id) == (40, sent.id)
    assert questline.event(sent.id).effects


def test_the_same_event_sent_twice_counts_once(questline: Questline) -> None:
    first = questline.send("did", "bo", id="bo-1", properties={"n": 7}, wait=True)
    again = questline.send("did", "bo", id="bo-1", properties={"n": 7}, wait=True)
    assert (first.duplicate, again.duplicate) == (False, True)
    batch = questline.send_batch([Event(type="did", player="bo", id="bo-1", properties={"n": 7})])
    assert (batch.accepted, batch.duplicates) == (0, 1)
    assert questline.player("bo").currencies["xp"].balance == 7


def test_a_batch_records_each_event_and_reports_the_refused_one(questline: Questline) -> None:
    events = [Event(type="did", player="cy", properties={"n": n}) for n in (1, 2, 3)]
    events.insert(1, Event(type="did", player="c/y"))  # no "/" in an id
    result = questline.send_batch(events)
    assert (result.accepted, result.rejected) == (3, 1)
    assert [r.status for r in result.results] == ["pending", "rejected", "pending", "pending"]
    assert result.results[1].error is not None
    assert result.results[1].error["errors"][0]["loc"][:2] == ["events", 1]
    processed(questline, [r.id for r in result.results if r.id and r.status != "rejected"])
    assert questline.player("cy").currencies["xp"].balance == 6


def test_pagers_follow_next_cursor_to_the_end(questline: Questline) -> None:
    batch = [Event(type="did", player=f"pg{n}", properties={"n": n}) for n in range(1, 8)]
    batch += [Event(type="did", player="pg7", properties={"n": 1}) for _ in range(4)]
    result = questline.send_batch(batch, wait=True)
    assert result.accepted == 11
    ledger = list(questline.iter_ledger("pg7", page_size=2))
    assert [e.amount for e in ledger] == [1, 1, 1, 1, 7]
    assert questline.ledger("pg7", limit=2).next_cursor is not None

    board = [e.player for e in questline.iter_leaderboard("xp", page_size=3)]
    assert board.index("pg7") < board.index("pg6") < board.index("pg1")
    page = questline.leaderboard("xp", around="pg3", radius=1)
    assert "pg3" in [e.player for e in page.data]
    assert len(page.data) == 3
    friends = questline.leaderboard("xp", players=["pg1", "pg2"], period="all")
    assert [e.player for e in friends.data] == ["pg2", "pg1"]


def test_a_friends_board_ranks_whom_a_player_follows_with_their_own_standing(
    live: LiveServer, questline: Questline
) -> None:
    scores = {"fr-ana": 5, "fr-ben": 30, "fr-cy": 12, "fr-dov": 50}
    sent = questline.send_batch(
        [Event(type="did", player=p, properties={"n": n}) for p, n in scores.items()], wait=True
    )
    assert sent.accepted == 4
    with live.admin() as admin:
        for other in ("fr-ben", "fr-cy"):  # fr-ana does not follow fr-dov
            answer = admin.put(f"/v1/players/fr-ana/following/{other}")
            assert answer.status_code == 201, answer.text
    board = questline.leaderboard("xp", among="following", player="fr-ana", period="all", limit=2)
    assert [(e.player, e.rank) for e in board.data] == [("fr-ben", 1), ("fr-cy", 2)]
    assert board.player_standing is not None
    assert (board.player_standing.player, board.player_standing.rank) == ("fr-ana", 3)
    rest = questline.leaderboard(
        "xp", among="following", player="fr-ana", period="all", limit=2, cursor=board.next_cursor
    )
    assert [e.player for e in rest.data] == ["fr-ana"]


def test_errors_are_typed_and_carry_the_problem_details(
    live: LiveServer, questline: Questline
) -> None:
    with pytest.raises(NotFound) as missing:
        questline.player("nobody-ever")
    assert missing.value.status == 404
    assert missing.value.code == "not_found"
    assert missing.value.type == "urn:questline:problem:not_found"
    assert "nobody-ever" in missing.value.detail
    assert missing.value.request_id

    with pytest.raises(ValidationError) as invalid:
        questline.send("did", "x" * 201)
    assert invalid.value.status == 422
    assert invalid.value.errors[0]["loc"] == ["player"]

    with Questline("ql_sk_not-a-real-key", live.url) as stranger, pytest.raises(AuthError) as no:
        stranger.player("ada")
    assert no.value.status == 401
    assert no.value.title


def test_a_player_token_reads_only_its_own_player(live: LiveServer, questline: Questline) -> None:
    questline.send("did", "dee", wait=True)
    questline.send("did", "eve", wait=True)
    token = questline.player_token("dee", minutes=5)
    assert (token.player, token.token_type, token.expires_in) == ("dee", "bearer", 300)
    with Questline(token.token, live.url) as dee:
        assert dee.player("dee").currencies["xp"].balance == 10
        with pytest.raises(AuthError) as other:
            dee.player("eve")
    assert other.value.status == 403


def test_a_rate_limited_client_waits_as_told_and_gets_through(
    live: LiveServer, questline: Questline
) -> None:
    questline.send("did", "fay", wait=True)
    token = questline.player_token("fay").token
    statuses: list[int] = []
    http = httpx.Client(event_hooks={"response": [lambda r: statuses.append(r.status_code)]})
    balances: list[int] = []
    # Player tokens may make 10 requests a second here: reads in a row soon meet it.
    with Questline(token, live.url, http_client=http, retry=RetryPolicy(attempts=20)) as fay:
        while 429 not in statuses and len(balances) < 500:
            balances.append(fay.player("fay").currencies["xp"].balance)
    http.close()
    assert 429 in statuses
    assert balances == [10] * len(balances)  # every read got through, the limited one too
    assert statuses.count(200) == len(balances)


def test_a_notification_stream_receives_what_happens_and_resumes(
    questline: Questline,
) -> None:
    questline.send("did", "gus", properties={"n": 1}, wait=True)
    with questline.notification_stream("gus") as stream:
        # Open, and after the newest notification: the next event's arrive.
        sender = threading.Thread(
            target=lambda: questline.send("did", "gus", properties={"n": 2}, wait=True)
        )
        sender.start()
        live_one = next(stream)
        sender.join()
        assert live_one.title == "+2 XP"
        last = stream.last_event_id
    assert last == str(live_one.id)

    # Missed while away: resumed after the last one seen.
    questline.send("did", "gus", properties={"n": 3}, wait=True)
    questline.send("did", "gus", properties={"n": 4}, wait=True)
    awards: list[str] = []
    with questline.notification_stream("gus", last_event_id=last) as resumed:
        for notification in resumed:  # awards, and a score's new tier among them
            if notification.kind == "currency_awarded":
                awards.append(notification.title)
            if len(awards) == 2:
                # Streams here end after a second: this one reconnects by itself meanwhile.
                time.sleep(1.5)
                questline.send("did", "gus", properties={"n": 5}, wait=True)
            if len(awards) == 3:
                break
    assert awards == ["+3 XP", "+4 XP", "+5 XP"]


def test_a_stream_for_another_player_is_refused(live: LiveServer, questline: Questline) -> None:
    questline.send("did", "hal", wait=True)
    token = questline.player_token("hal").token
    with Questline(token, live.url) as hal, pytest.raises(AuthError) as refused:
        hal.notification_stream("ida", last_event_id=0)
    assert refused.value.status == 403
