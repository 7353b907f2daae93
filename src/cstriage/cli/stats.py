"""`cstriage stats`: top findings, verdict mix, repeat claims, card coverage.

The numbers come from `store.stats.compute` once; the terminal tables, the Markdown
report and `--json` are three views of that one dict (`table_rows` is shared by the
terminal and the Markdown, so they cannot disagree). rich and json are imported inside
the command.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from cstriage.errors import BadInput, ExitCode

BLOCKS = " ▏▎▍▌▋▊▉█"
MIX_GLYPHS = (("resolved_remote", "█", "resolved remotely"), ("remote", "▓", "remote"), ("visit", "▒", "visit"),
              ("rma", "░", "RMA"), ("escalate", "·", "escalate"), ("open", "◦", "open"))
SHOW_REPEATS = 15
SHOW_EMPTY = 10


def register(app: typer.Typer) -> None:
    app.command("stats")(stats_cmd)


def stats_cmd(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="Window start: 90d, 12w, 6m or an ISO date.")] = "90d",
    until: Annotated[Optional[str], typer.Option("--until", help="Window end (inclusive), ISO date; default today.")] = None,
    product: Annotated[Optional[str], typer.Option("--product", help="Only this product family.")] = None,
    customer: Annotated[Optional[str], typer.Option("--customer", help="Only this customer (exact name).")] = None,
    top: Annotated[int, typer.Option("--top", help="How many top findings.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the numbers as JSON.")] = False,
    markdown: Annotated[Optional[str], typer.Option("--markdown", help="Also write a Markdown report to FILE.")] = None,
) -> None:
    """Top findings, verdict mix, repeat claims and card coverage over stored sessions."""
    from cstriage.cli.main import settings

    raise typer.Exit(stats(settings(ctx), since, until, product, customer, top, as_json, markdown))


# --- the command, callable without the CLI ------------------------------------------


def load_library(settings: Any) -> tuple[Any, int]:
    """The library for titles and cards, even when some content file is invalid (ids only if none)."""
    try:
        from cstriage.content.library import load

        lib = load(settings.roots())
    except Exception:  # noqa: BLE001 - stats must work without content
        return None, -1
    return lib, len(lib.errors)


def stats(settings: Any, since: str, until: str | None, product: str | None, customer: str | None, top: int,
          as_json: bool, markdown: str | None, now: Any = None) -> int:
    import json

    from cstriage.store.stats import compute

    if top < 0:
        raise BadInput(f"--top {top} is negative", hint="use --top 20, or 0 for none")
    lib, errors = load_library(settings)
    data = compute(settings.store(), since, until, product, customer, top, now=now, library=lib, lang=settings.lang)
    data["library_errors"] = max(errors, 0)
    if errors:
        sys.stderr.write(f"warning: the content library has {errors} error(s); titles and cards of the files that "
                         "did not load are missing\n  hint: run `cstriage validate`\n" if errors > 0 else
                         "warning: the content library could not be loaded; findings are shown by id\n")
    if markdown:
        try:
            with open(markdown, "w", encoding="utf-8") as fh:
                fh.write(to_markdown(data))
        except OSError as exc:
            raise BadInput(f"cannot write {markdown}: {exc.strerror}", hint="choose a writable path for --markdown") from None
        sys.stderr.write(f"report written to {markdown}\n")
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return ExitCode.OK
    if not data["sessions"]:
        sys.stdout.write(empty_message(data) + "\n")
        return ExitCode.OK
    print_terminal(data)
    return ExitCode.OK


# --- shared by the terminal and the Markdown ------------------------------------------


def bar(value: float, biggest: float, width: int = 10) -> str:
    """A bar of unicode eighth blocks, `width` cells for `biggest`."""
    if biggest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / biggest * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")


def mix_bar(m: dict[str, Any], width: int = 20) -> str:
    """One stacked bar per product: a glyph per outcome, proportional to its sessions."""
    total = m["sessions"] or 1
    cells, acc, drawn = [], 0.0, 0
    for key, glyph, _ in MIX_GLYPHS:
        acc += m.get(key, 0)
        upto = round(acc / total * width)
        cells.append(glyph * (upto - drawn))
        drawn = upto
    return "".join(cells)


def pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def trend(delta: int) -> str:
    return f"▲{delta}" if delta > 0 else (f"▼{-delta}" if delta < 0 else "=")


def window_text(data: dict[str, Any]) -> str:
    w = data["window"]
    return f"{w['since']} → {w['until']} ({w['days']} days)"


def empty_message(data: dict[str, Any]) -> str:
    w = data["window"]
    f = data["filters"]
    scope = "".join([f" for product {f['product']}" if f["product"] else "",
                     f" for customer {f['customer']}" if f["customer"] is not None else ""])
    when = (f"in the last {w['days']} days" if w["until"] == data["generated"][:10]
            else f"between {w['since']} and {w['until']}")
    return (f"no sessions{scope} {when} — run `cstriage start` to triage a call, or merge your team's history "
            "with `cstriage sessions import FILE` (written by `cstriage sessions export`)")


def unit_text(r: dict[str, Any]) -> str:
    if r["level"] == "product":
        return f"{len(r['serials'])} serials: " + ", ".join(r["serials"][:4]) + (" …" if len(r["serials"]) > 4 else "")
    who = r.get("serial") or "(no serial)"
    return f"{who} · {r['customer']}" if r.get("customer") else who


def table_rows(data: dict[str, Any], bar_width: int = 10, mix_width: int = 20) -> dict[str, list[list[str]]]:
    """The cells of every table, as text: the terminal and the Markdown show exactly these."""
    tops = data["top_findings"]
    biggest = max((t["count"] for t in tops), default=0)
    top_rows = [[str(i), t["finding"], t["title"] if t["title"] != t["finding"] else "", t["fix"] or "?",
                 str(t["count"]), pct(t["share"]), bar(t["count"], biggest, bar_width), str(t["previous"]), trend(t["trend"]),
                 t["card"] or "—"] for i, t in enumerate(tops, 1)]
    mix_rows = [[m["product"], str(m["sessions"]), *(str(m[k]) for k, _, _ in MIX_GLYPHS), str(m["safety"]),
                 mix_bar(m, mix_width)] for m in data["verdict_mix"]]
    empty_rows = [[e["session"], e["serial"] or "—", e["checklist"],
                   ", ".join(f"{c['check']} ({c['stage']})" for c in e["skipped"])] for e in data["empty_handed"]]
    return {"top": top_rows, "mix": mix_rows, "empty": empty_rows}


def repeat_items(data: dict[str, Any]) -> list[list[str]]:
    """Per repeat claim: level, headline, then detail lines (terminal and Markdown)."""
    out = []
    for r in data["repeats"]:
        head = (r["finding"] or "(no finding)") + (f" — {r['title']}" if r.get("title") and r["title"] != r["finding"]
                                                  else "")
        detail = f"{r['count']} sessions, {r['first']} → {r['last']}, {unit_text(r)}; {r['reason']}"
        if r["level"] == "internal" and r.get("followup_findings") is not None:
            detail += "; found after: " + (", ".join(r["followup_findings"]) or "no cause")
        out.append([r["level"], head, detail] + [f"→ {a}" for a in r["action"]])
    return out


HEADERS = {
    "top": ["#", "finding", "title", "fix", "count", "share", "", "prev", "trend", "card"],
    "mix": ["product", "sessions", "resolved", "remote", "visit", "rma", "escalate", "open", "safety", "mix"],
    "empty": ["session", "serial", "checklist", "skipped checks (stage)"],
}
RIGHT = {"#", "count", "share", "prev", "trend", "sessions", "resolved", "remote", "visit", "rma", "escalate", "open",
         "safety"}


def summary_lines(data: dict[str, Any]) -> list[str]:
    cov = data["card_coverage"]
    levels = {lv: sum(1 for r in data["repeats"] if r["level"] == lv) for lv in ("customer", "internal", "product")}
    lines = [(f"{data['sessions']} sessions ({data['finished']} finished), {window_text(data)}; "
              f"previous window {data['previous_window']['since']} → {data['previous_window']['until']}")]
    lines.append(f"repeat claims: {len(data['repeats'])} (customer {levels['customer']}, internal "
                 f"{levels['internal']}, product {levels['product']})")
    if cov["known"]:
        lines.append(f"card coverage: {cov['with_card']} of {cov['of']} top findings have a card")
    else:
        lines.append("card coverage: unknown (" + cov["note"] + ")")
    lines.append(f"visits planned with parts-relevant checks skipped: {len(data['empty_handed'])}")
    return lines


# --- terminal -------------------------------------------------------------------------

#: How each column may give way on a narrow terminal: numbers never do, ids fold, prose is cut.
KINDS = {
    "top": ("num", "id", "prose", "fixed", "num", "num", "bar", "num", "num", "aux"),
    "mix": ("id", "num", "num", "num", "num", "num", "num", "num", "num", "bar"),
    "empty": ("fixed", "id", "id", "id"),
}


def fit(natural: list[int], kinds: tuple[str, ...], avail: int) -> list[int]:
    """Column widths for `avail` cells: prose gives way first (down to nothing), then bars, then ids.

    Numbers and fixed-width cells keep their natural width, so no count is ever cut.
    """
    widths = list(natural)
    gaps = len(widths) - 1
    floors = {"prose": 0, "bar": 4, "aux": 8, "id": 14}
    for kind in ("prose", "bar", "aux", "id"):
        over = sum(widths) + gaps - avail
        if over <= 0:
            break
        for i, k in enumerate(kinds):
            if k == kind and over > 0:
                cut = min(over, widths[i] - min(floors[kind], widths[i]))
                widths[i] -= cut
                over -= cut
    for i, k in enumerate(kinds):  # a sliver of prose is noise: drop the column
        if k == "prose" and widths[i] < 8:
            widths[i] = 0
    return widths


def print_terminal(data: dict[str, Any]) -> None:
    from rich.cells import cell_len
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from cstriage.cli.common import use_color
    from cstriage.render.text import plain

    con = Console(highlight=False, no_color=not use_color())

    def widths_of(name: str, rows_: list[list[str]]) -> list[int]:
        natural = [max([cell_len(h)] + [cell_len(r[i]) for r in rows_]) for i, h in enumerate(HEADERS[name])]
        return fit(natural, KINDS[name], con.width)

    rows = table_rows(data)  # again, with the bars drawn at the width the terminal leaves them
    rows = table_rows(data, widths_of("top", rows["top"])[6] or 1, widths_of("mix", rows["mix"])[9] or 1)

    def table(name: str, title: str, rows_: list[list[str]], limit: int | None = None) -> None:
        shown = rows_[:limit] if limit else rows_
        kinds = KINDS[name]
        widths = widths_of(name, shown)
        t = Table(title=title, title_justify="left", title_style="bold", box=None, header_style="bold",
                  pad_edge=False, collapse_padding=True)
        keep = [i for i, w in enumerate(widths) if w > 0]
        for i in keep:
            h, kind = HEADERS[name][i], kinds[i]
            t.add_column(h, justify="right" if h in RIGHT else "left", width=widths[i],
                         no_wrap=kind not in ("id", "aux"),
                         overflow={"id": "fold", "aux": "fold", "bar": "crop"}.get(kind, "ellipsis"))
        for r in shown:
            t.add_row(*(Text(plain(r[i])) for i in keep))
        con.print(t)
        if limit and len(rows_) > limit:
            con.print(Text(f"… and {len(rows_) - limit} more (all of them in --json)", style="dim"))
        con.print()

    for line in summary_lines(data):
        con.print(Text(line))
    con.print()
    table("top", f"Top {len(rows['top'])} findings", rows["top"])
    table("mix", "Verdict mix by product family", rows["mix"])
    con.print(Text("mix: " + "  ".join(f"{g} {label}" for _, g, label in MIX_GLYPHS)
                   + " · safety = safety stops (part of visit/rma)", style="dim"))
    con.print()
    con.print(Text("Repeat claims" + ("" if data["repeats"] else ": none in this window"), style="bold"))
    for item in repeat_items(data)[:SHOW_REPEATS]:
        con.print(Padding(Text(f"{item[0]:<9}{plain(item[1])}", style="bold"), (0, 0, 0, 2), expand=False))
        for line in item[2:]:
            con.print(Padding(Text(plain(line)), (0, 0, 0, 11), expand=False))
    if len(data["repeats"]) > SHOW_REPEATS:
        con.print(Text(f"  … and {len(data['repeats']) - SHOW_REPEATS} more (all of them in --json)", style="dim"))
    con.print()
    cov = data["card_coverage"]
    if cov["known"] and cov["write_next"]:
        con.print(Text("Cards to write next", style="bold"))
        for m in cov["write_next"]:
            con.print(Text(f"  {m['finding']} — {plain(m['title'])} ({m['count']} sessions)"))
        con.print()
    if rows["empty"]:
        table("empty", "Visits planned with parts-relevant checks skipped (risk of arriving empty-handed)",
              rows["empty"], SHOW_EMPTY)


# --- Markdown -------------------------------------------------------------------------


def to_markdown(data: dict[str, Any]) -> str:
    from cstriage.render.text import markdown as md

    w = data["window"]
    out = [f"# Service report {w['since']} → {w['until']}", ""]
    f = data["filters"]
    if f["product"] or f["customer"] is not None:
        out += ["Filters: " + ", ".join(x for x in (f"product {md(f['product'])}" if f["product"] else "",
                                                       f"customer {md(f['customer'])}" if f["customer"] is not None
                                                       else "") if x), ""]
    if not data["sessions"]:
        return "\n".join(out + [md(empty_message(data)), ""])
    out += [f"- {md(line)}" for line in summary_lines(data)] + [""]
    rows = table_rows(data)

    def table(name: str, title: str) -> None:
        out.extend([f"## {title}", ""])
        if not rows[name]:
            out.extend(["None.", ""])
            return
        out.append("| " + " | ".join(HEADERS[name]) + " |")
        out.append("|" + "|".join("---:" if h in RIGHT else "---" for h in HEADERS[name]) + "|")
        out.extend("| " + " | ".join(md(c) for c in r) + " |" for r in rows[name])
        out.append("")

    table("top", "Top findings")
    table("mix", "Verdict mix by product family")
    out += ["Mix bar: " + ", ".join(f"`{g}` {label}" for _, g, label in MIX_GLYPHS) + ".", ""]
    out += ["## Repeat claims", ""]
    for item in repeat_items(data):
        out.append(f"- **{item[0]}** {md(item[1])}  ")
        out.extend(f"  {md(line)}  " for line in item[2:])
    out += ["None." if not data["repeats"] else "", ""]
    cov = data["card_coverage"]
    out += ["## Cards to write next", ""]
    if not cov["known"]:
        out += [md(cov["note"]), ""]
    else:
        out += [f"- `{m['finding']}` — {md(m['title'])} ({m['count']} sessions)" for m in cov["write_next"]] or [
            "Every top finding has a card."]
        out.append("")
    table("empty", "Visits planned with parts-relevant checks skipped")
    return "\n".join(out)
