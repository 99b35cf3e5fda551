"""What every schema of the learning module shares: the identifiers it accepts, and how a
model carries its example into the OpenAPI schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, StringConstraints
from pydantic.config import JsonDict

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s/]+$")]
CardId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]


def with_example(example: JsonDict) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


def request_with_example(example: JsonDict) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})
