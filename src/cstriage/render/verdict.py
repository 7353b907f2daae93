"""The verdict screen: the answer in one glance, then what to do and what to bring."""

from __future__ import annotations

from typing import Any

from cstriage.i18n import PASSED_NAMES, VERDICT_NAMES, both, yes_no
from cstriage.render.text import plain
from cstriage.render.text import terminal as esc

_L = {
    "en": {"verdict": "Verdict", "safety": "SAFETY STOP — ask the customer to power the instrument off; a qualified person must attend.",
           "resolved": "Resolved on the call.", "findings": "Findings", "evidence": "because",
           "remote": "Do now, on the call", "onsite": "On-site plan", "parts": "Parts to bring",
           "part": "Part", "name": "Name", "pn": "P/N", "qty": "Qty", "why": "For", "kit": "kit",
           "tools": "Tools", "loaner": "Loaner: offer a loaner unit — the customer's downtime is critical.",
           "explain": "Say to the customer", "prevent": "Prevent a repeat", "cards": "Cards",
           "check_on_site": "Could not check — check on site", "baseline": "No baseline recorded for",
           "session": "Session", "none": "No cause found: collect data (logs, mains and temperature loggers) and escalate to level 2.",
           "dropped": "Answers dropped after an edit"},
    "ko": {"verdict": "판정", "safety": "안전상 작업 중지 — 고객에게 장비 전원을 끄도록 안내하고, 자격 있는 엔지니어가 방문해야 합니다.",
           "resolved": "통화 중 해결됨.", "findings": "점검 결과", "evidence": "근거",
           "remote": "지금 통화 중 조치", "onsite": "현장 작업 계획", "parts": "지참 부품",
           "part": "부품", "name": "품명", "pn": "P/N", "qty": "수량", "why": "대상", "kit": "키트",
           "tools": "공구", "loaner": "대체기: 고객 업무 중단이 치명적이므로 대체기 대여를 제안하십시오.",
           "explain": "고객 안내 문구", "prevent": "재발 방지", "cards": "관련 카드",
           "check_on_site": "확인 불가 항목 — 현장에서 확인", "baseline": "기준값(베이스라인) 없음",
           "session": "세션", "none": "원인 미확인: 로그·전원·온도 기록을 수집하여 상위 기술지원(레벨 2)으로 이관하십시오.",
           "dropped": "수정으로 제외된 답변"},
}
_STYLE = {"remote": "green", "visit": "yellow", "rma": "red", "escalate": "magenta"}


def _answer(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return yes_no(value, lang)
    if value is None:
        return "확인 불가" if lang == "ko" else "skipped"
    return plain(value)


def build(result: dict[str, Any], lib: Any, lang: str) -> list[Any]:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    # `result` may come from an imported record (`sessions import`): every field is
    # optional, and every string is shown as text (Text: plain; markup strings: esc).
    t = _L.get(lang, _L["en"])
    verdict = result.get("verdict") or "escalate"
    style = _STYLE.get(verdict, "white")
    names = VERDICT_NAMES.get(verdict, (plain(verdict), plain(verdict)))
    if result.get("passed"):
        names, style = PASSED_NAMES, "green"
    out: list[Any] = []
    head = Text()
    head.append(both(names, lang), style=f"bold {style}")
    if result.get("resolved"):
        head.append("  ✓ " + t["resolved"], style="green")
    if result.get("loaner"):
        head.append("\n" + t["loaner"], style="bold")
    out.append(Panel(head, title=f"{t['verdict']} · {esc(result.get('checklist'))}",
                     subtitle=f"{t['session']} {esc(result.get('session') or '')}", border_style=style))
    if result.get("safety"):
        out.append(Panel(Text(t["safety"], style="bold white on red"), border_style="red"))
    if result.get("findings"):
        out.append(Text(t["findings"], style="bold underline"))
        for f in result["findings"]:
            line = Text(f"• {plain(f.get('title') or f.get('id'))} ", style="bold")
            line.append(f"[{plain(f.get('fix'))}]", style=_STYLE.get(f.get("fix") or "", ""))
            out.append(line)
            for ev in f.get("evidence") or []:
                parts = [f"{plain(ev.get('check'))} = {_answer(ev.get('answer'), lang)}"]
                parts += [f"{plain(w.get('check'))} = {_answer(w.get('answer'), lang)}" for w in ev.get("with", [])]
                out.append(Text(f"    {t['evidence']}: " + ", ".join(parts), style="dim"))
    elif not result.get("passed"):
        out.append(Text(t["none"], style="magenta"))

    def bullets(title: str, items: list[str], numbered: bool = False) -> None:
        if not items:
            return
        out.append(Text(""))
        out.append(Text(title, style="bold underline"))
        grid = Table.grid(padding=(0, 1))  # wrapped lines hang under the text, not the number
        grid.add_column(justify="right", no_wrap=True, style="bold")
        grid.add_column(overflow="fold")
        for i, item in enumerate(items, 1):
            grid.add_row(f"  {i}." if numbered else "  •", Text(plain(item)))
        out.append(grid)

    bullets(t["remote"], result.get("remote") or [], numbered=True)
    bullets(t["onsite"], result.get("onsite") or [], numbered=True)
    if result.get("parts"):
        table = Table(title=t["parts"], title_justify="left", title_style="bold underline", expand=False)
        for col in (t["part"], t["name"], t["pn"], t["qty"], t["why"]):
            table.add_column(col, overflow="fold")
        for p in result["parts"]:
            why = ", ".join(map(str, p.get("for") or [])) or t["kit"]
            if p.get("in_kit"):
                why += f" (+{t['kit']})"
            table.add_row(esc(p.get("part")), esc(p.get("name") or p.get("part")), esc(p.get("pn") or ""),
                          esc(p.get("qty")), esc(why), style="dim" if p.get("kit") else "")
        out.append(Text(""))
        out.append(table)
    bullets(t["tools"], result.get("tools") or [])
    bullets(t["check_on_site"], [f"{c.get('ask')} ({c.get('check')})" for c in result.get("check_on_site") or []])
    if result.get("explain"):
        out.append(Text(""))
        body = Text("\n\n".join(plain_items(result["explain"])))
        out.append(Panel(body, title=t["explain"], border_style="cyan"))
    bullets(t["prevent"], result.get("prevent") or [])
    if result.get("baseline_missing"):
        out.append(Text(f"{t['baseline']}: " + plain(", ".join(map(str, result["baseline_missing"]))), style="yellow"))
    if result.get("dropped"):
        out.append(Text(f"{t['dropped']}: " + plain(", ".join(map(str, result["dropped"]))), style="dim"))
    if result.get("cards"):
        out.append(Text(f"{t['cards']}: " + plain(", ".join(map(str, result["cards"])))
                        + "  (cstriage card show ID)", style="dim"))
    return out


def plain_items(items: list[str]) -> list[str]:
    from cstriage.render.text import plain

    return [plain(i) for i in items]


def print_verdict(result: dict[str, Any], lib: Any, lang: str, console: Any = None) -> None:
    from rich.console import Console

    console = console or Console(highlight=False)
    for item in build(result, lib, lang):
        console.print(item)
