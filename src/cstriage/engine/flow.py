"""The question loop shared by the terminal and scripted sessions."""

from __future__ import annotations

from typing import Any

from cstriage.engine.answers import AnswerError, to_json
from cstriage.engine.conditions import SKIP
from cstriage.i18n import stage_name, tr, yes_no
from cstriage.prompts.base import Answer, Back, Note, Question, Quit, ReviewRow, Skip


class QuitSession(Exception):
    """The engineer chose to stop; the session stays open for `resume`."""


def question(session: Any, check_id: str, lang: str, error: str = "") -> Question:
    chk = session.checks[check_id]
    n, total, stage = session.progress(check_id)
    other = "en" if lang == "ko" else "ko"
    label = stage_name(stage, lang)
    alt = stage_name(stage, other)
    current = session.answers.get(check_id)
    return Question(
        check=check_id,
        type=chk.type,
        ask=tr(chk.ask, lang),
        help=tr(chk.help, lang),
        unit=chk.unit or "",
        min=chk.min,
        max=chk.max,
        choices=tuple((k, tr(v, lang)) for k, v in (chk.choices or {}).items()),
        default=None if current is SKIP else current,
        progress=f"{n}/{total} {label} · {alt}" if alt != label else f"{n}/{total} {label}",
        can_back=_has_earlier(session, check_id),
        error=error,
    )


def _has_earlier(session: Any, check_id: str) -> bool:
    """Whether an answered check comes before this one (else `back` has nowhere to go)."""
    asked = session.state.asked  # in checklist order
    return bool(asked) and session.order.index(asked[0]) < session.order.index(check_id)


def show_answer(session: Any, check_id: str, lang: str) -> str:
    value = session.answers.get(check_id)
    chk = session.checks[check_id]
    if value is SKIP:
        return "— (could not check)" if lang != "ko" else "— (확인 불가)"
    if chk.type == "yes_no":
        return yes_no(value, lang)
    if chk.type == "choice":
        return tr((chk.choices or {}).get(value, value), lang)
    if chk.type == "number":
        return f"{value:g} {chk.unit or ''}".strip()
    return str(to_json(value))


def review_rows(session: Any, lang: str) -> list[ReviewRow]:
    return [
        ReviewRow(cid, stage_name(session.stage_of[cid], lang), tr(session.checks[cid].ask, lang),
                  show_answer(session, cid, lang))
        for cid in session.state.asked
    ]


def drive(session: Any, prompter: Any, lang: str = "en", review: bool = True) -> list[str]:
    """Ask until the session is done; returns notes about dropped answers.

    Raises QuitSession when the engineer quits; everything given so far is already
    recorded through the session's event hook.
    """
    messages: list[str] = []
    error = ""
    while True:
        cid = session.next_check()
        if cid is None:
            if not review:
                return messages
            pick = prompter.review(review_rows(session, lang))
            if pick is None:
                return messages
            if pick in session.state.asked:
                session.revisit = pick
            continue
        reply = prompter.ask(question(session, cid, lang, error))
        error = ""
        if isinstance(reply, Answer):
            try:
                dropped = session.answer(cid, reply.value)
            except AnswerError as exc:
                error = str(exc)
                continue
            if dropped:
                messages.append("dropped (no longer asked): " + ", ".join(dropped))
        elif isinstance(reply, Skip):
            dropped = session.skip(cid)
            if dropped:
                messages.append("dropped (no longer asked): " + ", ".join(dropped))
        elif isinstance(reply, Back):
            if session.back() is None:
                session.cancel_revisit()
        elif isinstance(reply, Note):
            session.note(reply.text, cid)
        elif isinstance(reply, Quit):
            raise QuitSession()
