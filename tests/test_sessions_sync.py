"""`sessions export` → `sessions import`: a team lead merges engineers' histories.

Same id = same session: importing twice adds nothing; a copy that differs is reported and
never overwrites; a malformed line names file:line and imports nothing. The content is a
small library written inline, so nothing depends on the bundled checklists.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from cstriage.content.library import load
from cstriage.store.db import Store
from cstriage.store.synth import History

LIBRARY = {
    "catalog.yaml": """
kind: catalog
products:
  cam-a: {name: "Camera A", kit: {fuse-1a: 1}}
parts:
  fuse-1a: {name: "Fuse 1 A"}
  cable-x: {name: "Cable X"}
""",
    "cam-noise.yaml": """
kind: checklist
id: cam-noise
title: "Camera A: noise"
products: [cam-a]
steps:
  - stage: cables
    checks:
      - id: cable-ok
        ask: "Cable undamaged?"
        type: yes_no
        rules: [{if: {is: no}, then: bad-cable}]
  - stage: settings
    checks:
      - id: exposure
        ask: "Exposure in ms?"
        type: number
        min: 0
        max: 1000
        rules: [{if: {above: 500}, then: long-exposure}]
      - id: comment
        ask: "Anything else?"
        type: text
findings:
  bad-cable: {title: "Damaged cable", fix: visit, explain: "x", parts: {cable-x: 1}}
  long-exposure: {title: "Exposure too long", fix: remote, explain: "x"}
""",
}


@pytest.fixture
def content(write) -> Path:
    for name, text in LIBRARY.items():
        path = write(f"lib/{name}", text)
    return path.parent


@pytest.fixture
def run(cli, content: Path):
    def call(*args: str):
        res = cli("--no-bundled", "--content", str(content), *args)
        assert "Traceback" not in res.out + res.err
        return res

    return call


@pytest.fixture
def history(run, data_dir: Path, content: Path, tmp_path: Path) -> list[str]:
    """Two real sessions (engine via the CLI, Korean text, a skip) and 30 generated ones in data_dir."""
    ids = []
    for n, answers in enumerate(({"cable-ok": False, "exposure": None, "comment": "케이블 교체 필요"},
                                 {"cable-ok": True, "exposure": 800, "comment": "ok"})):
        f = tmp_path / f"answers{n}.yaml"
        f.write_text(yaml.safe_dump({"checklist": "cam-noise", "answers": answers,
                                     "meta": {"serial": f"SN-{n}", "customer": "연구실 A"}}, allow_unicode=True),
                     encoding="utf-8")
        res = run("start", "--answers", str(f), "--no-input", "--json")
        assert res.code == 0, res.err
        ids.append(json.loads(res.out)["session"])
    h = History(load([content]), seed=2, now=datetime.now().astimezone())
    for n in range(30):
        h.add("cam-noise", [set(), {"bad-cable"}, {"long-exposure"}][n % 3], when=h.now - timedelta(days=n * 3 + 1),
              serial=f"SN-G{n}", customer="Lab B", open_after=1 if n == 7 else None)
    h.write(Store.open(data_dir))
    return ids + [p.id for p in h.sessions]


def _export(run, path: Path, *where: str) -> list[str]:
    res = run(*where, "sessions", "export", "--out", str(path))
    assert res.code == 0, res.err
    return path.read_text(encoding="utf-8").splitlines()


def test_export_then_import_round_trips_without_duplicates(run, history: list[str], tmp_path: Path) -> None:
    lines = _export(run, tmp_path / "a.jsonl")
    assert len(lines) == 32
    other = ("--data-dir", str(tmp_path / "lead"))
    res = run(*other, "sessions", "import", str(tmp_path / "a.jsonl"))
    assert (res.code, res.out) == (0, "imported 32 new session(s); 0 already present\n")
    assert _export(run, tmp_path / "b.jsonl", *other) == lines  # the same records, byte for byte
    again = run(*other, "sessions", "import", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"))
    assert again.out == "imported 0 new session(s); 64 already present\n"
    assert len(json.loads(run(*other, "sessions", "list", "--json", "--limit", "0").out)) == 32
    a = json.loads(run("stats", "--json").out)
    b = json.loads(run(*other, "stats", "--json").out)
    assert {k: v for k, v in a.items() if k != "generated"} == {k: v for k, v in b.items() if k != "generated"}


def test_importing_into_the_same_store_adds_nothing(run, history: list[str], tmp_path: Path) -> None:
    _export(run, tmp_path / "a.jsonl")
    res = run("sessions", "import", str(tmp_path / "a.jsonl"))
    assert res.out == "imported 0 new session(s); 32 already present\n"


def test_a_conflicting_copy_is_reported_and_not_overwritten(run, history: list[str], tmp_path: Path) -> None:
    lines = _export(run, tmp_path / "a.jsonl")
    sid = history[1]
    n, rec = next((i, json.loads(line)) for i, line in enumerate(lines, 1) if json.loads(line)["session"] == sid)
    rec["answers"]["exposure"] = 300
    rec["events"] = [dict(e, value=300) if e["check"] == "exposure" else e for e in rec["events"]]
    lines[n - 1] = json.dumps(rec, ensure_ascii=False)
    changed = tmp_path / "changed.jsonl"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run("sessions", "import", str(changed))
    assert res.code == 0
    assert res.out.splitlines() == [
        "imported 0 new session(s); 31 already present",
        f"conflict: session {sid} ({changed}:{n}) differs from the stored copy; kept the stored one",
    ]
    kept = json.loads(run("sessions", "show", sid, "--json").out)
    assert kept["answers"]["exposure"] == 800


def test_duplicates_inside_one_file(run, history: list[str], tmp_path: Path) -> None:
    lines = _export(run, tmp_path / "a.jsonl")
    rec = json.loads(lines[0])
    differing = dict(rec, status="open", verdict=None)
    f = tmp_path / "dups.jsonl"
    f.write_text("\n".join([lines[0], lines[0], json.dumps(differing)]) + "\n", encoding="utf-8")
    res = run("--data-dir", str(tmp_path / "lead"), "sessions", "import", str(f))
    assert res.out.splitlines() == [
        "imported 1 new session(s); 1 already present",
        f"conflict: session {rec['session']} ({f}:3) differs from the stored copy; kept the stored one",
    ]


@pytest.mark.parametrize("bad, what", [
    ("{not json", "invalid JSON"),
    ('{"checklist": "cam-noise"}', "no `session` id"),
    ('["a list"]', "not a JSON object"),
    ('{"session": "x", "checklist": "cam-noise", "findings": [{"title": "no id"}]}', "a finding without `id`"),
    ('{"session": "x", "checklist": "cam-noise", "events": [{"kind": "answer"}]}', "an event without `seq` or `kind`"),
])
def test_a_malformed_line_exits_2_naming_file_and_line(run, history: list[str], tmp_path: Path, bad: str,
                                                       what: str) -> None:
    lines = _export(run, tmp_path / "a.jsonl")
    f = tmp_path / "bad.jsonl"
    f.write_text("\n".join(lines[:3] + ["", bad] + lines[3:]) + "\n", encoding="utf-8")
    lead = ("--data-dir", str(tmp_path / "lead"))
    res = run(*lead, "sessions", "import", str(f))
    assert res.code == 2
    assert res.err.startswith(f"error: {f}:5: line 5 is not a session record ({what}")
    assert "nothing was imported" in res.err
    assert json.loads(run(*lead, "sessions", "list", "--json").out) == []


def test_records_without_events_import_from_their_answers(run, history: list[str], tmp_path: Path) -> None:
    lines = _export(run, tmp_path / "a.jsonl")
    recs = [json.loads(line) for line in lines]
    for rec in recs:
        rec.pop("events")
    f = tmp_path / "old.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    lead = ("--data-dir", str(tmp_path / "lead"))
    assert run(*lead, "sessions", "import", str(f)).out.startswith("imported 32 new session(s)")
    for rec in recs:
        got = json.loads(run(*lead, "sessions", "show", rec["session"], "--json").out)
        assert got["answers"] == rec["answers"] and got["verdict"] == rec["verdict"]
    assert run(*lead, "sessions", "import", str(tmp_path / "a.jsonl")).out == \
        "imported 0 new session(s); 32 already present\n"


def test_generated_jsonl_is_what_export_writes(data_dir: Path, content: Path, run, tmp_path: Path) -> None:
    h = History(load([content]), seed=4)
    h.background(60)
    h.write(Store.open(data_dir))
    h.write_jsonl(tmp_path / "gen.jsonl")
    assert _export(run, tmp_path / "exp.jsonl") == (tmp_path / "gen.jsonl").read_text(encoding="utf-8").splitlines()


def test_the_import_is_all_or_nothing_per_file(run, history: list[str], tmp_path: Path, monkeypatch) -> None:
    from cstriage.store import sync

    lines = _export(run, tmp_path / "a.jsonl")
    monkeypatch.setattr(sync, "CHUNK", 5)  # several chunks staged before the bad line
    f = tmp_path / "late.jsonl"
    f.write_text("\n".join(lines + ["{oops"]) + "\n", encoding="utf-8")
    lead = ("--data-dir", str(tmp_path / "lead"))
    assert run(*lead, "sessions", "import", str(f)).code == 2
    assert json.loads(run(*lead, "sessions", "list", "--json").out) == []
    res = run(*lead, "sessions", "import", str(tmp_path / "a.jsonl"))
    assert res.out == "imported 32 new session(s); 0 already present\n"
