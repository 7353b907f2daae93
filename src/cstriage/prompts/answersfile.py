"""The answers file of spec §5: read safely, with positions for every error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cstriage.content import yamlsrc
from cstriage.errors import BadInput

META_KEYS = ("product", "serial", "customer", "ticket", "downtime_critical", "symptom")


@dataclass
class AnswersFile:
    path: str
    checklist: str | None
    meta: dict[str, Any]
    answers: dict[str, Any]
    src: yamlsrc.Source

    def where(self, *loc: Any) -> str:
        line, col = self.src.pos(loc)
        return f"{self.path}:{line}:{col}"


def load(path: str) -> AnswersFile:
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"answers file not found: {path}", hint="check the path given to --answers")
    try:
        src = yamlsrc.load(p, path)
    except yamlsrc.YamlError as exc:
        raise BadInput(exc.message, where=f"{path}:{exc.line}:{exc.col}", hint=exc.hint or None) from None
    data = src.data
    if not isinstance(data, dict):
        raise BadInput("the answers file must be a mapping with `checklist`, `meta` and `answers`",
                       where=f"{path}:1:1")
    for key in data:
        if key not in ("checklist", "meta", "answers"):
            line, col = src.pos((key,))
            raise BadInput(f"unknown field `{key}`", where=f"{path}:{line}:{col}",
                           hint="an answers file has `checklist`, `meta` and `answers`")
    meta = data.get("meta") or {}
    answers = data.get("answers") or {}
    for name, value in (("meta", meta), ("answers", answers)):
        if not isinstance(value, dict):
            line, col = src.pos((name,))
            raise BadInput(f"`{name}` must be a mapping (`key: value` lines)", where=f"{path}:{line}:{col}")
    for key in meta:
        if key not in META_KEYS:
            line, col = src.pos(("meta", key))
            raise BadInput(f"unknown meta field `{key}`", where=f"{path}:{line}:{col}",
                           hint="meta fields: " + ", ".join(META_KEYS))
    checklist = data.get("checklist")
    if checklist is not None and not isinstance(checklist, str):
        raise BadInput("`checklist` must be a checklist id", where=f"{path}:{src.pos(('checklist',))[0]}:1")
    return AnswersFile(path, checklist, dict(meta), {str(k): v for k, v in answers.items()}, src)
