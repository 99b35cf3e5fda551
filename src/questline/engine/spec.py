"""What every part of a design document shares: the base model and the basic fields."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
EventType = Annotated[str, StringConstraints(pattern=r"^(\*|[A-Za-z0-9][A-Za-z0-9_.:-]{0,99})$")]
# Amounts may be written as plain numbers (`award: {xp: 10}`); they are kept as text so
# that 1.15 stays exactly 1.15 when compiled to a Decimal.
ExpressionText = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_HINT = "a duration such as 30s, 10m, 2h or 1d"


def duration_seconds(text: str) -> int | None:
    """`30s`, `10m`, `2h`, `1d` in seconds; None if `text` is not such a duration."""
    match = _DURATION.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)) * _DURATION_SECONDS[match.group(2)]


def number_as_text(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return value


class SpecModel(BaseModel):
    """A part of the design: unknown fields are errors, and a loaded design never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
