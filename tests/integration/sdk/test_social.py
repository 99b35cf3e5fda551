"""Follows, blocks, private profiles, the feed, activity and cheers through the client,
against a live server whose game turns on the social module.

In that game a player's first `did` unlocks `first-step` and 100 XP reaches level 2:
both are public effects, so each becomes an activity entry."""

from __future__ import annotations

import pytest

from questline_client import (
    AsyncQuestline,
    Conflict,
    Follow,
    Forbidden,
    NotFound,
    Profile,
    Questline,
    ValidationError,
)
from tests.conftest import ADMIN_KEY
from tests.integration.sdk.conftest import LiveServer
from tests.support import aio


def join(questline: Questline, player: str, name: str, xp: int = 10) -> None:
    """The player's first event: it unlocks `first-step` (and level 2 from 100 XP)."""
    sent = questline.send(
        "did", player, properties={"n": xp}, profile=Profile(name=name), wait=True
    )
    assert sent.status == "processed"


def test_players_follow_each_other_and_page_through_the_lists(questline: Questline) -> None:
    for player, name in (("fl-ana", "Ana"), ("fl-ben", "Ben"), ("fl-cy", "Cy")):
        join(questline, player, name)

    assert questline.follow("fl-ana", "fl-ben") == Follow(
        player="fl-ana", other="fl-ben", active=True
    )
    assert questline.follow("fl-ana", "fl-ben").active  # again: nothing changes
    questline.follow("fl-ana", "fl-cy")
    questline.follow("fl-ben", "fl-ana")

    first = questline.following("fl-ana", limit=1)
    assert [(x.player, x.display_name) for x in first.data] == [("fl-cy", "Cy")]
    assert first.next_cursor is not None
    rest = questline.following("fl-ana", limit=1, cursor=first.next_cursor)
    assert [x.player for x in rest.data] == ["fl-ben"]
    assert [x.player for x in questline.iter_following("fl-ana", page_size=1)] == [
        "fl-cy",
        "fl-ben",
    ]
    assert [x.player for x in questline.iter_followers("fl-ana", page_size=1)] == ["fl-ben"]
    assert [x.player for x in questline.followers("fl-cy").data] == ["fl-ana"]
    ana = questline.player("fl-ana")
    assert (ana.following, ana.followers) == (2, 1)

    questline.unfollow("fl-ana", "fl-cy")
    questline.unfollow("fl-ana", "fl-cy")  # again: still not following, no error
    assert [x.player for x in questline.iter_following("fl-ana")] == ["fl-ben"]
    assert questline.followers("fl-cy").data == []

    with pytest.raises(ValidationError) as oneself:
        questline.follow("fl-ana", "fl-ana")
    assert oneself.value.errors[0]["loc"] == ["path", "other_id"]
    with pytest.raises(NotFound):
        questline.follow("fl-ana", "fl-nobody")


def test_the_feed_shows_what_followed_players_did_and_cheers_count(
    questline: Questline,
) -> None:
    join(questline, "fd-ana", "Ana")
    join(questline, "fd-ben", "Ben", xp=100)
    join(questline, "fd-cy", "Cy")
    questline.follow("fd-ana", "fd-ben")
    questline.follow("fd-ana", "fd-cy")

    feed = questline.feed("fd-ana")
    assert feed.locale == "en"
    assert feed.next_cursor is None
    assert [(e.player, e.kind, e.message) for e in feed.data] == [
        ("fd-cy", "achievement_unlocked", "Cy unlocked First step"),
        ("fd-ben", "achievement_unlocked", "Ben unlocked First step"),
        ("fd-ben", "level_reached", "Ben reached level 2 in XP"),
    ]
    assert feed.data[2].data == {"currency": "xp", "level": 2, "previous_level": 1}
    assert [e.id for e in questline.iter_feed("fd-ana", page_size=1)] == [e.id for e in feed.data]
    french = questline.feed("fd-ana", locale="fr", limit=1)
    assert (french.locale, french.data[0].message) == ("fr", "Cy a débloqué First step")
    assert french.next_cursor is not None

    activity = questline.activity("fd-ben")
    assert [e.message for e in activity.data] == [
        "Ben unlocked First step",
        "Ben reached level 2 in XP",
    ]
    assert [e.kind for e in questline.iter_activity("fd-ben", page_size=1)] == [
        "achievement_unlocked",
        "level_reached",
    ]

    level = activity.data[1]
    cheered = questline.cheer("fd-ana", level.id)
    assert (cheered.entry_id, cheered.cheers, cheered.cheered) == (level.id, 1, True)
    assert questline.cheer("fd-ana", level.id).cheers == 1  # cheering twice counts once
    assert questline.cheer("fd-cy", level.id).cheers == 2
    seen = next(e for e in questline.feed("fd-ana").data if e.id == level.id)
    assert (seen.cheers, seen.cheered) == (2, True)
    as_ana = questline.activity("fd-ben", viewer="fd-ana").data
    assert [e.cheered for e in as_ana] == [False, True]
    taken_back = questline.uncheer("fd-cy", level.id)
    assert (taken_back.cheers, taken_back.cheered) == (1, False)
    assert [n.title for n in questline.iter_notifications("fd-ben") if n.kind == "cheer"] == [
        "Cy cheered you on",
        "Ana cheered you on",
    ]
    with pytest.raises(ValidationError):
        questline.cheer("fd-ben", level.id)  # one's own entry


def test_a_block_ends_the_follows_and_refuses_new_ones(questline: Questline) -> None:
    join(questline, "bl-ana", "Ana")
    join(questline, "bl-ben", "Ben")
    questline.follow("bl-ana", "bl-ben")
    questline.follow("bl-ben", "bl-ana")
    assert [e.player for e in questline.feed("bl-ana").data] == ["bl-ben"]

    blocked = questline.block("bl-ben", "bl-ana")
    assert (blocked.player, blocked.other, blocked.active) == ("bl-ben", "bl-ana", True)
    assert [x.player for x in questline.iter_blocks("bl-ben")] == ["bl-ana"]
    assert [(x.player, x.display_name) for x in questline.blocks("bl-ben").data] == [
        ("bl-ana", "Ana")
    ]
    assert questline.following("bl-ana").data == []
    assert questline.followers("bl-ana").data == []
    assert questline.feed("bl-ana").data == []
    with pytest.raises(Conflict) as refused:
        questline.follow("bl-ana", "bl-ben")
    assert (refused.value.status, refused.value.code) == (409, "blocked")
    with pytest.raises(Forbidden):
        questline.activity("bl-ben", viewer="bl-ana")
    entry = questline.activity("bl-ben").data[0]
    with pytest.raises(NotFound):
        questline.cheer("bl-ana", entry.id)

    questline.unblock("bl-ben", "bl-ana")
    assert questline.blocks("bl-ben").data == []
    assert questline.follow("bl-ana", "bl-ben").active
    assert [e.player for e in questline.feed("bl-ana").data] == ["bl-ben"]


def test_a_private_profile_leaves_the_feed_until_made_public(questline: Questline) -> None:
    join(questline, "pr-ana", "Ana")
    join(questline, "pr-ben", "Ben")
    join(questline, "pr-cy", "Cy")
    questline.follow("pr-ana", "pr-ben")
    questline.follow("pr-ana", "pr-cy")
    assert [e.player for e in questline.feed("pr-ana").data] == ["pr-cy", "pr-ben"]

    profile = questline.set_private_profile("pr-cy", True)
    assert (profile.player, profile.private, profile.following, profile.followers) == (
        "pr-cy",
        True,
        0,
        1,
    )
    assert questline.player("pr-cy").private_profile
    assert [e.player for e in questline.feed("pr-ana").data] == ["pr-ben"]
    with pytest.raises(Forbidden):
        questline.activity("pr-cy", viewer="pr-ana")
    assert [e.player for e in questline.activity("pr-cy", viewer="pr-cy").data] == ["pr-cy"]
    assert [x.player for x in questline.followers("pr-cy").data] == ["pr-ana"]  # still followed

    assert not questline.set_private_profile("pr-cy", False).private
    assert [e.player for e in questline.feed("pr-ana").data] == ["pr-cy", "pr-ben"]


def test_the_async_client_follows_blocks_and_cheers(live: LiveServer, questline: Questline) -> None:
    join(questline, "as-ana", "Ana")
    join(questline, "as-ben", "Ben")
    join(questline, "as-cy", "Cy")

    async def scenario() -> None:
        async with AsyncQuestline(ADMIN_KEY, live.url) as aq:
            assert (await aq.follow("as-ana", "as-ben")).active
            await aq.follow("as-ana", "as-cy")
            page = await aq.following("as-ana", limit=1)
            assert [x.player for x in page.data] == ["as-cy"]
            assert [x.player async for x in aq.iter_following("as-ana", page_size=1)] == [
                "as-cy",
                "as-ben",
            ]
            assert [x.player for x in (await aq.followers("as-ben")).data] == ["as-ana"]
            assert [x.player async for x in aq.iter_followers("as-cy")] == ["as-ana"]

            feed = await aq.feed("as-ana", locale="de")
            assert [e.message for e in feed.data] == [
                "Cy hat First step freigeschaltet",
                "Ben hat First step freigeschaltet",
            ]
            assert [e.id async for e in aq.iter_feed("as-ana", page_size=1)] == [
                e.id for e in feed.data
            ]
            [entry] = (await aq.activity("as-ben", viewer="as-ana")).data
            assert [e.id async for e in aq.iter_activity("as-ben")] == [entry.id]
            assert (await aq.cheer("as-ana", entry.id)).cheers == 1
            assert not (await aq.uncheer("as-ana", entry.id)).cheered

            await aq.unfollow("as-ana", "as-cy")
            assert [x.player for x in (await aq.following("as-ana")).data] == ["as-ben"]
            await aq.block("as-ana", "as-ben")
            assert [x.player for x in (await aq.blocks("as-ana")).data] == ["as-ben"]
            assert [x.player async for x in aq.iter_blocks("as-ana")] == ["as-ben"]
            with pytest.raises(Conflict) as refused:
                await aq.follow("as-ben", "as-ana")
            assert refused.value.code == "blocked"
            await aq.unblock("as-ana", "as-ben")
            assert (await aq.blocks("as-ana")).data == []

            assert (await aq.set_private_profile("as-ben", True)).private
            await aq.follow("as-ana", "as-ben")
            assert (await aq.feed("as-ana")).data == []

    aio.run(scenario())
