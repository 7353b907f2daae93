"""What every card renderer shows, resolved for one language: texts, parts, labels.

The renderers (terminal, Markdown, HTML) only lay this out and escape it; they never
look at the YAML themselves, so the three outputs cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cstriage.i18n import tr
from cstriage.render.text import plain

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "kind": "Troubleshooting card", "symptom": "Customer reports", "products": "Products",
        "checks": "Check, in this order", "remote": "Fix remotely, on the call", "visit_if": "Visit when",
        "bring": "Bring", "part": "Part", "name": "Name", "pn": "P/N", "say": "Say to the customer",
        "prevent": "Prevent a repeat", "checklist": "Checklist", "run": "Guided session",
        "url": "Reference", "card": "card", "exported": "exported", "content": "content",
        "not_in_catalog": "(not in the parts catalog)", "none": "—",
    },
    "ko": {
        "kind": "현장 점검 카드", "symptom": "고객 증상", "products": "제품",
        "checks": "점검 순서", "remote": "원격 조치 (통화 중)", "visit_if": "방문이 필요한 경우",
        "bring": "지참 부품", "part": "부품", "name": "품명", "pn": "P/N", "say": "고객 안내 문구",
        "prevent": "재발 방지", "checklist": "점검표", "run": "점검 세션",
        "url": "참고 자료", "card": "카드", "exported": "출력일", "content": "내용",
        "not_in_catalog": "(부품 목록에 없음)", "none": "—",
    },
}

_NUM = r"\d+(?:[.,]\d+)*"
_UNIT = (
    r"(?:%RH|%|°C|°F|K|dBm|dB|kVA|VA|L/min|mm²|kcps|cps|rpm|px|e⁻|kΩ|MΩ|Ω|GHz|MHz|kHz|Hz|kV|mV|µV|V|"
    r"mA|µA|A|kW|mW|W|ms|µs|ns|min|s|h|nm|µm|mm|cm|m|시간|분|초|픽셀|개월)"
)
#: A measured quantity with its unit, optionally a comparison or a range:
#: `0.5 V`, `≥30 min`, `±0.1 °C`, `85 %`, `198–242 V`, `60/120 Hz`, `1,000시간`.
QUANTITY = re.compile(
    rf"(?<![\w.])(?:[<>≤≥±~≈]\s?)?[−-]?{_NUM}"
    rf"(?:\s?(?:[–/]|to)\s?[−+-]?{_NUM})*\s?{_UNIT}(?![A-Za-z0-9])"
)


def spans(text: str) -> Iterator[tuple[str, bool]]:
    """`text` cut into (piece, is_quantity) pieces, in order, covering all of it."""
    pos = 0
    for m in QUANTITY.finditer(text):
        if m.start() > pos:
            yield text[pos:m.start()], False
        yield m.group(), True
        pos = m.end()
    if pos < len(text):
        yield text[pos:], False


@dataclass
class BringRow:
    part: str
    name: str
    pn: str
    known: bool


@dataclass
class CardView:
    """A card in one language, as plain (not yet escaped) strings."""

    id: str
    lang: str
    title: str
    symptom: str
    products: list[str]  # ids
    product_names: list[str]  # display names from the catalog (the id when unknown)
    checks: list[str]
    remote: list[str]
    visit_if: list[str]
    bring: list[BringRow]
    say: str
    prevent: list[str]
    checklist: str
    url: str
    sha: str
    labels: dict[str, str] = field(default_factory=dict)


def view(card: Any, lang: str, parts: dict[str, Any], products: dict[str, Any] | None = None) -> CardView:
    """Resolve `card` (a cardindex.CardFile) for `lang`; part and product names come
    from the catalog tables `parts` and `products` (cardindex.catalog)."""
    labels = LABELS.get(lang, LABELS["en"])

    def t(value: Any) -> str:
        return plain(tr(value, lang)).strip()

    rows = []
    for pid in card.ids("bring"):
        part = parts.get(pid)
        name = t(part.name) if part is not None else ""
        rows.append(BringRow(plain(pid), name or labels["not_in_catalog"], plain(part.pn) if part else "",
                             part is not None))
    return CardView(
        id=plain(card.id), lang=lang, title=t(card.text("title")) or card.id, symptom=t(card.text("symptom")),
        products=[plain(p) for p in card.ids("products")],
        product_names=[t(products[p].name) if products and p in products else plain(p) for p in card.ids("products")],
        checks=[t(x) for x in card.texts("checks")], remote=[t(x) for x in card.texts("remote")],
        visit_if=[t(x) for x in card.texts("visit_if")], bring=rows, say=t(card.text("say")),
        prevent=[t(x) for x in card.texts("prevent")], checklist=plain(card.scalar("checklist")),
        url=plain(card.scalar("url")), sha=card.sha, labels=labels,
    )
