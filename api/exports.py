"""Exports: an account's graph as JSON (nodes and edges), GraphML and GEXF, and safe
CSV/XLSX tables (cells that a spreadsheet would run as a formula are neutralised).

The graph given here is already the key's view (:meth:`api.visibility.View.graph`):
personal fields are gone for non-PII keys and nothing outside its accounts is left.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from api.visibility import ANALYSIS_INPUTS
from importers.sheet_format import FORMULA_TRIGGERS, XML_INVALID  # the import format's own cell rules

__all__ = ["graph_json", "graphml_bytes", "gexf_bytes", "neutralise_cell", "csv_bytes", "xlsx_bytes", "review_xlsx",
           "FORMULA_TRIGGERS", "GRAPH_MEDIA_TYPES", "XLSX_MEDIA_TYPE"]

GRAPH_MEDIA_TYPES = {"json": "application/json", "graphml": "application/graphml+xml",
                     "gexf": "application/gexf+xml"}
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise_cell(value: Any) -> Any:
    """A cell value that no spreadsheet will run as a formula.

    Text beginning with ``=`` ``+`` ``-`` ``@``, a tab or a carriage return gets a
    leading apostrophe (the OWASP advice against CSV injection), so it shows as text;
    numbers, dates and other text are returned unchanged.

    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")"), neutralise_cell("-1"), neutralise_cell(-1)
    ('\\'=HYPERLINK("http://x")', "'-1", -1)
    >>> neutralise_cell("王建国"), neutralise_cell("\\tx"), neutralise_cell(None)
    ('王建国', "'\\tx", None)

    So does text whose trigger hides behind spaces, zero-width characters or a byte-order
    mark, or is written full-width (``＝`` ``＋`` ``－`` ``＠``):

    >>> neutralise_cell(" =1+1"), neutralise_cell("\\u200b=1"), neutralise_cell("＝1+1")
    ("' =1+1", "'\\u200b=1", "'＝1+1")
    """
    if isinstance(value, str) and (value.startswith(FORMULA_TRIGGERS)
                                   or _HIDDEN_TRIGGER.match(value) is not None):
        return "'" + value
    return value


# a trigger after characters a spreadsheet may drop or not show (spaces, zero-width ones, a
# byte-order mark), and the full-width forms some spreadsheets read as the ASCII ones
_HIDDEN_TRIGGER = re.compile("[\\s\u00a0\u200b-\u200d\u2060\ufeff]*[=+\\-@\uff1d\uff0b\uff0d\uff20\t\r\n]")


def _cell_text(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return "; ".join(str(v) for v in value)
    return value


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file (UTF-8 with BOM, so Excel reads Chinese right) with every cell neutralised and quoted."""
    out = io.StringIO()
    # every cell quoted: Excel in locales whose list separator is ';' would split "x;=1+1"
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([neutralise_cell(c) for c in columns])
    for row in rows:
        writer.writerow(["" if v is None else neutralise_cell(_cell_text(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def review_xlsx(tables: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx of several sheets ``(name, columns, rows)``, every text cell neutralised."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for sheet, columns, rows in tables:
        worksheet = workbook.create_sheet(title=sheet[:31] or "Sheet")
        for row in [columns, *rows]:
            worksheet.append([XML_INVALID.sub("", v) if isinstance(v, str) else v
                              for v in (neutralise_cell(_cell_text(x)) for x in row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1") -> bytes:
    """An .xlsx workbook of one sheet with every text cell neutralised (never a formula)."""
    return review_xlsx([(sheet[:31] or "Sheet1", columns, rows)])


def graph_json(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Node-link JSON: ``nodes`` (``id`` = the node key, e.g. ``contact:C1``, plus its
    attributes) and ``edges`` (``source``, ``target``, ``key``, ``type`` and attributes)."""
    data = nx.node_link_data(G, edges="edges")
    data["graph"] = {k: v for k, v in data["graph"].items() if k not in ANALYSIS_INPUTS}
    for node in data["nodes"]:
        for name, value in list(node.items()):
            if isinstance(value, (tuple, set, frozenset)):
                node[name] = sorted(value)
    return data


def _serialisable(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attributes GraphML/GEXF can hold: no None, lists as ``;``-joined text,
    text free of characters XML forbids."""
    H = nx.MultiDiGraph()
    H.graph.update({k: _xml_value(v) for k, v in G.graph.items() if v is not None and k not in ANALYSIS_INPUTS})
    for node, data in G.nodes(data=True):
        H.add_node(node, **{k: _xml_value(v) for k, v in data.items() if v is not None})
    for u, v, k, data in G.edges(keys=True, data=True):
        H.add_edge(u, v, key=k, **{a: _xml_value(b) for a, b in data.items() if b is not None})
    return H


def _xml_value(value: Any) -> Any:
    if isinstance(value, (tuple, list, set, frozenset)):
        value = ";".join(str(v) for v in sorted(value))
    if isinstance(value, bool | int | float):
        return value
    return XML_INVALID.sub("", str(value))


def graphml_bytes(G: nx.MultiDiGraph) -> bytes:
    """GraphML (for yEd, Gephi, Cytoscape); each node's ``label`` is its name."""
    H = _serialisable(G)
    for _, data in H.nodes(data=True):
        data.setdefault("label", data.get("name", ""))
    buffer = io.BytesIO()
    nx.write_graphml(H, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


def gexf_bytes(G: nx.MultiDiGraph) -> bytes:
    """GEXF 1.2 (for Gephi); each node's ``label`` is its name, its record id ``record_id``."""
    H = _serialisable(G)
    for _, data in H.nodes(data=True):
        data["label"] = str(data.get("name", ""))
        data["record_id"] = data.pop("id", "")  # GEXF's writer would take "id" as the node's id
    buffer = io.BytesIO()
    nx.write_gexf(H, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()
