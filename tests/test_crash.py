"""Crash safety: SIGKILL at a random moment of a real terminal session, then recover.

Each run is driven by a seeded random plan (the seed is in the test id and in every
failure message, so a failure reproduces with `-k seed-N`): it answers a random number
of checks (answers, skips and notes, by arrow keys and typed values) in a pty and kills
the process with SIGKILL at one of these moments:

- `enter`   right after pressing Enter on an answer, a note or the review (0–30 ms later:
            the commit of the answer, or of the verdict, may be in flight);
- `prompt`  0–30 ms after the next question started to appear (the answer is accepted);
- `typing`  while a value is half typed or the cursor is moved, before Enter;
- `startup` 0–1.2 s after the process started, maybe before the session exists.

Then it proves: the store passes `PRAGMA integrity_check` and was not moved aside;
every answer or note that was SHOWN AS ACCEPTED (the next question's progress line
appeared on screen after it) is stored with its value; only the one in-flight step may
be missing or present; `cstriage resume ID` continues exactly at the first unanswered
check (nothing earlier is asked again) and finishes the session with every answer.

The default suite runs 5 seeds; `pytest -m slow tests/test_crash.py` runs 60 more.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


from ptyterm import LIB, SESSION_ID, Term, cli_json, integrity, spawner

START = ["start", "--checklist", "cam-noise", "--serial", "S", "--customer", "C", "--ticket", "T",
         "--no-downtime-critical"]
DOWN, ENTER = "\x1b[B", "\r"

# cam-noise (tests/fixtures/triage/cam-noise.yaml): prompt text, stage and progress line of each check.
STAGES = ["power / ground", "cables / connectors", "light source", "thermal / environment", "settings",
          "reproduction test"]
CHECKS: dict[str, tuple[str, int]] = {
    "outlet-grounded": ("Is the camera plugged into a grounded outlet?", 1),
    "burning-smell": ("Is there a burning smell near the power supply?", 1),
    "cable-type": ("Which USB cable connects the camera?", 2),
    "lamp-hours": ("Lamp hours shown by the controller?", 3),
    "cooler-on": ("Is the sensor cooler switched on?", 4),
    "sensor-temp": ("Sensor temperature shown by the software?", 4),
    "gain-mode": ("Which gain mode is selected?", 5),
    "banding-after-reset": ("After setting the gain to Standard, is the noise still there?", 5),
    "software-version": ("Software version shown under Help → About?", 5),
    "reproduces-with-reference": ("With the reference sample, is the noise reproduced?", 6),
}
REVIEW = "Review the answers — pick one to change"


def progress(check: str) -> str:
    n = CHECKS[check][1]
    return f"{n}/{len(STAGES)} {STAGES[n - 1]}"


@dataclass
class Step:
    """One thing the engineer does that the session commits: an answer, a skip or a note."""

    kind: str                  # "answer" | "note"
    check: str
    keys: str                  # typed at the check's prompt (for a note: the keys that open the note prompt)
    value: Any = None          # the stored answer (None = skipped) or the note text
    note_text: str = ""


@dataclass
class Plan:
    seed: int
    steps: list[Step] = field(default_factory=list)

    def answers(self, steps: list[Step] | None = None) -> dict[str, Any]:
        return {s.check: s.value for s in (self.steps if steps is None else steps) if s.kind == "answer"}

    def notes(self, steps: list[Step] | None = None) -> list[str]:
        return [s.note_text for s in (self.steps if steps is None else steps) if s.kind == "note"]

    def screen_after(self, i: int) -> tuple[str, str]:
        """(progress line, prompt text) that appear once step i is committed."""
        step = self.steps[i]
        if step.kind == "note":  # the same check is asked again
            return progress(step.check), CHECKS[step.check][0]
        nxt = self.steps[i + 1] if i + 1 < len(self.steps) else None
        if nxt is None:
            return REVIEW, REVIEW
        return progress(nxt.check), CHECKS[nxt.check][0]

    def prompt_of(self, i: int) -> str:
        return CHECKS[self.steps[i].check][0] if i < len(self.steps) else REVIEW


def make_plan(seed: int) -> Plan:
    """A random path through cam-noise that never ends early (no safety/resolves finding)."""
    rng = random.Random(seed)
    plan = Plan(seed)
    answers: dict[str, Any] = {}

    def select(check: str, options: list[tuple[int, Any]], n_answers: int) -> None:
        # options: (downs from the first option, stored value); skip = n_answers downs, note = +1
        if rng.random() < 0.15:
            text = f"note {seed}-{len(plan.steps)}"
            plan.steps.append(Step("note", check, DOWN * (n_answers + 1) + ENTER, note_text=text))
        downs, value = rng.choice(options + [(n_answers, None)])
        plan.steps.append(Step("answer", check, DOWN * downs + ENTER, value))
        answers[check] = value

    def typed(check: str, values: list[Any], skip: str, note: str) -> None:
        if rng.random() < 0.15:
            text = f"note {seed}-{len(plan.steps)}"
            plan.steps.append(Step("note", check, note + ENTER, note_text=text))
        if rng.random() < 0.2:
            plan.steps.append(Step("answer", check, skip + ENTER, None))
            answers[check] = None
            return
        value = rng.choice(values)
        plan.steps.append(Step("answer", check, f"{value}" + ENTER, value))
        answers[check] = value

    yes_no = [(0, True), (1, False)]
    select("outlet-grounded", yes_no, 2)
    select("burning-smell", [(1, False)], 2)                 # yes = safety stop: not in this plan
    select("cable-type", [(0, "locking"), (1, "generic"), (2, "unknown")], 3)
    typed("lamp-hours", [0, 800, 1999, 2500, 99999], "s", "n")
    select("cooler-on", yes_no, 2)
    if answers["cooler-on"] is True:
        typed("sensor-temp", [-10, -35, 0, 25], "s", "n")
    select("gain-mode", [(0, "standard"), (1, "high")], 2)
    if answers["gain-mode"] == "high":
        select("banding-after-reset", [(0, True)], 2)        # no = resolved on the call: not in this plan
    typed("software-version", ["2.1", "v3.0-beta", "unknown build"], "/s", "/n")
    select("reproduces-with-reference", yes_no, 2)
    return plan


def do_step(t: Term, step: Step) -> None:
    """Type one step at its prompt (already on screen); a note is typed to the end."""
    t.child.send(step.keys)
    if step.kind == "note":
        t.wait("Note:")
        t.child.send(step.note_text + ENTER)


def run_crash(seed: int, home: Path, cli, term, outcome: list[str]) -> None:
    plan = make_plan(seed)
    rng = random.Random(seed * 7919 + 1)
    mode = rng.choices(["enter", "prompt", "typing", "startup"], weights=[50, 22, 18, 10])[0]
    n = len(plan.steps)
    # enter: the k-th step is in flight (k = n: Enter on the review, the verdict is being stored);
    # prompt/typing: k steps are accepted, the (k+1)-th prompt (or the review) is on screen
    k = n if mode == "enter" and rng.random() < 0.2 else rng.randrange(n + 1)
    delay = rng.uniform(0, 0.030) if mode != "startup" else rng.uniform(0, 1.2)
    ctx = (f"seed={seed} mode={mode} k={k} delay={delay * 1000:.1f}ms\n  plan: "
           + "; ".join(f"{s.kind}:{s.check}={s.note_text or s.value!r}" for s in plan.steps))

    t = term(*START)
    confirmed: list[Step] = []
    inflight: Step | None = None
    inflight_shown = finishing = finish_shown = False
    if mode == "startup":
        time.sleep(delay)
        t.kill()
    else:
        t.wait(plan.prompt_of(0))
        for i in range(k):
            do_step(t, plan.steps[i])
            _, prompt = plan.screen_after(i)
            t.wait(prompt)  # shown on screen only after the commit: accepted
            confirmed.append(plan.steps[i])
        if mode == "enter" and k == n:
            finishing = True
            t.child.send(ENTER)  # accept the review: the verdict is computed, stored, then shown
            time.sleep(delay * 2)  # 0–60 ms: before, while or after the verdict is stored
            finish_shown = "Verdict · cam-noise" in t.kill()
        elif mode == "enter":
            inflight = plan.steps[k]
            do_step(t, inflight)
            time.sleep(delay)
            after = t.kill()
            inflight_shown = plan.screen_after(k)[0] in after
        else:
            if mode == "typing":  # everything but the Enter (on the review screen: move the cursor)
                keys = plan.steps[k].keys[:-1] if k < n else DOWN
                t.child.send(keys or DOWN)
            time.sleep(delay)
            t.kill()
    assert "Traceback" not in t.seen, ctx

    integrity(home)
    sessions = cli_json(cli, "sessions", "list", "--json")
    integrity(home)
    printed = SESSION_ID.findall(t.seen)
    if not sessions:
        assert mode == "startup" and not printed, f"the session is gone\n{ctx}"
        return
    assert len(sessions) == 1, ctx
    sid = sessions[0]["session"]
    assert not printed or printed[0] == sid, ctx
    if finishing:
        outcome.append(f"in-flight finish {'stored' if sessions[0]['status'] == 'finished' else 'not stored'}, "
                       f"{'shown' if finish_shown else 'not shown'}")
        if sessions[0]["status"] == "finished":  # all or nothing: a finished session is complete
            rec = cli_json(cli, "sessions", "show", sid, "--json")
            assert rec["verdict"] and rec["answers"] == plan.answers(), ctx
            assert [x["text"] for x in rec["notes"]] == plan.notes(), ctx
            res = cli(*LIB, "resume", sid)
            assert res.code == 2 and "already finished" in res.err, ctx
            return
        assert not finish_shown, f"the verdict was shown but the session is not finished\n{ctx}"
    assert sessions[0]["status"] == "open", ctx

    rec = cli_json(cli, "sessions", "show", sid, "--json")
    stored, notes = rec["answers"], [x["text"] for x in rec["notes"]]
    want, want_notes = plan.answers(confirmed), plan.notes(confirmed)
    done = len(confirmed)
    if inflight is not None:
        got = inflight.check in stored if inflight.kind == "answer" else inflight.note_text in notes
        assert got or not inflight_shown, f"the in-flight step was shown as accepted but is not stored\n{ctx}"
        outcome.append(f"in-flight {inflight.kind} {'stored' if got else 'not stored'}, "
                       f"{'shown' if inflight_shown else 'not shown'} as accepted")
        if got:
            want, want_notes = plan.answers(confirmed + [inflight]), plan.notes(confirmed + [inflight])
            done += 1
    assert stored == want, f"stored answers differ\n  stored: {stored}\n  want:   {want}\n{ctx}"
    assert notes == want_notes, f"stored notes differ: {notes} != {want_notes}\n{ctx}"
    assert set(rec["answered_at"]) == set(want), ctx
    assert rec["status"] == "open" and rec["verdict"] is None, ctx

    # resume: exactly at the first unanswered check, then to the verdict
    r = term("resume", sid)
    before = r.wait(plan.prompt_of(done))
    assert f"resuming session {sid}" in before, ctx
    for other, (text, _) in CHECKS.items():
        assert text not in before, f"resume asked `{other}` before the first unanswered check\n{ctx}"
    for i in range(done, n):
        do_step(r, plan.steps[i])
        r.wait(plan.screen_after(i)[1])
    r.child.send(ENTER)  # accept the review
    r.rest()
    assert r.child.exitstatus == 0, f"resume exit {r.child.exitstatus}\n{r.seen[-1500:]}\n{ctx}"
    assert "Traceback" not in r.seen, ctx
    rec = cli_json(cli, "sessions", "show", sid, "--json")
    assert rec["status"] == "finished" and rec["verdict"], ctx
    assert rec["answers"] == plan.answers(), f"final answers differ: {rec['answers']}\n{ctx}"
    assert [x["text"] for x in rec["notes"]] == plan.notes(), ctx
    integrity(home)


@pytest.fixture
def term(data_dir: Path):
    yield from spawner(data_dir)


# five seeds with different kill moments: Enter on a note, at start-up, Enter on the review (the verdict
# in flight), Enter on an answer, half typed; the slow run adds kills while a prompt is drawn
@pytest.mark.parametrize("seed", [0, 1, 2, 5, 18], ids=lambda s: f"seed-{s}")
def test_sigkill_at_a_random_moment_loses_nothing_accepted(seed: int, data_dir: Path, cli, term,
                                                           record_property) -> None:
    outcome: list[str] = []
    run_crash(seed, data_dir, cli, term, outcome)
    record_property("outcome", "; ".join(outcome))  # see --junitxml


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1000, 1060), ids=lambda s: f"seed-{s}")
def test_sigkill_at_a_random_moment_many(seed: int, data_dir: Path, cli, term, record_property) -> None:
    outcome: list[str] = []
    run_crash(seed, data_dir, cli, term, outcome)
    record_property("outcome", "; ".join(outcome))


def test_plans_cover_every_kind_of_step() -> None:
    """The seeds of the slow run exercise skips, notes, both gated checks and every check type."""
    plans = [make_plan(s) for s in range(1000, 1060)]
    steps = [s for p in plans for s in p.steps]
    assert any(s.kind == "note" for s in steps)
    assert any(s.kind == "answer" and s.value is None for s in steps)
    assert {s.check for s in steps} == set(CHECKS)
