"""Store commands: migrate (copy a whole graph between the embedded store and Neo4j)."""

from __future__ import annotations

import click
from rich.table import Table

from graph.migrate import copy_graph
from graph.model import TABLES
from powermap.cli import app, err, json_option, out, print_json, store_options
from powermap.settings import get_settings
from powermap.wiring import open_store_at

_WHERE = ("`embedded` (the store of --db / POWERMAP_DB), `neo4j` (the server of --neo4j-uri / "
          "NEO4J_URI), a Neo4j URI such as bolt://host:7687 (credentials from NEO4J_USER and "
          "NEO4J_PASSWORD, database from NEO4J_DATABASE) or the path of an embedded store file")


@app.command()
@click.option("--from", "source", required=True, metavar="SOURCE", help="The store to copy: " + _WHERE + ".")
@click.option("--to", "target", required=True, metavar="TARGET",
              help="The empty store to copy into, named the same way.")
@json_option
def migrate(source: str, target: str, as_json: bool) -> None:
    """Copy a whole graph, with its snapshots, from one store into another, empty one,
    then read the target back and verify every table's count.

    The records are written in one transaction: if anything fails the target is left
    as it was. A target that already holds records is refused (exit code 2); a copy
    that does not read back like its source is an error (exit code 1).

    \b
    Examples:
      powermap migrate --from powermap.db --to neo4j
      powermap migrate --from neo4j://db.example.com:7687 --to backup.db
    """
    settings, options = get_settings(), store_options()
    overrides = {"db": options["db"], "neo4j_uri": options["neo4j_uri"]}
    with open_store_at(source, settings, must_exist=True, **overrides) as from_store:
        with open_store_at(target, settings, **overrides) as to_store:
            err.print(f"copying {source} → {target} …", markup=False)
            report = copy_graph(from_store, to_store)
    if as_json:
        print_json(report.as_dict())
        return
    table = Table("table", "source", "copied", title="Migrated and verified")
    for name in TABLES:
        if name in report.source:
            table.add_row(name, f"{report.source[name]:,}", f"{report.target.get(name, 0):,}")
    table.add_row("snapshots", f"{report.snapshots:,}", f"{report.snapshots:,}")
    out.print(table)
