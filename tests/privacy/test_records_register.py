"""G-12 (art. 30): each tenant's records of processing name the right legal duty per group of data, list the
sub-processors as recipients of their own, cover only the tables of the tenant's kind of programme (never the
platform's operator accounts) and name categories in words."""

from __future__ import annotations

import re

from portal.accounts.models import DPO
from portal.extensions import db
from portal.privacy import registers
from portal.tenancy.guard import use_tenant
from tests import factories


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _page(client, tenant) -> str:
    dpo = factories.user(tenant, DPO, email=f"dpo@{tenant.slug}.example", locale="en")
    factories.login(client, tenant, dpo.email)
    return _text(client.get(f"/t/{tenant.slug}/dpo/records").get_data(as_text=True))


def _pdf_args(client, tenant, monkeypatch) -> dict:
    from portal.core import pdf

    seen = {}

    def capture(title, subtitle, header, rows, widths, footer):
        seen.update(title=title, subtitle=subtitle, header=header, rows=rows)
        return b"%PDF-1.4"

    monkeypatch.setattr(pdf, "table_pdf", capture)
    assert client.get(f"/t/{tenant.slug}/dpo/records.pdf").status_code == 200
    return seen


def _group_of(groups, column):
    return next(g for g in groups if column in g["columns"])


def test_G12_gdpr_duties_are_not_called_tax_and_accounting_law(app, tenant_a, tenant_b):
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("en"):
        groups = registers.records_of_processing()
        for column in ("subject_requests.requester_email", "subject_requests.details", "consents.given_at",
                       "notifications.to_email", "tenants.dpo_email"):
            group = _group_of(groups, column)
            assert "tax" not in group["basis"] and "tax" not in group["purpose"], column
            assert "6(1)(c)" in group["basis"], column  # still a legal obligation: the GDPR's own
        assert "art. 12" in _group_of(groups, "subject_requests.details")["basis"]
        assert "art. 7(1)" in _group_of(groups, "consents.given_at")["basis"]
        assert "art. 37(7)" in _group_of(groups, "tenants.dpo_email")["basis"]
        for column in ("installers.tax_id", "settlement_lines.partner_nip"):
            group = _group_of(groups, column)
            assert "tax and accounting law" in group["basis"] and "tax" in group["purpose"]
        assert not any(set(g["columns"]) & {"subject_requests.details"} and set(g["columns"]) & {"consents.given_at"}
                       for g in groups)


def test_G12_sub_processors_are_listed_apart_from_the_other_recipients(app, client, tenant_a, clock,
                                                                         monkeypatch):
    from portal.operator import register

    register.add_subprocessor({"name": "Mailhost Sp. z o.o.", "purpose": "sending e-mail", "location": "Poland"},
                              clock=clock)
    db.session.commit()
    page = _page(client, tenant_a)
    assert "Sub-processors Mailhost Sp. z o.o." in page
    assert "only with the participant's consent Mailhost" not in page
    lines = _pdf_args(client, tenant_a, monkeypatch)["subtitle"].split("\n")
    recipients = next(line for line in lines if line.startswith("Recipients:"))
    assert "Mailhost" not in recipients and not recipients.endswith(":")
    assert "Sub-processors: Mailhost Sp. z o.o. (sending e-mail, Poland)" in lines


def test_G12_a_distributors_register_has_its_programmes_tables_and_no_operator_accounts(app, client, tenant_a):
    page = _page(client, tenant_a)  # tenant_a: a distributor, a lead-reward programme
    assert "leads.contact_email" in page and "settlement_lines.partner_nip" in page and "users.email" in page
    assert "installers." not in page and "devices." not in page and "reward_orders." not in page
    assert "operators." not in page


def test_G12_a_manufacturers_register_has_no_leads(app, client, tenant_b):
    page = _page(client, tenant_b)  # tenant_b: a manufacturer, an installer (loyalty) programme
    assert "installers.home_address" in page and "users.email" in page and "subject_requests.details" in page
    assert "leads." not in page and "partners." not in page and "settlement_lines." not in page
    assert "operators." not in page
    assert "contact persons named by participants" not in page and "vendor named in the programme" not in page


def test_G12_the_register_follows_the_programme_the_tenant_runs(app, tenant_a):
    with use_tenant(tenant_a.id):
        assert registers.programme_types(tenant_a) == {"lead_reward"}
        scope = registers.tables_in_scope(tenant_a)
    assert {"leads", "users", "subject_requests", "tenants"} <= scope and "installers" not in scope
    assert "operators" not in scope


def test_G12_categories_in_words_only_on_the_page_and_in_the_pdf(app, client, tenant_a, monkeypatch):
    page = _page(client, tenant_a)
    assert "behavioural" not in page and "identity —" not in page
    assert "what a person did in the programme" in page
    rows = _pdf_args(client, tenant_a, monkeypatch)["rows"]
    assert not any(re.match(r"[a-z_]+ — ", row[0]) for row in rows)
