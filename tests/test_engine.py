"""The pure engine: conditions, session state, the question loop and the verdict.

Everything runs through `ScriptedPrompter` + `engine.flow.drive` + `engine.verdict.decide`
on the self-contained fixture library in tests/fixtures/triage (no terminal, no store).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from cstriage.content.library import load
from cstriage.engine.answers import AnswerError, coerce
from cstriage.engine.conditions import SKIP
from cstriage.engine.flow import QuitSession, drive, question
from cstriage.engine.session import Session
from cstriage.engine.verdict import decide
from cstriage.errors import BadInput
from cstriage.prompts.base import Answer, Back, Note, Question, Quit, Reply, ReviewRow, Skip
from cstriage.prompts.scripted import MissingAnswer, ScriptedPrompter
from triage_fixture import ALL_CLEAR, FIXTURE


KIT = {"usb3-cable": 1, "fuse-t2a": 2}


@pytest.fixture(scope="module")
def lib() -> Any:
    library = load([FIXTURE])
    assert not library.errors, [p.message for p in library.errors]
    return library


class Run:
    """One driven session: the verdict, the session, the prompter and the event log."""

    def __init__(self, lib: Any, answers: dict[str, Any] | None = None, *, checklist: str = "cam-noise",
                 meta: dict[str, Any] | None = None, baselines: dict[str, float] | None = None,
                 replies: Iterable[Reply] = (), edits: Iterable[tuple[str, Any]] = ()):
        self.events: list[dict[str, Any]] = []
        self.session = Session(lib.checklist(checklist), findings(lib), baselines=baselines,
                               on_event=self.events.append)
        self.prompter = ScriptedPrompter(answers, replies, edits)
        self.messages = drive(self.session, self.prompter, "en")
        self.result = decide(self.session, lib, meta or {}, "en")

    @property
    def asked(self) -> list[str]:
        return [q.check for q in self.prompter.asked]

    @property
    def fired(self) -> list[str]:
        return [f["id"] for f in self.result["findings"]]

    def parts(self) -> dict[str, dict[str, Any]]:
        return {p["part"]: p for p in self.result["parts"]}


def findings(lib: Any) -> dict[str, Any]:
    return {k: e.obj for k, e in lib.findings.items()}


def with_(**changes: Any) -> dict[str, Any]:
    answers = dict(ALL_CLEAR)
    for key, value in changes.items():
        answers[key.replace("_", "-")] = value
    return answers


class ListPrompter:
    """Replies in order; records every Question (with its `error`)."""

    def __init__(self, replies: Iterable[Reply], review: Iterable[str | None] = ()):
        self.replies = list(replies)
        self.reviews = list(review)
        self.asked: list[Question] = []
        self.review_rows: list[list[ReviewRow]] = []

    def ask(self, q: Question) -> Reply:
        self.asked.append(q)
        return self.replies.pop(0)

    def review(self, rows: list[ReviewRow]) -> str | None:
        self.review_rows.append(rows)
        return self.reviews.pop(0) if self.reviews else None


# -- the verdict for each kind of scenario ---------------------------------------------


def test_settings_change_that_mimics_hardware_is_fixed_remotely(lib: Any) -> None:
    run = Run(lib, with_(gain_mode="high", banding_after_reset=False), meta={"downtime_critical": True})
    r = run.result
    assert (r["verdict"], r["resolved"], r["safety"], r["loaner"]) == ("remote", True, False, False)
    assert run.fired == ["gain-setting"]
    assert r["stopped_by"] == "gain-setting"
    # the resolves finding ends the session: later checks are not asked
    assert "software-version" not in run.asked and "reproduces-with-reference" not in run.asked
    assert run.asked[-1] == "banding-after-reset"
    assert r["remote"] == ["Set the gain mode to Standard", "Save the settings as the default preset"]
    assert r["parts"] == [] and r["onsite"] == [] and r["tools"] == []
    assert r["prevent"] == ["Keep a settings backup"]
    assert r["status"] == "finished"


def test_safety_finding_stops_the_session_midway(lib: Any) -> None:
    run = Run(lib, with_(burning_smell=True), meta={"downtime_critical": True, "product": "test-camera"})
    r = run.result
    assert run.asked == ["outlet-grounded", "burning-smell"]  # nothing after the safety stop
    assert (r["verdict"], r["safety"], r["resolved"], r["loaner"]) == ("visit", True, False, True)
    assert r["stopped_by"] == "burning-smell"
    assert run.fired == ["burning-smell"]
    assert r["remote"] == ["Ask the customer to switch the instrument off and unplug it"]
    # no finding parts: only the product's kit, marked as kit
    assert [(p["part"], p["qty"], p["kit"], p["for"]) for p in r["parts"]] == [
        ("usb3-cable", 1, True, []), ("fuse-t2a", 2, True, [])]
    assert r["status"] == "finished"


def test_safety_after_an_earlier_visit_finding_keeps_both(lib: Any) -> None:
    run = Run(lib, with_(outlet_grounded=False, burning_smell=True))
    assert run.fired == ["no-protective-ground", "burning-smell"]
    assert run.result["verdict"] == "visit" and run.result["safety"] is True


def test_fault_not_reproduced_with_reference_sample_is_remote_not_resolved(lib: Any) -> None:
    run = Run(lib, with_(reproduces_with_reference=False), meta={"downtime_critical": True})
    r = run.result
    assert run.fired == ["sample-related"]
    assert (r["verdict"], r["resolved"], r["safety"], r["loaner"]) == ("remote", False, False, False)
    assert r["remote"] == ["Review the customer's sample preparation"]
    assert r["stopped_by"] is None


def test_rma_after_everything_else_is_ruled_out(lib: Any) -> None:
    run = Run(lib, dict(ALL_CLEAR), meta={"downtime_critical": True})
    r = run.result
    assert run.fired == ["sensor-fault"]
    assert (r["verdict"], r["resolved"], r["safety"], r["loaner"]) == ("rma", False, False, True)
    assert run.asked == list(ALL_CLEAR)  # banding-after-reset is gated out
    parts = run.parts()
    assert parts["shipping-box"] == {"part": "shipping-box", "name": "RMA shipping box", "pn": None, "qty": 1,
                                     "for": ["sensor-fault"], "kit": False}
    assert parts["usb3-cable"]["kit"] is True and parts["fuse-t2a"]["kit"] is True


def test_no_finding_escalates(lib: Any) -> None:
    # lamp-hours skipped: the RMA rule looks at it, and a condition on a skipped check is false
    run = Run(lib, with_(lamp_hours=None), meta={"downtime_critical": True})
    r = run.result
    assert run.fired == []
    assert (r["verdict"], r["resolved"], r["safety"], r["loaner"]) == ("escalate", False, False, False)
    assert r["parts"] == [] and r["explain"] == []


# -- parts -------------------------------------------------------------------------------


def test_parts_merge_takes_the_largest_quantity_and_names_every_finding(lib: Any) -> None:
    run = Run(lib, with_(outlet_grounded=False, cable_type="generic", lamp_hours=2500))
    assert run.fired == ["no-protective-ground", "cable-not-locking", "lamp-aged"]
    parts = run.parts()
    # ferrite-clip: 2 for the ground, 4 for the cable -> 4, both named, in firing order
    assert parts["ferrite-clip"]["qty"] == 4
    assert parts["ferrite-clip"]["for"] == ["no-protective-ground", "cable-not-locking"]
    assert parts["ground-kit"]["qty"] == 1 and parts["halogen-lamp"]["qty"] == 1
    # a kit part that a finding also needs appears once, with the larger of both quantities
    ids = [p["part"] for p in run.result["parts"]]
    assert len(ids) == len(set(ids))
    assert parts["usb3-cable"]["qty"] == 2  # finding 2 > kit 1
    assert parts["fuse-t2a"]["qty"] == 2    # kit 2 > finding 1: the kit is always brought
    for pid in ("usb3-cable", "fuse-t2a"):
        assert parts[pid]["kit"] is False and parts[pid]["in_kit"] is True
    assert parts["fuse-t2a"]["for"] == ["no-protective-ground"]
    assert parts["ground-kit"]["name"] == "Grounding kit" and parts["ground-kit"]["pn"] == "TP-GND"
    assert run.result["tools"] == ["Outlet tester", "Lamp gloves"]
    assert run.result["onsite"][0] == "Install a grounded outlet or grounding kit"


def test_kit_parts_come_after_the_finding_parts(lib: Any) -> None:
    run = Run(lib, with_(lamp_hours=2500))
    assert [(p["part"], p["kit"]) for p in run.result["parts"]] == [
        ("halogen-lamp", False), ("usb3-cable", True), ("fuse-t2a", True)]


def test_product_from_meta_selects_its_kit(lib: Any) -> None:
    run = Run(lib, with_(lamp_hours=2500), meta={"product": "test-lamp"})
    assert [(p["part"], p["qty"], p["kit"]) for p in run.result["parts"]] == [
        ("halogen-lamp", 1, False), ("fuse-t2a", 2, True)]


def test_remote_verdict_brings_no_parts(lib: Any) -> None:
    run = Run(lib, with_(reproduces_with_reference=False))
    assert run.result["parts"] == [] and run.result["onsite"] == []


# -- the flow: when, edits, back, skip, notes ------------------------------------------------


def test_when_gates_a_check(lib: Any) -> None:
    run = Run(lib, with_(cooler_on=False))  # sensor-temp answer is given but must be ignored
    assert "sensor-temp" not in run.asked
    assert "sensor-temp" not in run.session.state.asked
    assert "banding-after-reset" not in run.asked  # gain-mode standard
    run = Run(lib, with_(gain_mode="high", banding_after_reset=True))
    assert run.asked.index("banding-after-reset") == run.asked.index("gain-mode") + 1
    assert run.fired == ["sensor-fault"]


def test_edit_at_review_drops_answers_that_are_no_longer_asked(lib: Any) -> None:
    run = Run(lib, with_(gain_mode="high", banding_after_reset=True), edits=[("gain-mode", "standard")])
    r = run.result
    assert r["dropped"] == ["banding-after-reset"]
    assert "banding-after-reset" not in run.session.answers
    assert run.messages == ["dropped (no longer asked): banding-after-reset"]
    assert {"kind": "drop", "check": "banding-after-reset", "value": None} in run.events
    edit = [e for e in run.events if e["kind"] == "answer" and e["check"] == "gain-mode"]
    assert [e["edit"] for e in edit] == [False, True] and edit[-1]["value"] == "standard"
    assert run.asked[-1] == "gain-mode"  # the edit asked gain-mode once more, then the review accepted


def test_edit_that_reopens_a_gated_check_asks_it(lib: Any) -> None:
    run = Run(lib, with_(), edits=[("gain-mode", "high")],
              replies=[Answer(False)])  # banding-after-reset now asked: noise gone -> resolved
    assert run.asked[-2:] == ["gain-mode", "banding-after-reset"]
    assert run.result["verdict"] == "remote" and run.result["resolved"] is True
    # the resolves stop makes the later answers unreachable: dropped and recorded
    assert run.result["dropped"] == ["software-version", "reproduces-with-reference"]
    assert run.fired == ["gain-setting"]


def test_edit_through_session_api_returns_the_dropped_checks(lib: Any) -> None:
    s = Session(lib.checklist("cam-noise"), findings(lib))
    for cid in ("outlet-grounded", "burning-smell", "cable-type", "lamp-hours", "cooler-on", "sensor-temp"):
        s.answer(cid, ALL_CLEAR[cid])
    assert s.next_check() == "gain-mode"
    assert s.answer("cooler-on", "no") == ["sensor-temp"]
    assert s.dropped == ["sensor-temp"] and "sensor-temp" not in s.answers
    assert s.next_check() == "gain-mode"
    # answering yes again asks sensor-temp again (it was dropped, not kept)
    assert s.answer("cooler-on", True) == []
    assert s.next_check() == "sensor-temp"


def test_back_goes_to_the_previous_check_and_keeps_later_answers(lib: Any) -> None:
    p = ListPrompter([Answer(True), Answer(False), Back(), Answer(True)])
    s = Session(lib.checklist("cam-noise"), findings(lib))
    drive(s, p, "en")  # the edit to yes is a safety stop: review, accepted
    assert [q.check for q in p.asked] == ["outlet-grounded", "burning-smell", "cable-type", "burning-smell"]
    assert p.asked[0].can_back is False and p.asked[1].can_back is True
    assert p.asked[3].default is False  # revisiting shows the current answer
    assert s.state.stopped_by == "burning-smell"
    assert s.answers == {"outlet-grounded": True, "burning-smell": True}


def test_back_then_a_new_answer_continues_where_it_was(lib: Any) -> None:
    p = ListPrompter([Answer("yes"), Answer("no"), Answer("locking"), Back(), Back(), Answer("no"), Answer(800)])
    s = Session(lib.checklist("cam-noise"), findings(lib))
    with pytest.raises(IndexError):
        drive(s, p, "en")
    assert [q.check for q in p.asked] == ["outlet-grounded", "burning-smell", "cable-type", "lamp-hours",
                                          "cable-type", "burning-smell", "lamp-hours", "cooler-on"]
    assert s.answers["lamp-hours"] == 800


def test_back_on_the_first_revisited_check_is_not_offered(lib: Any) -> None:
    p = ListPrompter([Answer(True), Back(), Back(), Answer(True)])
    s = Session(lib.checklist("cam-noise"), findings(lib))
    drive(s, p, "en")
    # burning-smell -> back -> outlet-grounded (revisited, the first check: no back offered);
    # back there anyway -> on to the first unanswered check
    assert [q.check for q in p.asked] == ["outlet-grounded", "burning-smell", "outlet-grounded", "burning-smell"]
    assert p.asked[2].can_back is False
    assert s.answers == {"outlet-grounded": True, "burning-smell": True}


def test_skip_does_not_fire_rules_and_is_listed(lib: Any) -> None:
    run = Run(lib, with_(outlet_grounded=None, lamp_hours=2500), replies=[])
    r = run.result
    assert "no-protective-ground" not in run.fired
    assert run.fired == ["lamp-aged"]
    assert r["skipped"] == ["outlet-grounded"]
    assert r["check_on_site"] == [{"check": "outlet-grounded", "stage": "power",
                                   "ask": "Is the camera plugged into a grounded outlet?"}]
    assert run.session.answers["outlet-grounded"] is SKIP
    assert [e for e in run.events if e["check"] == "outlet-grounded"][0]["skipped"] is True


def test_skip_reply_and_explicit_skip(lib: Any) -> None:
    run = Run(lib, {}, replies=[Skip(), Answer(False), Skip(), Skip(), Answer(False), Skip(), Skip(), Skip()])
    r = run.result
    assert r["skipped"] == ["outlet-grounded", "cable-type", "lamp-hours", "gain-mode", "software-version",
                            "reproduces-with-reference"]
    assert r["verdict"] == "escalate"
    assert [c["check"] for c in r["check_on_site"]] == r["skipped"]


def test_notes_are_kept_with_their_check(lib: Any) -> None:
    run = Run(lib, {}, replies=[Note("customer moved the bench"), Answer(True), Note("smell: none"), Answer(False),
                                Answer("locking"), Answer(100), Answer(False), Answer("standard"), Answer("v1"),
                                Answer(False)])
    assert run.session.notes == [{"check": "outlet-grounded", "text": "customer moved the bench"},
                                 {"check": "burning-smell", "text": "smell: none"}]
    assert [e for e in run.events if e["kind"] == "note"] == [
        {"kind": "note", "check": "outlet-grounded", "value": "customer moved the bench"},
        {"kind": "note", "check": "burning-smell", "value": "smell: none"}]
    assert run.asked[:4] == ["outlet-grounded", "outlet-grounded", "burning-smell", "burning-smell"]


def test_quit_raises_and_keeps_what_was_given(lib: Any) -> None:
    events: list[dict[str, Any]] = []
    s = Session(lib.checklist("cam-noise"), findings(lib), on_event=events.append)
    with pytest.raises(QuitSession):
        drive(s, ScriptedPrompter({}, [Answer(True), Answer(False), Quit()]), "en")
    assert [(e["check"], e["value"]) for e in events] == [("outlet-grounded", True), ("burning-smell", False)]
    assert decide(s, lib, {})["status"] == "open"


def test_restore_replays_answers_drops_and_notes(lib: Any) -> None:
    run = Run(lib, with_(gain_mode="high", banding_after_reset=True, lamp_hours=None),
              replies=[], edits=[("gain-mode", "standard")])
    run.session.note("after the fact")
    stored = [dict(e, ts="2026-01-01T00:00:00+00:00") for e in run.events]
    again = Session(lib.checklist("cam-noise"), findings(lib))
    again.restore(stored)
    assert again.answers == run.session.answers
    assert again.dropped == ["banding-after-reset"]
    assert again.notes[-1]["text"] == "after the fact"
    assert decide(again, lib, {}) == decide(run.session, lib, {})


# -- loaner --------------------------------------------------------------------------------


@pytest.mark.parametrize(("answers", "critical", "loaner"), [
    (with_(lamp_hours=2500), True, True),               # visit
    (with_(lamp_hours=2500), False, False),
    (with_(), True, True),                               # rma
    (with_(burning_smell=True), True, True),             # safety -> visit
    (with_(reproduces_with_reference=False), True, False),  # remote
    (with_(lamp_hours=None), True, False),               # escalate
], ids=["visit-critical", "visit-not-critical", "rma-critical", "safety-critical", "remote", "escalate"])
def test_loaner(lib: Any, answers: dict[str, Any], critical: bool, loaner: bool) -> None:
    assert Run(lib, answers, meta={"downtime_critical": critical}).result["loaner"] is loaner


# -- drift against the install baseline -------------------------------------------------------


def test_drift_above_threshold_fires(lib: Any) -> None:
    run = Run(lib, with_(sensor_temp=-7), baselines={"sensor-temp": -10.0})  # 30 % > 20 %
    assert run.fired == ["cooling-degraded", "sensor-fault"]
    assert run.result["baseline_missing"] == []
    ev = run.result["findings"][0]["evidence"]
    assert ev == [{"check": "sensor-temp", "answer": -7, "rule": {"drift_above_pct": 20.0}}]


def test_drift_within_threshold_does_not_fire(lib: Any) -> None:
    run = Run(lib, with_(sensor_temp=-9), baselines={"sensor-temp": -10.0})  # 10 %
    assert "cooling-degraded" not in run.fired
    assert run.result["baseline_missing"] == []


def test_drift_without_baseline_is_false_and_reported(lib: Any) -> None:
    run = Run(lib, with_(sensor_temp=40), baselines={"dark-offset": 100.0})
    assert "cooling-degraded" not in run.fired
    assert run.result["baseline_missing"] == ["sensor-temp"]


def test_drift_not_reported_when_the_check_is_not_asked(lib: Any) -> None:
    run = Run(lib, with_(cooler_on=False))
    assert run.result["baseline_missing"] == []


# -- evidence --------------------------------------------------------------------------------


def test_evidence_names_check_answer_rule_and_the_checks_it_used(lib: Any) -> None:
    run = Run(lib, dict(ALL_CLEAR))
    (finding,) = run.result["findings"]
    assert finding["id"] == "sensor-fault" and finding["fix"] == "rma" and finding["stage"] == "reproduction"
    assert finding["title"] == "Sensor fault"
    assert finding["evidence"] == [{
        "check": "reproduces-with-reference",
        "answer": True,
        "rule": {"all": [{"is": True}, {"check": "outlet-grounded", "is": True},
                         {"check": "cable-type", "in": ["locking"]}, {"check": "lamp-hours", "below": 2000.0}]},
        "with": [{"check": "outlet-grounded", "answer": True}, {"check": "cable-type", "answer": "locking"},
                 {"check": "lamp-hours", "answer": 500}],
    }]


def test_evidence_of_a_simple_rule_has_no_with(lib: Any) -> None:
    run = Run(lib, with_(outlet_grounded="no"))
    ev = run.result["findings"][0]["evidence"]
    assert ev == [{"check": "outlet-grounded", "answer": False, "rule": {"is": False}}]


def test_korean_titles_and_steps(lib: Any) -> None:
    s = Session(lib.checklist("cam-noise"), findings(lib))
    drive(s, ScriptedPrompter(with_(gain_mode="high", banding_after_reset="아니오")), "ko")
    r = decide(s, lib, {}, "ko")
    assert r["findings"][0]["title"] == "고게인 모드 선택됨"
    assert r["explain"] == ["고게인 모드는 노이즈도 증폭합니다. 표준 모드로 바꾸면 정상 영상이 됩니다."]


# -- typing answers --------------------------------------------------------------------------


def test_number_outside_bounds_is_a_typo(lib: Any) -> None:
    checks = {c.id: c for _, c in lib.checklist("cam-noise").checks()}
    with pytest.raises(AnswerError, match=r"150000 h is above the possible maximum 100000 h — a typo\?"):
        coerce(checks["lamp-hours"], 150000)
    with pytest.raises(AnswerError, match=r"-70 °C is below the possible minimum -60 °C"):
        coerce(checks["sensor-temp"], "-70")
    with pytest.raises(AnswerError, match="expected a number, got `lots`"):
        coerce(checks["lamp-hours"], "lots")
    with pytest.raises(AnswerError, match="expected a number"):
        coerce(checks["lamp-hours"], True)
    with pytest.raises(AnswerError, match="finite"):
        coerce(checks["lamp-hours"], "nan")
    assert coerce(checks["lamp-hours"], "1,500") == 1500
    assert coerce(checks["lamp-hours"], 12.5) == 12.5
    assert coerce(checks["lamp-hours"], None) is SKIP


def test_yes_no_choice_and_text_values(lib: Any) -> None:
    checks = {c.id: c for _, c in lib.checklist("cam-noise").checks()}
    for raw, value in (("yes", True), ("Y", True), ("예", True), ("no", False), ("아니오", False), (False, False)):
        assert coerce(checks["outlet-grounded"], raw) is value
    with pytest.raises(AnswerError, match="expected yes or no, got `maybe`"):
        coerce(checks["outlet-grounded"], "maybe")
    with pytest.raises(AnswerError, match="`gold` is not one of the choices: locking, generic, unknown"):
        coerce(checks["cable-type"], "gold")
    assert coerce(checks["cable-type"], " generic ") == "generic"
    assert coerce(checks["software-version"], 2.1) == "2.1"
    with pytest.raises(AnswerError, match="expected text"):
        coerce(checks["software-version"], ["a"])


def test_typo_is_asked_again_with_the_error_on_the_question(lib: Any) -> None:
    p = ListPrompter([Answer(True), Answer(False), Answer("locking"), Answer(150000), Answer("lots"), Answer(1500)])
    s = Session(lib.checklist("cam-noise"), findings(lib))
    with pytest.raises(IndexError):
        drive(s, p, "en")
    lamp = [q for q in p.asked if q.check == "lamp-hours"]
    assert [q.error for q in lamp] == ["", "150000 h is above the possible maximum 100000 h — a typo?",
                                       "expected a number, got `lots`"]
    assert (lamp[0].unit, lamp[0].min, lamp[0].max) == ("h", 0, 100000)
    assert s.answers["lamp-hours"] == 1500
    assert p.asked[-1].check == "cooler-on" and p.asked[-1].error == ""


def test_scripted_prompter_turns_a_typo_into_bad_input_naming_the_check(lib: Any) -> None:
    s = Session(lib.checklist("cam-noise"), findings(lib))
    with pytest.raises(BadInput, match="answer to `lamp-hours`: 150000 h is above"):
        drive(s, ScriptedPrompter(with_(lamp_hours=150000)), "en")


def test_missing_answer_names_the_check(lib: Any) -> None:
    answers = with_()
    del answers["cooler-on"]
    s = Session(lib.checklist("cam-noise"), findings(lib))
    with pytest.raises(MissingAnswer) as err:
        drive(s, ScriptedPrompter(answers), "en")
    assert "no answer for check `cooler-on` (Is the sensor cooler switched on?)" == err.value.message
    assert "cooler-on: …" in (err.value.hint or "")


def test_validate_answers_names_the_check(lib: Any) -> None:
    s = Session(lib.checklist("cam-noise"), findings(lib))
    with pytest.raises(AnswerError, match="`nope` is not a check of `cam-noise`"):
        s.validate_answers({"nope": 1})
    with pytest.raises(AnswerError, match="`cable-type`: `gold` is not one of the choices"):
        s.validate_answers({"cable-type": "gold"})


# -- questions and the review screen ------------------------------------------------------------


def test_question_describes_the_check(lib: Any) -> None:
    s = Session(lib.checklist("cam-noise"), findings(lib))
    q = question(s, "cable-type", "en")
    assert q.type == "choice" and q.ask == "Which USB cable connects the camera?"
    assert q.choices == (("locking", "The supplied locking cable"), ("generic", "A generic cable"),
                         ("unknown", "Cannot tell"))
    assert q.progress == "2/6 cables / connectors · 케이블/커넥터"
    q = question(s, "outlet-grounded", "ko")
    assert q.ask == "카메라가 접지형 콘센트에 연결되어 있습니까?"
    assert q.help == "A 3-pin outlet; no adapter plug in between."
    assert q.progress == "1/6 전원/접지 · power / ground"


def test_review_lists_every_asked_answer(lib: Any) -> None:
    p = ListPrompter([Answer(True), Answer(False), Answer("locking"), Skip(), Answer(True), Answer(-10),
                      Answer("standard"), Answer("2.1"), Answer(True)])
    s = Session(lib.checklist("cam-noise"), findings(lib))
    drive(s, p, "en")
    (rows,) = p.review_rows
    assert [r.check for r in rows] == list(ALL_CLEAR)
    shown = {r.check: r.answer for r in rows}
    assert shown["outlet-grounded"] == "yes" and shown["cable-type"] == "The supplied locking cable"
    assert shown["lamp-hours"] == "— (could not check)" and shown["sensor-temp"] == "-10 °C"
    assert rows[0].stage == "power / ground"


def test_choice_keys_that_yaml_reads_as_booleans_or_numbers() -> None:
    class Chk:
        type = "choice"
        choices = {"on": "On", "off": "Off", "2": "Two"}

    assert coerce(Chk, True) == "on" and coerce(Chk, False) == "off"  # `mode: on` in an answers file
    assert coerce(Chk, 2) == "2"
    with pytest.raises(AnswerError, match="`3` is not one of the choices: on, off, 2"):
        coerce(Chk, 3)

    class YesNoMaybe:
        type = "choice"
        choices = {"yes": "Yes", "no": "No", "maybe": "Maybe"}

    assert coerce(YesNoMaybe, True) == "yes"


def test_restore_asks_again_an_answer_that_no_longer_fits_the_check(lib: Any) -> None:
    """Resume after a content update: a stored answer of the wrong type is not kept."""
    s = Session(lib.checklist("cam-noise"), findings(lib))
    s.restore([
        {"kind": "answer", "check": "outlet-grounded", "value": True, "skipped": False},
        {"kind": "answer", "check": "burning-smell", "value": False, "skipped": False},
        {"kind": "answer", "check": "cable-type", "value": "fibre", "skipped": False},   # choice removed since
        {"kind": "answer", "check": "lamp-hours", "value": "about 300", "skipped": False},  # was a text check
        {"kind": "answer", "check": "gone-check", "value": 1, "skipped": False},      # check removed since
    ])
    assert s.answers == {"outlet-grounded": True, "burning-smell": False}
    assert s.next_check() == "cable-type"
    assert decide(s, lib, {})["status"] == "open"


def test_clean_install_is_passed_not_a_cause_hunt() -> None:
    """An install with no finding keeps verdict `escalate` (spec §4) but is marked passed;
    a triage checklist with no finding is not."""
    from cstriage.content.library import load
    from cstriage.engine.flow import drive
    from cstriage.engine.session import Session
    from cstriage.engine.verdict import decide
    from cstriage.prompts.scripted import ScriptedPrompter

    lib = load([FIXTURE])
    cl = lib.checklist("cam-install")
    session = Session(cl, {k: e.obj for k, e in lib.findings.items()})
    answers = {"site-grounded": True, "driver-installed": True, "install-sensor-temp": -20,
               "install-dark-offset": 100}
    drive(session, ScriptedPrompter(answers), review=False)
    result = decide(session, lib, {"product": cl.products[0]})
    assert result["findings"] == []
    assert result["verdict"] == "escalate"
    assert result["passed"] is True

    failing = Session(cl, {k: e.obj for k, e in lib.findings.items()})
    drive(failing, ScriptedPrompter(dict(answers, **{"site-grounded": False})), review=False)
    assert decide(failing, lib, {"product": cl.products[0]})["passed"] is False
