"""State shared by every command: global options, the library, the terminal."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cstriage.errors import ContentInvalid


@dataclass
class Settings:
    content: list[str] = field(default_factory=list)
    bundled: bool = True
    data_dir: str | None = None
    lang: str = "en"
    debug: bool = False

    def roots(self) -> list[Path]:
        from cstriage.content.library import content_dirs

        return content_dirs(self.content, bundled=self.bundled)

    def library(self, require_lang: tuple[str, ...] = ()) -> Any:
        """The loaded library; invalid content stops the command with exit 1."""
        from cstriage.content.library import load

        lib = load(self.roots(), require_lang)
        if lib.errors:
            first = lib.errors[0]
            raise ContentInvalid(
                f"the content library has {len(lib.errors)} error(s); first: "
                f"{first.location()}: [{first.code}] {first.message}",
                hint="run `cstriage validate` to see them all",
            )
        return lib

    def store(self) -> Any:
        from cstriage.store.db import Store

        return Store.open(self.data_path())

    def data_path(self) -> Path:
        if self.data_dir:
            return Path(self.data_dir)
        env = os.environ.get("CSTRIAGE_HOME")
        if env:
            return Path(env)
        from platformdirs import user_data_dir

        return Path(user_data_dir("cstriage", appauthor=False))


def content_from_env() -> list[str]:
    raw = os.environ.get("CSTRIAGE_CONTENT", "")
    return [p for p in raw.split(os.pathsep) if p]


def use_color(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def out(text: str = "", err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
