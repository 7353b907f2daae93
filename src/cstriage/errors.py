"""One exception root and the exit codes of the contract (spec §2).

User errors carry a message and a hint and map to an exit code; anything else is a bug
and is reported as such by the CLI's error boundary.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INVALID_CONTENT = 1
    BAD_INPUT = 2
    INTERRUPTED = 130
    BUG = 70


class CstriageError(Exception):
    """A problem the user can fix. `where` is `file:line:col` when known."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, hint: str | None = None, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where


class BadInput(CstriageError):
    exit_code = ExitCode.BAD_INPUT


class ContentInvalid(CstriageError):
    exit_code = ExitCode.INVALID_CONTENT


class StoreError(CstriageError):
    """The session store cannot be used (corrupt, newer schema, read-only, full)."""

    exit_code = ExitCode.BAD_INPUT


class Interrupted(CstriageError):
    exit_code = ExitCode.INTERRUPTED
