"""What a carried-out request answers when there is less to do than it asks: a withdrawal with no optional consent
to withdraw (G-08), an access request of an account erased meanwhile (G-04/G-05), a second erasure while the first
is still open (G-05). "Done" is never said of nothing done."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, User
from portal.extensions import db
from portal.privacy import consents, requests
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories


def _file(tenant, kind: str, user, clock) -> DataSubjectRequest:
    with use_tenant(tenant.id):
        row, _ = requests.file(kind, channel="dpo", clock=clock, user=db.session.get(User, user.id), verified=True,
                               note="letter")
        db.session.commit()
        return row


def test_G08_a_withdrawal_with_no_optional_consent_to_withdraw_stays_with_the_dpo(app, tenant_a, clock):
    """Only the terms and the information clause were accepted (a participant's own programme consents): the request
    is not closed as done with "0 consent(s) withdrawn" — it stays open, saying why, for the DPO to answer."""
    user = factories.user(tenant_a, PARTICIPANT, email="ola@example.com")
    row = _file(tenant_a, "withdraw_consent", user, clock)
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, row.id)
        requests.process(row, clock=clock, tenant_name="Alpha")
        db.session.commit()
        assert row.status == "open"
        assert "the DPO answers" in row.outcome and "0 consent" not in row.outcome
    from flask_babel import force_locale

    from portal.privacy.labels import request_outcome

    with app.test_request_context(), force_locale("pl"):
        assert "inspektor" in request_outcome(row.outcome).lower() or "IOD" in request_outcome(row.outcome)


def test_G08_a_withdrawal_withdraws_the_optional_consents_given(app, tenant_a, clock):
    user = factories.user(tenant_a, PARTICIPANT, email="ola@example.com")
    with use_tenant(tenant_a.id):
        consents.give(db.session.get(User, user.id), "marketing", version=None, text_sha256="0" * 64, channel="web",
                      clock=clock)
        db.session.commit()
    row = _file(tenant_a, "withdraw_consent", user, clock)
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, row.id)
        requests.process(row, clock=clock, tenant_name="Alpha")
        db.session.commit()
        assert (row.status, row.outcome) == ("done", "1 consent(s) withdrawn")
        assert consents.active(user.id, "marketing") is None


def test_G04_G05_an_access_request_of_an_account_erased_meanwhile_answers_what_is_kept(app, tenant_a, clock):
    """Filed before the account was erased, processed after: no bundle mailed to nobody — the answer says the data
    was erased and what is kept, as for anyone asking after an erasure."""
    user = factories.user(tenant_a, PARTICIPANT, email="ola@example.com")
    access = _file(tenant_a, "access", user, clock)
    erasure = _file(tenant_a, "erasure", user, clock)
    with use_tenant(tenant_a.id):
        requests.process(db.session.get(DataSubjectRequest, erasure.id), clock=clock, tenant_name="Alpha")
        db.session.commit()
        row = db.session.get(DataSubjectRequest, access.id)
        outcome = requests.process(row, clock=clock, tenant_name="Alpha")
        db.session.commit()
        assert "bundle" not in outcome and "erased" in outcome, outcome
        from portal.privacy.models import ExportBundle

        assert db.session.scalars(select(ExportBundle).where(ExportBundle.request_id == row.id)).all() == []


def test_G05_a_second_erasure_while_the_first_is_still_open_is_not_told_no_data_is_held(app, tenant_a, clock):
    """The first erasure waits for the DPO's check of what it found left (residues): the second request from the
    same address is told the erasure is under way, not that nothing of the person is held."""
    user = factories.user(tenant_a, PARTICIPANT, email="ola@example.com")
    first = _file(tenant_a, "erasure", user, clock)
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, first.id)
        requests.process(row, clock=clock, tenant_name="Alpha")
        row.status, row.closed_on = "open", None  # as when residues keep it open for the DPO's check
        db.session.commit()
        later, _ = requests.file("erasure", channel="dpo", clock=clock, email="ola@example.com", verified=True,
                                 note="a second letter")  # the account's address is erased: filed by address
        db.session.commit()
        requests.process(later, clock=clock, tenant_name="Alpha")
        db.session.commit()
        assert later.status == "open" and first.reference in later.outcome
        assert "no account or data" not in later.outcome
