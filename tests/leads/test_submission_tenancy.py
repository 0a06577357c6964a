"""The submission's checks read only the organiser's own data: another organiser's registration of the same
customer (L-04), its facts about the customer (L-04, L-05), its partners' counts (L-06) and its references do not
refuse a lead here."""

from __future__ import annotations

import shutil

from tests.leads.conftest import ROOT, lead_row, nip, partner_row


def _second_distributor(campaign, tmp_path) -> str:
    folder = tmp_path / "second"
    shutil.copytree(ROOT / "tenants" / "distributor", folder)
    toml = folder / "programme.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('slug = "distributor"', 'slug = "second"', 1)
                    .replace('name = "Chmurex Dystrybucja"', 'name = "Drugi Dystrybutor"', 1), encoding="utf-8")
    result = campaign.run("tenants", "create", str(folder))
    assert result.exit_code == 0, result.output
    return "second"


def test_L04_L05_another_organisers_registration_and_facts_do_not_refuse_a_lead_here(campaign, tmp_path):
    assert campaign.partners(partner_row(1)).exit_code == 0
    assert campaign.flags(f"{nip(105)},holds_m365", f"{nip(106)},registered_with_vendor").exit_code == 0
    assert campaign.leads(lead_row("SAME", 1, 1)).exit_code == 0
    slug = _second_distributor(campaign, tmp_path)

    partners = campaign.csv("p2.csv", "nip,name,address,contact_first_name,contact_last_name,contact_phone,"
                            "contact_email,flags", [partner_row(1)])
    assert campaign.run("participants", "import", slug, partners).exit_code == 0
    leads = campaign.csv("l2.csv", "ref,partner_nip,customer_nip,customer_name,customer_address,family,plan,"
                         "billing,licences,pcs,submitted_on",
                         [lead_row("SAME", 1, 1), lead_row("M365", 1, 5), lead_row("VEND", 1, 6)])
    result = campaign.run("leads", "import", slug, leads)
    assert result.exit_code == 0, result.output  # same customer, same reference, flagged only at the other one

    again = campaign.leads(lead_row("OTHER", 1, 1))  # and at the first organiser the customer is still taken
    assert "L-04: This customer was already registered by you" in again.output
