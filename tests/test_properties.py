"""Property tests: the loader never breaks on any input; conditions agree with the spec.

(a) Arbitrary text and bytes, random YAML documents, and random mutations of real content
    files go through `library.load` and the `validate` command function: nothing raises,
    and every problem has a file, a line >= 1, a column >= 1 and a known code.
(b) Random condition trees over random answers: `engine.conditions.evaluate` agrees with
    the reference below, written from spec §3.2.

Default runs use ~200 examples per property; the `slow` variants (`pytest -m slow`) run
2,500 per property, 12,500 in all.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cstriage.cli.common import Settings
from cstriage.cli.validate import validate
from cstriage.content import library, models, yamlsrc
from cstriage.content.problems import CODES, ERROR, WARNING
from cstriage.engine.conditions import SKIP, Context, evaluate

REPO = Path(__file__).resolve().parent.parent
SUPPORT = REPO / "tests" / "content" / "broken_support"

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- (a) the loader never breaks --------------------------------------------------------------


def _base_files() -> list[tuple[str, str]]:
    """(name, text) of valid content to mutate: the support files and the bundled library."""
    paths = sorted(SUPPORT.glob("*.yaml"))
    for folder in ("checklists", "cards"):
        paths += sorted((REPO / folder).rglob("*.yaml"))
    out = []
    for p in paths:
        try:
            out.append((p.name, p.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):  # the bundled library is written in parallel
            continue
    return out


BASES = _base_files()
SPECIAL = [
    "\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\t", "\r", "\ufeff", "\u200f", "\u202e", "\u2028",
    "\ufffe", ":", ": ", "-", "- ", "[", "]", "{", "}", "&a ", "*a", "!", "!!python/name:os.system ",
    "<<: ", "#", '"', "'", "|", ">", "%", "@", "`", "?", ",", "  ", "yes", "~", "\\", "카메라",
]
TOKENS = [
    "yes", "no", "on", "off", "~", "null", "", "0", "-1", "1e309", ".nan", "300", "[]", "{}", "[198, 242]",
    "[242, 198]", "{is: yes}", "{in: [off]}", "{below: 3}", "{drift_above_pct: 20}", "{check: nope, is: no}",
    "Bad_Id", "test-finding", "test-camera", "test-card", "power", "install", "remote", "rma", "onsite",
    "{en: x}", "{en: x, ko: 사용 미숙}", "user error", "'quoted'", "*a", "&a x", "!!binary aGk=", "x" * 400,
]
FIELDS = sorted({name for m in models.KINDS.values() for name in m.model_json_schema(by_alias=True)["properties"]}
                | {"ask", "asks", "type", "rules", "if", "then", "when", "stage", "checks", "choices", "min", "max",
                   "baseline", "record_baseline", "fix", "parts", "card", "explain", "is", "in", "below", "all",
                   "not", "kit", "name", "en", "ko", "kor"})


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real content file after 1-5 edits a person (or an editor) might make."""
    name, text = draw(st.sampled_from(BASES))
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["delete", "duplicate", "indent", "swap", "insert", "value", "move"]))
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "indent":
            body = line.lstrip(" ")
            lines[i] = " " * max(0, len(line) - len(body) + draw(st.sampled_from([-4, -2, -1, 1, 2, 4]))) + body
        elif op == "swap" and len(line) >= 2:
            j = draw(st.integers(0, len(line) - 2))
            lines[i] = line[:j] + line[j + 1] + line[j] + line[j + 2:]
        elif op == "insert":
            j = draw(st.integers(0, len(line)))
            lines[i] = line[:j] + draw(st.sampled_from(SPECIAL)) + line[j:]
        elif op == "value" and ": " in line:
            lines[i] = line[: line.index(": ") + 2] + draw(st.sampled_from(TOKENS))
        elif op == "move":
            lines.insert(draw(st.integers(0, len(lines))), lines.pop(i))
    data = "\n".join(lines).encode("utf-8")
    if draw(st.integers(0, 9)) == 0:  # now and then a byte that is not UTF-8
        j = draw(st.integers(0, len(data)))
        data = data[:j] + draw(st.sampled_from([b"\xff", b"\xc0", b"\xb3\xeb", b"\xed\xa0\x80"])) + data[j:]
    return name, data


_keys = st.one_of(st.sampled_from(FIELDS), st.text(max_size=12), st.integers(-5, 99), st.booleans())
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40), st.sampled_from(TOKENS),
)
_values = st.recursive(
    _scalars, lambda kids: st.lists(kids, max_size=5) | st.dictionaries(_keys, kids, max_size=6), max_leaves=40,
)


@st.composite
def yaml_documents(draw: st.DrawFn) -> tuple[str, bytes]:
    """Random YAML documents, often content-shaped (a `kind` and the fields of that kind)."""
    doc = draw(_values)
    if draw(st.booleans()):
        doc = dict(doc) if isinstance(doc, dict) else {"items": doc}
        doc["kind"] = draw(st.sampled_from(["checklist", "catalog", "card", "checklists", None]))
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=draw(st.booleans()),
                          default_flow_style=draw(st.sampled_from([None, False, True])))
    return "random.yaml", text.encode("utf-8")


def _mutate_data(draw: st.DrawFn, data: Any, depth: int = 0) -> Any:
    """Change one place inside parsed content: replace, delete or add a field, or retype a value."""
    if isinstance(data, dict) and data and depth < 8 and draw(st.integers(0, 3)):
        key = draw(st.sampled_from(sorted(data, key=str)))
        return {**data, key: _mutate_data(draw, data[key], depth + 1)}
    if isinstance(data, list) and data and depth < 8 and draw(st.integers(0, 3)):
        i = draw(st.integers(0, len(data) - 1))
        return data[:i] + [_mutate_data(draw, data[i], depth + 1)] + data[i + 1:]
    choice = draw(st.integers(0, 3))
    if choice == 0 and isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data, key=str)))
        return {k: v for k, v in data.items() if k != key}
    if choice == 1 and isinstance(data, dict):
        return {**data, draw(_keys): draw(_values)}
    return draw(_values)


@st.composite
def content_mutants(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real content file, parsed, changed in one to three places, written back as YAML."""
    name, text = draw(st.sampled_from(BASES))
    data = yamlsrc.parse(text).data
    for _ in range(draw(st.integers(1, 3))):
        data = _mutate_data(draw, data)
    return name, yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


@contextlib.contextmanager
def _folder(name: str, data: bytes) -> Iterator[tuple[Path, Path]]:
    """A fresh folder with the support files and the file under test (replacing its namesake)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for p in SUPPORT.glob("*.yaml"):
            shutil.copy(p, root / p.name)
        target = root / ("sub" if (root / name).exists() and not (SUPPORT / name).exists() else "") / name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(data)
        yield root, target


def _lines(path: Path) -> int:
    return len(path.read_bytes().decode("utf-8", "replace").splitlines()) + 1


def _check(name: str, data: bytes) -> None:
    with _folder(name, data) as (root, target):
        files = {p.resolve(): _lines(p) for p in root.rglob("*.yaml")}
        lib = library.load([root], ("en", "ko"))
        assert lib.files == len(files)
        for p in lib.problems:
            path = Path(p.path).resolve()
            assert path in files, p
            assert 1 <= p.line <= files[path] and p.col >= 1, p
            assert p.code in CODES and p.level in (ERROR, WARNING) and p.message, p
        if not any(p.path == library.display_path(target) for p in lib.problems):
            assert target.suffix == ".yaml"  # a clean mutant is fine; it was loaded

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = validate(Settings(bundled=False), [str(root)], "json", "en,ko", strict=True)
        report = json.loads(buf.getvalue())
        assert report["files"] == len(files)
        assert rc == (1 if report["problems"] else 0)
        assert [(q["file"], q["line"], q["col"], q["code"]) for q in report["problems"]] == [
            (p.path, p.line, p.col, p.code) for p in lib.problems]


_texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
_yamlish_text = st.lists(st.sampled_from(SPECIAL + TOKENS + ["\n", "kind: checklist\n", "  ", "a", "b: "]),
                         max_size=60).map("".join)


@FAST
@given(text=st.one_of(_texts, _yamlish_text))
def test_any_text_is_handled(text: str) -> None:
    _check("text.yaml", text.encode("utf-8"))


@FAST
@given(data=st.binary(max_size=300))
def test_any_bytes_are_handled(data: bytes) -> None:
    _check("bytes.yaml", data)


@FAST
@given(doc=yaml_documents())
def test_random_yaml_documents_are_handled(doc: tuple[str, bytes]) -> None:
    _check(*doc)


@FAST
@given(mutant=mutated_files())
def test_edited_content_files_are_handled(mutant: tuple[str, bytes]) -> None:
    _check(*mutant)


@FAST
@given(mutant=content_mutants())
def test_changed_content_data_is_handled(mutant: tuple[str, bytes]) -> None:
    _check(*mutant)


@pytest.mark.slow
@SLOW
@given(text=st.one_of(_texts, _yamlish_text, st.binary(max_size=400).map(lambda b: b.decode("latin-1"))))
def test_any_text_is_handled_slow(text: str) -> None:
    _check("text.yaml", text.encode("utf-8"))


@pytest.mark.slow
@SLOW
@given(doc=yaml_documents())
def test_random_yaml_documents_are_handled_slow(doc: tuple[str, bytes]) -> None:
    _check(*doc)


@pytest.mark.slow
@SLOW
@given(mutant=mutated_files())
def test_edited_content_files_are_handled_slow(mutant: tuple[str, bytes]) -> None:
    _check(*mutant)


@pytest.mark.slow
@SLOW
@given(mutant=content_mutants())
def test_changed_content_data_is_handled_slow(mutant: tuple[str, bytes]) -> None:
    _check(*mutant)


# --- (b) conditions agree with the spec -------------------------------------------------------

CHECKS = {
    "door": models.Check(id="door", ask="Door closed?", type="yes_no"),
    "mode": models.Check(id="mode", ask="Mode?", type="choice", choices={"air": "Air", "liquid": "Liquid", "off": "Off"}),
    "temp": models.Check(id="temp", ask="Temperature?", type="number", baseline="sensor-temp"),
    "volts": models.Check(id="volts", ask="Voltage?", type="number"),
    "note": models.Check(id="note", ask="Anything else?", type="text"),
}
KEYS = list(CHECKS["mode"].choices or {})
_numbers = st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False),
                     st.sampled_from([0, 0.0, -0.0, 198, 242, 1e-9]))


def _leaf(kind: str, baseline: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Leaf operators that `validate` accepts on a check of this type."""
    ops: list[st.SearchStrategy[dict[str, Any]]] = [st.builds(lambda b: {"skipped": b}, st.booleans())]
    if kind == "yes_no":
        ops.append(st.builds(lambda b: {"is": b}, st.sampled_from([True, False, "yes", "no", "Yes", "FALSE"])))
    elif kind == "choice":
        ops.append(st.builds(lambda ks: {"in": ks}, st.lists(st.sampled_from(KEYS), min_size=1, max_size=3)))
    elif kind == "number":
        ops += [
            st.builds(lambda n: {"below": n}, _numbers),
            st.builds(lambda n: {"above": n}, _numbers),
            st.builds(lambda lo, hi: {"between": sorted([lo, hi])}, _numbers, _numbers),
            st.builds(lambda lo, hi: {"outside": sorted([lo, hi])}, _numbers, _numbers),
        ]
        if baseline:
            for name in ("drift_above_pct", "rise_above_pct", "fall_above_pct"):
                ops.append(st.builds(lambda n, name=name: {name: n},
                                     st.one_of(st.floats(0, 1e4, allow_nan=False), st.sampled_from([0, 5, 20, 100]))))
    return st.one_of(ops)


def _leaves(current: str) -> st.SearchStrategy[dict[str, Any]]:
    here = CHECKS[current]
    own = _leaf(here.type, bool(here.baseline))
    other = st.sampled_from(sorted(CHECKS)).flatmap(
        lambda cid: _leaf(CHECKS[cid].type, bool(CHECKS[cid].baseline)).map(lambda c: {"check": cid, **c}))
    return st.one_of(own, other)


def _trees(current: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        _leaves(current),
        lambda kids: st.one_of(
            st.lists(kids, min_size=1, max_size=4).map(lambda cs: {"all": cs}),
            st.lists(kids, min_size=1, max_size=4).map(lambda cs: {"any": cs}),
            kids.map(lambda c: {"not": c}),
        ),
        max_leaves=12,
    )


def _answer(cid: str) -> st.SearchStrategy[Any]:
    kind = CHECKS[cid].type
    typed = {
        "yes_no": st.booleans(),
        "choice": st.sampled_from(KEYS),
        "number": _numbers,
        "text": st.text(max_size=10),
    }[kind]
    return st.one_of(typed, st.just(SKIP))


@st.composite
def situations(draw: st.DrawFn) -> tuple[str, dict[str, Any], dict[str, Any], dict[str, float]]:
    current = draw(st.sampled_from(sorted(CHECKS)))
    tree = draw(_trees(current))
    answers = {}
    for cid in CHECKS:
        if draw(st.integers(0, 4)):  # now and then a check that was not asked
            answers[cid] = draw(_answer(cid))
    baselines = draw(st.one_of(st.just({}), st.builds(lambda v: {"sensor-temp": v}, _numbers),
                               st.just({"other-name": 1.0})))
    return current, tree, answers, baselines


def _yes(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("yes", "true"))


def reference(cond: dict[str, Any], current: str, answers: dict[str, Any], baselines: dict[str, float]) -> bool:
    """Spec §3.2, written out plainly.

    A leaf looks at the current check, or at `check:`. A check that was not asked makes
    every leaf false; a skipped check makes every leaf false except `skipped`.
    """
    (op, arg), = [(k, v) for k, v in cond.items() if k != "check"]
    if op == "all":
        return all(reference(c, current, answers, baselines) for c in arg)
    if op == "any":
        return any(reference(c, current, answers, baselines) for c in arg)
    if op == "not":
        return not reference(arg, current, answers, baselines)
    target = cond.get("check", current)
    if target not in answers:
        return False
    answer = answers[target]
    if op == "skipped":
        return (answer is SKIP) == arg
    if answer is SKIP:
        return False
    if op == "is":
        return answer == _yes(arg)
    if op == "in":
        return answer in arg
    if op == "below":
        return answer < arg
    if op == "above":
        return answer > arg
    if op == "between":
        return arg[0] <= answer <= arg[1]
    if op == "outside":
        return not arg[0] <= answer <= arg[1]
    if op in ("drift_above_pct", "rise_above_pct", "fall_above_pct"):
        base = baselines.get(CHECKS[target].baseline or "")
        if base is None:
            return False
        delta = {"drift_above_pct": abs(answer - base), "rise_above_pct": answer - base,
                 "fall_above_pct": base - answer}[op]
        if base == 0:  # relative change from 0: any change in the counted direction
            return delta > 0
        return delta / abs(base) * 100 > arg
    raise AssertionError(op)


def _agree(situation: tuple[str, dict[str, Any], dict[str, Any], dict[str, float]]) -> None:
    current, tree, answers, baselines = situation
    cond = models.Condition.model_validate(tree)
    ctx = Context(dict(answers), CHECKS, dict(baselines))
    assert evaluate(cond, current, ctx) is reference(tree, current, answers, baselines), (tree, answers)
    assert set(ctx.used) <= set(answers)


@FAST
@given(situation=situations())
def test_conditions_agree_with_the_spec(situation: Any) -> None:
    _agree(situation)


@pytest.mark.slow
@SLOW
@given(situation=situations())
def test_conditions_agree_with_the_spec_slow(situation: Any) -> None:
    _agree(situation)


@pytest.mark.parametrize("answer, base, pct, expected", [
    (120, 100, 20, False),      # exactly 20 % is not above 20 %
    (121, 100, 20, True),
    (79, 100, 20, True),
    (-12.5, -10, 20, True),     # |−12.5 − (−10)| / |−10| = 25 %
    (-11, -10, 20, False),
    (5, 0, 1000, True),         # any change from a zero baseline
    (0, 0, 0, False),
])
def test_drift_examples(answer: float, base: float, pct: float, expected: bool) -> None:
    tree = {"drift_above_pct": pct}
    answers = {"temp": answer}
    assert reference(tree, "temp", answers, {"sensor-temp": base}) is expected
    ctx = Context(answers, CHECKS, {"sensor-temp": base})
    assert evaluate(models.Condition.model_validate(tree), "temp", ctx) is expected


def test_drift_without_a_baseline_is_false_and_reported() -> None:
    ctx = Context({"temp": 50}, CHECKS, {})
    assert evaluate(models.Condition.model_validate({"drift_above_pct": 0}), "temp", ctx) is False
    assert ctx.missing_baselines == {"temp"}


@pytest.mark.parametrize("tree, expected", [
    ({"between": [198, 242]}, True),
    ({"between": [198, 198]}, True),       # inclusive at both ends
    ({"outside": [198, 242]}, False),
    ({"outside": [199, 242]}, True),
    ({"below": 198}, False),
    ({"above": 197.99}, True),
])
def test_range_edges(tree: dict[str, Any], expected: bool) -> None:
    ctx = Context({"volts": 198}, CHECKS)
    assert evaluate(models.Condition.model_validate(tree), "volts", ctx) is expected
    assert reference(tree, "volts", {"volts": 198}, {}) is expected
