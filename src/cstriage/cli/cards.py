"""`cstriage card list|show|search|export`: the one-page troubleshooting cards.

These commands read card YAML directly (content/cardindex.py) instead of loading and
validating the whole library, so they start fast and still work while another file of
the library is broken. rich and the renderers are imported inside the functions.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

card_app = typer.Typer(help="One-page troubleshooting cards: list, show, search, export.", no_args_is_help=True)

FORMATS = {"md": "md", "markdown": "md", "html": "html"}


def _settings(ctx: typer.Context) -> Any:
    from cstriage.cli.main import settings

    return settings(ctx)


def _warn_broken(broken: list[str]) -> None:
    if broken:
        sys.stderr.write(f"warning: {len(broken)} content file(s) could not be read and were left out; "
                         f"first: {broken[0]}\n  hint: run `cstriage validate` to see the problems\n")


# --- the commands, callable without the CLI -------------------------------------------


def list_cards(settings: Any, product: str | None, as_json: bool) -> int:
    import json

    from cstriage.content import cardindex
    from cstriage.i18n import tr
    from cstriage.render.text import plain

    scan = cardindex.all_cards(settings.roots())
    _warn_broken(scan.broken)
    cards = [c for c in scan.cards if product is None or product in c.ids("products")]
    lang = settings.lang
    items = [{"id": c.id, "title": plain(tr(c.text("title"), lang)), "symptom": plain(tr(c.text("symptom"), lang)),
              "products": c.ids("products"), "checklist": c.scalar("checklist") or None} for c in cards]
    if as_json:
        sys.stdout.write(json.dumps(items, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not items:
        what = f" for product `{plain(product)}`" if product else ""
        sys.stdout.write(f"no cards{what}; `cstriage card list` shows them all\n")
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cstriage.cli.common import use_color

    console = Console(highlight=False, markup=False, emoji=False, no_color=not use_color())
    wide = console.width >= 110
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("id", no_wrap=True, style="cyan")
    table.add_column("title" if lang != "ko" else "제목", ratio=1, overflow="fold")
    if wide:
        table.add_column("checklist" if lang != "ko" else "점검표", no_wrap=True, style="dim")
    for i in items:
        row = [Text(plain(i["id"])), Text(i["title"])]
        table.add_row(*row, *([Text(plain(i["checklist"] or "—"))] if wide else []))
    console.print(table)
    return 0


def _width() -> int:
    import shutil

    from cstriage.render.card_terminal import MAX_WIDTH

    return max(40, min(shutil.get_terminal_size((80, 24)).columns, MAX_WIDTH))


def show_card(settings: Any, cid: str) -> int:
    from cstriage.cli.common import use_color
    from cstriage.content import cardindex
    from cstriage.render import card_terminal
    from cstriage.render.card_view import view

    roots = settings.roots()
    card = cardindex.get(roots, cid)
    parts = cardindex.parts(roots) if card.ids("bring") else {}
    sys.stdout.write(card_terminal.render(view(card, settings.lang, parts), width=_width(), color=use_color()))
    return 0


def search_cards(settings: Any, query: str, as_json: bool) -> int:
    import json

    from cstriage.content import cardindex
    from cstriage.i18n import tr
    from cstriage.render.text import plain

    scan = cardindex.all_cards(settings.roots())
    _warn_broken(scan.broken)
    hits, partial = cardindex.search(scan.cards, query)
    lang = settings.lang
    rows = [{"id": h.card.id, "score": h.score, "title": plain(tr(h.card.text("title"), lang)), "matched": h.fields}
            for h in hits]
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not rows:
        sys.stdout.write(f"no card matches `{plain(query)}` — try fewer or other words, in English or Korean; "
                         "`cstriage card list` shows every card\n")
        return 0
    if partial:
        sys.stdout.write("no card matches every word; cards that match some of them:\n")
    width = max(len(plain(r["id"])) for r in rows)
    sys.stdout.write(f"{'score':>5}  {'card':<{width}}  title\n")
    for r in rows:
        sys.stdout.write(f"{r['score']:>5}  {plain(r['id']):<{width}}  {r['title']}\n")
    return 0


def _export_date() -> str:
    """Today, or the date of SOURCE_DATE_EPOCH for reproducible exports."""
    import datetime as dt
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    return dt.date.today().isoformat()


def _write_inside(folder: Path, name: str, text: str) -> Path:
    """Write `folder/name` atomically; the name is a checked id, and this checks again."""
    import os
    import secrets

    if Path(name).name != name or name.startswith(".") or "\\" in name:
        raise ValueError(f"refusing to write outside {folder}: {name!r}")  # unreachable with checked ids
    target = folder / name
    tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as fh:  # "x": never through a planted link
            fh.write(text)
        os.replace(tmp, target)  # replaces a symlink at `target` itself, never the file it points to
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def export_cards(settings: Any, ids: list[str], all_cards: bool, fmt: str, out: str, lang: str | None) -> int:
    from cstriage.content import cardindex
    from cstriage.errors import BadInput, ContentInvalid
    from cstriage.i18n import LANGS

    kind = FORMATS.get(fmt.lower())
    if kind is None:
        raise BadInput(f"unknown format `{fmt}`", hint="use --format md or --format html")
    if lang in (None, ""):
        langs = [settings.lang if settings.lang in LANGS else "en"]
    elif lang == "all":
        langs = list(LANGS)
    elif lang in LANGS:
        langs = [lang]
    else:
        raise BadInput(f"unknown language `{lang}`", hint="use --lang en, ko or all")
    if all_cards == bool(ids):
        raise BadInput("name the cards to export, or --all (not both)",
                       hint="e.g. `cstriage card export ground-loop-banding --out cards-out` or "
                       "`cstriage card export --all --out cards-out`")
    for cid in ids:
        cardindex.check_id(cid)
    roots = settings.roots()
    if all_cards:
        scan = cardindex.all_cards(roots)
        _warn_broken(scan.broken)
        cards = scan.cards
        for card in cards:
            if not cardindex.ID_RE.fullmatch(card.id):
                raise ContentInvalid(f"card id `{card.id!r}` cannot be a file name", where=str(card.path),
                                     hint="card ids are lower-case letters, digits and dashes")
    else:
        cards = [cardindex.get(roots, cid) for cid in dict.fromkeys(ids)]
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"--out `{out}` is a file, not a folder", hint="give a folder; it is created if missing")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create the folder `{out}`: {exc.strerror or exc}") from None

    from cstriage.render import card_html, card_markdown
    from cstriage.render.card_view import view

    render = card_html.render if kind == "html" else card_markdown.render
    parts, products = cardindex.catalog(roots, "parts"), cardindex.catalog(roots, "products")
    date = _export_date()
    written = []
    for card in cards:
        for code in langs:
            name = f"{card.id}.{code}.{kind}" if len(langs) > 1 else f"{card.id}.{kind}"
            try:
                written.append(_write_inside(folder, name, render(view(card, code, parts, products), date)))
            except OSError as exc:
                raise BadInput(f"cannot write `{folder / name}`: {exc.strerror or exc}") from None
    for path in written:
        sys.stdout.write(f"{path}\n")
    sys.stderr.write(f"exported {len(cards)} card(s), {len(written)} file(s) to {folder}\n")
    return 0


# --- typer wiring -------------------------------------------------------------------


@card_app.command("list")
def list_cmd(
    ctx: typer.Context,
    product: Annotated[Optional[str], typer.Option("--product", metavar="ID", help="Only cards for this product family id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array (id, title, symptom, products, checklist).")] = False,
) -> None:
    """List the cards (titles in the display language)."""
    raise typer.Exit(list_cards(_settings(ctx), product, as_json))


@card_app.command("show")
def show_cmd(ctx: typer.Context, card: Annotated[str, typer.Argument(metavar="ID", help="Card id, e.g. ground-loop-banding.")]) -> None:
    """Show one card, laid out for an 80-column terminal."""
    raise typer.Exit(show_card(_settings(ctx), card))


@card_app.command("search")
def search_cmd(
    ctx: typer.Context,
    text: Annotated[list[str], typer.Argument(metavar="TEXT...", help="Words to look for, in English or Korean (e.g. noise, 노이즈).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array (id, score, title, matched).")] = False,
) -> None:
    """Find cards by words, in English or Korean.

    Ranked: a word in the title counts most, then the symptom, then the checks, then
    everything else (fixes, tags, product and checklist ids)."""
    raise typer.Exit(search_cards(_settings(ctx), " ".join(text), as_json))


@card_app.command("export")
def export_cmd(
    ctx: typer.Context,
    ids: Annotated[Optional[list[str]], typer.Argument(metavar="[ID]...", help="Card ids (or --all).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Export every card.")] = False,
    fmt: Annotated[str, typer.Option("--format", metavar="md|html", help="HTML (one A4 page per card) or Markdown.")] = "html",
    out: Annotated[str, typer.Option("--out", metavar="DIR", help="Folder to write into (created if missing).")] = ...,  # type: ignore[assignment]
    lang: Annotated[Optional[str], typer.Option("--lang", metavar="en|ko|all", help="Language of the files (default: the display language).")] = None,
) -> None:
    """Write cards to files: A4 HTML for print, or Markdown.

    One file per card, named by id: <id>.html or <id>.md, or <id>.en.html and
    <id>.ko.html with --lang all."""
    raise typer.Exit(export_cards(_settings(ctx), list(ids or []), all_, fmt, out, lang))
