"""A card on the terminal: one screenful, readable at 80 columns.

Content is wrapped in rich `Text` objects (never parsed as markup) after `plain()` has
removed escape sequences, so nothing from YAML can style or move the terminal.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from cstriage.render.card_view import QUANTITY, CardView

QTY_STYLE = "bold cyan"
MAX_WIDTH = 100


def _text(s: str, style: str = "") -> Text:
    t = Text(s, style=style)
    t.highlight_regex(QUANTITY, QTY_STYLE)
    return t


def _heading(label: str) -> Rule:
    return Rule(Text(label, style="bold"), align="left", style="dim", characters="─")


def _items(items: list[str], numbered: bool) -> Padding:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True, style="bold" if numbered else "dim")
    grid.add_column(overflow="fold")
    for i, item in enumerate(items, 1):
        grid.add_row(f"{i}." if numbered else "•", _text(item))
    return Padding(grid, (0, 0, 0, 1))


def _bring(v: CardView) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), header_style="bold")
    table.add_column(v.labels["part"], no_wrap=True, overflow="fold")
    table.add_column(v.labels["name"], ratio=1, overflow="fold")
    table.add_column(v.labels["pn"], no_wrap=True)
    for row in v.bring:
        table.add_row(Text(row.part), Text(row.name, style="" if row.known else "italic dim"),
                      Text(row.pn or v.labels["none"]))
    return table


def renderables(v: CardView) -> list[RenderableType]:
    head = Text(v.title, style="bold")
    sub = Text(v.id, style="dim")
    if v.products:
        sub.append(" · " + ", ".join(v.products), style="dim")
    out: list[RenderableType] = [Panel(Group(head, sub), box=box.HEAVY, padding=(0, 1))]
    if v.symptom:
        symptom = Text(v.labels["symptom"] + ": ", style="bold")
        symptom.append_text(_text(f"“{v.symptom}”", style="italic"))
        out.append(symptom)
    for key, numbered in (("checks", True), ("remote", True), ("visit_if", False)):
        items = getattr(v, key)
        if items:
            out += [_heading(v.labels[key]), _items(items, numbered)]
    if v.bring:
        out += [_heading(v.labels["bring"]), _bring(v)]
    if v.say:
        out.append(Panel(_text(v.say), title=Text(v.labels["say"], style="bold"), title_align="left",
                         box=box.ROUNDED, padding=(0, 1)))
    if v.prevent:
        out += [_heading(v.labels["prevent"]), _items(v.prevent, False)]
    tail = Table.grid(padding=(0, 2))
    tail.add_column(style="bold", no_wrap=True)
    tail.add_column(overflow="fold")
    if v.checklist:
        tail.add_row(v.labels["run"], Text(f"cstriage start --checklist {v.checklist}"))
    if v.url:
        tail.add_row(v.labels["url"], Text(v.url))
    if tail.row_count:
        out += [Rule(style="dim"), tail]
    return out


def render(v: CardView, width: int = 80, color: bool = False) -> str:
    """The card as terminal text, `width` columns wide (styled only when `color`)."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False, emoji=False,
                      markup=False, legacy_windows=False, soft_wrap=False)
    for item in renderables(v):
        console.print(item)
    text = buf.getvalue()
    if not color:  # rich pads table cells with spaces; plain output should not carry them
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text
