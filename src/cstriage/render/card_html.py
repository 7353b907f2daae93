"""A card as one self-contained A4 HTML page, for printing or a PDF.

Self-contained means: inline CSS, no scripts, no web fonts, no images, no links that
load anything (a Content-Security-Policy says so to the browser too). Every value from
YAML goes through `html_text()`; a card's `url` is printed as text, not as a link.
"""

from __future__ import annotations

import math
import unicodedata

from cstriage.render.card_view import CardView, spans
from cstriage.render.text import html_text as h

#: (root font size pt, line height English, line height Korean) per density level;
#: the page uses the first level whose content fits.
DENSITY = ((9.2, 1.42, 1.5), (8.7, 1.42, 1.5), (8.2, 1.36, 1.44), (7.6, 1.3, 1.38))
PAGE_W_MM, PAGE_H_MM = 186.0, 273.0  # A4 inside 12 mm margins
#: Estimated content height allowed, leaving room for fonts that set wider than ours.
BUDGET_MM = PAGE_H_MM - 7
PT = 25.4 / 72

CSS = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
html { font-size: var(--fs); -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0; color: #1d2733; background: #e9ecef; font-size: 1rem; line-height: var(--lh);
  font-family: Arial, "Liberation Sans", Arimo, Helvetica, "Noto Sans CJK KR", "Noto Sans KR",
               "Apple SD Gothic Neo", "Malgun Gothic", "NanumBarunGothic", "NanumGothic", sans-serif;
  overflow-wrap: anywhere;
}
html:lang(ko) body {
  font-family: "Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic",
               "NanumBarunGothic", "NanumGothic", Arial, "Liberation Sans", sans-serif;
  word-break: keep-all;
}
.page {
  width: 210mm; min-height: 297mm; margin: 6mm auto; padding: 12mm; background: #fff;
  box-shadow: 0 1px 6px rgba(0, 0, 0, .18); display: flex; flex-direction: column;
}
@media print {
  body { background: none; }
  .page { width: auto; min-height: 268mm; margin: 0; padding: 0; box-shadow: none; }
}
.mono { font-family: "DejaVu Sans Mono", Consolas, "Liberation Mono", Menlo, monospace; font-size: .86em; }
header { border-left: 5px solid #1f4e79; padding-left: 10px; margin-bottom: .9rem; }
.kicker { display: flex; justify-content: space-between; gap: 8px; color: #5b6b7c; font-size: .8rem;
          letter-spacing: .06em; text-transform: uppercase; }
.kicker .mono { text-transform: none; letter-spacing: 0; }
h1 { margin: .1rem 0 .3rem; font-size: 1.8rem; line-height: 1.2; color: #14304d; font-weight: 700; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; line-height: 1.4; }
.chip { border: 1px solid #c7d3e0; border-radius: 9px; padding: 0 7px; font-size: .78rem; color: #34495e;
        background: #f4f7fa; }
h2 { margin: 0 0 .4rem; font-size: .87rem; line-height: 1.4; letter-spacing: .05em; text-transform: uppercase;
     color: #1f4e79; border-bottom: 1.2px solid #c9d6e3; padding-bottom: .15rem; }
section { margin-bottom: .9rem; }
.symptom { background: #fff6e0; border-left: 4px solid #e0a030; padding: .55rem .9rem; border-radius: 0 4px 4px 0; }
.symptom h2, .say h2 { border: 0; padding: 0; margin-bottom: .15rem; }
.symptom h2 { color: #8a5a00; }
.symptom p { margin: 0; font-size: 1.12rem; font-weight: 500; }
.flow { columns: 2; column-gap: 6mm; margin-bottom: .9rem; }
.flow section:last-child { margin-bottom: 0; }
.flow .keep, .flow li { break-inside: avoid; }
ol, ul { margin: 0; padding: 0; list-style: none; }
li { position: relative; padding-left: 2.1em; margin-bottom: .35rem; }
section { counter-reset: n; }
ol > li::before {
  counter-increment: n; content: counter(n); position: absolute; left: 0; top: .12em;
  width: 1.6em; height: 1.6em; border-radius: 50%; background: #1f4e79; color: #fff;
  font-size: .78em; font-weight: 700; line-height: 1.6em; text-align: center;
}
.remote ol > li::before { background: #2e7d4f; }
ul > li::before { content: ""; position: absolute; left: .55em; top: .55em; width: .62em; height: .62em;
                  border-radius: 50%; background: #9aaabb; }
.visit ul > li::before { background: #d9822b; border-radius: 1px; }
.remote h2 { color: #2e7d4f; }
.visit h2 { color: #b5651d; }
b.q { font-weight: 700; color: #0b4f8a; white-space: nowrap; }
.say { background: #eaf2fb; border: 1px solid #c3d7ee; border-left: 4px solid #1f4e79;
       border-radius: 0 4px 4px 0; padding: .6rem 1rem; }
.say blockquote { margin: 0; font-size: 1.08rem; line-height: calc(var(--lh) + .06); color: #10263d; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: .9rem; }
col.part { width: 24%; } col.pn { width: 17%; }
th { text-align: left; font-weight: 600; color: #5b6b7c; font-size: .8rem; text-transform: uppercase;
     letter-spacing: .04em; border-bottom: 1px solid #c9d6e3; padding: .1rem .4rem; }
td { border-bottom: 1px solid #e6ebf0; padding: .2rem .4rem; vertical-align: top; }
tr:nth-child(even) td { background: #f7f9fb; }
td.mono { color: #34495e; }
td.missing { color: #9a6b00; font-style: italic; }
.prevent ul { columns: 2; column-gap: 6mm; }
footer { margin-top: auto; border-top: 1px solid #c9d6e3; padding-top: .4rem; font-size: .8rem; color: #6a7a8a;
         display: flex; justify-content: space-between; gap: 6mm; }
footer > span:first-child { flex: none; }
footer > span:last-child { text-align: right; min-width: 0; }
"""


def _rich(s: str) -> str:
    """Escaped text with measured quantities (`0.5 V`, `≥ 30 min`) in bold."""
    return "".join(f'<b class="q">{h(piece)}</b>' if qty else h(piece) for piece, qty in spans(s))


def _list(items: list[str], numbered: bool) -> str:
    tag = "ol" if numbered else "ul"
    return f"<{tag}>" + "".join(f"<li>{_rich(x)}</li>" for x in items) + f"</{tag}>"


def _flowing(cls: str, label: str, items: list[str], numbered: bool) -> str:
    """A section that may continue in the next column, but never leaves its heading
    with fewer than two items, nor a single item alone at the top of a column."""
    tag = "ol" if numbered else "ul"
    n = len(items)
    head = min(2, n)
    tail = 2 if n - head >= 3 else n - head
    groups = [(0, head)] + [(i, i + 1) for i in range(head, n - tail)] + ([(n - tail, n)] if tail else [])
    html = []
    for gi, (a, b) in enumerate(groups):
        lis = "".join(f"<li>{_rich(x)}</li>" for x in items[a:b])
        start = f' start="{a + 1}"' if numbered and a else ""
        heading = f"<h2>{h(label)}</h2>" if gi == 0 else ""
        html.append(f'<div class="keep">{heading}<{tag}{start}>{lis}</{tag}></div>')
    return f'<section class="{cls}">' + "".join(html) + "</section>"


def _section(cls: str, label: str, body: str) -> str:
    return f'<section class="{cls}"><h2>{h(label)}</h2>{body}</section>'


def _bring(v: CardView) -> str:
    lb = v.labels
    rows = "".join(
        f'<tr><td class="mono">{h(r.part)}</td><td class="{"" if r.known else "missing"}">{h(r.name)}</td>'
        f'<td class="mono">{h(r.pn or lb["none"])}</td></tr>'
        for r in v.bring
    )
    head = f"<tr><th>{h(lb['part'])}</th><th>{h(lb['name'])}</th><th>{h(lb['pn'])}</th></tr>"
    cols = '<colgroup><col class="part"><col><col class="pn"></colgroup>'
    return f"<table>{cols}<thead>{head}</thead><tbody>{rows}</tbody></table>"


def render(v: CardView, exported: str, level: int | None = None) -> str:
    """The card as a complete HTML document; `exported` is the footer date (YYYY-MM-DD).
    `level` forces a density (tests); by default the page picks the one that fits."""
    lb = v.labels
    level = density(v) if level is None else level
    size, lh = _metrics(v, level)
    chips = "".join(f'<span class="chip">{h(p)}</span>' for p in v.product_names)
    parts = [
        "<header>",
        f'<div class="kicker"><span>{h(lb["kind"])}</span><span class="mono">{h(v.id)}</span></div>',
        f"<h1>{h(v.title)}</h1>",
        f'<div class="chips">{chips}</div>' if chips else "",
        "</header>",
    ]
    if v.symptom:
        parts.append(_section("symptom", lb["symptom"], f"<p>“{_rich(v.symptom)}”</p>"))
    flow = ""
    if v.checks:
        flow += _flowing("checks", lb["checks"], v.checks, True)
    if v.remote:
        flow += _flowing("remote", lb["remote"], v.remote, True)
    if v.visit_if:
        flow += _flowing("visit", lb["visit_if"], v.visit_if, False)
    if flow:
        parts.append(f'<div class="flow">{flow}</div>')
    if v.say:
        parts.append(_section("say", lb["say"], f"<blockquote>{_rich(v.say)}</blockquote>"))
    if v.bring:
        parts.append(_section("bring", lb["bring"], _bring(v)))
    if v.prevent:
        parts.append(_section("prevent", lb["prevent"], _list(v.prevent, False)))
    left_foot = [f"{h(lb['card'])} <span class=\"mono\">{h(v.id)}</span>",
                 f"{h(lb['content'])} <span class=\"mono\">{h(v.sha)}</span>",
                 f"{h(lb['exported'])} {h(exported)}"]
    right_foot = []
    if v.checklist:
        right_foot.append(f"{h(lb['run'])}: <span class=\"mono\">cstriage start --checklist {h(v.checklist)}</span>")
    if v.url:
        right_foot.append(f"{h(lb['url'])}: <span class=\"url mono\">{h(v.url)}</span>")
    parts.append(f'<footer><span>{" · ".join(left_foot)}</span>'
                 f'<span>{" · ".join(right_foot)}</span></footer>')
    body = "\n".join(p for p in parts if p)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{h(v.lang)}" data-density="{level}">\n<head>\n<meta charset="utf-8">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{h(v.title)} · {h(v.id)}</title>\n<style>:root {{ --fs: {size}pt; --lh: {lh}; }}{CSS}</style>\n</head>\n"
        f'<body>\n<main class="page">\n{body}\n</main>\n</body>\n</html>\n'
    )


# --- fitting the page ---------------------------------------------------------------
# Without scripts the page cannot measure itself, so the renderer estimates the height
# of the content at each density from the text (greedy line breaking with typical
# glyph widths) and picks the largest font that fits. tests/test_card_print.py proves
# the result in Chromium for every bundled card and for cards at the authoring limits.

_NARROW = {**dict.fromkeys("ijl|!'", .23), **dict.fromkeys("ft.,:;()[] -/", .3), "r": .34,
           **dict.fromkeys("mwMW%", .85)}


def _w(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in "WF":
        return .96  # Hangul: ~.92 em in Nanum, Malgun and Apple SD Gothic, 1 em in Noto CJK
    if ch in _NARROW:
        return _NARROW[ch]
    if ch.isupper():
        return .68
    return .56 if ch.isascii() else .6


def _lines(text: str, width_mm: float, size_pt: float, mono: bool = False) -> int:
    """Lines that `text` takes in a box `width_mm` wide, breaking at spaces only."""
    avail = width_mm / (size_pt * PT)
    lines, used = 1, 0.0
    for word in text.split(" "):
        w = len(word) * .61 if mono else sum(_w(c) for c in word) * 1.02
        if used and used + .28 + w > avail:
            lines += 1
            used = 0.0
        elif used:
            used += .28
        while w > avail:  # a word longer than the line breaks anywhere
            lines += 1
            w -= avail
        used += w
    return lines


def _two_columns(blocks: list[float]) -> float:
    """Height of unbreakable blocks flowed into two balanced columns, in order."""
    total = sum(blocks)
    best, acc = total, 0.0
    for b in blocks:
        acc += b
        best = min(best, max(acc, total - acc))
    return best


def _metrics(v: CardView, level: int) -> tuple[float, float]:
    size, lh_en, lh_ko = DENSITY[level]
    return size, lh_ko if v.lang == "ko" else lh_en


def estimate_mm(v: CardView, level: int) -> float:
    """Estimated height (mm) of the card's content at density `level`."""
    size, lh = _metrics(v, level)
    f = size * PT
    gap = .9 * f
    h2 = .87 * f * 1.4 + .15 * f + .4 * f + .4
    col = (PAGE_W_MM - 6) / 2

    def item(text: str, width: float) -> float:
        return _lines(text, width - 2.1 * f, size) * f * lh + .35 * f

    total = .8 * f * lh + _lines(v.title, PAGE_W_MM - 5, size * 1.8) * 1.8 * f * 1.2 + .4 * f
    if v.product_names:
        chips = sum(sum(_w(c) for c in p) * .78 * f + 5.4 for p in v.product_names)
        total += math.ceil(chips / (PAGE_W_MM - 5)) * (.78 * f * 1.4 + .6) + gap
    if v.symptom:
        total += 1.1 * f + .87 * f * 1.4 + .15 * f
        total += _lines(f"“{v.symptom}”", PAGE_W_MM - 1.1 - 1.8 * f, size * 1.12) * 1.12 * f * lh + gap
    blocks: list[float] = []
    for items in (v.checks, v.remote, v.visit_if):
        if not items:
            continue
        n = len(items)
        head = min(2, n)
        tail = 2 if n - head >= 3 else n - head
        heights = [item(x, col) for x in items]
        groups = [h2 + sum(heights[:head])] + heights[head:n - tail] + ([sum(heights[n - tail:])] if tail else [])
        groups[-1] += gap
        blocks += groups
    if blocks:
        total += _two_columns(blocks)
    if v.say:
        total += .5 + 1.2 * f + .87 * f * 1.4 + .15 * f + gap
        total += _lines(v.say, PAGE_W_MM - 1.4 - 2 * f, size * 1.08) * 1.08 * f * (lh + .06)
    if v.bring:
        total += h2 + .8 * f * lh + .2 * f + .3 + gap
        cell = .9 * size
        for r in v.bring:
            n = max(_lines(r.part, PAGE_W_MM * .24 - .8 * f, cell * .86, mono=True),
                    _lines(r.name, PAGE_W_MM * .59 - .8 * f, cell),
                    _lines(r.pn, PAGE_W_MM * .17 - .8 * f, cell * .86, mono=True))
            total += n * .9 * f * lh + .4 * f + .3
    if v.prevent:
        total += h2 + _two_columns([item(x, col) for x in v.prevent]) + gap
    foot = f"{v.labels['card']} {v.id} · {v.labels['content']} {v.sha} · {v.labels['exported']} 2000-01-01"
    foot += f" {v.labels['run']}: cstriage start --checklist {v.checklist}" if v.checklist else ""
    foot += f" · {v.labels['url']}: {v.url}" if v.url else ""
    total += .3 + .4 * f + _lines(foot, PAGE_W_MM - 10, size * .8) * .8 * f * lh
    return total


def density(v: CardView) -> int:
    """The density level (index into DENSITY) with the largest font that fits."""
    for level in range(len(DENSITY)):
        if estimate_mm(v, level) <= BUDGET_MM:
            return level
    return len(DENSITY) - 1
