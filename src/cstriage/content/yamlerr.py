"""The YAML error type, apart from the parser so that cached reads need no PyYAML."""

from __future__ import annotations


class YamlError(Exception):
    def __init__(self, code: str, message: str, line: int = 1, col: int = 1, hint: str = ""):
        super().__init__(message)
        self.code, self.message, self.line, self.col, self.hint = code, message, line, col, hint
