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
                       where=f"{path}:1:1", hint="see `cstriage start --help` and the README for an example")
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
            raise BadInput(f"`{name}` must be a mapping (`key: value` lines)", where=f"{path}:{line}:{col}",
                           hint="answers: one `check-id: value` line each; meta: `serial: …`, `customer: …`")
    for key in meta:
        if key not in META_KEYS:
            line, col = src.pos(("meta", key))
            raise BadInput(f"unknown meta field `{key}`", where=f"{path}:{line}:{col}",
                           hint="meta fields: " + ", ".join(META_KEYS))
    meta = _typed_meta(p, path, src, dict(meta))
    checklist = data.get("checklist")
    if checklist is not None and not isinstance(checklist, str):
        raise BadInput("`checklist` must be a checklist id", where=f"{path}:{src.pos(('checklist',))[0]}:1")
    return AnswersFile(path, checklist, meta, {str(k): v for k, v in answers.items()}, src)


TEXT_META = ("product", "serial", "customer", "ticket", "symptom")


def _typed_meta(p: Path, path: str, src: yamlsrc.Source, meta: dict[str, Any]) -> dict[str, Any]:
    """Text fields as written (`serial: 0042` is not the number 34), yes/no as a bool."""
    for key, value in list(meta.items()):
        line, col = src.pos(("meta", key))
        if key in TEXT_META:
            if value is None or isinstance(value, str):
                continue
            if isinstance(value, (list, dict)):
                raise BadInput(f"meta field `{key}` must be text", where=f"{path}:{line}:{col}",
                               hint=f'write it as {key}: "…"')
            meta[key] = _as_written(p, key)
            if meta[key] is None:  # pragma: no cover - the file was parsed above
                meta[key] = str(value)
        elif key == "downtime_critical" and value is not None and not isinstance(value, bool):
            from cstriage.engine.answers import NO, YES

            word = str(value).strip().lower() if isinstance(value, str) else None
            if word in YES or word in NO:
                meta[key] = word in YES
            else:
                raise BadInput(f"meta field `downtime_critical` must be yes or no, got `{value}`",
                               where=f"{path}:{line}:{col}", hint="write downtime_critical: yes (or no)")
    return meta


def _as_written(p: Path, key: str) -> str | None:
    import yaml

    try:
        root = yaml.compose(yamlsrc.read_text(p), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, yamlsrc.YamlError):  # pragma: no cover - parsed once already
        return None
    for section in (root.value if isinstance(root, yaml.MappingNode) else []):
        if section[0].value == "meta" and isinstance(section[1], yaml.MappingNode):
            for knode, vnode in section[1].value:
                if knode.value == key and isinstance(vnode, yaml.ScalarNode):
                    return str(vnode.value)
    return None
