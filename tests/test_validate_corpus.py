"""Every file in tests/content/broken/ has one defect; `validate` must find it exactly there.

Each broken file starts with a header that says what `validate` must report:

    # expect: CODE LINE:COL        (required, the first line)
    # with: catalog.yaml ...       (optional: the support files to load; default: all)
    # also: CODE ...               (optional: other codes the same defect rightly causes)
    # message: TEXT                (optional: text the problem's message must contain)

The support files in tests/content/broken_support/ are loaded first, so that a duplicate
id is reported in the broken file; they are valid on their own (see the last test).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cstriage.content.problems import CODES, ERROR, WARNING

REPO = Path(__file__).resolve().parent.parent
BROKEN = Path("tests/content/broken")
SUPPORT = Path("tests/content/broken_support")
WARNING_CODES = {"K003", "W001", "W002", "W003", "W004"}

_EXPECT = re.compile(r"# expect: ([A-Z]\d{3}) (\d+):(\d+)")


@dataclass
class Case:
    path: Path
    code: str
    line: int
    col: int
    support: list[str]
    also: list[str] = field(default_factory=list)
    message: str = ""


def _case(path: Path) -> Case:
    # Read bytes: the Y005 file is deliberately not UTF-8 (after its header).
    lines = (REPO / path).read_bytes().decode("utf-8", errors="replace").splitlines()
    m = _EXPECT.fullmatch(lines[0]) if lines else None
    assert m, f"{path}: the first line must be `# expect: CODE LINE:COL`, not {lines[:1]}"
    case = Case(path, m[1], int(m[2]), int(m[3]), [str(SUPPORT)])
    for line in lines[1:]:
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(": ")
        if key == "with":
            case.support = [str(SUPPORT / name) for name in value.split()]
        elif key == "also":
            case.also = value.split()
        elif key == "message":
            case.message = value
    return case


FILES = sorted(p.relative_to(REPO) for p in (REPO / BROKEN).glob("*.yaml"))


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    # Problem paths are shown relative to the working directory.
    monkeypatch.chdir(REPO)


def _run(cli, *args: str) -> tuple[int, dict]:
    r = cli("validate", "--format", "json", "--require-lang", "en,ko", *args)
    assert "Traceback" not in r.err and "internal error" not in r.err, r.err
    return r.code, json.loads(r.out)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_broken_file_reports_its_defect_exactly(cli, path: Path) -> None:
    case = _case(path)
    assert case.code in CODES
    code, report = _run(cli, *case.support, str(path))
    problems = report["problems"]
    found = [(p["code"], p["line"], p["col"]) for p in problems if p["file"] == str(path)]
    assert (case.code, case.line, case.col) in found, json.dumps(problems, indent=1, ensure_ascii=False)

    # One defect: only the expected problem (and its declared companions), all in this file.
    assert all(p["file"] == str(path) for p in problems), problems
    assert sorted(p["code"] for p in problems) == sorted([case.code, *case.also]), problems
    hit = next(p for p in problems if (p["code"], p["line"], p["col"]) == (case.code, case.line, case.col))
    assert hit["message"]
    assert case.message in hit["message"], hit

    if case.code in WARNING_CODES:
        assert hit["level"] == WARNING
        assert (report["errors"], code) == (0, 0)
        strict_code, _ = _run(cli, "--strict", *case.support, str(path))
        assert strict_code == 1
    else:
        assert hit["level"] == ERROR
        assert code == 1


def test_corpus_covers_the_required_codes() -> None:
    required = {
        "Y001", "Y002", "Y003", "Y004", "Y005", "Y006", "Y007",
        "C001", "C002", "C003", "C004", "C005",
        "R001", "R002", "R003", "R004", "R005", "R006", "R007", "R008", "R009",
        "S001", "S002", "O001", "O002", "O003", "O004", "B001", "L001",
        "K001", "K002", "K003", "W001", "W002",
    }
    covered = {_case(p).code for p in FILES}
    assert required <= covered, sorted(required - covered)
    assert len(FILES) >= 30


def test_support_files_are_clean_alone(cli) -> None:
    code, report = _run(cli, "--strict", str(SUPPORT))
    assert (code, report["problems"], report["files"]) == (0, [], 3)
