"""Pure rules of the social module: which effects become activity entries, how an entry
reads in a locale, and who may see whose activity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from questline.engine.compiler import CompiledDesign
from questline.engine.effects import Effect, Effects, LevelReached
from questline.engine.mechanics_effects import (
    AchievementUnlocked,
    QuestCompleted,
    ScoreTierChanged,
    StreakExtended,
)
from questline.engine.notifications import Localized, Template, parse_template


def _texts(**by_locale: str) -> Localized:
    return {locale: parse_template(text) for locale, text in by_locale.items()}


# How each public kind reads when the design gives no words of its own.
DEFAULT_MESSAGES: Mapping[str, Localized] = {
    "level_reached": _texts(
        en="{player} reached level {level} in {currency_name}",
        fr="{player} a atteint le niveau {level} en {currency_name}",
        es="{player} alcanzó el nivel {level} en {currency_name}",
        de="{player} hat Stufe {level} in {currency_name} erreicht",
    ),
    "achievement_unlocked": _texts(
        en="{player} unlocked {badge}",
        fr="{player} a débloqué {badge}",
        es="{player} desbloqueó {badge}",
        de="{player} hat {badge} freigeschaltet",
    ),
    "streak_extended": _texts(
        en="{player} kept a {current}-day {streak_name}",
        fr="{player} a tenu {streak_name} {current} jours d'affilée",
        es="{player} mantuvo {streak_name} {current} días seguidos",
        de="{player} hat {streak_name} {current} Tage in Folge gehalten",
    ),
    "quest_completed": _texts(
        en="{player} completed {quest_name}",
        fr="{player} a terminé {quest_name}",
        es="{player} completó {quest_name}",
        de="{player} hat {quest_name} abgeschlossen",
    ),
    "score_tier_changed": _texts(
        en="{player} reached {tier} in {score_name}",
        fr="{player} a atteint {tier} en {score_name}",
        es="{player} alcanzó {tier} en {score_name}",
        de="{player} hat {tier} in {score_name} erreicht",
    ),
}


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to write: its kind and what it is about (ids and numbers, no words)."""

    kind: str
    data: dict[str, Any]


def entries_of(effects: Effects, design: CompiledDesign) -> list[NewEntry]:
    """The public entries an event's effects make under this design, in order (none for
    an app whose design does not turn the module on: its API is off, and so are its
    writes)."""
    activity = design.activity
    if not activity.public or "social" not in design.design.modules:
        return []
    found = []
    for effect in effects.items:
        if effect.kind in activity.public:
            data = _subject(effect, activity.streak_milestones)
            if data is not None:
                found.append(NewEntry(effect.kind, data))
    return found


def _subject(effect: Effect, milestones: frozenset[int]) -> dict[str, Any] | None:
    if isinstance(effect, LevelReached):
        return {
            "currency": effect.currency,
            "level": effect.level,
            "previous_level": effect.previous_level,
        }
    if isinstance(effect, AchievementUnlocked):
        return {"achievement": effect.achievement, "tier": effect.tier}
    if isinstance(effect, StreakExtended):
        if effect.current not in milestones:
            return None
        return {"streak": effect.streak, "current": effect.current, "longest": effect.longest}
    if isinstance(effect, QuestCompleted):
        return {"quest": effect.quest}
    if isinstance(effect, ScoreTierChanged):
        if effect.tier is None:
            return None
        return {
            "score": effect.score,
            "tier": effect.tier,
            "previous_tier": effect.previous_tier,
            "value": effect.value,
            "previous_value": effect.previous_value,
        }
    return None


Name = str | Mapping[str, str] | None


def localize(name: Name, locale: str, fallback: str) -> str:
    if name is None:
        return fallback
    if isinstance(name, str):
        return name
    for wanted in (locale, locale.split("-")[0], "en"):
        if wanted in name:
            return name[wanted]
    return next(iter(name.values()), fallback)


def fields_of(
    kind: str, data: Mapping[str, Any], design: CompiledDesign, locale: str
) -> dict[str, str]:
    """What a template of the kind may name, from an entry's data and the design's names
    (engine.notifications.FIELDS, less what an entry does not keep)."""
    spec = design.design
    fields = {key: "" if value is None else str(value) for key, value in data.items()}
    if kind == "level_reached":
        currency = spec.currencies.get(str(data.get("currency")))
        fields["currency_name"] = (currency.name if currency else None) or fields["currency"]
    elif kind == "achievement_unlocked":
        key = str(data.get("achievement"))
        found = design.achievement(key)
        name = localize(found.spec.name if found else None, locale, key)
        tier = data.get("tier")
        fields.update(
            achievement_name=name,
            badge=f"{name} ({tier})" if tier else name,
            description=localize(found.spec.description if found else None, locale, ""),
        )
    elif kind == "streak_extended":
        key = str(data.get("streak"))
        streak = spec.streaks.get(key)
        fields["streak_name"] = localize(streak.name if streak else None, locale, key)
    elif kind == "quest_completed":
        key = str(data.get("quest"))
        quest = next((q for q in spec.quests if q.id == key), None)
        fields["quest_name"] = localize(quest.name if quest else None, locale, key)
    elif kind == "score_tier_changed":
        key = str(data.get("score"))
        score = spec.scores.get(key)
        fields["score_name"] = localize(score.name if score else None, locale, key)
    return fields


def reading_locale(asked: str | None, reader: str | None, design: CompiledDesign | None) -> str:
    """The reader's words: as asked (`?locale=`), else the reader's own, else the design's."""
    return asked or reader or (design.activity.default_locale if design else "en")


def message(
    kind: str, data: Mapping[str, Any], player: str, design: CompiledDesign | None, locale: str
) -> str:
    """How an entry reads for a reader in `locale`: the design's template for the kind in
    the locale, its language or English, else the built-in one."""
    given = design.activity.messages.get(kind, {}) if design else {}
    fallback = DEFAULT_MESSAGES.get(kind) or _texts(en="{player}: " + kind.replace("_", " "))
    template = _pick(given, fallback, locale)
    if design is not None:
        fields = fields_of(kind, data, design, locale)
    else:
        fields = {key: str(value) for key, value in data.items()}
    fields["player"] = player
    return template.render(fields)


def _pick(given: Localized, fallback: Localized, locale: str) -> Template:
    if "" in given:
        return given[""]
    for choice in (locale, locale.split("-")[0], "en"):
        for source in (given, fallback):
            if choice in source:
                return source[choice]
    return next(iter(given.values()), None) or next(iter(fallback.values()))


def may_see(*, private: bool, is_self: bool, blocked: bool) -> bool:
    """Whether a reader may see a player's activity: never across a block either way,
    always their own, and not a private player's (a private profile is hidden from
    everyone but its owner, feeds and friends boards included)."""
    if is_self:
        return True
    return not blocked and not private
