"""Typing raw answers (from a prompt or an answers file) against a check."""

from __future__ import annotations

import math
from typing import Any

from cstriage.engine.conditions import SKIP

YES = {"yes", "y", "true", "예", "네", "ㅇ", "o"}
NO = {"no", "n", "false", "아니오", "아니요", "ㄴ", "x"}


class AnswerError(ValueError):
    """A value that does not fit the check; the message says what would.

    `ko` carries the same message in Korean for the terminal prompt."""

    def __init__(self, message: str, ko: str | None = None):
        super().__init__(message)
        self.ko = ko or message

    def say(self, lang: str) -> str:
        return self.ko if lang == "ko" else str(self)


def coerce(check: Any, raw: Any) -> Any:
    if raw is None or raw is SKIP:
        return SKIP
    kind = check.type
    if kind == "yes_no":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in YES:
            return True
        if isinstance(raw, str) and raw.strip().lower() in NO:
            return False
        raise AnswerError(f"expected yes or no, got `{_show(raw)}`")
    if kind == "choice":
        keys = list(check.choices or {})
        if isinstance(raw, str) and raw.strip() in keys:
            return raw.strip()
        if isinstance(raw, bool):  # YAML reads `on`, `off`, `yes`, `no` as booleans
            words = ("yes", "true", "on") if raw else ("no", "false", "off")
            found = [k for k in keys if k in words]
            if len(found) == 1:
                return found[0]
        elif isinstance(raw, int) and str(raw) in keys:  # a key like `2` written unquoted
            return str(raw)
        raise AnswerError(f"`{_show(raw)}` is not one of the choices: {', '.join(keys)}")
    if kind == "number":
        if isinstance(raw, bool):
            raise AnswerError(f"expected a number, got `{_show(raw)}`")
        if isinstance(raw, (int, float)):
            value = float(raw)
        elif isinstance(raw, str):
            try:
                value = float(raw.strip().replace(",", ""))
            except ValueError:
                raise AnswerError(f"expected a number, got `{_show(raw)}`",
                                  f"숫자를 입력하세요 (입력값: `{_show(raw)}`)") from None
        else:
            raise AnswerError(f"expected a number, got `{_show(raw)}`")
        if math.isnan(value) or math.isinf(value):
            raise AnswerError("expected a finite number", "유한한 숫자를 입력하세요")
        unit = f" {check.unit}" if check.unit else ""
        if check.min is not None and value < check.min:
            raise AnswerError(f"{value:g}{unit} is below the possible minimum {check.min:g}{unit} — a typo?",
                              f"{value:g}{unit}은(는) 가능한 최솟값 {check.min:g}{unit}보다 작습니다 — 입력 오류인지 확인하세요")
        if check.max is not None and value > check.max:
            raise AnswerError(f"{value:g}{unit} is above the possible maximum {check.max:g}{unit} — a typo?",
                              f"{value:g}{unit}은(는) 가능한 최댓값 {check.max:g}{unit}보다 큽니다 — 입력 오류인지 확인하세요")
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
        return str(raw)
    raise AnswerError(f"expected text, got `{_show(raw)}`")


def to_json(value: Any) -> Any:
    return None if value is SKIP else value


def _show(raw: Any) -> str:
    s = str(raw)
    return s if len(s) <= 40 else s[:37] + "…"
