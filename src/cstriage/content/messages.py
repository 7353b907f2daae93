"""Pydantic's errors, reworded for the people who write checklists."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel

from cstriage.content.problems import ERROR, Problem
from cstriage.content.yamlsrc import Source

_TYPE_WORDS = {
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_parsing": "yes or no",
    "bool_type": "yes or no",
    "string_type": "text",
    "list_type": "a list (lines starting with `- `)",
    "dict_type": "a mapping (`key: value` lines)",
    "model_type": "a mapping (`key: value` lines)",
    "model_attributes_type": "a mapping (`key: value` lines)",
    "tuple_type": "a list of two numbers, like [198, 242]",
}


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """Field annotation by the name written in YAML (alias when there is one)."""
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def _unwrap(tp: Any, key: Any) -> Any:
    """The type one step down `loc` from `tp` (list item, dict value, optional)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0], key)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is not type(None):
                got = _unwrap(arg, key)
                if got is not None:
                    return got
        return None
    if origin in (list, tuple):
        return typing.get_args(tp)[0] if isinstance(key, int) else None
    if origin is dict:
        return typing.get_args(tp)[1]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _fields(tp).get(key)
    return None


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    tp: Any = root
    for key in loc:
        tp = _unwrap(tp, key)
        if tp is None:
            return None
    while typing.get_origin(tp) in (typing.Annotated, typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        tp = args[0] if args else None
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic adds '[key]' for dict keys and function names for validators.
    out = []
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, str) and ("function-" in part or part.startswith("json-or-python")):
            continue
        out.append(part)
    return tuple(out)


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "…"


def _did_you_mean(root: type[BaseModel], loc: tuple[Any, ...]) -> tuple[list[str], str]:
    """The fields allowed beside the unknown field at `loc`, and the closest one."""
    model = _model_at(root, loc[:-1])
    known = sorted(_fields(model)) if model else []
    close = difflib.get_close_matches(str(loc[-1]) if loc else "", known, n=1, cutoff=0.6)
    return known, close[0] if close else ""


def reword_all(root: type[BaseModel], errors: list[Any], src: Source) -> list[Problem]:
    """Reword every error; a misspelt field (`asks:`) is reported once, not also as missing."""
    meant = set()
    for err in errors:
        loc = _clean_loc(tuple(err["loc"]))
        if err["type"] == "extra_forbidden" and loc:
            close = _did_you_mean(root, loc)[1]
            if close:
                meant.add(loc[:-1] + (close,))
    return [reword(root, err, src) for err in errors
            if not (err["type"] == "missing" and _clean_loc(tuple(err["loc"])) in meant)]


def reword(root: type[BaseModel], err: dict[str, Any], src: Source) -> Problem:
    loc = _clean_loc(tuple(err["loc"]))
    kind = err["type"]
    value = err.get("input")
    where = ".".join(str(p) for p in loc) or "file"
    hint = ""
    code = "C004"
    if kind == "extra_forbidden":
        code = "C002"
        name = loc[-1] if loc else "?"
        known, close = _did_you_mean(root, loc)
        msg = f"unknown field `{name}`" + (f" — did you mean `{close}`?" if close else "")
        if known:
            hint = "allowed here: " + ", ".join(known)
    elif kind == "missing":
        code = "C003"
        parent = ".".join(str(p) for p in loc[:-1]) or "the top level"
        msg = f"missing field `{loc[-1]}` in {parent}"
        hint = f"add `{loc[-1]}:`"
    elif kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        msg = f"`{_show(value)}` is not allowed for `{loc[-1] if loc else where}`; use one of: {expected.replace(chr(39), '')}"
    elif kind == "string_pattern_mismatch":
        code = "C005"
        pattern = err.get("ctx", {}).get("pattern", "")
        if "A-Z" in pattern:
            msg = f"`{_show(value)}` is not a valid part id"
            hint = "use letters, digits, `.`, `_` and `-`, starting with a letter or digit"
        else:
            msg = f"`{_show(value)}` is not a valid id"
            hint = "use lowercase letters, digits and `-`, starting with a letter or digit (e.g. `cooler-setpoint`)"
    elif kind in _TYPE_WORDS:
        msg = f"`{where}` should be {_TYPE_WORDS[kind]}, not `{_show(value)}`"
        if kind == "string_type" and isinstance(value, (bool, int, float)):
            hint = "YAML reads this as a " + ("yes/no value" if isinstance(value, bool) else "number") + \
                "; put it in quotes to keep it as text"
    elif kind == "too_short":
        msg = f"`{where}` must not be empty"
    elif kind in ("greater_than_equal", "greater_than"):
        msg = f"`{where}` must be at least {err.get('ctx', {}).get('ge', err.get('ctx', {}).get('gt'))}"
    elif kind == "too_long":
        msg = f"`{where}` has too many items"
    else:
        msg = err["msg"].removeprefix("Value error, ")
    line, col = src.pos(loc)
    return Problem(src.path, line, col, ERROR, code, msg, hint)
