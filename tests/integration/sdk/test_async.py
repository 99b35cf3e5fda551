"""AsyncQuestline against a live server: the same answers, awaited."""

from __future__ import annotations

import pytest

from questline_client import AsyncQuestline, Event, NotFound
from tests.conftest import ADMIN_KEY
from tests.integration.sdk.conftest import LiveServer, eventually
from tests.support import aio


def test_the_async_client_sends_and_reads_back(live: LiveServer) -> None:
    async def scenario() -> None:
        async with AsyncQuestline(ADMIN_KEY, live.url) as questline:
            sent = await questline.send("did", "quin", properties={"n": 30}, wait=True)
            again = await questline.send("did", "quin", id=sent.id, properties={"n": 30})
            assert again.duplicate
            await questline.send_batch(
                [Event(type="did", player="quin", properties={"n": 1})] * 3, wait=True
            )
            player = await questline.player("quin")
            assert player.currencies["xp"].balance == 33
            assert [e.amount async for e in questline.iter_ledger("quin", page_size=2)] == [
                1,
                1,
                1,
                30,
            ]
            assert (await questline.streaks("quin"))[0].current == 1
            assert (await questline.achievements("quin"))[0].unlocked
            assert (await questline.quests("quin"))[0].objectives[0].progress == 4
            assert (await questline.score("quin", "activity")).tier == "busy"
            board = await questline.leaderboard("xp", around="quin", radius=0)
            assert [e.player for e in board.data] == ["quin"]
            token = await questline.player_token("quin")
            async with AsyncQuestline(token.token, live.url) as own:
                assert (await own.player("quin")).id == "quin"
            with pytest.raises(NotFound) as missing:
                await questline.player("nobody-async")
            assert missing.value.code == "not_found"

    aio.run(scenario())


def test_the_async_batcher_sends_everything_when_the_client_closes(live: LiveServer) -> None:
    async def scenario() -> list[str]:
        async with AsyncQuestline(ADMIN_KEY, live.url) as questline:
            batcher = questline.batcher(flush_interval=3600, max_batch=4)
            return [await batcher.add("did", "rae") for _ in range(10)]

    ids = aio.run(scenario())

    async def count() -> int:
        async with AsyncQuestline(ADMIN_KEY, live.url) as questline:
            found = [await questline.event(i) for i in ids]
            if any(e.status == "pending" for e in found):
                return -1
            return (await questline.player("rae")).metrics["did"].all

    eventually(lambda: aio.run(count()) == 10, "the batched events")


def test_the_async_stream_receives_a_notification(live: LiveServer) -> None:
    async def scenario() -> str:
        async with AsyncQuestline(ADMIN_KEY, live.url) as questline:
            await questline.send("did", "sol", wait=True)
            token = await questline.player_token("sol")
            async with AsyncQuestline(token.token, live.url) as sol:
                stream = await sol.notification_stream("sol")
                async with stream:
                    await questline.send("did", "sol", properties={"n": 8}, wait=True)
                    return (await anext(stream)).title

    assert aio.run(scenario()) == "+8 XP"
