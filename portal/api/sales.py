"""Customer facts (L-04, L-05) and the vendor's sales (L-10) over API v1: the checks are the CSV import's, in
``portal.leads.service.sales``. A batch of sales is all or nothing; each refused row is named ``rows[index]``."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.api import bp, context, schemas, serialise
from portal.api.openapi import operation
from portal.api.pipeline import Reply
from portal.core.bulk import ValidationFailed
from portal.core.errors import DomainError, NotFound
from portal.extensions import db
from portal.leads.models import CustomerFact, Sale
from portal.leads.service import sales
from portal.leads.service.programme import rules_on

Problem = tuple[str | None, str, str | None]


def _by_id(model: type, row_id: int):
    """A row of the token's tenant by id (the tenant guard filters it), for a replayed response."""
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(_("What this request recorded no longer exists."))
    return row


def _replay_fact(ref: dict) -> dict:
    return serialise.fact(_by_id(CustomerFact, ref["id"]))


@operation(bp, "/customers/facts", "POST", scope="customers:write", tag="customers",
           summary="Record a fact about an end customer", request=schemas.FACT_IN, responses={200: schemas.FACT},
           replay=_replay_fact)
def create_customer_fact(body: dict) -> Reply:
    """What the organiser knows from the vendor: ``registered_with_vendor`` refuses the customer's leads (L-04);
    ``holds_m365`` and the other holdings exclude them (L-05). Recording a fact twice keeps one."""
    fact = sales.flag_customer(body["customer_nip"], body["flag"], rules_on(context.today()),
                               tenant_id=context.tenant_id(), actor=context.actor())
    return Reply(serialise.fact(fact), 200, {"id": fact.id})


def _as_report_row(row: dict) -> dict:
    """The JSON sale in the sales-report form the service reads (FORMATS.md: text values, new_tenant yes/no)."""
    out = {key: row[key] for key in ("ref", "transaction_date", "family", "billing") if key in row}
    for key in ("licences", "months_active", "value"):
        if key in row:
            out[key] = str(row[key])
    if "new_tenant" in row:
        flag = row["new_tenant"]
        out["new_tenant"] = ("yes" if flag else "no") if isinstance(flag, bool) else flag
    return out


def _prefixed(index: int, error: DomainError) -> list[Problem]:
    problems = error.problems if isinstance(error, ValidationFailed) else [(error.field, error.message, error.rule)]
    return [(f"rows[{index}].{field}" if field else f"rows[{index}]", message, rule)
            for field, message, rule in problems]


def _record_batch(rows: list[dict], rules) -> list[Sale]:
    """Every row checked (each in its own savepoint, so one bad row cannot poison the transaction); any refusal
    refuses the whole batch with every row's problems."""
    recorded: list[Sale] = []
    problems: list[Problem] = []
    first: dict[tuple[str, ...], int] = {}
    for index, row in enumerate(rows):
        mark = sales.row_key(_as_report_row(row))
        # one batch names a sale once, as one file does: a repeat is refused, with its own problems besides
        repeat = [(None, _("the same %(what)s as rows[%(index)d]", what=sales.same_sale(), index=first[mark]),
                   "L-10")] if mark in first else []
        first.setdefault(mark, index)
        savepoint = db.session.begin_nested()
        try:
            recorded.append(sales.record_sale(_as_report_row(row), rules, tenant_id=context.tenant_id(),
                                              actor=context.actor(), also=repeat))
            db.session.flush()
        except DomainError as error:
            savepoint.rollback()
            problems.extend(_prefixed(index, error))
        else:
            savepoint.commit()
    if problems:
        raise ValidationFailed(problems)
    return recorded


def _sales_reply(recorded: list[Sale]) -> dict:
    return {"count": len(recorded), "sales": [serialise.sale(s) for s in recorded]}


def _replay_sales(ref: dict) -> dict:
    return _sales_reply([_by_id(Sale, i) for i in ref["ids"]])


@operation(bp, "/sales", "POST", scope="sales:write", tag="sales", summary="Import sales",
           request=schemas.SALES_IN, responses={200: schemas.SALES_OUT}, replay=_replay_sales)
def record_sales(body: dict) -> Reply:
    """Lines of the vendor's sales report (L-10), matched to leads by reference; the same (ref, date, family,
    billing) again replaces the earlier figures (a correction). One sale object, or ``{"rows": [...]}``."""
    rules = rules_on(context.today())
    if "rows" in body:
        recorded = _record_batch(body["rows"], rules)
    else:
        recorded = [sales.record_sale(_as_report_row(body), rules, tenant_id=context.tenant_id(),
                                      actor=context.actor())]
    return Reply(_sales_reply(recorded), 200, {"ids": [s.id for s in recorded]})
