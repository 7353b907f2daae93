"""`cstriage validate` and `cstriage schema` through the CLI: formats, exit codes, one pass."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cstriage.cli.validate import FORMATS
from cstriage.content.problems import CODES

SUPPORT = Path(__file__).resolve().parent / "content" / "broken_support"
SUMMARY = re.compile(r"^\d+ files checked: (no problems|\d+ error\(s\), \d+ warning\(s\))$")

# `then:` names a finding that does not exist: one R002 at 13:13.
DANGLING = """\
kind: checklist
id: led-check
title: "Camera: no image"
products: [test-camera]
steps:
  - stage: power
    checks:
      - id: power-led
        ask: "Is the power LED on?"
        type: yes_no
        rules:
          - if: {is: no}
            then: test-findng
"""

# A card that no finding points to: one K003 warning at 2:1.
ORPHAN_CARD = """\
kind: card
id: orphan-card
title: "Fan stopped"
symptom: "The fan is silent."
products: [test-camera]
checks: ["Is the fan running?"]
say: "The camera warms up when its fan stops; a new fan restores cooling."
"""

# `min` is a word: one C004 at 10:9.
WORD_FOR_MIN = """\
kind: checklist
id: voltage-check
title: "Mains voltage"
products: [test-camera]
steps:
  - stage: power
    checks:
      - id: supply-voltage
        ask: "Mains voltage at the outlet?"
        min: zero
        type: number
"""


@pytest.fixture
def validate(cli):
    """`cstriage validate ARGS… <support files>`; never a traceback."""

    def call(*args: str, support: bool = True):
        res = cli("validate", *args, *([str(SUPPORT)] if support else []))
        assert "Traceback" not in res.out + res.err
        assert "internal error" not in res.err
        return res

    return call


def _json(out: str) -> dict[str, Any]:
    return json.loads(out)


# --- text -----------------------------------------------------------------------------------


def test_text_format_is_file_line_col_level_code_message_then_hint(validate, write, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    f = write("content/led-check.yaml", DANGLING)
    res = validate(str(f), "--format", "text")
    assert res.code == 1
    assert res.out.splitlines() == [
        f"{f}:13:13: error [R002] unknown finding `test-findng`",
        "    hint: did you mean `test-finding`?",
        "4 files checked: 1 error(s), 0 warning(s)",
    ]
    assert res.err == ""


def test_default_format_is_text_outside_github_actions(validate, write, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    f = write("content/led-check.yaml", DANGLING)
    assert validate(str(f)).out.startswith(f"{f}:13:13: error [R002] ")


def test_clean_content_says_no_problems_and_exits_0(validate) -> None:
    res = validate("--format", "text", "--require-lang", "en,ko", "--strict")
    assert (res.code, res.out) == (0, "3 files checked: no problems\n")


def test_text_without_colour_when_not_a_terminal(validate, write, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    f = write("content/led-check.yaml", DANGLING)
    assert "\033[" not in validate(str(f), "--format", "text").out


# --- github ---------------------------------------------------------------------------------


def test_github_format_emits_workflow_annotations(validate, write) -> None:
    bad = write("content/led-check.yaml", DANGLING)
    orphan = write("content/orphan-card.yaml", ORPHAN_CARD)
    res = validate(str(bad), str(orphan), "--format", "github")
    assert res.code == 1
    lines = res.out.splitlines()
    assert lines == [
        f"::error file={bad},line=13,col=13,title=R002::unknown finding `test-findng`"
        " — did you mean `test-finding`?",
        f"::warning file={orphan},line=2,col=1,title=K003::no finding points to card `orphan-card`"
        " — add `card: orphan-card` to the findings this card explains",
        "5 files checked: 1 error(s), 1 warning(s)",
    ]


def test_auto_format_is_github_under_github_actions(validate, write, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    f = write("content/led-check.yaml", DANGLING)
    for args in ((), ("--format", "auto")):
        res = validate(str(f), *args)
        assert res.out.startswith(f"::error file={f},line=13,col=13,title=R002::"), args
    # An explicit --format wins over the environment.
    assert validate(str(f), "--format", "text").out.startswith(f"{f}:13:13: error [R002]")


def test_github_annotation_escapes_the_path(validate, tmp_path: Path) -> None:
    f = tmp_path / "a,b: c.yaml"
    f.write_text(DANGLING, encoding="utf-8")
    line = validate(str(f), "--format", "github").out.splitlines()[0]
    escaped = str(f).replace(":", "%3A").replace(",", "%2C")
    assert line.startswith(f"::error file={escaped},line=13,col=13,title=R002::")
    assert line.count("::") == 2


# --- json -----------------------------------------------------------------------------------


def test_json_format_shape(validate, write) -> None:
    bad = write("content/voltage.yaml", WORD_FOR_MIN)
    res = validate(str(bad), "--format", "json")
    assert res.code == 1
    report = _json(res.out)
    assert set(report) == {"files", "errors", "warnings", "problems"}
    assert (report["files"], report["errors"], report["warnings"]) == (4, 1, 0)
    (problem,) = report["problems"]
    assert set(problem) == {"file", "line", "col", "level", "code", "message", "hint"}
    assert problem == {
        "file": str(bad), "line": 10, "col": 9, "level": "error", "code": "C004",
        "message": "`steps.0.checks.0.min` should be a number, not `zero`", "hint": "",
    }


def test_json_of_clean_content(validate) -> None:
    res = validate("--format", "json", "--require-lang", "en,ko")
    assert res.code == 0
    assert _json(res.out) == {"files": 3, "errors": 0, "warnings": 0, "problems": []}


def test_json_keeps_korean_readable(validate, write) -> None:
    f = write("content/ko.yaml", DANGLING.replace('"Camera: no image"', '{en: "No image"}'))
    res = validate(str(f), "--format", "json", "--require-lang", "en,ko")
    assert "\\u" not in res.out
    codes = sorted(p["code"] for p in _json(res.out)["problems"])
    assert codes == ["L001", "R002"]


# --- exit codes and --strict ----------------------------------------------------------------


def test_warnings_pass_unless_strict(validate, write) -> None:
    f = write("content/orphan-card.yaml", ORPHAN_CARD)
    plain = validate(str(f), "--format", "json")
    strict = validate(str(f), "--format", "json", "--strict")
    assert (plain.code, strict.code) == (0, 1)
    assert _json(plain.out)["warnings"] == _json(strict.out)["warnings"] == 1
    assert [p["code"] for p in _json(strict.out)["problems"]] == ["K003"]


def test_errors_fail_with_or_without_strict(validate, write) -> None:
    f = write("content/led-check.yaml", DANGLING)
    assert validate(str(f)).code == 1
    assert validate(str(f), "--strict").code == 1


def test_missing_path_exits_2_with_a_message(validate, tmp_path: Path) -> None:
    gone = tmp_path / "no-such-folder"
    res = validate(str(gone))
    assert res.code == 2
    assert f"no such file or folder: {gone}" in res.err
    assert res.out == ""


@pytest.mark.parametrize("args", [("--format", "xml"), ("--no-such-option",)])
def test_bad_usage_exits_2(validate, args: tuple[str, ...]) -> None:
    res = validate(*args)
    assert res.code == 2
    assert res.err.strip()


def test_every_format_is_handled(validate, write) -> None:
    f = write("content/led-check.yaml", DANGLING)
    for fmt in FORMATS:
        res = validate(str(f), "--format", fmt)
        assert res.code == 1, fmt
        assert "R002" in res.out, fmt


# --- one pass -------------------------------------------------------------------------------


def test_all_problems_of_all_files_in_one_pass(validate, write) -> None:
    a = write("content/a/led-check.yaml", DANGLING)
    b = write("content/b/voltage.yaml", WORD_FOR_MIN)
    c = write("content/b/orphan.yaml", ORPHAN_CARD)
    d = write("content/b/empty.yaml", "# nothing yet\n")
    res = validate(str(a.parent), str(b.parent), "--format", "json")
    report = _json(res.out)
    got = sorted((p["file"], p["line"], p["col"], p["code"]) for p in report["problems"])
    assert got == sorted([
        (str(a), 13, 13, "R002"), (str(b), 10, 9, "C004"), (str(c), 2, 1, "K003"), (str(d), 1, 1, "Y006"),
    ])
    assert (report["files"], report["errors"], report["warnings"], res.code) == (7, 3, 1, 1)


def test_problems_are_sorted_by_file_then_position(validate, write) -> None:
    two = DANGLING.replace("products: [test-camera]", "products: [test-camera, test-camra]")
    f = write("content/z.yaml", two)
    g = write("content/a.yaml", WORD_FOR_MIN)
    report = _json(validate(str(f), str(g), "--format", "json").out)
    got = [(p["file"], p["line"], p["col"]) for p in report["problems"]]
    assert got == [(str(g), 10, 9), (str(f), 4, 25), (str(f), 13, 13)]


def test_validate_without_paths_uses_the_content_folders(cli, write) -> None:
    f = write("team/led-check.yaml", DANGLING)
    res = cli("--no-bundled", "--content", str(SUPPORT), "--content", str(f.parent), "validate",
              "--format", "json")
    assert res.code == 1
    assert [(p["file"], p["code"]) for p in _json(res.out)["problems"]] == [(str(f), "R002")]


def test_with_bundled_reports_only_the_given_files(cli, write) -> None:
    # References resolve against the bundled library; its own problems are not shown.
    f = write("team/bundled-ref.yaml", DANGLING.replace("test-camera", "scmos-camera"))
    res = cli("validate", "--with-bundled", "--format", "json", str(f))
    assert "Traceback" not in res.err
    report = _json(res.out)
    assert {p["file"] for p in report["problems"]} == {str(f)}
    codes = {p["code"] for p in report["problems"]}
    assert "R002" in codes and "R004" not in codes


# --- the bundled library --------------------------------------------------------------------


def test_bundled_library_validates_without_a_traceback(cli) -> None:
    # The bundled content is written in parallel: assert the command works, not that it is clean.
    res = cli("validate", "--require-lang", "en,ko", "--format", "text")
    assert res.code in (0, 1)
    assert "Traceback" not in res.out + res.err and "internal error" not in res.err
    assert SUMMARY.match(res.out.splitlines()[-1]), res.out[-500:]
    for line in res.out.splitlines()[:-1]:
        assert re.match(r"^(\S.*:\d+:\d+: (error|warning) \[[A-Z]\d{3}\] .+|    hint: .*)$", line), line


def test_bundled_library_json_codes_are_known(cli) -> None:
    res = cli("validate", "--require-lang", "en,ko", "--format", "json")
    report = _json(res.out)
    assert report["files"] > 0
    for p in report["problems"]:
        assert p["code"] in CODES and p["line"] >= 1 and p["col"] >= 1 and p["file"]


def test_bundled_library_in_a_real_process(proc) -> None:
    res = proc("validate", "--require-lang", "en,ko", "--format", "github", env={"GITHUB_ACTIONS": "true"})
    assert res.code in (0, 1)
    assert "Traceback" not in res.err
    assert SUMMARY.match(res.out.splitlines()[-1])
    assert all(ln.startswith(("::error ", "::warning ")) for ln in res.out.splitlines()[:-1])


# --- schema ---------------------------------------------------------------------------------

VALID_CHECKLIST = {
    "kind": "checklist",
    "id": "scmos-image-noise",
    "title": {"en": "sCMOS camera: image noise", "ko": "sCMOS 카메라: 영상 노이즈"},
    "products": ["scmos-camera"],
    "steps": [{"stage": "power", "checks": [{
        "id": "supply-voltage", "ask": "Mains voltage?", "type": "number", "unit": "V", "min": 0, "max": 300,
        "rules": [{"if": {"outside": [198, 242]}, "then": "mains-out-of-spec"},
                  {"if": {"all": [{"above": 250}, {"not": {"skipped": True}}]}, "then": "mains-out-of-spec"}],
    }]}],
}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if isinstance(node.get("$ref"), str) else []) + [
            r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _check_schema_structure(doc: dict[str, Any]) -> None:
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    defs = doc.get("$defs", {})
    for ref in _refs(doc):
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/") in defs, ref
    try:
        import jsonschema  # optional: not a dependency of the project
    except ImportError:
        return
    jsonschema.Draft202012Validator.check_schema(doc)


@pytest.mark.parametrize("kind, title, required", [
    ("checklist", "Checklist", {"kind", "id", "title", "products", "steps"}),
    ("card", "Card", {"kind", "id", "title", "symptom", "products", "checks", "say"}),
    ("catalog", "Catalog", {"kind"}),
])
def test_schema_of_one_kind(cli, kind: str, title: str, required: set[str]) -> None:
    res = cli("schema", "--kind", kind)
    assert res.code == 0 and res.err == ""
    doc = _json(res.out)
    _check_schema_structure(doc)
    assert doc["type"] == "object" and doc["title"] == title
    assert doc["additionalProperties"] is False
    assert set(doc["required"]) == required
    assert doc["properties"]["kind"].get("const", (doc["properties"]["kind"].get("enum") or [None])[0]) == kind


def test_schema_uses_the_yaml_names_of_fields(cli) -> None:
    doc = _json(cli("schema", "--kind", "checklist").out)
    assert {"if", "then"} <= set(doc["$defs"]["Rule"]["properties"])
    assert {"is", "in", "all", "any", "not", "check"} <= set(doc["$defs"]["Condition"]["properties"])
    check = doc["$defs"]["Check"]["properties"]
    assert check["type"].get("enum") == ["yes_no", "choice", "number", "text"]
    assert check["id"]["pattern"] == "^[a-z0-9][a-z0-9-]*$"


def test_schema_of_all_kinds(cli) -> None:
    res = cli("schema")
    assert res.code == 0
    doc = _json(res.out)
    _check_schema_structure(doc)
    assert [d["title"] for d in doc["oneOf"]] == ["Checklist", "Catalog", "Card"]
    assert {"Check", "Condition", "Finding", "Rule", "Step", "Part", "Product"} <= set(doc["$defs"])


def test_a_valid_checklist_matches_the_schema(cli) -> None:
    import jsonschema
    doc = _json(cli("schema", "--kind", "checklist").out)
    jsonschema.validate(VALID_CHECKLIST, doc)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**VALID_CHECKLIST, "asks": "typo"}, doc)


def test_schema_bad_kind_exits_2(cli) -> None:
    res = cli("schema", "--kind", "checklists")
    assert res.code == 2
    assert "unknown kind `checklists`" in res.err
    assert res.out == ""


def test_with_bundled_on_a_bundled_file_is_not_a_duplicate(cli) -> None:
    from cstriage.content.library import bundled_dir

    path = bundled_dir() / "checklists" / "cameras" / "camera-cooling.yaml"
    r = cli("validate", "--with-bundled", "--format", "json", str(path))
    import json as _json

    data = _json.loads(r.out)
    assert [p for p in data["problems"] if p["code"] == "R001"] == []
    assert r.code == 0
