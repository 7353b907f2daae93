"""The session state machine (pure: no terminal, no storage).

State is derived from the answers every time: which checks are asked (their `when`
holds and no safety/resolves finding stopped the session before them), which
findings fired and why, and which check comes next. An edit therefore never leaves
stale state behind; answers that an edit made unreachable are dropped and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from cstriage.engine.answers import coerce, to_json
from cstriage.engine.conditions import SKIP, Context, describe, evaluate


@dataclass
class Fired:
    finding: str
    check: str
    stage: str
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Derived:
    asked: list[str]                 # answered checks that are asked, in order
    pending: list[str]               # asked checks still without an answer, in order
    fired: list[Fired]
    stopped_by: str | None           # finding id that ended the session
    unreachable: list[str]           # answered checks that are no longer asked
    missing_baselines: list[str]

    @property
    def current(self) -> str | None:
        return self.pending[0] if self.pending else None


def derive(checklist: Any, findings: dict[str, Any], answers: dict[str, Any],
           baselines: dict[str, float] | None = None) -> Derived:
    checks = {c.id: c for _, c in checklist.checks()}
    ctx = Context(answers, checks, baselines)
    visible: dict[str, Any] = {}
    ctx.answers = visible  # conditions only see answers of checks that are asked
    asked: list[str] = []
    pending: list[str] = []
    fired: dict[str, Fired] = {}
    stopped_by: str | None = None
    unreachable: list[str] = []
    for stage, chk in checklist.checks():
        if stopped_by is not None:
            if chk.id in answers:
                unreachable.append(chk.id)
            continue
        if chk.when is not None and not evaluate(chk.when, chk.id, ctx):
            if chk.id in answers:
                unreachable.append(chk.id)
            continue
        if chk.id not in answers:
            pending.append(chk.id)
            continue
        visible[chk.id] = answers[chk.id]
        asked.append(chk.id)
        for rule in chk.rules:
            ctx.used = []
            if not evaluate(rule.if_, chk.id, ctx):
                continue
            ev = [{"check": cid, "answer": to_json(visible[cid])} for cid in ctx.used]
            entry = {"check": chk.id, "answer": to_json(visible[chk.id]), "rule": describe(rule.if_)}
            if len(ev) > 1 or (ev and ev[0]["check"] != chk.id):
                entry["with"] = [e for e in ev if e["check"] != chk.id]
            f = fired.get(rule.then)
            if f is None:
                fired[rule.then] = Fired(rule.then, chk.id, stage, [entry])
                fdef = findings.get(rule.then)
                if fdef is not None and (fdef.safety or fdef.resolves):
                    stopped_by = stopped_by or rule.then
            else:
                f.evidence.append(entry)
    return Derived(asked, pending, list(fired.values()), stopped_by, unreachable, sorted(ctx.missing_baselines))


Event = dict[str, Any]


class Session:
    """One triage session: answers, notes and the event log hook.

    `on_event` is called synchronously for every change before the method returns, so
    the store can make it durable before the next question is shown.
    """

    def __init__(self, checklist: Any, findings: dict[str, Any], *, baselines: dict[str, float] | None = None,
                 on_event: Callable[[Event], None] | None = None):
        self.checklist = checklist
        self.findings = findings
        self.baselines = baselines or {}
        self.checks = {c.id: c for _, c in checklist.checks()}
        self.stage_of = {c.id: s for s, c in checklist.checks()}
        self.order = [c.id for _, c in checklist.checks()]
        self.answers: dict[str, Any] = {}
        self.notes: list[dict[str, Any]] = []
        self.dropped: list[str] = []
        self.revisit: str | None = None
        self.on_event = on_event or (lambda e: None)
        self._state: Derived | None = None

    # -- derived state -------------------------------------------------------
    @property
    def state(self) -> Derived:
        if self._state is None:
            self._state = derive(self.checklist, self.findings, self.answers, self.baselines)
        return self._state

    def _changed(self) -> None:
        self._state = None

    def next_check(self) -> str | None:
        if self.revisit is not None:
            return self.revisit
        return self.state.current

    def done(self) -> bool:
        return self.revisit is None and self.state.current is None

    def progress(self, check_id: str) -> tuple[int, int, str]:
        """(stage number, number of stages, stage) for the progress line."""
        stages = [s.stage for s in self.checklist.steps]
        stage = self.stage_of[check_id]
        return stages.index(stage) + 1, len(stages), stage

    # -- changes -------------------------------------------------------------
    def restore(self, events: list[Event]) -> None:
        """Replay stored events (resume) without emitting them again."""
        from cstriage.engine.answers import AnswerError

        for e in events:
            kind = e["kind"]
            if kind == "answer" and e["check"] in self.checks:
                if e.get("skipped"):
                    self.answers[e["check"]] = SKIP
                    continue
                try:  # the checklist may have changed since (resume): an answer that no longer fits is asked again
                    self.answers[e["check"]] = coerce(self.checks[e["check"]], e["value"])
                except AnswerError:
                    self.answers.pop(e["check"], None)
            elif kind == "drop":
                self.answers.pop(e["check"], None)
                self.dropped.append(e["check"])
            elif kind == "note":
                self.notes.append({"check": e.get("check"), "text": e["value"], "ts": e.get("ts")})
        self._changed()

    def answer(self, check_id: str, raw: Any) -> list[str]:
        """Record an answer (raw values are typed; SKIP/None = could not check).

        Returns the checks whose answers were dropped because they are no longer asked.
        """
        value = coerce(self.checks[check_id], raw)
        edit = check_id in self.answers
        self.answers[check_id] = value
        self.on_event({"kind": "answer", "check": check_id, "value": to_json(value),
                       "skipped": value is SKIP, "edit": edit})
        if self.revisit == check_id:
            self.revisit = None
        self._changed()
        # Not only edits: a first answer can fire a safety/resolves stop while later checks
        # already hold answers (an edit reopened a gated check); those are dropped too.
        return self._drop_unreachable()

    def skip(self, check_id: str) -> list[str]:
        return self.answer(check_id, SKIP)

    def note(self, text: str, check_id: str | None = None) -> None:
        self.notes.append({"check": check_id, "text": text})
        self.on_event({"kind": "note", "check": check_id, "value": text})

    def back(self) -> str | None:
        """Move to the check asked before the current one; None when at the start."""
        current = self.next_check()
        asked = self.state.asked
        if current is None:
            target = asked[-1] if asked else None
        elif current in asked:
            i = asked.index(current)
            target = asked[i - 1] if i > 0 else None
        else:
            before = [c for c in asked if self.order.index(c) < self.order.index(current)]
            target = before[-1] if before else None
        if target is not None:
            self.revisit = target
        return target

    def cancel_revisit(self) -> None:
        self.revisit = None

    def _drop_unreachable(self) -> list[str]:
        gone = list(self.state.unreachable)
        for cid in gone:
            del self.answers[cid]
            self.dropped.append(cid)
            self.on_event({"kind": "drop", "check": cid, "value": None})
        if gone:
            self._changed()
        return gone

    def validate_answers(self, raw: dict[str, Any]) -> None:
        """Type every pre-filled answer; raises AnswerError naming the check."""
        from cstriage.engine.answers import AnswerError

        for cid, value in raw.items():
            if cid not in self.checks:
                raise AnswerError(f"`{cid}` is not a check of `{self.checklist.id}`")
            try:
                coerce(self.checks[cid], value)
            except AnswerError as exc:
                raise AnswerError(f"`{cid}`: {exc}") from None
