"""How relationship strength is derived from the interaction history: the policy alone,
without the computation (:mod:`graph.strength`), so that a store can carry it without
importing numpy and pandas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from graph.vocabulary import InteractionType

__all__ = ["TYPE_WEIGHTS", "StrengthPolicy"]

#: Default weight of one interaction of each type.
TYPE_WEIGHTS: Mapping[str, float] = MappingProxyType({
    InteractionType.EXECUTIVE_VISIT.value: 3.0,
    InteractionType.HOME_VISIT.value: 3.0,
    InteractionType.SITE_VISIT.value: 2.5,
    InteractionType.VISIT.value: 2.0,
    InteractionType.TECHNICAL_EXCHANGE.value: 2.0,
    InteractionType.MEETING.value: 1.5,
    InteractionType.EVENT.value: 1.0,
    InteractionType.CALL.value: 1.0,
    InteractionType.OTHER.value: 0.5,
    InteractionType.EMAIL.value: 0.25,
})


@dataclass(frozen=True)
class StrengthPolicy:
    """How strength is derived from history and which strength the analyses use.

    ``prefer``: ``"derived"`` (default) uses the derived strength where a pair has
    history and the hand-entered one elsewhere; ``"entered"`` uses the hand-entered
    strength where there is one and the derived one elsewhere.
    """

    half_life_days: float = 90.0
    saturation: float = 3.0
    one_way_weight: float = 0.5
    type_weights: Mapping[str, float] = field(default_factory=lambda: dict(TYPE_WEIGHTS))
    prefer: Literal["derived", "entered"] = "derived"
    infer_influence: bool = False

    def __post_init__(self) -> None:
        if self.half_life_days <= 0 or self.saturation <= 0:
            raise ValueError("half_life_days and saturation must be positive")
        if not 0 <= self.one_way_weight <= 1:
            raise ValueError("one_way_weight must be within 0..1")
        if self.prefer not in ("derived", "entered"):
            raise ValueError("prefer is 'derived' or 'entered'")
