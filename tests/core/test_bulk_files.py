"""FORMATS.md: every import reads its file the same way. A bad row is named by the file line it starts on — a
quoted value may span lines, blank lines count — and a file that is not UTF-8, names a column twice, or has a row
with more values than columns is refused with a message, never a traceback or a silently dropped value. A file
refused as a whole writes nothing, even with --commit-valid; two rows of one file for the same record are refused."""

from __future__ import annotations

from pathlib import Path

from portal.core.bulk import read_rows, run_import

COLUMNS = ("customer_nip", "flag")


def test_formats_line_numbers_count_file_lines_not_records():
    text = 'customer_nip,flag,note\r\n1,a,"two\r\nlines"\r\n\r\n\r\n2,b,\r\n'
    rows, errors = read_rows(text, COLUMNS)
    assert errors == []
    assert [line for line, _ in rows] == [2, 6]
    assert rows[0][1] == {"customer_nip": "1", "flag": "a", "note": "two\nlines"}  # as a typed value


def test_formats_a_file_with_cr_line_ends_reads_as_any_other():
    rows, errors = read_rows("customer_nip,flag\r1,a\r2,b\r", COLUMNS)
    assert errors == [] and [(line, row["flag"]) for line, row in rows] == [(2, "a"), (3, "b")]


def test_formats_a_row_with_more_values_than_columns_is_refused_on_its_line():
    rows, errors = read_rows("customer_nip,flag\n1,a\n2,b, and more\n,,x\n", COLUMNS)
    assert [line for line, _ in rows] == [2]
    assert [e.line for e in errors] == [3, 4]
    assert "3 values" in errors[0].message and "2 columns" in errors[0].message
    assert read_rows("customer_nip,flag\n1,a,,\n", COLUMNS)[1] == []  # empty trailing cells are no values


def test_formats_a_column_named_twice_is_refused():
    rows, errors = read_rows("customer_nip,flag,customer_nip\n1,a,2\n", COLUMNS)
    assert rows == [] and errors[0].line == 1 and "customer_nip" in errors[0].message


def test_formats_a_column_named_twice_instead_of_another_is_named_first():
    """`ref,ref,…` where the second should have been another column: the repeat is why it "misses" one."""
    _, errors = read_rows("ref,ref,value\nA,B,1\n", ["ref", "date", "value"])
    assert [e.line for e in errors] == [1, 1]
    assert "more than once: ref" in errors[0].message and "missing column(s): date" in errors[1].message


def test_formats_a_file_that_is_not_utf8_is_refused_at_its_line(app, tmp_path: Path):
    path = tmp_path / "cp1250.csv"
    path.write_bytes("customer_nip,flag\n1,a\n2,żółw\n".encode("cp1250"))
    handled = []
    result = run_import(path, COLUMNS, handled.append)
    assert handled == [] and not result.committed
    assert result.errors[0].line == 3 and "UTF-8" in result.errors[0].message


def test_formats_a_refused_header_writes_nothing_even_with_commit_valid(app):
    handled = []
    result = run_import("customer_nip\n1\n", COLUMNS, handled.append, commit_valid=True)
    assert handled == [] and not result.committed and result.errors[0].line == 1


def test_formats_two_rows_for_the_same_record_are_refused(app):
    handled = []
    result = run_import("customer_nip,flag\n1,a\n2,b\n1,c\n", COLUMNS, handled.append, commit_valid=True,
                        key=lambda row: row["customer_nip"], what="NIP")
    assert [row["flag"] for row in handled] == ["a", "b"]
    assert [(e.line, e.message) for e in result.errors] == [(4, "the same NIP as line 2")]


def test_formats_a_semicolon_separated_file_is_told_what_separator_to_use():
    """Polish-locale Excel saves "CSV" with semicolons: the organiser is told that, not that their own columns are
    missing."""
    rows, errors = read_rows("customer_nip;flag\n1;a\n", COLUMNS)
    assert rows == [] and len(errors) == 1 and errors[0].line == 1
    assert "';'" in errors[0].message and "comma" in errors[0].message and "missing" not in errors[0].message


def test_formats_an_unclosed_quote_that_swallows_the_next_rows_is_named_with_its_lines():
    text = 'customer_nip,flag\n1,a\n2,"b\n3,c\n4,d\n5,e\n'
    rows, errors = read_rows(text, COLUMNS)
    assert [line for line, _ in rows] == [2]
    assert len(errors) == 1 and errors[0].line == 3
    assert "quote" in errors[0].message and "6" in errors[0].message  # the lines it swallowed: 3 to 6


def test_formats_an_unclosed_quote_in_a_large_file_is_a_message_not_a_traceback():
    text = 'customer_nip,flag\n1,a\n2,"b\n' + "".join(f"{n},x\n" for n in range(3, 20000))
    rows, errors = read_rows(text, COLUMNS)
    assert [line for line, _ in rows] == [2]
    assert len(errors) == 1 and errors[0].line == 3 and "quote" in errors[0].message


def test_formats_a_quoted_value_on_two_lines_is_still_one_value():
    rows, errors = read_rows('customer_nip,flag\n1,"a\nb"\n2,c\n', COLUMNS)
    assert errors == [] and [(line, row["flag"]) for line, row in rows] == [(2, "a\nb"), (4, "c")]


def test_formats_a_date_is_exactly_yyyy_mm_dd():
    """20180810 or 2018-W32-5 would be read as some day by Python; a file in another layout is refused instead."""
    import pytest

    from portal.core.bulk import iso_day

    assert str(iso_day(" 2018-08-10 ")) == "2018-08-10"
    for text in ("20180810", "2018-W32-5", "2018W325", "2018-8-10", "10.08.2018", "2018-02-30", ""):
        with pytest.raises(ValueError):
            iso_day(text)


def test_formats_an_installer_file_with_compact_dates_is_refused_on_its_line(app, tmp_path: Path):
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(Path(__file__).resolve().parents[2]
                                                                         / "tenants" / "manufacturer")])
    assert result.exit_code == 0, result.output
    path = tmp_path / "installers.csv"
    path.write_text("email,first_name,last_name,nip,business,status,registered_on,activated_on\n"
                    "a@example.com,Ala,Nowak,,no,installer,20240110,\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["participants", "import", "manufacturer", str(path)])
    assert result.exit_code == 1 and "line 2" in result.output and "registered_on" in result.output, result.output


def test_formats_a_closed_quoted_value_of_prose_with_commas_on_two_lines_is_one_value():
    """A reviewer's reason on two lines whose second line holds as many commas as the file has columns: the quote is
    closed, Python's csv reads one row; only lines that read as rows of their own (a key, no spaces, then values)
    are a runaway quote."""
    text = ('ref,decision,decided_on,reason\nR-20,rejected,2018-09-04,"Customer already served.\n'
            'See tickets 101, 102, 103, 104 in CRM"\nR-21,qualified,2018-09-04,\n')
    rows, errors = read_rows(text, ["ref", "decision", "decided_on", "reason"])
    assert errors == [] and [(line, row["ref"]) for line, row in rows] == [(2, "R-20"), (4, "R-21")]
    assert rows[0][1]["reason"].endswith("104 in CRM")


def test_formats_a_value_longer_than_the_csv_modules_limit_is_read_and_the_rest_of_the_file_too():
    """A 200,000-character cell (no quote anywhere) is a value too long for its column, which the import says at its
    line; it is no unclosed quote, and the rows after it are read."""
    text = f"customer_nip,flag\n1,a\n2,{'x' * 200_000}\n3,c\n"
    rows, errors = read_rows(text, COLUMNS)
    assert errors == [] and [line for line, _ in rows] == [2, 3, 4] and len(rows[1][1]["flag"]) == 200_000


def test_formats_an_unclosed_quote_swallowing_rows_keyed_by_a_nip_in_groups_is_still_named():
    columns = ["nip", "name", "address"]
    text = 'nip,name,address\nPL 779 24 06 776,A,"ul. Długa 1\nPL 526 000 12 46,B,ul. Krótka 2\n108 000 94 97,C,x\n'
    rows, errors = read_rows(text, columns)
    assert rows == [] and len(errors) == 1 and errors[0].line == 2 and "quote" in errors[0].message
