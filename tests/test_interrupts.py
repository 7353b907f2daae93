"""Interrupts and unusual terminals, in a real pseudo-terminal (pexpect).

- Ctrl-C at every kind of prompt (yes/no, choice, number, text, note, review, and each
  intake question) exits 130 without a traceback; once a session exists it says how to
  resume it, and `resume` continues at the prompt where the engineer stopped.
- A hangup (the terminal closes: SIGHUP) or SIGTERM ends the session the same way: exit
  130, no traceback even on a redirected stderr, answers kept, session resumable. A
  seeded stress test sends them 0–30 ms after a keystroke (prompt_toolkit in mid-redraw)
  and requires a prompt exit every time (no hang).
- A 40-column terminal, TERM=dumb, NO_COLOR and non-UTF-8 locales (ASCII, Latin-1) run
  whole sessions to the verdict without a traceback or an encoding error, and a note
  typed in Korean on an ASCII terminal is stored exactly.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

import pexpect

from ptyterm import CTRL_C, CTRL_D, DOWN, ENTER, FIXTURE, LIB, Term, integrity, show, spawner

START = ["start", "--checklist", "cam-noise", "--serial", "SN-I1", "--customer", "Lab I", "--ticket", "T-9",
         "--no-downtime-critical"]

# Short, ASCII-only pieces of each prompt: they fit on the first line of a 40-column
# terminal and survive an ASCII locale.
Q = {
    "outlet-grounded": "Is the camera plugged",
    "burning-smell": "burning smell",
    "cable-type": "Which USB cable",
    "lamp-hours": "Lamp hours",
    "cooler-on": "sensor cooler",
    "sensor-temp": "Sensor temperature",
    "gain-mode": "Which gain mode",
    "banding-after-reset": "After setting the gain",
    "software-version": "Software version",
    "reproduces-with-reference": "reference sample",
    "review": "Review the answers",
}
# a whole session: outlet yes, no smell, locking cable, 1500 h, cooler on, -10 °C, standard gain, 2.1, reproduced
WHOLE = [("outlet-grounded", ENTER), ("burning-smell", DOWN + ENTER), ("cable-type", ENTER),
         ("lamp-hours", "1500" + ENTER), ("cooler-on", ENTER), ("sensor-temp", "-10" + ENTER),
         ("gain-mode", ENTER), ("software-version", "2.1" + ENTER), ("reproduces-with-reference", ENTER),
         ("review", ENTER)]
WHOLE_ANSWERS = {"outlet-grounded": True, "burning-smell": False, "cable-type": "locking", "lamp-hours": 1500,
                 "cooler-on": True, "sensor-temp": -10, "gain-mode": "standard", "software-version": "2.1",
                 "reproduces-with-reference": True}


@pytest.fixture
def term(data_dir: Path):
    yield from spawner(data_dir, prompts=Q)


def sessions(cli) -> list[dict[str, Any]]:
    res = cli(*LIB, "sessions", "list", "--json")
    assert res.code == 0, res.err
    return json.loads(res.out)


# -- getting to each kind of prompt ------------------------------------------------------

# where: (keys up to the prompt, the prompt, what is typed there before the interrupt, answers stored by then)
TO_PROMPT: dict[str, tuple[list[tuple[str, str]], str, str, dict[str, Any]]] = {
    "yes_no": ([("outlet-grounded", ENTER)], "burning-smell", "", {"outlet-grounded": True}),
    "choice": (WHOLE[:2], "cable-type", DOWN, dict(list(WHOLE_ANSWERS.items())[:2])),
    "number": (WHOLE[:3], "lamp-hours", "12", dict(list(WHOLE_ANSWERS.items())[:3])),
    "text": (WHOLE[:3] + [("lamp-hours", "1500" + ENTER), ("cooler-on", DOWN + ENTER), ("gain-mode", ENTER)],
             "software-version", "2.", {"outlet-grounded": True, "burning-smell": False, "cable-type": "locking",
                                         "lamp-hours": 1500, "cooler-on": False, "gain-mode": "standard"}),
    "note": (WHOLE[:2] + [("cable-type", DOWN * 4 + ENTER)], "note", "half a sent",
             dict(list(WHOLE_ANSWERS.items())[:2])),
    "review": (WHOLE[:-1], "review", DOWN, WHOLE_ANSWERS),
}
RESUMES_AT = {"yes_no": "burning-smell", "choice": "cable-type", "number": "lamp-hours", "text": "software-version",
              "note": "cable-type", "review": "review"}


def reach(t: Term, where: str) -> None:
    """Drive a fresh `start` to the prompt `where` and type a little there (no Enter)."""
    keys, prompt, typed, _ = TO_PROMPT[where]
    for check, k in keys:
        t.ask(check, k)
    t.wait("Note:" if prompt == "note" else Q[prompt])
    if typed:
        t.child.send(typed)
        time.sleep(0.05)


def check_resume(term, cli, sid: str, where: str) -> None:
    """`resume` shows the prompt where the session stopped first, with nothing asked again."""
    r = term("resume", sid)
    before = r.wait(Q[RESUMES_AT[where]])
    assert f"resuming session {sid}" in before
    assert not any(text in before for text in Q.values()), before
    if where == "review":
        r.child.send(ENTER)
        assert r.end() == 0, r.seen[-1500:]
        assert "RMA / factory repair" in r.seen and "Traceback" not in r.seen
        rec = show(cli, sid)
        assert rec["status"] == "finished" and rec["answers"] == WHOLE_ANSWERS
    else:
        r.child.send(CTRL_C)
        assert r.end() == 130
        assert "Traceback" not in r.seen and f"resume {sid}" in r.seen


# -- Ctrl-C ------------------------------------------------------------------------------

@pytest.mark.parametrize("where", list(TO_PROMPT))
def test_ctrl_c_at_each_prompt_kind_exits_130_with_the_resume_hint(where: str, term, cli) -> None:
    t = term(*START)
    reach(t, where)
    t.child.send(CTRL_C)
    assert t.end() == 130
    sid = t.session_id()
    stored = TO_PROMPT[where][3]
    assert "Traceback" not in t.seen
    assert f"interrupted: session {sid} saved with {len(stored)} answer(s)" in t.seen
    assert f"hint: continue with: cstriage --no-bundled --content {FIXTURE} resume {sid}" in t.seen
    rec = show(cli, sid)
    assert rec["status"] == "open" and rec["answers"] == stored and rec["notes"] == []
    check_resume(term, cli, sid, where)


def test_ctrl_d_at_a_number_prompt_is_an_interrupt_too(term, cli) -> None:
    t = term(*START)
    reach(t, "number")
    t.child.send("\x15" + CTRL_D)  # clear the line, then end-of-file
    assert t.end() == 130
    assert "Traceback" not in t.seen and f"resume {t.session_id()}" in t.seen
    assert show(cli, t.session_id())["answers"] == TO_PROMPT["number"][3]


# the intake (no flags): the keys that answer each question, in order
INTAKE = [("Product family", ENTER), ("Symptom (as the customer says it)", "banding noise" + ENTER),
          ("Confirm the checklist", ENTER), ("Serial number", "SN-1" + ENTER), ("Customer", "Lab" + ENTER),
          ("Ticket", "T-1" + ENTER), ("downtime critical", ENTER)]


@pytest.mark.parametrize("stop", range(len(INTAKE)), ids=[q.split()[0].lower() for q, _ in INTAKE])
def test_ctrl_c_at_each_intake_question(stop: int, term, cli) -> None:
    t = term("start")
    for question, keys in INTAKE[:stop]:
        t.wait(question)
        t.child.send(keys)
    t.wait(INTAKE[stop][0])
    t.child.send(CTRL_C)
    assert t.end() == 130
    assert "Traceback" not in t.seen
    assert "interrupted: stopped before the session started; nothing was saved" in t.seen
    assert "resume" not in t.seen  # no session, so no resume hint
    assert sessions(cli) == []


def test_the_intake_leads_to_the_first_check(term, cli) -> None:
    """The control case of the test above: the same keys, no Ctrl-C, reach the first check."""
    t = term("start")
    for question, keys in INTAKE:
        t.wait(question)
        t.child.send(keys)
    t.ask("outlet-grounded", CTRL_C)
    assert t.end() == 130
    rec = show(cli, t.session_id())
    assert rec["checklist"] == "cam-noise" and rec["answers"] == {}
    assert rec["meta"] == {"product": "test-camera", "serial": "SN-1", "customer": "Lab", "ticket": "T-1",
                           "downtime_critical": False, "symptom": "banding noise"}


# -- hangup and SIGTERM ------------------------------------------------------------------

@pytest.mark.parametrize("where", ["choice", "number", "note", "review"])
def test_hangup_keeps_the_answers_exits_130_and_resumes(where: str, term, cli, tmp_path: Path,
                                                        data_dir: Path) -> None:
    err = tmp_path / "stderr.txt"
    t = term(*START, stderr_to=err)
    reach(t, where)
    sid = t.session_id()
    status, sig = t.hang_up()
    log = err.read_text(encoding="utf-8", errors="replace")
    assert (status, sig) == (130, None), log
    assert "Traceback" not in log and "Error" not in log, log
    assert f"interrupted: session {sid} saved" in log and f"resume {sid}" in log
    rec = show(cli, sid)
    assert rec["status"] == "open" and rec["answers"] == TO_PROMPT[where][3] and rec["notes"] == []
    integrity(data_dir)
    check_resume(term, cli, sid, where)


def test_sighup_with_the_terminal_still_open(term, cli) -> None:
    t = term(*START)
    reach(t, "text")
    t.child.kill(signal.SIGHUP)
    assert t.end() == 130
    assert "Traceback" not in t.seen
    sid = t.session_id()
    assert show(cli, sid)["answers"] == TO_PROMPT["text"][3]
    check_resume(term, cli, sid, "text")


def test_sigterm_ends_the_session_like_ctrl_c(term, cli) -> None:
    t = term(*START)
    reach(t, "choice")
    t.child.kill(signal.SIGTERM)
    assert t.end() == 130
    sid = t.session_id()
    assert "Traceback" not in t.seen
    assert f"interrupted: session {sid} saved with 2 answer(s)" in t.seen and f"resume {sid}" in t.seen
    assert show(cli, sid)["answers"] == TO_PROMPT["choice"][3]


def test_hangup_during_the_intake_leaves_nothing_behind(term, cli, tmp_path: Path) -> None:
    err = tmp_path / "stderr.txt"
    t = term("start", stderr_to=err)
    t.wait("Product family")
    status, sig = t.hang_up()
    assert status in (None, 130) and sig in (None, signal.SIGHUP)
    assert "Traceback" not in err.read_text(encoding="utf-8", errors="replace")
    assert sessions(cli) == []


def run_signal_stress(seed: int, term, cli, tmp_path: Path, data_dir: Path) -> None:
    """A hangup or SIGTERM 0–30 ms after a random keystroke: prompt_toolkit may be redrawing,
    the answer may be committing. Always: a prompt exit 130, no traceback, accepted answers kept."""
    rng = random.Random(seed)
    how = rng.choice(["hangup", "sigterm"])
    k = rng.randrange(len(WHOLE))
    delay = rng.uniform(0, 0.030)
    ctx = f"seed={seed} {how} after keystroke {k} ({WHOLE[k][0]}) +{delay * 1000:.1f} ms"
    err = tmp_path / "stderr.txt"
    t = term(*START, stderr_to=err)
    for check, keys in WHOLE[:k]:
        t.ask(check, keys)
    t.ask(*WHOLE[k])
    time.sleep(delay)
    if how == "hangup":
        status, sig = t.hang_up()
    else:
        t.child.kill(signal.SIGTERM)
        try:
            t.child.expect(pexpect.EOF, timeout=15)
        except pexpect.TIMEOUT:
            pytest.fail(f"no exit within 15 s after SIGTERM\n{ctx}")
        t.seen += t.child.before
        t.child.close()
        status, sig = t.child.exitstatus, t.child.signalstatus
    log = err.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log and "Traceback" not in t.seen, f"{ctx}\n{log}"
    assert "Task was destroyed" not in log and "never awaited" not in log, f"{ctx}\n{log}"
    last = WHOLE[k][0] == "review"  # Enter on the review: the verdict may be out before the signal
    assert (status, sig) == (130, None) or (last and (status, sig) in ((0, None), (None, signal.SIGHUP),
                                                                       (None, signal.SIGTERM))), \
        f"{ctx}: exit {status} signal {sig}\n{log}"
    listed = sessions(cli)
    assert len(listed) == 1, ctx
    rec = show(cli, listed[0]["session"])
    given = {c: v for c, v in WHOLE_ANSWERS.items() if c in dict(WHOLE[:k])}  # accepted: their next prompt appeared
    assert {c: rec["answers"][c] for c in given if c in rec["answers"]} == given, ctx
    assert set(rec["answers"]) - set(given) <= {WHOLE[k][0]}, ctx  # at most the in-flight one on top
    integrity(data_dir)


@pytest.mark.parametrize("seed", [1, 2, 3, 4], ids=lambda s: f"seed-{s}")
def test_signal_at_a_random_moment_never_hangs_or_tracebacks(seed: int, term, cli, tmp_path: Path,
                                                             data_dir: Path) -> None:
    run_signal_stress(seed, term, cli, tmp_path, data_dir)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 140), ids=lambda s: f"seed-{s}")
def test_signal_at_a_random_moment_many(seed: int, term, cli, tmp_path: Path, data_dir: Path) -> None:
    run_signal_stress(seed, term, cli, tmp_path, data_dir)


# -- terminals ---------------------------------------------------------------------------

def run_whole(t: Term, note: str | None = None) -> None:
    for i, (check, keys) in enumerate(WHOLE):
        if note is not None and check == "cable-type":
            t.ask(check, DOWN * 4 + ENTER)
            t.wait("Note:")
            t.child.send(note + ENTER)
        t.ask(check, keys)


def test_forty_column_terminal_runs_a_whole_session(term, cli) -> None:
    t = term(*START, dimensions=(24, 40))
    run_whole(t)
    assert t.end() == 0, t.seen[-2000:]
    assert "Traceback" not in t.seen
    assert "RMA / factory repair" in t.seen and "Sensor fault" in t.seen
    assert show(cli, t.session_id())["answers"] == WHOLE_ANSWERS


def test_dumb_terminal_runs_a_whole_session(term, cli) -> None:
    t = term(*START, env={"TERM": "dumb"})
    run_whole(t)
    assert t.end() == 0, t.seen[-2000:]
    assert "Traceback" not in t.seen and "RMA / factory repair" in t.seen
    assert show(cli, t.session_id())["answers"] == WHOLE_ANSWERS


SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colour_codes(text: str) -> list[str]:
    """SGR sequences that set a foreground or background colour (bold, dim, reverse are not colours)."""
    found = []
    for params in SGR.findall(text):
        nums = [int(p) for p in params.split(";") if p.isdigit()]
        if any(30 <= n <= 38 or 40 <= n <= 48 or 90 <= n <= 97 or 100 <= n <= 107 for n in nums):
            found.append(params)
    return found


@pytest.mark.parametrize("no_color", [True, False], ids=["NO_COLOR", "colour"])
def test_no_color_means_no_colour_codes(no_color: bool, term) -> None:
    t = term(*START, env={"NO_COLOR": "1" if no_color else None})
    run_whole(t)
    assert t.end() == 0
    verdict = t.seen[t.seen.rfind("Review the answers"):]
    assert "RMA / factory repair" in verdict
    if no_color:
        assert colour_codes(t.seen) == []
    else:  # the control: the same session in colour shows colour codes in the verdict
        assert colour_codes(verdict)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_non_utf8_locale_runs_a_whole_session(encoding: str, term, cli) -> None:
    """The locale says ASCII or Latin-1 (LANG=C over SSH) while the terminal sends UTF-8:
    the screen degrades (`?` for what it cannot show), the record does not."""
    env = {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": encoding, "CSTRIAGE_LANG": None}
    t = term(*START, env=env)
    run_whole(t, note="고객 통화 중 메모 ok")
    assert t.end() == 0, t.seen[-2000:]
    assert "Traceback" not in t.seen and "UnicodeEncodeError" not in t.seen
    assert "RMA / factory repair" in t.seen and "Sensor fault" in t.seen
    rec = show(cli, t.session_id())
    assert rec["answers"] == WHOLE_ANSWERS
    assert [n["text"] for n in rec["notes"]] == ["고객 통화 중 메모 ok"]  # stored exactly, whatever the screen showed


def test_a_real_latin1_terminal_types_latin1(term, cli) -> None:
    """Bytes that are not UTF-8 are read in the locale's encoding: a genuine Latin-1 terminal still works."""
    env = {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "latin-1", "CSTRIAGE_LANG": None}
    t = term(*START, env=env)
    for check, keys in WHOLE[:7]:
        t.ask(check, keys)
    t.wait(Q["software-version"])
    os.write(t.child.child_fd, "Müller build ß2".encode("latin-1") + b"\r")
    t.ask("reproduces-with-reference", CTRL_C)
    assert t.end() == 130
    assert show(cli, t.session_id())["answers"]["software-version"] == "Müller build ß2"


def test_korean_interface_on_an_ascii_terminal(term, cli, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    rest = {c: v for c, v in WHOLE_ANSWERS.items() if c != "lamp-hours"}
    answers.write_text("answers:\n" + "".join(f"  {c}: {json.dumps(v)}\n" for c, v in rest.items()),
                       encoding="utf-8")
    env = {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii", "CSTRIAGE_LANG": None}
    t = term("--lang", "ko", *START, "--answers", str(answers), env=env)
    t.wait("light source")  # the progress line: "3/6 ?? · light source"
    t.child.send("1500" + ENTER)
    t.wait("1500 h")  # the review screen lists it
    t.child.send(ENTER)
    assert t.end() == 0, t.seen[-2000:]
    assert "Traceback" not in t.seen and "UnicodeEncodeError" not in t.seen
    assert "RMA / factory repair" in t.seen
    assert show(cli, t.session_id())["answers"] == WHOLE_ANSWERS
