"""An app's spaced-repetition settings: what the app set, else the server's defaults
(`QUESTLINE_LEARNING_*`)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import Any

from questline.learning.memory import MemorySettings
from questline.settings import Settings


@dataclass(frozen=True, slots=True)
class LearningSettings:
    desired_retention: float = 0.9
    maximum_interval_days: int = 36500
    new_cards_per_day: int = 20
    learning_steps_minutes: tuple[int, ...] = (1, 10)
    relearning_steps_minutes: tuple[int, ...] = (10,)
    fuzz: bool = True

    def memory(self) -> MemorySettings:
        return MemorySettings(
            desired_retention=self.desired_retention,
            maximum_interval=self.maximum_interval_days,
            learning_steps=tuple(timedelta(minutes=m) for m in self.learning_steps_minutes),
            relearning_steps=tuple(timedelta(minutes=m) for m in self.relearning_steps_minutes),
            fuzz=self.fuzz,
        )

    def with_app_values(self, values: dict[str, Any]) -> LearningSettings:
        """These defaults, with what an app set (stored as JSON) in their place."""
        known = {field.name for field in fields(self)}
        given: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in values.items()
            if name in known and value is not None
        }
        return replace(self, **given)


SETTING_NAMES = tuple(field.name for field in fields(LearningSettings))


def server_defaults(settings: Settings) -> LearningSettings:
    return LearningSettings(
        desired_retention=settings.learning_desired_retention,
        maximum_interval_days=settings.learning_maximum_interval_days,
        new_cards_per_day=settings.learning_new_cards_per_day,
        fuzz=settings.learning_fuzz,
    )
