"""The ``powermap`` command group: global options, shared helpers and error mapping.

The commands themselves live in :mod:`powermap.commands` (one module per area), each
module imported only when one of its commands runs (:data:`powermap.commands.COMMANDS`), so
that ``powermap --help`` or ``powermap accounts`` does not pay for pandas, SciPy, FastAPI or
the maps. Heavy libraries are imported where they are needed, never here.

Each command parses its arguments, calls one library function and formats the
result, as a table for people or, with ``--json``, as JSON on stdout (and nothing
else on stdout). Errors are one line on stderr with a non-zero exit code:
2 unknown id or bad usage, 3 import rejected, 4 store unavailable, 1 anything else.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape as rich_escape

from graph.exceptions import PowermapError
from powermap import __version__
from powermap.commands import COMMANDS

if TYPE_CHECKING:  # imported where used: the store pulls in pandas and networkx, the policy SciPy
    from graph.analysis.cadence import CadencePolicy
    from graph.store import GraphStore
    from powermap.settings import Settings

__all__ = ["app", "main", "out", "err", "json_option", "open_cli_store", "print_json", "escape", "store_label",
           "store_options", "store_opener", "date_value"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class _State:
    db: str | None = None
    store: str | None = None
    neo4j_uri: str | None = None
    infer_influence: bool = False


class _LazyGroup(click.Group):
    """A group whose commands' modules are imported on first use (click's documented
    pattern for lazily loaded subcommands). The command list in ``--help`` comes from
    :data:`powermap.commands.COMMANDS`, so listing them imports nothing."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"powermap.commands.{COMMANDS[cmd_name][0]}")  # registers it
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        # a stand-in command carrying the summary shortens it exactly as click shortens a command's help
        rows = [(name, (click.Command(name, help=COMMANDS[name][1]) if name in COMMANDS else self.commands[name])
                 .get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", envvar="POWERMAP_DB", metavar="PATH",
              help="The embedded store's file [default: ./powermap.db; env POWERMAP_DB].")
@click.option("--store", type=click.Choice(["embedded", "neo4j"]), envvar="POWERMAP_STORE",
              help="Which store: the embedded file or a Neo4j server [default: embedded; env POWERMAP_STORE].")
@click.option("--neo4j-uri", envvar="NEO4J_URI", metavar="URI",
              help="The Neo4j server, e.g. neo4j://localhost:7687 [env NEO4J_URI; user, password and "
                   "database from NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE].")
@click.option("--infer-influence", is_flag=True, default=None, envvar="POWERMAP_INFER_INFLUENCE",
              help="Let contact-to-contact interactions add influence edges (flagged inferred) to the "
                   "analyses [env POWERMAP_INFER_INFLUENCE].")
@click.version_option(__version__, prog_name="powermap")
def app(db: str | None, store: str | None, neo4j_uri: str | None, infer_influence: bool | None) -> None:
    """Stakeholder and decision-chain analyzer for key-account sales teams.

    Import your accounts, contacts, our team and the ties among them from Excel/CSV
    (English or Chinese) or a Salesforce export, then explore who decides, who
    influences whom and how we reach them. Start with `powermap demo`, or with a blank
    workbook to fill in: `powermap template -o customers.xlsx`.

    \b
    Shell completion (bash; zsh and fish likewise, see the CLI reference of the docs):
      eval "$(_POWERMAP_COMPLETE=bash_source powermap)"
    """
    _State.db = db
    _State.store = store
    _State.neo4j_uri = neo4j_uri
    _State.infer_influence = bool(infer_influence)


json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print JSON on stdout instead of a table.")


def open_cli_store() -> GraphStore:
    """The store the global options and settings name."""
    from powermap.wiring import open_store

    return open_store(_settings(), db=_State.db, store=_State.store, neo4j_uri=_State.neo4j_uri)


def _settings() -> Settings:
    """The settings, with the global options that change analyses applied."""
    from powermap.settings import get_settings

    settings = get_settings()
    return settings.model_copy(update={"infer_influence": True}) if _State.infer_influence else settings


def store_options() -> dict[str, str | None]:
    """The global options that name a store (``db``, ``store``, ``neo4j_uri``), None when not given."""
    return {"db": _State.db, "store": _State.store, "neo4j_uri": _State.neo4j_uri}


def store_opener() -> Callable[[], GraphStore]:
    """A picklable function that opens the same store again (in a worker process)."""
    from powermap.wiring import open_store

    return partial(open_store, _settings(), **store_options())


def store_label() -> str:
    from powermap.settings import get_settings

    settings = get_settings()
    if (_State.store or settings.store) == "neo4j":
        return _State.neo4j_uri or settings.neo4j_uri or "Neo4j"
    return _State.db or settings.db


def date_value(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """Click callback: an ISO date option (``--as-of``, ``--since``) as a date."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-01") from None


policy_option = click.option(
    "--policy", "policy_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help="The cadence policy (TOML) behind cadence_breach [default: POWERMAP_CADENCE_POLICY, else the shipped one].")


def cadence_policy(policy_file: Path | None = None) -> CadencePolicy | None:
    """The policy file given, else the configured one, else None (the shipped policy)."""
    from graph.analysis.cadence import load_policy
    from powermap.settings import get_settings

    path = policy_file or get_settings().cadence_policy
    return load_policy(path) if path else None


def print_json(data: Any) -> None:
    """JSON on stdout, and only JSON."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def escape(text: object) -> str:
    """User text made safe for rich markup."""
    return rich_escape(str(text))


# ----- entry point -----------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map powermap's errors to one line on stderr and an exit code."""
    try:
        app.main(args=argv, prog_name="powermap", standalone_mode=False)
    except PowermapError as error:
        err.print(f"powermap: {error}", markup=False)
        return error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as usage:
        usage.show()
        return 2
    except click.exceptions.Abort:
        err.print("aborted", markup=False)
        return 130
    except Exception as bug:  # noqa: BLE001 - last resort: one line, traceback on request
        if os.environ.get("POWERMAP_DEBUG"):
            raise
        err.print(f"powermap: internal error ({type(bug).__name__}: {bug}); "
                  "run with POWERMAP_DEBUG=1 for the traceback and report it", markup=False)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
