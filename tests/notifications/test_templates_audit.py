"""SPEC §9 audit: the mail texts tell the participant what they need (what happened, where to act, what follows)
in correct Polish and in English, whatever the count they carry."""

from __future__ import annotations

import pytest

from portal.notifications.models import Notification
from portal.notifications.service import _render
from portal.tenancy.guard import use_tenant
from tests import factories


def _mail(tenant, user, kind: str, **params) -> tuple[str, str]:
    with use_tenant(tenant.id):
        return _render(Notification(tenant_id=tenant.id, user_id=user.id, kind=kind, params=params), user, tenant)


@pytest.fixture()
def installer(app):
    tenant = factories.tenant("maker", kind="manufacturer", locale="pl")
    return tenant, factories.user(tenant, locale="pl"), factories.user(tenant, locale="en")


@pytest.mark.parametrize("count, wrong", [(1, "1 zgłoszeń"), (2, "2 zgłoszeń"), (22, "22 zgłoszeń")])
def test_S9_L07_review_reminder_reads_as_polish_for_any_count(installer, count, wrong):
    tenant, pl, _ = installer
    subject, body = _mail(tenant, pl, "review_deadline", due=count, overdue=0, today=count, by="2026-03-09")
    assert wrong not in body and f": {count}" in subject and "2026-03-09" in body


@pytest.mark.parametrize("count, wrong", [(1, "1 wniosków"), (3, "3 wniosków")])
def test_S9_G03_dpo_reminder_reads_as_polish_for_any_count(installer, count, wrong):
    tenant, pl, _ = installer
    _, body = _mail(tenant, pl, "requests_due", due=count, overdue=1)
    assert wrong not in body and str(count) in body


def test_S9_C05_breach_mail_tells_the_dpo_the_authority_deadline_in_correct_polish(installer):
    tenant, pl, _ = installer
    _, body = _mail(tenant, pl, "breach_notice", nature="n", people=3, records=9, contact="c", consequences="x",
                    measures="m", discovered_at="2026-03-02 10:00", authority_due_at="2026-03-05 10:00")
    assert "Zgłoszenia do Prezesa UODO należy dokonać" in body and "2026-03-05 10:00" in body


def test_S9_P42_complaint_decision_names_the_complaint_and_where_its_answer_is(installer):
    tenant, pl, en = installer
    for user in (pl, en):
        _, body = _mail(tenant, user, "complaint_decided", complaint=17, decision="refused")
        assert "17" in body and f"/t/{tenant.slug}/my-complaints" in body
    assert "odrzucona" in _mail(tenant, pl, "complaint_decided", complaint=17, decision="refused")[1].lower()


def test_S9_P32_exclusion_says_what_it_means_and_is_not_addressed_to_men_only(installer):
    tenant, pl, en = installer
    _, body = _mail(tenant, pl, "excluded", ground="false_data")
    assert "Zostałeś" not in body and "punkt" in body and "zamówie" in body
    _, body = _mail(tenant, en, "excluded", ground="false_data")
    assert "points" in body and "orders" in body


@pytest.mark.parametrize("kind", ["order_unavailable", "order_delivery_failed", "order_shipped", "order_cancelled",
                                  "order_forfeited", "points_credited", "points_expiring"])
def test_S9_P20_P25_order_and_points_mails_link_to_where_the_participant_acts(installer, kind):
    tenant, pl, en = installer
    params = {"order": 5, "points": 120, "serial": "SN1", "on": "2026-04-01", "restore_by": "2026-03-23"}
    for user in (pl, en):
        _, body = _mail(tenant, user, kind, **params)
        assert f"/t/{tenant.slug}/points" in body, (kind, user.locale, body)


def test_S9_P25_a_failed_delivery_tells_how_to_avoid_losing_the_reward(installer):
    tenant, pl, en = installer
    assert f"/t/{tenant.slug}/delivery-address" in _mail(tenant, pl, "order_delivery_failed", order=5)[1]
    assert f"/t/{tenant.slug}/delivery-address" in _mail(tenant, en, "order_delivery_failed", order=5)[1]


def test_S9_C04_contract_end_mail_keeps_one_form_of_address_in_polish(installer):
    tenant, pl, _ = installer
    _, body = _mail(tenant, pl, "contract_ended", ended_on="2026-04-01", read_only_from="2026-04-02",
                    export_until="2026-04-08", delete_by="2026-04-15")
    assert "Państw" in body and "pobierz eksport" not in body and "2026-04-08" in body and "2026-04-15" in body


def test_S7_lead_qualified_mail_speaks_of_a_signed_order_for_a_referral(app):
    saas = factories.tenant("saasco", kind="saas_vendor", locale="pl")
    pl, en = factories.user(saas, locale="pl"), factories.user(saas, locale="en")
    assert "podpisze" in _mail(saas, pl, "lead_qualified", ref="R1")[1]
    assert "signs" in _mail(saas, en, "lead_qualified", ref="R1")[1]
    dist = factories.tenant("distco", kind="distributor", locale="pl")
    assert "dokona zakupu" in _mail(dist, factories.user(dist, locale="pl"), "lead_qualified", ref="R1")[1]


def test_S9_P25_P03_P42_loyalty_mails_carry_the_details_in_both_languages(installer):
    tenant, pl, en = installer
    _, body = _mail(tenant, pl, "order_delivery_failed", order=5, attempt=1, of=2)
    assert "To 1. nieudana próba doręczenia" in body and "Po 2 nieudanych próbach" in body
    assert "Po jednej nieudanej próbie" in _mail(tenant, pl, "order_delivery_failed", order=5, attempt=1, of=1)[1]
    assert "After one failed delivery attempt " in _mail(tenant, en, "order_delivery_failed", order=5, of=1)[1]
    _, body = _mail(tenant, en, "order_delivery_failed", order=5, attempt=1, of=2)
    assert "failed attempt 1 of 2" in body
    assert "pobrano 300 pkt" in _mail(tenant, pl, "order_placed", order=5, reward="R-A", points=300)[1]
    assert "300 points were deducted" in _mail(tenant, en, "order_placed", order=5, reward="R-A", points=300)[1]
    assert "w dniu 2024-03-10" in _mail(tenant, pl, "complaint_decided", complaint=3, decision="refused",
                                        decided_on="2024-03-10")[1]
    _, body = _mail(tenant, en, "status_changed", status="authorised", previous="installer")
    assert "(before:" in body
    _, body = _mail(tenant, pl, "order_placed", order=5, reward="R-A")  # a notice stored before: no points
    assert "pkt" not in body.split("\n")[2]


def test_S9_L07_a_qualified_referral_is_called_a_referral_in_its_subject_too(app):
    tenant = factories.tenant("kontakt", kind="saas_vendor", locale="pl")
    pl, en = factories.user(tenant, locale="pl"), factories.user(tenant, locale="en")
    assert _mail(tenant, pl, "lead_qualified", ref="R-1")[0] == "Polecenie R-1 zakwalifikowane"
    assert _mail(tenant, en, "lead_qualified", ref="R-1")[0] == "Referral R-1 qualified"
