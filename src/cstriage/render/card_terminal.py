"""A card on the terminal: one screenful, readable at 80 columns.

Laid out with plain strings and ANSI codes instead of rich: `card show` is used during
live calls and must start as fast as a man page. Text has already been through
`plain()` (no escape sequences, control characters or bidi overrides), so nothing from
YAML can style or move the terminal; the only escape codes are the ones added here.
"""

from __future__ import annotations

from cstriage.render.card_view import QUANTITY, CardView
from cstriage.render.text import cells

MAX_WIDTH = 100
_BOLD, _DIM, _ITALIC, _QTY, _RESET = "\033[1m", "\033[2m", "\033[3m", "\033[1;36m", "\033[0m"


def wrap(text: str, width: int) -> list[str]:
    """Word-wrap to `width` columns; words longer than a line are cut."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if cells(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while cells(word) > width:
            cut = 0
            while cells(word[: cut + 1]) <= width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line or not lines:
        lines.append(line)
    return lines


def pad(s: str, width: int) -> str:
    return s + " " * max(0, width - cells(s))


class _Out:
    def __init__(self, width: int, color: bool):
        self.width = width
        self.color = color
        self.lines: list[str] = []

    def style(self, s: str, code: str) -> str:
        return f"{code}{s}{_RESET}" if self.color and s else s

    def qty(self, s: str) -> str:
        return QUANTITY.sub(lambda m: self.style(m.group(), _QTY), s) if self.color else s

    def add(self, s: str = "") -> None:
        self.lines.append(s.rstrip() if not self.color else s)

    def heading(self, label: str) -> None:
        rule = "─" * max(0, self.width - cells(label) - 1)
        self.add(self.style(label, _BOLD) + " " + self.style(rule, _DIM))

    def items(self, items: list[str], numbered: bool) -> None:
        mark_w = len(f"{len(items)}.") if numbered else 1
        for i, item in enumerate(items, 1):
            mark = f"{i}." if numbered else "•"
            body = wrap(item, self.width - mark_w - 2)
            self.add(" " + self.style(mark.rjust(mark_w), _BOLD if numbered else _DIM) + " " + self.qty(body[0]))
            for rest in body[1:]:
                self.add(" " * (mark_w + 2) + self.qty(rest))

    def box(self, lines: list[str], title: str = "", heavy: bool = False) -> None:
        tl, tr_, bl, br, h, v = ("┏", "┓", "┗", "┛", "━", "┃") if heavy else ("╭", "╮", "╰", "╯", "─", "│")
        inner = self.width - 4
        top = h * (self.width - 2)
        if title:
            head = f"{h} {title} "
            top = head + h * max(0, self.width - 2 - cells(head))
            top = top.replace(title, self.style(title, _BOLD), 1)
        self.lines.append(tl + top + tr_)
        for line, styled in lines:
            self.lines.append(f"{v} {styled}{' ' * max(0, inner - cells(line))} {v}")
        self.lines.append(bl + h * (self.width - 2) + br)


def render(v: CardView, width: int = 80, color: bool = False) -> str:
    """The card as terminal text, `width` columns wide (styled only when `color`)."""
    width = max(40, min(width, MAX_WIDTH))
    out = _Out(width, color)
    sub = v.id + (" · " + ", ".join(v.products) if v.products else "")
    head = [(line, out.style(line, _BOLD)) for line in wrap(v.title, width - 4)]
    head += [(line, out.style(line, _DIM)) for line in wrap(sub, width - 4)]
    out.box(head, heavy=True)
    if v.symptom:
        label = v.labels["symptom"] + ": "
        body = wrap(f"“{v.symptom}”", width - cells(label))
        out.add(out.style(label, _BOLD) + out.style(out.qty(body[0]), _ITALIC))
        for rest in body[1:]:
            out.add(" " * cells(label) + out.style(out.qty(rest), _ITALIC))
    for key, numbered in (("checks", True), ("remote", True), ("visit_if", False)):
        items = getattr(v, key)
        if items:
            out.heading(v.labels[key])
            out.items(items, numbered)
    if v.bring:
        out.heading(v.labels["bring"])
        part_w = max(cells(v.labels["part"]), *(cells(r.part) for r in v.bring))
        pn_w = max(cells(v.labels["pn"]), *(cells(r.pn or v.labels["none"]) for r in v.bring))
        name_w = max(10, width - part_w - pn_w - 4)
        out.add(out.style(pad(v.labels["part"], part_w) + "  " + pad(v.labels["name"], name_w) + "  " + v.labels["pn"], _BOLD))
        for row in v.bring:
            names = wrap(row.name, name_w)
            out.add(pad(row.part, part_w) + "  " + out.style(pad(names[0], name_w), "" if row.known else _DIM)
                    + "  " + (row.pn or v.labels["none"]))
            for rest in names[1:]:
                out.add(" " * (part_w + 2) + rest)
    if v.say:
        say = [(line, out.qty(line)) for line in wrap(v.say, width - 4)]
        out.box(say, title=v.labels["say"])
    if v.prevent:
        out.heading(v.labels["prevent"])
        out.items(v.prevent, False)
    tail = []
    if v.checklist:
        tail.append((v.labels["run"], f"cstriage start --checklist {v.checklist}"))
    if v.url:
        tail.append((v.labels["url"], v.url))
    if tail:
        out.add(out.style("─" * width, _DIM))
        label_w = max(cells(k) for k, _ in tail)
        for k, val in tail:
            body = wrap(val, width - label_w - 2)
            out.add(out.style(pad(k, label_w), _BOLD) + "  " + body[0])
            for rest in body[1:]:
                out.add(" " * (label_w + 2) + rest)
    return "\n".join(out.lines) + "\n"
