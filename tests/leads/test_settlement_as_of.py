"""L-17: a settlement is run as of a day that has come — on the page as over the API — so no draft of the future can
be approved and frozen before its sales are known."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.leads.models import Settlement
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories


def test_L17_the_settlement_page_refuses_a_day_after_today(app, client, campaign):
    app.extensions["clock"] = as_of(date(2018, 10, 5))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@distributor.example.com",
                                                   locale="en").email)
    page = client.post("/t/distributor/settlements/1/run", data={"as_of": "2018-10-06"}, follow_redirects=True)
    assert "not 2018-10-06 (today is 2018-10-05)" in page.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Settlement)).all() == []
    assert client.post("/t/distributor/settlements/1/run", data={"as_of": "2018-10-05"}).status_code == 302


def test_L17_a_settlement_is_not_run_as_of_a_day_before_its_period(app, client, campaign):
    """A typo (2008 for 2018, 0001-01-01) would draft a statement that knows no decision nor sale, which staff could
    approve and freeze: the run is refused before the period's first day of sales, on the page and by the command."""
    app.extensions["clock"] = as_of(date(2018, 12, 28))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@distributor.example.com",
                                                   locale="en").email)
    for day, said in (("0001-01-01", "Enter a date from 1900-01-01 to 2099-12-31."),
                      ("2018-09-30", "as of its first day of sales (2018-10-01) or later")):
        page = client.post("/t/distributor/settlements/2/run", data={"as_of": day}, follow_redirects=True)
        assert said in page.get_data(as_text=True), day
    result, _ = campaign.settle(2, "2018-09-30")
    assert result.exit_code == 1 and "2018-10-01" in result.output
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Settlement)).all() == []
    app.extensions["clock"] = as_of(date(2018, 12, 28))  # the command's --as-of set the clock of this process
    assert client.post("/t/distributor/settlements/2/run", data={"as_of": "2018-10-01"}).status_code == 302


def test_S11_page_ids_beyond_any_row_are_404_not_500(app, client, campaign):
    """An id no integer column can hold (a hand-typed or fuzzed address) is simply not found."""
    app.extensions["clock"] = as_of(date(2018, 12, 28))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@distributor.example.com").email)
    huge = "99999999999999999999"
    for path in (f"/t/distributor/settlements/{huge}", f"/t/distributor/settlements/{huge}/statement.csv"):
        assert client.get(path).status_code == 404, path
    for path in (f"/t/distributor/settlements/{huge}/run", f"/t/distributor/settlements/{huge}/approve",
                 f"/t/distributor/review/{huge}"):
        assert client.post(path, data={"as_of": "2018-12-28"}).status_code == 404, path


def test_L17_a_refused_settlement_day_is_marked_at_its_field_and_the_day_typed_is_kept(app, client, campaign):
    """Bad input is said next to the field: the period's date field, marked invalid and keeping the day typed."""
    app.extensions["clock"] = as_of(date(2018, 10, 5))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@distributor.example.com",
                                                   locale="en").email)
    for day, said in (("2018-10-06", "today is 2018-10-05"), ("2018-02-30", "date")):
        answer = client.post("/t/distributor/settlements/1/run", data={"as_of": day})
        assert answer.status_code == 422, day
        page = answer.get_data(as_text=True)
        field = page[page.index('id="as_of-1"'):]
        field = field[:field.index("</form>")]
        assert 'aria-invalid="true"' in page[page.rindex("<input", 0, page.index('id="as_of-1"')):][:300]
        assert 'id="as_of-1-error"' in field and said in field, day
    assert 'value="2018-10-06"' in client.post("/t/distributor/settlements/1/run",
                                               data={"as_of": "2018-10-06"}).get_data(as_text=True)


def test_L17_a_period_number_no_programme_has_is_a_usage_error_not_a_traceback(app, campaign, tmp_path):
    """FORMATS: N is a period's number (1, 2, …); a negative one beyond any integer column is a usage error (2)."""
    runner = app.test_cli_runner()
    for number in ("-99999999999999999999", "0", "99999999999999999999"):
        for args in (["settlement", "run", "distributor", "--period", number, "--as-of", "2018-12-28", "--out",
                      str(tmp_path / "s.csv")], ["settlement", "approve", "distributor", "--period", number]):
            result = runner.invoke(args=args)
            assert result.exit_code == 2, (args, result.output)


def test_L17_L30_the_last_edition_s_period_is_settled_on_the_page_after_a_new_edition_took_effect(app, client,
                                                                                                  campaign):
    """The next edition (the same campaign a year later) takes effect on 2019-01-01; in January the organiser still
    settles the 2018 edition's period 2 as of 2018-12-27, on the page as by the command: the day is checked against
    the periods of the version in force on it."""
    from tests.leads.conftest import ROOT

    text = (ROOT / "tenants" / "distributor" / "programme.toml").read_text(encoding="utf-8")
    path = campaign.tmp / "edition-2019.toml"
    a_year_later = text.replace("2019-", "2020-").replace("2018-", "2019-").replace("2017-", "2018-")
    path.write_text(a_year_later, encoding="utf-8")
    loaded = campaign.run("programme", "load", "distributor", path, "--as-of", "2018-11-01", "--effective-from",
                          "2019-01-01")
    assert loaded.exit_code == 0, loaded.output
    app.extensions["clock"] = as_of(date(2019, 1, 5))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@distributor.example.com",
                                                   locale="en").email)
    answer = client.post("/t/distributor/settlements/2/run", data={"as_of": "2018-12-27"})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert [s.as_of for s in db.session.scalars(select(Settlement))] == [date(2018, 12, 27)]
