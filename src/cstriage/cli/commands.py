"""Registration of the command groups (explicit, no folder scanning)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    return None
