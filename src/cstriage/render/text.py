"""Making untrusted text inert in each output format."""

from __future__ import annotations

import html
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>~])")


def plain(text: object) -> str:
    """No escape sequences, control characters or bidi overrides."""
    s = "" if text is None else str(text)
    s = _ANSI.sub("", s)
    return _CONTROL.sub("", s)


def terminal(text: object) -> str:
    """Plain text that rich will not read as markup."""
    from rich.markup import escape

    return escape(plain(text))


def markdown(text: object) -> str:
    s = plain(text).replace("\r", " ").replace("\n", " ")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("&", "&amp;")


def html_text(text: object) -> str:
    return html.escape(plain(text), quote=True)


def cells(s: str) -> int:
    """Terminal columns of `s`: wide (Hangul, CJK) characters take two."""
    n = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def fit(s: str, width: int) -> str:
    """`s` cut to at most `width` terminal columns (with … when cut)."""
    if cells(s) <= width:
        return s
    out = ""
    for ch in s:
        if cells(out + ch) > width - 1:
            break
        out += ch
    return out + "…"
