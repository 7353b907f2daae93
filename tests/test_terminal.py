"""The real terminal: questionary under a pseudo-terminal (pexpect), as an engineer uses it.

The harness (keys, spawning, the store checks) is in tests/ptyterm.py.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from ptyterm import PROMPTS as Q
from ptyterm import CLEAR, CTRL_C, DOWN, ENTER, FIXTURE, LIB, UP, show, spawner

START = ["start", "--checklist", "cam-noise", "--serial", "SN-T1", "--customer", "Lab T", "--ticket", "T-77",
         "--no-downtime-critical"]



@pytest.fixture
def term(data_dir: Path):
    yield from spawner(data_dir, timeout=10, prompts=Q)


def test_whole_session_with_arrow_keys_and_numbers(term, cli) -> None:
    t = term(*START)
    t.ask("outlet-grounded", ENTER)                  # Yes (the first option)
    t.ask("burning-smell", DOWN + ENTER)             # No
    t.ask("cable-type", ENTER)                       # the supplied locking cable
    t.ask("lamp-hours", "150000" + ENTER)            # above max: refused at the prompt
    t.wait("150000 h is above the possible maximum 100000 h — a typo?")
    t.child.send(CLEAR + "1500" + ENTER)
    t.ask("cooler-on", ENTER)
    t.ask("sensor-temp", "-10" + ENTER)
    t.ask("gain-mode", ENTER)                        # standard: banding-after-reset not asked
    before = t.ask("software-version", "2.1" + ENTER)
    assert Q["banding-after-reset"] not in before
    t.ask("reproduces-with-reference", ENTER)
    t.ask("review", ENTER)                           # accept
    assert t.end() == 0
    assert "RMA / factory repair" in t.seen and "Sensor fault" in t.seen
    assert "Traceback" not in t.seen
    rec = show(cli, t.session_id())
    assert rec["status"] == "finished" and rec["verdict"] == "rma"
    assert rec["answers"] == {"outlet-grounded": True, "burning-smell": False, "cable-type": "locking",
                              "lamp-hours": 1500, "cooler-on": True, "sensor-temp": -10, "gain-mode": "standard",
                              "software-version": "2.1", "reproduces-with-reference": True}
    assert rec["meta"] == {"product": "test-camera", "serial": "SN-T1", "customer": "Lab T", "ticket": "T-77",
                           "downtime_critical": False, "symptom": None}


def test_back_skip_note_and_review_edit(term, cli) -> None:
    t = term(*START)
    t.ask("outlet-grounded", ENTER)                  # Yes
    t.ask("burning-smell", DOWN + ENTER)             # No
    # cable-type: locking, generic, unknown, —, skip, note, back, quit: five downs = back
    t.ask("cable-type", DOWN * 5 + ENTER)
    t.wait(Q["burning-smell"])                       # back at the previous check, "No" preselected
    t.child.send(DOWN + ENTER)                       # No -> skip
    t.ask("cable-type", DOWN * 4 + ENTER)            # note
    t.wait("Note:")
    t.child.send("customer on speaker" + ENTER)
    t.ask("cable-type", ENTER)                       # asked again after the note: locking
    t.ask("lamp-hours", "800" + ENTER)
    t.ask("cooler-on", DOWN + ENTER)                 # No: sensor-temp not asked
    t.ask("gain-mode", DOWN + ENTER)                 # high
    t.ask("banding-after-reset", ENTER)              # yes, still there
    t.ask("software-version", "2.1" + ENTER)
    t.ask("reproduces-with-reference", ENTER)
    # review: accept, —, outlet, burning, cable, lamp, cooler, gain, …: six downs = gain-mode
    t.ask("review", DOWN * 6 + ENTER)
    t.wait(Q["gain-mode"])                           # "high" preselected
    t.child.send(UP + ENTER)                         # standard
    t.ask("review", ENTER)
    assert t.end() == 0
    assert "Answers dropped after an edit: banding-after-reset" in t.seen
    rec = show(cli, t.session_id())
    assert rec["answers"] == {"outlet-grounded": True, "burning-smell": None, "cable-type": "locking",
                              "lamp-hours": 800, "cooler-on": False, "gain-mode": "standard",
                              "software-version": "2.1", "reproduces-with-reference": True}
    assert rec["skipped"] == ["burning-smell"]
    assert rec["dropped"] == ["banding-after-reset"]
    assert [n["text"] for n in rec["notes"]] == ["customer on speaker"]
    assert rec["notes"][0]["check"] == "cable-type"
    assert rec["verdict"] == "rma"


def test_typed_commands_at_a_number_prompt(term, cli) -> None:
    t = term(*START)
    t.ask("outlet-grounded", ENTER)
    t.ask("burning-smell", DOWN + ENTER)
    t.ask("cable-type", ENTER)
    t.ask("lamp-hours", "lots" + ENTER)
    t.wait("expected a number, got `lots`")
    t.child.send(CLEAR + "s" + ENTER)                # skip
    t.ask("cooler-on", DOWN * 5 + ENTER)            # Yes, No, —, skip, note, back, quit -> quit
    assert t.end() == 130
    sid = t.session_id()
    assert f"--content {FIXTURE} resume {sid}" in t.seen
    rec = show(cli, sid)
    assert rec["status"] == "open"
    assert rec["answers"] == {"outlet-grounded": True, "burning-smell": False, "cable-type": "locking",
                              "lamp-hours": None}


def test_ctrl_c_then_resume_continues_at_the_first_unanswered_check(term, cli) -> None:
    t = term(*START)
    t.ask("outlet-grounded", ENTER)
    t.ask("burning-smell", DOWN + ENTER)
    t.ask("cable-type", CTRL_C)
    assert t.end() == 130
    sid = t.session_id()
    assert f"--content {FIXTURE} resume {sid}" in t.seen
    assert "Traceback" not in t.seen
    rec = show(cli, sid)
    assert rec["status"] == "open" and rec["verdict"] is None
    assert rec["answers"] == {"outlet-grounded": True, "burning-smell": False}

    r = term("resume", sid)
    before = r.ask("cable-type", ENTER)             # the first unanswered check, nothing before it
    assert f"resuming session {sid}" in before
    assert Q["outlet-grounded"] not in before and Q["burning-smell"] not in before
    r.ask("lamp-hours", "2500" + ENTER)
    r.ask("cooler-on", DOWN + ENTER)
    r.ask("gain-mode", ENTER)
    r.ask("software-version", "3.0" + ENTER)
    r.ask("reproduces-with-reference", ENTER)
    r.ask("review", ENTER)
    assert r.end() == 0
    assert "Site visit" in r.seen and "Traceback" not in r.seen
    rec = show(cli, sid)
    assert rec["status"] == "finished" and rec["verdict"] == "visit"
    assert [f["id"] for f in rec["findings"]] == ["lamp-aged"]
    assert list(rec["answers"])[:3] == ["outlet-grounded", "burning-smell", "cable-type"]


def test_kill_9_after_two_answers_keeps_both(term, cli) -> None:
    t = term(*START)
    t.ask("outlet-grounded", ENTER)
    t.ask("burning-smell", DOWN + ENTER)
    t.wait(Q["cable-type"])  # the next question is shown only once the answer is on disk
    t.child.kill(signal.SIGKILL)
    t.end()
    assert t.child.signalstatus == signal.SIGKILL
    rec = show(cli, t.session_id())
    assert rec["status"] == "open"
    assert rec["answers"] == {"outlet-grounded": True, "burning-smell": False}
    assert set(rec["answered_at"]) == {"outlet-grounded", "burning-smell"}


def test_sighup_keeps_the_answers_without_a_traceback(term, cli) -> None:
    t = term(*START)
    t.ask("outlet-grounded", ENTER)
    t.ask("burning-smell", DOWN + ENTER)
    t.ask("cable-type", DOWN * 4 + ENTER)           # a note in progress when the line drops
    t.wait("Note:")
    t.child.send("half a no")
    t.child.kill(signal.SIGHUP)
    t.end()
    assert "Traceback" not in t.seen
    assert t.child.signalstatus == signal.SIGHUP or t.child.exitstatus in (129, 130)
    rec = show(cli, t.session_id())
    assert rec["answers"] == {"outlet-grounded": True, "burning-smell": False}
    assert rec["status"] == "open"
    # and it can be resumed
    res = cli(*LIB, "sessions", "list", "--json", "--status", "open")
    assert [s["session"] for s in json.loads(res.out)] == [t.session_id()]
