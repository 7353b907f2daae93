"""A prompter fed from an answers file or a list of scripted replies."""

from __future__ import annotations

from collections import deque
from typing import Any, Iterable

from cstriage.errors import BadInput
from cstriage.prompts.base import Answer, Question, Reply, ReviewRow, Skip


class MissingAnswer(BadInput):
    pass


class ScriptedPrompter:
    """Answers from a mapping (check id → value, None = skip), then from `replies`.

    With `strict`, a check without an answer is an error naming it (`--no-input`).
    `edits` is a list of (check id, value) pairs applied at the review screen.
    """

    def __init__(self, answers: dict[str, Any] | None = None, replies: Iterable[Reply] = (),
                 edits: Iterable[tuple[str, Any]] = (), strict: bool = True):
        self.answers = dict(answers or {})
        self.replies: deque[Reply] = deque(replies)
        self.edits: deque[tuple[str, Any]] = deque(edits)
        self.strict = strict
        self.asked: list[Question] = []
        self._pending_edit: Any = None
        self._used: set[str] = set()

    def ask(self, q: Question) -> Reply:
        self.asked.append(q)
        if q.error:
            raise BadInput(f"answer to `{q.check}`: {q.error}", hint="fix the value in the answers file")
        if self._pending_edit is not None and self._pending_edit[0] == q.check:
            value = self._pending_edit[1]
            self._pending_edit = None
            return Skip() if value is None else Answer(value)
        if q.check in self.answers and q.check not in self._used:
            self._used.add(q.check)
            value = self.answers[q.check]
            return Skip() if value is None else Answer(value)
        if self.replies:
            return self.replies.popleft()
        raise MissingAnswer(
            f"no answer for check `{q.check}` ({q.ask})",
            hint=f"add `{q.check}: …` under `answers:` (null when it could not be checked)",
        )

    def review(self, rows: list[ReviewRow]) -> str | None:
        if self.edits:
            self._pending_edit = self.edits.popleft()
            return self._pending_edit[0]
        return None
