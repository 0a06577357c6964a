"""Column lists of the lead-reward bulk files (FORMATS.md): one place for the CLI, the pages and the API."""

PARTNER_COLUMNS = ("nip", "name", "address", "contact_first_name", "contact_last_name", "contact_phone",
                   "contact_email", "flags")
LEAD_COLUMNS = ("ref", "partner_nip", "customer_nip", "customer_name", "customer_address", "family", "plan",
                "billing", "licences", "pcs", "submitted_on")
FACT_COLUMNS = ("customer_nip", "flag")
DECISION_COLUMNS = ("ref", "decision", "decided_on", "reason")
SALE_COLUMNS = ("ref", "transaction_date", "family", "billing", "licences", "value", "months_active", "new_tenant")
