"""The shape of every state machine: one table of moves per stateful model.
Models declare their table here; `committee_site.services.transition_apply`
is the one function that applies a move. Imports nothing of the project."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Move:
    """One allowed move: the statuses it starts from and the status it leads
    to (None: the status stays, as for a progress note). `label` says what
    the person did, for the timeline and the "changed meanwhile" message."""

    sources: frozenset[str]
    target: str | None
    label: Any


@dataclass(frozen=True)
class StateMachine:
    """The moves of one model, by action name. `name` prefixes the audit rows
    (complaint.accept). With `event_model` ("app.Model", with the fields at,
    actor, action, from_status, to_status and note) and `event_parent` (its
    foreign key to the object), every move also writes one event row."""

    name: str
    moves: Mapping[str, Move]
    event_model: str = ""
    event_parent: str = ""
    # Steps another app takes, in the same transaction, after every move:
    # feedback opens a callback when a complaint is replied to, which the
    # complaints app may not import (DESIGN.md §2). Registered once, in the
    # following app's AppConfig.ready(); each gets the Moved and the actor.
    followers: list[Callable[..., None]] = field(default_factory=list, compare=False, hash=False, repr=False)

    def follow(self, step: Callable[..., None]) -> None:
        if step not in self.followers:
            self.followers.append(step)

    def allows(self, action: str, status: str) -> bool:
        move = self.moves.get(action)
        return move is not None and status in move.sources

    def target(self, action: str, status: str) -> str:
        return self.moves[action].target or status

    def actions_from(self, status: str) -> list[str]:
        return [action for action, move in self.moves.items() if status in move.sources]

    def label(self, action: str) -> Any:
        move = self.moves.get(action)
        return move.label if move is not None else action
