"""CSV files opened in a spreadsheet: typed text never becomes a formula, numbers stay numbers (FORMATS.md)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest

from portal.core import safecsv


@pytest.mark.parametrize("typed", ["=HYPERLINK(\"http://evil.example\")", "+48 600 100 200", "-2+3", "@SUM(A1)",
                                   "\t=1", "\r=1", "-", "+"])
def test_typed_text_that_a_spreadsheet_would_run_is_kept_as_text(typed):
    assert safecsv.neutralise(typed) == "'" + typed


@pytest.mark.parametrize("value", ["-12.50", "+3", "-0.15", "12", ".5", "Jan Kowalski", "a=b", "", None, 7,
                                   Decimal("-12.50")])
def test_numbers_and_harmless_text_are_written_as_they_are(value):
    assert safecsv.neutralise(value) == value


def test_dict_writer_neutralises_cells_but_not_the_header():
    out = io.StringIO()
    writer = safecsv.DictWriter(out, fieldnames=["name", "amount"], lineterminator="\n")
    writer.writeheader()
    writer.writerows([{"name": "=1+1", "amount": "-12.50"}])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["name", "amount"], ["'=1+1", "-12.50"]]


def test_the_settlement_csv_keeps_negative_amounts_and_disarms_a_typed_reference():
    """FORMATS.md's settlement file: a correction's negative base and amount stay numbers; a lead reference typed
    by the organiser as a formula is written as text."""
    from portal.leads.service.settlement import CSV_COLUMNS, to_csv

    line = SimpleNamespace(partner_nip="5252248481", ref="=cmd|' /C calc'!A0", line="reward", rule="L-11",
                           base=Decimal("-100.00"), rate="0.15", amount=Decimal("-15.00"), status="payable",
                           reason="correction of period 1")
    rows = list(csv.DictReader(io.StringIO(to_csv([line]))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["base"] == "-100.00" and rows[0]["amount"] == "-15.00" and rows[0]["rate"] == "0.15"
    assert rows[0]["ref"] == "'=cmd|' /C calc'!A0"
