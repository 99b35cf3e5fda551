"""What a player is told: messages made from effects (or a due reminder) with the
design's templates, else the defaults, in the player's locale. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from questline.engine import streaks
from questline.engine.compiler import CompiledDesign
from questline.engine.effects import (
    BalanceOpened,
    CurrencyAwarded,
    Effect,
    Effects,
    LevelReached,
    MetricIncremented,
    RuleFired,
    RuleSkipped,
    effect_to_dict,
)
from questline.engine.mechanics_compiler import CompiledStreak
from questline.engine.mechanics_effects import (
    AchievementProgressed,
    AchievementUnlocked,
    QuestCompleted,
    QuestProgressed,
    ScoreChanged,
    ScoreTierChanged,
    StreakBroken,
    StreakExtended,
    StreakFreezesGranted,
    StreakFrozen,
)
from questline.engine.notifications import STREAK_AT_RISK, Localized, Template
from questline.engine.periods import zone
from questline.engine.state import StreakState
from questline.notifications.defaults import DEFAULTS

Name = str | Mapping[str, str] | None


@dataclass(frozen=True, slots=True)
class Recipient:
    player_id: int
    app_id: int
    external_id: str
    display_name: str | None
    locale: str | None


@dataclass(frozen=True, slots=True)
class Message:
    """A notification to write: what the player reads, and the fact behind it."""

    kind: str
    title: str
    body: str
    push: bool
    data: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None  # at most one notification per player with this key


def pick(templates: Localized | None, fallback: Localized, locale: str | None) -> Template:
    """The template for `locale`: the design's one text for all locales, else the design's
    or the default's in the locale, then in its language ("pt" for "pt-BR"), then English."""
    given = templates or {}
    if "" in given:
        return given[""]
    wanted = [locale, locale.split("-")[0]] if locale else []
    for choice in [*wanted, "en"]:
        for source in (given, fallback):
            if choice in source:
                return source[choice]
    return next(iter(given.values()), None) or next(iter(fallback.values()))


def localize(name: Name, locale: str | None, fallback: str) -> str:
    if name is None:
        return fallback
    if isinstance(name, str):
        return name
    for wanted in ([locale, locale.split("-")[0]] if locale else []) + ["en"]:
        if wanted in name:
            return name[wanted]
    return next(iter(name.values()), fallback)


def messages_for(effects: Effects, design: CompiledDesign, to: Recipient) -> list[Message]:
    """One message per effect the design (or the defaults) says to notify, in order."""
    if not design.notifications.enabled:
        return []
    found = []
    for effect in effects.items:
        made = message_for(effect, design, to)
        if made is not None:
            found.append(made)
    return found


def message_for(effect: Effect, design: CompiledDesign, to: Recipient) -> Message | None:
    kind = effect.kind
    default = DEFAULTS.get(kind)
    if default is None:
        return None  # a kind this version cannot word
    notice = design.notifications.effects.get(kind)
    notify = notice.notify if notice is not None and notice.notify is not None else default.notify
    if not notify or _nothing_to_tell(effect):
        return None
    fields = fields_of(effect, design, to.locale)
    fields["player"] = to.display_name or to.external_id
    push = notice.push if notice is not None and notice.push is not None else default.push
    return Message(
        kind=kind,
        title=pick(notice.title if notice else None, default.title, to.locale).render(fields),
        body=pick(notice.body if notice else None, default.body, to.locale).render(fields),
        push=push,
        data=effect_to_dict(effect),
    )


def _nothing_to_tell(effect: Effect) -> bool:
    """An award of nothing, or a streak that has only begun ("1 in a row")."""
    if isinstance(effect, CurrencyAwarded):
        return effect.amount == 0
    return isinstance(effect, StreakExtended) and effect.current < 2


def fields_of(effect: Effect, design: CompiledDesign, locale: str | None) -> dict[str, str]:
    """The values a template of the effect's kind may name (engine.notifications.FIELDS)."""
    spec = design.design
    if isinstance(effect, CurrencyAwarded):
        currency = spec.currencies.get(effect.currency)
        return {
            "amount": str(effect.amount),
            "signed_amount": f"{effect.amount:+d}",
            "currency": effect.currency,
            "currency_name": (currency.name if currency else None) or effect.currency,
            "balance": str(effect.balance_after),
            "rule": effect.rule,
            "rule_name": _source_name(effect, design, locale),
        }
    if isinstance(effect, LevelReached):
        currency = spec.currencies.get(effect.currency)
        return {
            "level": str(effect.level),
            "previous_level": str(effect.previous_level),
            "currency": effect.currency,
            "currency_name": (currency.name if currency else None) or effect.currency,
        }
    if isinstance(effect, AchievementUnlocked | AchievementProgressed):
        return _achievement_fields(effect, design, locale)
    if isinstance(effect, StreakExtended | StreakFrozen | StreakBroken | StreakFreezesGranted):
        return _streak_fields(effect, design, locale)
    if isinstance(effect, QuestProgressed | QuestCompleted):
        quest = next((q for q in spec.quests if q.id == effect.quest), None)
        return {
            "quest": effect.quest,
            "quest_name": localize(quest.name if quest else None, locale, effect.quest),
        }
    if isinstance(effect, ScoreTierChanged | ScoreChanged):
        return _score_fields(effect, design, locale)
    if isinstance(effect, MetricIncremented):
        return {"metric": effect.metric, "by": str(effect.by)}
    if isinstance(effect, BalanceOpened):  # not a notice of any kind (no default wording)
        return {"currency": effect.currency, "balance": str(effect.balance)}
    rule = next((r for r in spec.rules if r.id == effect.rule), None)
    fields = {"rule": effect.rule, "rule_name": (rule.name if rule else None) or effect.rule}
    if isinstance(effect, RuleSkipped):
        fields["reason"] = effect.reason
    assert isinstance(effect, RuleFired | RuleSkipped)
    return fields


def _source_name(effect: CurrencyAwarded, design: CompiledDesign, locale: str | None) -> str:
    """What earned an award: the rule's name, or the achievement's or quest's."""
    key = effect.rule.removeprefix(effect.cause + ":")
    if effect.cause == "achievement":
        found = design.achievement(key.split("/")[0])  # "id" or "id/tier"
        return localize(found.spec.name if found else None, locale, key)
    if effect.cause == "quest":
        quest = next((q for q in design.design.quests if q.id == key), None)
        return localize(quest.name if quest else None, locale, key)
    rule = next((r for r in design.design.rules if r.id == key), None)
    return (rule.name if rule else None) or key


def _achievement_fields(
    effect: AchievementUnlocked | AchievementProgressed, design: CompiledDesign, locale: str | None
) -> dict[str, str]:
    found = design.achievement(effect.achievement)
    name = localize(found.spec.name if found else None, locale, effect.achievement)
    fields = {
        "achievement": effect.achievement,
        "achievement_name": name,
        "tier": effect.tier or "",
    }
    if isinstance(effect, AchievementUnlocked):
        fields["badge"] = f"{name} ({effect.tier})" if effect.tier else name
        fields["description"] = localize(found.spec.description if found else None, locale, "")
    else:
        fields.update(
            value=str(effect.value), target=str(effect.target), previous=str(effect.previous)
        )
    return fields


def _streak_fields(
    effect: StreakExtended | StreakFrozen | StreakBroken | StreakFreezesGranted,
    design: CompiledDesign,
    locale: str | None,
) -> dict[str, str]:
    streak = design.design.streaks.get(effect.streak)
    fields = {
        "streak": effect.streak,
        "streak_name": localize(streak.name if streak else None, locale, effect.streak),
    }
    if isinstance(effect, StreakExtended):
        fields.update(current=str(effect.current), longest=str(effect.longest))
    elif isinstance(effect, StreakFrozen):
        fields["freezes_left"] = str(effect.freezes_left)
    elif isinstance(effect, StreakBroken):
        fields["length"] = str(effect.length)
    else:
        fields.update(count=str(effect.count), freezes=str(effect.freezes))
    return fields


def _score_fields(
    effect: ScoreTierChanged | ScoreChanged, design: CompiledDesign, locale: str | None
) -> dict[str, str]:
    score = design.design.scores.get(effect.score)
    fields = {
        "score": effect.score,
        "score_name": localize(score.name if score else None, locale, effect.score),
        "value": str(effect.value),
    }
    if isinstance(effect, ScoreTierChanged):
        fields.update(
            tier=effect.tier or "",
            previous_tier=effect.previous_tier or "",
            previous_value=str(effect.previous_value),
        )
    else:
        fields["previous"] = str(effect.previous)
    return fields


def streak_reminder(
    streak: CompiledStreak,
    held: StreakState,
    design: CompiledDesign,
    to: Recipient,
    time_zone: str,
    now: datetime,
) -> Message | None:
    """The reminder due now for a streak at risk, if any: on the last local day of the
    period, from the design's hour on, once per period (its dedupe key names the period)."""
    reminder = design.notifications.streak_reminder
    if not design.notifications.enabled or not reminder.enabled:
        return None
    status = streaks.status(streak, held, now, time_zone)
    if not status.at_risk or status.ends_at is None:
        return None
    local = now.astimezone(zone(time_zone))
    last_day = (status.ends_at - timedelta(days=1)).date()
    if local.date() != last_day or local.hour < reminder.hour:
        return None
    default = DEFAULTS[STREAK_AT_RISK]
    fields = {
        "streak": streak.key,
        "streak_name": localize(streak.spec.name, to.locale, streak.key),
        "current": str(status.current),
        "ends_at": status.ends_at.strftime("%H:%M"),
        "player": to.display_name or to.external_id,
    }
    return Message(
        kind=STREAK_AT_RISK,
        title=pick(reminder.title, default.title, to.locale).render(fields),
        body=pick(reminder.body, default.body, to.locale).render(fields),
        push=reminder.push,
        data={
            "kind": STREAK_AT_RISK,
            "streak": streak.key,
            "current": status.current,
            "ends_at": status.ends_at.isoformat(),
        },
        dedupe_key=f"{STREAK_AT_RISK}:{streak.key}:{status.ends_at.date().isoformat()}",
    )
