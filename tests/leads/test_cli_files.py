"""FORMATS.md through the commands: an ERP's export that is not UTF-8, a partner listed twice in one file, a sales
line dated after today, a statement that cannot be written, a day no calendar of the programme reaches — each is
refused with its reason, and nothing is written."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.leads.models import Lead, Partner, Sale, Settlement
from portal.tenancy.guard import across_tenants
from tests.leads.conftest import lead_row, nip, partner_row


def _count(model) -> int:
    db.session.rollback()
    with across_tenants("the test counts what the command wrote"):
        return db.session.scalar(select(func.count()).select_from(model))


def test_formats_a_cp1250_file_is_refused_with_its_line_not_a_traceback(campaign):
    path = campaign.tmp / "partners-cp1250.csv"
    header = "nip,name,address,contact_first_name,contact_last_name,contact_phone,contact_email,flags\n"
    path.write_bytes((header + partner_row(1) + "\n" + partner_row(2).replace("Kowalski2", "Żółć") + "\n")
                     .encode("cp1250"))
    result = campaign.run("participants", "import", "distributor", path, "--commit-valid")
    assert result.exit_code == 1 and "line 3" in result.output and "UTF-8" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _count(Partner) == 0


def test_L01_a_partner_twice_in_one_file_is_refused_on_the_second_line(campaign):
    result = campaign.partners(partner_row(1), partner_row(2), partner_row(1).replace("Jan", "Janina"))
    assert result.exit_code == 1 and "line 4: the same NIP as line 2" in result.output
    assert _count(Partner) == 0  # all or nothing


def test_L10_a_sales_line_after_today_and_a_line_twice_are_refused(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("S1", 1, 1))
    campaign.decide("S1,qualified,2018-08-13,")
    header = "ref,transaction_date,family,billing,licences,value,months_active,new_tenant"
    later = campaign.run("sales", "import", "distributor", "--as-of", "2018-09-01",
                         campaign.csv("sales.csv", header, ["S1,2018-09-02,O365,annual,20,1000.00,0,yes"]))
    assert later.exit_code == 1 and "after today (2018-09-01)" in later.output
    twice = campaign.run("sales", "import", "distributor", "--as-of", "2018-09-30",
                         campaign.csv("sales.csv", header, ["S1,2018-09-02,O365,annual,20,1000.00,0,yes",
                                                            "S1,2018-09-02,O365,annual,20,1300.00,0,yes"]))
    assert twice.exit_code == 1 and "line 3: the same sale" in twice.output
    assert _count(Sale) == 0


def test_L19_a_statement_that_cannot_be_written_leaves_no_draft(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("S1", 1, 1))
    campaign.decide("S1,qualified,2018-08-13,")
    campaign.sales("S1,2018-08-20,O365,annual,20,1000.00,0,yes")
    result = campaign.run("settlement", "run", "distributor", "--period", "1", "--as-of", "2018-10-05",
                          "--out", campaign.tmp / "no-such-folder" / "s.csv")
    assert result.exit_code == 2 and "--out" in result.output
    assert _count(Settlement) == 0


def test_formats_a_day_beyond_any_calendar_is_a_usage_error(campaign):
    for args in (["jobs", "run", "distributor", "--as-of", "9999-12-31"],
                 ["settlement", "run", "distributor", "--period", "1", "--as-of", "0001-01-01", "--out", "x.csv"],
                 ["settlement", "run", "distributor", "--period", "99999999999999999999", "--as-of", "2018-10-05",
                  "--out", "x.csv"]):
        result = campaign.run(*args)
        assert result.exit_code == 2, (args, result.output)
    assert nip(1)  # the campaign's partners are untouched: nothing ran


def test_formats_a_day_not_written_yyyy_mm_dd_is_a_usage_error_and_runs_nothing(campaign):
    """FORMATS.md: dates are YYYY-MM-DD. 20181005 or an ISO week day (2018-W40-5) would otherwise be read as some
    day and the command would run on it."""
    for day in ("20181005", "2018-W40-5", "2018-10-5"):
        result = campaign.run("settlement", "run", "distributor", "--period", "1", "--as-of", day,
                              "--out", campaign.tmp / "s.csv")
        assert result.exit_code == 2 and "YYYY-MM-DD" in result.output, (day, result.output)
    assert _count(Settlement) == 0 and not (campaign.tmp / "s.csv").exists()


def test_L04_in_one_file_the_earlier_submission_wins_whatever_the_row_order(campaign):
    """"Szansa nie została zgłoszona wcześniej przez innego partnera": rows are checked as web submissions on their
    submitted_on, so the partner who submitted first keeps the customer even when its row comes later in the file."""
    campaign.partners(partner_row(1), partner_row(2))
    result = campaign.leads(lead_row("LATE", 1, 7, submitted="2018-08-20"),
                            lead_row("EARLY", 2, 7, submitted="2018-08-05"), commit_valid=True)
    assert result.exit_code == 1
    assert "line 2" in result.output and "another partner" in result.output and "line 3" not in result.output
    db.session.rollback()
    with across_tenants("the test reads what the import kept"):
        kept = db.session.execute(select(Lead.ref, Partner.nip).join(Partner, Partner.id == Lead.partner_id)).all()
    assert [(ref, partner_nip) for ref, partner_nip in kept] == [("EARLY", nip(2))]


def test_L01_a_lead_names_its_partner_by_nip_as_the_partners_file_does(campaign):
    """`PL2914177762` in the partners file and as the customer's NIP is that partner; the leads file read it as an
    unknown partner. An unknown partner is refused with the same rule and words in the file and over the API."""
    campaign.partners(partner_row(1))
    bare = nip(1)
    done = campaign.leads(lead_row("A1", 1, 1).replace(f",{bare},", f",PL{bare},", 1))
    assert done.exit_code == 0, done.output
    unknown = campaign.leads(lead_row("A2", 7, 2))
    assert unknown.exit_code == 1 and "L-01: No partner with NIP" in unknown.output


def test_FORMATS_a_lead_listed_twice_in_one_file_is_named_as_a_repeat_of_its_line(campaign):
    campaign.partners(partner_row(1))
    done = campaign.leads(lead_row("A1", 1, 1), lead_row("A1", 1, 2))
    assert done.exit_code == 1 and "line 3: the same lead reference as line 2" in done.output
