"""Customer facts from the vendor (L-04, L-05) and the vendor's sales reports (L-10)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from stdnum.pl import nip as nip_number

from portal.core.bulk import ImportResult, ValidationFailed, iso_day, run_import
from portal.core.clock import get_clock
from portal.core.errors import DomainError, NotFound
from portal.extensions import db
from portal.leads.formats import SALE_COLUMNS
from portal.leads.models import CustomerFact, Sale
from portal.leads.rules import LeadRules
from portal.leads.service import review
from portal.leads.service.limits import INT32, MAX_MONEY, text_problems
from portal.privacy import audit
from portal.programmes.service import timezone_of

CUSTOMER_FLAGS = ("registered_with_vendor", "holds_m365", "holds_o365", "holds_d365", "held_server_csp",
                  "moving_to_e3_or_higher")


def known_customer_flags(rules: LeadRules) -> set[str]:
    flags = {e.flag for e in rules.exclusions} | {e.unless_flag for e in rules.exclusions if e.unless_flag}
    if rules.vendor_registry_flag:
        flags.add(rules.vendor_registry_flag)
    return flags or set(CUSTOMER_FLAGS)


def flag_customer(customer_nip: str, flag: str, rules: LeadRules, *, tenant_id: int, actor=None) -> CustomerFact:
    if not nip_number.is_valid(customer_nip or ""):
        raise DomainError(_("The customer's NIP is not valid."), field="customer_nip", rule="L-04")
    if flag not in known_customer_flags(rules):
        raise DomainError(_("Unknown flag %(flag)s; use one of %(flags)s.", flag=repr(flag),
                            flags=", ".join(sorted(known_customer_flags(rules)))), field="flag", rule="L-04")
    nip = nip_number.compact(customer_nip)
    fact = db.session.scalars(select(CustomerFact).where(CustomerFact.customer_nip == nip,
                                                         CustomerFact.flag == flag)).first()
    if fact is None:
        fact = CustomerFact(tenant_id=tenant_id, customer_nip=nip, flag=flag)
        db.session.add(fact)
        db.session.flush()
        audit.record(actor, "customer.flagged", "customer_fact", fact.id)
    return fact


def unflag_customer(fact_id: int, *, actor=None) -> None:
    fact = db.session.get(CustomerFact, fact_id)
    if fact is None:
        raise NotFound(_("No such customer fact."))
    audit.record(actor, "customer.unflagged", "customer_fact", fact.id)
    db.session.delete(fact)


FACTS_PAGE = 200


def facts(*, page: int = 1, nip: str = "") -> tuple[list[CustomerFact], bool]:
    """One page of the customer facts by NIP (L-04, L-05: each refuses leads, so each is reachable), those of the
    NIPs starting with ``nip`` when given; and whether a next page follows."""
    query = select(CustomerFact).order_by(CustomerFact.customer_nip, CustomerFact.flag, CustomerFact.id)
    digits = "".join(ch for ch in nip if ch.isdigit())
    if digits:
        query = query.where(CustomerFact.customer_nip.startswith(digits))
    rows = list(db.session.scalars(query.offset((page - 1) * FACTS_PAGE).limit(FACTS_PAGE + 1)))
    return rows[:FACTS_PAGE], len(rows) > FACTS_PAGE


def row_key(row: dict) -> tuple[str, ...]:
    """What makes two lines of a report the same sale (``record_sale``: a later one replaces the earlier)."""
    return tuple((row.get(name) or "").strip() for name in ("ref", "transaction_date", "family", "billing"))


def same_sale() -> str:
    """How a second line for one sale names what it repeats (one report names a sale once; a correction comes in a
    later report)."""
    return _("sale (ref, transaction_date, family, billing)")


def import_report(source, rules: LeadRules, *, tenant_id: int, actor=None, commit_valid: bool = False,
                  dry_run: bool = False) -> ImportResult:
    """A sales report (FORMATS.md), from the command or the staff's upload: the same checks, one line per sale.

    A second line for one sale is refused; when it also has problems of its own (a negative value, a bad date) it is
    checked as any row, so its report names them all, not only the repeat."""
    seen: set[tuple[str, ...]] = set()
    repeats: set[int] = set()  # the rows (by identity) that repeat an earlier line's sale and are wrong besides

    def key(row: dict) -> tuple[str, ...] | None:
        mark = row_key(row)
        if mark in seen and _read(row, rules, tenant_id=tenant_id, look_up=False)[0]:
            repeats.add(id(row))
            return None  # checked in full by ``record`` below, which says the repeat with the rest
        seen.add(mark)
        return mark  # ``run_import`` refuses a repeat of it, naming the line it repeats (however that line fared)

    def record(row: dict) -> Sale:
        repeat = [(None, _("the same %(what)s as an earlier line", what=same_sale()), "L-10")] \
            if id(row) in repeats else []
        return record_sale(row, rules, tenant_id=tenant_id, actor=actor, also=repeat)

    return run_import(source, SALE_COLUMNS, record, commit_valid=commit_valid, dry_run=dry_run, key=key,
                      what=same_sale())


def _months_counted(rules: LeadRules, family: str, billing: str) -> bool:
    """L-11/L-17: whether a reward for ``family`` bought in ``billing`` counts months — of active consumption (monthly
    CSP, "min. 3 months active"), or the contract term of a first-year value (SPEC §7) — so a row needs them."""
    return any(family in rule.families and billing in rule.billing
               and (rule.min_active_months or rule.base == "first_year_subscription_value")
               for rule in rules.reward_rules)


def _read(row: dict, rules: LeadRules, *, tenant_id: int, look_up: bool = True
          ) -> tuple[list[tuple[str | None, str, str | None]], dict]:
    """One report line read: every problem of it, each ``(column, message, rule)``, and its values as read (complete
    when there is no problem); ``look_up``: whether to ask the database for the lead it names (the format alone is
    checked without)."""
    problems: list[tuple[str | None, str, str | None]] = []
    read: dict = {}
    ref = (row.get("ref") or "").strip()
    ref_problems = text_problems({"ref": ref}, {"ref": (40, "ref")}, "L-10")
    problems += ref_problems
    if not ref:
        problems.append(("ref", _("Give the lead reference."), "L-10"))
    elif look_up and not ref_problems and review.by_ref(ref) is None:
        problems.append(("ref", _("No lead has the reference %(ref)s.", ref=ref), "L-10"))
    try:
        day = read["day"] = iso_day(row.get("transaction_date") or "")
    except ValueError:
        problems.append(("transaction_date", _("transaction_date must be a date as YYYY-MM-DD, not %(value)s.",
                                                value=repr((row.get("transaction_date") or "").strip())), "L-10"))
    else:
        today = get_clock().today(timezone_of(tenant_id))
        if day > today:  # a vendor's report tells what was sold, never what will be
            problems.append(("transaction_date", _("The transaction date %(day)s is after today (%(today)s).",
                                                   day=day.isoformat(), today=today.isoformat()), "L-10"))
    family, billing = (row.get("family") or "").strip(), (row.get("billing") or "").strip()
    if family not in rules.families:
        problems.append(("family", _("Unknown family %(family)s; use one of %(families)s.", family=repr(family),
                                     families=", ".join(rules.families)), "L-10"))
    if billing not in rules.billing_models:
        problems.append(("billing", _("Unknown billing %(billing)s; use one of %(models)s.", billing=repr(billing),
                                      models=", ".join(rules.billing_models)), "L-10"))
    months = (row.get("months_active") or "").strip()
    if not months and _months_counted(rules, family, billing):
        problems.append(("months_active", _("months_active is required for %(billing)s billing: its reward counts the "
                                            "months (a whole number of at least 0).", billing=billing), "L-17"))
    for key in ("licences", "months_active"):
        raw = (row.get(key) or "0" if key == "months_active" else row.get(key) or "").strip()
        try:
            number = read[key] = int(raw)
            if number < 0:
                raise ValueError
        except ValueError:
            problems.append((key, _("%(column)s must be a whole number of at least 0.", column=key), "L-10"))
        else:
            if number > INT32:
                problems.append((key, _("%(column)s is too large: at most %(max)s.", column=key, max=INT32), "L-10"))
    try:
        value = read["value"] = Decimal((row.get("value") or "").strip())
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        problems.append(("value", _("value must be an amount in PLN with at most 2 decimals, e.g. 1234.50."), "L-10"))
    else:
        if value < 0:
            problems.append(("value", _("value cannot be negative: a report lists what was sold."), "L-10"))
        elif value > MAX_MONEY:
            problems.append(("value", _("%(column)s is too large: at most %(max)s.", column="value", max=MAX_MONEY),
                             "L-10"))
    new_tenant = (row.get("new_tenant") or "").strip().lower()
    if new_tenant not in ("yes", "no"):
        problems.append(("new_tenant", _("new_tenant is yes or no."), "L-10"))
    read.update(ref=ref, family=family, billing=billing, new_tenant=new_tenant == "yes")
    return problems, read


def record_sale(row: dict, rules: LeadRules, *, tenant_id: int, actor=None,
                also: list[tuple[str | None, str, str | None]] | None = None) -> Sale:
    """One report line; the same (ref, date, family, billing) again replaces the earlier figures (a correction).
    ``also``: problems the caller found with the line (a repeat within one file), reported with its own."""
    problems, read = _read(row, rules, tenant_id=tenant_id)
    if problems or also:
        raise ValidationFailed(problems + (also or []))
    ref, day, family, billing = read["ref"], read["day"], read["family"], read["billing"]
    sale = db.session.scalars(select(Sale).where(Sale.ref == ref, Sale.transaction_date == day,
                                                 Sale.family == family, Sale.billing == billing)).first()
    if sale is None:
        sale = Sale(tenant_id=tenant_id, ref=ref, transaction_date=day, family=family, billing=billing,
                    licences=0, value=Decimal(0))
        db.session.add(sale)
    sale.licences, sale.months_active = read["licences"], read["months_active"]
    sale.value, sale.new_tenant = read["value"], read["new_tenant"]
    db.session.flush()
    audit.record(actor, "sale.recorded", "sale", sale.id)
    return sale
