"""Import of exported sessions: same id = same session; a differing copy is reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cstriage.errors import BadInput

_VERDICT_KEYS = ("verdict", "resolved", "safety", "loaner", "findings", "remote", "onsite", "parts", "tools",
                 "explain", "prevent", "cards", "skipped", "check_on_site", "baseline_missing", "dropped",
                 "stopped_by", "notes", "meta", "content_hash", "session", "checklist", "status")


def _fingerprint(rec: dict[str, Any]) -> str:
    keep = {k: rec.get(k) for k in ("status", "verdict", "answers", "finished", "checklist")}
    return json.dumps(keep, sort_keys=True, ensure_ascii=False)


def import_records(store: Any, path: Path) -> dict[str, Any]:
    from cstriage.store.db import record

    existing: dict[str, str] = {}
    for row in store._rows("SELECT id, status, verdict, finished, checklist FROM sessions"):
        existing[row["id"]] = ""
    added = same = 0
    conflicts: list[dict[str, str]] = []
    sessions, events, findings = [], [], []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                sid = rec["session"]
                if not isinstance(sid, str):
                    raise TypeError
            except (json.JSONDecodeError, KeyError, TypeError):
                raise BadInput(f"line {lineno} is not a session record", where=f"{path}:{lineno}:1",
                               hint="import reads files written by `cstriage sessions export`") from None
            if sid in existing:
                if existing[sid] == "":
                    row = store.session(sid)
                    existing[sid] = _fingerprint(record(row, store.events(sid))) if row else ""
                if existing[sid] == _fingerprint(rec):
                    same += 1
                else:
                    conflicts.append({"session": sid, "where": f"{path}:{lineno}"})
                continue
            existing[sid] = _fingerprint(rec)
            meta = rec.get("meta") or {}
            result = {k: rec.get(k) for k in _VERDICT_KEYS if k in rec}
            sessions.append((sid, rec.get("checklist"), rec.get("content_hash") or "", rec.get("status") or "finished",
                             rec.get("started") or "", rec.get("finished") or rec.get("started") or "",
                             rec.get("finished"), meta.get("product"), meta.get("serial"), meta.get("customer"),
                             meta.get("ticket"), int(bool(meta.get("downtime_critical"))), meta.get("symptom"),
                             rec.get("verdict"), json.dumps(result, ensure_ascii=False) if rec.get("verdict") else None))
            evs = rec.get("events")
            if evs is None:
                evs = [{"seq": i, "ts": (rec.get("answered_at") or {}).get(k, rec.get("started") or ""),
                        "kind": "answer", "check": k, "value": v, "skipped": v is None}
                       for i, (k, v) in enumerate((rec.get("answers") or {}).items(), 1)]
            for e in evs:
                events.append((sid, e["seq"], e.get("ts") or "", e["kind"], e.get("check"),
                               json.dumps(e.get("value"), ensure_ascii=False), int(bool(e.get("skipped")))))
            for f in rec.get("findings") or []:
                findings.append((sid, f["id"], f.get("fix") or ""))
            added += 1
    store._tx([])  # make sure the database is writable before the bulk insert
    conn = store.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO sessions (id, checklist, content_hash, status, started, updated, finished, product, serial, "
            "customer, ticket, downtime_critical, symptom, verdict, result) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            sessions)
        conn.executemany("INSERT INTO events (session, seq, ts, kind, check_id, value, skipped) VALUES (?,?,?,?,?,?,?)",
                         events)
        conn.executemany("INSERT OR IGNORE INTO session_findings (session, finding, fix) VALUES (?,?,?)", findings)
        conn.execute("COMMIT")
    except Exception:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return {"added": added, "same": same, "conflicts": conflicts}
