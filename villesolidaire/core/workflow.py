"""Explicit state machines.

A workflow declares its states and allowed transitions in one table. Models call
`workflow.check(current, target)` before changing state and then write a transition log
row (who, when) in the same transaction; nothing else is allowed to change the state.
"""

from collections.abc import Mapping
from dataclasses import dataclass


class TransitionNotAllowed(Exception):
    """Raised when a transition is not in the workflow table. Its message is French, for users."""


@dataclass(frozen=True)
class Workflow:
    name: str
    transitions: Mapping[str, frozenset[str]]
    labels: Mapping[str, str]

    def allowed_targets(self, current: str) -> frozenset[str]:
        return self.transitions.get(current, frozenset())

    def can(self, current: str, target: str) -> bool:
        return target in self.allowed_targets(current)

    def check(self, current: str, target: str) -> None:
        if not self.can(current, target):
            raise TransitionNotAllowed(
                f"Passage impossible de « {self.labels.get(current, current)} » "
                f"à « {self.labels.get(target, target)} »."
            )
