"""Session history, checklists and baselines: list, show, export, import, delete."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from cstriage.cli.common import Settings, out
from cstriage.errors import BadInput, ExitCode
from cstriage.render.text import plain

LIST_FIELDS = ("session", "checklist", "status", "started", "serial", "customer", "ticket", "verdict",
               "product", "finished")


def _row_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {"session": row["id"], "checklist": row["checklist"], "status": row["status"], "started": row["started"],
            "serial": row.get("serial"), "customer": row.get("customer"), "ticket": row.get("ticket"),
            "verdict": row.get("verdict"), "product": row.get("product"), "finished": row.get("finished")}


def list_sessions(settings: Settings, as_json: bool, status: str | None, limit: int) -> int:
    if status not in (None, "open", "finished"):
        raise BadInput(f"unknown status `{status}`", hint="use open or finished")
    rows = settings.store().sessions(status=status, limit=limit or None)
    items = [_row_summary(r) for r in rows]
    if as_json:
        out(json.dumps(items, ensure_ascii=False, indent=2))
        return ExitCode.OK
    if not items:
        out("no sessions yet — start one with `cstriage start`")
        return ExitCode.OK
    from rich.console import Console
    from rich.table import Table

    from cstriage.render.text import terminal as esc

    table = Table(box=None, header_style="bold")
    for col in ("session", "started", "checklist", "serial", "customer", "ticket", "status", "verdict"):
        table.add_column(col, overflow="fold")
    for i in items:
        table.add_row(esc(i["session"]), esc((i["started"] or "")[:16].replace("T", " ")), esc(i["checklist"]),
                      esc(i["serial"] or ""),
                      esc(i["customer"] or ""), esc(i["ticket"] or ""), i["status"], i["verdict"] or "—")
    Console(highlight=False).print(table)
    return ExitCode.OK


def _find(store: Any, sid: str) -> dict[str, Any]:
    row = store.session(sid)
    if row is None:
        raise BadInput(f"no session `{sid}`", hint="see `cstriage sessions list`")
    return row


def _library_or_none(settings: Settings) -> Any:
    from cstriage.content.library import load

    lib = load(settings.roots())
    return lib


def show_session(settings: Settings, sid: str, as_json: bool, markdown: bool) -> int:
    from cstriage.store.db import record

    store = settings.store()
    row = _find(store, sid)
    rec = record(row, store.events(row["id"]))
    if as_json:
        rec.pop("events", None)
        out(json.dumps(rec, ensure_ascii=False, indent=2))
        return ExitCode.OK
    lib = _library_or_none(settings)
    from cstriage.render.markdown import session_report

    text = session_report(rec, lib, settings.lang)
    if markdown:
        sys.stdout.write(text)
        return ExitCode.OK
    if rec.get("verdict"):
        from cstriage.render.verdict import print_verdict

        print_verdict(rec, lib, settings.lang)
    else:
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    return ExitCode.OK


def export_sessions(settings: Settings, dest: str | None) -> int:
    store = settings.store()
    stream = open(dest, "w", encoding="utf-8") if dest else sys.stdout
    n = 0
    try:
        for rec in store.iter_records():
            stream.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    finally:
        if dest:
            stream.close()
    if dest:
        out(f"{n} session(s) written to {dest}", err=True)
    return ExitCode.OK


def import_sessions(settings: Settings, files: list[str]) -> int:
    from cstriage.store.sync import import_records

    store = settings.store()
    totals = {"added": 0, "same": 0, "conflicts": []}
    for f in files:
        p = Path(f)
        if not p.is_file():
            raise BadInput(f"file not found: {f}", hint="pass files written by `cstriage sessions export`")
        got = import_records(store, p)
        totals["added"] += got["added"]
        totals["same"] += got["same"]
        totals["conflicts"] += got["conflicts"]
    out(f"imported {totals['added']} new session(s); {totals['same']} already present")
    for c in totals["conflicts"]:
        out(f"conflict: session {c['session']} ({c['where']}) differs from the stored copy; kept the stored one")
    return ExitCode.OK


def delete_sessions(settings: Settings, ids: list[str], customer: str | None, yes: bool) -> int:
    store = settings.store()
    if not ids and customer is None:
        raise BadInput("name the sessions to delete", hint="cstriage sessions delete ID… or --customer NAME")
    rows = [_find(store, sid) for sid in ids]
    if customer is not None:
        rows += store.sessions(customer=customer)
        if not rows:
            raise BadInput(f"no sessions for customer `{customer}`", hint="names must match exactly; see `sessions list`")
    targets = sorted({r["id"] for r in rows})
    if not yes:
        if not sys.stdin.isatty():
            raise BadInput(f"this deletes {len(targets)} session(s) for good", hint="add --yes to confirm")
        import questionary

        if not questionary.confirm(f"Delete {len(targets)} session(s) for good?", default=False).unsafe_ask():
            out("nothing deleted")
            return ExitCode.OK
    store.delete_sessions(targets)
    out(f"deleted {len(targets)} session(s): " + ", ".join(targets))
    return ExitCode.OK


def list_checklists(settings: Settings, as_json: bool, product: str | None) -> int:
    from cstriage.i18n import tr

    lib = settings.library()
    items = []
    for cid, e in sorted(lib.checklists.items()):
        cl = e.obj
        if product and product not in cl.products:
            continue
        items.append({"id": cid, "title": tr(cl.title, settings.lang), "purpose": cl.purpose,
                      "products": cl.products, "symptoms": cl.symptoms,
                      "checks": len(cl.checks()), "hash": lib.hashes[cid]})
    if as_json:
        out(json.dumps(items, ensure_ascii=False, indent=2))
        return ExitCode.OK
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for col in ("id", "purpose", "title", "checks"):
        table.add_column(col, overflow="fold")
    for i in items:
        table.add_row(i["id"], i["purpose"], i["title"], str(i["checks"]))
    Console(highlight=False).print(table)
    return ExitCode.OK


def show_checklist(settings: Settings, cid: str) -> int:
    from rich.console import Console
    from rich.text import Text

    from cstriage.i18n import stage_name, tr

    lib = settings.library()
    if cid not in lib.checklists:
        from cstriage.content.library import _suggest

        raise BadInput(f"unknown checklist `{cid}`", hint=_suggest(cid, lib.checklists) or "see `cstriage checklist list`")
    cl = lib.checklist(cid)
    lang = settings.lang
    con = Console(highlight=False)
    con.print(Text(f"{tr(cl.title, lang)}  ({cid}, {cl.purpose})", style="bold"))
    con.print(Text("products: " + ", ".join(cl.products) + " · symptoms: " + ", ".join(cl.symptoms), style="dim"))
    for n, step in enumerate(cl.steps, 1):
        con.print(Text(f"\n{n}. {stage_name(step.stage, lang)}", style="bold cyan"))
        for chk in step.checks:
            unit = f" [{chk.unit}]" if chk.unit else ""
            con.print(Text(f"  • {plain(tr(chk.ask, lang))}{unit}  ({chk.id}, {chk.type})"))
            for rule in chk.rules:
                f = lib.findings.get(rule.then)
                fix = f.obj.fix if f else "?"
                cond = json.dumps(rule.if_.model_dump(by_alias=True, exclude_none=True), ensure_ascii=False)
                con.print(Text(f"      if {cond} → {rule.then} [{fix}]", style="dim"))
    return ExitCode.OK


def list_baselines(settings: Settings, as_json: bool) -> int:
    rows = settings.store().baseline_serials()
    if as_json:
        out(json.dumps(rows, ensure_ascii=False, indent=2))
        return ExitCode.OK
    if not rows:
        out("no baselines yet — install checklists record them (record_baseline)")
        return ExitCode.OK
    for r in rows:
        out(f"{plain(r['serial'])}\t{r['names']} value(s)\tlast {plain(r['last'])}")
    return ExitCode.OK


def show_baselines(settings: Settings, serial: str, as_json: bool) -> int:
    rows = settings.store().baselines(serial)
    if as_json:
        out(json.dumps(rows, ensure_ascii=False, indent=2))
        return ExitCode.OK
    if not rows:
        raise BadInput(f"no baselines for serial `{serial}`", hint="see `cstriage baseline list`")
    for r in rows:
        unit = f" {r['unit']}" if r.get("unit") else ""
        out(f"{plain(r['name'])}\t{r['value']:g}{plain(unit)}\t{plain(r['recorded'])}\tsession {plain(r['session'])}")
    return ExitCode.OK
