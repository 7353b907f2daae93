"""The questionary prompter: one place that shows a check in a real terminal."""

from __future__ import annotations

import sys
from typing import Any

from cstriage.prompts.base import Answer, Back, Note, Question, Quit, Reply, ReviewRow, Skip

_T = {
    "en": {"back": "↩  back to the previous check", "skip": "⏭  skip (could not check)",
           "note": "✎  add a note", "quit": "⏸  quit (resume later)", "yes": "Yes", "no": "No",
           "accept": "✓  answers are right: show the verdict", "review": "Review the answers — pick one to change",
           "note_q": "Note:", "pick": "(arrow keys, Enter)", "keys": "Enter a value · b back · s skip · n note · q quit",
           "tkeys": "Type the answer · /b back · /s skip · /n note · /q quit", "now": "now"},
    "ko": {"back": "↩  이전 항목으로", "skip": "⏭  건너뛰기 (확인 불가)",
           "note": "✎  메모 추가", "quit": "⏸  중단 (나중에 이어하기)", "yes": "예", "no": "아니요",
           "accept": "✓  답변 확인 완료: 판정 보기", "review": "답변 검토 — 고칠 항목을 고르세요",
           "note_q": "메모:", "pick": "(방향키로 고른 뒤 Enter)", "keys": "값 입력 · b 이전 · s 건너뛰기 · n 메모 · q 중단",
           "tkeys": "답변 입력 · /b 이전 · /s 건너뛰기 · /n 메모 · /q 중단", "now": "현재"},
}
_WORDS = {
    "b": Back, "back": Back, "이전": Back, "뒤로": Back,
    "s": Skip, "skip": Skip, "건너뛰기": Skip,
    "q": Quit, "quit": Quit, "중단": Quit, "종료": Quit,
}


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")


_LOCALE_INPUT: str | None = None  # the encoding the locale claims for the keyboard, when not UTF-8


def use_utf8_input() -> None:
    """Decode the keyboard as UTF-8 even when the locale claims ASCII or Latin-1.

    prompt_toolkit decodes keys in `sys.stdin.encoding`. Under `LANG=C` /
    `PYTHONIOENCODING=ascii` every non-ASCII byte was dropped from what the engineer
    typed (Korean notes vanished); under Latin-1 UTF-8 input became mojibake. Terminals
    send UTF-8 almost always; bytes that are not UTF-8 are read in the locale's encoding
    afterwards (see `typed`). Call before the first prompt of the process.
    """
    global _LOCALE_INPUT
    import codecs

    encoding = getattr(sys.stdin, "encoding", None) or "utf-8"
    try:
        if codecs.lookup(encoding).name == "utf-8":
            return
        sys.stdin.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    except (AttributeError, LookupError, ValueError, OSError):  # pragma: no cover - exotic stdin
        return
    _LOCALE_INPUT = encoding


def typed(text: str | None) -> str:
    """What the engineer typed, as they typed it (see `use_utf8_input`)."""
    text = text or ""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")  # the bytes as they came from the terminal
    return raw.decode(_LOCALE_INPUT or "utf-8", "replace")


class TerminalPrompter:
    def __init__(self, lang: str = "en", color: bool = True):
        self.lang = lang if lang in _T else "en"
        self.t = _T[self.lang]
        self.color = color
        self.stopping = False     # a hangup or SIGTERM asked the session to stop (see stop())
        self._app: Any = None     # the prompt_toolkit application of the prompt on screen

    def _run(self, question: Any) -> Any:
        """`question.unsafe_ask()`, which `stop()` can end from a signal handler."""
        if self.stopping:
            raise KeyboardInterrupt
        app = question.application

        def _stop_before_drawing() -> None:  # runs inside app.run(), once its future exists
            if self.stopping:
                app.exit(exception=KeyboardInterrupt, style="class:aborting")

        app.pre_run_callables.append(_stop_before_drawing)
        self._app = app
        try:
            result = question.unsafe_ask()
        except EOFError:  # the terminal went away under the prompt
            if self.stopping:
                raise KeyboardInterrupt from None
            raise
        finally:
            self._app = None
        if self.stopping:  # the signal came while the prompt was closing: the answer is kept, then stop
            raise KeyboardInterrupt
        return result

    def stop(self) -> bool:
        """Called from a SIGHUP/SIGTERM handler: end the session like Ctrl-C, at a safe point.

        Raising KeyboardInterrupt from the handler while prompt_toolkit's event loop runs can
        leave asyncio waiting forever for the cancelled application (or print asyncio
        tracebacks), so a prompt on screen is ended through its own `exit()` instead, as
        prompt_toolkit does for SIGINT. Returns False when no prompt is running: the caller
        raises KeyboardInterrupt itself.
        """
        self.stopping = True
        app = self._app
        if app is None:
            return False
        loop = app.loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._abort, app)
            except RuntimeError:  # the loop is closing: _run() sees `stopping` when unsafe_ask returns
                pass
        return True

    @staticmethod
    def _abort(app: Any) -> None:
        future = app.future
        if future is not None and not future.done():
            app.exit(exception=KeyboardInterrupt, style="class:aborting")

    def _say(self, text: str, style: str = "") -> None:
        codes = {"dim": "\033[2m", "bold": "\033[1m", "red": "\033[31m", "cyan": "\033[36m"}
        if self.color and style:
            text = codes[style] + text + "\033[0m"
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def _header(self, q: Question) -> None:
        self._say("")
        self._say(q.progress, "cyan")
        if q.help:
            self._say("  " + _clean(q.help), "dim")
        if q.error:
            self._say("  ✗ " + q.error, "red")

    def ask(self, q: Question) -> Reply:
        import questionary

        self._header(q)
        label = _clean(q.ask)
        if q.type in ("yes_no", "choice"):
            options: list[Any] = []
            if q.type == "yes_no":
                options += [questionary.Choice(self.t["yes"], value=("a", True)),
                            questionary.Choice(self.t["no"], value=("a", False))]
            else:
                options += [questionary.Choice(_clean(text), value=("a", key)) for key, text in q.choices]
            options += [questionary.Separator(),
                        questionary.Choice(self.t["skip"], value=("s", None)),
                        questionary.Choice(self.t["note"], value=("n", None))]
            if q.can_back:
                options.append(questionary.Choice(self.t["back"], value=("b", None)))
            options.append(questionary.Choice(self.t["quit"], value=("q", None)))
            default = None
            for opt in options:
                if isinstance(opt, questionary.Choice) and opt.value == ("a", q.default):
                    default = opt
            picked = self._run(questionary.select(label, choices=options, default=default, qmark="?",
                                                     instruction=self.t["pick"]))
            kind, value = picked
        else:
            hint = self.t["keys"] if q.type == "number" else self.t["tkeys"]
            suffix = f" [{q.unit}]" if q.unit else ""
            if q.type == "number" and (q.min is not None or q.max is not None):
                lo = "" if q.min is None else f"{q.min:g}"
                hi = "" if q.max is None else f"{q.max:g}"
                suffix += f" ({lo}–{hi})"
            self._say("  " + hint, "dim")
            default = "" if q.default is None else (f"{q.default:g}" if isinstance(q.default, float) else str(q.default))
            raw = self._run(questionary.text(label + suffix, default=default, validate=lambda s: self._valid(q, s),
                                             qmark="?"))
            kind, value = self._command(q, typed(raw))
        if kind == "a":
            return Answer(value)
        if kind == "s":
            return Skip()
        if kind == "b":
            return Back()
        if kind == "q":
            return Quit()
        text = typed(self._run(questionary.text(self.t["note_q"], qmark="✎")))
        return Note(_clean(text).strip()) if text.strip() else self.ask(q)

    def _command(self, q: Question, raw: str) -> tuple[str, Any]:
        s = raw.strip()
        word = s[1:] if s.startswith("/") else s
        if q.type == "number" or s.startswith("/"):
            if word.lower() in ("n", "note", "메모"):
                return "n", None
            cls = _WORDS.get(word.lower())
            if cls is not None:
                return {Back: "b", Skip: "s", Quit: "q"}[cls], None
        return "a", s

    def _valid(self, q: Question, raw: str) -> bool | str:
        kind, value = self._command(q, raw)
        if kind == "b" and not q.can_back:
            return "this is the first check" if self.lang != "ko" else "첫 번째 항목입니다"
        if kind != "a":
            return True
        if not value:
            return "enter a value" if self.lang != "ko" else "값을 입력하세요"
        if q.type != "number":
            return True
        from cstriage.engine.answers import AnswerError, coerce

        class _C:
            type = "number"
            unit = q.unit
            min = q.min
            max = q.max

        try:
            coerce(_C, value)
        except AnswerError as exc:
            return exc.say(self.lang)
        return True

    def review(self, rows: list[ReviewRow]) -> str | None:
        import questionary

        self._say("")
        # questionary turns value=None into the title, so "accept" needs a value of its own
        accept = "\0accept"
        options: list[Any] = [questionary.Choice(self.t["accept"], value=accept), questionary.Separator()]
        import shutil

        from cstriage.render.text import cells, fit

        columns = shutil.get_terminal_size((80, 24)).columns
        width = min(max((cells(r.stage) for r in rows), default=0), 22)
        for r in rows:
            answer = fit(_clean(r.answer), 24)
            room = max(10, columns - width - cells(answer) - 12)  # pointer, spaces and arrow
            stage = fit(r.stage, width)
            ask = fit(_clean(r.ask), room)
            options.append(questionary.Choice(f"{stage}{' ' * (width - cells(stage))} {ask}  →  {answer}",
                                              value=r.check))
        picked = self._run(questionary.select(self.t["review"], choices=options, qmark="?",
                                              instruction=self.t["pick"]))
        return None if picked == accept else picked


class ChainPrompter:
    """Pre-filled answers first (from `--answers`), then the terminal."""

    def __init__(self, prefilled: dict[str, Any], terminal: Any):
        self.prefilled = dict(prefilled)
        self.terminal = terminal

    def ask(self, q: Question) -> Reply:
        if q.check in self.prefilled and not q.error:
            value = self.prefilled.pop(q.check)
            return Skip() if value is None else Answer(value)
        return self.terminal.ask(q)

    def review(self, rows: list[ReviewRow]) -> str | None:
        return self.terminal.review(rows)
