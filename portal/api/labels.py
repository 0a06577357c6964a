"""What each API scope allows, in the reader's language, for the admin's token page (see ``portal.core.labels``).
``portal.api.tokens.SCOPES`` keeps the English wording for the OpenAPI document."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core import labels

SCOPES = {
    "participants:read": _l("list and read partners"),
    "participants:write": _l("register partners (L-01)"),
    "leads:read": _l("list and read leads"),
    "leads:write": _l("submit leads (L-02 … L-08, L-21)"),
    "leads:decide": _l("qualify or reject leads (L-07)"),
    "customers:write": _l("record facts about end customers (L-04, L-05)"),
    "sales:write": _l("import the vendor's sales (L-10)"),
    "settlements:read": _l("read settlement statements (L-19)"),
    "settlements:write": _l("run and approve settlements (L-17, L-19)"),
    "installers:read": _l("list and read installers of a loyalty programme (P-01 … P-03)"),
    "installers:write": _l("register installers, grant or withdraw their titles (P-01 … P-03, P-40)"),
    "devices:read": _l("list an installer's registered devices (P-05)"),
    "devices:write": _l("register installed devices, which earns their points (P-04 … P-06, P-40)"),
    "points:read": _l("read points statements and ledgers (P-07, P-21, P-22, P-28)"),
    "points:write": _l("revoke points credited by mistake or earned in breach of the terms (P-09)"),
    "orders:read": _l("list reward orders (P-21 … P-30)"),
    "orders:write": _l("place and fulfil reward orders (P-20 … P-30, P-41)"),
    "complaints:read": _l("list complaints and the commission's queue (P-08, P-42)"),
    "complaints:write": _l("file and decide complaints (P-08, P-42)"),
    "privacy:read": _l("read data-subject requests and download their access bundles (G-01 … G-04)"),
    "privacy:write": _l("file and process data-subject requests (G-01 … G-09)"),
}

labels.register("api.scope", SCOPES)
