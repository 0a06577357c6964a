"""People the programme holds only as contact persons, without an account (G-01, G-04, G-05): a customer's contact
named in a lead, a partner's contact person (on the partner and on each lead it submits). A public request from
such a person is matched by the e-mail address it was verified with; what belongs to them is the contact columns
of the rows naming that address — never the rest of the row, which is the company's or the partner's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

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


def identifiers(found: dict[str, list[dict]]):
    """What the erasure's residue scan looks for (G-05), from the rows ``find`` returned: the person's addresses
    and phones everywhere, their full name in free text — as ``subjects.identifiers`` gives an account's."""
    from portal.privacy.subjects import Identifiers

    strong: set[str] = set()
    names: set[str] = set()
    for rows in found.values():
        for row in rows:
            strong.update(str(v).strip() for c, v in row.items() if c.endswith(("_email", "_phone")) and v)
            first = next((v for c, v in row.items() if c.endswith("_first_name") and v), "")
            last = next((v for c, v in row.items() if c.endswith("_last_name") and v), "")
            if first and last:
                names.add(f"{first.strip()} {last.strip()}")
    return Identifiers.of(strong, names)


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
    from portal.notifications.models import Notification

    # a mail still queued to the address (a decision told to a partner without an account) keeps it until sent
    db.session.execute(delete(Notification).where(func.lower(Notification.to_email) == email.strip().lower())
                       .execution_options(synchronize_session=False))
    return changed


CONTACT_FIELDS = ("first_name", "last_name", "phone", "email")


def current(email: str) -> dict[str, str]:
    """The person's contact details as the newest record of the first table naming the address holds them (what
    the DPO corrects)."""
    for group in CONTACTS:
        model, matches = _matching(group, email)
        newest = db.session.scalars(select(model).where(matches).order_by(model.id.desc())).first()
        if newest is not None:
            return {field: getattr(newest, column) or "" for field, column in _columns(group).items()}
    return {}


def _columns(group: ContactColumns) -> dict[str, str]:
    """The group's column for each of CONTACT_FIELDS (``customer_contact_first_name`` for ``first_name``)."""
    return {field: next(c for c in group.columns if c.endswith("_" + field)) for field in CONTACT_FIELDS}


def rectify(email: str, data: dict) -> tuple[int, list[str]]:
    """G-06 for someone without an account: the corrected first name, last name, phone or e-mail (the keys of
    CONTACT_FIELDS; a blank or absent one is left as it is) go into every record naming the address. Returns the
    rows changed and the fields that changed; the values themselves are never logged."""
    from flask_babel import gettext as _

    from portal.core.errors import DomainError
    from portal.leads.service.limits import email_ok, phone_problem

    wanted = {k: (data.get(k) or "").strip() for k in CONTACT_FIELDS if (data.get(k) or "").strip()}
    # the corrected details must be as usable as when they were entered (L-01, L-02)
    if not email_ok(wanted.get("email", "")) or len(wanted.get("email", "")) > 254:
        raise DomainError(_("Check the e-mail address."), field="email", rule="G-06")
    if problem := phone_problem(wanted.get("phone", "")):
        raise DomainError(problem, field="phone", rule="G-06")
    if any(len(v) > 100 for k, v in wanted.items() if k != "email"):
        raise DomainError(_("At most 100 characters."), field=next(k for k, v in wanted.items() if len(v) > 100),
                          rule="G-06")
    rows, fields = 0, set()
    for group in CONTACTS:
        model, matches = _matching(group, email)
        columns = _columns(group)
        for record in list(db.session.scalars(select(model).where(matches))):
            changed = [field for field, value in wanted.items()
                       if field in columns and getattr(record, columns[field]) != value]
            for field in changed:
                setattr(record, columns[field], wanted[field].lower() if field == "email" else wanted[field])
            if changed:
                rows += 1
                fields.update(changed)
    db.session.flush()
    return rows, [f for f in CONTACT_FIELDS if f in fields]
