"""L-04 when two partners register the same customer at the same instant: each submission's duplicate check runs
before the other's lead is stored, so the check alone lets both through. The database keeps one open lead per
customer (a partial unique index: rejected and erased leads aside), and the submission that loses the race is
refused with the same L-04 reason as a later one — never a 500, never two leads for one customer."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select

from portal.extensions import db
from portal.leads.models import Lead
from portal.leads.service import submission
from portal.tenancy.guard import across_tenants
from tests.leads.conftest import lead_row, nip, partner_row


def _blind_first_check(monkeypatch):
    """The first duplicate check does not see the rival's lead yet (it is stored a moment later)."""
    real, calls = submission._facts, []

    def facts(*args, **kwargs):
        found = real(*args, **kwargs)
        calls.append(found)
        return dataclasses.replace(found, taken_by=None, ref_taken=False) if len(calls) == 1 else found

    monkeypatch.setattr(submission, "_facts", facts)
    return calls


def _open_leads(app, customer: int) -> int:
    with app.app_context(), across_tenants("the test counts the stored leads"):
        return db.session.scalar(select(func.count()).select_from(Lead).where(Lead.customer_nip == nip(100 + customer)))


def test_L04_the_partner_losing_a_same_instant_race_is_refused_with_the_L04_reason(campaign, monkeypatch, app):
    assert campaign.partners(partner_row(1), partner_row(2)).exit_code == 0
    assert campaign.leads(lead_row("FIRST", 1, 7)).exit_code == 0
    _blind_first_check(monkeypatch)

    result = campaign.leads(lead_row("SECOND", 2, 7), lead_row("OTHER", 2, 8))

    assert result.exit_code == 1
    assert "L-04: This customer was already registered by another partner in this campaign." in result.output
    assert _open_leads(app, 7) == 1
    assert _open_leads(app, 8) == 0  # all or nothing: the file's good row is not written either


def test_L04_the_race_lost_on_the_reference_names_the_reference(campaign, monkeypatch, app):
    assert campaign.partners(partner_row(1), partner_row(2)).exit_code == 0
    assert campaign.leads(lead_row("SAME", 1, 7)).exit_code == 0
    _blind_first_check(monkeypatch)

    result = campaign.leads(lead_row("SAME", 2, 9))

    assert result.exit_code == 1
    assert "A lead with reference SAME already exists." in result.output
    assert _open_leads(app, 9) == 0


def test_L04_with_commit_valid_the_race_refuses_one_row_and_keeps_the_others(campaign, monkeypatch, app):
    assert campaign.partners(partner_row(1), partner_row(2)).exit_code == 0
    assert campaign.leads(lead_row("FIRST", 1, 7)).exit_code == 0
    _blind_first_check(monkeypatch)

    result = campaign.leads(lead_row("SECOND", 2, 7), lead_row("OTHER", 2, 8), commit_valid=True)

    assert "L-04" in result.output
    assert _open_leads(app, 7) == 1
    assert _open_leads(app, 8) == 1


def test_L04_a_rejected_lead_does_not_hold_the_customer(campaign, app):
    assert campaign.partners(partner_row(1), partner_row(2)).exit_code == 0
    assert campaign.leads(lead_row("FIRST", 1, 7)).exit_code == 0
    assert campaign.decide("FIRST,rejected,2018-08-13,Customer unknown").exit_code == 0

    result = campaign.leads(lead_row("SECOND", 2, 7, submitted="2018-08-14"))

    assert result.exit_code == 0, result.output
    assert _open_leads(app, 7) == 2
