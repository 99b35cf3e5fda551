"""The pure game engine: no I/O, no framework imports; plain data in, past-tense facts out."""

from questline.engine.compiler import CompiledDesign, DesignError, DesignIssue, compile_design
from questline.engine.effects import Effect, Effects, apply_effect
from questline.engine.process import EventRejected, process
from questline.engine.state import Balance, Event, Item, PlayerState

__all__ = [
    "Balance",
    "CompiledDesign",
    "DesignError",
    "DesignIssue",
    "Effect",
    "Effects",
    "Event",
    "EventRejected",
    "Item",
    "PlayerState",
    "apply_effect",
    "compile_design",
    "process",
]
