"""The design's `notifications` section: which effects notify a player, how the message
reads in each locale, and the streak reminder.

Only the shape and the template grammar live here, with the fields each effect kind
offers to a template: that is what a design is checked against at publish time. How
messages are made from effects (and the defaults a design need not repeat) is the
notifications module's business.

A template is text with `{field}` placeholders and `{{`/`}}` for literal braces: no
attribute access, indexing, conversion or format specification, so a template can
neither reach into Python objects nor fail at render time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from pydantic import Field, StringConstraints

from questline.engine.spec import SpecModel

LOCALE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
Locale = Annotated[str, StringConstraints(pattern=LOCALE_PATTERN)]
TitleText = Annotated[str, StringConstraints(min_length=1, max_length=300)]
BodyText = Annotated[str, StringConstraints(max_length=2000)]
# One template, or one per locale ({"en": "Level {level}!", "fr": "Niveau {level} !"}).
Title = TitleText | dict[Locale, TitleText]
Body = BodyText | dict[Locale, BodyText]

STREAK_AT_RISK = "streak_at_risk"

# What a template of each kind may name. Every kind also offers `player` (the player's
# display name, or their id). The notifications module fills exactly these.
FIELDS: Mapping[str, frozenset[str]] = {
    "currency_awarded": frozenset(
        {"amount", "signed_amount", "currency", "currency_name", "balance", "rule", "rule_name"}
    ),
    "level_reached": frozenset({"level", "previous_level", "currency", "currency_name"}),
    "achievement_unlocked": frozenset(
        {"achievement", "achievement_name", "badge", "tier", "description"}
    ),
    "achievement_progressed": frozenset(
        {"achievement", "achievement_name", "tier", "value", "target", "previous"}
    ),
    "streak_extended": frozenset({"streak", "streak_name", "current", "longest"}),
    "streak_frozen": frozenset({"streak", "streak_name", "freezes_left"}),
    "streak_broken": frozenset({"streak", "streak_name", "length"}),
    "streak_freezes_granted": frozenset({"streak", "streak_name", "count", "freezes"}),
    "quest_progressed": frozenset({"quest", "quest_name"}),
    "quest_completed": frozenset({"quest", "quest_name"}),
    "score_tier_changed": frozenset(
        {"score", "score_name", "tier", "previous_tier", "value", "previous_value"}
    ),
    "score_changed": frozenset({"score", "score_name", "value", "previous"}),
    "metric_incremented": frozenset({"metric", "by"}),
    "rule_fired": frozenset({"rule", "rule_name"}),
    "rule_skipped": frozenset({"rule", "rule_name", "reason"}),
    STREAK_AT_RISK: frozenset({"streak", "streak_name", "current", "ends_at"}),
}
COMMON_FIELDS = frozenset({"player"})
EFFECT_KINDS = tuple(kind for kind in FIELDS if kind != STREAK_AT_RISK)


class EffectNotice(SpecModel):
    """How one effect kind notifies. Left-out fields keep the built-in default."""

    notify: bool | None = None
    push: bool | None = Field(
        default=None, description="offer it to the host app for a push (webhook payload)"
    )
    title: Title | None = None
    body: Body | None = None


class StreakReminder(SpecModel):
    """'Your streak ends at midnight': sent once per period, at `hour` local time on the
    period's last day, to players whose streak would break without activity."""

    enabled: bool = True
    hour: Annotated[int, Field(ge=0, le=23)] = 20
    push: bool = True
    title: Title | None = None
    body: Body | None = None


class Reminders(SpecModel):
    streak_at_risk: StreakReminder = Field(default_factory=StreakReminder)


class NotificationsSpec(SpecModel):
    enabled: bool = True
    effects: dict[str, EffectNotice] = Field(default_factory=dict)
    reminders: Reminders = Field(default_factory=Reminders)


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal text and placeholders, in order."""

    parts: tuple[str | Placeholder, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(part.name for part in self.parts if isinstance(part, Placeholder))

    def render(self, fields: Mapping[str, str]) -> str:
        return "".join(
            part if isinstance(part, str) else fields.get(part.name, "") for part in self.parts
        )


class TemplateError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def parse_template(text: str) -> Template:
    parts: list[str | Placeholder] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in "{}" and text[index : index + 2] in ("{{", "}}"):
            literal.append(char)
            index += 2
            continue
        if char == "}":
            raise TemplateError("a single '}' must be written '}}'", index)
        if char != "{":
            literal.append(char)
            index += 1
            continue
        end = text.find("}", index)
        if end < 0:
            raise TemplateError(
                "'{' opens a field that is never closed (write '{{' for '{')", index
            )
        name = text[index + 1 : end]
        if not name.isidentifier() or not name.isascii():
            raise TemplateError(
                f"'{{{name}}}' is not a field: write a plain name such as {{level}}", index
            )
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(Placeholder(name))
        index = end + 1
    if literal:
        parts.append("".join(literal))
    return Template(tuple(parts))


Localized = Mapping[str, Template]  # locale ("" when one text serves all) -> template


@dataclass(frozen=True, slots=True)
class CompiledNotice:
    notify: bool | None
    push: bool | None
    title: Localized | None
    body: Localized | None


@dataclass(frozen=True, slots=True)
class CompiledReminder:
    enabled: bool
    hour: int
    push: bool
    title: Localized | None
    body: Localized | None


@dataclass(frozen=True, slots=True)
class CompiledNotifications:
    enabled: bool = True
    effects: Mapping[str, CompiledNotice] = field(default_factory=dict)
    streak_reminder: CompiledReminder = CompiledReminder(True, 20, True, None, None)


class IssueSink(Protocol):
    """Where compile problems go: their location, message and position in the text."""

    def __call__(self, loc: tuple[str | int, ...], message: str, position: int | None) -> None: ...


def compile_templates(
    given: str | Mapping[str, str] | None,
    kind: str,
    loc: tuple[str | int, ...],
    report: IssueSink,
) -> Localized | None:
    """Parse a (localized) template and check the fields it names; problems go to `report`."""
    if given is None:
        return None
    texts = {"": given} if isinstance(given, str) else dict(given)
    allowed = FIELDS[kind] | COMMON_FIELDS
    compiled: dict[str, Template] = {}
    for locale, text in texts.items():
        at = loc if locale == "" else (*loc, locale)
        try:
            template = parse_template(text)
        except TemplateError as error:
            report(at, error.message, error.position)
            continue
        unknown = sorted(template.names - allowed)
        if unknown:
            report(
                at,
                f"unknown field {', '.join('{' + n + '}' for n in unknown)} for {kind}"
                f" (fields: {', '.join(sorted(allowed))})",
                None,
            )
            continue
        compiled[locale] = template
    return compiled


def compile_notifications(spec: NotificationsSpec, report: IssueSink) -> CompiledNotifications:
    effects: dict[str, CompiledNotice] = {}
    for kind, notice in spec.effects.items():
        loc: tuple[str | int, ...] = ("notifications", "effects", kind)
        if kind not in EFFECT_KINDS:
            report(loc, f"unknown effect kind '{kind}' (kinds: {', '.join(EFFECT_KINDS)})", None)
            continue
        effects[kind] = CompiledNotice(
            notify=notice.notify,
            push=notice.push,
            title=compile_templates(notice.title, kind, (*loc, "title"), report),
            body=compile_templates(notice.body, kind, (*loc, "body"), report),
        )
    reminder = spec.reminders.streak_at_risk
    loc = ("notifications", "reminders", STREAK_AT_RISK)
    return CompiledNotifications(
        enabled=spec.enabled,
        effects=effects,
        streak_reminder=CompiledReminder(
            enabled=reminder.enabled,
            hour=reminder.hour,
            push=reminder.push,
            title=compile_templates(reminder.title, STREAK_AT_RISK, (*loc, "title"), report),
            body=compile_templates(reminder.body, STREAK_AT_RISK, (*loc, "body"), report),
        ),
    )
