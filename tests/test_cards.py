"""`cstriage card list|show|search|export`: golden files, search, export, escaping, start-up cost.

Golden files live in tests/golden/cards/ and are rendered from a frozen copy of three
cards (tests/golden/cards/content/), so that editing a bundled card does not churn
them. Regenerate after an intended rendering change with:

    CSTRIAGE_UPDATE_GOLDEN=1 uv run pytest tests/test_cards.py
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from cstriage.content import cardindex
from cstriage.content.library import content_dirs
from cstriage.render import card_html, card_markdown, card_terminal
from cstriage.render.card_view import spans, view

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / "cards"
GOLDEN_CONTENT = GOLDEN / "content"
GOLDEN_CARDS = ("ground-loop-banding", "d2-lamp-end-of-life", "usb-disconnects")
UPDATE = os.environ.get("CSTRIAGE_UPDATE_GOLDEN") == "1"
DATE_EPOCH = "1767225600"  # 2026-01-01, for the export footer


def _golden(name: str, got: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(got, encoding="utf-8", newline="\n")
    assert path.exists(), f"missing golden file {path}; create it with CSTRIAGE_UPDATE_GOLDEN=1"
    want = path.read_text(encoding="utf-8")
    assert got == want, f"{name} differs from the golden file; if the change is intended, rerun with CSTRIAGE_UPDATE_GOLDEN=1"


@pytest.fixture
def golden_cli(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DATE_EPOCH)

    def call(*args: str):
        return cli("--no-bundled", "--content", str(GOLDEN_CONTENT), *args)

    return call


# --- golden files ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("card", GOLDEN_CARDS)
def test_show_golden(golden_cli, card: str, lang: str) -> None:
    r = golden_cli("--lang", lang, "card", "show", card)
    assert r.code == 0, r.err
    assert max(cell_len(line) for line in r.out.splitlines()) <= 80
    _golden(f"{card}.{lang}.txt", r.out)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("card", GOLDEN_CARDS)
def test_export_markdown_golden(golden_cli, tmp_path: Path, card: str, lang: str) -> None:
    r = golden_cli("card", "export", card, "--format", "md", "--lang", lang, "--out", str(tmp_path / "out"))
    assert r.code == 0, r.err
    _golden(f"{card}.{lang}.md", (tmp_path / "out" / f"{card}.md").read_text(encoding="utf-8"))


def test_terminal_renderer_honours_width() -> None:
    roots = [GOLDEN_CONTENT]
    v = view(cardindex.get(roots, "ground-loop-banding"), "en", cardindex.parts(roots))
    for width in (60, 80, 100):
        out = card_terminal.render(v, width=width)
        assert max(len(line) for line in out.splitlines()) <= width
        assert "\x1b" not in out
    assert "\x1b[" in card_terminal.render(v, width=80, color=True)


# --- list -----------------------------------------------------------------------------


def test_list_json(cli) -> None:
    r = cli("card", "list", "--json")
    assert r.code == 0, r.err
    items = json.loads(r.out)
    ids = [i["id"] for i in items]
    assert "ground-loop-banding" in ids and ids == sorted(ids)
    glb = items[ids.index("ground-loop-banding")]
    assert glb["title"].startswith("Ground loop")
    assert "scmos-camera" in glb["products"] and glb["checklist"] == "scmos-image-noise"
    assert all({"id", "title", "products", "checklist"} <= set(i) for i in items)


def test_list_json_korean_and_product_filter(cli) -> None:
    r = cli("--lang", "ko", "card", "list", "--json", "--product", "arc-lamp-source")
    items = json.loads(r.out)
    assert {i["id"] for i in items} >= {"d2-lamp-end-of-life", "xenon-flicker"}
    assert all("arc-lamp-source" in i["products"] for i in items)
    d2 = next(i for i in items if i["id"] == "d2-lamp-end-of-life")
    assert d2["title"].startswith("중수소")


def test_list_table(cli) -> None:
    r = cli("card", "list")
    assert r.code == 0
    assert "ground-loop-banding" in r.out and "Ground loop" in r.out


# --- show -----------------------------------------------------------------------------


def test_show_unknown_id_suggests(cli) -> None:
    r = cli("card", "show", "ground-lop-banding")
    assert r.code == 2
    assert "no card `ground-lop-banding`" in r.err
    assert "did you mean `ground-loop-banding`" in r.err
    assert "Traceback" not in r.err


@pytest.mark.parametrize("bad", ["../../etc/passwd", "Ground-Loop", "a/b", "x.y", ""])
def test_show_rejects_non_ids(cli, bad: str) -> None:
    r = cli("card", "show", bad)
    assert r.code == 2
    assert "is not a card id" in r.err


def test_show_parts_and_say(cli) -> None:
    r = cli("--lang", "ko", "card", "show", "ground-loop-banding")
    assert r.code == 0, r.err
    assert "접지 키트" in r.out and "EX-GND-025" in r.out  # part name from the catalog, in Korean
    assert "고객 안내 문구" in r.out and "cstriage start --checklist scmos-image-noise" in r.out


def test_card_found_outside_cards_folder_and_despite_broken_files(cli, write) -> None:
    write("team/misc/any-name.yaml", """
        kind: card
        id: team-card
        title: Team card
        symptom: Something odd.
        products: [scmos-camera]
        checks: ["Look at it"]
        say: All good.
    """)
    write("team/checklists/broken.yaml", "kind: checklist\nid: [unclosed\n")  # not a card: not even read
    write("team/cards/broken.yaml", "kind: card\nid: [unclosed\n")
    root = str(write("team/.keep", "x").parent)
    r = cli("--content", root, "card", "show", "team-card")
    assert r.code == 0, r.err
    assert "Team card" in r.out
    r = cli("--content", root, "card", "list", "--json")
    assert r.code == 0 and "team-card" in {i["id"] for i in json.loads(r.out)}
    assert "could not be read" in r.err and "broken.yaml" in r.err


def test_broken_card_file_is_reported_with_position(cli, write) -> None:
    p = write("team/cards/bad-card.yaml", "kind: card\nid: bad-card\ntitle: [oops\n")
    r = cli("--content", str(p.parent.parent), "card", "show", "bad-card")
    assert r.code == 1
    assert "bad-card.yaml:" in r.err and "Traceback" not in r.err


# --- search ---------------------------------------------------------------------------


def _ids(r) -> list[str]:
    return [row["id"] for row in json.loads(r.out)]


@pytest.mark.parametrize("query", ["noise", "노이즈"])
def test_search_finds_ground_loop_card_in_both_languages(cli, query: str) -> None:
    r = cli("card", "search", query, "--json")
    assert r.code == 0, r.err
    assert "ground-loop-banding" in _ids(r)


def test_search_korean_partial_words(cli, write) -> None:
    write("team/cards/image-noise.yaml", """
        kind: card
        id: image-noise
        title: {en: "Image trouble", ko: "영상 품질 문제"}
        symptom: {en: "The picture is grainy.", ko: "영상 노이즈가 심합니다."}
        products: [scmos-camera]
        checks: ["Look"]
        say: "OK"
    """)
    root = str(write("team/.keep", "").parent)
    for query in ("노이즈", "영상노이즈", "노이즈가", "grainy"):
        r = cli("--no-bundled", "--content", root, "card", "search", query, "--json")
        assert _ids(r) == ["image-noise"], query


def test_search_ranks_title_above_checks(cli) -> None:
    r = cli("card", "search", "ground", "loop", "--json")
    rows = json.loads(r.out)
    assert rows[0]["id"] == "ground-loop-banding"
    assert "title" in rows[0]["matched"]
    assert rows == sorted(rows, key=lambda x: -x["score"])


def test_search_weights() -> None:
    def card(cid: str, **fields: object) -> cardindex.CardFile:
        data = {"kind": "card", "id": cid, "title": "x", "symptom": "x", "checks": ["x"], **fields}
        return cardindex.CardFile(cid, Path(f"{cid}.yaml"), data, "0" * 12)

    cards = [card("in-other", prevent=["flicker"]), card("in-checks", checks=["flicker"]),
             card("in-title", title="Flicker"), card("in-symptom", symptom={"en": "a", "ko": "flicker here"})]
    hits, partial = cardindex.search(cards, "flicker")
    assert [h.card.id for h in hits] == ["in-title", "in-symptom", "in-checks", "in-other"]
    assert not partial


def test_search_no_match_is_friendly(cli) -> None:
    r = cli("card", "search", "qwertyuiop")
    assert r.code == 0
    assert "no card matches `qwertyuiop`" in r.out
    assert json.loads(cli("card", "search", "qwertyuiop", "--json").out) == []


def test_search_table(cli) -> None:
    r = cli("card", "search", "usb")
    assert r.code == 0
    first = r.out.splitlines()[1].split()
    assert first[1] == "usb-disconnects" and int(first[0]) > 0


# --- export ---------------------------------------------------------------------------


def test_export_lang_all_file_names(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = cli("card", "export", "ground-loop-banding", "d2-lamp-end-of-life", "--format", "html", "--lang", "all",
            "--out", str(out))
    assert r.code == 0, r.err
    assert sorted(p.name for p in out.iterdir()) == [
        "d2-lamp-end-of-life.en.html", "d2-lamp-end-of-life.ko.html",
        "ground-loop-banding.en.html", "ground-loop-banding.ko.html"]
    assert '<html lang="ko"' in (out / "ground-loop-banding.ko.html").read_text(encoding="utf-8")
    r = cli("card", "export", "ground-loop-banding", "--format", "md", "--lang", "all", "--out", str(out))
    assert (out / "ground-loop-banding.en.md").exists() and (out / "ground-loop-banding.ko.md").exists()


def test_export_single_language_and_all(cli, tmp_path: Path) -> None:
    r = cli("--lang", "ko", "card", "export", "ground-loop-banding", "--format", "md", "--out", str(tmp_path / "a"))
    assert r.code == 0, r.err
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["ground-loop-banding.md"]
    assert "## 점검 순서" in (tmp_path / "a" / "ground-loop-banding.md").read_text(encoding="utf-8")
    r = cli("card", "export", "--all", "--out", str(tmp_path / "b"))
    assert r.code == 0, r.err
    ids = [c["id"] for c in json.loads(cli("card", "list", "--json").out)]
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(f"{i}.html" for i in ids)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "../escape", "/tmp/abs", "sub/dir", "UPPER", "x.y", "ok\n"])
def test_export_rejects_path_like_ids(cli, tmp_path: Path, bad: str) -> None:
    out = tmp_path / "deep" / "out"
    r = cli("card", "export", "ground-loop-banding", bad, "--out", str(out), "--format", "md")
    assert r.code == 2
    assert "is not a card id" in r.err
    assert not (tmp_path / "deep").exists()
    assert not (tmp_path.parent / "escape.md").exists()


def test_export_usage_errors(cli, tmp_path: Path) -> None:
    assert cli("card", "export", "--out", str(tmp_path)).code == 2
    assert cli("card", "export", "ground-loop-banding", "--all", "--out", str(tmp_path)).code == 2
    r = cli("card", "export", "ground-loop-banding", "--format", "pdf", "--out", str(tmp_path))
    assert r.code == 2 and "unknown format" in r.err
    r = cli("card", "export", "ground-loop-banding", "--lang", "de", "--out", str(tmp_path))
    assert r.code == 2 and "unknown language" in r.err
    r = cli("card", "export", "no-such-card", "--out", str(tmp_path / "x"))
    assert r.code == 2 and not (tmp_path / "x").exists()


def test_export_replaces_a_planted_symlink_instead_of_following_it(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / "ground-loop-banding.md").symlink_to(victim)
    r = cli("card", "export", "ground-loop-banding", "--format", "md", "--out", str(out))
    assert r.code == 0, r.err
    assert victim.read_text() == "keep me"
    assert not (out / "ground-loop-banding.md").is_symlink()


def test_html_is_self_contained(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DATE_EPOCH)
    cli("card", "export", "ground-loop-banding", "--out", str(tmp_path), "--lang", "en")
    html = (tmp_path / "ground-loop-banding.html").read_text(encoding="utf-8")
    low = html.lower()
    for banned in ("<script", "<link", "<img", "<iframe", "@import", "url(", "href=", "src=", "@font-face"):
        assert banned not in low, banned
    assert "@page { size: A4; margin: 12mm; }" in html
    assert "NanumGothic" in html and "Noto Sans CJK KR" in html
    sha = hashlib.sha256((content_dirs()[1] / "ground-loop-banding.yaml").read_bytes()).hexdigest()[:12]
    assert sha in html and "2026-01-01" in html


# --- escaping -------------------------------------------------------------------------

EVIL = r'''
kind: card
id: evil-card
title: "<script>alert(1)</script> Evil"
symptom: "Click [here](javascript:x) now"
products: [scmos-camera]
checks:
  - "Red \x1b[31mALERT\x1b[0m text and \e]8;;http://x\e\\link"
  - "pipe | in a table and `code` *bold*"
remote: ["<img src=x onerror=alert(1)>"]
visit_if: ["[bold red]rich markup[/]"]
bring: [ground-bond-kit, "<b>x</b>"]
say: "](javascript:x) <script>alert(1)</script>"
prevent: ["&amp; &lt;", "# not a heading", "1. not a nested list"]
checklist: scmos-image-noise
url: "javascript:alert(1)"
'''


@pytest.fixture
def evil(write) -> tuple[list[Path], cardindex.CardFile]:
    write("evil/cards/evil-card.yaml", EVIL)
    roots = content_dirs()[:1] + [write("evil/.keep", "").parent]
    return roots, cardindex.get(roots, "evil-card")


def test_escaping_html(evil) -> None:
    roots, card = evil
    html = card_html.render(view(card, "en", cardindex.parts(roots)), "2026-01-01")
    assert "<script" not in html and "<img" not in html and "<b>x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Evil" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "href" not in html and "\x1b" not in html and "[31m" not in html
    assert "javascript:alert(1)</span>" in html  # the url is text
    assert "&amp;amp; &amp;lt;" in html


def test_escaping_markdown(evil) -> None:
    roots, card = evil
    md = card_markdown.render(view(card, "en", cardindex.parts(roots)), "2026-01-01")
    assert "\\<script\\>alert(1)\\</script\\> Evil" in md
    assert "Click \\[here\\](javascript:x) now" in md
    assert "> \\](javascript:x)" in md
    assert "pipe \\| in a table and \\`code\\` \\*bold\\*" in md
    assert "| `<b>x</b>` |" in md  # inside a code span, inert
    assert "`javascript:alert(1)`" in md
    assert "- \\# not a heading" in md and "- 1\\. not a nested list" in md
    assert "\x1b" not in md and "[31m" not in md and "<img" not in md.replace("\\<img", "")


def test_escaping_terminal(evil, cli) -> None:
    roots, _card = evil
    r = cli("--content", str(roots[-1]), "card", "show", "evil-card")
    assert r.code == 0, r.err
    assert "\x1b" not in r.out and "[31m" not in r.out
    assert "Red ALERT text" in r.out
    assert "[bold red]rich markup[/]" in r.out  # printed, not interpreted
    assert "<script>alert(1)</script> Evil" in r.out
    assert "(not in the parts catalog)" in r.out


# --- quantities -------------------------------------------------------------------------


@pytest.mark.parametrize("text, quantity", [
    ("below 0.5 V normal", "0.5 V"), ("warm up ≥30 min first", "≥30 min"), ("hold ±0.1 °C", "±0.1 °C"),
    ("humidity 85 % max", "85 %"), ("mains 198–242 V?", "198–242 V"), ("60/120 Hz hum", "60/120 Hz"),
    ("약 1,000시간에", "1,000시간"), ("5 V를 넘습니다", "5 V"), ("< 0.5 V normal", "< 0.5 V"),
])
def test_quantities_are_found(text: str, quantity: str) -> None:
    assert [p for p, q in spans(text) if q] == [quantity]
    assert "".join(p for p, _ in spans(text)) == text


@pytest.mark.parametrize("text", ["USB 3.0 cable", "fuse T2A", "3 ports", "a 30-minute wait", "CXP-12"])
def test_not_quantities(text: str) -> None:
    assert [p for p, q in spans(text) if q] == []


# --- start-up cost ------------------------------------------------------------------------

PROBE = """
import sys
sys.argv = ['cstriage', 'card', 'show', 'ground-loop-banding']
from cstriage.cli.main import run
try:
    run()
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('questionary', 'prompt_toolkit')
               or m == 'cstriage.content.models')
sys.stderr.write('CODE=%s HEAVY=%s\\n' % (code, ','.join(heavy)))
"""


@pytest.mark.parametrize("argv", [["show", "ground-loop-banding"], ["list"], ["search", "noise"]])
def test_card_commands_do_not_import_heavy_modules(data_dir: Path, argv: list[str]) -> None:
    probe = PROBE.replace("'card', 'show', 'ground-loop-banding'", ", ".join(repr(a) for a in ["card", *argv]))
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "NO_COLOR": "1"}, stdin=subprocess.DEVNULL)
    assert "CODE=0 HEAVY=\n" in p.stderr, p.stderr
    assert p.stdout.strip()


def test_export_all_refuses_a_card_id_that_is_not_a_file_name(cli, write, tmp_path: Path) -> None:
    write("team/cards/odd.yaml", """
        kind: card
        id: ../../outside
        title: Odd
        symptom: Odd.
        products: [scmos-camera]
        checks: ["x"]
        say: "x"
    """)
    root = str(write("team/.keep", "").parent)
    r = cli("--no-bundled", "--content", root, "card", "export", "--all", "--out", str(tmp_path / "out"))
    assert r.code == 1
    assert "cannot be a file name" in r.err
    assert not (tmp_path / "out").exists() and not (tmp_path.parent / "outside.html").exists()
