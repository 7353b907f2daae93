"""The print proof: every bundled card, in both languages, prints on exactly one A4 page.

Each card is rendered to HTML and printed to PDF by headless Chromium; the pages of the
PDF are counted. Cards written right up to the authoring limits that `validate`
enforces (library.CARD_LIST_LIMITS / CARD_TEXT_LIMITS) are printed too, so raising a
limit without checking the layout fails here.

Needs `chromium` and a Korean font (`apt-get install chromium fonts-nanum`). Under CI
(the `CI` variable is set) a missing one fails the test; locally the test is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cstriage.content import cardindex
from cstriage.content.library import CARD_LIST_LIMITS, CARD_TEXT_LIMITS, content_dirs
from cstriage.render import card_html
from cstriage.render.card_view import view

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", re.S)


def _need(what: str, how: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI for the card print proof: {how}")
    pytest.skip(f"{what} not installed ({how})")


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = next((p for p in map(shutil.which, BROWSERS) if p), None)
    if exe is None:
        _need("chromium", "apt-get install -y chromium")
    fc = shutil.which("fc-list")
    if fc and not subprocess.run([fc, ":lang=ko", "family"], capture_output=True, text=True).stdout.strip():
        _need("a Korean font", "apt-get install -y fonts-nanum (or fonts-noto-cjk)")
    return exe  # type: ignore[return-value]


def _print_pdf(chromium: str, html: Path, profile: str) -> bytes:
    pdf = html.with_suffix(".pdf")
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if not pdf.exists():
        raise AssertionError(f"chromium wrote no PDF for {html.name} (exit {proc.returncode}): {proc.stderr[-800:]}")
    return pdf.read_bytes()


def _page_counter(chromium: str, root: Path) -> Callable[[Path], int]:
    """Pages of each HTML file printed; one Chromium profile per worker thread, reused
    (a fresh profile costs about a second per run)."""
    local = threading.local()

    def count(html: Path) -> int:
        if not hasattr(local, "profile"):
            local.profile = tempfile.mkdtemp(prefix="chromium-", dir=root)
        return pages(_print_pdf(chromium, html, local.profile))

    return count


def pages(pdf: bytes) -> int:
    """Page objects in the PDF; cross-checked with the page tree's /Count."""
    found = len(_PAGE.findall(pdf))
    count = _COUNT.search(pdf)
    assert count is not None and int(count.group(1)) == found, "cannot read the page count of this PDF"
    return found


def _at_limits(lang: str) -> dict[str, object]:
    """A card with every list full and every text at its length limit, in realistic words."""
    en = ("Chassis-to-PC AC potential (DMM, V AC): < 0.5 V is normal; > 1 V means the grounding must be "
          "reworked before the next step of the triage; check the strip and outlet again. ") * 4
    ko = ("장비 본체-PC 간 AC 전위차(테스터): 0.5 V 미만 정상, 1 V 초과면 접지 재작업이 필요합니다. "
          "멀티탭과 콘센트를 다시 확인하고 다음 단계로 진행합니다. ") * 4
    text, i = (en, 0) if lang == "en" else (ko, 1)

    def cut(limit: str) -> str:
        return text[: CARD_TEXT_LIMITS[limit][i]].rstrip()

    def items(key: str) -> list[str]:
        return [cut("item")] * CARD_LIST_LIMITS[key]

    return {"kind": "card", "id": f"at-limits-{lang}", "title": cut("title"), "symptom": cut("symptom"),
            "products": ["scmos-camera", "cooled-ccd-camera", "photodiode-module"], "checks": items("checks"),
            "remote": items("remote"), "visit_if": items("visit_if"), "say": cut("say"), "prevent": items("prevent"),
            "checklist": "scmos-image-noise", "url": "https://support.example.com/kb/articles/ground-loop-noise-12345"}


def test_page_counter_sees_two_pages(chromium: str, tmp_path: Path) -> None:
    """Control: the counting approach does see more than one page when there are."""
    html = tmp_path / "two.html"
    html.write_text("<!DOCTYPE html><p>one</p><p style='break-before: page'>two</p>", encoding="utf-8")
    assert _page_counter(chromium, tmp_path)(html) == 2


def test_every_card_prints_on_one_a4_page(chromium: str, tmp_path: Path) -> None:
    roots = content_dirs()
    scan = cardindex.all_cards(roots)
    assert len(scan.cards) >= 14, "bundled cards not found"
    parts, products = cardindex.catalog(roots, "parts"), cardindex.catalog(roots, "products")
    longest = sorted(parts, key=lambda p: -len(str(parts[p].name)))[: CARD_LIST_LIMITS["bring"]]
    cards = list(scan.cards)
    for lang in ("en", "ko"):
        data = _at_limits(lang) | {"bring": longest}
        cards.append(cardindex.CardFile(str(data["id"]), tmp_path / "limits.yaml", data, "0" * 12))
    jobs = []
    for card in cards:
        for lang in ("en", "ko") if not card.id.startswith("at-limits-") else (card.id[-2:],):
            html = tmp_path / f"{card.id}.{lang}.html"
            html.write_text(card_html.render(view(card, lang, parts, products), "2026-01-01"), encoding="utf-8")
            jobs.append(html)
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = dict(zip(jobs, pool.map(_page_counter(chromium, tmp_path), jobs), strict=True))
    wrong = {p.name: n for p, n in counts.items() if n != 1}
    assert not wrong, f"cards that do not print on exactly one A4 page: {wrong}"
