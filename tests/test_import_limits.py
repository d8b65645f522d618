"""Parse and decompression bombs, real files: a sheet declaring A1:XFD1048576, an .xlsx
part of whitespace unpacking a thousand times its size, a CSV header of a million
columns, files past the (configurable) cell limit — each refused or read by what it
really holds, quickly, nothing written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from builders import SMALL, write_csv, write_workbook

POWERMAP = str(Path(sys.executable).with_name("powermap"))
#: a safety net so that a hang fails instead of blocking the suite (today's code hung past 90 s)
HANG = 120


def rewrite_part(path: Path, part: str, change) -> Path:
    """Rewrite one part of an .xlsx (a real zip) with ``change(xml_text) -> xml_text``."""
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    out = path.with_name("bomb-" + path.name)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info, data in items:
            if info.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, data)
    return out


def contacts_workbook(tmp_path: Path) -> Path:
    """SMALL's accounts, departments and contacts: the contacts are sheet3.xml."""
    return write_workbook(tmp_path / "book.xlsx", {t: SMALL[t] for t in ("accounts", "departments", "contacts")})


def powermap(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([POWERMAP, "--db", str(tmp_path / "store.db"), *args], capture_output=True, text=True,
                          timeout=HANG, env={**os.environ, **env})


def test_a_sheet_declaring_a_million_rows_by_xfd_is_read_by_the_cells_it_holds(tmp_path):
    def declare_everything(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]+"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml)
        return xml.replace("</sheetData>", '<row r="1048576"><c r="A1048576"/></row></sheetData>')  # one blank cell

    bomb = rewrite_part(contacts_workbook(tmp_path), "xl/worksheets/sheet3.xml", declare_everything)
    assert bomb.stat().st_size < 10_000
    done = powermap(tmp_path, "import", "--dry-run", "--json", str(bomb))
    assert done.returncode == 0, done.stderr
    assert '"contacts": 3' in done.stdout


def test_an_xlsx_part_unpacking_a_thousand_times_its_size_is_refused(tmp_path):
    padding = " " * 50_000_000
    bomb = rewrite_part(contacts_workbook(tmp_path), "xl/worksheets/sheet3.xml",
                        lambda xml: xml.replace("<sheetData>", "<sheetData>" + padding, 1))
    assert bomb.stat().st_size < 1_000_000
    done = powermap(tmp_path, "import", str(bomb))
    assert done.returncode == 3, done.stderr
    assert "xl/worksheets/sheet3.xml unpacks" in done.stderr and "POWERMAP_IMPORT_MAX_COMPRESSION_RATIO" in done.stderr
    assert "accounts" not in powermap(tmp_path, "accounts", "--json").stdout


def test_the_part_size_limit_is_configurable(tmp_path):
    done = powermap(tmp_path, "import", str(contacts_workbook(tmp_path)), POWERMAP_IMPORT_MAX_PART_BYTES="500")
    assert done.returncode == 3 and "more than the limit of 500 (POWERMAP_IMPORT_MAX_PART_BYTES)" in done.stderr


def test_a_csv_header_of_a_million_columns_is_refused_before_it_is_parsed(tmp_path):
    folder = tmp_path / "wide"
    folder.mkdir()
    header = ",".join(["id", "account_id", "name"] + [f"c{i}" for i in range(1_000_000)])
    (folder / "contacts.csv").write_text(header + "\nC1,A,n\n", encoding="utf-8")
    done = powermap(tmp_path, "import", "--dry-run", str(folder / "contacts.csv"))
    assert done.returncode == 3, done.stderr
    assert "1,000,003 columns, more than the limit of 1,000 (POWERMAP_IMPORT_MAX_COLUMNS)" in done.stderr


def test_a_sheet_wider_than_the_column_limit_is_refused(tmp_path):
    wide = [["id", "account_id", "name"] + [f"c{i}" for i in range(1_100)], ["C1", "G1", "n"]]
    done = powermap(tmp_path, "import", "--dry-run", str(write_workbook(tmp_path / "w.xlsx", {"contacts": wide})))
    assert done.returncode == 3 and "1,103 columns" in done.stderr


def test_files_past_the_cell_limit_are_refused_csv_and_xlsx(tmp_path):
    rows = [["id", "account_id", "name"]] + [[f"C{i}", "A", "n"] for i in range(400)]
    folder = tmp_path / "csv"
    folder.mkdir()
    csv_file = write_csv(folder / "contacts.csv", rows)
    book = write_workbook(tmp_path / "many.xlsx", {"contacts": rows})
    for path in (csv_file, book):
        done = powermap(tmp_path, "import", "--dry-run", str(path), POWERMAP_IMPORT_MAX_CELLS="1000")
        assert done.returncode == 3, (path, done.stderr)
        assert "more than 1,000 cells" in done.stderr and "POWERMAP_IMPORT_MAX_CELLS" in done.stderr


def _with_dtd(declarations: str, reference: str):
    """A part rewritten with a DTD in its prolog and ``reference`` in its first value."""
    def change(xml: str) -> str:
        xml = re.sub(r"^<\?xml[^>]*\?>", "", xml)
        return f'<?xml version="1.0"?><!DOCTYPE x [{declarations}]>' + xml.replace("<t>", f"<t>{reference}", 1)
    return change


def test_an_xlsx_with_an_external_entity_is_refused_and_reads_no_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    bomb = rewrite_part(contacts_workbook(tmp_path), "xl/worksheets/sheet3.xml",
                        _with_dtd(f'<!ENTITY e SYSTEM "{secret.as_uri()}">', "&e;"))
    done = powermap(tmp_path, "import", str(bomb))
    assert done.returncode == 3, done.stderr
    assert "xl/worksheets/sheet3.xml declares a DTD" in done.stderr and "TOPSECRET" not in done.stdout + done.stderr
    assert "accounts" not in powermap(tmp_path, "accounts", "--json").stdout


def test_an_xlsx_with_billion_laughs_entities_is_refused_at_once(tmp_path):
    laughs = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    for part in ("xl/worksheets/sheet3.xml", "xl/workbook.xml", "[Content_Types].xml"):
        bomb = rewrite_part(contacts_workbook(tmp_path), part, _with_dtd(laughs, "&a9;"))
        assert bomb.stat().st_size < 10_000
        done = powermap(tmp_path, "import", "--dry-run", str(bomb))
        assert done.returncode == 3, (part, done.stderr)
        assert f"part {part} declares a DTD" in done.stderr


def test_a_sheet_that_is_not_well_formed_xml_is_a_clear_error(tmp_path):
    broken = rewrite_part(contacts_workbook(tmp_path), "xl/worksheets/sheet3.xml",
                          lambda xml: xml.replace("</sheetData>", "<row><c></sheetData>", 1))
    done = powermap(tmp_path, "import", str(broken))
    assert done.returncode == 3, done.stderr
    assert "internal error" not in done.stderr
    assert "book.xlsx:contacts: the sheet's XML is not well-formed (mismatched tag" in done.stderr


def test_the_cli_import_stops_at_its_deadline_and_writes_nothing(tmp_path):
    rows = [["id", "account_id", "name"]] + [[f"P{i:06d}", "A", f"联系人{i}"] for i in range(200_000)]
    folder = tmp_path / "big"
    folder.mkdir()
    write_csv(folder / "accounts.csv", [["id", "name"], ["A", "华东重工"]])
    write_csv(folder / "contacts.csv", rows)
    for how in ({"args": ("--deadline", "0.2")}, {"env": {"POWERMAP_IMPORT_DEADLINE_SECONDS": "0.2"}}):
        done = powermap(tmp_path, "import", *how.get("args", ()), str(folder), **how.get("env", {}))
        assert done.returncode == 1, done.stderr
        assert "longer than its deadline of 0.2 s" in done.stderr and "nothing was written" in done.stderr
        assert "华东重工" not in powermap(tmp_path, "accounts").stdout
    assert powermap(tmp_path, "import", "--deadline", "600", str(folder)).returncode == 0
