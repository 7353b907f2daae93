"""Conditions are data: evaluated here on typed answers, never with eval."""

from __future__ import annotations

from typing import Any


class _Skip:
    """The answer 'could not check'."""

    _instance: _Skip | None = None

    def __new__(cls) -> _Skip:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SKIP"


SKIP = _Skip()


class Context:
    """What a condition may look at: the answers so far and the serial's baselines."""

    def __init__(self, answers: dict[str, Any], checks: dict[str, Any], baselines: dict[str, float] | None = None):
        self.answers = answers
        self.checks = checks
        self.baselines = baselines or {}
        self.missing_baselines: set[str] = set()
        self.used: list[str] = []  # checks whose answers a condition looked at


def evaluate(cond: Any, current: str, ctx: Context) -> bool:
    op = cond.op
    if op == "all":
        return all(evaluate(c, current, ctx) for c in cond.all_)
    if op == "any":
        return any(evaluate(c, current, ctx) for c in cond.any_)
    if op == "not":
        return not evaluate(cond.not_, current, ctx)
    target = cond.check or current
    if target not in ctx.answers:
        return False  # not asked
    value = ctx.answers[target]
    if target not in ctx.used:
        ctx.used.append(target)
    if op == "skipped":
        return (value is SKIP) == bool(cond.skipped)
    if value is SKIP:
        return False
    if op == "is":
        return value is cond.is_
    if op == "in":
        return value in cond.in_
    if op == "below":
        return value < cond.below
    if op == "above":
        return value > cond.above
    if op == "between":
        lo, hi = cond.between
        return lo <= value <= hi
    if op == "outside":
        lo, hi = cond.outside
        return not (lo <= value <= hi)
    if op in ("drift_above_pct", "rise_above_pct", "fall_above_pct"):
        name = ctx.checks[target].baseline
        base = ctx.baselines.get(name) if name else None
        if base is None:
            ctx.missing_baselines.add(target)
            return False
        change = value - base
        if op == "rise_above_pct":
            change = max(change, 0)
        elif op == "fall_above_pct":
            change = max(-change, 0)
        if base == 0:
            return change != 0
        return abs(change) / abs(base) * 100 > cond.arg()
    raise AssertionError(f"unknown operator {op}")  # pragma: no cover - models forbid it


def describe(cond: Any) -> dict[str, Any]:
    """The condition as the data it was written as (for the evidence trail)."""
    return cond.model_dump(by_alias=True, exclude_none=True)
