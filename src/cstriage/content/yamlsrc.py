"""Safe YAML with positions.

The document is composed into nodes (libyaml when present), then walked once into
plain Python values while recording the line and column of every key and item. Only
the plain YAML types are allowed: no Python tags, no merge keys; duplicate keys and
alias expansion beyond a small budget are rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml import constructor as _yc
from yaml import nodes as _yn

try:  # libyaml is ~10x faster; the pure-Python parser is a correct fallback.
    from yaml import CSafeLoader as _Loader

    HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

    HAVE_LIBYAML = False

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_EXPANSION = 200_000

Pos = tuple[int, int]
Path_ = tuple[Any, ...]

_T = "tag:yaml.org,2002:"
_SC = _yc.SafeConstructor()
_SCALARS = {
    _T + "str": None,
    _T + "int": _SC.construct_yaml_int,
    _T + "float": _SC.construct_yaml_float,
    _T + "bool": _SC.construct_yaml_bool,
    _T + "null": lambda node: None,
    _T + "timestamp": None,  # keep dates as the text that was written
}
_BRACKETS = re.compile(r"[\[\]{}]")
_TAG_HINT = "content files hold plain text, numbers, lists and mappings; remove the tag"


from cstriage.content.yamlerr import YamlError  # noqa: E402  (re-exported)


@dataclass
class Source:
    """A parsed file: its data and where every key / item was written."""

    path: str
    data: Any
    marks: dict[Path_, Pos]

    def pos(self, loc: Path_) -> Pos:
        """Position of the deepest known prefix of `loc` (a pydantic error loc)."""
        loc = tuple(loc)
        while loc:
            if loc in self.marks:
                return self.marks[loc]
            loc = loc[:-1]
        return self.marks.get((), (1, 1))


def read_text(path: Path) -> str:
    try:
        # Never read more than the limit: a stray 5 GB dump named .yaml is refused at once.
        size = path.stat().st_size
        raw = b""
        if size <= MAX_BYTES:
            with path.open("rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise YamlError("Y008", f"cannot read the file: {exc.strerror or exc}") from None
    if size > MAX_BYTES or len(raw) > MAX_BYTES:
        raise YamlError(
            "Y007",
            f"file is {max(size, len(raw)) / 1048576:.1f} MB; content files are limited to "
            f"{MAX_BYTES // 1048576} MB",
            hint="split it into several files (one checklist per file)",
        )
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = raw[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[bom : bom + exc.start]
        line = before.count(b"\n") + 1
        # Editors count characters, not bytes: decode the (valid) start of the line.
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise YamlError(
            "Y005",
            f"byte 0x{raw[bom + exc.start]:02x} is not valid UTF-8",
            line,
            col,
            hint="save the file as UTF-8 (in most editors: 'Save with encoding' → UTF-8)",
        ) from None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise YamlError("Y006", "the file is empty", hint="add a top-level `kind:` and content, or delete the file")
    return text


def _check_flow_depth(text: str) -> None:
    # libyaml composes recursively in C: refuse pathological flow nesting up front.
    if text.count("[") + text.count("{") < MAX_DEPTH:
        return
    depth = 0
    for m in _BRACKETS.finditer(text):
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_DEPTH:
            head = text[: m.start()]
            raise YamlError(
                "Y007",
                f"structure is nested more than {MAX_DEPTH} levels deep",
                head.count("\n") + 1,
                m.start() - head.rfind("\n"),
            )


def parse(text: str, path: str = "<string>") -> Source:
    _check_flow_depth(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = exc.problem or str(exc)
        if exc.context and exc.problem:
            msg = f"{exc.problem} ({exc.context})"
        hint = "check indentation, colons and quotes around this place"
        if "mapping values are not allowed" in msg:
            hint = 'a text that contains ": " needs quotes, e.g. title: "Camera: no image"'
        code = "Y001"
        if "maximum nesting depth" in msg:  # libyaml's own limit (1000 levels)
            code, hint = "Y007", ""
        raise YamlError(
            code,
            msg,
            (mark.line + 1) if mark else 1,
            (mark.column + 1) if mark else 1,
            hint=hint,
        ) from None
    except yaml.reader.ReaderError as exc:
        pos = max(exc.position, 0)
        if HAVE_LIBYAML:  # libyaml counts UTF-8 bytes; editors count characters
            pos = len(text.encode("utf-8", "replace")[:pos].decode("utf-8", "ignore"))
        pos = min(pos, len(text))
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise YamlError(
            "Y001",
            f"{exc.reason}: U+{char:04X}",
            text.count("\n", 0, pos) + 1,
            pos - text.rfind("\n", 0, pos),
            hint="delete it; it is usually an invisible character pasted from another program",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError("Y001", str(exc)) from None
    except RecursionError:
        raise YamlError("Y007", f"structure is nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
    if node is None:
        raise YamlError("Y006", "the file is empty", hint="add a top-level `kind:` and content")
    if "&" in text:  # aliases need anchors; without one there is nothing to expand
        _check_expansion(node)
    marks: dict[Path_, Pos] = {(): (node.start_mark.line + 1, node.start_mark.column + 1)}
    data = _build(node, (), marks, 0)
    return Source(path, data, marks)


def load(path: Path, display: str | None = None) -> Source:
    return parse(read_text(path), display or str(path))


def _at(node: _yn.Node) -> Pos:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _check_expansion(root: _yn.Node) -> None:
    """Size of the document once aliases are expanded, counted without expanding."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(n: _yn.Node) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise YamlError("Y004", "an alias refers to itself (recursive structure)", *_at(n))
        active.add(key)
        if isinstance(n, _yn.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in n.value)
        elif isinstance(n, _yn.SequenceNode):
            total = 1 + sum(size(v) for v in n.value)
        else:
            total = 1
        active.discard(key)
        sizes[key] = total
        if total > MAX_EXPANSION:
            raise YamlError(
                "Y004",
                f"aliases expand to more than {MAX_EXPANSION:,} values",
                *_at(n),
                hint="content files do not need anchors and aliases; write the values out",
            )
        return total

    try:
        size(root)
    except RecursionError:
        raise YamlError("Y007", f"structure is nested more than {MAX_DEPTH} levels deep") from None


def _build(node: _yn.Node, path: Path_, marks: dict[Path_, Pos], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise YamlError("Y007", f"structure is nested more than {MAX_DEPTH} levels deep", *_at(node))
    tag = node.tag
    if isinstance(node, _yn.ScalarNode):
        if tag not in _SCALARS:
            raise YamlError("Y003", f"tag {_short(tag)} is not allowed", *_at(node), hint=_TAG_HINT)
        fn = _SCALARS[tag]
        if fn is None:
            return node.value
        try:
            return fn(node)
        except (ValueError, yaml.YAMLError):
            return node.value
    if isinstance(node, _yn.SequenceNode):
        if tag != _T + "seq":
            raise YamlError("Y003", f"tag {_short(tag)} is not allowed", *_at(node), hint=_TAG_HINT)
        # `in: [off, on, 1]` names choice keys, and keys are kept as the words written.
        words = bool(path) and path[-1] == "in"
        out = []
        for i, item in enumerate(node.value):
            p = path + (i,)
            marks[p] = _at(item)
            value = _build(item, p, marks, depth + 1)
            if words and isinstance(item, _yn.ScalarNode) and not isinstance(value, str):
                value = item.value
            out.append(value)
        return out
    if tag != _T + "map":
        raise YamlError("Y003", f"tag {_short(tag)} is not allowed", *_at(node), hint=_TAG_HINT)
    result: dict[Any, Any] = {}
    first: dict[Any, Pos] = {}
    for knode, vnode in node.value:
        if knode.tag == _T + "merge":
            raise YamlError("Y003", "merge keys (`<<:`) are not allowed", *_at(knode),
                            hint="write the fields out in full")
        if not isinstance(knode, _yn.ScalarNode):
            raise YamlError("C004", "a key must be plain text", *_at(knode))
        key = _build(knode, path, marks, depth + 1)
        if not isinstance(key, str):  # keys are names: `no:`, `on:`, `12345:` mean the words
            key = knode.value or "null"
        kpos = _at(knode)
        if key in first:
            raise YamlError(
                "Y002",
                f"duplicate key `{key}` (first at line {first[key][0]}, again at line {kpos[0]})",
                *kpos,
                hint="remove one of the two, or rename it",
            )
        first[key] = kpos
        p = path + (key,)
        marks[p] = kpos
        result[key] = _build(vnode, p, marks, depth + 1)
    return result


def _short(tag: str) -> str:
    return "!!" + tag[len(_T):] if tag.startswith(_T) else tag
