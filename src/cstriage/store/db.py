"""Sessions, answers and baselines in SQLite.

Every event (answer, skip, note, drop) is its own committed transaction in WAL mode
with `synchronous=FULL`, so an answer is on disk before the next question is shown
and a kill at any moment leaves a readable database. Schema changes are numbered
migrations (`PRAGMA user_version`); a database from a newer cstriage is refused, a
corrupt one is moved aside (never deleted) and a fresh one started.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from cstriage.errors import StoreError

DB_NAME = "cstriage.db"

MIGRATIONS: list[str] = [
    # 1: sessions, their event log, baselines
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        checklist TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        started TEXT NOT NULL,
        updated TEXT NOT NULL,
        finished TEXT,
        product TEXT, serial TEXT, customer TEXT, ticket TEXT,
        downtime_critical INTEGER NOT NULL DEFAULT 0,
        symptom TEXT,
        lang TEXT,
        verdict TEXT,
        result TEXT
    );
    CREATE TABLE events (
        session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        ts TEXT NOT NULL,
        kind TEXT NOT NULL,
        check_id TEXT,
        value TEXT,
        skipped INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (session, seq)
    );
    CREATE TABLE baselines (
        serial TEXT NOT NULL,
        name TEXT NOT NULL,
        value REAL NOT NULL,
        unit TEXT,
        recorded TEXT NOT NULL,
        session TEXT NOT NULL,
        checklist TEXT,
        PRIMARY KEY (serial, name, session)
    );
    CREATE INDEX sessions_started ON sessions(started);
    """,
    # 2: fired findings per finished session, for stats that aggregate in SQL
    """
    CREATE TABLE session_findings (
        session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        finding TEXT NOT NULL,
        fix TEXT NOT NULL,
        PRIMARY KEY (session, finding)
    );
    CREATE INDEX session_findings_finding ON session_findings(finding);
    CREATE INDEX sessions_serial ON sessions(serial);
    """,
    # 3: covering indexes for `stats` (store/stats.py): the window scan and the serial
    # look-ups never touch the wide rows; the partial indexes answer resolved / safety /
    # skipped-before-a-visit without parsing every result JSON. Their WHERE clauses must
    # stay identical to the ones in store/stats.py. The two old indexes are prefixes of
    # the new ones.
    """
    CREATE INDEX sessions_window ON sessions(started, status, verdict, product, checklist, customer, serial, id);
    CREATE INDEX sessions_serial_started ON sessions(serial, started, id, status, verdict);
    CREATE INDEX sessions_resolved ON sessions(started, product, customer, checklist)
        WHERE verdict = 'remote' AND CASE WHEN json_valid(result) THEN json_extract(result, '$.resolved') END = 1;
    CREATE INDEX sessions_safety ON sessions(started, product, customer, checklist)
        WHERE CASE WHEN json_valid(result) THEN json_extract(result, '$.safety') END = 1;
    CREATE INDEX sessions_visit_skipped ON sessions(started, product, customer, id)
        WHERE verdict = 'visit' AND CASE WHEN json_valid(result) THEN json_array_length(result, '$.skipped') END > 0;
    DROP INDEX IF EXISTS sessions_started;
    DROP INDEX IF EXISTS sessions_serial;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def new_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path

    # -- opening ---------------------------------------------------------------
    @classmethod
    def open(cls, data_dir: Path, *, readonly: bool = False) -> Store:
        data_dir = Path(data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {data_dir}: {exc.strerror}",
                             hint="pass a writable folder with --data-dir or CSTRIAGE_HOME") from None
        path = data_dir / DB_NAME
        try:
            conn = cls._connect(path)
            cls._migrate(conn, path)
        except sqlite3.DatabaseError as exc:
            if _is_corrupt(exc):
                aside = _move_aside(path)
                conn = cls._connect(path)
                cls._migrate(conn, path)
                import sys

                sys.stderr.write(f"warning: the session database was unreadable ({exc}); it was kept as {aside} "
                                 f"and a new one was started\n")
            else:
                raise _store_error(exc, path) from None
        return cls(conn, path)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:  # before anything writes to the file
            conn.close()
            raise StoreError(
                f"{path} was written by a newer cstriage (schema {version}, this one knows {SCHEMA_VERSION})",
                hint="upgrade cstriage, or point --data-dir at another folder; the file was not changed",
            )
        mode = _set_wal(conn)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if mode is None:  # pragma: no cover
            raise sqlite3.DatabaseError("cannot set journal mode")
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection, path: Path) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path} was written by a newer cstriage (schema {version}, this one knows {SCHEMA_VERSION})",
                hint="upgrade cstriage, or point --data-dir at another folder; the file was not changed",
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            try:
                conn.execute("BEGIN IMMEDIATE")
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current >= number:  # another process migrated meanwhile
                    conn.execute("COMMIT")
                    continue
                for stmt in MIGRATIONS[number - 1].split(";"):
                    if stmt.strip():
                        conn.execute(stmt)
                conn.execute(f"PRAGMA user_version = {number}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self.conn.close()

    # -- writing ---------------------------------------------------------------
    def _write(self, sql: str, params: Iterable[Any] = ()) -> None:
        try:
            self.conn.execute(sql, tuple(params))
        except sqlite3.DatabaseError as exc:
            raise _store_error(exc, self.path) from None

    def _tx(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                self.conn.execute(sql, params)
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise _store_error(exc, self.path) from None
        except BaseException:  # a signal (SIGTERM/SIGHUP -> KeyboardInterrupt) between two statements
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")  # the event is either whole or absent, and the lock is released
            raise

    def create_session(self, checklist: str, content_hash: str, meta: dict[str, Any], lang: str) -> str:
        sid = new_id()
        ts = now()
        self._tx([(
            "INSERT INTO sessions (id, checklist, content_hash, status, started, updated, product, serial, "
            "customer, ticket, downtime_critical, symptom, lang) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sid, checklist, content_hash, "open", ts, ts, meta.get("product"), meta.get("serial"),
             meta.get("customer"), meta.get("ticket"), int(bool(meta.get("downtime_critical"))),
             meta.get("symptom"), lang),
        )])
        return sid

    def add_event(self, sid: str, event: dict[str, Any]) -> None:
        ts = now()
        value = event.get("value")
        self._tx([
            ("INSERT INTO events (session, seq, ts, kind, check_id, value, skipped) VALUES "
             "(?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE session = ?), ?, ?, ?, ?, ?)",
             (sid, sid, ts, event["kind"], event.get("check"), json.dumps(value, ensure_ascii=False),
              int(bool(event.get("skipped"))))),
            ("UPDATE sessions SET updated = ? WHERE id = ?", (ts, sid)),
        ])

    def finish(self, sid: str, result: dict[str, Any], findings: list[tuple[str, str]]) -> None:
        ts = now()
        stmts: list[tuple[str, tuple[Any, ...]]] = [
            ("UPDATE sessions SET status = 'finished', finished = ?, updated = ?, verdict = ?, result = ? WHERE id = ?",
             (ts, ts, result["verdict"], json.dumps(result, ensure_ascii=False), sid)),
            ("DELETE FROM session_findings WHERE session = ?", (sid,)),
        ]
        stmts += [("INSERT INTO session_findings (session, finding, fix) VALUES (?, ?, ?)", (sid, f, fix))
                  for f, fix in findings]
        self._tx(stmts)

    def record_baselines(self, sid: str, serial: str, checklist: str, values: list[tuple[str, float, str | None]]) -> None:
        ts = now()
        self._tx([("INSERT OR REPLACE INTO baselines (serial, name, value, unit, recorded, session, checklist) "
                   "VALUES (?,?,?,?,?,?,?)", (serial, name, value, unit, ts, sid, checklist))
                  for name, value, unit in values])

    def delete_sessions(self, ids: list[str]) -> int:
        stmts = []
        for sid in ids:
            stmts += [("DELETE FROM events WHERE session = ?", (sid,)),
                      ("DELETE FROM session_findings WHERE session = ?", (sid,)),
                      ("DELETE FROM baselines WHERE session = ?", (sid,)),
                      ("DELETE FROM sessions WHERE id = ?", (sid,))]
        self._tx(stmts)
        self._write("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(ids)

    # -- reading ---------------------------------------------------------------
    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        try:
            cur = self.conn.execute(sql, tuple(params))
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]  # type: ignore[misc]
        except sqlite3.DatabaseError as exc:
            raise _store_error(exc, self.path) from None

    def session(self, sid: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM sessions WHERE id = ?", (sid,))
        if not rows:
            rows = self._rows("SELECT * FROM sessions WHERE id LIKE ? ORDER BY started DESC", (sid + "%",))
            if len(rows) != 1:
                return None
        return rows[0]

    def events(self, sid: str) -> list[dict[str, Any]]:
        out = []
        for r in self._rows("SELECT seq, ts, kind, check_id, value, skipped FROM events WHERE session = ? ORDER BY seq", (sid,)):
            out.append({"seq": r["seq"], "ts": r["ts"], "kind": r["kind"], "check": r["check_id"],
                        "value": json.loads(r["value"]) if r["value"] is not None else None,
                        "skipped": bool(r["skipped"])})
        return out

    def sessions(self, *, status: str | None = None, customer: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM sessions"
        where, params = [], []
        if status:
            where.append("status = ?")
            params.append(status)
        if customer is not None:
            where.append("customer = ?")
            params.append(customer)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started DESC, rowid DESC"  # rowid: insertion order within one second
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self._rows(sql, params)

    def latest_open(self) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM sessions WHERE status = 'open' ORDER BY updated DESC, rowid DESC LIMIT 1")
        return rows[0] if rows else None

    def baselines(self, serial: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM baselines WHERE serial = ? ORDER BY name, recorded DESC, rowid DESC", (serial,))

    def latest_baselines(self, serial: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for r in self._rows("SELECT name, value FROM baselines WHERE serial = ? ORDER BY recorded ASC, rowid ASC", (serial,)):
            out[r["name"]] = r["value"]
        return out

    def baseline_serials(self) -> list[dict[str, Any]]:
        return self._rows("SELECT serial, COUNT(DISTINCT name) AS names, MAX(recorded) AS last FROM baselines "
                          "GROUP BY serial ORDER BY last DESC")

    def iter_records(self) -> Iterator[dict[str, Any]]:
        """Every session as one export record (spec §2 `sessions export`)."""
        for row in self._rows("SELECT * FROM sessions ORDER BY started, rowid"):
            yield record(row, self.events(row["id"]))


def record(row: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    result = json.loads(row["result"]) if row.get("result") else {}
    answers: dict[str, Any] = {}
    answered_at: dict[str, str] = {}
    notes = []
    for e in events:
        if e["kind"] == "answer":
            answers[e["check"]] = None if e["skipped"] else e["value"]
            answered_at[e["check"]] = e["ts"]
        elif e["kind"] == "drop":
            answers.pop(e["check"], None)
            answered_at.pop(e["check"], None)
        elif e["kind"] == "note":
            notes.append({"check": e["check"], "text": e["value"], "ts": e["ts"]})
    rec = dict(result)
    rec.update({
        "session": row["id"], "checklist": row["checklist"], "status": row["status"],
        "content_hash": row["content_hash"], "started": row["started"], "finished": row.get("finished"),
        "verdict": row.get("verdict"),
        "meta": {"product": row.get("product"), "serial": row.get("serial"), "customer": row.get("customer"),
                 "ticket": row.get("ticket"), "downtime_critical": bool(row.get("downtime_critical")),
                 "symptom": row.get("symptom")},
        "answers": answers, "answered_at": answered_at, "notes": notes, "events": events,
    })
    return rec


def _set_wal(conn: sqlite3.Connection, timeout: float = 10.0) -> Any:
    """`PRAGMA journal_mode = WAL`, waiting for other processes like every other statement.

    Switching a new database file to WAL needs an exclusive lock, and SQLite reports
    "database is locked" at once, without the busy handler, when another process is
    switching it at the same moment (two cstriage commands on a fresh data folder).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "file is encrypted" in text


def _move_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        extra = Path(str(path) + suffix)
        if extra.exists():
            os.replace(extra, Path(str(aside) + suffix))
    return aside


def _store_error(exc: sqlite3.DatabaseError, path: Path) -> StoreError:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return StoreError(f"the session database {path} is read-only",
                          hint="make the folder writable or choose another with --data-dir")
    if "full" in text or "disk i/o" in text:
        return StoreError(f"cannot write to {path}: the disk is full or failing ({exc})",
                          hint="free some space; the answers already saved are kept")
    if "locked" in text or "busy" in text:
        return StoreError(f"the session database {path} stayed locked by another cstriage for 10 s",
                          hint="finish or quit the other session, then run `cstriage resume`")
    return StoreError(f"session database error at {path}: {exc}", hint="run with --debug and report it")
