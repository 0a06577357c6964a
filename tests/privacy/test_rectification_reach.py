"""G-06: a corrected name or phone is corrected wherever the person's address names them as a contact person."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.service import update_profile
from portal.extensions import db
from portal.leads.models import Lead, Partner
from portal.tenancy.guard import use_tenant
from tests import factories


def test_G06_a_corrected_name_reaches_the_records_naming_the_person_as_contact(app, tenant_a):
    subject = factories.subject_everywhere(tenant_a, "zzrect1")
    with use_tenant(tenant_a.id):
        partner = db.session.scalars(select(Partner).where(Partner.user_id == subject.id)).one()
        partner.contact_email = subject.email  # the account holder is the partner's contact person
        db.session.commit()
        assert update_profile(subject, {"last_name": "Zmieniona", "phone": "+48 600 555 444"}, actor=None) == \
            ["last_name", "phone"]
        db.session.commit()
        partner = db.session.get(Partner, partner.id)
        assert (partner.contact_last_name, partner.contact_phone) == ("Zmieniona", "+48 600 555 444")
        lead = db.session.scalars(select(Lead).where(Lead.partner_id == partner.id)).one()
        assert lead.contact_last_name == "zzrect1LL"  # the lead names another contact person: not theirs to change


def test_G06_a_partners_corrected_company_name_and_nip_reach_its_partner_record(app, tenant_a):
    """The partner corrects its company's name or NIP on its profile: the partner record the organiser settles
    with (statements, imports by NIP) says the same — not the name and NIP before the correction."""
    from portal.core.errors import DomainError

    subject = factories.subject_everywhere(tenant_a, "zzrect2")
    taken = factories.valid_nip(4711)
    with use_tenant(tenant_a.id):
        partner = db.session.scalars(select(Partner).where(Partner.user_id == subject.id)).one()
        other = Partner(tenant_id=tenant_a.id, nip=taken, name="Inny", address="a", contact_first_name="A",
                        contact_last_name="B", contact_phone="1", contact_email="b@example.com")
        db.session.add(other)
        db.session.commit()
        new_nip = factories.valid_nip(4712)
        assert update_profile(subject, {"company_name": "Poprawiona Sp. z o.o.", "nip": new_nip}, actor=None) == \
            ["company_name", "nip"]
        db.session.commit()
        partner = db.session.get(Partner, partner.id)
        assert (partner.name, partner.nip) == ("Poprawiona Sp. z o.o.", new_nip)
        try:
            update_profile(subject, {"nip": taken}, actor=None)
        except DomainError as error:
            assert error.field == "nip"
        else:
            raise AssertionError("a NIP another partner holds was taken")
        db.session.rollback()
        assert db.session.get(Partner, partner.id).nip == new_nip


def test_G06_the_dpos_correction_of_the_address_reaches_the_records_naming_the_person_as_contact(app, tenant_a):
    """The DPO corrects an account's e-mail address: the partner record naming the person as its contact by that
    address is corrected too, as a corrected name or phone is."""
    from datetime import date

    from portal.core.clock import as_of
    from portal.privacy import requests

    subject = factories.subject_everywhere(tenant_a, "zzrect3")
    old = subject.email
    with use_tenant(tenant_a.id):
        partner = db.session.scalars(select(Partner).where(Partner.user_id == subject.id)).one()
        partner.contact_email = old
        db.session.commit()
        row, _token = requests.file("rectification", user=subject, details="my address changed", channel="dpo",
                                    verified=True, clock=as_of(date(2026, 12, 7)))
        db.session.commit()
        requests.rectify(row, {"email": "zzrect3.new@example.com"}, actor=None, clock=as_of(date(2026, 12, 7)))
        db.session.commit()
        assert db.session.get(Partner, partner.id).contact_email == "zzrect3.new@example.com"
        assert not db.session.scalars(select(Partner).where(Partner.contact_email == old)).all()
