"""Exports: graph formats readable by networkx/Gephi/yEd, and CSV/XLSX cells that no
spreadsheet runs as a formula."""

from __future__ import annotations

import csv
import io

import networkx as nx
import pytest
from openpyxl import load_workbook

from api.exports import FORMULA_TRIGGERS, csv_bytes, gexf_bytes, graph_json, graphml_bytes, neutralise_cell, xlsx_bytes

DANGEROUS = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_cells_are_neutralised(value):
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["王建国", "a=b", "1-2", "", None, -1, 0.5, "'already"])
def test_other_cells_are_left_alone(value):
    assert neutralise_cell(value) == value


def test_every_trigger_is_covered():
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


def test_csv_export_neutralises_every_cell_and_keeps_numbers():
    data = csv_bytes(["name", "=title", "stance"], [[v, "ok", -1] for v in DANGEROUS] + [["李明", ["a", "b"], None]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["name", "'=title", "stance"]
    assert [r[0] for r in rows[1:-1]] == ["'" + v for v in DANGEROUS]
    assert rows[1][2] == "-1" and rows[-1] == ["李明", "a; b", ""]


def test_xlsx_export_never_holds_a_formula(tmp_path):
    data = xlsx_bytes(["name", "stance"], [[v, -1] for v in DANGEROUS], sheet="gaps")
    sheet = load_workbook(io.BytesIO(data))["gaps"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    # XML turns a carriage return into a line feed; the cell is text either way
    assert [cell.value for cell in cells] == ["'" + v.replace("\r", "\n") for v in DANGEROUS]
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [-1] * len(DANGEROUS)


def test_graph_exports_round_trip_through_networkx(api):
    G = api.store.account_subgraph("G1")
    as_json = api.get("/accounts/G1/graph").json()
    assert nx.node_link_graph(as_json, edges="edges").number_of_edges() == G.number_of_edges()
    graphml = api.get("/accounts/G1/graph", params={"format": "graphml"})
    assert graphml.headers["content-type"].startswith("application/graphml+xml")
    H = nx.read_graphml(io.BytesIO(graphml.content))
    assert set(H.nodes) == set(G.nodes) and H.number_of_edges() == G.number_of_edges()
    assert H.nodes["contact:C2"]["roles"] == "buyer;gatekeeper" and H.nodes["contact:C2"]["stance"] == -1
    gexf = api.get("/accounts/G1/graph", params={"format": "gexf"})
    K = nx.read_gexf(io.BytesIO(gexf.content))
    assert set(K.nodes) == set(G.nodes) and K.nodes["contact:C1"]["label"] == "王建国"
    assert K.nodes["contact:C1"]["record_id"] == "C1"


def test_graph_writers_accept_awkward_values():
    G = nx.MultiDiGraph(root="account:A")
    G.add_node("account:A", kind="account", id="A", name="bad\x00\x07name", tier=None, roles=("b", "a"))
    G.add_node("contact:B", kind="contact", id="B", name="=cmd", stance=3, influence=0.5, flag=True)
    G.add_edge("contact:B", "account:A", key="part_of", type="part_of", weight=None)
    for data in (graphml_bytes(G), gexf_bytes(G)):
        assert b"\x00" not in data and b"bad" in data
    H = nx.read_graphml(io.BytesIO(graphml_bytes(G)))
    assert H.nodes["account:A"]["roles"] == "a;b" and "tier" not in H.nodes["account:A"]
    assert graph_json(G)["nodes"][0]["roles"] == ["a", "b"]
