"""The data map (SPEC G-10): every column of every table says whether it is personal data and why it is kept.

Columns carry their entry in ``info``: ``mapped_column(info=pii("contact", basis="contract", retention="account"))``
or ``info=not_pii()``. This module walks ``db.metadata`` and is the single source that export, erasure,
contract-end deletion and the records of processing read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData

CATEGORIES = {
    "identity": "names and identifiers of a person",
    "contact": "e-mail addresses, phone numbers, postal addresses",
    "tax": "tax identifiers and data for tax forms (NIP, PESEL, PIT-8C)",
    "credentials": "password hashes and secrets used to log in",
    "behavioural": "what a person did in the programme: submissions, logins, choices",
    "financial": "amounts owed or paid to a person",
    "content": "free text a person wrote, which may name people",
    "technical": "IP addresses and device data",
}
BASES = {
    "contract": "GDPR art. 6(1)(b): performance of the programme terms",
    "consent": "GDPR art. 6(1)(a): consent, withdrawable at any time",
    "legal_obligation": "GDPR art. 6(1)(c): tax and accounting law",
    "legitimate_interest": "GDPR art. 6(1)(f): security, fraud prevention, defence of claims",
}
RETENTIONS = {
    "account": "while the account exists; erased on request or at contract end",
    "tax_5y": "5 years after the end of the tax year (tax and accounting law)",
    "audit": "platform audit retention (ids only, no personal values)",
    "request": "the tenant's retention period for data-subject request records",
    "short": "until used or expired (tokens, queued messages)",
    "contract": "while the tenant's contract lasts",
}


@dataclass(frozen=True)
class Entry:
    table: str
    column: str
    personal: bool
    category: str | None
    basis: str | None
    retention: str | None
    subject_key: bool = False
    third_party: bool = False  # about someone else than the row's subject (a lead's customer, not the partner)


@dataclass(frozen=True)
class Subject:
    """How a table's rows belong to a data subject: ``via`` points at ``owner``'s rows (``users`` is the root).
    ``erase``: ``delete`` the rows, or ``mask`` their personal columns (rows that other records need)."""

    via: str
    owner: str
    erase: str


def pii(category: str, *, basis: str, retention: str, subject_key: bool = False, third_party: bool = False) -> dict:
    """Column info for personal data. ``subject_key``: the column identifies the subject (used to find them).
    ``third_party``: the column describes another person than the one the row belongs to — a lead's customer and
    its contact person on a partner's lead. The row's subject neither gets it in an access bundle (GDPR art. 15(4))
    nor erases it: it is the other person's, erased on their own request (``contacts``)."""
    if category not in CATEGORIES or basis not in BASES or retention not in RETENTIONS:
        raise ValueError(f"unknown data-map entry: {category}/{basis}/{retention}")
    return {"datamap": Entry("", "", True, category, basis, retention, subject_key, third_party)}


def not_pii() -> dict:
    return {"datamap": Entry("", "", False, None, None, None)}


def entries(metadata: MetaData) -> list[Entry]:
    """Every classified column, in table order."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            entry = column.info.get("datamap")
            if entry is not None:
                found.append(Entry(table.name, column.name, entry.personal, entry.category, entry.basis,
                                   entry.retention, entry.subject_key, entry.third_party))
    return found


def unclassified(metadata: MetaData) -> list[str]:
    """``table.column`` names without a data-map entry: the completeness test wants this empty."""
    return [f"{t.name}.{c.name}" for t in metadata.sorted_tables for c in t.columns if "datamap" not in c.info]


def personal_columns(metadata: MetaData) -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = {}
    for entry in entries(metadata):
        if entry.personal:
            out.setdefault(entry.table, []).append(entry)
    return out
