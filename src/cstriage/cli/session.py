"""`cstriage start` and `cstriage resume`: intake, the question loop, the verdict."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from cstriage.cli.common import Settings, use_color
from cstriage.errors import BadInput, ExitCode, Interrupted


@dataclass
class StartOptions:
    checklist: str | None = None
    product: str | None = None
    symptom: str | None = None
    serial: str | None = None
    customer: str | None = None
    ticket: str | None = None
    downtime_critical: bool | None = None
    answers: str | None = None
    no_input: bool = False
    json: bool = False
    out: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_PICK = {True: "(방향키로 고른 뒤 Enter)", False: "(arrow keys, Enter)"}


def match_checklists(lib: Any, symptom: str, product: str | None, purpose: str = "triage") -> list[tuple[int, str]]:
    """Checklists ranked by how well their tags and title match the reported symptom."""
    from cstriage.i18n import tr

    words = [w for w in _tokens(symptom) if w]
    ranked = []
    for cid, entry in lib.checklists.items():
        cl = entry.obj
        if cl.purpose != purpose or (product and product not in cl.products):
            continue
        hay_tags = [t.lower() for t in cl.symptoms]
        titles = " ".join(tr(cl.title, lang).lower() for lang in ("en", "ko"))
        score = 0
        for w in words:
            for tag in hay_tags:
                if w == tag:
                    score += 5
                elif w in tag or (len(tag) >= 2 and tag in w):
                    score += 3
            if w in titles:
                score += 2
            if w in cid:
                score += 1
        ranked.append((score, cid))
    ranked.sort(key=lambda x: (-x[0], x[1]))
    return ranked


def _tokens(text: str) -> list[str]:
    import re

    return [t for t in re.split(r"[\s,./·:;!?()\[\]\"']+", text.lower()) if len(t) >= 2]


def start(settings: Settings, opts: StartOptions) -> int:
    from cstriage.prompts import answersfile

    lib = settings.library()
    af = answersfile.load(opts.answers) if opts.answers else None
    meta: dict[str, Any] = dict(af.meta) if af else {}
    for key in ("product", "serial", "customer", "ticket", "symptom"):
        value = getattr(opts, key)
        if value is not None:
            meta[key] = value
    if opts.downtime_critical is not None:
        meta["downtime_critical"] = opts.downtime_critical
    interactive = not opts.no_input
    if interactive and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise BadInput("no terminal to ask questions in",
                       hint="run it in a terminal, or pass --checklist ID --answers FILE --no-input")
    if interactive:
        from cstriage.prompts.terminal import use_utf8_input

        use_utf8_input()
    if opts.checklist and af is not None and af.checklist and af.checklist != opts.checklist:
        raise BadInput(f"the answers file is for checklist `{af.checklist}`, not `{opts.checklist}`",
                       where=af.where("checklist"), hint="drop --checklist, or fix `checklist:` in the file")
    checklist_id = opts.checklist or (af.checklist if af else None)
    if checklist_id is None:
        if not interactive:
            raise BadInput("--no-input needs a checklist", hint="pass --checklist ID or put `checklist:` in the answers file")
        with _intake_interrupts():
            checklist_id = _intake_checklist(lib, meta, settings.lang)
    if checklist_id not in lib.checklists:
        from cstriage.content.library import _suggest

        raise BadInput(f"unknown checklist `{checklist_id}`",
                       hint=_suggest(checklist_id, lib.checklists) or "see `cstriage checklist list`")
    cl = lib.checklist(checklist_id)
    if meta.get("product") and meta["product"] not in lib.products:
        raise BadInput(f"unknown product `{meta['product']}`", hint="products: " + ", ".join(lib.products))
    if not meta.get("product") and len(cl.products) == 1:
        meta["product"] = cl.products[0]
    if interactive:
        with _intake_interrupts():
            _intake_meta(meta, cl, settings.lang)
    return run_session(settings, lib, cl, meta, af, opts)


@contextmanager
def _intake_interrupts() -> Iterator[None]:
    """Ctrl-C / Ctrl-D before the session exists: say so (typer would exit 130 silently)."""
    try:
        yield
    except (KeyboardInterrupt, EOFError):
        raise Interrupted("stopped before the session started; nothing was saved",
                          hint="run `cstriage start` again") from None


def _intake_checklist(lib: Any, meta: dict[str, Any], lang: str) -> str:
    import questionary

    from cstriage.i18n import tr
    from cstriage.prompts.terminal import typed

    ko = lang == "ko"
    if not meta.get("product"):
        choices = [questionary.Choice(f"{tr(e.obj.name, lang)}  ({pid})", value=pid) for pid, e in lib.products.items()]
        meta["product"] = questionary.select("제품군" if ko else "Product family", choices=choices, instruction=_PICK[ko]).unsafe_ask()
    if not meta.get("symptom"):
        meta["symptom"] = typed(questionary.text("증상 (고객 표현 그대로)" if ko else "Symptom (as the customer says it)").unsafe_ask())
    ranked = match_checklists(lib, meta.get("symptom") or "", meta.get("product"))
    if not ranked:
        raise BadInput(f"no triage checklist covers the product `{meta.get('product')}`",
                       hint="see `cstriage checklist list`")
    choices = [questionary.Choice(f"{tr(lib.checklist(cid).title, lang)}  ({cid})", value=cid) for _, cid in ranked]
    return questionary.select("점검표 확인" if ko else "Confirm the checklist", choices=choices, instruction=_PICK[ko],
                              default=choices[0]).unsafe_ask()


def _intake_meta(meta: dict[str, Any], cl: Any, lang: str) -> None:
    import questionary

    from cstriage.prompts.terminal import typed

    ko = lang == "ko"
    if not meta.get("product"):
        if len(cl.products) == 1:
            meta["product"] = cl.products[0]
        else:
            meta["product"] = questionary.select("제품군" if ko else "Product family", choices=list(cl.products), instruction=_PICK[ko]).unsafe_ask()
    labels = {"serial": ("시리얼 번호", "Serial number"), "customer": ("고객", "Customer"),
              "ticket": ("티켓 번호", "Ticket")}
    for key, (k, e) in labels.items():
        if meta.get(key) is None:
            meta[key] = typed(questionary.text(k if ko else e).unsafe_ask()).strip() or None
    if meta.get("downtime_critical") is None:
        meta["downtime_critical"] = questionary.select(
            "장비 정지가 고객 업무에 치명적입니까? (생산·실험 중단)" if ko else "Is the customer's downtime critical (production or experiments stopped)?",
            choices=[questionary.Choice("아니요" if ko else "No", value=False),
                     questionary.Choice("예" if ko else "Yes", value=True)],
            instruction=_PICK[ko]).unsafe_ask()


def run_session(settings: Settings, lib: Any, cl: Any, meta: dict[str, Any], af: Any, opts: StartOptions,
                resume: dict[str, Any] | None = None) -> int:
    from cstriage.engine.answers import AnswerError
    from cstriage.engine.flow import QuitSession, drive
    from cstriage.engine.session import Session
    from cstriage.prompts.scripted import MissingAnswer, ScriptedPrompter

    store = settings.store()
    serial = meta.get("serial")
    baselines = store.latest_baselines(str(serial)) if serial else {}
    sid_box: dict[str, str] = {}

    def persist(event: dict[str, Any]) -> None:
        store.add_event(sid_box["id"], event)

    session = Session(cl, {k: e.obj for k, e in lib.findings.items()}, baselines=baselines, on_event=persist)
    if af is not None:
        try:
            session.validate_answers(af.answers)
        except AnswerError as exc:
            cid = str(exc).split("`")[1] if "`" in str(exc) else None
            where = af.where("answers", cid) if cid and cid in af.answers else af.where("answers")
            raise BadInput(str(exc), where=where, hint="fix the answer (null = could not check)") from None
    if resume is not None:
        sid_box["id"] = resume["id"]
        session.restore(store.events(resume["id"]))
    else:
        sid_box["id"] = store.create_session(cl.id, lib.hashes[cl.id], meta, settings.lang)
    sid = sid_box["id"]
    terminal: Any = None
    if opts.no_input:
        prompter: Any = ScriptedPrompter(af.answers if af else {}, strict=True)
    else:
        from cstriage.prompts.terminal import ChainPrompter, TerminalPrompter

        terminal = TerminalPrompter(settings.lang, color=use_color())
        prompter = ChainPrompter(af.answers, terminal) if af else terminal
        if resume is None:
            sys.stdout.write(f"session {sid} · {cl.id}\n")
    previous = _stop_on_hangup(terminal)
    try:
        drive(session, prompter, settings.lang, review=not opts.no_input)
    except (QuitSession, KeyboardInterrupt, EOFError):
        raise Interrupted(f"session {sid} saved with {_saved_answers(store, sid, session)} answer(s)",
                          hint=f"continue with: {resume_command(settings, sid)}") from None
    except BadInput as exc:
        if opts.no_input and resume is None:
            store.delete_sessions([sid])
        if isinstance(exc, MissingAnswer) and af is not None and exc.where is None:
            exc.where = af.where("answers")  # the answer belongs under `answers:` of this file
        raise exc
    finally:
        _restore_signals(previous)
    return finish(settings, lib, store, session, sid, meta, opts)


def _saved_answers(store: Any, sid: str, session: Any) -> int:
    """How many answers are on disk (a signal may have stopped the last commit half-way)."""
    from cstriage.store.db import record

    try:
        row = store.session(sid)
        return len(record(row, store.events(sid))["answers"]) if row else 0
    except Exception:  # noqa: BLE001 - the store is failing: say what the session holds
        return len(session.state.asked)


def resume_command(settings: Settings, sid: str) -> str:
    """The command that continues this session with the same library and store."""
    import shlex

    words = ["cstriage"]
    if not settings.bundled:
        words.append("--no-bundled")
    for folder in settings.content:
        words += ["--content", folder]
    if settings.data_dir:
        words += ["--data-dir", settings.data_dir]
    return " ".join(shlex.quote(w) for w in words + ["resume", sid])


def _stop_on_hangup(terminal: Any = None) -> dict[int, Any]:
    """A closed terminal (SIGHUP) or SIGTERM ends the session like Ctrl-C: saved, resumable.

    With a prompt on screen, the terminal prompter ends it at a safe point (see
    TerminalPrompter.stop); otherwise KeyboardInterrupt is raised right here.
    """
    import os
    import signal

    ttys = []  # known now: after a hangup isatty() fails on the dead terminal
    for fd in (1, 2):
        try:
            if os.isatty(fd):
                ttys.append(fd)
        except OSError:  # pragma: no cover
            pass

    def _stop(signum: int, frame: object) -> None:
        if signum == getattr(signal, "SIGHUP", None):
            _detach_dead_terminal(ttys)
        if terminal is not None and terminal.stop():
            return
        raise KeyboardInterrupt

    previous: dict[int, Any] = {}
    for name in ("SIGHUP", "SIGTERM"):
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            previous[sig] = signal.signal(sig, _stop)
        except ValueError:  # not the main thread
            pass
    return previous


def _detach_dead_terminal(fds: list[int]) -> None:
    """After a hangup, writes to the terminal fail (EIO): prompt_toolkit's last redraw and
    the closing message would end in a traceback (on stderr, when it is a log file).
    Point the terminal's output descriptors at /dev/null; redirected ones are kept."""
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # pragma: no cover
        return
    for fd in fds:
        try:
            os.dup2(null, fd)
        except OSError:  # pragma: no cover
            pass
    os.close(null)


def _restore_signals(previous: dict[int, Any]) -> None:
    import signal

    for sig, handler in previous.items():
        signal.signal(sig, handler)


def finish(settings: Settings, lib: Any, store: Any, session: Any, sid: str, meta: dict[str, Any],
           opts: StartOptions) -> int:
    from cstriage.engine.verdict import decide

    result = decide(session, lib, meta, settings.lang)
    result["session"] = sid
    result["meta"] = {k: meta.get(k) for k in ("product", "serial", "customer", "ticket", "downtime_critical", "symptom")}
    result["notes"] = [n["text"] for n in session.notes]
    result["content_hash"] = lib.hashes.get(session.checklist.id)
    if session.checklist.purpose == "install":
        _record_baselines(store, session, sid, meta, result)
    store.finish(sid, result, [(f["id"], f["fix"]) for f in result["findings"]])
    if opts.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        from cstriage.render.verdict import print_verdict

        print_verdict(result, lib, settings.lang)
    if opts.out:
        from cstriage.render.markdown import session_report

        rec = store.session(sid)
        from cstriage.store.db import record

        text = session_report(record(rec, store.events(sid)), lib, settings.lang)
        try:
            Path(opts.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"cannot write {opts.out}: {exc.strerror}", hint="choose a writable path for --out") from None
    return ExitCode.OK


def _record_baselines(store: Any, session: Any, sid: str, meta: dict[str, Any], result: dict[str, Any]) -> None:
    values = []
    for cid in session.state.asked:
        chk = session.checks[cid]
        value = session.answers.get(cid)
        if chk.record_baseline and isinstance(value, (int, float)) and not isinstance(value, bool):
            values.append((chk.record_baseline, float(value), chk.unit))
    if not values:
        return
    serial = meta.get("serial")
    if not serial:
        result["baselines_recorded"] = []
        result["baseline_warning"] = "no serial number: baselines were not recorded"
        return
    store.record_baselines(sid, str(serial), session.checklist.id, values)
    result["baselines_recorded"] = [{"name": n, "value": v, "unit": u} for n, v, u in values]


def resume(settings: Settings, session_id: str | None, opts: StartOptions) -> int:
    lib = settings.library()
    store = settings.store()
    row = store.session(session_id) if session_id else store.latest_open()
    if row is None:
        raise BadInput(f"no session `{session_id}`" if session_id else "no open session to resume",
                       hint="see `cstriage sessions list`")
    if row["status"] != "open":
        raise BadInput(f"session {row['id']} is already finished", hint=f"see `cstriage sessions show {row['id']}`")
    if row["checklist"] not in lib.checklists:
        raise BadInput(f"the checklist `{row['checklist']}` of session {row['id']} is no longer in the library",
                       hint="add its content folder with --content")
    if not opts.no_input and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise BadInput("no terminal to ask questions in", hint="run `cstriage resume` in a terminal")
    if not opts.no_input:
        from cstriage.prompts.terminal import use_utf8_input

        use_utf8_input()
    if lib.hashes.get(row["checklist"]) != row["content_hash"]:
        sys.stderr.write(f"warning: checklist `{row['checklist']}` changed since this session started "
                         f"({row['content_hash']} → {lib.hashes.get(row['checklist'])}); answers are kept where the checks still exist\n")
    meta = {k: row.get(k) for k in ("product", "serial", "customer", "ticket", "symptom")}
    meta["downtime_critical"] = bool(row.get("downtime_critical"))
    sys.stdout.write(f"resuming session {row['id']} · {row['checklist']}\n")
    return run_session(settings, lib, lib.checklist(row["checklist"]), meta, None, opts, resume=row)
