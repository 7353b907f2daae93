"""Import of exported sessions: same id = same session; a differing copy is reported.

The file is read once. New sessions are staged in temporary tables (this connection
only, no lock on the store), chunk by chunk so memory stays flat for 100,000-line
files; one transaction then copies them into the store. A malformed line (reported as
file:line) therefore changes nothing, and a live session on the same database waits
for the write lock only during that copy.

A record whose id is already stored is compared on what the engineer did (status,
verdict, finish time, checklist, answers); a difference is a conflict, reported and
never overwritten.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cstriage.errors import BadInput

CHUNK = 5000
#: Keys `store.db.record()` adds to the stored result; everything else is the result itself.
_RECORD_ONLY = ("started", "finished", "answers", "answered_at", "events")
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _value(v: Any) -> str:
    """json.dumps(v, ensure_ascii=False), without building an encoder per call."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if type(v) is int:
        return str(v)
    return _encode(v)


def _fingerprint(rec: dict[str, Any]) -> bytes:
    keep = {k: rec.get(k) for k in ("status", "verdict", "answers", "finished", "checklist")}
    return hashlib.blake2b(json.dumps(keep, sort_keys=True, ensure_ascii=False).encode(), digest_size=16).digest()


def _bad(path: Path, lineno: int, what: str) -> BadInput:
    return BadInput(f"line {lineno} is not a session record ({what})", where=f"{path}:{lineno}",
                    hint="import reads files written by `cstriage sessions export`; nothing was imported from this file")


def _check(rec: Any) -> str | None:
    """What is wrong with a parsed line, or None."""
    if not isinstance(rec, dict):
        return "not a JSON object"
    sid = rec.get("session")
    if not isinstance(sid, str) or not sid.strip():
        return "no `session` id"
    if not isinstance(rec.get("checklist"), str):
        return "no `checklist`"
    if rec.get("status", "finished") not in ("open", "finished"):
        return "`status` is neither open nor finished"
    for key in ("started", "finished", "verdict", "content_hash"):
        if rec.get(key) is not None and not isinstance(rec[key], str):
            return f"`{key}` is not text"
    if not isinstance(rec.get("meta") or {}, dict):
        return "`meta` is not a mapping"
    if not isinstance(rec.get("answers") or {}, dict):
        return "`answers` is not a mapping"
    events = rec.get("events")
    if events is not None:
        if not isinstance(events, list):
            return "`events` is not a list"
        for e in events:
            if not isinstance(e, dict) or not isinstance(e.get("seq"), int) or not isinstance(e.get("kind"), str):
                return "an event without `seq` or `kind`"
    findings = rec.get("findings") or []
    if not isinstance(findings, list) or not all(isinstance(f, dict) and isinstance(f.get("id"), str) for f in findings):
        return "a finding without `id`"
    return None


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _bad(path, lineno, f"invalid JSON: {exc.msg}") from None
                yield lineno, rec
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8 text", where=str(path),
                       hint="import reads files written by `cstriage sessions export`") from None


def _rows(rec: dict[str, Any]) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    sid = rec["session"]
    meta = rec.get("meta") or {}
    result = {k: v for k, v in rec.items() if k not in _RECORD_ONLY}
    session = (sid, rec["checklist"], rec.get("content_hash") or "", rec.get("status") or "finished",
               rec.get("started") or "", rec.get("finished") or rec.get("started") or "", rec.get("finished"),
               meta.get("product"), meta.get("serial"), meta.get("customer"), meta.get("ticket"),
               int(bool(meta.get("downtime_critical"))), meta.get("symptom"), rec.get("verdict"),
               _encode(result) if rec.get("verdict") else None)
    evs = rec.get("events")
    if evs is None:
        evs = [{"seq": i, "ts": (rec.get("answered_at") or {}).get(k, rec.get("started") or ""),
                "kind": "answer", "check": k, "value": v, "skipped": v is None}
               for i, (k, v) in enumerate((rec.get("answers") or {}).items(), 1)]
    events = [(sid, e["seq"], e.get("ts") or "", e["kind"], e.get("check"), _value(e.get("value")),
               int(bool(e.get("skipped")))) for e in evs]
    findings = [(sid, f["id"], f.get("fix") or "") for f in rec.get("findings") or []]
    return session, events, findings


_SESSION_COLS = ("id, checklist, content_hash, status, started, updated, finished, product, serial, customer, "
                 "ticket, downtime_critical, symptom, verdict, result")
_EVENT_COLS = "session, seq, ts, kind, check_id, value, skipped"


def _stage(conn: Any) -> None:
    """Temporary tables (this connection only, no lock on the store) that hold the new sessions."""
    conn.execute("DROP TABLE IF EXISTS temp.imp_sessions")
    conn.execute("DROP TABLE IF EXISTS temp.imp_events")
    conn.execute("DROP TABLE IF EXISTS temp.imp_findings")
    conn.execute(f"CREATE TEMP TABLE imp_sessions ({_SESSION_COLS})")
    conn.execute(f"CREATE TEMP TABLE imp_events ({_EVENT_COLS})")
    conn.execute("CREATE TEMP TABLE imp_findings (session, finding, fix)")


def _spill(conn: Any, sessions: list[Any], events: list[Any], findings: list[Any]) -> None:
    conn.executemany(f"INSERT INTO temp.imp_sessions VALUES ({','.join('?' * 15)})", sessions)
    conn.executemany("INSERT INTO temp.imp_events VALUES (?,?,?,?,?,?,?)", events)
    conn.executemany("INSERT INTO temp.imp_findings VALUES (?,?,?)", findings)


def _commit(store: Any) -> None:
    """One transaction copies the staged sessions into the store: all of the file or nothing."""
    import sqlite3

    from cstriage.store.db import _store_error

    conn = store.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"INSERT OR IGNORE INTO main.sessions ({_SESSION_COLS}) "
                     f"SELECT {_SESSION_COLS} FROM temp.imp_sessions ORDER BY rowid")
        conn.execute(f"INSERT OR IGNORE INTO main.events ({_EVENT_COLS}) SELECT {_EVENT_COLS} FROM temp.imp_events")
        conn.execute("INSERT OR IGNORE INTO main.session_findings (session, finding, fix) "
                     "SELECT session, finding, fix FROM temp.imp_findings")
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.DatabaseError):
            raise _store_error(exc, store.path) from None
        raise


def _stored_fingerprints(store: Any, ids: list[str]) -> dict[str, bytes]:
    """Fingerprints of stored sessions, read in bulk (no per-session queries)."""
    from cstriage.store.db import record

    out: dict[str, bytes] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        rows = {r[0]: {"id": r[0], "checklist": r[1], "status": r[2], "finished": r[3], "verdict": r[4],
                       "content_hash": "", "started": "", "result": None}
                for r in store.conn.execute(f"SELECT id, checklist, status, finished, verdict FROM sessions "
                                            f"WHERE id IN ({marks})", chunk)}
        events: dict[str, list[dict[str, Any]]] = {sid: [] for sid in rows}
        for sid, seq, ts, kind, check, value, skipped in store.conn.execute(
                f"SELECT session, seq, ts, kind, check_id, value, skipped FROM events WHERE session IN ({marks}) "
                "ORDER BY session, seq", chunk):
            events[sid].append({"seq": seq, "ts": ts, "kind": kind, "check": check,
                                "value": json.loads(value) if value is not None else None, "skipped": bool(skipped)})
        for sid, row in rows.items():
            out[sid] = _fingerprint(record(row, events[sid]))
    return out


def import_records(store: Any, path: Path) -> dict[str, Any]:
    conn = store.conn
    existing = {r[0] for r in conn.execute("SELECT id FROM sessions")}
    store._tx([])  # fail early and clearly when the database is not writable
    added = same = 0
    conflicts: list[dict[str, str]] = []
    new_fp: dict[str, bytes] = {}
    against_store: list[tuple[str, bytes, int]] = []
    sessions: list[Any] = []
    events: list[Any] = []
    findings: list[Any] = []
    _stage(conn)
    try:
        conn.execute("BEGIN")  # touches only the temporary tables until _commit
        for lineno, rec in _lines(path):
            what = _check(rec)
            if what:
                raise _bad(path, lineno, what)
            sid = rec["session"]
            fp = _fingerprint(rec)
            if sid in existing:
                against_store.append((sid, fp, lineno))
                continue
            if sid in new_fp:
                if new_fp[sid] == fp:
                    same += 1
                else:
                    conflicts.append({"session": sid, "where": f"{path}:{lineno}"})
                continue
            new_fp[sid] = fp
            s, e, f = _rows(rec)
            sessions.append(s)
            events += e
            findings += f
            added += 1
            if len(sessions) >= CHUNK:
                _spill(conn, sessions, events, findings)
                sessions, events, findings = [], [], []
        _spill(conn, sessions, events, findings)
        conn.execute("COMMIT")
        if added:
            _commit(store)
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        for table in ("imp_sessions", "imp_events", "imp_findings"):
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    if against_store:
        stored = _stored_fingerprints(store, sorted({sid for sid, _, _ in against_store}))
        for sid, fp, lineno in against_store:
            if stored.get(sid) == fp:
                same += 1
            else:
                conflicts.append({"session": sid, "where": f"{path}:{lineno}"})
    return {"added": added, "same": same, "conflicts": conflicts}
