"""Concurrency: several cstriage processes on one data folder (one SQLite file in WAL mode).

- Two engineers' sessions in two pseudo-terminals, answers interleaved and sent at the
  same instant: no "database is locked" or any other error on screen, every answer in
  its own session, event numbers contiguous per session.
- `sessions list --json`, `sessions show --json`, `sessions export` and `stats --json`
  run over and over in other processes while a session writes: no lock error, valid
  output, and every snapshot of the session is a prefix of its final answers (no lost
  answer, no answer from elsewhere).
- Store level: two processes write 200 events each through `Store.add_event` at once
  (into one session, and into their own sessions on a store that does not exist yet):
  all 400 are there, `seq` unique and gap-free per session, each writer's events in its
  own order; readers in another thread never fail while the writers run.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Self

import pytest


from ptyterm import PROMPTS as Q
from ptyterm import LIB, env_for, integrity, show, spawner

DOWN, ENTER = "\x1b[B", "\r"
TROUBLE = re.compile(r"locked|busy|error|Traceback|Exception", re.IGNORECASE)

# two different paths through cam-noise, each step: (check, keys, stored answer)
PATH_A = [("outlet-grounded", ENTER, True), ("burning-smell", DOWN + ENTER, False), ("cable-type", ENTER, "locking"),
          ("lamp-hours", "1500" + ENTER, 1500), ("cooler-on", ENTER, True), ("sensor-temp", "-10" + ENTER, -10),
          ("gain-mode", ENTER, "standard"), ("software-version", "2.1" + ENTER, "2.1"),
          ("reproduces-with-reference", ENTER, True)]
PATH_B = [("outlet-grounded", DOWN + ENTER, False), ("burning-smell", DOWN * 2 + ENTER, None),
          ("cable-type", DOWN + ENTER, "generic"), ("lamp-hours", "2500" + ENTER, 2500),
          ("cooler-on", DOWN + ENTER, False), ("gain-mode", DOWN + ENTER, "high"),
          ("banding-after-reset", ENTER, True), ("software-version", "9.9-b" + ENTER, "9.9-b"),
          ("reproduces-with-reference", DOWN + ENTER, False)]


def start_args(serial: str) -> list[str]:
    return ["start", "--checklist", "cam-noise", "--serial", serial, "--customer", f"Lab {serial}",
            "--ticket", f"T-{serial}", "--no-downtime-critical"]


@pytest.fixture
def term(data_dir: Path):
    yield from spawner(data_dir, timeout=30)


def stored_events(home: Path, sid: str) -> list[tuple[int, str, str | None]]:
    conn = sqlite3.connect(home / "cstriage.db")
    try:
        return conn.execute("SELECT seq, kind, check_id FROM events WHERE session = ? ORDER BY seq", (sid,)).fetchall()
    finally:
        conn.close()


# -- two sessions in two terminals ------------------------------------------------------

def test_two_sessions_at_once_interleaved(term, cli, data_dir: Path) -> None:
    a, b = term(*start_args("SN-A")), term(*start_args("SN-B"))
    a.wait(Q[PATH_A[0][0]])
    b.wait(Q[PATH_B[0][0]])
    for i in range(len(PATH_A)):
        # both engineers press Enter at the same instant: two commits race for the write lock
        a.child.send(PATH_A[i][1])
        b.child.send(PATH_B[i][1])
        a.wait(Q[PATH_A[i + 1][0]] if i + 1 < len(PATH_A) else Q["review"])
        b.wait(Q[PATH_B[i + 1][0]] if i + 1 < len(PATH_B) else Q["review"])
    a.child.send(ENTER)
    b.child.send(ENTER)
    assert a.end() == 0 and b.end() == 0
    for t in (a, b):
        assert not TROUBLE.search(t.seen), TROUBLE.search(t.seen)
    sid_a, sid_b = a.session_id(), b.session_id()
    assert sid_a != sid_b
    rec_a, rec_b = show(cli, sid_a), show(cli, sid_b)
    assert rec_a["answers"] == {c: v for c, _, v in PATH_A} and rec_a["meta"]["serial"] == "SN-A"
    assert rec_b["answers"] == {c: v for c, _, v in PATH_B} and rec_b["meta"]["serial"] == "SN-B"
    assert (rec_a["verdict"], rec_b["verdict"]) == ("rma", "visit")
    for sid, path in ((sid_a, PATH_A), (sid_b, PATH_B)):
        events = stored_events(data_dir, sid)
        assert [seq for seq, _, _ in events] == list(range(1, len(path) + 1))
        assert [c for _, _, c in events] == [c for c, _, _ in path]
    integrity(data_dir)


# -- readers while a session writes -------------------------------------------------------

def has_stats_command(env: dict[str, str]) -> bool:
    p = subprocess.run([sys.executable, "-m", "cstriage", "stats", "--help"], capture_output=True, text=True,
                       env=env, stdin=subprocess.DEVNULL, timeout=60, check=False)
    return p.returncode == 0


class Readers:
    """Threads that run read-only cstriage commands in a loop, each in a new process."""

    def __init__(self, home: Path, commands: list[list[str]], threads: int = 2):
        self.env = env_for(home)
        self.commands = commands
        self.stop = threading.Event()
        self.runs: list[tuple[float, list[str], int, str, str]] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(threads)]

    def __enter__(self) -> Self:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)

    def _loop(self, offset: int) -> None:
        i = offset
        while not self.stop.is_set():
            cmd = self.commands[i % len(self.commands)]
            i += 1
            p = subprocess.run([sys.executable, "-m", "cstriage", *LIB, *cmd], capture_output=True, text=True,
                               env=self.env, stdin=subprocess.DEVNULL, timeout=120, check=False)
            with self.lock:
                self.runs.append((time.monotonic(), cmd, p.returncode, p.stdout, p.stderr))


def test_list_show_export_and_stats_while_a_session_writes(term, data_dir: Path) -> None:
    t = term(*start_args("SN-R"))
    t.wait(Q[PATH_A[0][0]])
    sid = t.session_id()
    commands = [["sessions", "list", "--json"], ["sessions", "show", sid, "--json"], ["sessions", "export"]]
    if has_stats_command(env_for(data_dir)):
        commands.append(["stats", "--json"])
    with Readers(data_dir, commands) as readers:
        for i, (check, keys, _) in enumerate(PATH_A):
            time.sleep(0.25)  # the readers keep going between answers
            t.child.send(keys)
            t.wait(Q[PATH_A[i + 1][0]] if i + 1 < len(PATH_A) else Q["review"])
        t.child.send(ENTER)
        assert t.end() == 0
        time.sleep(0.3)
    assert not TROUBLE.search(t.seen)
    final = {c: v for c, _, v in PATH_A}
    runs = sorted(readers.runs)
    assert len(runs) >= len(commands), f"only {len(runs)} reader runs"
    seen_kinds = set()
    previous: dict[str, Any] = {}
    for _, cmd, rc, out, err in runs:
        assert rc == 0 and not TROUBLE.search(err), (cmd, rc, err)
        seen_kinds.add(cmd[1] if cmd[0] == "sessions" else cmd[0])
        if cmd[:2] == ["sessions", "export"]:
            recs = [json.loads(line) for line in out.splitlines()]
            assert [r["session"] for r in recs] == [sid]
            snapshot = recs[0]["answers"]
        elif cmd[:2] == ["sessions", "show"]:
            snapshot = json.loads(out)["answers"]
        elif cmd[:2] == ["sessions", "list"]:
            listed = json.loads(out)
            assert [s["session"] for s in listed] == [sid] and listed[0]["serial"] == "SN-R"
            continue
        else:
            data = json.loads(out)
            assert data["sessions"] == 1
            continue
        # every snapshot: a prefix of the final answers, with their final values
        assert snapshot == dict(list(final.items())[:len(snapshot)]), (cmd, snapshot)
        assert len(snapshot) >= len(previous) or cmd[:2] != ["sessions", "show"], "an answer disappeared"
        previous = snapshot if cmd[:2] == ["sessions", "show"] else previous
    assert {"list", "show", "export"} <= seen_kinds
    rec = json.loads(subprocess.run([sys.executable, "-m", "cstriage", *LIB, "sessions", "show", sid, "--json"],
                                    capture_output=True, text=True, env=env_for(data_dir), check=True).stdout)
    assert rec["status"] == "finished" and rec["answers"] == final
    integrity(data_dir)


# -- store level: concurrent writers ------------------------------------------------------

def _writer(home: str, sid: str | None, tag: str, n: int, pause: float, barrier: Any, results: Any) -> None:
    """A separate process: open the store (maybe creating it), then add n events, `pause` s apart."""
    try:
        from cstriage.store.db import Store

        barrier.wait(timeout=60)
        store = Store.open(Path(home))
        if sid is None:
            sid = store.create_session("cam-noise", "h-" + tag, {"serial": tag}, "en")
        for i in range(n):
            store.add_event(sid, {"kind": "note", "check": tag, "value": f"{tag}-{i}"})
            if pause:
                time.sleep(pause)
        store.close()
        results.put((tag, sid, None))
    except BaseException as exc:  # noqa: BLE001 - reported to the test
        results.put((tag, sid, f"{type(exc).__name__}: {exc}"))


def run_writers(home: Path, sids: dict[str, str | None], n: int, pause: float = 0.0) -> dict[str, str]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(sids))
    results = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(home), sid, tag, n, pause, barrier, results)) for tag, sid in sids.items()]
    for p in procs:
        p.start()
    got = {}
    try:
        for _ in procs:
            tag, sid, error = results.get(timeout=120)
            assert error is None, f"writer {tag}: {error}"
            got[tag] = sid
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert all(p.exitcode == 0 for p in procs)
    return got


def check_events(home: Path, sid: str, tags: list[str], n: int) -> int:
    """Every event there, seq unique and gap-free, each writer's in its order; returns how
    often the writer changes along the log (how much the writes interleaved)."""
    from cstriage.store.db import Store

    store = Store.open(home)
    events = store.events(sid)
    store.close()
    assert len(events) == n * len(tags)
    assert [e["seq"] for e in events] == list(range(1, n * len(tags) + 1))  # unique, no gaps
    for tag in tags:
        mine = [e["value"] for e in events if e["check"] == tag]
        assert mine == [f"{tag}-{i}" for i in range(n)]  # all there, in the writer's order
    writers = [e["check"] for e in events]
    return sum(1 for a, b in itertools.pairwise(writers) if a != b)


@pytest.mark.parametrize("pause", [0.0, 0.002], ids=["flat-out", "paced"])
def test_two_processes_write_200_events_each_into_one_session(pause: float, tmp_path: Path) -> None:
    """Flat out, SQLite lets one writer starve the other for a while (busy_timeout covers it);
    paced like people, the two writers' events interleave through the log."""
    from cstriage.store.db import Store

    home = tmp_path / "home"
    store = Store.open(home)
    sid = store.create_session("cam-noise", "h", {"serial": "S"}, "en")
    store.close()
    run_writers(home, {"A": sid, "B": sid}, 200, pause)
    switches = check_events(home, sid, ["A", "B"], 200)
    if pause:
        assert switches >= 20, f"the writers hardly overlapped ({switches} switches)"
    integrity(home)


def test_two_processes_create_the_store_and_write_their_own_sessions(tmp_path: Path) -> None:
    """Both start on a data folder that does not exist yet: creation, WAL switch and migrations race too."""
    from cstriage.store.db import SCHEMA_VERSION

    home = tmp_path / "fresh"
    got = run_writers(home, {"A": None, "B": None}, 200)
    assert got["A"] != got["B"]
    for tag, sid in got.items():
        check_events(home, sid, [tag], 200)
    conn = sqlite3.connect(home / "cstriage.db")
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 2
    finally:
        conn.close()
    integrity(home)


def _opener(homes: list[str], tag: str, barrier: Any, results: Any) -> None:
    """A separate process: for each fresh folder, at the same instant as the others, open
    (create) the store, start a session and add a few events."""
    from cstriage.store.db import Store

    errors = []
    for home in homes:
        barrier.wait(timeout=60)
        try:
            store = Store.open(Path(home))
            sid = store.create_session("cam-noise", "h", {"serial": tag}, "en")
            for i in range(5):
                store.add_event(sid, {"kind": "note", "check": tag, "value": f"{tag}-{i}"})
            store.close()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(f"{Path(home).name}: {type(exc).__name__}: {exc}")
    results.put((tag, errors))


def test_four_processes_open_a_fresh_store_at_the_same_instant(tmp_path: Path) -> None:
    """The first use of a data folder by several commands at once (WAL switch and migrations race)."""
    ctx = multiprocessing.get_context("spawn")
    homes = [str(tmp_path / f"fresh-{i}") for i in range(20)]
    tags = ["A", "B", "C", "D"]
    barrier = ctx.Barrier(len(tags))
    results = ctx.Queue()
    procs = [ctx.Process(target=_opener, args=(homes, tag, barrier, results)) for tag in tags]
    for p in procs:
        p.start()
    try:
        errors = [e for _ in procs for e in results.get(timeout=120)[1]]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert errors == []
    for home in homes:
        conn = sqlite3.connect(Path(home) / "cstriage.db")
        try:
            assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == len(tags)
            assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 5 * len(tags)
        finally:
            conn.close()


def test_readers_never_fail_while_two_processes_write(tmp_path: Path) -> None:
    from cstriage.store.db import Store, record
    from cstriage.store.stats import compute

    home = tmp_path / "home"
    store = Store.open(home)
    sid = store.create_session("cam-noise", "h", {"serial": "S"}, "en")
    store.close()
    errors: list[str] = []
    counts: list[int] = []
    done = threading.Event()

    def read() -> None:
        reader = Store.open(home)
        try:
            while not done.is_set():
                counts.append(len(reader.events(sid)))
                for rec in reader.iter_records():
                    record(reader.session(rec["session"]), reader.events(rec["session"]))
                reader.sessions()
                compute(reader, since="90d")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            reader.close()

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    try:
        run_writers(home, {"A": sid, "B": sid}, 200, 0.001)
    finally:
        done.set()
        thread.join(timeout=60)
    assert errors == []
    assert counts and counts == sorted(counts), "a reader saw events disappear"
    assert any(0 < c < 400 for c in counts), f"no read happened during the writes: {counts[:5]}…"
    check_events(home, sid, ["A", "B"], 200)
