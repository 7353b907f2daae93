"""Load content folders into one library and check everything that spans files.

All problems of all files are collected in one pass; nothing is printed here.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from cstriage.content.problems import ERROR, WARNING, Problem

T = TypeVar("T")

#: Per-item character budgets that keep a card on one A4 page: (English, Korean/other).
CARD_LIST_LIMITS = {"checks": 7, "remote": 5, "visit_if": 5, "bring": 8, "prevent": 4}
CARD_TEXT_LIMITS = {"title": (60, 36), "symptom": (160, 100), "say": (360, 220), "item": (140, 90)}
BLAME_WORDS = (
    "user error", "operator error", "misuse", "mishandl", "careless", "your fault",
    "customer fault", "improper use", "wrong use", "사용 미숙", "고객 과실", "잘못 사용",
    "부주의", "사용자 실수", "사용자 과실", "오조작",
)
_TEXT_FIELDS = {
    "Check": ("ask", "help"),
    "Finding": ("title", "explain"),
    "Card": ("title", "symptom", "say"),
    "Product": ("name",),
    "Part": ("name",),
    "Checklist": ("title",),
}
_TEXT_LISTS = {"Finding": ("remote", "onsite", "tools", "prevent"), "Card": ("checks", "remote", "visit_if", "prevent")}
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def bundled_dir() -> Path:
    """The library shipped with the package (wheel), or the repository's (checkout)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_content"
    if packaged.is_dir():
        return packaged
    return here.parent.parent


def content_dirs(extra: Iterable[str | Path] = (), bundled: bool = True) -> list[Path]:
    roots = []
    if bundled:
        base = bundled_dir()
        roots += [base / "checklists", base / "cards"]
    roots += [Path(p) for p in extra]
    return roots


def yaml_files(roots: Iterable[Path]) -> Iterator[Path]:
    """Every YAML file under the roots, once each, even when roots overlap."""
    seen: set[Path] = set()
    for root in roots:
        if root.is_file():
            found = [root]
        elif root.is_dir():
            found = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            continue
        for path in found:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield path


def display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


@dataclass
class Entry(Generic[T]):
    obj: T
    src: Any  # yamlsrc.Source (imported lazily: library paths are used by card commands)
    loc: tuple[Any, ...]

    def pos(self, *more: Any) -> tuple[int, int]:
        return self.src.pos(self.loc + more)

    def anchor(self) -> tuple[int, int]:
        """Where it is named: its key in a mapping, or the `id:` of a checklist or card file."""
        return self.pos() if self.loc else self.pos("id")

    def where(self) -> str:
        line, col = self.anchor()
        return f"{self.src.path}:{line}:{col}"


@dataclass
class Library:
    checklists: dict[str, Entry[Any]] = field(default_factory=dict)
    findings: dict[str, Entry[Any]] = field(default_factory=dict)
    parts: dict[str, Entry[Any]] = field(default_factory=dict)
    products: dict[str, Entry[Any]] = field(default_factory=dict)
    cards: dict[str, Entry[Any]] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    def checklist(self, cid: str) -> Any:
        return self.checklists[cid].obj

    def finding(self, fid: str) -> Any:
        return self.findings[fid].obj


def load(roots: Iterable[Path], require_lang: Iterable[str] = ()) -> Library:
    """Load and check every file. The cyclic garbage collector is paused meanwhile:
    parsing creates millions of small acyclic objects, and its repeated full passes
    made loading quadratic in the library size (1,000 files: 12 s instead of 3 s)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(roots, tuple(require_lang))
    finally:
        if enabled:
            gc.enable()


def _load(roots: Iterable[Path], require_lang: tuple[str, ...]) -> Library:
    from pydantic import ValidationError

    from cstriage.content import yamlsrc

    from cstriage.content import models
    from cstriage.content.messages import reword_all

    lib = Library()
    problems = lib.problems
    for path in yaml_files(roots):
        lib.files += 1
        shown = display_path(path)
        try:
            text = yamlsrc.read_text(path)
            src = yamlsrc.parse(text, shown)
        except yamlsrc.YamlError as exc:
            problems.append(Problem(shown, exc.line, exc.col, ERROR, exc.code, exc.message, exc.hint))
            continue
        data = src.data
        if not isinstance(data, dict):
            problems.append(Problem(shown, 1, 1, ERROR, "C001", "the file must be a mapping with a top-level `kind:`",
                                    "start the file with `kind: checklist`, `kind: catalog` or `kind: card`"))
            continue
        kind = data.get("kind")
        model = models.KINDS.get(kind) if isinstance(kind, str) else None
        if model is None:
            line, col = src.pos(("kind",))
            what = "missing `kind`" if kind is None else f"unknown kind `{kind}`"
            problems.append(Problem(shown, line, col, ERROR, "C001", what, "use kind: checklist, catalog or card"))
            continue
        try:
            obj = model.model_validate(data)
        except ValidationError as exc:
            problems.extend(reword_all(model, exc.errors(include_url=False), src))
            continue
        _register(lib, kind, obj, src, text)
        src.data = None  # the models hold the content now; keep only the positions
    _cross_check(lib, tuple(require_lang))
    problems.sort()
    return lib


def _dup(lib: Library, table: dict[str, Entry[Any]], what: str, key: str, entry: Entry[Any]) -> None:
    if key in table:
        first = table[key]
        line, col = entry.anchor()
        lib.problems.append(Problem(entry.src.path, line, col, ERROR, "R001",
                                    f"{what} id `{key}` is already defined at {first.where()}",
                                    "ids are unique across the whole library; rename one of them"))
    else:
        table[key] = entry


def _register(lib: Library, kind: str, obj: Any, src: Any, text: str) -> None:
    if kind == "checklist":
        _dup(lib, lib.checklists, "checklist", obj.id, Entry(obj, src, ()))
        lib.hashes.setdefault(obj.id, hashlib.sha256(text.encode()).hexdigest()[:12])
        for fid, f in obj.findings.items():
            _dup(lib, lib.findings, "finding", fid, Entry(f, src, ("findings", fid)))
    elif kind == "catalog":
        for pid, p in obj.products.items():
            _dup(lib, lib.products, "product", pid, Entry(p, src, ("products", pid)))
        for pid, p in obj.parts.items():
            _dup(lib, lib.parts, "part", pid, Entry(p, src, ("parts", pid)))
        for fid, f in obj.findings.items():
            _dup(lib, lib.findings, "finding", fid, Entry(f, src, ("findings", fid)))
    else:
        _dup(lib, lib.cards, "card", obj.id, Entry(obj, src, ()))


def _ref(lib: Library, entry: Entry[Any], loc: tuple[Any, ...], code: str, message: str, hint: str) -> None:
    line, col = entry.src.pos(entry.loc + loc)
    lib.problems.append(Problem(entry.src.path, line, col, ERROR, code, message, hint))


def _suggest(name: str, table: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(table), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else ""


def _cross_check(lib: Library, langs: tuple[str, ...]) -> None:
    from cstriage.content.models import STAGES

    fired: set[str] = set()
    carded: set[str] = set()
    for cid, entry in lib.checklists.items():
        cl = entry.obj
        vocab = STAGES[cl.purpose]
        last = -1
        seen_stage: set[str] = set()
        index: dict[str, tuple[int, Any]] = {}
        for si, step in enumerate(cl.steps):
            if step.stage not in vocab:
                _ref(lib, entry, ("steps", si, "stage"), "S001",
                     f"stage `{step.stage}` is not a{'n' if cl.purpose[0] in 'aeiou' else ''} {cl.purpose} stage",
                     "stages for " + cl.purpose + ": " + ", ".join(vocab))
            else:
                pos = vocab.index(step.stage)
                if step.stage in seen_stage or pos < last:
                    _ref(lib, entry, ("steps", si, "stage"), "S002",
                         f"stage `{step.stage}` is out of order or repeated",
                         "order for " + cl.purpose + ": " + " → ".join(vocab))
                seen_stage.add(step.stage)
                last = max(last, pos)
        n = 0
        for si, step in enumerate(cl.steps):
            for ci, chk in enumerate(step.checks):
                loc = ("steps", si, "checks", ci)
                if chk.id in index:
                    _ref(lib, entry, loc + ("id",), "R009", f"check id `{chk.id}` is used twice in `{cid}`",
                         "give each check its own id")
                    continue
                index[chk.id] = (n, chk)
                n += 1
                if chk.min is not None and chk.max is not None and chk.min > chk.max:
                    _ref(lib, entry, loc + ("min",), "O004", f"`min` {chk.min:g} is above `max` {chk.max:g}",
                         "swap them")
                if chk.record_baseline and cl.purpose != "install":
                    _ref(lib, entry, loc + ("record_baseline",), "B001",
                         "`record_baseline` only belongs in install checklists",
                         "use `baseline:` here to compare with the value recorded at install")
                if chk.when is not None:
                    _conds(lib, entry, chk.when, loc + ("when",), chk, index, strict_before=True)
                for ri, rule in enumerate(chk.rules):
                    _conds(lib, entry, rule.if_, loc + ("rules", ri, "if"), chk, index, strict_before=False)
                    if rule.then not in lib.findings:
                        _ref(lib, entry, loc + ("rules", ri, "then"), "R002", f"unknown finding `{rule.then}`",
                             _suggest(rule.then, lib.findings) or "define it under `findings:` here or in a catalog")
                    fired.add(rule.then)
        for pi, pid in enumerate(cl.products):
            if pid not in lib.products:
                _ref(lib, entry, ("products", pi), "R004", f"unknown product `{pid}`",
                     _suggest(pid, lib.products) or "products are defined in a catalog")
        _texts(lib, entry, cl, (), langs)
        for si, step in enumerate(cl.steps):
            for ci, chk in enumerate(step.checks):
                _texts(lib, entry, chk, ("steps", si, "checks", ci), langs)
                for key, txt in (chk.choices or {}).items():
                    _lang(lib, entry, txt, ("steps", si, "checks", ci, "choices", key), langs)

    for fid, entry in lib.findings.items():
        f = entry.obj
        for pid in f.parts:
            if pid not in lib.parts:
                _ref(lib, entry, ("parts", pid), "R003", f"unknown part `{pid}`",
                     _suggest(pid, lib.parts) or "parts are defined in a catalog under `parts:`")
        if f.card is not None:
            carded.add(f.card)
            if f.card not in lib.cards:
                _ref(lib, entry, ("card",), "R005", f"finding `{fid}` points to card `{f.card}`, which does not exist",
                     _suggest(f.card, lib.cards) or f"write cards/{f.card}.yaml or remove `card:`")
        line, col = entry.pos()
        if f.parts and f.fix == "remote":
            lib.problems.append(Problem(entry.src.path, line, col, WARNING, "W001",
                                        f"finding `{fid}` lists parts but is fixed remotely; parts are only planned for visits and RMAs",
                                        "set `fix: visit` or remove `parts:`"))
        if f.explain is None:
            lib.problems.append(Problem(entry.src.path, line, col, WARNING, "W004",
                                        f"finding `{fid}` has no `explain` for the customer",
                                        "add `explain:`: the instrument behaves like B under A; changing A to C restores it"))
        if fid not in fired:
            lib.problems.append(Problem(entry.src.path, line, col, WARNING, "W003",
                                        f"no rule fires finding `{fid}`", "add a rule with `then: " + fid + "` or remove it"))
        for name in ("explain", "title"):
            _blame(lib, entry, getattr(f, name), (name,))
        _texts(lib, entry, f, (), langs)

    for pid, entry in lib.products.items():
        for part in entry.obj.kit:
            if part not in lib.parts:
                _ref(lib, entry, ("kit", part), "R003", f"unknown part `{part}` in the kit of `{pid}`",
                     _suggest(part, lib.parts) or "define it under `parts:`")
        _texts(lib, entry, entry.obj, (), langs)
    for entry in lib.parts.values():
        _texts(lib, entry, entry.obj, (), langs)

    for cid, entry in lib.cards.items():
        card = entry.obj
        _card_limits(lib, entry, card)
        for i, pid in enumerate(card.bring):
            if pid not in lib.parts:
                _ref(lib, entry, ("bring", i), "R003", f"unknown part `{pid}`", _suggest(pid, lib.parts) or "")
        for i, pid in enumerate(card.products):
            if pid not in lib.products:
                _ref(lib, entry, ("products", i), "R004", f"unknown product `{pid}`", _suggest(pid, lib.products) or "")
        if card.checklist is not None and card.checklist not in lib.checklists:
            _ref(lib, entry, ("checklist",), "R006", f"unknown checklist `{card.checklist}`",
                 _suggest(card.checklist, lib.checklists) or "")
        _blame(lib, entry, card.say, ("say",))
        if cid not in carded:
            line, col = entry.anchor()
            lib.problems.append(Problem(entry.src.path, line, col, WARNING, "K003",
                                        f"no finding points to card `{cid}`",
                                        f"add `card: {cid}` to the findings this card explains"))
        _texts(lib, entry, card, (), langs)


def _conds(lib: Library, entry: Entry[Any], cond: Any, loc: tuple[Any, ...], chk: Any,
           index: dict[str, tuple[int, Any]], strict_before: bool) -> None:
    op = cond.op
    if op in ("all", "any"):
        for i, sub in enumerate(cond.arg()):
            _conds(lib, entry, sub, loc + (op, i), chk, index, strict_before)
        return
    if op == "not":
        _conds(lib, entry, cond.not_, loc + ("not",), chk, index, strict_before)
        return
    target = chk
    if cond.check is not None:
        if cond.check == chk.id and not strict_before:
            target = chk
        elif cond.check not in index or (cond.check == chk.id):
            if cond.check == chk.id:
                _ref(lib, entry, loc + ("check",), "R008",
                     f"`when` of `{chk.id}` cannot depend on its own answer", "name an earlier check")
            else:
                _ref(lib, entry, loc + ("check",), "R007" if not _later(entry, cond.check) else "R008",
                     f"`check: {cond.check}` " + ("is asked later than `" + chk.id + "`" if _later(entry, cond.check)
                                                  else "is not a check of this checklist"),
                     "a condition can only look at checks asked before" if _later(entry, cond.check)
                     else _suggest(cond.check, index) or "check the spelling")
            return
        else:
            target = index[cond.check][1]
    ttype = target.type
    fits = {
        "is": ("yes_no",), "in": ("choice",), "below": ("number",), "above": ("number",),
        "between": ("number",), "outside": ("number",), "drift_above_pct": ("number",),
        "rise_above_pct": ("number",), "fall_above_pct": ("number",),
        "skipped": ("yes_no", "choice", "number", "text"),
    }[op]
    if ttype not in fits:
        _ref(lib, entry, loc + (op,), "O001", f"`{op}` does not fit `{target.id}`, a {ttype} check",
             {"yes_no": "use `is: yes` or `is: no`", "choice": "use `in: [key, …]`",
              "number": "use below / above / between / outside", "text": "text answers can only be tested with `skipped`"}[ttype])
        return
    if op == "in":
        for i, key in enumerate(cond.in_):
            if key not in (target.choices or {}):
                _ref(lib, entry, loc + ("in", i), "O002", f"`{key}` is not a choice of `{target.id}`",
                     "choices: " + ", ".join(target.choices or {}))
    if op.endswith("_above_pct") and not target.baseline:
        _ref(lib, entry, loc + (op,), "O003", f"`{op}` needs `baseline:` on `{target.id}`",
             "add `baseline: NAME` to that check (the name an install checklist records)")
    if op in ("between", "outside"):
        lo, hi = cond.arg()
        if lo > hi:
            _ref(lib, entry, loc + (op,), "O004", f"`{op}: [{lo:g}, {hi:g}]` has the low end above the high end",
                 f"write [{hi:g}, {lo:g}]")


def _later(entry: Entry[Any], cid: str) -> bool:
    return any(c.id == cid for _, c in entry.obj.checks())


def _lang(lib: Library, entry: Entry[Any], txt: Any, loc: tuple[Any, ...], langs: tuple[str, ...]) -> None:
    if not langs or not isinstance(txt, dict):
        return
    missing = [lang for lang in langs if not txt.get(lang, "").strip()]
    if missing:
        _ref(lib, entry, loc, "L001", "missing translation: " + ", ".join(missing),
             "add " + ", ".join(f"`{m}: \"…\"`" for m in missing))


def _texts(lib: Library, entry: Entry[Any], obj: Any, loc: tuple[Any, ...], langs: tuple[str, ...]) -> None:
    name = type(obj).__name__
    for fname in _TEXT_FIELDS.get(name, ()):
        val = getattr(obj, fname)
        if val is not None:
            _lang(lib, entry, val, loc + (fname,), langs)
    for fname in _TEXT_LISTS.get(name, ()):
        for i, val in enumerate(getattr(obj, fname)):
            _lang(lib, entry, val, loc + (fname, i), langs)


def _blame(lib: Library, entry: Entry[Any], txt: Any, loc: tuple[Any, ...]) -> None:
    if txt is None:
        return
    for lang, s in (txt.items() if isinstance(txt, dict) else [("", txt)]):
        low = s.lower()
        for word in BLAME_WORDS:
            if word in low:
                line, col = entry.src.pos(entry.loc + loc + ((lang,) if lang else ()))
                lib.problems.append(Problem(entry.src.path, line, col, WARNING, "W002",
                                            f"blame language `{word}` in customer-facing text",
                                            "describe the condition and the behaviour: 'the instrument behaves like B under A; changing A to C restores it'"))


def _card_limits(lib: Library, entry: Entry[Any], card: Any) -> None:
    for fname, limit in CARD_LIST_LIMITS.items():
        items = getattr(card, fname)
        if len(items) > limit:
            _ref(lib, entry, (fname, limit), "K001", f"`{fname}` has {len(items)} items; a card holds at most {limit}",
                 "merge or drop items so the card fits one page")
    budgets = [(f, CARD_TEXT_LIMITS[f], getattr(card, f)) for f in ("title", "symptom", "say")]
    for fname in ("checks", "remote", "visit_if", "prevent"):
        budgets += [((fname, i), CARD_TEXT_LIMITS["item"], t) for i, t in enumerate(getattr(card, fname))]
    for where, (en_max, other_max), txt in budgets:
        for lang, s in (txt.items() if isinstance(txt, dict) else [("", txt)]):
            limit = other_max if (lang not in ("", "en") or _HANGUL.search(s)) else en_max
            if len(s) > limit:
                loc = (where if isinstance(where, tuple) else (where,)) + ((lang,) if lang else ())
                _ref(lib, entry, loc, "K002",
                     f"{'.'.join(map(str, loc))} is {len(s)} characters; the one-page budget is {limit}",
                     "shorten it; details belong in the checklist")
