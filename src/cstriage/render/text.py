"""Making untrusted text inert in each output format."""

from __future__ import annotations

import html
import re

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
