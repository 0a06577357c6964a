"""Installers joining, their status (P-01 … P-03), exclusion and leaving (P-31, P-32), PIT-8C data (P-29)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from flask_login import user_logged_in
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased
from stdnum.pl import nip as nip_number
from stdnum.pl import pesel

from portal.accounts import service as accounts
from portal.accounts.models import PARTICIPANT, User
from portal.core.bulk import ValidationFailed, iso_day
from portal.core.clock import Clock, get_clock
from portal.core.errors import DomainError, NotFound
from portal.core.locks import locked
from portal.extensions import db
from portal.leads.service.limits import email_ok, text_problems
from portal.loyalty.models import Installer, InstallerStatus, PointsEntry, RewardOrder, StatusEvidence
from portal.loyalty.rules import LoyaltyRules
from portal.loyalty.service import ledger
from portal.loyalty.service.programme import joining_closed
from portal.notifications import service as notifications
from portal.privacy import audit
from portal.tenancy.models import Tenant
from portal.tenancy.service import local_today

STATUSES = ("installer", "authorised", "premium")
DELIVERY_ADDRESS_MAX = 300  # Installer.delivery_address (P-25)
CRITERIA = ("device_points", "sales_activity", "training", "promotional_activity")
OPEN_ORDER_STATES = ("placed", "substitute_offered", "withheld", "shipped", "delivery_failed")


def get(installer_id: int) -> Installer:
    installer = db.session.get(Installer, installer_id)
    if installer is None:
        raise NotFound(_("No such participant."))
    return installer


def for_user(user_id: int) -> Installer | None:
    return db.session.scalars(select(Installer).where(Installer.user_id == user_id)).first()


def check_business_nip(user_id: int, nip: str | None) -> None:
    """P-01, P-29: a participant who joined as a business keeps a valid NIP on the account, refused at the field as
    at joining. The seed's business participant settles the rewards as business income (§5 pkt 13) and gets no
    PIT-8C; one emptying the NIP would keep that status with no NIP and never be asked for the PIT-8C data
    (§5 pkt 14). Ceasing to be a business is not a profile edit: the tax treatment of the rewards already received
    hangs on it, so the organiser corrects it (G-06 rectification) — not this page."""
    installer = for_user(user_id)
    if installer is not None and installer.business and not nip_number.is_valid((nip or "").strip()):
        raise DomainError(_("A business participant needs a valid NIP."), field="nip", rule="P-01")


def by_email(email: str) -> Installer | None:
    user = accounts.find_user(email)
    return for_user(user.id) if user else None


def initial_status(certificate: bool, leader: bool) -> str:
    """P-02: a valid authorisation certificate → authorised; an installation leader → premium."""
    return "premium" if leader else "authorised" if certificate else "installer"


def join(user: User, *, business: bool, installs_heating: bool, adult: bool, registered_on: date,
         rules: LoyaltyRules, certificate: bool = False, leader: bool = False, employee: bool = False,
         status: str | None = None, activated_on: date | None = None, nip: str | None = None) -> Installer:
    """P-01: businesses and adult individuals who install or service heating devices join at once; anyone else
    waits for the organiser's individual decision. P-40: nobody joins once the end is announced. A business joins
    with a valid NIP — ``nip``, else the one on the account — kept on the account: a business gets no PIT-8C (P-29),
    so an individual must not pass for one."""
    if joining_closed(registered_on):
        raise DomainError(_("The programme's end has been announced: joining is closed."), rule="P-40")
    if business and employee:
        raise DomainError(_("An employee joins as an individual (business: no); the business is the employer."),
                          field="employee", rule="P-29")
    if business:
        given = (nip if nip is not None else user.nip or "").strip()
        if not nip_number.is_valid(given):
            raise DomainError(_("A business participant needs a valid NIP."), field="nip", rule="P-01")
        user.nip = nip_number.compact(given)
    if registered_on < rules.starts_on:
        raise DomainError(_("The programme takes registrations from %(day)s.", day=rules.starts_on.isoformat()),
                          field="registered_on", rule="P-01")
    eligible = installs_heating and (business or adult)
    existing = for_user(user.id)
    if existing is not None and existing.excluded_on is not None:
        # P-32: a new start for someone excluded on a ground that allows it, with what they declare now
        rejoin(existing, on=registered_on, rules=rules, actor=user)
        existing.business, existing.employee = business, employee
        existing.declared_heating, existing.declared_adult = installs_heating, adult
        existing.status = status or initial_status(certificate, leader)
        existing.status_reason = ""
        existing.approval = "approved" if eligible else "pending"
        existing.approved_on = registered_on if eligible else None
        existing.activated_on = activated_on
        _held_from(existing, registered_on)
        return existing
    if existing is not None:
        raise DomainError(_("This account already takes part in the programme."), field="email", rule="P-01")
    installer = Installer(tenant_id=user.tenant_id, user_id=user.id, business=business, employee=employee,
                          declared_heating=installs_heating, declared_adult=adult,
                          status=status or initial_status(certificate, leader),
                          approval="approved" if eligible else "pending", registered_on=registered_on,
                          approved_on=registered_on if eligible else None, activated_on=activated_on)
    db.session.add(installer)
    db.session.flush()
    _held_from(installer, registered_on)
    audit.record(user, "installer.joined", "installer", installer.id)
    return installer


def import_row(row: dict, *, tenant_id: int, rules: LoyaltyRules) -> Installer:
    """FORMATS: email,first_name,last_name,nip,business,status,registered_on,activated_on; an optional
    delivery_address (P-25: the participant's address on the platform, where the courier delivers); an optional employee
    (yes/no) marks an individual employed by an installation business, who needs the employer's acceptance
    uploaded before any reward (P-29)."""
    problems = nul_problems(row)
    if problems:  # PostgreSQL keeps no NUL in text: refused before the row is looked up or written
        raise ValidationFailed(problems)
    business = (row.get("business") or "").strip().lower()
    if business not in ("yes", "no"):
        problems.append(("business", _("business is yes or no."), "P-01"))
    status = (row.get("status") or "").strip()
    if status not in STATUSES:
        problems.append(("status", _("status is one of %(statuses)s.", statuses=", ".join(STATUSES)), "P-02"))
    employee = (row.get("employee") or "").strip().lower()  # optional (P-29): an individual employed by a business
    if employee not in ("", "yes", "no"):
        problems.append(("employee", _("employee is yes or no."), "P-29"))
    elif employee == "yes" and business == "yes":
        problems.append(("employee", _("An employee joins as an individual (business: no); the business is the "
                                       "employer."), "P-29"))
    given = row.get("delivery_address")  # optional (P-25): where the courier delivers rewards; None: not given
    address = (given or "").strip()
    problem = None if given is None else delivery_address_problem(given)
    if problem:
        problems.append(("delivery_address", problem, "P-25"))
    nip = (row.get("nip") or "").strip()
    if business == "yes" and not nip_number.is_valid(nip):
        problems.append(("nip", _("A business participant needs a valid NIP."), "P-01"))
    elif business == "no" and nip:  # FORMATS: empty — the PIT-8C's NIP or PESEL is the participant's to give
        problems.append(("nip", _("Leave nip empty for a participant who does not run a business (business: no); "
                                  "their NIP or PESEL for the PIT-8C form is given on their tax-data page."), "P-29"))
    dates = {}
    for key, required in (("registered_on", True), ("activated_on", False)):
        raw = (row.get(key) or "").strip()
        if not raw and not required:
            dates[key] = None
            continue
        try:
            dates[key] = iso_day(raw)
        except ValueError:
            problems.append((key, _("%(column)s must be a date as YYYY-MM-DD.", column=key), None))
    # P-40 (seed §7 pkt 3): from the announcement nobody joins — judged on the day the row says the participant
    # registered (a registration recorded later from the organiser's system keeps its day), today when it gives none
    today = _tenant_today(tenant_id)
    if joining_closed(dates.get("registered_on") or today):
        raise DomainError(_("The programme's end has been announced: joining is closed."), rule="P-40")
    problems += _import_day_problems(dates, today=today)
    email = (row.get("email") or "").strip()
    if not email:
        problems.append(("email", _("Give the participant's e-mail."), "P-01"))
    elif not email_ok(email) or len(email) > 254:  # as the registration form checks it
        problems.append(("email", _("%(email)s is not an e-mail address.", email=email[:60]), "P-01"))
    names = {key: (row.get(key) or "").strip() for key in ("first_name", "last_name")}
    problems += [(key, _("Give the participant's %(column)s.", column=key), "P-01")
                 for key, value in names.items() if not value]
    problems += text_problems(names, {"first_name": (100, "first_name"), "last_name": (100, "last_name")}, "P-01")
    if problems:
        raise ValidationFailed(problems)
    user = accounts.find_user(email)
    if user is not None and user.role != PARTICIPANT:
        raise DomainError(_("%(email)s belongs to the organiser's staff, not to a participant.", email=email),
                          field="email", rule="P-01")
    if user is None:
        tenant = db.session.get(Tenant, tenant_id)  # §9: the organiser's language until the person chooses theirs
        user = accounts.create_user(tenant_id, email=email, password=None, role=PARTICIPANT,
                                    first_name=names["first_name"], last_name=names["last_name"],
                                    nip=nip if business == "yes" else "",
                                    locale=tenant.locale if tenant is not None and tenant.locale else "pl")
    installer = for_user(user.id)
    if installer is not None and installer.excluded_on is None:
        raise DomainError(_("%(email)s already takes part in the programme.", email=email), field="email", rule="P-01")
    installer = join(user, business=business == "yes", installs_heating=True, adult=True,
                     registered_on=dates["registered_on"], rules=rules, status=status,
                     activated_on=dates["activated_on"], employee=employee == "yes")
    if address:
        installer.delivery_address = address
    return installer


def nul_problems(row: dict) -> list[tuple[str | None, str, str | None]]:
    """An import's row (or a command's values): each column holding a NUL character, which no text column can keep
    (PostgreSQL refuses it), named so the organiser can find it."""
    return [(str(column), _("%(column)s contains a NUL character (\\x00), which cannot be stored.",
                            column=column), None)
            for column, value in row.items() if isinstance(value, str) and "\x00" in value]


def delivery_address_problem(address: str | None) -> str | None:
    """P-25: why an address given for the courier is refused — blank, or longer than 300 characters once trimmed —
    or None when it is fine (the API's schema bound is an outer limit only: this decides)."""
    value = (address or "").strip()
    if not value:
        return _("Give the address the courier should deliver your rewards to.")
    if "\x00" in value:
        return _("%(column)s contains a NUL character (\\x00), which cannot be stored.", column="delivery_address")
    if len(value) > DELIVERY_ADDRESS_MAX:
        return _("The address may be at most %(n)s characters long.", n=DELIVERY_ADDRESS_MAX)
    return None


def _tenant_today(tenant_id: int) -> date:
    """Today in the organiser's time zone, from the injectable clock (the replayed day under ``--as-of``)."""
    tenant = db.session.get(Tenant, tenant_id)
    return get_clock().today(tenant.timezone if tenant is not None else "Europe/Warsaw")


def _import_day_problems(dates: dict, *, today: date) -> list[tuple[str | None, str, str | None]]:
    """A registration (P-01) or an activation (P-32) has happened: not after today, and the account is activated on or
    after the day it registered — the three months of P-32 count from these days."""
    registered, activated = dates.get("registered_on"), dates.get("activated_on")
    problems: list[tuple[str | None, str, str | None]] = []
    if registered is not None and registered > today:
        problems.append(("registered_on", _("The registration date cannot be later than today (%(day)s).", day=today),
                         "P-01"))
    if activated is not None and activated > today:
        problems.append(("activated_on", _("The activation date cannot be later than today (%(day)s).", day=today),
                         "P-32"))
    elif activated is not None and registered is not None and activated < registered:
        problems.append(("activated_on", _("The activation date cannot be earlier than the registration date "
                                           "(%(day)s).", day=registered), "P-32"))
    return problems


def _today(installer: Installer) -> date:
    return _tenant_today(installer.tenant_id)


def approve(installer: Installer, *, approved: bool, on: date | None = None, actor=None,
            clock: Clock | None = None) -> None:
    """P-01: the organiser's individual decision on someone outside the usual group; the day of an approval starts
    the three months of P-32. The applicant is told the decision."""
    if locked(installer).approval != "pending":
        raise DomainError(_("This participant is not waiting for approval."), rule="P-01")
    if approved and joining_closed(on or _today(installer)):  # seed §7.3: nobody joins once the end is announced
        raise DomainError(_("The programme's end has been announced: joining is closed."), rule="P-40")
    installer.approval = "approved" if approved else "refused"
    installer.approved_on = (on or _today(installer)) if approved else None
    audit.record(actor, "installer.approved" if approved else "installer.refused", "installer", installer.id)
    user = db.session.get(User, installer.user_id)
    if user is not None:
        notifications.notify(user, "participation_approved" if approved else "participation_refused",
                             clock=clock or get_clock())


def joining_answers(installer: Installer, nip: str | None) -> list[str]:
    """P-01, P-02: what the participant declared at joining, as far as the record keeps it, for the organiser's
    decision on an applicant: running a business (with its NIP) or not, being an employee, the status the
    certificate or the leader title gave (while nothing changed it since) and, for one outside the usual group,
    what P-01's test says of the answers: a business that does not install or service heating devices; an
    individual who does not, or is not of age — each declaration as given."""
    answers = [_("Runs a business, NIP %(nip)s.", nip=nip or "—") if installer.business
               else _("An individual (not a business).")]
    if installer.employee:
        answers.append(_("Declares being employed by an installation business."))
    if not installer.status_reason:
        answers.append({"premium": _("Declared being an installation leader."),
                        "authorised": _("Declared holding a valid authorisation certificate."),
                        }.get(installer.status, _("Declared neither an authorisation certificate nor the "
                                                  "installation leader title.")))
    if installer.approval != "approved":
        heating, adult = installer.declared_heating, installer.declared_adult
        if heating is False and (installer.business or adult is False):
            answers.append(_("Outside the usual group (P-01): does not install or service heating devices.")
                           if installer.business or adult is None else
                           _("Outside the usual group (P-01): does not install or service heating devices and is "
                             "not of age."))
        elif adult is False and not installer.business:
            answers.append(_("Outside the usual group (P-01): is not of age."))
        elif installer.business:
            answers.append(_("Outside the usual group (P-01): does not install or service heating devices."))
        else:  # joined before the declarations were kept
            answers.append(_("Outside the usual group (P-01): does not install or service heating devices, or is "
                             "not of age."))
    return answers


def activate(installer: Installer, on: date) -> None:
    if installer.activated_on is None:
        installer.activated_on = on


@user_logged_in.connect
def _activated_by_login(_app, user: User, **_extra) -> None:
    """P-32 (seed §6.2.1): logging in activates a participant's account — one imported without an activation date
    is not excluded as "not activated" after it logged in. The login view commits it with the login itself."""
    if user.role != PARTICIPANT:
        return
    installer = for_user(user.id)
    if installer is not None and installer.activated_on is None:
        activate(installer, _today(installer))


ADULT_AGE = 18


def set_tax_data(installer: Installer, *, tax_id: str, home_address: str, birth_date: date | None,
                 on: date | None = None, actor=None) -> None:
    """P-29: the data for PIT-8C — NIP or PESEL, home address, date of birth — with the account's name, kept with
    them (the account's name is erased when the participant leaves, the PIT-8C data is kept 5 years). P-01: only an
    adult takes part: 18 years old on the day (on the 18th birthday itself)."""
    on = on or _today(installer)
    problems: list[tuple[str | None, str, str | None]] = []
    tax_id = nip_number.compact(tax_id or "")  # "PL 123-456-32-18" as its digits; a PESEL has no prefix
    born = pesel.get_birth_date(tax_id) if pesel.is_valid(tax_id) else None  # a PESEL states the date of birth
    if not (nip_number.is_valid(tax_id) or born is not None):
        problems.append(("tax_id", _("Enter a valid NIP or PESEL."), "P-29"))
    elif born is not None and born > on:
        problems.append(("tax_id", _("This PESEL gives a date of birth still to come: check it."), "P-29"))
    if not (home_address or "").strip():
        problems.append(("home_address", _("Enter your home address."), "P-29"))
    # P-01: anyone else takes part by the organiser's individual decision — one admitted though not of age
    admitted = installer.approval == "approved" and installer.declared_adult is False
    if birth_date is None:
        problems.append(("birth_date", _("Enter your date of birth."), "P-29"))
    elif birth_date > on:
        problems.append(("birth_date", _("The date of birth cannot be in the future."), "P-29"))
    elif born is not None and born <= on and birth_date != born:
        problems.append(("birth_date", _("The date of birth does not match the PESEL (%(day)s).",
                                         day=born.isoformat()), "P-29"))
    elif birth_date + relativedelta(years=ADULT_AGE) > on and not admitted:
        problems.append(("birth_date", _("Only adults take part in the programme: you must be at least %(age)s years "
                                         "old.", age=ADULT_AGE), "P-01"))
    if problems:
        raise ValidationFailed(problems)
    installer.tax_id, installer.home_address, installer.birth_date = tax_id, home_address.strip(), birth_date
    user = db.session.get(User, installer.user_id)
    if user is not None:
        installer.tax_first_name, installer.tax_last_name = user.first_name or None, user.last_name or None
    audit.record(actor, "installer.tax_data", "installer", installer.id)


def _blocker(installer: Installer) -> tuple[str, str] | None:
    """(rule, case) when the participant may not order now, before points and caps are looked at."""
    if installer.excluded_on is not None:
        return "P-32", "excluded"
    if installer.left_on is not None:
        return "P-31", "left"
    if installer.approval != "approved":
        return "P-01", "not_approved"
    if not installer.business:
        if not (installer.tax_id and installer.home_address and installer.birth_date):
            return "P-29", "tax_data"
        if installer.employee and not installer.employer_acceptance_file:
            return "P-29", "employer_acceptance"
    return None


def reward_blocker(installer: Installer) -> tuple[str, str] | None:
    """(rule, reason) when the participant may not order now, before points and caps are looked at; the reason
    in the reader's language (the rewards page shows it)."""
    blocker = _blocker(installer)
    if blocker is None:
        return None
    rule, case = blocker
    reasons = {
        "excluded": _("the participant is excluded from the programme"),
        "left": _("the participant has left the programme"),
        "not_approved": _("the organiser has not approved the participation yet"),
        "tax_data": _("give the data for the PIT-8C form first (NIP or PESEL, home address, date of birth)"),
        "employer_acceptance": _("upload your employer's written acceptance first"),
    }
    return rule, reasons[case]


def order_refusal(installer: Installer) -> tuple[str, str] | None:
    """(rule, message) refusing an order, as whole sentences in the reader's language (see ``reward_blocker``)."""
    blocker = _blocker(installer)
    if blocker is None:
        return None
    rule, case = blocker
    messages = {
        "excluded": _("You cannot order: the participant is excluded from the programme."),
        "left": _("You cannot order: the participant has left the programme."),
        "not_approved": _("You cannot order: the organiser has not approved the participation yet."),
        "tax_data": _("You cannot order: give the data for the PIT-8C form first (NIP or PESEL, home address, "
                      "date of birth)."),
        "employer_acceptance": _("You cannot order: upload your employer's written acceptance first."),
    }
    return rule, messages[case]


def evidence_on_record(installer: Installer, *, on: date) -> dict[str, date]:
    """P-03: the criteria the organiser has on record for the participant on ``on``, each with the day it was first
    recorded (what the staff page shows, and what may be withdrawn)."""
    return dict(db.session.execute(
        select(StatusEvidence.criterion, func.min(StatusEvidence.recorded_on))
        .where(StatusEvidence.installer_id == installer.id, StatusEvidence.recorded_on <= on, _held_on(on))
        .group_by(StatusEvidence.criterion)).all())


def record_evidence(installer: Installer, criterion: str, *, on: date, note: str = "", actor=None) -> None:
    """P-03: the organiser records a criterion it assesses; one already on record is not recorded twice."""
    from portal.core.labels import label

    if criterion not in CRITERIA[1:]:
        raise DomainError(_("Criteria recorded by the organiser: %(criteria)s.", criteria=", ".join(CRITERIA[1:])),
                          field="criterion", rule="P-03")
    if since := evidence_on_record(installer, on=on).get(criterion):
        raise DomainError(_("%(criterion)s is already on record since %(day)s.",
                            criterion=label(criterion, "installer.criterion"), day=since.isoformat()),
                          field="criterion", rule="P-03")
    db.session.add(StatusEvidence(tenant_id=installer.tenant_id, installer_id=installer.id, criterion=criterion,
                                  recorded_on=on, note=note))
    audit.record(actor, "installer.evidence", "installer", installer.id)


def revoke_evidence(installer: Installer, criterion: str, *, on: date, actor=None, on_record: bool = False) -> None:
    """P-03: the organiser withdraws a criterion (the status follows at the next evaluation); ``on_record``: the
    staff page's withdrawal, refused when nothing of it is on record (a lost title withdraws the training whether
    or not it was recorded)."""
    from portal.core.labels import label

    rows = list(db.session.scalars(select(StatusEvidence).where(StatusEvidence.installer_id == installer.id,
                                                                StatusEvidence.criterion == criterion,
                                                                StatusEvidence.revoked_on.is_(None))))
    if not rows and on_record:
        raise DomainError(_("%(criterion)s is not on record.", criterion=label(criterion, "installer.criterion")),
                          field="criterion", rule="P-03")
    for row in rows:
        row.revoked_on = on
    audit.record(actor, "installer.evidence_revoked", "installer", installer.id)


def criteria_met(installer: Installer, *, as_of: date, rules: LoyaltyRules) -> set[str]:
    met = set(db.session.scalars(select(StatusEvidence.criterion).where(
        StatusEvidence.installer_id == installer.id, StatusEvidence.recorded_on <= as_of, _held_on(as_of))))
    if rules.device_points_threshold is not None:
        since = as_of - relativedelta(months=rules.device_points_window_months)
        in_window = (PointsEntry.installer_id == installer.id, PointsEntry.kind == "earn",
                     PointsEntry.source == "device", PointsEntry.on > since, PointsEntry.on <= as_of)
        earned = db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(*in_window)) or 0
        # P-09: points taken back from those lots (revoke entries draw on the earn entry, ``lot_id``) do not count
        lot = aliased(PointsEntry)
        revoked = db.session.scalar(select(func.coalesce(func.sum(lot.points), 0)).where(
            lot.installer_id == installer.id, lot.kind == "revoke", lot.on <= as_of,
            lot.lot_id.in_(select(PointsEntry.id).where(*in_window)))) or 0
        if earned + revoked >= rules.device_points_threshold:
            met.add("device_points")
    return met


def _held_on(day: date):
    """Evidence still in force on ``day``: a record revoked later counted until then (a replayed day sees it)."""
    return or_(StatusEvidence.revoked_on.is_(None), StatusEvidence.revoked_on > day)


def _recorded_after(installer: Installer, criterion: str, day: date) -> bool:
    """Whether the criterion was recorded after ``day`` and is not revoked by then: replaying a day before it came
    (``--as-of``) is no loss of it — only a revocation takes a status away (P-03)."""
    return bool(db.session.scalar(select(exists().where(
        StatusEvidence.installer_id == installer.id, StatusEvidence.criterion == criterion,
        StatusEvidence.recorded_on > day, _held_on(day)))))


def _lost_after(installer: Installer, criterion: str, day: date) -> bool:
    """Whether the status was already taken away by a withdrawal of the criterion dated after ``day``: a day replayed
    from before it (``--as-of``) saw the criterion in force, but the later loss stands (seed §4.9) — such a day gives
    no status back. (Days replayed in order reach the withdrawal's day after, so they see the status rise first.)"""
    if installer.status_reason not in LOSS_REASONS:
        return False
    return bool(db.session.scalar(select(exists().where(
        StatusEvidence.installer_id == installer.id, StatusEvidence.criterion == criterion,
        StatusEvidence.revoked_on > day))))


def evaluate_status(installer: Installer, *, as_of: date, rules: LoyaltyRules, clock: Clock) -> str | None:
    """P-03: a change needs at least two of the four criteria, training among them; losing the training
    (authorisation) brings the status back to installer. Returns the new status when it changed."""
    if installer.excluded_on is not None:
        return None
    met = criteria_met(installer, as_of=as_of, rules=rules)
    qualified = rules.required_criterion in met and len(met) >= rules.min_criteria
    new = installer.status
    if installer.status == "installer" and qualified and not _lost_after(installer, rules.required_criterion, as_of):
        new = "authorised"
    elif installer.status in ("authorised", "premium") and rules.required_criterion not in met and \
            _from_criteria(installer) and not _recorded_after(installer, rules.required_criterion, as_of):
        new = "installer"  # a certificate or a leader title is lost only through ``withdraw_title`` (P-02)
    if new == installer.status:
        return None
    previous, installer.status = installer.status, new
    installer.status_reason = (f"{CRITERIA_REASON}{', '.join(sorted(met))}" if new != "installer"
                               else TRAINING_WITHDRAWN)
    _held_from(installer, as_of)
    user = db.session.get(User, installer.user_id)
    if user is not None:
        notifications.notify(user, "status_changed", clock=clock, status=new, previous=previous)
    return new


TITLES = ("authorisation", "leader")  # P-02: what a participant can lose — the certificate, the leader title
_TITLE_LOSS = {  # title lost → (statuses that hold it, the status after, the stored reason)
    "authorisation": (("authorised", "premium"), "installer", "the authorisation certificate was withdrawn"),
    "leader": (("premium",), "authorised", "the installation leader title was withdrawn"),
}
TRAINING_WITHDRAWN = "the authorisation (training) was withdrawn"
LOSS_REASONS = (TRAINING_WITHDRAWN, _TITLE_LOSS["authorisation"][2])  # the installer status a withdrawal gave


def withdraw_title(installer: Installer, title: str, *, on: date, clock: Clock, actor=None) -> str:
    """P-02/P-03: losing the authorisation changes the status (to installer; the training no longer counts), losing
    the installation-leader title takes premium back to authorised — also for one who joined holding it. Returns
    the new status; the participant is told."""
    _title_day(locked(installer), on, clock)
    if title not in _TITLE_LOSS:
        raise DomainError(_("Choose what the participant lost."), field="lost", rule="P-03")
    holders, after, reason = _TITLE_LOSS[title]
    if installer.excluded_on is not None or installer.status not in holders:
        raise DomainError(_("The participant does not hold this status."), field="lost", rule="P-03")
    if title == "authorisation":
        revoke_evidence(installer, "training", on=on, actor=actor)
    return _set_status(installer, after, reason, on=on, actor=actor, clock=clock, action="installer.title_withdrawn")


_TITLE_GRANT = {  # title granted → (the status it gives, the statuses that already include it, the stored reason)
    "authorisation": ("authorised", ("authorised", "premium"), "the authorisation certificate was granted"),
    "leader": ("premium", ("premium",), "the installation leader title was granted"),
}


def grant_title(installer: Installer, title: str, *, on: date, clock: Clock, actor=None) -> str:
    """P-02: as at registration, a participant the organiser grants the authorisation (certificate) becomes an
    Authorised Installer, one it makes an installation leader Premium. Returns the new status; the participant is
    told."""
    _title_day(locked(installer), on, clock)
    if title not in _TITLE_GRANT:
        raise DomainError(_("Choose what the participant was granted."), field="granted", rule="P-02")
    after, holders, reason = _TITLE_GRANT[title]
    if installer.excluded_on is not None:
        raise DomainError(_("The participant is excluded."), field="granted", rule="P-32")
    if installer.status in holders:
        raise DomainError(_("The participant already holds this status."), field="granted", rule="P-02")
    return _set_status(installer, after, reason, on=on, actor=actor, clock=clock, action="installer.title_granted")


def _title_day(installer: Installer, on: date, clock: Clock) -> None:
    """A title changes hands on a day that has come: the status changes at once, and so does what it is held from.
    Nor before the participant joined or its status last changed (a withdrawal dated before the grant it undoes
    would leave a history in which the title was never held)."""
    today = local_today(clock)
    if on > today:
        raise DomainError(_("%(day)s is still to come: a title is granted or withdrawn as of today (%(today)s) or "
                            "an earlier day.", day=on.isoformat(), today=today.isoformat()), field="on", rule="P-02")
    last = db.session.scalar(select(func.max(InstallerStatus.from_on)).where(
        InstallerStatus.installer_id == installer.id))
    since = max((day for day in (last, installer.registered_on) if day is not None), default=None)
    if since is not None and on < since:
        raise DomainError(_("The participant's status holds since %(day)s (joining or the last change): a title is "
                            "granted or withdrawn as of that day or later.", day=since.isoformat()),
                          field="on", rule="P-02")


def _set_status(installer: Installer, status: str, reason: str, *, on: date, actor, clock: Clock, action: str) -> str:
    previous, installer.status, installer.status_reason = installer.status, status, reason
    _held_from(installer, on)
    audit.record(actor, action, "installer", installer.id)
    user = db.session.get(User, installer.user_id)
    if user is not None:
        notifications.notify(user, "status_changed", clock=clock, status=status, previous=previous)
    return status


def _held_from(installer: Installer, on: date, status: str | None = None) -> None:
    """The installer's present status (or ``status``), held from ``on`` (a later entry of the same day wins)."""
    db.session.add(InstallerStatus(tenant_id=installer.tenant_id, installer_id=installer.id,
                                   status=status or installer.status, from_on=on))


def status_on(installer: Installer, day: date) -> str:
    """P-02/P-03: the status held on ``day``: the present one from the day of the latest entry on (whatever order
    the changes were dated in, the last one made is the status now), and for a day before any entry (before
    joining); between, the entry of that day or the latest before it."""
    entries = db.session.execute(select(InstallerStatus.status, InstallerStatus.from_on).where(
        InstallerStatus.installer_id == installer.id).order_by(InstallerStatus.from_on.desc(),
                                                              InstallerStatus.id.desc())).all()
    if not entries or day >= entries[0].from_on:
        return installer.status
    return next((status for status, from_on in entries if from_on <= day), installer.status)


CRITERIA_REASON = "criteria met: "  # how ``evaluate_status`` records a status the criteria gave


def _from_criteria(installer: Installer) -> bool:
    """P-03: the status came from the criteria (the daily job raised it), not from a certificate or a leader title
    held at joining, imported, or granted by the organiser (P-02) — only such a status falls with the criteria."""
    return (installer.status_reason or "").startswith(CRITERIA_REASON)


def missing_for_next(installer: Installer, *, as_of: date, rules: LoyaltyRules) -> list[str]:
    """P-03: the criteria an installer still lacks for the Authorised status — the only change the criteria make;
    nothing for Authorised and Premium participants."""
    if installer.status != "installer":
        return []
    met = criteria_met(installer, as_of=as_of, rules=rules)
    missing = [] if rules.required_criterion in met else [rules.required_criterion]
    others = max(rules.min_criteria - len(met | {rules.required_criterion}), 0)
    if others:
        missing += [c for c in CRITERIA if c not in met and c != rules.required_criterion][:others]
    return missing


def exclude(installer: Installer, ground: str, *, on: date, note: str = "", actor=None, clock: Clock) -> None:
    """P-32: exclusion forfeits the points and cancels open orders."""
    if locked(installer).excluded_on is not None:
        return
    installer.excluded_on, installer.exclusion_ground, installer.exclusion_note = on, ground, note or None
    # kept after a re-join clears ``excluded_on``: a past day's statement inside the exclusion still says so
    _held_from(installer, on, status="excluded")
    ledger.forfeit_all(installer.id, on=on, tenant_id=installer.tenant_id, reason=f"exclusion:{ground}")
    _cancel_open_orders(installer, on=on)
    audit.record(actor, "installer.excluded", "installer", installer.id)
    user = db.session.get(User, installer.user_id)
    if user is not None:
        notifications.notify(user, "excluded", clock=clock, ground=ground)


def _cancel_open_orders(installer: Installer, *, on: date) -> None:
    """P-31/P-32: the open orders of one who leaves or is excluded are cancelled (their points are forfeited, not
    restored) and each reward goes back in stock as on any cancellation — one offered a substitute for is
    unavailable and does not (``orders.return_stock``)."""
    from portal.loyalty.service import orders  # orders builds on this module

    open_orders = (select(RewardOrder).where(RewardOrder.installer_id == installer.id,
                                             RewardOrder.state.in_(OPEN_ORDER_STATES))
                   .with_for_update().execution_options(populate_existing=True))  # as ``core.locks.locked``
    for order in db.session.scalars(open_orders):
        orders.return_stock(order)
        order.state, order.closed_on = "cancelled", on


def rejoin(installer: Installer, *, on: date, rules: LoyaltyRules, actor=None) -> None:
    """P-32: only after the first two grounds, and old points are not restored."""
    if installer.excluded_on is None:
        raise DomainError(_("This participant is not excluded."), rule="P-32")
    if installer.exclusion_ground not in rules.rejoin_grounds:
        raise DomainError(_("Re-joining is possible only after an exclusion for a non-activated account or for no "
                            "points within 3 months."), rule="P-32")
    if on <= installer.excluded_on:  # a new start: no points dated inside the participation that was ended
        raise DomainError(_("Excluded on %(day)s: joining again is possible from the next day.",
                            day=installer.excluded_on.isoformat()), field="registered_on", rule="P-32")
    if joining_closed(on):
        raise DomainError(_("The programme's end has been announced: joining is closed."), rule="P-40")
    installer.excluded_on = installer.exclusion_ground = installer.exclusion_note = None
    installer.registered_on, installer.activated_on = on, on
    audit.record(actor, "installer.rejoined", "installer", installer.id)


def exclusion_checks(*, as_of: date, rules: LoyaltyRules, clock: Clock) -> int:
    """P-32 daily: not activated, or no points, within 3 months of registration — and still so on the day of the
    check. Someone who activated the account or earned points since (a late start) is not excluded: the seed lets
    the organiser exclude, it does not make a late participant lose what they have earned. Only approved
    participants are checked (P-01): one waiting for the organiser's decision, or refused, cannot register devices;
    for one approved later the months count from the approval.

    P-40/P-41: once the programme has ended (on and after its end date) nobody is excluded from it any more. After
    the end's announcement devices are registered only until the last day of its month: one whose three months for
    the first points ended after that day could not earn them, so no points is no ground for them."""
    from portal.loyalty.service.programme import end as programme_end
    from portal.loyalty.service.programme import last_registration_day

    end = programme_end()
    if end is not None and as_of >= end.ends_on:
        return 0
    registrations_closed = last_registration_day(end.announced_on) if end is not None else None
    changed = 0
    for installer in unrestricted(select(Installer).where(Installer.excluded_on.is_(None),
                                                          Installer.left_on.is_(None),
                                                          Installer.approval == "approved")):
        start = max(installer.registered_on, installer.approved_on or installer.registered_on)
        activation_deadline = start + relativedelta(months=rules.activation_months)
        points_deadline = start + relativedelta(months=rules.first_points_months)
        if as_of <= min(activation_deadline, points_deadline):
            continue
        # points show an active account, whenever they came — also those the ledger holds from after ``as_of`` (a
        # day replayed after a later one's run kept the late starter: the replay agrees, and forfeits nothing dated
        # before it was earned); likewise an activation dated later
        earned = db.session.scalar(select(exists().where(
            PointsEntry.installer_id == installer.id, PointsEntry.kind.in_(("earn", "opening")))))
        if earned:
            continue
        if as_of > activation_deadline and installer.activated_on is None:
            exclude(installer, "not_activated", on=as_of, clock=clock)
            changed += 1
        elif as_of > points_deadline and (registrations_closed is None or points_deadline <= registrations_closed):
            exclude(installer, "no_points", on=as_of, clock=clock)
            changed += 1
    return changed


def unrestricted(query):
    """G-07: installers whose processing is restricted are left out of status and exclusion jobs."""
    return db.session.scalars(query.join(User, User.id == Installer.user_id).where(User.restricted_at.is_(None)))


def leave(installer: Installer, *, on: date, actor=None) -> None:
    """P-31: leaving is deleting the account; the privacy erasure takes over the personal data. As on exclusion
    (P-32), the points left are forfeited and open orders cancelled: no reward goes out to an erased address."""
    if installer.left_on is not None:
        return
    installer.left_on = on
    ledger.forfeit_all(installer.id, on=on, tenant_id=installer.tenant_id, reason="left")
    _cancel_open_orders(installer, on=on)
    user = db.session.get(User, installer.user_id)
    if user is not None:
        user.is_active_account = False
    audit.record(actor, "installer.left", "installer", installer.id)


def revoke_points(installer: Installer, points: int, *, reason: str, on: date, rules: LoyaltyRules,
                  actor=None, into: list | None = None) -> int:
    """P-09: the organiser takes back points credited by mistake or earned in breach of the rules — from the
    balance, soonest-expiring first (P-21), never below zero; the reason stays on each ledger line."""
    from portal.loyalty.service.programme import end as programme_end

    if not reason.strip():
        raise DomainError(_("Give the reason."), field="reason", rule="P-09")
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise DomainError(_("Enter the points to revoke as a positive whole number."), field="points", rule="P-09")
    locked(installer)  # as ``orders.place``: one draw at a time, the balance never below zero
    ledger.draw(installer.id, points, kind="revoke", on=on, tenant_id=installer.tenant_id, end=programme_end(),
                rules=rules, source="revoke", note=reason.strip()[:300], into=into)
    audit.record(actor, "points.revoked", "installer", installer.id)
    ledger.tell_revoked(installer.id, points, reason=reason, on=on, rules=rules)
    return points


def what_leaving_ends(user_id: int, *, on: date) -> dict | None:
    """P-31: what deleting the account would forfeit — the points left and the open orders — for the confirmation
    the participant sees first; None when the account is no installer of the programme (or has left)."""
    from portal.loyalty.service.programme import end as programme_end
    from portal.loyalty.service.programme import rules_on

    installer = for_user(user_id)
    if installer is None or installer.left_on is not None or installer.excluded_on is not None:
        return None
    try:
        points = ledger.balance(installer.id, as_of=on, end=programme_end(), rules=rules_on(on))
    except DomainError:
        points = 0
    orders = db.session.scalar(select(func.count()).select_from(RewardOrder).where(
        RewardOrder.installer_id == installer.id, RewardOrder.state.in_(OPEN_ORDER_STATES))) or 0
    return {"points": points, "orders": orders}


def leave_account(user_id: int, *, on: date, actor=None) -> bool:
    """P-31 / G-03: the account of ``user_id`` is being deleted (erased); if it is a participant of the installer
    programme who has not left yet, it leaves now. True when it did."""
    installer = db.session.scalars(select(Installer).where(Installer.user_id == user_id)).first()
    if installer is None or installer.left_on is not None:
        return False
    leave(installer, on=on, actor=actor)
    return True
