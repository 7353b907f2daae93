"""Scripted sessions through the CLI: `start --answers F --no-input`, reports, history, baselines.

Runs in-process (`cli` fixture) on the fixture library in tests/fixtures/triage, never
on the bundled one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from triage_fixture import ALL_CLEAR, FIXTURE, LIB


INSTALL = {"site-grounded": True, "driver-installed": True, "install-sensor-temp": -10, "install-dark-offset": 100}


@pytest.fixture
def run(cli):
    """cstriage with the fixture library; asserts no traceback ever."""

    def call(*args: str):
        res = cli(*LIB, *args)
        assert "Traceback" not in res.out + res.err
        return res

    return call


@pytest.fixture
def answers_file(tmp_path: Path):
    """Write an answers file (spec §5) from Python values; returns its path as a string."""
    counter = iter(range(1000))

    def make(answers: dict[str, Any], meta: dict[str, Any] | None = None, checklist: str | None = "cam-noise",
             **changes: Any) -> str:
        data: dict[str, Any] = {}
        if checklist:
            data["checklist"] = checklist
        if meta is not None:
            data["meta"] = meta
        merged = dict(answers)
        for key, value in changes.items():
            merged[key.replace("_", "-")] = value
        data["answers"] = merged
        p = tmp_path / f"answers-{next(counter)}.yaml"
        p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return str(p)

    return make


def start_json(run, path: str, *extra: str) -> dict[str, Any]:
    res = run("start", "--answers", path, "--no-input", "--json", *extra)
    assert res.code == 0, res.err
    return json.loads(res.out)


META = {"serial": "SN-0042", "customer": "Lab A", "ticket": "T-1001", "downtime_critical": True}

# (case, answer changes, verdict, resolved, safety, loaner, findings, non-kit parts)
VERDICTS = [
    ("remote-resolved", {"gain_mode": "high", "banding_after_reset": False}, "remote", True, False, False,
     ["gain-setting"], {}),
    ("remote-not-reproduced", {"reproduces_with_reference": False}, "remote", False, False, False,
     ["sample-related"], {}),
    ("visit", {"outlet_grounded": False, "cable_type": "generic"}, "visit", False, False, True,
     ["no-protective-ground", "cable-not-locking"],
     {"ground-kit": 1, "ferrite-clip": 4, "fuse-t2a": 2, "usb3-cable": 2}),
    ("safety", {"burning_smell": True}, "visit", False, True, True, ["burning-smell"], {}),
    ("rma", {}, "rma", False, False, True, ["sensor-fault"], {"shipping-box": 1}),
    ("escalate", {"lamp_hours": None}, "escalate", False, False, False, [], {}),
]


@pytest.mark.parametrize(("changes", "verdict", "resolved", "safety", "loaner", "findings", "parts"),
                         [v[1:] for v in VERDICTS], ids=[v[0] for v in VERDICTS])
def test_json_verdict_for_every_verdict_type(run, answers_file, changes, verdict, resolved, safety, loaner,
                                             findings, parts) -> None:
    r = start_json(run, answers_file(ALL_CLEAR, META, **changes))
    assert (r["verdict"], r["resolved"], r["safety"], r["loaner"]) == (verdict, resolved, safety, loaner)
    assert [f["id"] for f in r["findings"]] == findings
    assert {p["part"]: p["qty"] for p in r["parts"] if not p["kit"]} == parts
    if verdict in ("visit", "rma"):  # the product's kit comes along, marked as kit
        kit = {p["part"]: p["qty"] for p in r["parts"] if p["kit"]}
        assert kit == {k: v for k, v in {"usb3-cable": 1, "fuse-t2a": 2}.items() if k not in parts}
    else:
        assert r["parts"] == []
    # the contract's fields (spec §5)
    for key in ("session", "checklist", "status", "verdict", "resolved", "safety", "loaner", "findings", "remote",
                "onsite", "parts", "tools", "explain", "prevent", "cards", "skipped"):
        assert key in r, key
    assert r["checklist"] == "cam-noise" and r["status"] == "finished"
    for f in r["findings"]:
        assert {"id", "title", "fix", "evidence"} <= set(f)
        assert all({"check", "answer"} <= set(e) for e in f["evidence"])
    for p in r["parts"]:
        assert {"part", "name", "qty", "for", "kit"} <= set(p)
    assert r["meta"]["serial"] == "SN-0042" and r["meta"]["product"] == "test-camera"
    stored = json.loads(run("sessions", "show", r["session"], "--json").out)
    assert stored["verdict"] == verdict and stored["status"] == "finished"
    assert stored["content_hash"] == r["content_hash"] and len(r["content_hash"]) == 12


def test_visit_json_in_detail(run, answers_file) -> None:
    r = start_json(run, answers_file(ALL_CLEAR, META, outlet_grounded="no", sensor_temp=None))
    assert r["findings"] == [{
        "id": "no-protective-ground", "title": "Protective ground missing", "fix": "visit", "safety": False,
        "resolves": False, "stage": "power",
        "evidence": [{"check": "outlet-grounded", "answer": False, "rule": {"is": False}}]}]
    assert r["parts"] == [
        {"part": "ground-kit", "qty": 1, "for": ["no-protective-ground"], "kit": False, "name": "Grounding kit",
         "pn": "TP-GND"},
        {"part": "ferrite-clip", "qty": 2, "for": ["no-protective-ground"], "kit": False, "name": "Ferrite clip",
         "pn": None},
        {"part": "fuse-t2a", "qty": 2, "for": ["no-protective-ground"], "kit": False, "in_kit": True,
         "name": "Fuse T2A", "pn": "TP-FUSE-2A"},
        {"part": "usb3-cable", "qty": 1, "for": [], "kit": True, "name": "USB 3.0 cable, 3 m, locking",
         "pn": "TP-USB-3M"},
    ]
    assert r["tools"] == ["Outlet tester"] and r["cards"] == ["test-ground-card"]
    assert r["skipped"] == ["sensor-temp"]
    assert r["check_on_site"] == [{"check": "sensor-temp", "stage": "thermal",
                                   "ask": "Sensor temperature shown by the software?"}]
    assert r["meta"] == {"product": "test-camera", "serial": "SN-0042", "customer": "Lab A", "ticket": "T-1001",
                         "downtime_critical": True, "symptom": None}


def test_answers_to_checks_not_asked_are_ignored(run, answers_file) -> None:
    # sensor-temp: cooler off; software-version and reproduction: after the resolves stop
    r = start_json(run, answers_file(ALL_CLEAR, cooler_on=False, gain_mode="high", banding_after_reset=False))
    assert r["verdict"] == "remote" and r["resolved"] is True
    stored = json.loads(run("sessions", "show", r["session"], "--json").out)
    assert list(stored["answers"]) == ["outlet-grounded", "burning-smell", "cable-type", "lamp-hours", "cooler-on",
                                       "gain-mode", "banding-after-reset"]


def test_command_line_options_override_the_file_meta(run, answers_file) -> None:
    r = start_json(run, answers_file(ALL_CLEAR, META, lamp_hours=2500), "--customer", "Lab B",
                   "--no-downtime-critical", "--checklist", "cam-noise")
    assert r["meta"]["customer"] == "Lab B" and r["loaner"] is False


def test_meta_text_is_kept_as_written(run, tmp_path: Path) -> None:
    p = tmp_path / "a.yaml"
    p.write_text("checklist: cam-noise\nmeta: {serial: 0042, ticket: 1001, downtime_critical: \"yes\"}\n"
                 "answers: {outlet-grounded: yes, burning-smell: yes}\n", encoding="utf-8")
    r = start_json(run, str(p))
    assert r["meta"]["serial"] == "0042"  # not the octal number 34
    assert r["meta"]["ticket"] == "1001" and r["meta"]["downtime_critical"] is True and r["loaner"] is True


# -- bad answers files ---------------------------------------------------------------------

HEAD = "checklist: cam-noise\nmeta: {serial: SN-1}\nanswers:\n"
GOOD = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in ALL_CLEAR.items())


def _without(key: str) -> str:
    return "".join(line + "\n" for line in GOOD.splitlines() if not line.startswith(f"  {key}:"))


def _replace(key: str, value: str) -> str:
    return "".join((f"  {key}: {value}" if line.startswith(f"  {key}:") else line) + "\n"
                   for line in GOOD.splitlines())


# (case, file text, message fragment, line:col or None)
BAD = [
    ("missing-answer", HEAD + _without("cooler-on"),
     "no answer for check `cooler-on` (Is the sensor cooler switched on?)", "3:1"),
    ("unknown-check", HEAD + GOOD + "  outlet-grounde: yes\n", "`outlet-grounde` is not a check of `cam-noise`",
     "13:3"),
    ("word-for-number", HEAD + _replace("lamp-hours", "lots"), "`lamp-hours`: expected a number, got `lots`", "7:3"),
    ("not-a-choice", HEAD + _replace("cable-type", "golden"),
     "`cable-type`: `golden` is not one of the choices: locking, generic, unknown", "6:3"),
    ("above-max", HEAD + _replace("lamp-hours", "150000"),
     "`lamp-hours`: 150000 h is above the possible maximum 100000 h — a typo?", "7:3"),
    ("below-min", HEAD + _replace("sensor-temp", "-80"),
     "`sensor-temp`: -80 °C is below the possible minimum -60 °C — a typo?", "9:3"),
    ("not-yes-no", HEAD + _replace("cooler-on", "perhaps"), "`cooler-on`: expected yes or no, got `perhaps`", "8:3"),
    ("unknown-field", "checklist: cam-noise\nanswer:\n  outlet-grounded: yes\n", "unknown field `answer`", "2:1"),
    ("unknown-meta", "checklist: cam-noise\nmeta:\n  serial: SN-1\n  customr: Lab A\nanswers: {}\n",
     "unknown meta field `customr`", "4:3"),
    ("yaml-syntax", "checklist: cam-noise\nanswers:\n  outlet-grounded: yes: no\n", "mapping values are not allowed",
     "3:23"),
    ("yaml-unclosed", "checklist: cam-noise\nanswers:\n  outlet-grounded: [yes\n  burning-smell: no\n",
     "expected ',' or ']'", "4:16"),
    ("duplicate-key", HEAD + GOOD + "  lamp-hours: 10\n", "duplicate key `lamp-hours`", "13:3"),
    ("answers-not-mapping", "checklist: cam-noise\nanswers: [yes, no]\n", "`answers` must be a mapping", "2:1"),
    ("not-a-mapping", "- yes\n- no\n", "must be a mapping with `checklist`, `meta` and `answers`", "1:1"),
    ("bad-downtime", "checklist: cam-noise\nmeta:\n  downtime_critical: often\nanswers: {}\n",
     "`downtime_critical` must be yes or no", "3:3"),
    ("meta-list", "checklist: cam-noise\nmeta:\n  customer: [a, b]\nanswers: {}\n", "`customer` must be text", "3:3"),
    ("unknown-checklist", "checklist: cam-nois\nanswers: {}\n", "unknown checklist `cam-nois`", None),
    ("empty-file", "# nothing here\n", "the file is empty", None),
]


@pytest.mark.parametrize(("text", "message", "where"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_answers_file_exits_2_naming_the_problem(run, tmp_path: Path, text: str, message: str,
                                                     where: str | None) -> None:
    p = tmp_path / "answers.yaml"
    p.write_text(text, encoding="utf-8")
    res = run("start", "--answers", str(p), "--no-input", "--json")
    assert res.code == 2, res.err
    assert res.out == ""
    assert message in res.err
    first = res.err.splitlines()[0]
    assert first.startswith("error: ")
    if where is not None:
        assert first.startswith(f"error: {p}:{where}: "), first
    assert "\n  hint: " in res.err
    assert json.loads(run("sessions", "list", "--json").out) == []  # nothing half-done is kept


def test_missing_answers_file(run, tmp_path: Path) -> None:
    res = run("start", "--checklist", "cam-noise", "--answers", str(tmp_path / "nope.yaml"), "--no-input")
    assert res.code == 2
    assert f"error: answers file not found: {tmp_path / 'nope.yaml'}" in res.err
    assert "hint: check the path given to --answers" in res.err


def test_unknown_checklist_suggests_the_close_one(run, answers_file) -> None:
    res = run("start", "--checklist", "cam-noize", "--answers", answers_file(ALL_CLEAR, checklist=None), "--no-input")
    assert res.code == 2
    assert "unknown checklist `cam-noize`" in res.err and "did you mean `cam-noise`?" in res.err


def test_unknown_product(run, answers_file) -> None:
    res = run("start", "--answers", answers_file(ALL_CLEAR, {"product": "warp-drive"}), "--no-input")
    assert res.code == 2 and "unknown product `warp-drive`" in res.err


def test_no_input_needs_a_checklist(run, answers_file) -> None:
    res = run("start", "--answers", answers_file(ALL_CLEAR, checklist=None), "--no-input")
    assert res.code == 2 and "--no-input needs a checklist" in res.err


def test_no_terminal_without_no_input_exits_2_with_a_hint(run, answers_file) -> None:
    res = run("start", "--checklist", "cam-noise")
    assert res.code == 2
    assert "error: no terminal to ask questions in" in res.err
    assert "hint: run it in a terminal, or pass --checklist ID --answers FILE --no-input" in res.err
    res = run("start", "--answers", answers_file(ALL_CLEAR))
    assert res.code == 2 and "no terminal" in res.err
    res = run("resume")
    assert res.code == 2 and "no open session to resume" in res.err


def test_no_terminal_in_a_real_process(proc) -> None:
    res = proc(*LIB, "start", "--checklist", "cam-noise")
    assert res.code == 2
    assert "no terminal to ask questions in" in res.err and "--no-input" in res.err
    assert "Traceback" not in res.out + res.err


# -- the Markdown report ---------------------------------------------------------------------


def test_out_writes_the_markdown_report(run, answers_file, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    meta = dict(META, symptom="banding after lunch")
    r = start_json(run, answers_file(ALL_CLEAR, meta, outlet_grounded=False, lamp_hours=None), "--out", str(out))
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == f"## Triage report: cam-noise ({r['session']})"
    for line in ("- **Symptom:** banding after lunch", "- **Product:** test-camera", "- **Serial:** SN-0042",
                 "- **Customer:** Lab A", "- **Ticket:** T-1001"):
        assert line in lines
    assert any(line.startswith("- **Started:** ") for line in lines)
    # checks table
    head = lines.index("### Checks done")
    assert lines[head + 2:head + 4] == ["| Stage | Check | Answer |", "|---|---|---|"]
    assert "| power / ground | Is the camera plugged into a grounded outlet? | no |" in lines
    assert "| light source | Lamp hours shown by the controller? | — |" in lines
    assert "| thermal / environment | Sensor temperature shown by the software? | -10 °C |" in lines
    # verdict, findings, parts, explanation
    assert "### Verdict: Site visit · 현장 방문" in lines
    assert "Loaner recommended (downtime critical)." in lines
    assert "- Protective ground missing (`no-protective-ground`, visit) — outlet-grounded = no" in lines
    assert "| P/N | Parts | Qty | For |" in lines
    assert "| TP-GND | Grounding kit | 1 | no-protective-ground |" in lines
    assert "| TP-USB-3M | USB 3.0 cable, 3 m, locking | 1 | kit |" in lines
    assert "**Explanation for the customer**" in lines
    assert ("> Without a protective ground the camera picks up mains hum; grounding it restores a clean image."
            in lines)
    assert "**Could not check (check on site)**" in lines
    assert "- Lamp hours shown by the controller?" in lines
    order = [text.index(s) for s in ("### Checks done", "### Verdict", "**Findings**", "**On-site plan**",
                                     "**Parts**", "**Tools**", "**Explanation for the customer**")]
    assert order == sorted(order)
    assert text.endswith("\n") and not text.endswith("\n\n")
    # the same report from the history
    assert run("sessions", "show", r["session"], "--markdown").out == text


def test_out_to_an_unwritable_place(run, answers_file, tmp_path: Path) -> None:
    res = run("start", "--answers", answers_file(ALL_CLEAR), "--no-input", "--json",
              "--out", str(tmp_path / "no" / "such" / "dir" / "r.md"))
    assert res.code == 2 and "cannot write" in res.err and "hint: choose a writable path for --out" in res.err


HOSTILE = "<script>alert(1)</script> | pipe \x1b[31mred [bold]markup[/bold]"


def test_hostile_meta_is_inert_in_markdown_and_terminal(run, answers_file, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    path = answers_file(ALL_CLEAR, {"serial": "SN-9", "customer": HOSTILE, "ticket": "T|1"},
                        lamp_hours=2500, software_version="v2 | \x1b]0;title\x07 <b>")
    res = run("start", "--answers", path, "--no-input", "--out", str(out))
    assert res.code == 0, res.err
    assert "\x1b" not in res.out + res.err
    md = out.read_text(encoding="utf-8")
    assert "\x1b" not in md and "\x07" not in md
    assert "<script>" not in md and "<b>" not in md
    assert "- **Customer:** \\<script\\>alert(1)\\</script\\> \\| pipe red \\[bold\\]markup\\[/bold\\]" in md
    assert "- **Ticket:** T\\|1" in md
    # the pipe in a text answer does not split the table row
    row = next(line for line in md.splitlines() if "Software version" in line)
    assert row.count("|") - row.count("\\|") == 4
    sid = json.loads(run("sessions", "list", "--json").out)[0]["session"]
    for args in (("sessions", "list"), ("sessions", "show", sid), ("sessions", "show", sid, "--markdown")):
        res = run(*args)
        assert res.code == 0, (args, res.err)
        assert "\x1b" not in res.out and "\x07" not in res.out, args
    listing = run("sessions", "list").out
    assert "[bold]markup" in listing  # shown as typed, not read as rich markup
    # JSON keeps the value exactly
    assert json.loads(run("sessions", "show", sid, "--json").out)["meta"]["customer"] == HOSTILE


# -- history ------------------------------------------------------------------------------------


def test_sessions_list_json_fields(run, answers_file) -> None:
    first = start_json(run, answers_file(ALL_CLEAR, META, lamp_hours=2500))
    second = start_json(run, answers_file(ALL_CLEAR, dict(META, customer="Lab B", serial="SN-2", ticket="T-2")))
    items = json.loads(run("sessions", "list", "--json").out)
    assert [i["session"] for i in items] == [second["session"], first["session"]]  # newest first
    for item in items:
        assert {"session", "checklist", "status", "started", "serial", "customer", "ticket", "verdict"} <= set(item)
    assert {k: items[1][k] for k in ("checklist", "status", "serial", "customer", "ticket", "verdict")} == {
        "checklist": "cam-noise", "status": "finished", "serial": "SN-0042", "customer": "Lab A",
        "ticket": "T-1001", "verdict": "visit"}
    assert items[0]["verdict"] == "rma" and items[0]["customer"] == "Lab B"
    from datetime import datetime

    assert datetime.fromisoformat(items[0]["started"]).tzinfo is not None  # ISO 8601 with offset


def _open_session(data_dir: Path, answers: dict[str, Any], meta: dict[str, Any]) -> str:
    """An unfinished session written the way `start` writes one (event by event)."""
    from cstriage.content.library import load
    from cstriage.engine.session import Session
    from cstriage.store.db import Store

    lib = load([FIXTURE])
    store = Store.open(data_dir)
    sid = store.create_session("cam-noise", lib.hashes["cam-noise"], meta, "en")
    s = Session(lib.checklist("cam-noise"), {k: e.obj for k, e in lib.findings.items()},
                on_event=lambda e: store.add_event(sid, e))
    for cid, value in answers.items():
        s.answer(cid, value)
    s.note("customer calls back at 3 pm", "cable-type")
    store.close()
    return sid


def test_sessions_show_json_of_an_open_session_carries_its_answers(run, data_dir: Path) -> None:
    sid = _open_session(data_dir, {"outlet-grounded": "yes", "burning-smell": "no", "cable-type": None},
                        {"product": "test-camera", "serial": "SN-5", "customer": "Lab C", "ticket": "T-5"})
    rec = json.loads(run("sessions", "show", sid, "--json").out)
    assert rec["session"] == sid and rec["status"] == "open" and rec["verdict"] is None
    assert rec["answers"] == {"outlet-grounded": True, "burning-smell": False, "cable-type": None}
    assert set(rec["answered_at"]) == set(rec["answers"])
    assert rec["notes"][0]["text"] == "customer calls back at 3 pm" and rec["notes"][0]["check"] == "cable-type"
    assert rec["meta"]["serial"] == "SN-5"
    (item,) = json.loads(run("sessions", "list", "--json").out)
    assert (item["status"], item["verdict"], item["customer"]) == ("open", None, "Lab C")
    assert json.loads(run("sessions", "list", "--json", "--status", "finished").out) == []
    # a unique prefix is enough; the Markdown says it is not finished
    md = run("sessions", "show", sid[:-1], "--markdown").out
    assert "- **Status:** open (not finished)" in md
    assert "| cables / connectors | Which USB cable connects the camera? | — |" in md
    assert "- customer calls back at 3 pm" in md


def test_show_unknown_session(run) -> None:
    res = run("sessions", "show", "nope", "--json")
    assert res.code == 2 and "no session `nope`" in res.err


# -- baselines ----------------------------------------------------------------------------------


def _install(run, answers_file, serial: str, **changes: Any) -> dict[str, Any]:
    return start_json(run, answers_file(INSTALL, {"serial": serial, "customer": "Lab A"}, checklist="cam-install",
                                        **changes))


def test_install_records_baselines(run, answers_file) -> None:
    r = _install(run, answers_file, "SN-7")
    assert r["baselines_recorded"] == [{"name": "sensor-temp", "value": -10.0, "unit": "°C"},
                                       {"name": "dark-offset", "value": 100.0, "unit": "ADU"}]
    assert r["verdict"] == "escalate"  # an install with no finding
    res = run("baseline", "show", "SN-7")
    assert res.code == 0
    lines = res.out.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [["dark-offset", "100 ADU"], ["sensor-temp", "-10 °C"]]
    assert all(line.endswith(f"session {r['session']}") for line in lines)
    rows = json.loads(run("baseline", "show", "SN-7", "--json").out)
    assert {(b["name"], b["value"], b["serial"], b["session"]) for b in rows} == {
        ("sensor-temp", -10.0, "SN-7", r["session"]), ("dark-offset", 100.0, "SN-7", r["session"])}
    listing = json.loads(run("baseline", "list", "--json").out)
    assert [(b["serial"], b["names"]) for b in listing] == [("SN-7", 2)]
    res = run("baseline", "show", "SN-404")
    assert res.code == 2 and "no baselines for serial `SN-404`" in res.err


def test_install_without_serial_records_nothing_and_says_so(run, answers_file) -> None:
    r = start_json(run, answers_file(INSTALL, {}, checklist="cam-install"))
    assert r["baselines_recorded"] == [] and "no serial number" in r["baseline_warning"]
    assert json.loads(run("baseline", "list", "--json").out) == []


def test_install_skipped_value_is_not_recorded(run, answers_file) -> None:
    r = _install(run, answers_file, "SN-8", install_dark_offset=None)
    assert [b["name"] for b in r["baselines_recorded"]] == ["sensor-temp"]


def test_triage_drift_uses_the_latest_baseline(run, answers_file) -> None:
    _install(run, answers_file, "SN-7", install_sensor_temp=-20)
    _install(run, answers_file, "SN-7", install_sensor_temp=-10)  # the latest
    meta = {"serial": "SN-7"}
    # -11 vs -10 is 10 % (vs the older -20 it would be 45 %): no drift
    r = start_json(run, answers_file(ALL_CLEAR, meta, sensor_temp=-11))
    assert "cooling-degraded" not in [f["id"] for f in r["findings"]] and r["baseline_missing"] == []
    # -7 vs -10 is 30 % > 20 %
    r = start_json(run, answers_file(ALL_CLEAR, meta, sensor_temp=-7))
    assert [f["id"] for f in r["findings"]] == ["cooling-degraded", "sensor-fault"]
    assert r["findings"][0]["evidence"][0] == {"check": "sensor-temp", "answer": -7, "rule": {"drift_above_pct": 20.0}}
    # another serial has no baseline: no drift finding, and the verdict says why
    r = start_json(run, answers_file(ALL_CLEAR, {"serial": "SN-other"}, sensor_temp=-7))
    assert "cooling-degraded" not in [f["id"] for f in r["findings"]]
    assert r["baseline_missing"] == ["sensor-temp"]
    res = run("start", "--answers", answers_file(ALL_CLEAR, {"serial": "SN-other"}, sensor_temp=-7), "--no-input")
    assert "No baseline recorded for: sensor-temp" in res.out


# -- delete ---------------------------------------------------------------------------------------


def test_delete_by_id_and_by_customer(run, answers_file) -> None:
    a = start_json(run, answers_file(ALL_CLEAR, dict(META, customer="Lab A")))
    b = _install(run, answers_file, "SN-7")  # customer Lab A, with baselines
    c = start_json(run, answers_file(ALL_CLEAR, dict(META, customer="Lab B")))
    d = start_json(run, answers_file(ALL_CLEAR, dict(META, customer="Lab B")))
    res = run("sessions", "delete", c["session"])
    assert res.code == 2 and "add --yes to confirm" in res.err  # no terminal to confirm in
    res = run("sessions", "delete", c["session"], "--yes")
    assert res.code == 0 and c["session"] in res.out
    left = [i["session"] for i in json.loads(run("sessions", "list", "--json").out)]
    assert sorted(left) == sorted([a["session"], b["session"], d["session"]])
    res = run("sessions", "delete", "--customer", "Lab A", "--yes")
    assert res.code == 0 and "deleted 2 session(s)" in res.out
    assert [i["session"] for i in json.loads(run("sessions", "list", "--json").out)] == [d["session"]]
    assert json.loads(run("baseline", "list", "--json").out) == []  # the customer's baselines went too
    assert run("sessions", "show", a["session"], "--json").code == 2
    res = run("sessions", "delete", "--customer", "Lab A", "--yes")
    assert res.code == 2 and "no sessions for customer `Lab A`" in res.err
    res = run("sessions", "delete")
    assert res.code == 2 and "name the sessions to delete" in res.err


def test_imported_records_render_without_crash_or_escape_sequences(run, tmp_path: Path) -> None:
    """`sessions import` takes files from other machines: a minimal or hostile record is shown, inert."""
    esc = "\x1b"
    records = [
        {"session": "imp-minimal", "checklist": "cam-noise", "verdict": "visit",
         "started": "2026-01-01T00:00:00+00:00"},
        {"session": f"imp-hostile{esc}[31m[bold]x", "checklist": "cam-noise", "verdict": "hacked",
         "started": "2026-01-02T00:00:00+00:00",
         "findings": [{"id": f"f{esc}[2J`x", "title": "[red]T", "fix": f"{esc}[5m",
                       "evidence": [{"check": "c", "answer": f"{esc}[31mred"}]}],
         "parts": [{"part": f"p{esc}[1m", "name": "n|m", "qty": 1, "for": [f"{esc}[3m"], "kit": False, "pn": "[x]"}],
         "remote": [f"do {esc}]0;title{chr(7)} this"]},
    ]
    f = tmp_path / "team.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert run("sessions", "import", str(f)).code == 0
    for sid in ("imp-minimal", "imp-hostile"):
        for extra in ((), ("--markdown",)):
            res = run("sessions", "show", sid, *extra)
            assert res.code == 0, (sid, extra, res.err)
            assert esc not in res.out and chr(7) not in res.out, (sid, extra)
            assert "internal error" not in res.err
    shown = run("sessions", "show", "imp-hostile").out
    assert "[red]T" in shown and "[x]" in shown and "do  this" in shown  # text, not markup
    md = run("sessions", "show", "imp-hostile", "--markdown").out
    assert "### Verdict: hacked · hacked" in md
    assert "- \\[red\\]T (`f'x`, ) — c = red" in md
    assert "| \\[x\\] | n\\|m | 1 |  |" in md


def test_checklist_option_that_contradicts_the_file(run, answers_file) -> None:
    path = answers_file(INSTALL, checklist="cam-install")
    res = run("start", "--checklist", "cam-noise", "--answers", path, "--no-input")
    assert res.code == 2
    assert f"error: {path}:1:1: the answers file is for checklist `cam-install`, not `cam-noise`" in res.err
