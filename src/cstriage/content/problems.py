"""Problems are values: collected for every file, sorted, then formatted once."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"

#: Stable problem codes. The README documents each; tests assert them.
CODES: dict[str, str] = {
    "Y001": "YAML syntax error",
    "Y002": "duplicate key",
    "Y003": "YAML tag not allowed",
    "Y004": "alias expansion too large or recursive",
    "Y005": "file is not UTF-8",
    "Y006": "file is empty",
    "Y007": "file too large or nested too deeply",
    "Y008": "file cannot be read",
    "C001": "missing or unknown `kind`",
    "C002": "unknown field",
    "C003": "missing field",
    "C004": "wrong type or value",
    "C005": "malformed id",
    "R001": "duplicate id",
    "R002": "unknown finding",
    "R003": "unknown part",
    "R004": "unknown product",
    "R005": "unknown card",
    "R006": "unknown checklist",
    "R007": "`check:` names an unknown check",
    "R008": "`check:` names a check that is not asked earlier",
    "R009": "duplicate check id in a checklist",
    "S001": "stage not allowed for this purpose",
    "S002": "stage out of order or repeated",
    "O001": "operator does not fit the check type",
    "O002": "`in` names a key that is not a choice",
    "O003": "`drift_above_pct` on a check without `baseline`",
    "O004": "range with low above high",
    "B001": "`record_baseline` outside an install checklist",
    "L001": "missing translation",
    "K001": "card list too long for one page",
    "K002": "card text too long for one page",
    "K003": "card that no finding points to",
    "W001": "parts on a finding fixed remotely",
    "W002": "blame language in customer-facing text",
    "W003": "finding that no rule fires",
    "W004": "finding without a customer explanation",
}


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    level: str = field(compare=False)
    code: str
    message: str = field(compare=False)
    hint: str = field(default="", compare=False)

    def location(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.path,
            "line": self.line,
            "col": self.col,
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }
