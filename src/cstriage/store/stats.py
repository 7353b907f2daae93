"""What `cstriage stats` reports: pure computation over the session store.

Repeat claims are a structural defect, not individual cases, so besides the top
findings this module finds the repeats and says at which level to fix them:

- `customer` — the finding came back after a remote fix: the remote fix holds only
  until the next change on site (settings backup / preset, training, install conditions);
- `internal` — a visit was followed within 14 days by another session for the same
  serial, or an on-site fix did not hold: the checklist or the visit kit missed something;
- `product` — the same finding repeats on 3 or more serials: feedback to the
  manufacturer (firmware, manual).

Counting happens in SQL (one pass per question, on indexed columns); Python only
shapes the few hundred rows that come back. Dates are the local calendar dates the
sessions were started on (the ISO text stored in `started`).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from cstriage.errors import BadInput

REVISIT_DAYS = 14
PRODUCT_SERIALS = 3
_LEVEL_ORDER = {"product": 0, "internal": 1, "customer": 2}
_SINCE = re.compile(r"^\s*(\d+)\s*([dwm])\s*$", re.IGNORECASE)

ACTIONS = {
    "customer": (("Standardise at the customer: back up the settings and save a preset, train the operators, "
                  "check the install conditions."),
                 "고객 단: 설정 백업·프리셋 저장, 사용자 교육, 설치 환경 점검으로 표준화합니다."),
    "internal": ("Fix it internally: review the checklist and the visit kit — the plan or the kit missed something.",
                 "내부 개선: 점검표와 방문 키트를 검토합니다 — 계획이나 키트에서 빠진 것이 있습니다."),
    "product": ("Feed it back to the manufacturer: firmware, manual.",
                "제조사 피드백: 펌웨어, 매뉴얼 개선을 요청합니다."),
}


# -- the window --------------------------------------------------------------
def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{what} `{text}` is not a date or a period",
                       hint="use 90d, 12w, 6m or an ISO date like 2025-01-31") from None


def _months_back(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    import calendar

    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def window(since: str | date | None, until: str | date | None, now: datetime) -> dict[str, Any]:
    """The report window: `since` is `90d`, `12w`, `6m` or an ISO date; `until` a date (inclusive)."""
    if until is None or until == "":
        until_d = now.date()
    else:
        until_d = until if isinstance(until, date) else _date(str(until), "--until")
    until_x = until_d + timedelta(days=1)
    since = since or "90d"
    if isinstance(since, date):
        since_d = since
    else:
        m = _SINCE.match(since)
        if m:
            n, unit = int(m.group(1)), m.group(2).lower()
            if n <= 0:
                raise BadInput(f"--since `{since}` is an empty period", hint="use a positive number, e.g. 90d")
            if unit == "m":
                since_d = _months_back(until_x, n)
            else:
                since_d = until_x - timedelta(days=n * (7 if unit == "w" else 1))
        else:
            since_d = _date(since, "--since")
    if since_d >= until_x:
        raise BadInput(f"the window starts ({since_d}) after it ends ({until_d})",
                       hint="--since must be before --until")
    days = (until_x - since_d).days
    return {"since": since_d.isoformat(), "until": until_d.isoformat(), "until_x": until_x.isoformat(),
            "days": days, "prev_since": (since_d - timedelta(days=days)).isoformat()}


# -- the library, when there is one ------------------------------------------
class _Lib:
    def __init__(self, lib: Any, lang: str):
        self.lib = lib
        self.lang = lang

    def _f(self, fid: str) -> Any:
        if self.lib is None:
            return None
        e = self.lib.findings.get(fid)
        return e.obj if e is not None else None

    def known(self, fid: str) -> bool:
        return self._f(fid) is not None

    def title(self, fid: str) -> str:
        from cstriage.i18n import tr

        f = self._f(fid)
        return tr(f.title, self.lang) if f is not None else fid

    def fix(self, fid: str, stored: str | None) -> str | None:
        f = self._f(fid)
        return f.fix if f is not None else stored

    def card(self, fid: str) -> str | None:
        f = self._f(fid)
        if f is None or not f.card or f.card not in self.lib.cards:
            return None
        return str(f.card)

    def prevent(self, fid: str) -> list[str]:
        from cstriage.i18n import tr

        f = self._f(fid)
        return [tr(t, self.lang) for t in f.prevent] if f is not None else []

    def product_of(self, checklist: str) -> str | None:
        if self.lib is None or checklist not in self.lib.checklists:
            return None
        products = self.lib.checklist(checklist).products
        return products[0] if len(products) == 1 else None

    def parts_stages(self, checklist: str) -> set[str] | None:
        """Stages with a check whose rules can fire a finding that brings parts (None: unknown)."""
        if self.lib is None or checklist not in self.lib.checklists:
            return None
        out = set()
        for stage, chk in self.lib.checklist(checklist).checks():
            for rule in chk.rules:
                f = self._f(rule.then)
                if f is not None and f.parts and f.fix in ("visit", "rma"):
                    out.add(stage)
        return out

    def stage_of(self, checklist: str) -> dict[str, str]:
        if self.lib is None or checklist not in self.lib.checklists:
            return {}
        return {c.id: s for s, c in self.lib.checklist(checklist).checks()}


# -- the report ----------------------------------------------------------------
# These must stay identical to the partial indexes of migration 3 in store/db.py,
# or SQLite parses every result JSON in the window again.
RESOLVED = "s.verdict = 'remote' AND CASE WHEN json_valid(s.result) THEN json_extract(s.result, '$.resolved') END = 1"
SAFETY = "CASE WHEN json_valid(s.result) THEN json_extract(s.result, '$.safety') END = 1"
VISIT_SKIPPED = ("s.verdict = 'visit' AND CASE WHEN json_valid(s.result) "
                 "THEN json_array_length(s.result, '$.skipped') END > 0")


class _Q:
    """The window and the filters as SQL, for any table alias."""

    def __init__(self, conn: Any, w: dict[str, Any], product: str | None, customer: str | None):
        self.conn = conn
        self.w = w
        self.product = product
        self.customer = customer

    def where(self, a: str = "s", since: str | None = None) -> tuple[str, list[Any]]:
        sql = f"{a}.started >= ? AND {a}.started < ?"
        params: list[Any] = [since or self.w["since"], self.w["until_x"]]
        if self.product:
            sql += f" AND {a}.product = ?"
            params.append(self.product)
        if self.customer is not None:
            sql += f" AND {a}.customer = ?"
            params.append(self.customer)
        return sql, params

    def rows(self, sql: str, params: list[Any]) -> list[Any]:
        return self.conn.execute(sql, params).fetchall()


def compute(store: Any, since: str | date | None = "90d", until: str | date | None = None,
            product: str | None = None, customer: str | None = None, top: int = 20,
            now: datetime | None = None, library: Any = None, lang: str = "en") -> dict[str, Any]:
    """Everything `cstriage stats` shows, as plain data (the `--json` output)."""
    now = now or datetime.now().astimezone()
    w = window(since, until, now)
    lib = _Lib(library, lang)
    q = _Q(store.conn, w, product, customer)
    where, params = q.where()
    total, finished = q.rows(f"SELECT COUNT(*), COALESCE(SUM(s.status = 'finished'), 0) FROM sessions s WHERE {where}",
                             params)[0]
    top_findings = _top(q, lib, total, top)
    return {
        "generated": now.isoformat(timespec="seconds"),
        "window": {"since": w["since"], "until": w["until"], "days": w["days"]},
        "previous_window": {"since": w["prev_since"],
                            "until": (date.fromisoformat(w["since"]) - timedelta(days=1)).isoformat()},
        "filters": {"product": product, "customer": customer},
        "library": library is not None,
        "sessions": total,
        "finished": finished,
        "top_findings": top_findings,
        "verdict_mix": _verdict_mix(q, lib),
        "repeats": _repeats(q, lib),
        "card_coverage": _card_coverage(top_findings, library is not None),
        "empty_handed": _empty_handed(q, lib),
    }


def _stored_fix(q: _Q, fid: str) -> str | None:
    row = q.rows("SELECT fix FROM session_findings WHERE finding = ? LIMIT 1", [fid])
    return row[0][0] if row else None


def _top(q: _Q, lib: _Lib, total: int, top: int) -> list[dict[str, Any]]:
    """Top findings of the window, with their count in the previous window of the same length."""
    where, params = q.where(since=q.w["prev_since"])
    rows = q.rows(
        f"SELECT sf.finding, SUM(s.started >= ?) AS n, SUM(s.started < ?) AS prev "
        f"FROM sessions s JOIN session_findings sf ON sf.session = s.id WHERE {where} "
        f"GROUP BY sf.finding HAVING n > 0 ORDER BY n DESC, sf.finding LIMIT ?",
        [q.w["since"], q.w["since"], *params, max(0, int(top))])
    out = []
    for fid, n, prev in rows:
        fix = lib.fix(fid, None) or _stored_fix(q, fid)
        out.append({"finding": fid, "title": lib.title(fid), "fix": fix, "count": n,
                    "share": round(n / total, 4) if total else 0.0, "previous": prev, "trend": n - prev,
                    "card": lib.card(fid), "known": lib.known(fid) if lib.lib is not None else None})
    return out


MIX_KEYS = ("resolved_remote", "remote", "visit", "rma", "escalate", "open")


def _verdict_mix(q: _Q, lib: _Lib) -> list[dict[str, Any]]:
    """Per product family; the six outcome columns add up to `sessions`, `safety` is a subset of visit/rma."""
    where, params = q.where()
    group = f"FROM sessions s WHERE {where} AND {{}} GROUP BY s.product, s.checklist"
    rows = q.rows(
        "SELECT s.product, s.checklist, COUNT(*), SUM(s.status != 'finished'), "
        "SUM(s.status = 'finished' AND s.verdict = 'remote'), SUM(s.status = 'finished' AND s.verdict = 'visit'), "
        "SUM(s.status = 'finished' AND s.verdict = 'rma'), SUM(s.status = 'finished' AND s.verdict = 'escalate') "
        + group.format("1"), params)
    resolved = {(p, c): n for p, c, n in q.rows("SELECT s.product, s.checklist, COUNT(*) " + group.format(RESOLVED),
                                                params)}
    safety = {(p, c): n for p, c, n in q.rows("SELECT s.product, s.checklist, COUNT(*) " + group.format(SAFETY),
                                              params)}
    mix: dict[str, dict[str, Any]] = {}
    for prod, checklist, n, open_, remote, visit, rma, escalate in rows:
        family = prod or lib.product_of(checklist) or "(unknown)"
        m = mix.setdefault(family, {"product": family, "sessions": 0, **dict.fromkeys(MIX_KEYS, 0), "safety": 0})
        r = resolved.get((prod, checklist), 0)
        m["sessions"] += n
        m["resolved_remote"] += r
        m["remote"] += (remote or 0) - r
        m["visit"] += visit or 0
        m["rma"] += rma or 0
        m["escalate"] += escalate or 0
        m["open"] += open_ or 0
        m["safety"] += safety.get((prod, checklist), 0)
    for m in mix.values():  # a verdict outside the contract still leaves the columns adding up
        other = m["sessions"] - sum(m[k] for k in MIX_KEYS)
        if other:
            m["other"] = other
    return sorted(mix.values(), key=lambda m: (-m["sessions"], m["product"]))


def _unpack(packed: str) -> list[dict[str, Any]]:
    out = [{"session": sid, "started": started, "verdict": verdict} for sid, started, verdict in json.loads(packed)]
    return sorted(out, key=lambda x: (x["started"], x["session"]))


def _span(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(sessions), "first": sessions[0]["started"][:10], "last": sessions[-1]["started"][:10]}


def _repeats(q: _Q, lib: _Lib) -> list[dict[str, Any]]:
    where, params = q.where()
    unit = ("CASE WHEN s.serial IS NOT NULL AND s.serial != '' THEN 's:' || s.serial "
            "ELSE json_array('c', s.customer, s.product) END")
    groups = q.rows(
        f"SELECT {unit} AS unit, sf.finding, "
        "json_group_array(json_array(s.id, s.started, s.verdict)), "
        "MAX(s.serial), MAX(s.customer), MAX(s.product) "
        "FROM sessions s JOIN session_findings sf ON sf.session = s.id "
        f"WHERE s.status = 'finished' AND {where} "
        "AND ((s.serial IS NOT NULL AND s.serial != '') OR (s.customer IS NOT NULL AND s.customer != '')) "
        "GROUP BY unit, sf.finding HAVING COUNT(*) >= 2", params)
    out: list[dict[str, Any]] = []
    by_finding: dict[str, list[Any]] = {}
    for g in groups:
        by_finding.setdefault(g[1], []).append(g)
    for fid, gs in by_finding.items():
        serial_units = [g for g in gs if g[0].startswith("s:")]
        if len(serial_units) >= PRODUCT_SERIALS:
            sessions = sorted((x for g in gs for x in _unpack(g[2])), key=lambda x: (x["started"], x["session"]))
            out.append({"level": "product", "finding": fid, "title": lib.title(fid),
                        "serials": sorted(g[3] for g in serial_units), "customers": sorted({g[4] for g in gs if g[4]}),
                        "products": sorted({g[5] for g in gs if g[5]}), **_span(sessions), "sessions": sessions,
                        "reason": f"repeats on {len(serial_units)} serials", "action": _action("product", lib, fid)})
            continue
        fix = lib.fix(fid, None) or _stored_fix(q, fid)
        level = "customer" if fix == "remote" else "internal"
        for unit_key, _, packed, serial, cust, prod in gs:
            sessions = _unpack(packed)
            out.append({"level": level, "finding": fid, "title": lib.title(fid),
                        "serial": serial if unit_key.startswith("s:") else None, "customer": cust, "product": prod,
                        **_span(sessions), "sessions": sessions,
                        "reason": {"remote": "came back after a remote fix", "visit": "came back after a site visit",
                                   "rma": "came back after a repair (RMA)"}.get(fix or "", "came back"),
                        "action": _action(level, lib, fid)})
    out += _revisits(q, lib)
    out.sort(key=lambda r: (_LEVEL_ORDER[r["level"]], -r["count"], r["finding"] or "", r["first"],
                            r["sessions"][0]["session"]))
    return out


def _revisits(q: _Q, lib: _Lib) -> list[dict[str, Any]]:
    """Visits followed by another session of the same serial within 14 days, for another cause.

    When the follow-up shows the same finding, the repeat group of that finding covers it.
    """
    where, params = q.where("v")
    follow = q.rows(
        "SELECT v.id, v.serial, v.customer, v.product, v.started, f.id, f.started, f.verdict "
        "FROM sessions v JOIN sessions f ON f.serial = v.serial AND f.started >= v.started AND f.id != v.id "
        f"WHERE v.status = 'finished' AND v.verdict = 'visit' AND v.serial IS NOT NULL AND v.serial != '' AND {where} "
        f"AND f.started < ? AND julianday(f.started) > julianday(v.started) "
        f"AND julianday(f.started) - julianday(v.started) <= {REVISIT_DAYS}", params + [q.w["until_x"]])
    ids = sorted({r[0] for r in follow} | {r[5] for r in follow})
    found: dict[str, set[str]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for sid, fid in q.rows(f"SELECT session, finding FROM session_findings WHERE session IN "
                               f"({','.join('?' * len(chunk))})", chunk):
            found.setdefault(sid, set()).add(fid)
    visits: dict[str, dict[str, Any]] = {}
    for vid, serial, cust, prod, vstart, fid, fstart, fverdict in follow:
        if found.get(vid, set()) & found.get(fid, set()):
            continue
        v = visits.setdefault(vid, {"first": {"session": vid, "started": vstart, "verdict": "visit"},
                                    "serial": serial, "customer": cust, "product": prod, "follow": []})
        v["follow"].append({"session": fid, "started": fstart, "verdict": fverdict})
    out = []
    for vid, v in visits.items():
        vf = sorted(found.get(vid, set()))
        after = sorted({f for x in v["follow"] for f in found.get(x["session"], set())})
        sessions = [v["first"]] + sorted(v["follow"], key=lambda x: (x["started"], x["session"]))
        out.append({"level": "internal", "finding": vf[0] if vf else None, "title": lib.title(vf[0]) if vf else "",
                    "visit_findings": vf, "followup_findings": after, "serial": v["serial"],
                    "customer": v["customer"], "product": v["product"], **_span(sessions), "sessions": sessions,
                    "reason": f"another session within {REVISIT_DAYS} days of a visit",
                    "action": _action("internal", lib, None)})
    return out


def _action(level: str, lib: _Lib, fid: str | None) -> list[str]:
    en, ko = ACTIONS[level]
    base = ko if lib.lang == "ko" else en
    if level == "customer" and fid:
        return [base] + lib.prevent(fid)
    return [base]


def _card_coverage(top: list[dict[str, Any]], with_library: bool) -> dict[str, Any]:
    if not with_library:
        return {"known": False, "with_card": None, "of": len(top), "write_next": [], "not_in_library": [],
                "note": "the content library could not be loaded: card coverage is unknown"}
    return {"known": True, "with_card": sum(1 for t in top if t["card"]), "of": len(top),
            "write_next": [{"finding": t["finding"], "title": t["title"], "count": t["count"]}
                           for t in top if t["card"] is None and t["known"]],
            "not_in_library": [t["finding"] for t in top if not t["known"]]}


def _empty_handed(q: _Q, lib: _Lib) -> list[dict[str, Any]]:
    """Visits planned while a check that could change the parts list was skipped."""
    where, params = q.where()
    rows = q.rows(
        "SELECT s.id, s.serial, s.customer, s.product, s.checklist, s.started, "
        "json_extract(s.result, '$.skipped'), json_extract(s.result, '$.check_on_site') "
        f"FROM sessions s WHERE {where} AND {VISIT_SKIPPED} AND s.status = 'finished' "
        "ORDER BY s.started DESC, s.id", params)
    out = []
    cache: dict[str, tuple[set[str] | None, dict[str, str]]] = {}
    for sid, serial, cust, prod, checklist, started, skipped, on_site in rows:
        if checklist not in cache:
            cache[checklist] = (lib.parts_stages(checklist), lib.stage_of(checklist))
        with_parts, stage_of = cache[checklist]
        stage: dict[str, str | None] = dict(stage_of)
        for item in json.loads(on_site or "[]") or []:
            if isinstance(item, dict) and item.get("check"):
                stage.setdefault(item["check"], item.get("stage"))
        checks = [{"check": c, "stage": stage.get(c)} for c in json.loads(skipped or "[]") or []]
        if with_parts is not None:
            checks = [c for c in checks if c["stage"] in with_parts]
        if checks:
            out.append({"session": sid, "started": started, "serial": serial, "customer": cust, "product": prod,
                        "checklist": checklist, "skipped": checks})
    return out
