"""Text an import may store: one encoding per CSV file, ids without look-alikes or
invisible characters, names of a sane length, e-mail addresses that are addresses."""

from __future__ import annotations

from builders import write_csv


def _accounts(folder, rows):
    folder.mkdir()
    return write_csv(folder / "accounts.csv", [["id", "name"], *rows])


def test_a_csv_mixing_utf8_gbk_and_latin1_rows_is_refused_naming_the_rows(run, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    lines = ["id,name".encode(), "A1,王建国".encode("utf-8"), "A2,李明".encode("gbk"), "A3,José".encode("latin-1"),
             "A4,plain".encode()]
    (folder / "accounts.csv").write_bytes(b"\n".join(lines) + b"\n")
    code, _, err = run("import", str(folder / "accounts.csv"))
    assert code == 3, err
    assert "mixes text encodings: rows 2 are UTF-8, rows 3, 4 are not" in err
    code, out, _ = run("accounts", "--json")
    assert "王建国" not in out


def test_look_alike_and_invisible_ids_are_refused(run, tmp_path):
    path = _accounts(tmp_path / "ids", [["A-G1", "real"], ["А-G1", "cyrillic A"], ["Ａ-G1", "full-width A"],
                                        ["A-G1\u200b", "zero-width space"], ["A\u202eG1", "bidi override"]])
    code, _, err = run("import", str(path))
    assert code == 3, err
    assert "row 3, column 'id': id 'А-G1' mixes Latin with Cyrillic or Greek" in err
    assert "row 4, column 'id': id 'Ａ-G1' is not in normal form: write it 'A-G1'" in err
    assert "row 5, column 'id'" in err and "row 6, column 'id'" in err and "invisible or text-direction" in err
    assert "row 2," not in err


def test_names_have_a_length_limit_and_emails_must_be_addresses(run, tmp_path):
    folder = tmp_path / "people"
    folder.mkdir()
    write_csv(folder / "accounts.csv", [["id", "name"], ["A", "x" * 5000]])
    write_csv(folder / "contacts.csv", [["id", "account_id", "name", "email"], ["C1", "A", "n", "javascript:alert(1)"],
                                        ["C2", "A", "m", "ok@example.cn"]])
    code, _, err = run("import", str(folder))
    assert code == 3, err
    assert "accounts.csv, row 2, column 'name': 5,000 characters, more than the 200 allowed" in err
    assert "contacts.csv, row 2, column 'email': 'javascript:alert(1)' is not an e-mail address" in err
    assert "row 3" not in err


# Addresses the fast column check must leave to the regex (each breaks one of its conditions)
# and ones it accepts: whatever it says, the column's verdict is the regex's.
_ADDRESSES = ["ok@example.cn", "a.b@c.d.e", "x@.a.cn", "@example.cn", "a@example", "a@.cn", "a@example.",
              "a@@example.cn", "a@b@example.cn", "a b@example.cn", "a@exa mple.cn", "a<b@example.cn",
              "a@example.c]n", "a\\b@example.cn", "a;b@example.cn", "王@example.cn", "a@example.cn.",
              "a@b..cn", "a..b@c.d", "a@b.c", "a@b.c ", "a@b.c\u00a0"]


def test_a_column_of_addresses_passes_the_fast_check_only_when_the_regex_agrees():
    from importers.text_rules import _EMAILS_JOINED, _plain_addresses

    for bad in _ADDRESSES:
        column = ["first@example.cn", bad, "last@example.cn"]
        joined = " ".join(column)
        assert not _plain_addresses(joined, len(column)) or _EMAILS_JOINED.fullmatch(joined), bad
        assert _plain_addresses(joined, len(column)) == (bad in {"ok@example.cn", "a.b@c.d.e", "x@.a.cn",
                                                                   "a@b..cn", "a..b@c.d", "a@b.c"}), bad
    assert _plain_addresses(" ".join(["ok@example.cn"] * 3), 3)
    assert _plain_addresses("a@b.c", 1) and not _plain_addresses("a@b.c x@y.z", 1)


def test_every_malformed_address_in_a_large_column_is_named_with_its_row(tmp_path):
    from importers import import_paths
    from graph.embedded import EmbeddedStore
    from graph.exceptions import ImportRejected

    folder = tmp_path / "many"
    folder.mkdir()
    good = [[f"C{i}", "A", f"n{i}", f"c{i}@example.cn"] for i in range(20_000)]
    bad = {5: "a@example", 7_000: "@example.cn", 15_000: "a@b@example.cn", 19_999: "x@.cn"}
    for at, address in bad.items():
        good[at][3] = address
    write_csv(folder / "accounts.csv", [["id", "name"], ["A", "a"]])
    write_csv(folder / "contacts.csv", [["id", "account_id", "name", "email"], *good])
    try:
        import_paths([folder], EmbeddedStore(":memory:"))
    except ImportRejected as rejected:
        found = {(p.row, p.column, p.message) for p in rejected.problems}
    else:
        raise AssertionError("malformed addresses were accepted")
    assert found == {(at + 2, "email", f"{address!r} is not an e-mail address (name@example.com)")
                     for at, address in bad.items()}
