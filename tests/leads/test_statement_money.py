"""E-04 on the partner's statement (L-19): the page and the PDF write amounts the reader's way (``1 234,50 zł`` /
``PLN1,234.50``); the CSV of FORMATS.md keeps plain decimal points for machines."""

from __future__ import annotations

import re

from tests.leads.test_partner_statement_pdf import _partner_one

NBSP = "\u00a0"
POLISH = re.compile(rf"^-?\d{{1,3}}(?:{NBSP}\d{{3}})*,\d{{2}}{NBSP}zł$")
ENGLISH = re.compile(r"^-?PLN\d{1,3}(?:,\d{3})*\.\d{2}$")


def _amount_cells(html: str) -> list[str]:
    rows = re.findall(r"<tr><td>.*?</tr>", html, re.S)
    return [cell for row in rows for i, cell in enumerate(re.findall(r"<td>(.*?)</td>", row, re.S)) if i in (3, 5)]


def test_E04_money_is_formatted_for_the_reader_pl(app, client, campaign):
    _partner_one(app, client, campaign)
    html = client.get("/t/distributor/statements").get_data(as_text=True)
    cells = _amount_cells(html)
    assert cells and all(POLISH.match(cell) for cell in cells), cells
    payable = re.search(r"<strong>Do wypłaty: (.*?)</strong>", html).group(1)
    assert POLISH.match(payable) and payable != f"0,00{NBSP}zł"
    assert "PLN" not in html


def test_E04_money_is_formatted_for_the_reader_en(app, client, campaign):
    _partner_one(app, client, campaign)
    client.post("/lang/en")
    html = client.get("/t/distributor/statements").get_data(as_text=True)
    cells = _amount_cells(html)
    assert cells and all(ENGLISH.match(cell) for cell in cells), cells
    assert ENGLISH.match(re.search(r"<strong>Payable: (.*?)</strong>", html).group(1))


def test_E04_the_pdf_statement_writes_money_the_readers_way_and_the_csv_keeps_decimal_points(app, client, campaign,
                                                                                             monkeypatch):
    _partner_one(app, client, campaign)
    printed = {}

    def capture(title, subtitle, header, rows, widths, footer):
        printed.update(rows=rows, footer=footer)
        return b"%PDF-1.4 captured"

    monkeypatch.setattr("portal.core.pdf.table_pdf", capture)
    assert client.get("/t/distributor/statements/1.pdf").status_code == 200
    assert all(POLISH.match(row[4]) and POLISH.match(row[6]) for row in printed["rows"]), printed["rows"]
    assert POLISH.match(printed["footer"][0].removeprefix("Do wypłaty: "))
    assert POLISH.match(printed["footer"][1].removeprefix("Wstrzymane: "))
    csv_text = client.get("/t/distributor/statements/1.csv").get_data(as_text=True)
    assert "zł" not in csv_text and re.search(r",\d+\.\d{2},0\.\d+,\d+\.\d{2},", csv_text)

