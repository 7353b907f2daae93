"""The session report as Markdown, to paste into a ticket (Zendesk, Jira)."""

from __future__ import annotations

from typing import Any

from cstriage.i18n import PASSED_NAMES, VERDICT_NAMES, both, stage_name, tr, yes_no
from cstriage.render.text import markdown as md

_L = {
    "en": {"title": "Triage report", "symptom": "Symptom", "product": "Product", "serial": "Serial",
           "customer": "Customer", "ticket": "Ticket", "started": "Started", "checklist": "Checklist",
           "checks": "Checks done", "stage": "Stage", "check": "Check", "answer": "Answer", "verdict": "Verdict",
           "findings": "Findings", "remote": "Remote steps", "onsite": "On-site plan", "parts": "Parts",
           "qty": "Qty", "for": "For", "tools": "Tools", "explain": "Explanation for the customer",
           "prevent": "Prevention", "notes": "Notes", "skipped": "Could not check (check on site)",
           "loaner": "Loaner recommended (downtime critical).", "safety": "**Safety stop** — instrument to be powered off until a qualified visit.",
           "status": "Status", "open": "open (not finished)", "kit": "kit", "none": "No cause found — escalate to level 2 with logs."},
    "ko": {"title": "점검 보고서", "symptom": "증상", "product": "제품", "serial": "시리얼", "customer": "고객",
           "ticket": "티켓", "started": "시작", "checklist": "점검표", "checks": "점검 결과", "stage": "단계",
           "check": "점검 항목", "answer": "답변", "verdict": "판정", "findings": "원인", "remote": "원격 조치 내용",
           "onsite": "현장 작업 계획", "parts": "지참 부품", "qty": "수량", "for": "대상", "tools": "공구",
           "explain": "고객 안내", "prevent": "재발 방지", "notes": "메모", "skipped": "확인 불가 (현장 확인 필요)",
           "loaner": "대체기 대여 권장 (업무 중단 치명적).", "safety": "**안전상 작업 중지** — 자격 있는 엔지니어 방문 전까지 전원 차단.",
           "status": "상태", "open": "진행 중 (미완료)", "kit": "키트", "none": "원인 미확인 — 로그를 수집하여 레벨 2로 이관."},
}


def _show(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return yes_no(value, lang)
    if value is None:
        return "—"
    return md(value)


def _code(text: Any) -> str:
    """An inline code span: backslashes do not escape inside one, so no backticks at all."""
    from cstriage.render.text import plain

    return "`" + " ".join(plain(text).split()).replace("`", "'") + "`"


def session_report(rec: dict[str, Any], lib: Any, lang: str) -> str:
    t = _L.get(lang, _L["en"])
    meta = rec.get("meta") or {}
    lines = [f"## {t['title']}: {md(rec['checklist'])} ({md(rec['session'])})", ""]
    for key in ("symptom", "product", "serial", "customer", "ticket"):
        if meta.get(key):
            lines.append(f"- **{t[key]}:** {md(meta[key])}")
    lines.append(f"- **{t['started']}:** {md(rec.get('started'))}")
    if rec.get("status") != "finished":
        lines.append(f"- **{t['status']}:** {t['open']}")
    lines.append("")
    cl_entry = lib.checklists.get(rec["checklist"]) if lib else None
    checks = {c.id: (s, c) for s, c in cl_entry.obj.checks()} if cl_entry else {}
    lines += [f"### {t['checks']}", "", f"| {t['stage']} | {t['check']} | {t['answer']} |", "|---|---|---|"]
    for cid, value in (rec.get("answers") or {}).items():
        stage, chk = checks.get(cid, ("", None))
        ask = tr(chk.ask, lang) if chk else cid
        unit = f" {chk.unit}" if chk is not None and chk.unit and value is not None else ""
        shown = value
        if chk is not None and chk.type == "choice" and value is not None:  # None = skipped: shown as —
            shown = tr((chk.choices or {}).get(value, value), lang)
        lines.append(f"| {stage_name(stage, lang)} | {md(ask)} | {_show(shown, lang)}{md(unit)} |")
    lines.append("")
    verdict = rec.get("verdict")
    if verdict:
        # an imported record may carry any verdict text: shown, never looked up blindly
        names = VERDICT_NAMES.get(verdict, (str(verdict), str(verdict)))
        if rec.get("passed"):
            names = PASSED_NAMES
        lines += [f"### {t['verdict']}: {md(both(names, lang))}", ""]
        if rec.get("safety"):
            lines += [t["safety"], ""]
        if rec.get("loaner"):
            lines += [t["loaner"], ""]
        if rec.get("findings"):
            lines += [f"**{t['findings']}**", ""]
            for f in rec["findings"]:
                ev = ", ".join(f"{md(e.get('check'))} = {_show(e.get('answer'), lang)}" for e in f.get("evidence") or [])
                lines.append(f"- {md(f.get('title') or f.get('id'))} ({_code(f.get('id'))}, {md(f.get('fix'))}) — {ev}")
            lines.append("")
        else:
            lines += [] if rec.get("passed") else [t["none"], ""]
        for key, numbered in (("remote", True), ("onsite", True)):
            if rec.get(key):
                lines += [f"**{t[key]}**", ""] + [f"{i}. {md(x)}" for i, x in enumerate(rec[key], 1)] + [""]
        if rec.get("parts"):
            lines += [f"**{t['parts']}**", "", f"| P/N | {t['parts']} | {t['qty']} | {t['for']} |", "|---|---|---|---|"]
            for p in rec["parts"]:
                why = ", ".join(map(str, p.get("for") or [])) or t["kit"]
                lines.append(f"| {md(p.get('pn') or p.get('part'))} | {md(p.get('name') or p.get('part'))} | "
                             f"{md(p.get('qty'))} | {md(why)} |")
            lines.append("")
        for key in ("tools", "prevent"):
            if rec.get(key):
                lines += [f"**{t[key]}**", ""] + [f"- {md(x)}" for x in rec[key]] + [""]
        if rec.get("check_on_site"):
            lines += [f"**{t['skipped']}**", ""] + [f"- {md(c.get('ask'))}" for c in rec["check_on_site"]] + [""]
        if rec.get("explain"):
            lines += [f"**{t['explain']}**", ""] + ["\n>\n".join(f"> {md(x)}" for x in rec["explain"]), ""]
    if rec.get("notes"):
        lines += [f"**{t['notes']}**", ""] + [f"- {md(n['text'] if isinstance(n, dict) else n)}" for n in rec["notes"]] + [""]
    return "\n".join(lines).rstrip() + "\n"
