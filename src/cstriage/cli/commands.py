"""Registration of the commands and command groups (explicit, no folder scanning).

Each command body imports what it needs when it runs, so `--help` stays light.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

sessions_app = typer.Typer(help="Stored sessions: list, show, export, import, delete.", no_args_is_help=True)
checklist_app = typer.Typer(help="Browse the checklists.", no_args_is_help=True)
baseline_app = typer.Typer(help="Baselines recorded by install checklists.", no_args_is_help=True)


def _settings(ctx: typer.Context):  # noqa: ANN202
    from cstriage.cli.main import settings

    return settings(ctx)


def start_cmd(
    ctx: typer.Context,
    checklist: Annotated[Optional[str], typer.Option("--checklist", help="Checklist id (skips symptom matching).")] = None,
    product: Annotated[Optional[str], typer.Option("--product", help="Product family id.")] = None,
    symptom: Annotated[Optional[str], typer.Option("--symptom", help="Symptom as reported, Korean or English.")] = None,
    serial: Annotated[Optional[str], typer.Option("--serial", help="Instrument serial number.")] = None,
    customer: Annotated[Optional[str], typer.Option("--customer", help="Customer / lab.")] = None,
    ticket: Annotated[Optional[str], typer.Option("--ticket", help="Ticket number.")] = None,
    downtime_critical: Annotated[Optional[bool], typer.Option("--downtime-critical/--no-downtime-critical", help="Customer's downtime is costly (loaner).")] = None,
    answers: Annotated[Optional[str], typer.Option("--answers", help="Answers file (YAML) to pre-fill.")] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt; a missing answer is an error.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    out: Annotated[Optional[str], typer.Option("--out", help="Write the report as Markdown to FILE.")] = None,
) -> None:
    """Start a guided triage session."""
    from cstriage.cli.session import StartOptions, start

    opts = StartOptions(checklist, product, symptom, serial, customer, ticket, downtime_critical, answers,
                        no_input, as_json, out)
    raise typer.Exit(start(_settings(ctx), opts))


def resume_cmd(
    ctx: typer.Context,
    session: Annotated[Optional[str], typer.Argument(help="Session id (default: the latest open one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    out: Annotated[Optional[str], typer.Option("--out", help="Write the report as Markdown to FILE.")] = None,
) -> None:
    """Continue an unfinished session where it stopped."""
    from cstriage.cli.session import StartOptions, resume

    raise typer.Exit(resume(_settings(ctx), session, StartOptions(json=as_json, out=out)))


@sessions_app.command("list")
def sessions_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    status: Annotated[Optional[str], typer.Option("--status", help="open | finished")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0 = all).")] = 50,
) -> None:
    """List sessions, newest first."""
    from cstriage.cli import history

    raise typer.Exit(history.list_sessions(_settings(ctx), as_json, status, limit))


@sessions_app.command("show")
def sessions_show(
    ctx: typer.Context,
    session: Annotated[str, typer.Argument(help="Session id (a unique prefix is enough).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the ticket report as Markdown.")] = False,
) -> None:
    """Show one session: answers, verdict, plan."""
    from cstriage.cli import history

    raise typer.Exit(history.show_session(_settings(ctx), session, as_json, markdown))


@sessions_app.command("export")
def sessions_export(
    ctx: typer.Context,
    out: Annotated[Optional[str], typer.Option("--out", help="File to write (default: standard output).")] = None,
) -> None:
    """Write every session as JSON Lines (for a team lead's `import`)."""
    from cstriage.cli import history

    raise typer.Exit(history.export_sessions(_settings(ctx), out))


@sessions_app.command("import")
def sessions_import(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(help="JSON Lines files from `sessions export`.")],
) -> None:
    """Merge other engineers' exported sessions; never duplicates, never overwrites."""
    from cstriage.cli import history

    raise typer.Exit(history.import_sessions(_settings(ctx), files))


@sessions_app.command("delete")
def sessions_delete(
    ctx: typer.Context,
    ids: Annotated[Optional[list[str]], typer.Argument(help="Session ids.")] = None,
    customer: Annotated[Optional[str], typer.Option("--customer", help="Delete every session of this customer.")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete sessions for good (by id, or all of a customer)."""
    from cstriage.cli import history

    raise typer.Exit(history.delete_sessions(_settings(ctx), list(ids or []), customer, yes))


@checklist_app.command("list")
def checklist_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    product: Annotated[Optional[str], typer.Option("--product")] = None,
) -> None:
    """List the checklists."""
    from cstriage.cli import history

    raise typer.Exit(history.list_checklists(_settings(ctx), as_json, product))


@checklist_app.command("show")
def checklist_show(ctx: typer.Context, checklist: Annotated[str, typer.Argument(help="Checklist id.")]) -> None:
    """Show a checklist's stages, checks and findings."""
    from cstriage.cli import history

    raise typer.Exit(history.show_checklist(_settings(ctx), checklist))


@baseline_app.command("list")
def baseline_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Serials that have baselines."""
    from cstriage.cli import history

    raise typer.Exit(history.list_baselines(_settings(ctx), as_json))


@baseline_app.command("show")
def baseline_show(ctx: typer.Context, serial: Annotated[str, typer.Argument()],
                  as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Baselines of one serial (latest first)."""
    from cstriage.cli import history

    raise typer.Exit(history.show_baselines(_settings(ctx), serial, as_json))


#: Every command and group name on the top level (validate and schema live in main).
NAMES = ("validate", "schema", "start", "resume", "sessions", "checklist", "baseline", "card", "stats")


def register(app: typer.Typer, only: str | None = None) -> None:
    """Attach the commands and groups (all of them, or just `only`)."""

    def want(name: str) -> bool:
        return only is None or only == name

    if want("start"):
        app.command("start")(start_cmd)
    if want("resume"):
        app.command("resume")(resume_cmd)
    if want("sessions"):
        app.add_typer(sessions_app, name="sessions")
    if want("checklist"):
        app.add_typer(checklist_app, name="checklist")
    if want("baseline"):
        app.add_typer(baseline_app, name="baseline")
    if want("card"):
        from cstriage.cli import cards

        app.add_typer(cards.card_app, name="card")
    if want("stats"):
        from cstriage.cli import stats

        stats.register(app)
