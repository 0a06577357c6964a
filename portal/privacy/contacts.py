"""People the programme holds only as contact persons, without an account (G-01, G-04, G-05): a customer's contact
named in a lead, a partner's contact person (on the partner and on each lead it submits). A public request from
such a person is matched by the e-mail address it was verified with; what belongs to them is the contact columns
of the rows naming that address — never the rest of the row, which is the company's or the partner's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from portal.extensions import db


@dataclass(frozen=True)
class ContactColumns:
    table: str
    email: str  # the column the person is found by
    columns: tuple[str, ...]  # the person's data in that row


CONTACTS = (
    ContactColumns("leads", "customer_contact_email", ("customer_contact_first_name", "customer_contact_last_name",
                                                       "customer_contact_phone", "customer_contact_email")),
    ContactColumns("leads", "contact_email", ("contact_first_name", "contact_last_name", "contact_phone",
                                              "contact_email")),
    ContactColumns("partners", "contact_email", ("contact_first_name", "contact_last_name", "contact_phone",
                                                 "contact_email")),
)


def _model(table: str):
    return next(m.class_ for m in db.Model.registry.mappers if m.local_table.name == table)


def _matching(group: ContactColumns, email: str):
    model = _model(group.table)
    return model, func.lower(getattr(model, group.email)) == email.strip().lower()


def find(email: str) -> dict[str, list[dict]]:
    """The person's contact data, table by table (each row with its id), in the current tenant."""
    found: dict[str, list[dict]] = {}
    for group in CONTACTS:
        model, matches = _matching(group, email)
        columns = [model.id, *(getattr(model, c) for c in group.columns)]
        for row in db.session.execute(select(*columns).where(matches).order_by(model.id)):
            found.setdefault(group.table, []).append(dict(zip(["id", *group.columns], row, strict=True)))
    return found


def erase(email: str) -> int:
    """Mask the person's contact columns wherever the address names them; returns how many rows changed."""
    from portal.privacy.erasure import _masked

    changed = 0
    for group in CONTACTS:
        model, matches = _matching(group, email)
        for pk in list(db.session.scalars(select(model.id).where(matches))):
            table = model.__table__
            db.session.execute(update(model).where(model.id == pk).values(
                **{c: _masked(table.c[c], pk) for c in group.columns}).execution_options(synchronize_session=False))
            changed += 1
    return changed
