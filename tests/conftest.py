"""Shared fixtures: run the CLI in-process or as a real process, build content folders."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty session store for this test (CSTRIAGE_HOME)."""
    d = tmp_path / "home"
    monkeypatch.setenv("CSTRIAGE_HOME", str(d))
    monkeypatch.delenv("CSTRIAGE_CONTENT", raising=False)
    monkeypatch.delenv("CSTRIAGE_NO_BUNDLED", raising=False)
    monkeypatch.setenv("CSTRIAGE_LANG", "en")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("CSTRIAGE_CACHE", str(tmp_path / "cache"))
    from cstriage.content import parsecache

    parsecache.reset()
    return d


@pytest.fixture
def cli(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    """Run `cstriage ARGS…` in this process; returns Result(code, out, err)."""
    from cstriage.cli.main import run

    def call(*args: str) -> Result:
        capsys.readouterr()
        try:
            run(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        got = capsys.readouterr()
        return Result(code, got.out, got.err)

    return call


@pytest.fixture
def proc(data_dir: Path):
    """Run `python -m cstriage ARGS…` as a separate process (no terminal)."""

    def call(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
        full_env = dict(os.environ)
        full_env.update(env or {})
        p = subprocess.run([sys.executable, "-m", "cstriage", *args], capture_output=True, text=True,
                           env=full_env, timeout=timeout, stdin=subprocess.DEVNULL)
        return Result(p.returncode, p.stdout, p.stderr)

    return call


@pytest.fixture
def write(tmp_path: Path):
    """write("dir/name.yaml", '''yaml''') -> Path, dedented."""

    def _write(rel: str, text: str) -> Path:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return p

    return _write
