"""JSON Schemas of API v1, defined once: they validate request bodies (``validation.validate``) and fill the
OpenAPI document (``openapi.document``). Shapes and column sizes only — programme rules (L-01 … L-21) are the
services' and come back as 422 problems naming the rule.
"""

from __future__ import annotations

INT32 = 2_147_483_647


def _string(max_length: int, description: str = "", **extra: object) -> dict:
    schema: dict = {"type": "string", "maxLength": max_length, **extra}
    if description:
        schema["description"] = description
    return schema


DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
COUNT = {"type": "integer", "minimum": 0, "maximum": INT32}
MONEY_OUT = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "PLN, exactly 2 decimals"}

PROBLEM = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details (media type application/problem+json).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "URI reference of the problem type; about:blank for plain HTTP"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "rule": {"type": ["string", "null"], "description": "the SPEC rule id that refused the request"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message", "rule"],
            "properties": {"field": {"type": ["string", "null"]}, "message": {"type": "string"},
                           "rule": {"type": ["string", "null"]}}}},
    },
}

CONTACT = {
    "contact_first_name": _string(100),
    "contact_last_name": _string(100),
    "contact_phone": _string(30),
    "contact_email": _string(254),
}

PARTICIPANT_IN = {
    "title": "ParticipantIn",
    "type": "object",
    "description": "A reseller company joining the lead-reward programme (L-01).",
    "additionalProperties": False,
    "properties": {
        "nip": _string(20, "the company's tax id (NIP), checked with its checksum"),
        "name": _string(200),
        "address": _string(300),
        **CONTACT,
        "flags": {"type": "array", "maxItems": 20, "items": _string(40),
                  "description": "organiser flags: csp_direct, arrears, no_cloud_agreement, prior_realised_lead"},
    },
}

PARTICIPANT = {
    "title": "Participant",
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "nip": {"type": "string"}, "name": {"type": "string"},
        "address": {"type": "string"}, **{k: {"type": "string"} for k in CONTACT},
        "flags": {"type": "array", "items": {"type": "string"}},
        "excluded_at": DATETIME_OR_NULL, "created_at": {"type": "string", "format": "date-time"},
    },
}


def page_of(item: dict, title: str) -> dict:
    return {"title": title, "type": "object", "required": ["items", "next_cursor"],
            "properties": {"items": {"type": "array", "items": item},
                           "next_cursor": {"type": ["string", "null"],
                                           "description": "pass as ?cursor= for the next page; null on the last"}}}


PARTICIPANT_PAGE = page_of(PARTICIPANT, "ParticipantPage")

LEAD_IN = {
    "title": "LeadIn",
    "type": "object",
    "description": "A lead as the web form submits it (L-02 … L-08); vendor_consent is L-21's consent.",
    "additionalProperties": False,
    "properties": {
        "ref": _string(40, "the organiser's unique reference; generated when absent"),
        "partner_id": {"type": "integer", "minimum": 1, "maximum": INT32},
        "partner_nip": _string(20, "the partner's NIP, instead of partner_id"),
        "customer_nip": _string(20),
        "customer_name": _string(200),
        "customer_address": _string(300),
        "family": _string(30, "M365, O365, D365, WINDOWS_SERVER, SQL_SERVER (from the programme)"),
        "plan": _string(100),
        "billing": _string(20, "monthly, annual, triennial (from the programme)"),
        "licences": COUNT,
        "pcs": COUNT,
        **CONTACT,
        "submitted_on": {**DATE, "description": "the submission day; today when absent"},
        "vendor_consent": {"type": "boolean", "description": "L-21: consent to pass the lead to the vendor"},
    },
}

LEAD = {
    "title": "Lead",
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "ref": {"type": "string"}, "partner_id": {"type": "integer"},
        "customer_nip": {"type": "string"}, "customer_name": {"type": "string"},
        "customer_address": {"type": "string"}, "family": {"type": "string"}, "plan": {"type": "string"},
        "billing": {"type": "string"}, "licences": {"type": "integer"}, "pcs": {"type": "integer"},
        **{k: {"type": "string"} for k in CONTACT},
        "submitted_on": DATE, "due_on": DATE, "carried_over": {"type": "boolean"},
        "status": {"type": "string", "enum": ["pending", "qualified", "rejected"]},
        "decided_on": DATE_OR_NULL, "decision_reason": {"type": ["string", "null"]},
        "vendor_consent_at": DATETIME_OR_NULL, "created_at": {"type": "string", "format": "date-time"},
    },
}

LEAD_PAGE = page_of(LEAD, "LeadPage")

DECISION_IN = {
    "title": "DecisionIn",
    "type": "object",
    "description": "L-07: qualify or reject a lead; a rejection needs a reason for the partner.",
    "additionalProperties": False,
    "required": ["decision"],
    "properties": {
        "decision": _string(20, "qualified or rejected"),
        "decided_on": {**DATE, "description": "the decision day; today when absent"},
        "reason": _string(2000),
    },
}

FACT_IN = {
    "title": "CustomerFactIn",
    "type": "object",
    "description": "A fact from the vendor about an end customer (L-04, L-05).",
    "additionalProperties": False,
    "required": ["customer_nip", "flag"],
    "properties": {
        "customer_nip": _string(20),
        "flag": _string(40, "registered_with_vendor, holds_m365, holds_o365, holds_d365, held_server_csp, "
                            "moving_to_e3_or_higher"),
    },
}

FACT = {
    "title": "CustomerFact",
    "type": "object",
    "properties": {"id": {"type": "integer"}, "customer_nip": {"type": "string"}, "flag": {"type": "string"},
                   "created_at": {"type": "string", "format": "date-time"}},
}

SALE_IN = {
    "title": "SaleIn",
    "type": "object",
    "description": "One line of the vendor's sales report (L-10), as in the sales CSV of FORMATS.md.",
    "additionalProperties": False,
    "required": ["ref", "transaction_date", "family", "billing", "licences", "value", "new_tenant"],
    "properties": {
        "ref": _string(40, "the lead's reference"),
        "transaction_date": DATE,
        "family": _string(30),
        "billing": _string(20),
        "licences": COUNT,
        "value": {"type": ["string", "number"], "maxLength": 20, "maximum": 999_999_999_999.99,
                  "pattern": r"^-?\d{1,12}(\.\d+)?$", "x-pattern-message": "Must be an amount such as 1234.50.",
                  "description": "PLN with at most 2 decimals; a string such as \"1234.50\" is exact"},
        "months_active": COUNT,
        "new_tenant": {"type": ["boolean", "string"], "enum": [True, False, "yes", "no"]},
    },
}

SALES_IN = {
    "title": "SalesIn",
    "description": "One sale, or {\"rows\": [...]}: a batch is all or nothing; errors name rows[index].",
    "if": {"type": "object", "required": ["rows"]},
    "then": {"type": "object", "additionalProperties": False, "required": ["rows"],
             "properties": {"rows": {"type": "array", "minItems": 1, "maxItems": 1000, "items": SALE_IN}}},
    "else": SALE_IN,
}

SALE = {
    "title": "Sale",
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "ref": {"type": "string"}, "transaction_date": DATE,
        "family": {"type": "string"}, "billing": {"type": "string"}, "licences": {"type": "integer"},
        "value": MONEY_OUT, "months_active": {"type": "integer"}, "new_tenant": {"type": "boolean"},
    },
}

SALES_OUT = {
    "title": "SalesRecorded",
    "type": "object",
    "properties": {"count": {"type": "integer"}, "sales": {"type": "array", "items": SALE}},
}

SETTLEMENT_RUN_IN = {
    "title": "SettlementRunIn",
    "type": "object",
    "description": "L-17: settle the period as of this day (monthly billing counts consumption at that date).",
    "additionalProperties": False,
    "required": ["as_of"],
    "properties": {"as_of": DATE},
}

SETTLEMENT_LINE = {
    "title": "SettlementLine",
    "type": "object",
    "description": "One explained amount (L-19); the same values as a row of the settlement CSV.",
    "properties": {
        "partner_id": {"type": "integer"}, "partner_nip": {"type": "string"}, "ref": {"type": "string"},
        "line": {"type": "string", "enum": ["reward", "new_partner_bonus", "top_partner_award"]},
        "rule": {"type": "string"}, "rule_code": {"type": "string"}, "base": MONEY_OUT,
        "rate": {"type": "string", "description": "a fraction, e.g. 0.15"}, "amount": MONEY_OUT,
        "status": {"type": "string", "enum": ["payable", "withheld", "not_paid"]}, "reason": {"type": "string"},
        "transaction_date": DATE_OR_NULL,
    },
}

SETTLEMENT = {
    "title": "Settlement",
    "type": "object",
    "properties": {
        "period": {"type": "integer"}, "as_of": DATE, "status": {"type": "string", "enum": ["draft", "approved"]},
        "runs": {"type": "integer"}, "run_at": {"type": "string", "format": "date-time"},
        "approved_at": DATETIME_OR_NULL, "lines": {"type": "array", "items": SETTLEMENT_LINE},
    },
}

SETTLEMENT_CSV = {"type": "string", "description": "partner_nip,ref,line,rule,base,rate,amount,status,reason "
                                                   "(FORMATS.md, the same file as `flask settlement run`)"}

OPENAPI_DOCUMENT = {"title": "OpenApiDocument", "type": "object", "description": "this document"}

EMPTY_IN = {"title": "EmptyIn", "type": "object", "additionalProperties": False, "properties": {}}
