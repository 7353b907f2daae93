"""What a prompter is asked and what it may answer.

The engine builds a `Question` (a plain description of the check); a prompter shows it
and returns a reply. The questionary prompter and the scripted one implement the same
two methods, so every path of a session is testable without a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Question:
    check: str
    type: str
    ask: str
    help: str = ""
    unit: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    default: Any = None           # the current answer when revisiting
    progress: str = ""            # "3/7 광원 · light source"
    can_back: bool = True
    error: str = ""               # why the previous input was refused


@dataclass(frozen=True)
class Answer:
    value: Any


@dataclass(frozen=True)
class Skip:
    pass


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class Quit:
    pass


Reply = Answer | Skip | Back | Note | Quit


@dataclass(frozen=True)
class ReviewRow:
    check: str
    stage: str
    ask: str
    answer: str


@dataclass
class Review:
    rows: list[ReviewRow] = field(default_factory=list)


class Prompter(Protocol):
    def ask(self, q: Question) -> Reply: ...

    def review(self, rows: list[ReviewRow]) -> str | None:
        """A check id to change, or None to accept the answers."""
        ...
