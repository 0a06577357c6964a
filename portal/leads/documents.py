"""Settlement statements as files (L-19): the CSV of FORMATS.md (codes and plain decimal points, for machines) and
the PDF (for people: line types, statuses, reasons and amounts in the reader's language and notation, see
``portal.leads.labels`` and ``portal.core.labels.money``)."""

from __future__ import annotations

import re

from flask import Response, abort, g
from flask_babel import gettext as _

from portal.core.labels import label, money, percent
from portal.leads.labels import line_label, settlement_reason
from portal.leads.service import settlement as settlement_service


def statement_rows(lines) -> list[list[str]]:
    return [[ln.partner_nip, ln.ref, line_label(ln.line), ln.rule, money(ln.base), percent(ln.rate),
             money(ln.amount), label(ln.status, "settlement.status"), settlement_reason(ln.reason)]
            for ln in lines]


# mm on A4 landscape (277 mm between the margins): a NIP, and an amount up to 999 999,99 zł, each on one line
STATEMENT_WIDTHS = [27, 26, 30, 14, 31, 16, 31, 22, 80]


def statement_pdf(settlement, lines) -> bytes:
    from portal.core.pdf import table_pdf
    from portal.leads.service.queries import Statement

    state = _("approved") if settlement.status == "approved" else _("draft")
    totals = Statement(settlement, lines)
    payable, withheld = totals.payable, totals.withheld
    return table_pdf(
        f"{g.tenant.name} — " + _("settlement of period %(n)s", n=settlement.period),
        _("As of %(d)s, %(state)s.", d=settlement.as_of.isoformat(), state=state),
        ["NIP", _("Reference"), _("line"), _("rule"), _("base"), _("rate"), _("amount"), _("status"), _("reason")],
        statement_rows(lines), STATEMENT_WIDTHS,
        [_("Payable: %(a)s", a=money(payable)), _("Withheld: %(a)s", a=money(withheld))])


def statement_response(settlement, lines, fmt: str, name: str) -> Response:
    """``fmt`` ``csv`` (the documented columns, codes kept) or ``pdf``; anything else is a 404."""
    if fmt == "csv":
        body, mimetype = settlement_service.to_csv(lines), "text/csv"
    elif fmt == "pdf":
        body, mimetype = statement_pdf(settlement, lines), "application/pdf"
    else:
        abort(404)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)  # the header holds only what a file name needs
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{safe}.{fmt}"'})
