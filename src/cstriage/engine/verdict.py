"""The verdict policy of spec §4, with the evidence and the visit plan."""

from __future__ import annotations

from typing import Any

from cstriage.engine.conditions import SKIP
from cstriage.i18n import tr

RANK = {"remote": 1, "visit": 2, "rma": 3}


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def product_of(checklist: Any, meta: dict[str, Any]) -> str | None:
    product = meta.get("product")
    if product:
        return str(product)
    return checklist.products[0] if len(checklist.products) == 1 else None


def decide(session: Any, lib: Any, meta: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    """The JSON of spec §5 for a session in its current state."""
    cl = session.checklist
    st = session.state
    fired = st.fired
    fdefs = {f.finding: lib.finding(f.finding) for f in fired}
    verdict = "escalate"
    best = 0
    for f in fired:
        best = max(best, RANK[fdefs[f.finding].fix])
    safety = any(fdefs[f.finding].safety for f in fired)
    if safety:
        best = max(best, RANK["visit"])
    if best:
        verdict = next(k for k, v in RANK.items() if v == best)
    resolved = verdict == "remote" and any(fdefs[f.finding].resolves for f in fired)
    loaner = bool(meta.get("downtime_critical")) and verdict in ("visit", "rma")

    stage_index = {s.stage: i for i, s in enumerate(cl.steps)}
    by_stage = sorted(fired, key=lambda f: stage_index.get(f.stage, 0))
    remote = _unique([tr(t, lang) for f in fired for t in fdefs[f.finding].remote])
    onsite: list[str] = []
    tools: list[str] = []
    parts: list[dict[str, Any]] = []
    if verdict in ("visit", "rma"):
        onsite = _unique([tr(t, lang) for f in by_stage for t in fdefs[f.finding].onsite])
        tools = _unique([tr(t, lang) for f in by_stage for t in fdefs[f.finding].tools])
        merged: dict[str, dict[str, Any]] = {}
        for f in by_stage:
            d = fdefs[f.finding]
            if d.fix not in ("visit", "rma"):
                continue
            for pid, qty in d.parts.items():
                row = merged.setdefault(pid, {"part": pid, "qty": 0, "for": [], "kit": False})
                row["qty"] = max(row["qty"], qty)
                row["for"].append(f.finding)
        product = product_of(cl, meta)
        kit = lib.products[product].obj.kit if product in lib.products else {}
        for pid, qty in kit.items():
            if pid in merged:  # one row: the kit is brought anyway, so never fewer than the kit holds
                merged[pid]["in_kit"] = True
                merged[pid]["qty"] = max(merged[pid]["qty"], qty)
                continue
            merged[pid] = {"part": pid, "qty": qty, "for": [], "kit": True}
        for row in merged.values():
            part = lib.parts.get(row["part"])
            row["name"] = tr(part.obj.name, lang) if part else row["part"]
            row["pn"] = part.obj.pn if part else None
            parts.append(row)
        parts.sort(key=lambda r: r["kit"])
    skipped = [cid for cid in session.order if session.answers.get(cid, None) is SKIP and cid in st.asked]
    check_on_site = []
    if verdict != "remote" or not resolved:
        for cid in skipped:
            chk = session.checks[cid]
            check_on_site.append({"check": cid, "stage": session.stage_of[cid], "ask": tr(chk.ask, lang)})
    findings = []
    for f in fired:
        d = fdefs[f.finding]
        findings.append({
            "id": f.finding, "title": tr(d.title, lang), "fix": d.fix,
            "safety": d.safety, "resolves": d.resolves, "stage": f.stage,
            "evidence": f.evidence,
        })
    return {
        "session": None,
        "checklist": cl.id,
        "status": "finished" if session.done() else "open",
        "verdict": verdict,
        "resolved": resolved,
        # install / maintenance with nothing found: the verdict stays `escalate` (spec §4),
        # and `passed` tells the screen, the report and stats that nothing is wrong.
        "passed": not fired and cl.purpose in ("install", "maintenance") and session.done(),
        "safety": safety,
        "stopped_by": st.stopped_by,
        "loaner": loaner,
        "findings": findings,
        "remote": remote,
        "onsite": onsite,
        "parts": parts,
        "tools": tools,
        "explain": _unique([tr(fdefs[f.finding].explain, lang) for f in fired]),
        "prevent": _unique([tr(t, lang) for f in fired for t in fdefs[f.finding].prevent]),
        "cards": _unique([fdefs[f.finding].card or "" for f in fired]),
        "skipped": skipped,
        "check_on_site": check_on_site,
        "baseline_missing": st.missing_baselines,
        "dropped": list(session.dropped),
    }
