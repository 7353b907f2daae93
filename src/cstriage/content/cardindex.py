"""Cards and part names read straight from YAML, without the pydantic models.

`card show|list|search` must start fast, so they do not load (and validate) the whole
library: a card `<id>` is looked up where authors put it (`cards/<id>.yaml`) and only
if that fails are the other YAML files scanned. A broken file elsewhere in the library
does not stop a card from being shown; `cstriage validate` is where it gets reported.
Field access is tolerant: a value of the wrong shape reads as empty, never as a crash.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cstriage.content.parsecache import cache
from cstriage.content.yamlerr import YamlError
from cstriage.errors import BadInput, ContentInvalid

ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")  # use with fullmatch: `$` would let "id\n" through
_KIND_LINE = re.compile(r"^kind[ \t]*:[ \t]*['\"]?([A-Za-z_-]+)", re.MULTILINE)
_SUFFIXES = (".yaml", ".yml")


@dataclass
class CardFile:
    """One `kind: card` document as written, plus where it came from."""

    id: str
    path: Path
    data: dict[str, Any]
    sha: str  # sha256 of the file bytes, first 12 hex digits

    def text(self, key: str) -> Any:
        """A Text field (str or {lang: str}); anything else reads as empty."""
        value = self.data.get(key)
        return value if isinstance(value, (str, dict)) else ""

    def texts(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if isinstance(value, (str, dict)):
            value = [value]
        if not isinstance(value, list):
            return []
        return [v for v in value if isinstance(v, (str, dict))]

    def ids(self, key: str) -> list[str]:
        value = self.data.get(key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [str(v) for v in value if isinstance(v, (str, int, float)) and not isinstance(v, bool)]

    def scalar(self, key: str) -> str:
        value = self.data.get(key)
        return value if isinstance(value, str) else ""


@dataclass
class Part:
    id: str
    name: Any = ""  # Text
    pn: str = ""


@dataclass
class Scan:
    """Every card found, plus the files that could not be read (reported, not fatal)."""

    cards: list[CardFile] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


def check_id(cid: str) -> str:
    """Card ids are file names on export: refuse anything that is not a plain id."""
    if not ID_RE.fullmatch(cid or ""):
        shown = cid.encode("unicode_escape").decode("ascii")
        raise BadInput(
            f"`{shown}` is not a card id",
            hint="card ids are lower-case letters, digits and dashes, e.g. ground-loop-banding; "
            "see `cstriage card list`",
        )
    return cid


def _yaml_files(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from sorted(p for p in root.rglob("*") if p.suffix in _SUFFIXES and p.is_file())


def _quick_kind(text: str) -> str | None:
    """The top-level `kind:` when it is written the usual way; None = parse to know."""
    m = _KIND_LINE.search(text)
    return m.group(1) if m else None


def _as_card(path: Path, raw: bytes, data: Any) -> CardFile | None:
    if not isinstance(data, dict) or data.get("kind") != "card":
        return None
    cid = data.get("id")
    if not isinstance(cid, str):
        return None
    return CardFile(cid, path, data, hashlib.sha256(raw).hexdigest()[:12])


def _read_card(path: Path) -> CardFile | None:
    """The card in `path`, None if it holds something else; a broken card file is an error."""
    from cstriage.content.library import display_path

    try:
        raw = path.read_bytes()
        if _quick_kind(raw[:4096].decode("utf-8", "replace")) not in (None, "card"):
            return None  # another kind of file that happens to bear the card's name
        data = cache().load(path)
    except OSError as exc:
        raise ContentInvalid(f"cannot read the card: {exc.strerror or exc}", where=display_path(path)) from None
    except YamlError as exc:
        raise ContentInvalid(f"[{exc.code}] {exc.message}", hint=exc.hint or "run `cstriage validate` on this file",
                             where=f"{display_path(path)}:{exc.line}:{exc.col}") from None
    cache().save()
    return _as_card(path, raw, data)


def scan(roots: Iterable[Path], kind: str = "card",
         needs: re.Pattern[bytes] | None = None) -> Iterator[tuple[Path, bytes, Any] | tuple[Path, None, str]]:
    """(path, raw bytes, data) of every file of `kind`; (path, None, error) for unreadable ones.
    `needs`: skip files whose bytes do not match (a cheap pre-filter before parsing)."""
    for path in _yaml_files(roots):
        try:
            raw = path.read_bytes()
            head = raw[:4096].decode("utf-8", "replace")
            quick = _quick_kind(head)
            if (quick is not None and quick != kind) or (needs is not None and not needs.search(raw)):
                continue
            data = cache().load(path)
        except OSError as exc:
            yield path, None, str(exc.strerror or exc)
            continue
        except YamlError as exc:
            yield path, None, f"{exc.line}:{exc.col}: {exc.message}"
            continue
        if isinstance(data, dict) and data.get("kind") == kind:
            yield path, raw, data
    cache().save()


def all_cards(roots: Iterable[Path]) -> Scan:
    """Every card in the content roots, first definition of an id wins, sorted by id."""
    result = Scan()
    seen: set[str] = set()
    for path, raw, data in scan(roots, "card"):
        if raw is None:
            result.broken.append(f"{path}: {data}")
            continue
        card = _as_card(path, raw, data)
        if card is None:
            result.broken.append(f"{path}: a card needs a text `id`")
        elif card.id not in seen:
            seen.add(card.id)
            result.cards.append(card)
    result.cards.sort(key=lambda c: c.id)
    return result


def _candidates(root: Path, cid: str) -> Iterator[Path]:
    if root.is_file():
        if root.stem == cid:
            yield root
        return
    for folder in (root / "cards", root):
        for suffix in _SUFFIXES:
            yield folder / f"{cid}{suffix}"


def find(roots: list[Path], cid: str) -> CardFile | None:
    """The card with id `cid`: `cards/<id>.yaml` in each root first, then a full scan."""
    check_id(cid)
    for root in roots:
        for path in _candidates(root, cid):
            if path.is_file():
                card = _read_card(path)
                if card is not None and card.id == cid:
                    return card
    for card in all_cards(roots).cards:
        if card.id == cid:
            return card
    return None


def get(roots: list[Path], cid: str) -> CardFile:
    """Like `find`, but an unknown id is a user error with a did-you-mean hint."""
    card = find(roots, cid)
    if card is not None:
        return card
    import difflib

    ids = [c.id for c in all_cards(roots).cards]
    close = difflib.get_close_matches(cid, ids, n=3, cutoff=0.5)
    close += [i for i in ids if cid in i and i not in close][: 3 - len(close)]
    if close:
        hint = "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
    else:
        hint = "see `cstriage card list` or `cstriage card search WORDS`"
    raise BadInput(f"no card `{cid}`", hint=hint)


def catalog(roots: Iterable[Path], section: str = "parts") -> dict[str, Part]:
    """Names (and part numbers) of the `parts:` or `products:` of every `kind: catalog`
    file; the first definition of an id wins, as in the library."""
    key = re.compile(rb"^%s[ \t]*:|[{,][ \t]*%s[ \t]*:" % (section.encode(), section.encode()), re.MULTILINE)
    table: dict[str, Part] = {}
    for _path, raw, data in scan(roots, "catalog", needs=key):
        entries = data.get(section) if raw is not None and isinstance(data, dict) else None
        if not isinstance(entries, dict):
            continue
        for pid, spec in entries.items():
            if str(pid) in table:
                continue
            spec = spec if isinstance(spec, dict) else {}
            name, pn = spec.get("name"), spec.get("pn")
            table[str(pid)] = Part(str(pid), name if isinstance(name, (str, dict)) else "",
                                   str(pn) if isinstance(pn, (str, int)) and not isinstance(pn, bool) else "")
    return table


def parts(roots: Iterable[Path]) -> dict[str, Part]:
    return catalog(roots, "parts")


# --- search -------------------------------------------------------------------------

#: Where a word is found decides how much it counts: title > symptom > checks > the rest.
WEIGHTS = {"title": 10, "symptom": 6, "checks": 3, "other": 1}
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_PARTICLES = ("으로", "에서", "이", "가", "은", "는", "을", "를", "에", "의", "도", "로", "와", "과")
_EN_SUFFIXES = ("ing", "es", "ed", "s", "e", "y")


@dataclass
class Hit:
    card: CardFile
    score: int
    fields: list[str]


def _norm(s: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", s).casefold()


def _all_langs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, str)]
    return []


def _fields(card: CardFile) -> dict[str, list[str]]:
    """The card's searchable text per weight class, every language at once."""
    other = [card.id, card.scalar("checklist"), *card.ids("products"), *card.ids("bring")]
    for key in ("remote", "visit_if", "prevent"):
        for item in card.texts(key):
            other += _all_langs(item)
    other += _all_langs(card.text("say"))
    return {
        "title": _all_langs(card.text("title")),
        "symptom": _all_langs(card.text("symptom")),
        "checks": [s for item in card.texts("checks") for s in _all_langs(item)],
        "other": other,
    }


def _matcher(term: str) -> Any:
    """A predicate on normalized text: Korean matches inside words (and across the
    spaces of compounds, `영상노이즈` ~ `영상 노이즈`); other scripts match at the start
    of a word, with a light stemming so that `noise` also finds `noisy`."""
    if _HANGUL.search(term):
        forms = {term}
        for particle in _PARTICLES:
            if term.endswith(particle) and len(term) - len(particle) >= 2:
                forms.add(term[: -len(particle)])
        return lambda text: any(f in text or f in text.replace(" ", "") for f in forms)
    stem = term
    for suffix in _EN_SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            stem = term[: -len(suffix)]
            break
    pattern = re.compile(r"(?<![^\W_])" + re.escape(stem)) if stem[:1].isalnum() else re.compile(re.escape(stem))
    return lambda text: pattern.search(text) is not None


def search(cards: Iterable[CardFile], query: str) -> tuple[list[Hit], bool]:
    """Cards ranked by how well they match `query`; the flag is True when no card matched
    every word and the hits are cards that match some of them."""
    terms = list(dict.fromkeys(t for t in re.split(r"[\s,]+", _norm(query)) if t))
    if not terms:
        return [], False
    matchers = [_matcher(t) for t in terms]
    full: list[Hit] = []
    partial: list[Hit] = []
    for card in cards:
        fields = {k: [_norm(s) for s in v] for k, v in _fields(card).items()}
        score, matched, hit_terms = 0, [], 0
        for term, match in zip(terms, matchers, strict=True):
            term_score = 0
            for name, texts in fields.items():
                n = sum(1 for s in texts if match(s))
                if n:
                    extra = min(n - 1, 2) if name == "checks" else 0
                    term_score += WEIGHTS[name] + extra
                    if name not in matched:
                        matched.append(name)
            if term == card.id:
                term_score += 20
            if term_score:
                hit_terms += 1
                score += term_score
        if hit_terms == len(terms):
            full.append(Hit(card, score, matched))
        elif hit_terms:
            partial.append(Hit(card, score, matched))
    hits, is_partial = (full, False) if full else (partial, bool(partial))
    hits.sort(key=lambda h: (-h.score, h.card.id))
    return hits, is_partial
