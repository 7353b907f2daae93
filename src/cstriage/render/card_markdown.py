"""A card as Markdown, to paste into Zendesk or Jira: headings, numbered lists, a parts
table and a blockquote for what to say. Every YAML value goes through `markdown()`,
so `[x](javascript:…)`, HTML tags and table pipes come out as literal text.
"""

from __future__ import annotations

import re

from cstriage.render.card_view import CardView
from cstriage.render.text import markdown as _md

_BLOCK_START = re.compile(r"^(\d+)([.)])|^([#+=-])")


def md(text: str) -> str:
    """Inline Markdown that cannot open a block either (heading, list, rule) where it
    starts a list item, a quote or a paragraph."""
    return _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", _md(text))


def _code(s: str, in_table: bool = False) -> str:
    """Inline code that no backtick in `s` can close early (nor a pipe end a table cell)."""
    s = s.replace("`", "'").replace("\n", " ")
    return "`" + (s.replace("|", "\\|") if in_table else s) + "`"


def _list(items: list[str], numbered: bool) -> list[str]:
    return [f"{i}. {md(x)}" if numbered else f"- {md(x)}" for i, x in enumerate(items, 1)] + [""]


def render(v: CardView, exported: str) -> str:
    """The card as Markdown; `exported` is the date printed in the footer (YYYY-MM-DD)."""
    lb = v.labels
    lines = [f"# {md(v.title)}", ""]
    meta = [f"**{lb['kind']}** {_code(v.id)}"]
    if v.products:
        meta.append(f"**{lb['products']}:** " + ", ".join(md(p) for p in v.product_names))
    lines += [" · ".join(meta), ""]
    if v.symptom:
        lines += [f"**{lb['symptom']}:** “{md(v.symptom)}”", ""]
    for key, numbered in (("checks", True), ("remote", True), ("visit_if", False)):
        items = getattr(v, key)
        if items:
            lines += [f"## {lb[key]}", ""] + _list(items, numbered)
    if v.bring:
        lines += [f"## {lb['bring']}", "", f"| {lb['part']} | {lb['name']} | {lb['pn']} |", "|---|---|---|"]
        for row in v.bring:
            lines.append(f"| {_code(row.part, in_table=True)} | {md(row.name)} | {md(row.pn) or lb['none']} |")
        lines.append("")
    if v.say:
        lines += [f"## {lb['say']}", "", f"> {md(v.say)}", ""]
    if v.prevent:
        lines += [f"## {lb['prevent']}", ""] + _list(v.prevent, False)
    if v.checklist:
        lines += [f"**{lb['run']}:** {_code('cstriage start --checklist ' + v.checklist)}", ""]
    if v.url:
        lines += [f"**{lb['url']}:** {_code(v.url)}", ""]
    lines += ["---", "", f"*{lb['card']} {_code(v.id)} · {lb['content']} {_code(v.sha)} · {lb['exported']} {md(exported)}*",
              ""]
    return "\n".join(lines)
