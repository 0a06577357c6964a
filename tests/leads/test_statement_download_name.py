"""L-19 statement download (SPEC §10, §11): the ``partner`` query is a filter by a partner's NIP, nothing else — a
value that is no NIP is not found, never a 500 (a line break) nor a say in the download's file name (a quote that
would add a ``filename*`` of its own)."""

from __future__ import annotations

import pytest

from portal.accounts.models import STAFF
from tests import factories
from tests.leads.conftest import nip
from tests.leads.test_campaign_commands import _standard_campaign
from tests.leads.test_pages import _setup


@pytest.fixture
def staff_client(app, client, campaign):
    tenant = _setup(app, "2018-10-05")
    _standard_campaign(campaign)
    campaign.settle(1, "2018-10-05")
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)
    return client


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
@pytest.mark.parametrize("partner", ["x%0D%0ASet-Cookie:%20a=1", "x%0A", "x%22;%20filename*=UTF-8''run.cmd;%20x=%22",
                                     "12345"])
def test_L19_a_partner_filter_that_is_no_nip_is_not_found(staff_client, fmt, partner):
    response = staff_client.get(f"/t/distributor/settlements/1/statement.{fmt}?partner={partner}")
    assert response.status_code == 404
    assert "Set-Cookie" not in str(response.headers.get("Content-Disposition"))


def test_L19_a_partners_statement_is_named_by_the_period_and_its_nip(staff_client):
    response = staff_client.get(f"/t/distributor/settlements/1/statement.csv?partner={nip(2)}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="settlement-1-{nip(2)}.csv"'
    assert {line.split(",")[0] for line in response.get_data(as_text=True).splitlines()[1:]} == {nip(2)}
