"""How each effect kind notifies when the design says nothing about it.

Players are told what they will want to see — an award, a level, a badge, a streak
kept, saved or lost, a quest done, a new tier — and not the bookkeeping behind it
(metric counts, rules that fired or were skipped, progress ticks). The few that matter
away from the app (a level, a badge, a streak in danger) are offered for push.
"""

from __future__ import annotations

from dataclasses import dataclass

from questline.engine.notifications import STREAK_AT_RISK, Localized, parse_template


@dataclass(frozen=True, slots=True)
class Default:
    notify: bool
    push: bool
    title: Localized
    body: Localized


def _texts(**by_locale: str) -> Localized:
    return {locale: parse_template(text) for locale, text in by_locale.items()}


_SILENT = _texts(en="")

DEFAULTS: dict[str, Default] = {
    "currency_awarded": Default(
        notify=True,
        push=False,
        title=_texts(
            en="{signed_amount} {currency_name}",
            fr="{signed_amount} {currency_name}",
            es="{signed_amount} {currency_name}",
            de="{signed_amount} {currency_name}",
        ),
        body=_texts(en="{rule_name}"),
    ),
    "level_reached": Default(
        notify=True,
        push=True,
        title=_texts(
            en="Level {level}!", fr="Niveau {level} !", es="¡Nivel {level}!", de="Stufe {level}!"
        ),
        body=_texts(
            en="You reached level {level} in {currency_name}.",
            fr="Vous avez atteint le niveau {level} en {currency_name}.",
            es="Has alcanzado el nivel {level} en {currency_name}.",
            de="Du hast Stufe {level} in {currency_name} erreicht.",
        ),
    ),
    "achievement_unlocked": Default(
        notify=True,
        push=True,
        title=_texts(
            en="Badge unlocked: {badge}",
            fr="Badge débloqué : {badge}",
            es="Insignia desbloqueada: {badge}",
            de="Abzeichen freigeschaltet: {badge}",
        ),
        body=_texts(en="{description}"),
    ),
    "achievement_progressed": Default(
        notify=False,
        push=False,
        title=_texts(en="{achievement_name}: {value}/{target}"),
        body=_SILENT,
    ),
    "streak_extended": Default(
        notify=True,
        push=False,
        title=_texts(
            en="{streak_name}: {current} in a row!",
            fr="{streak_name} : {current} d'affilée !",
            es="{streak_name}: ¡{current} seguidos!",
            de="{streak_name}: {current} in Folge!",
        ),
        body=_texts(
            en="Your longest: {longest}.",
            fr="Votre record : {longest}.",
            es="Tu récord: {longest}.",
            de="Dein Rekord: {longest}.",
        ),
    ),
    "streak_frozen": Default(
        notify=True,
        push=True,
        title=_texts(
            en="A freeze saved your {streak_name} streak",
            fr="Un gel a sauvé votre série {streak_name}",
            es="Un congelador salvó tu racha {streak_name}",
            de="Ein Freeze hat deine Serie {streak_name} gerettet",
        ),
        body=_texts(
            en="Freezes left: {freezes_left}.",
            fr="Gels restants : {freezes_left}.",
            es="Congeladores restantes: {freezes_left}.",
            de="Verbleibende Freezes: {freezes_left}.",
        ),
    ),
    "streak_broken": Default(
        notify=True,
        push=True,
        title=_texts(
            en="Your {streak_name} streak ended",
            fr="Votre série {streak_name} s'est arrêtée",
            es="Tu racha {streak_name} terminó",
            de="Deine Serie {streak_name} ist gerissen",
        ),
        body=_texts(
            en="It reached {length} in a row. A new one starts today.",
            fr="Elle avait atteint {length} d'affilée. Une nouvelle commence aujourd'hui.",
            es="Llegó a {length} seguidos. Hoy empieza una nueva.",
            de="Sie erreichte {length} in Folge. Heute beginnt eine neue.",
        ),
    ),
    "streak_freezes_granted": Default(
        notify=True,
        push=False,
        title=_texts(
            en="+{count} freeze for {streak_name}",
            fr="+{count} gel pour {streak_name}",
            es="+{count} congelador para {streak_name}",
            de="+{count} Freeze für {streak_name}",
        ),
        body=_texts(
            en="You hold {freezes}.",
            fr="Vous en avez {freezes}.",
            es="Tienes {freezes}.",
            de="Du hast {freezes}.",
        ),
    ),
    "quest_progressed": Default(
        notify=False, push=False, title=_texts(en="{quest_name}"), body=_SILENT
    ),
    "quest_completed": Default(
        notify=True,
        push=True,
        title=_texts(
            en="Quest complete: {quest_name}",
            fr="Quête terminée : {quest_name}",
            es="Misión cumplida: {quest_name}",
            de="Quest abgeschlossen: {quest_name}",
        ),
        body=_SILENT,
    ),
    "score_tier_changed": Default(
        notify=True,
        push=True,
        title=_texts(en="{score_name}: {tier}"),
        body=_texts(
            en="Before: {previous_tier}.",
            fr="Avant : {previous_tier}.",
            es="Antes: {previous_tier}.",
            de="Vorher: {previous_tier}.",
        ),
    ),
    "score_changed": Default(
        notify=False, push=False, title=_texts(en="{score_name}: {value}"), body=_SILENT
    ),
    "metric_incremented": Default(
        notify=False, push=False, title=_texts(en="{metric} +{by}"), body=_SILENT
    ),
    "rule_fired": Default(notify=False, push=False, title=_texts(en="{rule_name}"), body=_SILENT),
    "rule_skipped": Default(
        notify=False, push=False, title=_texts(en="{rule_name}: {reason}"), body=_SILENT
    ),
    STREAK_AT_RISK: Default(
        notify=True,
        push=True,
        title=_texts(
            en="Your {streak_name} streak ends at {ends_at}",
            fr="Votre série {streak_name} se termine à {ends_at}",
            es="Tu racha {streak_name} termina a las {ends_at}",
            de="Deine Serie {streak_name} endet um {ends_at}",
        ),
        body=_texts(
            en="Keep your {current} in a row going today.",
            fr="Gardez vos {current} d'affilée aujourd'hui.",
            es="Mantén tus {current} seguidos hoy.",
            de="Halte deine {current} in Folge heute am Leben.",
        ),
    ),
}
