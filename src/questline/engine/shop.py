"""The economy a design declares: timed boosts, the items a player can hold, and the shop's
offers (shape only; meaning — currencies that exist and are spendable, items, boosts and
streaks that are declared, requirements that compile — is checked by the compiler)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import Field, StringConstraints, model_validator

from questline.engine.mechanics import Localized, MechanicId
from questline.engine.spec import (
    DURATION_HINT,
    ExpressionText,
    Key,
    SpecModel,
    duration_seconds,
    number_as_text,
)

Label = Annotated[str, StringConstraints(min_length=1, max_length=500)]
# A boost's factor: kept exact (1.5 is 1.5), above 0 and at most 100.
Factor = Annotated[Decimal, Field(gt=0, le=100, max_digits=12, decimal_places=6)]
UnitPrice = Annotated[int, Field(ge=1, le=10**9)]
Units = Annotated[int, Field(ge=1, le=10_000)]


class Boost(SpecModel):
    """A timed modifier: while it is active, the rule awards of each currency it names are
    multiplied by its factor."""

    name: Localized | None = None
    description: Localized | None = None
    multiply: Annotated[dict[Key, Factor], Field(min_length=1)]
    duration_minutes: Annotated[int, Field(ge=1, le=527_040)]  # at most a (leap) year

    @model_validator(mode="before")
    @classmethod
    def _exact_factors(cls, data: Any) -> Any:
        # A YAML 1.5 arrives as a float; through its text it becomes exactly 1.5.
        if isinstance(data, dict) and isinstance(data.get("multiply"), dict):
            data = {**data, "multiply": {k: number_as_text(v) for k, v in data["multiply"].items()}}
        return data


class ShopItem(SpecModel):
    """Something a player holds in their inventory: a cosmetic, a consumable, a stored boost."""

    name: Localized | None = None
    description: Localized | None = None
    icon: Label | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=63)] | None = None
    consumable: bool = Field(default=False, description="the player can use it up")
    activates: MechanicId | None = Field(default=None, description="a boost using it starts")
    expires_after: str | None = Field(default=None, description=DURATION_HINT)
    max: Units | None = Field(default=None, description="the most one player may hold")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.expires_after is not None and duration_seconds(self.expires_after) is None:
            raise ValueError(f"expires_after must be {DURATION_HINT}")
        explicit = "consumable" in self.model_fields_set
        if self.activates is not None and explicit and not self.consumable:
            raise ValueError("an item that activates a boost is used up: drop 'consumable'")
        return self

    @property
    def usable(self) -> bool:
        return self.consumable or self.activates is not None

    @property
    def expires_after_seconds(self) -> int | None:
        return None if self.expires_after is None else duration_seconds(self.expires_after)


class OfferGives(SpecModel):
    """What one unit of an offer gives; buying several gives that many times as much."""

    items: dict[MechanicId, Units] = Field(default_factory=dict)
    streak_freezes: dict[Key, Annotated[int, Field(ge=1, le=1000)]] = Field(default_factory=dict)
    boost: MechanicId | None = Field(default=None, description="started at once when bought")
    currencies: dict[Key, UnitPrice] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not (self.items or self.streak_freezes or self.boost or self.currencies):
            raise ValueError(
                "an offer must give something: items, streak_freezes, boost or currencies"
            )
        return self


class OfferLimit(SpecModel):
    """How many units one player may buy: in all, and per local day or ISO week."""

    total: Units | None = None
    per_day: Units | None = None
    per_week: Units | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.total is None and self.per_day is None and self.per_week is None:
            raise ValueError("a limit needs at least one of total, per_day or per_week")
        return self


class Offer(SpecModel):
    id: MechanicId
    name: Localized | None = None
    description: Localized | None = None
    icon: Label | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=63)] | None = None
    price: dict[Key, UnitPrice] = Field(
        default_factory=dict, description="per unit, in spendable currencies; none for a gift"
    )
    gives: OfferGives
    requires: ExpressionText | None = Field(
        default=None, description="a condition on the player, e.g. level.xp >= 5"
    )
    starts: datetime | None = None
    ends: datetime | None = None
    limit: OfferLimit | None = None
    stock: Annotated[int, Field(ge=0, le=10**12)] | None = Field(
        default=None, description="units for sale to everyone together, ever"
    )

    @model_validator(mode="after")
    def _window(self) -> Self:
        for name in ("starts", "ends"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"'{name}' needs a time zone offset, e.g. 2026-12-01T00:00:00Z")
        if self.starts and self.ends and self.starts >= self.ends:
            raise ValueError("'starts' must come before 'ends'")
        taken = set(self.price) & set(self.gives.currencies)
        if taken:
            raise ValueError(f"an offer cannot cost and give the same currency ({min(taken)})")
        return self


class Shop(SpecModel):
    items: dict[MechanicId, ShopItem] = Field(default_factory=dict)
    offers: list[Offer] = Field(default_factory=list)
