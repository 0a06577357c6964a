"""JSON Schemas of API v1, defined once: they validate request bodies (``validation.validate``) and fill the
OpenAPI document (``openapi.document``). Shapes and column sizes only — programme rules (L-01 … L-21,
P-01 … P-42, G-01 … G-12) are the services' and come back as 422 problems naming the rule. Days a body may name
are limited to the years 1900 … 2099 so that the services' date arithmetic (expiry, deadlines) cannot overflow.
"""

from __future__ import annotations

from portal.core.validators import EARLIEST_DAY, INT32, LATEST_DAY
from portal.loyalty.labels import LEDGER_KINDS

FIRST_YEAR, LAST_YEAR = EARLIEST_DAY.year, LATEST_DAY.year  # the days a body may name, as on the pages


NO_NUL = r"^[^\u0000]*$"  # no database text column can store a NUL; the validator refuses it in every string


def _string(max_length: int, description: str = "", **extra: object) -> dict:
    schema: dict = {"type": "string", "maxLength": max_length, "pattern": NO_NUL, **extra}
    if description:
        schema["description"] = description
    return schema


DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
# A schema's x-pattern-message is English here (the OpenAPI document); validation.PATTERN_MESSAGES translates it.
AMOUNT_MESSAGE = "Must be an amount such as 1234.50."
DAY = {"type": "string", "format": "date", "pattern": r"^(19|20)\d\d-\d\d-\d\d$",
       "x-pattern-message": f"Must be a date as YYYY-MM-DD, in {FIRST_YEAR} … {LAST_YEAR}.",
       "description": f"YYYY-MM-DD, in {FIRST_YEAR} … {LAST_YEAR}"}
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
                  "description": "organiser flags, as the programme's definition names them: "
                                 "lead.ineligible_partner_flags (L-01), lead.payout.withhold_flags (L-18) and the "
                                 "new-partner bonus's disqualifying_flag (L-15) — the distributor's preset: "
                                 "csp_direct, arrears, no_cloud_agreement, prior_realised_lead; the SaaS vendor's: "
                                 "vendor_group_company, arrears, no_partner_agreement"},
    },
}

PARTICIPANT = {
    "title": "Participant",
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "nip": {"type": "string"}, "name": {"type": "string"},
        "address": {"type": "string"}, **{k: {"type": "string"} for k in CONTACT},
        "flags": {"type": "array", "items": {"type": "string"}},
        "excluded_at": DATETIME_OR_NULL, "restricted_at": DATETIME_OR_NULL,
        "created_at": {"type": "string", "format": "date-time"},
    },
}


def page_of(item: dict, title: str) -> dict:
    return {"title": title, "type": "object", "required": ["items", "next_cursor"],
            "properties": {"items": {"type": "array", "items": item},
                           "next_cursor": {"type": ["string", "null"],
                                           "description": "pass as ?cursor= for the next page; null on the last"}}}


PARTICIPANT_PAGE = page_of(PARTICIPANT, "ParticipantPage")

CUSTOMER_CONTACT_IN = {  # §7: the person at the referred company, when the programme asks for one
    "customer_contact_first_name": _string(100),
    "customer_contact_last_name": _string(100),
    "customer_contact_phone": _string(30),
    "customer_contact_email": _string(254),
}

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
        **CUSTOMER_CONTACT_IN,
        "family": _string(30, "a family code of the programme, e.g. M365, O365, D365, WINDOWS_SERVER, SQL_SERVER "
                              "(distributor) or engagement_platform (SaaS vendor)"),
        "plan": _string(100, "the service plan, when the programme asks for it (lead.required_fields: service_plan)"),
        "billing": _string(20, "a billing model code of the programme, e.g. monthly, annual, triennial (distributor) "
                               "or fixed_term (SaaS vendor)"),
        "licences": {**COUNT, "description": "the quantity in the programme's lead.quantity_unit: licences the "
                                             "customer intends to buy, or the contacts it expects to store"},
        "pcs": {**COUNT, "description": "the PCs at the customer, when the programme asks for them "
                                        "(lead.required_fields: customer_pc_count)"},
        "term_months": {**COUNT, "minimum": 1, "description": "the contract term the customer expects, in months, "
                                                "when the programme asks for it (lead.required_fields: term_months)"},
        **CONTACT,
        "submitted_on": {**DATE, "description": "the submission day; today when absent"},
        "vendor_consent": {"type": "boolean", "description": "L-21: consent to pass the lead to the vendor"},
    },
}

# a lead's shape is L-02's (its contents), its day L-08's and its consent L-21's: a refusal of the shape names the rule
LEAD_IN["properties"] = {name: {**prop, "x-rule": {"submitted_on": "L-08", "vendor_consent": "L-21"}.get(name, "L-02")}
                         for name, prop in LEAD_IN["properties"].items()}

LEAD = {
    "title": "Lead",
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "ref": {"type": "string"}, "partner_id": {"type": "integer"},
        "customer_nip": {"type": "string"}, "customer_name": {"type": "string"},
        "customer_address": {"type": "string"}, "family": {"type": "string"}, "plan": {"type": "string"},
        "billing": {"type": "string"}, "licences": {"type": "integer"}, "pcs": {"type": "integer"},
        "term_months": {"type": ["integer", "null"]},
        **{k: {"type": "string"} for k in CONTACT}, **{k: {"type": "string"} for k in CUSTOMER_CONTACT_IN},
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
        "transaction_date": DAY,
        "family": _string(30),
        "billing": _string(20),
        "licences": COUNT,
        "value": {"type": ["string", "number"], "maxLength": 20, "maximum": 999_999_999_999.99,
                  "pattern": r"^-?\d{1,12}(\.\d+)?$", "x-pattern-message": AMOUNT_MESSAGE,
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
    "properties": {"as_of": DAY},
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
EXTENSION_IN = {
    "title": "ExtensionIn",
    "type": "object",
    "description": "G-03: extend the deadline once, by one or two months, within the first month; the reason is sent "
                   "to the requester.",
    "additionalProperties": False,
    "required": ["months", "reason"],
    "properties": {"months": {"type": "integer", "minimum": 1, "maximum": 2}, "reason": _string(2000)},
}
CLOSURE_IN = {
    "title": "ClosureIn",
    "type": "object",
    "description": "Close an open request with the answer sent to the requester (rejected=true: refused, with the "
                   "reason as the answer).",
    "additionalProperties": False,
    "required": ["outcome"],
    "properties": {"outcome": _string(2000), "rejected": {"type": "boolean"}},
}


# ---------------------------------------------------------------- installer loyalty programmes (SPEC §6)

ID_IN = {"type": "integer", "minimum": 1, "maximum": INT32}
LOYALTY_DAY = {**DAY, "description": "the day it happens (the rules in force that day apply); today when absent"}

INSTALLER_IN = {
    "title": "InstallerIn",
    "type": "object",
    "description": "An installer joining the programme, as a row of the participants import of FORMATS.md "
                   "(P-01, P-02); an account is created for a new e-mail.",
    "additionalProperties": False,
    "properties": {
        "email": _string(254),
        "first_name": _string(100),
        "last_name": _string(100),
        "nip": _string(20, "the company's NIP; required for a business (P-01)"),
        "business": {"type": "boolean", "description": "a business (true) or an adult individual (false)"},
        "employee": {"type": "boolean", "description": "an individual employed by an installation business: no "
                                                       "reward before the employer's acceptance is uploaded (P-29)"},
        "status": _string(20, "installer, authorised or premium (P-02)"),
        "registered_on": {**DAY, "description": "the registration day; today when absent"},
        "activated_on": {**DAY, "description": "the account's activation day (P-32); none when absent"},
        "delivery_address": _string(400, "P-25: where the courier delivers the rewards, at most 300 characters once "
                                         "trimmed; kept as the participant's"),
    },
}

INSTALLER = {
    "title": "Installer",
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "email": {"type": ["string", "null"]}, "first_name": {"type": ["string", "null"]},
        "last_name": {"type": ["string", "null"]}, "nip": {"type": ["string", "null"]}, "business": {"type": "boolean"},
        "employee": {"type": "boolean"}, "status": {"type": "string", "enum": ["installer", "authorised", "premium"]},
        "status_reason": {"type": "string"},
        "approval": {"type": "string", "enum": ["approved", "pending", "refused"]},
        "registered_on": DATE, "activated_on": DATE_OR_NULL, "excluded_on": DATE_OR_NULL,
        "exclusion_ground": {"type": ["string", "null"]}, "left_on": DATE_OR_NULL, "restricted_at": DATETIME_OR_NULL,
        "created_at": {"type": "string", "format": "date-time"},
    },
}

INSTALLER_PAGE = page_of(INSTALLER, "InstallerPage")

DEVICE_IN = {
    "title": "DeviceIn",
    "type": "object",
    "description": "An installed device, as the installer registers it (P-04 … P-06; P-40 after the end's "
                   "announcement).",
    "additionalProperties": False,
    "properties": {
        "serial": _string(60, "earns once (P-05)"),
        "model_code": _string(40, "a model of the programme's point table (P-04)"),
        "production_code": _string(10, "FD and three digits, at least the programme's minimum (P-05)"),
        "installed_on": DAY,
        "registered_on": {**DAY, "description": "the registration day: the points' accrual day; today when absent"},
    },
}

DEVICE = {
    "title": "Device",
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "installer_id": {"type": "integer"}, "serial": {"type": "string"},
        "model_code": {"type": "string"}, "production_code": {"type": "string"}, "installed_on": DATE,
        "registered_on": DATE, "points": {"type": "integer", "description": "the points it earned (P-04, P-06)"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}

DEVICE_PAGE = page_of(DEVICE, "DevicePage")

POINTS_STATEMENT = {
    "title": "PointsStatement",
    "type": "object",
    "description": "The same figures as `flask points statement --json`.",
    "properties": {
        "installer_id": {"type": "integer"}, "as_of": DATE,
        "balance": {"type": "integer", "description": "usable points as of the day (P-21, P-22)"},
        "lots": {"type": "array", "items": {"type": "object", "properties": {
            "earned_on": DATE, "expires_on": DATE, "points": {"type": "integer"}, "remaining": {"type": "integer"}}}},
        "expiring_30_days": {"type": "integer"},
        "status": {"type": "string", "description": "installer, authorised, premium, or excluded / pending"},
        "reward_value_this_year": {**MONEY_OUT, "description": "gross PLN of this year's rewards (P-28)"},
    },
}

LEDGER_ENTRY = {
    "title": "LedgerEntry",
    "type": "object",
    "description": "One entry of the append-only points ledger (P-07): earn, opening and refund entries open a lot; "
                   "the others draw on one (lot_id).",
    "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(LEDGER_KINDS)},
        "points": {"type": "integer"}, "lot_id": {"type": ["integer", "null"]}, "on": DATE, "expires_on": DATE_OR_NULL,
        "after_end": {"type": "boolean"}, "source": {"type": "string"}, "source_id": {"type": ["integer", "null"]},
        "note": {"type": "string"},
    },
}

LEDGER_PAGE = page_of(LEDGER_ENTRY, "LedgerPage")

REVOCATION_IN = {
    "title": "RevocationIn",
    "type": "object",
    "description": "P-09: points credited by mistake or earned in breach of the terms, taken back — either a number "
                   "of points from the balance (soonest-expiring first) or what is left of one device's points.",
    "additionalProperties": False,
    "required": ["reason"],
    "properties": {
        "points": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
        "device_id": {"type": "integer", "minimum": 1, "maximum": 2_147_483_647},
        "reason": _string(300, "kept on each ledger line (the participant may complain about it, P-08)"),
        "on": {**DAY, "description": "the day of the revocation; today when absent"},
    },
}

REVOCATION = {
    "title": "Revocation",
    "type": "object",
    "required": ["installer_id", "on", "revoked", "balance", "entries"],
    "properties": {
        "installer_id": {"type": "integer"}, "on": DATE, "revoked": {"type": "integer"},
        "balance": {"type": "integer", "description": "usable points left that day"},
        "entries": {"type": "array", "items": LEDGER_ENTRY},
    },
}

TITLE_CHANGE_IN = {
    "title": "TitleChangeIn",
    "type": "object",
    "description": "P-02/P-03: the organiser granted or withdrew the authorisation (certificate: Authorised "
                   "Installer) or the installation-leader title (Premium); the status follows and the installer is "
                   "told.",
    "additionalProperties": False,
    "required": ["change", "title"],
    "properties": {
        "change": {"type": "string", "enum": ["grant", "withdraw"]},
        "title": {"type": "string", "enum": ["authorisation", "leader"]},
        "on": {**DAY, "description": "the day of the change; today when absent"},
    },
}

ORDER_IN = {
    "title": "OrderIn",
    "type": "object",
    "description": "P-21: a reward ordered with enough points (no top-up), deducted at once, soonest-expiring first; "
                   "P-20 availability, P-28 the annual cap, P-29 the PIT-8C data, P-41 after the end.",
    "additionalProperties": False,
    "required": ["reward"],
    "properties": {"reward": _string(40, "the reward's catalogue code"), "on": LOYALTY_DAY,
                   "delivery_address": _string(400, "P-25: where the courier delivers, at most 300 characters once "
                                                    "trimmed; kept as the participant's (the address on the platform "
                                                    "when absent)")},
}

ORDER = {
    "title": "Order",
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "installer_id": {"type": "integer"}, "reward": {"type": "string"},
        "points": {"type": "integer"}, "gross_value": MONEY_OUT,
        "state": {"type": "string", "enum": ["placed", "substitute_offered", "withheld", "shipped",
                                             "delivery_failed", "delivered", "cancelled", "forfeited"]},
        "ordered_on": DATE, "substitute": {"type": ["string", "null"]}, "informed_on": DATE_OR_NULL,
        "restore_by": DATE_OR_NULL, "shipped_on": DATE_OR_NULL, "failed_deliveries": {"type": "integer"},
        "delivered_on": DATE_OR_NULL, "receipt_confirmed": {"type": "boolean"}, "closed_on": DATE_OR_NULL,
        "note": {"type": "string"},
        "delivery_address": {"type": ["string", "null"],
                             "description": "P-25: where the courier delivers (the participant's own; null when "
                                            "not given yet)"},
    },
}

ORDER_PAGE = page_of(ORDER, "OrderPage")

ORDER_STEP_IN = {
    "title": "OrderStepIn",
    "type": "object",
    "additionalProperties": False,
    "properties": {"on": LOYALTY_DAY},
}

ORDER_FAILED_IN = {
    "title": "OrderFailedIn",
    "type": "object",
    "description": "P-25: a failed delivery attempt; only failures for the participant's reasons count towards "
                   "forfeiture after the second.",
    "additionalProperties": False,
    "properties": {"on": LOYALTY_DAY,
                   "participant_fault": {"type": "boolean", "description": "the failure was for the participant's "
                                                                           "reasons (default true)"}},
}

ORDER_DELIVERED_IN = {
    "title": "OrderDeliveredIn",
    "type": "object",
    "description": "P-30: delivered, with the participant's confirmation of receipt when asked for.",
    "additionalProperties": False,
    "properties": {"on": LOYALTY_DAY, "confirmed": {"type": "boolean"}},
}

ORDER_WITHHOLD_IN = {
    "title": "OrderWithholdIn",
    "type": "object",
    "description": "P-27: withheld while data or points are clarified; the reason is required.",
    "additionalProperties": False,
    "properties": {"reason": _string(2000)},
}

ORDER_SUBSTITUTE_IN = {
    "title": "OrderSubstituteIn",
    "type": "object",
    "description": "P-23: a substitute of the same kind and points value.",
    "additionalProperties": False,
    "required": ["code"],
    "properties": {"code": _string(40, "the substitute's catalogue code"), "on": LOYALTY_DAY},
}

ORDER_SUBSTITUTE_ANSWER_IN = {
    "title": "OrderSubstituteAnswerIn",
    "type": "object",
    "description": "P-23: the participant's answer; a refusal cancels the order and restores the points.",
    "additionalProperties": False,
    "required": ["accept"],
    "properties": {"accept": {"type": "boolean"}, "on": LOYALTY_DAY},
}

ORDER_CANCEL_IN = {
    "title": "OrderCancelIn",
    "type": "object",
    "description": "Cancel an open order and restore its points (P-23, P-41). `unavailable`: cancelled because the "
                   "reward is unavailable (seed §5.5), so it does not go back to stock (P-20).",
    "additionalProperties": False,
    "properties": {"reason": _string(2000), "on": LOYALTY_DAY, "unavailable": {"type": "boolean"}},
}

COMPLAINT_IN = {
    "title": "ComplaintIn",
    "type": "object",
    "description": "About points (P-08: name the ledger entry, within 30 days of its accrual) or about the "
                   "programme (P-42).",
    "additionalProperties": False,
    "properties": {
        "kind": _string(10, "points or programme"),
        "text": _string(5000),
        "entry_id": {**ID_IN, "description": "the ledger entry a points complaint is about"},
        "on": {**LOYALTY_DAY, "description": "the filing day; today when absent"},
    },
}

COMPLAINT = {
    "title": "Complaint",
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "installer_id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["points", "programme"]}, "entry_id": {"type": ["integer", "null"]},
        "text": {"type": "string"}, "filed_on": DATE, "decide_by": DATE, "decided_on": DATE_OR_NULL,
        "decision": {"type": ["string", "null"], "enum": ["upheld", "refused", None]},
        "answer": {"type": ["string", "null"]}, "notify_by": DATE_OR_NULL, "notified_on": DATE_OR_NULL,
    },
}

COMPLAINT_PAGE = page_of(COMPLAINT, "ComplaintPage")

COMPLAINT_DECISION_IN = {
    "title": "ComplaintDecisionIn",
    "type": "object",
    "description": "P-42: the commission's decision and the answer the participant is told; P-08: the points an "
                   "upheld complaint about points credits.",
    "additionalProperties": False,
    "required": ["upheld"],
    "properties": {"upheld": {"type": "boolean"}, "answer": _string(5000),
                   "points": {"type": "integer", "minimum": 1, "maximum": 10_000_000, "x-rule": "P-08",
                              "description": "P-08: the points an upheld complaint about points finds missing, "
                                             "credited with the decision (dated its day)"},
                   "on": {**LOYALTY_DAY, "description": "the decision day; today when absent"}},
}

# ---------------------------------------------------------------- data-subject requests (G-01 … G-09)

SUBJECT_REQUEST_IN = {
    "title": "SubjectRequestIn",
    "type": "object",
    "description": "G-01: a data-subject request. verified=true files it as the DPO would (the identity checked, "
                   "say how in note); otherwise the requester gets a one-time verification link by e-mail (G-02).",
    "additionalProperties": False,
    "properties": {
        "kind": _string(20, "access, portability, erasure, restriction, rectification, objection, "
                            "withdraw_consent"),
        "email": _string(254, "the e-mail address the request is about"),
        "name": _string(200),
        "details": _string(5000),
        "verified": {"type": "boolean"},
        "note": _string(2000, "how the identity was checked (with verified=true)"),
        "received_on": {**DAY, "description": "the day the organiser received the request (a letter or an e-mail "
                                              "entered later; never in the future); the answer is due a month "
                                              "from it (G-03). Default: today"},
    },
}

SUBJECT_REQUEST = {
    "title": "SubjectRequest",
    "type": "object",
    "description": "The request's progress; never the requester's personal data.",
    "properties": {
        "reference": {"type": "string"}, "kind": {"type": "string"},
        "channel": {"type": "string", "enum": ["account", "public", "dpo"]},
        "status": {"type": "string", "enum": ["open", "done", "rejected", "expired"]},
        "received_on": DATE, "due_on": {**DATE, "description": "one month after receipt (G-03)"},
        "extended_to": DATE_OR_NULL, "extension_reason": {"type": ["string", "null"]},
        "deadline": {**DATE, "description": "extended_to, else due_on"},
        "verification": {"type": "string", "enum": ["pending", "verified", "expired"]},
        "outcome": {"type": ["string", "null"]}, "closed_on": DATE_OR_NULL,
    },
}

BUNDLE = {"type": "string", "contentMediaType": "application/zip",
          "description": "data.json, a CSV per table and summary.html (G-04)"}


def _every_field_required(*outputs: dict) -> None:
    """The serialisers (``serialise.py``) write every field of an answer, null where there is no value: the
    document says so, so a client can rely on each key being there."""
    for schema in outputs:
        schema["required"] = list(schema["properties"])
        for field in schema["properties"].values():
            items = field.get("items", {})
            if items.get("type") == "object" and "properties" in items and "title" not in items:
                _every_field_required(items)


_every_field_required(PARTICIPANT, LEAD, FACT, SALE, SALES_OUT, SETTLEMENT_LINE, SETTLEMENT, INSTALLER, DEVICE,
                      POINTS_STATEMENT, LEDGER_ENTRY, ORDER, COMPLAINT, SUBJECT_REQUEST)
