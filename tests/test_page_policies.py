"""The sign-in page and /docs carry a Content-Security-Policy allowing only this server's
scripts and styles and their own inline blocks (by hash); exported CSV cells are quoted
and neutralised even when the formula hides behind spaces, zero-width characters or a
byte-order mark, or is written full-width."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re

from api.exports import csv_bytes, neutralise_cell


def _hashes(page: str, kind: str) -> set[str]:
    return {"'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
            for body in re.findall(rf"<{kind}>(.*?)</{kind}>", page, re.S)}


def test_the_sign_in_page_and_docs_have_a_content_security_policy(api):
    login = api.client.get("/login")
    policy = login.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    assert _hashes(login.text, "style") and all(h in policy for h in _hashes(login.text, "style"))
    assert "unsafe-inline" not in policy
    docs = api.get("/docs")
    policy = docs.headers["Content-Security-Policy"]
    assert _hashes(docs.text, "script") and all(h in policy for h in _hashes(docs.text, "script"))
    assert "script-src 'self' 'sha256-" in policy and "default-src 'none'" in policy


def test_hidden_and_full_width_formula_triggers_are_neutralised():
    for value in (" =1+1", "\u200b=HYPERLINK(\"http://x\")", "\ufeff=1", "＝1+1", "\u00a0+1", "＠SUM(A1)"):
        assert neutralise_cell(value) == "'" + value, value
    assert neutralise_cell("王 = 1") == "王 = 1"


def test_csv_cells_are_quoted_so_a_semicolon_cannot_split_one(api):
    text = csv_bytes(["name"], [["x;=1+1"]]).decode("utf-8-sig")
    assert text.splitlines()[1] == '"x;=1+1"'
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1] == ["x;=1+1"]
