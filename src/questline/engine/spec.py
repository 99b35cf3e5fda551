"""What every part of a design document shares: the base model and the basic fields."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
EventType = Annotated[str, StringConstraints(pattern=r"^(\*|[A-Za-z0-9][A-Za-z0-9_.:-]{0,99})$")]
# Amounts may be written as plain numbers (`award: {xp: 10}`); they are kept as text so
# that 1.15 stays exactly 1.15 when compiled to a Decimal.
ExpressionText = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


def number_as_text(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return value


class SpecModel(BaseModel):
    """A part of the design: unknown fields are errors, and a loaded design never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
