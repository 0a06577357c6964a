"""Sales import (L-10) and settlements (L-11 … L-19) over the API, checked against the CLI's file."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.leads.models import Sale
from portal.tenancy.guard import use_tenant
from tests.api.conftest import lead_body, partner_body, problem, rules_of


def sale(ref: str, day: str, family: str, billing: str, licences: int, value, months: int = 0,
         new_tenant=True) -> dict:
    return {"ref": ref, "transaction_date": day, "family": family, "billing": billing, "licences": licences,
            "value": value, "months_active": months, "new_tenant": new_tenant}


def _sales_count(tenant) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Sale))


def standard_campaign(api) -> None:
    """The campaign of tests/leads/test_campaign_commands.py, entered through the API."""
    ids = {}
    for n, flags in ((1, []), (2, ["arrears"]), (4, ["prior_realised_lead"])):
        ids[n] = api.post("/participants", partner_body(n, flags=flags)).get_json()["id"]
    leads = [("L1", 1, 1, "O365", "annual", 20), ("L2", 1, 2, "M365", "annual", 100),
             ("L3", 2, 3, "D365", "monthly", 10), ("L4", 1, 4, "WINDOWS_SERVER", "triennial", 5),
             ("L5", 1, 5, "O365", "annual", 10), ("L6", 4, 6, "O365", "monthly", 10),
             ("L7", 4, 7, "O365", "annual", 200)]
    for ref, partner, customer, family, billing, licences in leads:
        response = api.post("/leads", lead_body(ref, ids[partner], customer, family, billing, licences))
        assert response.status_code == 201, response.get_json()
        decided = api.post(f"/leads/{ref}/decision", {"decision": "qualified", "decided_on": "2018-08-13"})
        assert decided.status_code == 200
    rows = [sale("L1", "2018-08-20", "O365", "annual", 20, "10000.00"),
            sale("L2", "2018-08-21", "M365", "annual", 700, 70000),
            sale("L3", "2018-08-22", "D365", "monthly", 10, "3000.00", 4),
            sale("L4", "2018-09-01", "WINDOWS_SERVER", "triennial", 5, "20000.00"),
            sale("L5", "2018-08-10", "O365", "annual", 10, "5000.00"),
            sale("L6", "2018-09-03", "O365", "monthly", 10, 900.0, 2),
            sale("L7", "2018-09-04", "O365", "annual", 200, "40000.00", new_tenant="yes")]
    response = api.post("/sales", {"rows": rows})
    assert response.status_code == 200 and response.get_json()["count"] == 7


def test_L10_one_sale_is_recorded_and_a_correction_replaces_it(api, distributor):
    partner = api.post("/participants", partner_body(1)).get_json()
    api.post("/leads", lead_body("S1", partner["id"], 1))
    first = api.post("/sales", sale("S1", "2018-08-20", "O365", "annual", 20, "100.50"))
    assert first.status_code == 200
    assert first.get_json()["sales"][0]["value"] == "100.50"
    corrected = api.post("/sales", sale("S1", "2018-08-20", "O365", "annual", 20, "90.00", new_tenant=False))
    assert corrected.get_json()["sales"][0] | {"value": "90.00", "new_tenant": False} == \
        corrected.get_json()["sales"][0]
    assert _sales_count(distributor) == 1


def test_sales_batch_is_all_or_nothing_and_errors_carry_the_row_index(api, distributor):
    partner = api.post("/participants", partner_body(1)).get_json()
    api.post("/leads", lead_body("S1", partner["id"], 1))
    rows = [sale("S1", "2018-08-20", "O365", "annual", 20, "100.00"),
            sale("NOPE", "2018-08-21", "O365", "annual", 20, "100.00"),
            sale("S1", "2018-08-22", "O365", "annual", 20, "1.005"),
            sale("S1", "2018-08-23", "XBOX", "annual", 20, "1.00")]
    response = api.post("/sales", {"rows": rows})
    errors = problem(response)["errors"]
    assert response.status_code == 422
    assert {e["field"] for e in errors} == {"rows[1].ref", "rows[2].value", "rows[3].family"}
    assert {e["rule"] for e in errors if e["field"] == "rows[1].ref"} == {"L-10"}
    assert _sales_count(distributor) == 0
    shape = api.post("/sales", {"rows": [rows[0], sale("S1", "2018-13-01", "O365", "annual", -1, "1.00")]})
    assert {e["field"] for e in problem(shape)["errors"]} == {"rows[1].transaction_date", "rows[1].licences"}


def test_L10_a_batch_naming_one_sale_twice_is_refused_as_the_file_is(api, distributor):
    """Two rows for the same (ref, date, family, billing) in one batch: the CLI refuses the second row of a file; the
    API did not, and the second silently replaced the first."""
    partner = api.post("/participants", partner_body(1)).get_json()
    api.post("/leads", lead_body("S1", partner["id"], 1))
    response = api.post("/sales", {"rows": [sale("S1", "2018-08-20", "O365", "annual", 20, "50000.00"),
                                            sale("S1", "2018-08-20", "O365", "annual", 20, "1.00")]})
    assert response.status_code == 422
    errors = problem(response)["errors"]
    assert [e["field"] for e in errors] == ["rows[1]"] and "rows[0]" in errors[0]["message"]
    assert _sales_count(distributor) == 0


def test_empty_or_oversized_batches_are_refused(api):
    assert problem(api.post("/sales", {"rows": []}))["errors"][0]["field"] == "rows"
    big = [sale("S1", "2018-08-20", "O365", "annual", 20, "1.00")] * 1001
    assert problem(api.post("/sales", {"rows": big}))["status"] == 422


def test_sale_of_unknown_lead_is_422_with_L10(api, distributor):
    assert rules_of(api.post("/sales", sale("GHOST", "2018-08-20", "O365", "annual", 20, "1.00"))) == {"L-10"}


def test_settlement_csv_via_api_matches_cli_format(api, app, distributor, tmp_path):
    standard_campaign(api)
    run = api.post("/settlements/1/run", {"as_of": "2018-10-05"})
    assert run.status_code == 200 and run.get_json()["status"] == "draft"
    by_header = api.get("/settlements/1", headers={"Accept": "text/csv"})
    by_query = api.get("/settlements/1?format=csv")
    assert by_header.mimetype == "text/csv" and by_header.data == by_query.data
    out = tmp_path / "cli.csv"
    result = app.test_cli_runner().invoke(args=["settlement", "run", "distributor", "--period", "1", "--as-of",
                                                "2018-10-05", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert by_header.data.decode("utf-8") == out.read_text(encoding="utf-8")
    rows = {r["ref"]: r for r in csv.DictReader(io.StringIO(by_header.data.decode())) if r["line"] == "reward"}
    assert (rows["L1"]["rule"], rows["L1"]["rate"], rows["L1"]["amount"]) == ("L-11", "0.12", "1200.00")
    assert (rows["L2"]["rule"], rows["L2"]["base"]) == ("L-12", "50000.00")  # 500 of 700 licences
    assert (rows["L3"]["rule"], rows["L3"]["status"]) == ("L-18", "withheld")


def test_L19_settlement_json_lines_are_the_csv_rows(api, distributor):
    standard_campaign(api)
    api.post("/settlements/1/run", {"as_of": "2018-10-05"})
    lines = api.get("/settlements/1").get_json()["lines"]
    csv_rows = list(csv.DictReader(io.StringIO(api.get("/settlements/1?format=csv").data.decode())))
    assert [{k: line[k] for k in csv_rows[0]} for line in lines] == csv_rows
    bonus = [ln for ln in lines if ln["line"] == "new_partner_bonus"]
    assert sorted(ln["amount"] for ln in bonus) == ["365.00", "365.00"]  # L-15


def test_L19_approved_settlement_is_frozen(api, distributor):
    standard_campaign(api)
    api.post("/settlements/1/run", {"as_of": "2018-10-05"})
    approved = api.post("/settlements/1/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    rerun = api.post("/settlements/1/run", {"as_of": "2018-10-06"})
    assert problem(rerun)["status"] == 409 and problem(rerun)["rule"] == "L-19"
    assert problem(api.post("/settlements/1/approve", {}))["status"] == 409


def test_settlement_run_needs_its_date(api, distributor):
    response = api.post("/settlements/1/run", {})
    assert [e["field"] for e in problem(response)["errors"]] == ["as_of"]
    assert problem(api.post("/settlements/1/run", {"as_of": "5 October"}))["status"] == 422
    assert problem(api.get("/settlements/1?format=pdf"))["status"] == 400


def test_L17_a_settlement_cannot_be_run_as_of_a_day_not_yet_come(api, distributor):
    """A draft as of 9999-12-31 (or a day after today) could be approved and frozen before its sales were known."""
    for day in ("9999-12-31", "1800-01-01", "2099-12-31"):
        answer = problem(api.post("/settlements/1/run", {"as_of": day}))
        assert answer["status"] == 422 and [e["field"] for e in answer["errors"]] == ["as_of"], day
    sale_day = problem(api.post("/sales", sale("S1", "0001-01-01", "O365", "annual", 20, "1.00")))
    assert [e["field"] for e in sale_day["errors"]] == ["transaction_date"]


def test_L10_each_refused_sale_value_says_what_is_wrong_with_it(api, distributor):
    partner = api.post("/participants", partner_body(1)).get_json()
    api.post("/leads", lead_body("S1", partner["id"], 1))
    negative = problem(api.post("/sales", sale("S1", "2018-08-20", "O365", "annual", 20, "-5.00")))["errors"]
    assert [(e["field"], e["rule"]) for e in negative] == [("value", "L-10")] and "negative" in negative[0]["message"]


def test_L10_a_repeated_row_of_a_batch_is_checked_as_any_row(api, distributor):
    """As the file import does: a row naming a sale a row before it named says its own problems with the repeat —
    fixing only the repeat would send the batch back again for the negative value."""
    partner = api.post("/participants", partner_body(1)).get_json()
    api.post("/leads", lead_body("S1", partner["id"], 1))
    response = api.post("/sales", {"rows": [sale("S1", "2018-08-20", "O365", "annual", 20, "50000.00"),
                                            sale("S1", "2018-08-20", "O365", "annual", 20, "-5.00")]})
    assert response.status_code == 422
    fields = {e["field"] for e in problem(response)["errors"]}
    assert fields == {"rows[1]", "rows[1].value"}, fields
    assert _sales_count(distributor) == 0
