"""Store faults and migrations: clear messages, never a traceback, never lost history."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from cstriage.errors import StoreError
from cstriage.store import db
from cstriage.store.db import MIGRATIONS, SCHEMA_VERSION, Store


def _session(store: Store) -> str:
    sid = store.create_session("cl", "hash", {"serial": "SN-1", "customer": "Lab A"}, "en")
    store.add_event(sid, {"kind": "answer", "check": "a", "value": True})
    store.add_event(sid, {"kind": "answer", "check": "b", "value": 3.5})
    return sid


def test_answers_survive_reopen(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    sid = _session(store)
    store.close()
    again = Store.open(tmp_path)
    events = again.events(sid)
    assert [(e["check"], e["value"]) for e in events] == [("a", True), ("b", 3.5)]
    assert again.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_corrupt_database_is_kept_aside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / db.DB_NAME).write_bytes(b"this is not a database at all" * 100)
    store = Store.open(tmp_path)
    err = capsys.readouterr().err
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"this is not a database")
    assert aside[0].name in err
    assert store.sessions() == []


def test_newer_schema_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / db.DB_NAME
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer cstriage"):
        Store.open(tmp_path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("start", range(SCHEMA_VERSION))
def test_migrates_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    path = tmp_path / db.DB_NAME
    conn = sqlite3.connect(path)
    for number in range(1, start + 1):
        conn.executescript(MIGRATIONS[number - 1])
        conn.execute(f"PRAGMA user_version = {number}")
    if start >= 1:
        conn.execute("INSERT INTO sessions (id, checklist, content_hash, status, started, updated) "
                     "VALUES ('old', 'cl', 'h', 'open', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')")
        conn.commit()
    conn.close()
    store = Store.open(tmp_path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    if start >= 1:
        assert store.session("old")["checklist"] == "cl"
    sid = _session(store)
    store.finish(sid, {"verdict": "remote"}, [("f1", "remote")])
    assert store.session(sid)["verdict"] == "remote"


def test_full_disk_gives_a_clear_message_and_keeps_answers(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    sid = _session(store)
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="full"):
        for i in range(10_000):
            store.add_event(sid, {"kind": "note", "check": None, "value": "x" * 2000})
    store.close()
    again = Store.open(tmp_path)
    assert [e["check"] for e in again.events(sid)][:2] == ["a", "b"]


def test_read_only_database_file(tmp_path: Path, cli) -> None:
    store = Store.open(tmp_path)
    _session(store)
    store.close()
    r = cli("--data-dir", "/proc/cstriage-cannot-exist", "sessions", "list")
    assert r.code == 2
    assert "Traceback" not in r.out + r.err
    assert "--data-dir" in r.err


def test_data_dir_with_spaces_and_korean(tmp_path: Path, cli) -> None:
    home = tmp_path / "고객 데이터" / "현장 서비스"
    r = cli("--data-dir", str(home), "sessions", "list", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out) == []
    assert (home / db.DB_NAME).exists()


def test_two_connections_write_concurrently(tmp_path: Path) -> None:
    a = Store.open(tmp_path)
    b = Store.open(tmp_path)
    sa = a.create_session("cl", "h", {}, "en")
    sb = b.create_session("cl", "h", {}, "en")
    for i in range(20):
        a.add_event(sa, {"kind": "answer", "check": f"c{i}", "value": i})
        b.add_event(sb, {"kind": "answer", "check": f"c{i}", "value": -i})
    assert len(a.events(sb)) == 20 and len(b.events(sa)) == 20


def test_delete_removes_everything_of_a_session(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    sid = _session(store)
    store.record_baselines(sid, "SN-1", "cl", [("read-noise-e", 1.4, "e-")])
    store.finish(sid, {"verdict": "visit"}, [("f", "visit")])
    store.delete_sessions([sid])
    for table in ("sessions", "events", "session_findings", "baselines"):
        assert store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
