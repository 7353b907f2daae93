"""The typer app: global options, explicit command registration, one error boundary.

Imports stay inside commands so that each command pays only for what it uses
(`--help` and `card show` never import questionary; see docs/performance.md).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from cstriage.cli.common import Settings, content_from_env
from cstriage.errors import CstriageError, ExitCode

def main(
    ctx: typer.Context,
    content: Annotated[Optional[list[str]], typer.Option("--content", help="Extra content folder (repeatable); env CSTRIAGE_CONTENT.")] = None,
    no_bundled: Annotated[bool, typer.Option("--no-bundled", help="Use only the --content folders; env CSTRIAGE_NO_BUNDLED=1.")] = False,
    data_dir: Annotated[Optional[str], typer.Option("--data-dir", help="Where sessions and baselines are stored; env CSTRIAGE_HOME.")] = None,
    lang: Annotated[Optional[str], typer.Option("--lang", help="Display language: ko or en; env CSTRIAGE_LANG.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
) -> None:
    from cstriage.i18n import detect_lang

    bundled = not no_bundled and os.environ.get("CSTRIAGE_NO_BUNDLED", "") not in ("1", "true", "yes")
    ctx.obj = Settings(
        content=list(content or []) + content_from_env(),
        bundled=bundled,
        data_dir=data_dir,
        lang=detect_lang(lang),
        debug=debug,
    )


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def validate_cmd(
    ctx: typer.Context,
    paths: Annotated[Optional[list[str]], typer.Argument(help="Files or folders; default: the loaded library.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto | text | json | github")] = "auto",
    require_lang: Annotated[str, typer.Option("--require-lang", help="Languages every text must have, e.g. en,ko.")] = "",
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
    with_bundled: Annotated[bool, typer.Option("--with-bundled", help="Resolve references of PATHs against the bundled library.")] = False,
) -> None:
    """Check content files: syntax, fields, references, stages, card limits, translations."""
    from cstriage.cli.validate import validate

    raise typer.Exit(validate(settings(ctx), list(paths or []), fmt, require_lang, strict, with_bundled))


def schema_cmd(
    kind: Annotated[Optional[str], typer.Option("--kind", help="checklist | card | catalog")] = None,
) -> None:
    """Print the JSON Schema of the content format (for yaml-language-server)."""
    from cstriage.cli.validate import schema

    raise typer.Exit(schema(kind))


#: Global options that take a value (skipped when looking for the command word).
_VALUE_OPTIONS = {"--content", "--data-dir", "--lang"}


def command_word(args: list[str]) -> str | None:
    """The command or group named on the command line, after the global options."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_app(only: str | None = None) -> typer.Typer:
    """The typer app, with every command registered explicitly.

    With `only`, just that command or group is attached (when it exists): typer turns
    every registered command into a click command on each run, and skipping the ones
    that will not run keeps start-up time down for `card show` and friends.
    """
    from cstriage.cli import commands

    app = typer.Typer(
        name="cstriage",
        help="Guided triage for field service of scientific photonics instruments.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(main)
    if only not in commands.NAMES:
        only = None
    if only in (None, "validate"):
        app.command("validate")(validate_cmd)
    if only in (None, "schema"):
        app.command("schema")(schema_cmd)
    commands.register(app, only)
    return app


def run(argv: list[str] | None = None) -> None:
    """Entry point: the one place that turns exceptions into messages and exit codes."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    _guard_streams()
    try:
        rc = build_app(command_word(args))(args=args, prog_name="cstriage", standalone_mode=False)
    except CstriageError as exc:
        _report(exc)
        rc = int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        rc = ExitCode.INTERRUPTED
    except typer.Exit as exc:  # pragma: no cover - click returns these in non-standalone mode
        rc = exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the error boundary
        rc = _usage_or_bug(exc, debug)
    sys.stdout.flush()
    sys.exit(int(rc or 0))


def _guard_streams() -> None:
    """Never crash on a terminal that cannot show a character (non-UTF-8 locales)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # pragma: no cover - exotic streams
                pass


def _report(exc: CstriageError) -> None:
    where = f"{exc.where}: " if exc.where else ""
    label = "interrupted" if exc.exit_code == ExitCode.INTERRUPTED else "error"
    try:
        sys.stderr.write(f"{label}: {where}{exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"  hint: {exc.hint}\n")
        sys.stderr.flush()
    except OSError:  # the terminal is gone (SIGHUP); the session is already saved
        pass


def _usage_or_bug(exc: Exception, debug: bool) -> int:
    from typer import _click as click

    if isinstance(exc, click.exceptions.UsageError):
        exc.show()
        return ExitCode.BAD_INPUT
    if isinstance(exc, typer.Abort):
        sys.stderr.write("\ninterrupted\n")
        return ExitCode.INTERRUPTED
    if isinstance(exc, click.exceptions.ClickException):
        exc.show()
        return ExitCode.BAD_INPUT
    if isinstance(exc, BrokenPipeError):
        return ExitCode.OK
    if debug:
        import traceback

        traceback.print_exc()
    else:
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "  this is a bug in cstriage, not in your input; rerun with --debug for the traceback "
            "and report it with the command you ran\n"
        )
    return ExitCode.BUG
