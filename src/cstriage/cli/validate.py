"""`cstriage validate` and `cstriage schema`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from cstriage.cli.common import Settings, out, use_color
from cstriage.errors import BadInput, ExitCode

FORMATS = ("auto", "text", "json", "github")


def validate(settings: Settings, paths: list[str], fmt: str = "auto", require_lang: str = "",
             strict: bool = False, with_bundled: bool = False) -> int:
    from cstriage.content.library import content_dirs, display_path, load

    if fmt not in FORMATS:
        raise BadInput(f"unknown format `{fmt}`", hint="use one of: " + ", ".join(FORMATS))
    langs = tuple(x.strip() for x in require_lang.split(",") if x.strip())
    if paths:
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            raise BadInput(f"no such file or folder: {missing[0]}", hint="check the path")
        roots = [Path(p) for p in paths]
        if with_bundled:
            roots = content_dirs(bundled=True) + roots
        mine = [display_path(Path(p)) for p in paths]
    else:
        roots = settings.roots()
        mine = []
    lib = load(roots, langs)
    problems = lib.problems
    if paths and with_bundled:
        problems = [p for p in problems if any(p.path == m or p.path.startswith(m.rstrip("/") + os.sep) for m in mine)]
    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    if fmt == "json":
        out(json.dumps({"files": lib.files, "errors": errors, "warnings": warnings,
                        "problems": [p.as_dict() for p in problems]}, ensure_ascii=False, indent=2))
    elif fmt == "github":
        for p in problems:
            kind = "error" if p.level == "error" else "warning"
            msg = _gh(p.message + (f" — {p.hint}" if p.hint else ""))
            out(f"::{kind} file={_gh_prop(p.path)},line={p.line},col={p.col},title={p.code}::{msg}")
        out(f"{lib.files} files checked: {errors} error(s), {warnings} warning(s)")
    else:
        color = use_color()
        for p in problems:
            level = p.level
            if color:
                level = ("\033[31m" if p.level == "error" else "\033[33m") + level + "\033[0m"
            out(f"{p.location()}: {level} [{p.code}] {p.message}")
            if p.hint:
                out(f"    hint: {p.hint}")
        summary = f"{lib.files} files checked: {errors} error(s), {warnings} warning(s)"
        if not problems:
            summary = f"{lib.files} files checked: no problems"
        out(summary)
    failed = errors or (strict and warnings)
    return ExitCode.INVALID_CONTENT if failed else ExitCode.OK


def _gh(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    """A workflow-command property value (a path may hold `,` or `:`)."""
    return _gh(text).replace(":", "%3A").replace(",", "%2C")


def schema(kind: str | None) -> int:
    from cstriage.content import models

    if kind is not None and kind not in models.KINDS:
        raise BadInput(f"unknown kind `{kind}`", hint="use checklist, card or catalog")
    if kind:
        doc = models.KINDS[kind].model_json_schema(by_alias=True)
    else:
        doc = {"oneOf": [models.KINDS[k].model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
                         for k in ("checklist", "catalog", "card")]}
        defs: dict[str, object] = {}
        for sub in doc["oneOf"]:
            defs.update(sub.pop("$defs", {}))
        doc["$defs"] = defs
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc.setdefault("title", "cstriage content" if not kind else f"cstriage {kind}")
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    return ExitCode.OK
