"""`cstriage stats`: top issues, trends, verdict mix, repeat claims, card coverage.

Histories come from the synthetic generator (store/synth.py) over a small library
written inline here, so nothing depends on the bundled checklists. The generator plants
repeats of every level and the top issues, and says which in its manifest.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from cstriage.content.library import load
from cstriage.errors import BadInput
from cstriage.store import stats as st
from cstriage.store.db import Store
from cstriage.store.synth import History, generate

KST = timezone(timedelta(hours=9))
NOW = datetime(2025, 6, 30, 15, 0, tzinfo=KST)

CATALOG = """
kind: catalog
products:
  cam-a: {name: "Camera A", kit: {fuse-1a: 1}}
  lamp-b: {name: "Lamp B"}
parts:
  fuse-1a: {name: "Fuse 1 A"}
  cable-x: {name: "Cable X"}
  bulb-y: {name: "Bulb Y"}
  ground-kit: {name: "Ground kit"}
"""

CAM = """
kind: checklist
id: cam-noise
title: "Camera A: noise"
products: [cam-a]
symptoms: [noise]
steps:
  - stage: power
    checks:
      - id: smoke
        ask: "Smoke or a burning smell?"
        type: yes_no
        rules: [{if: {is: yes}, then: smoke-seen}]
      - id: grounded
        ask: "Grounded outlet?"
        type: yes_no
        rules: [{if: {is: no}, then: no-ground}]
  - stage: cables
    checks:
      - id: cable-ok
        ask: "Cable undamaged?"
        type: yes_no
        rules: [{if: {is: no}, then: bad-cable}]
  - stage: settings
    checks:
      - id: gain
        ask: "Gain mode?"
        type: choice
        choices: {normal: "Normal", high: "High"}
        rules: [{if: {in: [high]}, then: gain-too-high}]
      - id: exposure
        ask: "Exposure in ms?"
        type: number
        min: 0
        max: 1000
        rules: [{if: {above: 500}, then: long-exposure}]
  - stage: reproduction
    checks:
      - id: firmware-old
        ask: "Firmware older than 2.0?"
        type: yes_no
        rules: [{if: {is: yes}, then: old-firmware}]
findings:
  smoke-seen: {title: "Smoke from the supply", fix: visit, safety: true, explain: "x", parts: {fuse-1a: 2}}
  no-ground: {title: "No protective ground", fix: visit, explain: "x", parts: {ground-kit: 1}}
  bad-cable: {title: "Damaged cable", fix: visit, explain: "x", parts: {cable-x: 1}}
  gain-too-high:
    title: "Gain set too high"
    fix: remote
    resolves: true
    explain: "x"
    prevent: ["Save the normal-gain preset"]
    card: gain-card
  long-exposure: {title: "Exposure too long", fix: remote, explain: "x", prevent: ["Train: exposure below 500 ms"]}
  old-firmware: {title: "Firmware too old", fix: rma, explain: "x"}
"""

LAMP = """
kind: checklist
id: lamp-flicker
title: "Lamp B: flicker"
products: [lamp-b]
steps:
  - stage: light_source
    checks:
      - id: lamp-hours
        ask: "Lamp hours?"
        type: number
        min: 0
        max: 100000
        rules: [{if: {above: 1000}, then: lamp-eol}]
  - stage: settings
    checks:
      - id: mode
        ask: "Mode?"
        type: choice
        choices: {auto: "Auto", manual: "Manual"}
        rules: [{if: {in: [manual]}, then: wrong-mode}]
findings:
  lamp-eol: {title: "Lamp at end of life", fix: visit, explain: "x", parts: {bulb-y: 1}}
  wrong-mode: {title: "Manual mode left on", fix: remote, explain: "x"}
"""

CARD = """
kind: card
id: gain-card
title: "Noise from high gain"
symptom: "Grainy image"
products: [cam-a]
checks: ["Check the gain mode"]
say: "High gain amplifies noise; normal gain restores the image."
checklist: cam-noise
"""


@pytest.fixture
def content(write) -> Path:
    write("lib/catalog.yaml", CATALOG)
    write("lib/cam-noise.yaml", CAM)
    write("lib/lamp-flicker.yaml", LAMP)
    return write("lib/cards/gain-card.yaml", CARD).parent.parent


@pytest.fixture
def lib(content: Path) -> Any:
    got = load([content])
    assert not got.errors, got.errors
    return got


@pytest.fixture
def stats(cli, content: Path):
    """`cstriage --no-bundled --content LIB stats ARGS…`; never a traceback."""

    def call(*args: str):
        res = cli("--no-bundled", "--content", str(content), "stats", *args)
        assert "Traceback" not in res.out + res.err
        return res

    return call


def _at(days_ago: float, hour: int = 10) -> datetime:
    return (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0)


def _key(r: dict[str, Any]) -> tuple[str, str | None, tuple[str, ...]]:
    return r["level"], r["finding"], tuple(sorted(s["session"] if isinstance(s, dict) else s for s in r["sessions"]))


# --- planted history: exactly what was planted is found ------------------------------


@pytest.fixture
def planted(data_dir: Path, lib: Any) -> dict[str, Any]:
    return generate(data_dir, 400, seed=7, library=lib)


def test_planted_repeats_of_every_level_are_found_exactly(planted: dict[str, Any], stats) -> None:
    res = stats("--json")
    assert res.code == 0
    data = json.loads(res.out)
    want = {_key(r) for r in planted["planted_repeats"]}
    assert {lvl for lvl, _, _ in want} == {"customer", "internal", "product"}
    assert {_key(r) for r in data["repeats"]} == want


def test_planted_top_issues_lead_in_order_with_their_counts(planted: dict[str, Any], stats) -> None:
    data = json.loads(stats("--json", "--top", "5").out)
    top = [(t["finding"], t["count"]) for t in data["top_findings"]]
    assert top[:3] == [(p["finding"], p["count"]) for p in planted["planted_top"]]
    assert len(top) == 5
    assert top[3][1] < top[2][1]


def test_repeat_levels_carry_their_actions(planted: dict[str, Any], stats) -> None:
    data = json.loads(stats("--json").out)
    by_level = {r["level"]: r for r in data["repeats"]}
    assert "manufacturer" in by_level["product"]["action"][0]
    assert len(by_level["product"]["serials"]) == 3
    assert "checklist and the visit kit" in by_level["internal"]["action"][0]
    customer = [r for r in data["repeats"] if r["level"] == "customer"]
    assert all("preset" in r["action"][0] for r in customer)
    prevent = {"gain-too-high": "Save the normal-gain preset", "long-exposure": "Train: exposure below 500 ms"}
    for r in customer:
        if r["finding"] in prevent:
            assert prevent[r["finding"]] in r["action"]
    assert any(r["serial"] is None and r["customer"] for r in customer)  # the unit without a serial


def test_terminal_shows_the_same_numbers_as_json(planted: dict[str, Any], stats) -> None:
    data = json.loads(stats("--json").out)
    res = stats()
    assert res.code == 0
    lines = res.out.splitlines()
    assert lines[0].startswith(f"{data['sessions']} sessions ({data['finished']} finished)")
    for i, t in enumerate(data["top_findings"], 1):
        row = next(line for line in lines if re.match(rf"\s*{i} {re.escape(t['finding'])}\s", line))
        cells = row.split()
        assert str(t["count"]) in cells and str(t["previous"]) in cells
        assert f"{t['share'] * 100:.1f}%" in cells
        assert (f"▲{t['trend']}" if t["trend"] > 0 else f"▼{-t['trend']}" if t["trend"] < 0 else "=") in cells
    for m in data["verdict_mix"]:
        row = next(line for line in lines if line.startswith(m["product"] + " "))
        numbers = [int(x) for x in row.split()[1:9]]
        keys = ["sessions", "resolved_remote", "remote", "visit", "rma", "escalate", "open", "safety"]
        assert numbers == [m[k] for k in keys]
        assert sum(m[k] for k in st.MIX_KEYS) == m["sessions"]
    assert f"repeat claims: {len(data['repeats'])}" in res.out
    for r in data["repeats"]:
        assert f"{r['count']} sessions, {r['first']} → {r['last']}" in res.out


def test_markdown_report_has_the_same_tables(planted: dict[str, Any], stats, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    res = stats("--markdown", str(out), "--json")
    data = json.loads(res.out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"# Service report {data['window']['since']} → {data['window']['until']}")
    for t in data["top_findings"]:
        assert re.search(rf"\| {re.escape(t['finding'])} \|.*\| {t['count']} \|", text.replace("\\-", "-"))
    assert "## Repeat claims" in text and "## Cards to write next" in text
    assert f"report written to {out}" in res.err


# --- windows and trends --------------------------------------------------------------


def test_trend_against_the_previous_window(data_dir: Path, lib: Any) -> None:
    h = History(lib, seed=1, now=NOW)
    ids = {}
    for n, days in enumerate((1, 10, 89.3)):      # 3 in the current 90 days (89 days ago is still inside)
        ids[f"cur{n}"] = h.add("cam-noise", {"long-exposure"}, when=_at(days), serial=f"A{n}", customer="Lab").id
    for n, days in enumerate((90.2, 100, 120, 150, 179.4)):  # 5 in the 90 days before
        h.add("cam-noise", {"long-exposure"}, when=_at(days), serial=f"B{n}", customer="Lab")
    h.add("cam-noise", {"long-exposure"}, when=_at(185), serial="C", customer="Lab")  # before both windows
    for n in range(2):
        h.add("lamp-flicker", {"lamp-eol"}, when=_at(5 + 30 * n), serial=f"L{n}", customer="Lab")
    h.write(Store.open(data_dir))
    got = st.compute(Store.open(data_dir), "90d", now=NOW, library=lib)
    assert got["window"] == {"since": "2025-04-02", "until": "2025-06-30", "days": 90}
    assert got["previous_window"] == {"since": "2025-01-02", "until": "2025-04-01"}
    assert got["sessions"] == 5
    rows = {t["finding"]: t for t in got["top_findings"]}
    assert (rows["long-exposure"]["count"], rows["long-exposure"]["previous"], rows["long-exposure"]["trend"]) == (3, 5, -2)
    assert (rows["lamp-eol"]["count"], rows["lamp-eol"]["previous"], rows["lamp-eol"]["trend"]) == (2, 0, 2)
    assert rows["long-exposure"]["share"] == 0.6
    assert [t["finding"] for t in got["top_findings"]] == ["long-exposure", "lamp-eol"]
    assert [t["finding"] for t in st.compute(Store.open(data_dir), "90d", now=NOW, top=1, library=lib)["top_findings"]] \
        == ["long-exposure"]


@pytest.mark.parametrize("since, until, want", [
    ("30d", None, ("2025-06-01", "2025-06-30", 30)),
    ("12w", None, ("2025-04-08", "2025-06-30", 84)),
    ("6m", None, ("2025-01-01", "2025-06-30", 181)),
    ("1m", "2025-02-28", ("2025-02-01", "2025-02-28", 28)),
    ("2025-06-01", "2025-06-01", ("2025-06-01", "2025-06-01", 1)),
    ("90D", None, ("2025-04-02", "2025-06-30", 90)),
])
def test_window_forms(since: str, until: str | None, want: tuple[str, str, int]) -> None:
    w = st.window(since, until, NOW)
    assert (w["since"], w["until"], w["days"]) == want


@pytest.mark.parametrize("args, message", [
    (("--since", "yesterday"), "--since `yesterday` is not a date or a period"),
    (("--since", "0d"), "empty period"),
    (("--until", "30/06/2025"), "--until `30/06/2025` is not a date"),
    (("--since", "2025-07-01", "--until", "2025-06-30"), "starts (2025-07-01) after it ends"),
    (("--top", "-1"), "--top -1 is negative"),
])
def test_bad_window_exits_2_with_a_hint(stats, args: tuple[str, ...], message: str) -> None:
    res = stats(*args)
    assert res.code == 2
    assert message in res.err
    assert "hint:" in res.err


def test_window_error_is_a_user_error() -> None:
    with pytest.raises(BadInput):
        st.window("soon", None, NOW)


# --- empty history -------------------------------------------------------------------


def test_empty_history_prints_a_friendly_message(stats) -> None:
    res = stats()
    assert res.code == 0
    assert res.out.startswith("no sessions in the last 90 days — ")
    assert "cstriage sessions import" in res.out
    res = stats("--since", "2024-01-01", "--until", "2024-03-31", "--product", "cam-a")
    assert res.out.startswith("no sessions for product cam-a between 2024-01-01 and 2024-03-31 — ")


def test_empty_history_as_json(stats) -> None:
    data = json.loads(stats("--json").out)
    assert data["sessions"] == 0
    assert data["top_findings"] == data["verdict_mix"] == data["repeats"] == data["empty_handed"] == []


# --- verdict mix, filters, coverage, empty-handed visits ------------------------------


@pytest.fixture
def small(data_dir: Path, lib: Any) -> dict[str, str]:
    """One session of every outcome, 1–60 days ago, customers Lab A / Lab B."""
    h = History(lib, seed=3, now=NOW)
    ids = {
        "resolved": h.add("cam-noise", {"gain-too-high"}, when=_at(2), serial="S1", customer="Lab A").id,
        "remote": h.add("cam-noise", {"long-exposure"}, when=_at(3), serial="S2", customer="Lab A").id,
        "visit": h.add("cam-noise", {"no-ground"}, when=_at(40), serial="S3", customer="Lab A",
                       skip_checks=("cable-ok",)).id,
        "visit-settings-skipped": h.add("cam-noise", {"no-ground"}, when=_at(50), serial="S4", customer="Lab B",
                                        skip_checks=("exposure",)).id,
        "rma": h.add("cam-noise", {"old-firmware"}, when=_at(4), serial="S5", customer="Lab B").id,
        "safety": h.add("cam-noise", {"smoke-seen"}, when=_at(5), serial="S6", customer="Lab B").id,
        "escalate": h.add("cam-noise", set(), when=_at(6), serial="S7", customer="Lab B").id,
        "open": h.add("cam-noise", set(), when=_at(1), serial="S8", customer="Lab B", open_after=2).id,
        "lamp": h.add("lamp-flicker", {"wrong-mode"}, when=_at(7), serial="L1", customer="Lab A").id,
    }
    h.write(Store.open(data_dir))
    return ids


def test_verdict_mix_per_product_family(small: dict[str, str], data_dir: Path, lib: Any) -> None:
    got = st.compute(Store.open(data_dir), now=NOW, library=lib)
    assert got["sessions"] == 9 and got["finished"] == 8
    cam, lamp = got["verdict_mix"]
    assert cam == {"product": "cam-a", "sessions": 8, "resolved_remote": 1, "remote": 1, "visit": 3, "rma": 1,
                   "escalate": 1, "open": 1, "safety": 1}
    assert lamp == {"product": "lamp-b", "sessions": 1, "resolved_remote": 0, "remote": 1, "visit": 0, "rma": 0,
                    "escalate": 0, "open": 0, "safety": 0}


def test_filters_by_product_and_customer(small: dict[str, str], data_dir: Path, lib: Any) -> None:
    store = Store.open(data_dir)
    assert st.compute(store, now=NOW, library=lib, product="lamp-b")["sessions"] == 1
    got = st.compute(store, now=NOW, library=lib, customer="Lab A")
    assert got["sessions"] == 4
    assert {t["finding"] for t in got["top_findings"]} == {"gain-too-high", "long-exposure", "no-ground", "wrong-mode"}
    assert st.compute(store, now=NOW, library=lib, customer="Lab A", product="cam-a")["sessions"] == 3
    assert st.compute(store, now=NOW, library=lib, since="30d")["sessions"] == 7


def test_card_coverage_names_the_cards_to_write_next(small: dict[str, str], data_dir: Path, lib: Any) -> None:
    cov = st.compute(Store.open(data_dir), now=NOW, library=lib)["card_coverage"]
    assert cov["known"] is True and cov["of"] == 6 and cov["with_card"] == 1
    assert {m["finding"] for m in cov["write_next"]} == {"no-ground", "long-exposure", "old-firmware", "smoke-seen",
                                                         "wrong-mode"}
    assert cov["write_next"][0] == {"finding": "no-ground", "title": "No protective ground", "count": 2}


def test_visits_planned_with_a_parts_stage_skipped(small: dict[str, str], data_dir: Path, lib: Any) -> None:
    got = st.compute(Store.open(data_dir), now=NOW, library=lib)["empty_handed"]
    assert [(e["session"], e["serial"], e["skipped"]) for e in got] == [
        (small["visit"], "S3", [{"check": "cable-ok", "stage": "cables"}])]


def test_revisit_after_a_visit_and_customer_without_serial(data_dir: Path, lib: Any) -> None:
    h = History(lib, seed=5, now=NOW)
    v = h.add("cam-noise", {"no-ground"}, when=_at(30), serial="S1", customer="Lab A")
    f1 = h.add("cam-noise", {"long-exposure"}, when=_at(25), serial="S1", customer="Lab A")
    h.add("cam-noise", {"bad-cable"}, when=_at(10), serial="S1", customer="Lab A")  # 15 days after f1: not a revisit
    late = h.add("cam-noise", {"no-ground"}, when=_at(60), serial="S2", customer="Lab B")
    h.add("cam-noise", set(), when=_at(45), serial="S2", customer="Lab B")  # 15 days later: not within 14
    a = h.add("lamp-flicker", {"wrong-mode"}, when=_at(20), customer="Lab C", product="lamp-b")
    b = h.add("lamp-flicker", {"wrong-mode"}, when=_at(3), customer="Lab C", product="lamp-b")
    h.add("lamp-flicker", {"wrong-mode"}, when=_at(3))  # no serial, no customer: never a repeat
    h.write(Store.open(data_dir))
    reps = st.compute(Store.open(data_dir), now=NOW, library=lib)["repeats"]
    assert [_key(r) for r in reps] == [("internal", "no-ground", tuple(sorted([v.id, f1.id]))),
                                       ("customer", "wrong-mode", tuple(sorted([a.id, b.id])))]
    assert reps[0]["followup_findings"] == ["long-exposure"] and late.id not in str(reps)
    assert reps[1]["serial"] is None and reps[1]["customer"] == "Lab C"


# --- without a (valid) library -------------------------------------------------------


def test_invalid_content_falls_back_and_unknown_findings_show_by_id(planted: dict[str, Any], cli, content: Path,
                                                                       data_dir: Path, write) -> None:
    store = Store.open(data_dir)
    sid = store.conn.execute("SELECT id FROM sessions WHERE status = 'finished' ORDER BY started DESC LIMIT 1").fetchone()[0]
    for n in range(40):
        store.conn.execute("INSERT INTO session_findings (session, finding, fix) VALUES (?, ?, 'remote')",
                           (sid, f"retired-{n}"))
    write("lib/broken.yaml", "kind: checklist\nid: [oops\n")
    res = cli("--no-bundled", "--content", str(content), "stats", "--json", "--top", "60")
    assert res.code == 0 and "content library has 1 error(s)" in res.err
    data = json.loads(res.out)
    titles = {t["finding"]: t["title"] for t in data["top_findings"]}
    assert titles["retired-0"] == "retired-0" and titles["gain-too-high"] == "Gain set too high"
    assert "retired-0" in data["card_coverage"]["not_in_library"]
    assert "retired-0" not in {m["finding"] for m in data["card_coverage"]["write_next"]}


def test_without_any_library_ids_only(planted: dict[str, Any], data_dir: Path) -> None:
    got = st.compute(Store.open(data_dir), library=None)
    assert all(t["title"] == t["finding"] and t["fix"] for t in got["top_findings"])
    assert got["card_coverage"]["known"] is False
    assert {_key(r) for r in got["repeats"]} == {_key(r) for r in planted["planted_repeats"]}
