"""The partner's own PDF statement (L-19) prints what the organiser's does: line types, statuses, rates and the
reasons in the reader's language, never the stored codes or the engine's English (the CSV keeps its codes)."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT
from portal.extensions import db
from portal.leads.models import Partner
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.leads.conftest import nip
from tests.leads.test_campaign_commands import _standard_campaign
from tests.leads.test_pages import _setup

CODES = ("payable", "withheld", "not_paid", "reward", "new_partner_bonus", "top_partner_award")
ENGLISH = ("of sale value", "base capped at", "came before the qualification", "first realised lead", "licences")


def _partner_one(app, client, campaign):
    tenant = _setup(app, "2018-10-05")  # L-07: the decisions of 2018-08-13 are past
    _standard_campaign(campaign)
    result, _rows = campaign.settle(1, "2018-10-05")
    assert result.exit_code == 0, result.output
    user = factories.user(tenant, PARTICIPANT, email="jan1@partner1.example.com", locale="pl")
    with use_tenant(tenant.id):
        db.session.scalars(select(Partner).where(Partner.nip == nip(1))).one().user_id = user.id
        db.session.commit()
    factories.login(client, tenant, user.email)


def test_L19_partner_pdf_statement_in_polish_prints_labels_not_codes(app, client, campaign, monkeypatch):
    _partner_one(app, client, campaign)
    pdf = client.get("/t/distributor/statements/1.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="statement-1-{nip(1)}.pdf"'

    printed = {}

    def capture(title, subtitle, header, rows, widths, footer):
        printed.update(title=title, subtitle=subtitle, header=header, rows=rows, footer=footer)
        return b"%PDF-1.4 captured"

    monkeypatch.setattr("portal.core.pdf.table_pdf", capture)
    assert client.get("/t/distributor/statements/1.pdf").status_code == 200
    rows = printed["rows"]
    assert rows and {row[0] for row in rows} == {nip(1)}
    assert printed["title"].endswith("rozliczenie za okres 1")
    assert printed["header"][:3] == ["NIP", "Numer", "pozycja"] and printed["header"][-2:] == ["status", "powód"]
    assert {"nagroda za lead", "premia dla nowego partnera"} <= {row[2] for row in rows}
    assert {"do wypłaty", "bez wypłaty"} <= {row[7] for row in rows}
    reasons = [row[8] for row in rows]
    assert "reguła 2 (o365-annual-upto150): 12%, podstawa: wartość sprzedaży" in reasons
    assert any("ograniczona do wartości 500 licencji" in r for r in reasons)
    assert "sprzedaż z dnia 2018-08-10 nastąpiła przed kwalifikacją leada (2018-08-13)" in reasons
    cells = [cell for row in rows for cell in (row[2], row[5], row[7], row[8])]
    for code in CODES:
        assert code not in cells, code
    for english in ENGLISH:
        assert not any(english in cell for cell in cells), english
    assert all(row[5].endswith("%") for row in rows)  # rates as percentages, not fractions
    assert printed["footer"][0].startswith("Do wypłaty: ")


def test_L19_partner_statement_csv_keeps_the_documented_codes(app, client, campaign):
    _partner_one(app, client, campaign)
    csv_text = client.get("/t/distributor/statements/1.csv").get_data(as_text=True)
    assert ",payable," in csv_text and ",not_paid," in csv_text  # FORMATS.md: codes for machines
    assert client.get("/t/distributor/statements/1.xls").status_code == 404


def test_L19_a_statement_pdf_prints_each_nip_and_amount_on_one_line(app):
    """The columns were narrow enough to break a NIP ("111222333 / 2") and any amount from 100 000 up."""
    from decimal import Decimal

    from flask_babel import force_locale
    from fpdf import FPDF

    from portal.core.labels import money
    from portal.core.pdf import FONTS
    from portal.leads.documents import STATEMENT_WIDTHS

    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    scale = pdf.epw / sum(STATEMENT_WIDTHS)
    room = [w * scale - 2 * pdf.c_margin for w in STATEMENT_WIDTHS]
    pdf.set_font("DejaVu", "", 9)
    assert pdf.get_string_width("5252248481") <= room[0]
    with app.test_request_context():
        for lang in ("pl", "en"):
            with force_locale(lang):
                widest = money(Decimal("999999.99"))
                assert pdf.get_string_width(widest) <= min(room[4], room[6]), (lang, widest)
    pdf.set_font("DejaVu", "B", 9)
    for header, column in (("stawka", 5), ("kwota", 6), ("podstawa", 4), ("status", 7)):
        assert pdf.get_string_width(header) <= room[column], header
