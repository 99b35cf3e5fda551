"""The design's `activity` section: which effects become public activity entries (the
feed of the players who follow someone), and how an entry reads in each locale.

Only the shape, the defaults of which effects are public, and the check of templates at
publish time live here; writing and reading entries is the social module's business.
Templates use the grammar and the fields of notification templates
(`engine.notifications`), and every template may also name `{player}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import Field

from questline.engine.notifications import (
    IssueSink,
    Locale,
    Localized,
    Title,
    compile_templates,
)
from questline.engine.spec import SpecModel

# The effects that can be public, and whether they are when the design says nothing.
PUBLIC_BY_DEFAULT: Mapping[str, bool] = {
    "level_reached": True,
    "achievement_unlocked": True,
    "streak_extended": True,  # only at a milestone (`streak_milestones`)
    "quest_completed": True,
    "score_tier_changed": False,
}
ACTIVITY_KINDS = tuple(PUBLIC_BY_DEFAULT)
DEFAULT_MILESTONES = (7, 14, 30, 50, 100, 180, 365)


class ActivityEffect(SpecModel):
    """Whether an effect kind is public, and its words. Left out: the default."""

    public: bool | None = None
    message: Title | None = Field(
        default=None, description="one template, or one per locale ({'en': ..., 'fr': ...})"
    )


class ActivitySpec(SpecModel):
    enabled: bool = True
    default_locale: Locale = Field(
        default="en", description="the words for a reader with no locale of their own"
    )
    streak_milestones: list[Annotated[int, Field(ge=2)]] = Field(
        default_factory=lambda: list(DEFAULT_MILESTONES),
        description="the streak lengths that make an entry",
    )
    effects: dict[str, ActivityEffect] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompiledActivity:
    enabled: bool = True
    default_locale: str = "en"
    streak_milestones: frozenset[int] = frozenset(DEFAULT_MILESTONES)
    public: frozenset[str] = frozenset(k for k, public in PUBLIC_BY_DEFAULT.items() if public)
    messages: Mapping[str, Localized] = field(default_factory=dict)


def compile_activity(spec: ActivitySpec, report: IssueSink) -> CompiledActivity:
    public = {kind for kind, default in PUBLIC_BY_DEFAULT.items() if default}
    messages: dict[str, Localized] = {}
    for kind, effect in spec.effects.items():
        loc: tuple[str | int, ...] = ("activity", "effects", kind)
        if kind not in PUBLIC_BY_DEFAULT:
            report(
                loc,
                f"'{kind}' cannot be public activity (kinds: {', '.join(ACTIVITY_KINDS)})",
                None,
            )
            continue
        if effect.public is True:
            public.add(kind)
        elif effect.public is False:
            public.discard(kind)
        compiled = compile_templates(effect.message, kind, (*loc, "message"), report)
        if compiled:
            messages[kind] = compiled
    return CompiledActivity(
        enabled=spec.enabled,
        default_locale=spec.default_locale,
        streak_milestones=frozenset(spec.streak_milestones),
        public=frozenset(public) if spec.enabled else frozenset(),
        messages=messages,
    )
