"""The shared harness for real-terminal tests: `cstriage` in a pseudo-terminal (pexpect).

Keys: "\\x1b[B" down, "\\x1b[A" up, "\\r" enter, "\\x03" Ctrl-C, "\\x04" Ctrl-D,
"\\x15" Ctrl-U (clear the line). The options of a select are, in order: the answers
(Yes/No or the choices), a separator, skip, note, back (not on the first check), quit —
see src/cstriage/prompts/terminal.py.

PROMPT_TOOLKIT_NO_CPR=1: a pty does not answer prompt_toolkit's cursor-position request,
which would otherwise cost a one-second timeout on every prompt.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest

from triage_fixture import FIXTURE, LIB, PROMPTS  # noqa: F401  (re-exported for the tests)

REPO = Path(__file__).resolve().parent.parent
DOWN, UP, ENTER, CTRL_C, CTRL_D, CLEAR = "\x1b[B", "\x1b[A", "\r", "\x03", "\x04", "\x15"
SESSION_ID = re.compile(r"session (\d{8}-\d{6}-[0-9a-f]{4})")


def env_for(home: Path, columns: int = 100, lines: int = 24, **extra: str | None) -> dict[str, str]:
    """The environment of a spawned cstriage: this store, no colour, English, no CPR."""
    env = dict(os.environ, CSTRIAGE_HOME=str(home), NO_COLOR="1", TERM="xterm", CSTRIAGE_LANG="en",
               PROMPT_TOOLKIT_NO_CPR="1", COLUMNS=str(columns), LINES=str(lines))
    env.pop("CSTRIAGE_CONTENT", None)
    env.pop("CSTRIAGE_NO_BUNDLED", None)
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class Term:
    """One spawned `cstriage` (with the fixture library). `stderr_to` sends stderr to a
    file, which survives a hangup; `prompts` maps check ids to their prompt text."""

    def __init__(self, home: Path, *args: str, env: dict[str, str | None] | None = None,
                 dimensions: tuple[int, int] = (24, 100), stderr_to: Path | None = None,
                 timeout: float = 20, prompts: dict[str, str] | None = None):
        full = env_for(home, columns=dimensions[1], lines=dimensions[0], **(env or {}))
        argv = [sys.executable, "-m", "cstriage", *LIB, *args]
        if stderr_to is not None:
            command = "exec " + " ".join(shlex.quote(a) for a in argv) + " 2>" + shlex.quote(str(stderr_to))
            program, argv = "/bin/sh", ["/bin/sh", "-c", command]
        else:
            program = argv[0]
        # output is read as UTF-8 with replacement: a Latin-1 terminal's bytes must not break the reader
        self.child = pexpect.spawn(program, argv[1:], env=full, cwd=str(REPO), dimensions=dimensions,
                                   encoding="utf-8", codec_errors="replace", timeout=timeout)
        self.prompts = prompts or {}
        self.seen = ""

    def wait(self, text: str) -> str:
        """Wait for literal text; returns what came before it."""
        self.child.expect_exact(text)
        before = self.child.before
        self.seen += before + self.child.after
        return before

    def ask(self, check: str, keys: str) -> str:
        """Wait for a check's prompt, then type."""
        before = self.wait(self.prompts[check])
        self.child.send(keys)
        return before

    def rest(self) -> str:
        """Everything printed from the last match to the end of the process."""
        self.child.expect(pexpect.EOF)
        self.seen += self.child.before
        out = self.child.before
        self.child.close()
        return out

    def end(self) -> int | None:
        self.rest()
        return self.child.exitstatus

    def kill(self) -> str:
        self.child.kill(signal.SIGKILL)
        out = self.rest()
        assert self.child.signalstatus == signal.SIGKILL or self.child.exitstatus is not None
        return out

    def session_id(self) -> str:
        m = SESSION_ID.search(self.seen)
        assert m, self.seen[-800:]
        return m.group(1)

    def hang_up(self, timeout: float = 15) -> tuple[int | None, int | None]:
        """Close the terminal (the master side of the pty), as a dropped SSH link or a closed
        window does; the kernel sends SIGHUP. Returns (exit status, signal) of the process."""
        ptyproc = self.child.ptyproc
        ptyproc.fileobj.close()
        ptyproc.closed = self.child.closed = True
        deadline = time.monotonic() + timeout
        while ptyproc.isalive():
            if time.monotonic() > deadline:
                os.kill(ptyproc.pid, signal.SIGKILL)
                ptyproc.wait()
                pytest.fail(f"no exit within {timeout} s after the hangup")
            time.sleep(0.02)
        return ptyproc.exitstatus, ptyproc.signalstatus


def spawner(home: Path, **defaults: Any):
    """A `term(*args, **kw)` factory for a fixture; yields it and kills what is left."""
    spawned: list[Term] = []

    def make(*args: str, **kw: Any) -> Term:
        t = Term(home, *args, **{**defaults, **kw})
        spawned.append(t)
        return t

    yield make
    for t in spawned:
        if t.child.ptyproc.isalive():
            os.kill(t.child.pid, signal.SIGKILL)
            t.child.ptyproc.wait()


def cli_json(cli, *args: str) -> Any:
    """`cstriage` (fixture library) in-process, its JSON output parsed."""
    res = cli(*LIB, *args)
    assert res.code == 0, res.err
    return json.loads(res.out)


def show(cli, sid: str) -> dict[str, Any]:
    return cli_json(cli, "sessions", "show", sid, "--json")


def integrity(home: Path) -> None:
    """The store opens, passes SQLite's checks and was never moved aside as corrupt."""
    db = home / "cstriage.db"
    if not db.exists():
        return
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    assert not [p.name for p in home.iterdir() if ".corrupt-" in p.name], "the store was moved aside"
