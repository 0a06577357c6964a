"""The operator console's codes in the reader's language (see ``portal.core.labels``): an organiser's kind and the
state of its tenancy (C-04: active, read-only after the contract's end, deleted)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core import labels

TENANT_KINDS = {
    "distributor": _l("distributor"),
    "manufacturer": _l("manufacturer"),
    "saas_vendor": _l("SaaS vendor"),
}
TENANT_STATUSES = {
    "active": _l("active"),
    "read_only": _l("read-only (contract ended)"),
    "deleted": _l("data deleted"),
}

labels.register("tenant.kind", TENANT_KINDS)
labels.register("tenant.status", TENANT_STATUSES)
