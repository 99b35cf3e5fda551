"""The pages' pure parts: which language a page speaks, how long is left, which pages an
app's design calls for. No I/O."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from questline.engine.compiler import CompiledDesign

DEFAULT_LOCALE = "en"
_LOCALES_DIR = Path(__file__).parent / "locales"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _load_messages() -> dict[str, dict[str, str]]:
    found = {}
    for path in sorted(_LOCALES_DIR.glob("*.json")):
        messages = json.loads(path.read_text(encoding="utf-8"))
        found[path.stem] = {str(k): str(v) for k, v in messages.items()}
    return found


# Read once, when the module is imported (not while a request waits).
MESSAGES: Mapping[str, Mapping[str, str]] = _load_messages()
LOCALES = tuple(MESSAGES)


class Words(dict[str, str]):
    """One language's UI text by key, English where it has none, else the key itself:
    what `Translator` answers for a text with nothing to fill in, looked up the cheap
    way (a page shows dozens of labels, and a call from a template costs more)."""

    def __missing__(self, key: str) -> str:
        return key


WORDS: Mapping[str, Words] = {
    locale: Words({**MESSAGES[DEFAULT_LOCALE], **{k: v for k, v in messages.items() if v}})
    for locale, messages in MESSAGES.items()
}


def widget_messages() -> dict[str, dict[str, str]]:
    """The texts the widgets speak (`widget.*`) and each language's direction."""
    return {
        locale: {k: v for k, v in messages.items() if k == "dir" or k.startswith("widget.")}
        for locale, messages in MESSAGES.items()
    }


@dataclass(frozen=True)
class Translator:
    """The UI text of one language; a key it lacks falls back to English, then to itself.
    `names`: the locale the game design's names are read in, by the API's one rule
    (`reading_locale`: the page's chosen language, else the player's locale, else the
    design's `default_locale`), which may differ from the page's own."""

    locale: str
    names: str = DEFAULT_LOCALE

    @property
    def direction(self) -> str:
        return self("dir")

    @property
    def words(self) -> Words:
        """The labels (texts with nothing to fill in) of this language, by key."""
        return WORDS[self.locale]

    def __call__(self, key: str, **values: Any) -> str:
        text = MESSAGES[self.locale].get(key) or MESSAGES[DEFAULT_LOCALE].get(key, key)
        if not values:  # most of a page's texts (its labels) have nothing to fill in
            return text
        return _PLACEHOLDER.sub(lambda m: str(values.get(m[1], m[0])), text)


def pick_locale(*wanted: str | None) -> str:
    """The first of ``wanted`` (a page's `lang`, the player's locale, the browser's
    Accept-Language) whose language the pages speak: `he-IL` speaks `he`."""
    return spoken(*wanted) or DEFAULT_LOCALE


def spoken(*wanted: str | None) -> str | None:
    """`pick_locale` without the fallback: None when the pages speak none of ``wanted``."""
    for value in wanted:
        for part in (value or "").split(","):
            language = part.split(";")[0].strip().split("-")[0].split("_")[0].lower()
            if language in MESSAGES:
                return language
    return None


def shown_avatar(url: str | None) -> str | None:
    """A player's picture as the pages and widgets show it: from an `https://` address
    only (the pages' CSP allows images from any https origin, and an `http://` one would
    be mixed content on a page served over HTTPS); None shows their initial instead."""
    return url if url is not None and url.startswith("https://") else None


def time_left(t: Translator, ends_at: datetime | None, now: datetime) -> str | None:
    """`2 d 5 h`, `3 h 10 min`, `12 min` until ``ends_at``; None without an end."""
    if ends_at is None:
        return None
    seconds = int((ends_at - now).total_seconds())
    if seconds <= 0:
        return t("time.ended")
    minutes, hours, days = seconds // 60 % 60, seconds // 3600 % 24, seconds // 86400
    if days:
        return t("time.days", d=days, h=hours)
    if hours:
        return t("time.hours", h=hours, m=minutes)
    return t("time.minutes", m=max(minutes, 1))


@dataclass(frozen=True)
class Features:
    """Which pages an app's design calls for: a page appears only where it is used."""

    badges: bool
    missions: bool
    leaderboards: bool
    league: bool
    wallet: bool
    reviews: bool
    feed: bool = False

    @classmethod
    def of(cls, design: CompiledDesign, *, social: bool = False) -> Features:
        """``social``: whether the social module is wired in (it has no switch in designs)."""
        return cls(
            badges=bool(design.achievements),
            missions=bool(design.quests),
            leaderboards=bool(design.leaderboards),
            league=design.design.leagues is not None,
            wallet=bool(design.shop.offers) or any(c.spendable for c in design.currencies.values()),
            reviews="learning" in design.design.modules,
            feed=social,
        )


@dataclass(frozen=True)
class Page:
    """A link of the navigation."""

    name: str  # the template's and the translation's key
    path: str


PAGES = (
    Page("dashboard", "/play"),
    Page("badges", "/play/badges"),
    Page("missions", "/play/missions"),
    Page("leaderboards", "/play/leaderboards"),
    Page("league", "/play/league"),
    Page("wallet", "/play/wallet"),
    Page("reviews", "/play/reviews"),
    Page("feed", "/play/feed"),
)


def navigation(features: Features) -> list[Page]:
    return [p for p in PAGES if p.name == "dashboard" or getattr(features, p.name)]
