"""Content scenarios: every tests/scenarios/<checklist-id>/*.yaml runs as a scripted session.

A scenario file:

    # what the case is about
    answers_file:          # an answers file exactly as spec §5 (checklist, meta, answers)
      checklist: scmos-image-noise
      meta: {serial: "SN-1", downtime_critical: true}
      answers: {outlet-grounded: no, ...}
    expect:
      verdict: visit       # remote | visit | rma | escalate
      resolved: false
      safety: false
      loaner: true
      findings: [no-protective-ground]   # in firing order
      parts: {ground-bond-kit: 1}        # NON-kit parts only: part id -> qty

The `answers_file` block is cut out of the scenario as written (not re-serialised), so
YAML details such as `serial: 0042` or `mode: on` reach cstriage as a user would type
them. It runs `cstriage start --answers F --no-input --json` against the BUNDLED library
with default settings. When the bundled library does not load, every case fails with
the loader's problems.

To try this runner on another library, set CSTRIAGE_TEST_SCENARIOS (a folder laid out like
tests/scenarios) and CSTRIAGE_TEST_SCENARIO_CONTENT (a content folder, used with --no-bundled).
"""

from __future__ import annotations

import json
import os
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

SCENARIOS = Path(os.environ.get("CSTRIAGE_TEST_SCENARIOS") or Path(__file__).resolve().parent / "scenarios")
CONTENT = os.environ.get("CSTRIAGE_TEST_SCENARIO_CONTENT") or None
LIBRARY_ARGS: tuple[str, ...] = ("--no-bundled", "--content", CONTENT) if CONTENT else ()

EXPECT_KEYS = ("verdict", "resolved", "safety", "loaner", "findings", "parts")
VERDICTS = ("remote", "visit", "rma", "escalate")


def _cases() -> list[Any]:
    files = sorted(SCENARIOS.glob("*/*.yaml")) + sorted(SCENARIOS.glob("*/*.yml"))
    return [pytest.param(p, id=f"{p.parent.name}/{p.stem}") for p in sorted(files)]


@cache
def _library_failure() -> str | None:
    """The loader's problems when the library the scenarios run on does not load."""
    from cstriage.content.library import content_dirs, load

    roots = content_dirs([CONTENT] if CONTENT else [], bundled=not CONTENT)
    lib = load(roots)
    if not lib.errors:
        return None
    shown = [f"  {p.location()}: [{p.code}] {p.message}" + (f"\n      hint: {p.hint}" if p.hint else "")
             for p in lib.errors[:25]]
    more = f"\n  … and {len(lib.errors) - 25} more" if len(lib.errors) > 25 else ""
    return (f"the {'content' if CONTENT else 'bundled'} library does not load: {len(lib.errors)} error(s)\n"
            + "\n".join(shown) + more)


def _answers_text(text: str, path: Path) -> str:
    """The `answers_file:` value of a scenario, cut out of the text as it was written."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        pytest.fail(f"{path}: a scenario is a mapping with `answers_file:` and `expect:`")
    for knode, vnode in root.value:
        if knode.value == "answers_file":
            if not isinstance(vnode, yaml.MappingNode):
                mark = vnode.start_mark
                pytest.fail(f"{path}:{mark.line + 1}:{mark.column + 1}: `answers_file` must be a mapping "
                            "(checklist, meta, answers)")
            chunk = text[vnode.start_mark.index:vnode.end_mark.index]
            # the first line starts at the value's column; give it back its indentation
            return textwrap.dedent(" " * vnode.start_mark.column + chunk)
    pytest.fail(f"{path}: no `answers_file:`")


def _load_scenario(path: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        pytest.fail(f"{path}: not valid YAML: {exc}")
    if not isinstance(data, dict):
        pytest.fail(f"{path}: a scenario is a mapping with `answers_file:` and `expect:`")
    unknown = set(data) - {"answers_file", "expect"}
    if unknown:
        pytest.fail(f"{path}: unknown top-level field(s) {sorted(unknown)}; a scenario has `answers_file` and `expect`")
    expect = data.get("expect")
    if not isinstance(expect, dict) or "verdict" not in expect:
        pytest.fail(f"{path}: `expect:` must be a mapping with at least `verdict`")
    extra = set(expect) - set(EXPECT_KEYS)
    if extra:
        pytest.fail(f"{path}: unknown field(s) under `expect`: {sorted(extra)}; allowed: {', '.join(EXPECT_KEYS)}")
    if expect["verdict"] not in VERDICTS:
        pytest.fail(f"{path}: expect.verdict `{expect['verdict']}` is not one of {', '.join(VERDICTS)}")
    if "findings" in expect and not isinstance(expect["findings"], list):
        pytest.fail(f"{path}: expect.findings must be a list of finding ids (in firing order)")
    if "parts" in expect and not isinstance(expect["parts"] or {}, dict):
        pytest.fail(f"{path}: expect.parts must be a mapping of part id to quantity (non-kit parts)")
    answers = data.get("answers_file")
    if not isinstance(answers, dict):
        pytest.fail(f"{path}: `answers_file` must be a mapping (checklist, meta, answers)")
    return _answers_text(text, path), answers, expect


@pytest.mark.parametrize("path", _cases())
def test_scenario(path: Path, cli, tmp_path: Path) -> None:
    failure = _library_failure()
    if failure:
        pytest.fail(failure, pytrace=False)
    checklist = path.parent.name
    answers_text, answers, expect = _load_scenario(path)
    named = answers.get("checklist")
    if named is not None and named != checklist:
        pytest.fail(f"{path}: answers_file names checklist `{named}` but the scenario is under `{checklist}/`",
                    pytrace=False)
    f = tmp_path / f"{path.stem}.answers.yaml"
    f.write_text(answers_text, encoding="utf-8")
    res = cli(*LIBRARY_ARGS, "start", "--checklist", checklist, "--answers", str(f), "--no-input", "--json")
    assert "Traceback" not in res.out + res.err
    if res.code != 0:
        pytest.fail(f"{path}: `cstriage start` exited {res.code}:\n{res.err}", pytrace=False)
    result = json.loads(res.out)
    got: dict[str, Any] = {
        "verdict": result["verdict"],
        "resolved": result["resolved"],
        "safety": result["safety"],
        "loaner": result["loaner"],
        "findings": [f["id"] for f in result["findings"]],
        "parts": {p["part"]: p["qty"] for p in result["parts"] if not p["kit"]},
    }
    want = {key: expect[key] for key in EXPECT_KEYS if key in expect}
    if "parts" in want:
        want["parts"] = dict(want["parts"] or {})
    assert {k: got[k] for k in want} == want
