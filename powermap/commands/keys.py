"""``powermap keys``: create, list and revoke the HTTP API's keys.

Only a SHA-256 hash of each key is stored (in the API state: the Neo4j database of a
Neo4j store, else the SQLite file beside the embedded store, ``POWERMAP_API_DB``); the
secret is printed once, when it is created.
"""

from __future__ import annotations

import click
from rich.table import Table

from powermap.cli import app, err, json_option, open_cli_store, out, print_json, store_options

__all__ = ["keys"]


def api_state():
    """The API state of the store the global options name: in its Neo4j database (shared by
    every server on it), or the SQLite file beside the embedded store (``POWERMAP_API_DB``)."""
    from powermap.settings import get_settings
    from powermap.wiring import open_api_state

    settings = api_settings()
    options = store_options()
    return open_api_state(get_settings(), state_path=settings.state_path, api_db=settings.api_db,
                          store=options["store"], neo4j_uri=options["neo4j_uri"])


def api_settings():
    """The API's settings, with the store file the global ``--db`` names (the API state lives beside it)."""
    from api.settings import ApiSettings

    db = store_options()["db"]
    return ApiSettings(db=db) if db else ApiSettings()


@app.group()
def keys() -> None:
    """Create, list and revoke API keys for the HTTP API (`powermap serve`).

    A key has a scope (read < write < admin), may see personal fields (--pii) or not,
    and may be restricted to some accounts (and their sub-accounts).
    """


@keys.command("create")
@click.option("--name", required=True, help="A name for the key (shown in the audit log).")
@click.option("--scope", type=click.Choice(["read", "write", "admin"]), default="read", show_default=True,
              help="read: GET only; write: also PUT/DELETE/import/webhooks; admin: also the audit log.")
@click.option("--pii", is_flag=True, help="May see personal fields (a contact's email, phone, birthday, notes).")
@click.option("--accounts", metavar="ID,…", help="Restrict the key to these accounts and their descendants.")
@json_option
def create(name: str, scope: str, pii: bool, accounts: str | None, as_json: bool) -> None:
    """Create a key and print its secret (shown only this once).

    \b
    Examples:
      powermap keys create --name crm --scope write
      powermap keys create --name east-team --scope read --accounts A-G1 --json
    """
    account_ids = None
    if accounts is not None:
        account_ids = sorted({a.strip() for a in accounts.split(",") if a.strip()})
        if not account_ids:
            raise click.BadParameter("give at least one account id", param_hint="--accounts")
        with open_cli_store() as store:
            missing = sorted(set(account_ids) - store.existing_ids("accounts", account_ids))
        if missing:
            err.print(f"note: no account {', '.join(missing)} in the store yet; the key will see it once "
                      "it is imported", markup=False)
    with api_state() as state:
        key, secret = state.create_key(name, scope, pii=pii, accounts=account_ids)
    if as_json:
        print_json({"name": key.name, "key": secret, "scope": key.scope, "pii": key.pii,
                    "accounts": list(key.accounts) if key.accounts is not None else None})
        return
    err.print(f"Created key {key.name!r} (scope {key.scope}{', PII' if key.pii else ''}"
              f"{', accounts ' + ', '.join(key.accounts) if key.accounts else ''}). "
              "Its secret is shown only now:", markup=False)
    out.print(secret, markup=False)


@keys.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the key NAME at once (its browser sessions end too)."""
    with api_state() as state:
        state.revoke_key(name)
    err.print(f"Revoked key {name!r}.", markup=False)


@keys.command("list")
@json_option
def list_keys(as_json: bool) -> None:
    """The active keys: name, scope, PII, accounts, created, last used (never secrets)."""
    with api_state() as state:
        found = [k.as_dict() for k in state.list_keys()]
    if as_json:
        print_json(found)
        return
    table = Table("name", "scope", "pii", "accounts", "created", "last used")
    for key in found:
        table.add_row(key["name"], key["scope"], "yes" if key["pii"] else "", ", ".join(key["accounts"] or ["all"]),
                      key["created_at"][:19], (key["last_used_at"] or "")[:16])
    out.print(table)
