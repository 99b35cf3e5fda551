"""The social calls of both clients (the design must turn on `modules: [social]`):
follows, blocks, a private profile, the feed, a player's activity and cheers. Mixed into
`Questline` and `AsyncQuestline`, which make the requests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel

from questline_client import _calls
from questline_client.models import (
    ActivityEntry,
    ActivityPage,
    Cheer,
    Follow,
    Link,
    Page,
    SocialProfile,
)

M = TypeVar("M", bound=BaseModel)


class SocialCalls:
    """`Questline`'s social calls."""

    def _call(self, call: _calls.Call[M]) -> M:
        raise NotImplementedError

    def _pages(self, call: _calls.Call[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def follow(self, player_id: str, other_id: str) -> Follow:
        """``player_id`` follows ``other_id`` (following again changes nothing).
        ``Conflict`` (code ``blocked``) when a block stands between them."""
        return self._call(_calls.follow(player_id, other_id))

    def unfollow(self, player_id: str, other_id: str) -> None:
        """``player_id`` stops following ``other_id`` (also when not following)."""
        self._call(_calls.unfollow(player_id, other_id))

    def following(
        self, player_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Link]:
        """A page of the players a player follows, the latest follow first."""
        return self._call(_calls.links(player_id, "following", limit, cursor))

    def iter_following(self, player_id: str, *, page_size: int = 100) -> Iterator[Link]:
        """Every player a player follows, the latest follow first, page after page."""
        return self._pages(_calls.links(player_id, "following", page_size, None))

    def followers(
        self, player_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Link]:
        """A page of the players who follow a player, the latest follow first."""
        return self._call(_calls.links(player_id, "followers", limit, cursor))

    def iter_followers(self, player_id: str, *, page_size: int = 100) -> Iterator[Link]:
        """Every player who follows a player, the latest follow first, page after page."""
        return self._pages(_calls.links(player_id, "followers", page_size, None))

    def block(self, player_id: str, other_id: str) -> Follow:
        """``player_id`` blocks ``other_id``: the follows between them go, both ways, and
        neither can follow the other or see the other's activity until it is lifted."""
        return self._call(_calls.block(player_id, other_id))

    def unblock(self, player_id: str, other_id: str) -> None:
        """Lift ``player_id``'s block of ``other_id`` (also when there is none)."""
        self._call(_calls.unblock(player_id, other_id))

    def blocks(
        self, player_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Link]:
        """A page of the players a player blocked, the latest first."""
        return self._call(_calls.links(player_id, "blocks", limit, cursor))

    def iter_blocks(self, player_id: str, *, page_size: int = 100) -> Iterator[Link]:
        """Every player a player blocked, the latest first, page after page."""
        return self._pages(_calls.links(player_id, "blocks", page_size, None))

    def set_private_profile(self, player_id: str, private: bool) -> SocialProfile:
        """Make a player's profile private (in no one's feed or friends board, its
        activity read by its owner only) or, with ``False``, public again."""
        return self._call(_calls.private_profile(player_id, private))

    def feed(
        self,
        player_id: str,
        *,
        locale: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> ActivityPage:
        """A page of what the players a player follows did, newest first, worded in
        ``locale`` (else the player's own)."""
        return self._call(_calls.feed(player_id, locale, limit, cursor))

    def iter_feed(
        self, player_id: str, *, locale: str | None = None, page_size: int = 100
    ) -> Iterator[ActivityEntry]:
        """A player's whole feed, newest first, page after page."""
        return self._pages(_calls.feed(player_id, locale, page_size, None))

    def activity(
        self,
        player_id: str,
        *,
        viewer: str | None = None,
        locale: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> ActivityPage:
        """A page of a player's own public activity, newest first. With ``viewer``, as
        that player may see it: ``Forbidden`` across a block or for a private profile."""
        return self._call(_calls.activity(player_id, viewer, locale, limit, cursor))

    def iter_activity(
        self,
        player_id: str,
        *,
        viewer: str | None = None,
        locale: str | None = None,
        page_size: int = 100,
    ) -> Iterator[ActivityEntry]:
        """A player's whole activity, newest first, page after page."""
        return self._pages(_calls.activity(player_id, viewer, locale, page_size, None))

    def cheer(self, player_id: str, entry_id: int) -> Cheer:
        """``player_id`` cheers another player's activity entry (once: again changes
        nothing); the entry's player is notified the first time."""
        return self._call(_calls.cheer(player_id, entry_id))

    def uncheer(self, player_id: str, entry_id: int) -> Cheer:
        """``player_id`` takes their cheer of an entry back."""
        return self._call(_calls.uncheer(player_id, entry_id))


class AsyncSocialCalls:
    """`AsyncQuestline`'s social calls."""

    async def _call(self, call: _calls.Call[M]) -> M:
        raise NotImplementedError

    def _pages(self, call: _calls.Call[Any]) -> AsyncIterator[Any]:
        raise NotImplementedError

    async def follow(self, player_id: str, other_id: str) -> Follow:
        """``player_id`` follows ``other_id`` (following again changes nothing).
        ``Conflict`` (code ``blocked``) when a block stands between them."""
        return await self._call(_calls.follow(player_id, other_id))

    async def unfollow(self, player_id: str, other_id: str) -> None:
        """``player_id`` stops following ``other_id`` (also when not following)."""
        await self._call(_calls.unfollow(player_id, other_id))

    async def following(
        self, player_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Link]:
        """A page of the players a player follows, the latest follow first."""
        return await self._call(_calls.links(player_id, "following", limit, cursor))

    def iter_following(self, player_id: str, *, page_size: int = 100) -> AsyncIterator[Link]:
        """Every player a player follows, the latest follow first, page after page."""
        return self._pages(_calls.links(player_id, "following", page_size, None))

    async def followers(
        self, player_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Link]:
        """A page of the players who follow a player, the latest follow first."""
        return await self._call(_calls.links(player_id, "followers", limit, cursor))

    def iter_followers(self, player_id: str, *, page_size: int = 100) -> AsyncIterator[Link]:
        """Every player who follows a player, the latest follow first, page after page."""
        return self._pages(_calls.links(player_id, "followers", page_size, None))

    async def block(self, player_id: str, other_id: str) -> Follow:
        """``player_id`` blocks ``other_id``: the follows between them go, both ways, and
        neither can follow the other or see the other's activity until it is lifted."""
        return await self._call(_calls.block(player_id, other_id))

    async def unblock(self, player_id: str, other_id: str) -> None:
        """Lift ``player_id``'s block of ``other_id`` (also when there is none)."""
        await self._call(_calls.unblock(player_id, other_id))

    async def blocks(
        self, player_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Link]:
        """A page of the players a player blocked, the latest first."""
        return await self._call(_calls.links(player_id, "blocks", limit, cursor))

    def iter_blocks(self, player_id: str, *, page_size: int = 100) -> AsyncIterator[Link]:
        """Every player a player blocked, the latest first, page after page."""
        return self._pages(_calls.links(player_id, "blocks", page_size, None))

    async def set_private_profile(self, player_id: str, private: bool) -> SocialProfile:
        """Make a player's profile private (in no one's feed or friends board, its
        activity read by its owner only) or, with ``False``, public again."""
        return await self._call(_calls.private_profile(player_id, private))

    async def feed(
        self,
        player_id: str,
        *,
        locale: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> ActivityPage:
        """A page of what the players a player follows did, newest first, worded in
        ``locale`` (else the player's own)."""
        return await self._call(_calls.feed(player_id, locale, limit, cursor))

    def iter_feed(
        self, player_id: str, *, locale: str | None = None, page_size: int = 100
    ) -> AsyncIterator[ActivityEntry]:
        """A player's whole feed, newest first, page after page."""
        return self._pages(_calls.feed(player_id, locale, page_size, None))

    async def activity(
        self,
        player_id: str,
        *,
        viewer: str | None = None,
        locale: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> ActivityPage:
        """A page of a player's own public activity, newest first. With ``viewer``, as
        that player may see it: ``Forbidden`` across a block or for a private profile."""
        return await self._call(_calls.activity(player_id, viewer, locale, limit, cursor))

    def iter_activity(
        self,
        player_id: str,
        *,
        viewer: str | None = None,
        locale: str | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[ActivityEntry]:
        """A player's whole activity, newest first, page after page."""
        return self._pages(_calls.activity(player_id, viewer, locale, page_size, None))

    async def cheer(self, player_id: str, entry_id: int) -> Cheer:
        """``player_id`` cheers another player's activity entry (once: again changes
        nothing); the entry's player is notified the first time."""
        return await self._call(_calls.cheer(player_id, entry_id))

    async def uncheer(self, player_id: str, entry_id: int) -> Cheer:
        """``player_id`` takes their cheer of an entry back."""
        return await self._call(_calls.uncheer(player_id, entry_id))
