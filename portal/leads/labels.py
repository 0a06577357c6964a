"""Lead-reward codes and settlement explanations in the reader's language (see ``portal.core.labels``).

A settlement line stores its reason as a short English sentence (data: the CSV of FORMATS.md carries it, and an
approved settlement is frozen), built by ``portal.leads.service.settlement`` from a handful of shapes. Pages and
the PDF statement show it through ``settlement_reason``, which recognises each shape, takes its numbers, codes and
dates out and says the same in the reader's language; a reason it does not recognise (an older wording) is shown
as stored. The L-05 reasons come from the programme definition (``reason_en``), whose ``reason_pl`` is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.core import labels
from portal.core.labels import label, localised, money, percent
from portal.extensions import db

LINE_TYPES = {
    "reward": _l("reward for a lead"),
    "new_partner_bonus": _l("new-partner bonus"),
    "top_partner_award": _l("top-partner award"),
}
LINE_STATUSES = {
    "payable": _l("payable"),
    "withheld": _l("payout withheld"),
    "not_paid": _l("not paid"),
}
PARTNER_FLAGS = {
    "csp_direct": _l("direct CSP partner (or its capital group)"),
    "arrears": _l("in arrears on the organiser's invoices"),
    "no_cloud_agreement": _l("no active cloud resale agreement"),
    "no_partner_agreement": _l("no active partner agreement"),
    "prior_realised_lead": _l("realised a lead in an earlier edition"),
    "vendor_group_company": _l("company of the organiser's capital group"),
}
CUSTOMER_FLAGS = {
    "registered_with_vendor": _l("already registered with the vendor"),
    "holds_m365": _l("already uses Microsoft 365"),
    "holds_o365": _l("already uses Office 365"),
    "holds_d365": _l("already uses Dynamics 365"),
    "held_server_csp": _l("has held Windows Server or SQL Server under CSP"),
    "moving_to_e3_or_higher": _l("declares a move to plan E3 or higher"),
}
REWARD_BASES = {
    "sale_value": _l("sale value"),
    "annual_subscription_value": _l("annual subscription value"),
    "consumption_at_settlement": _l("consumption at the settlement date"),
    "first_year_subscription_value": _l("first-year subscription value"),
}
SETTLEMENT_STATES = {"draft": _l("draft"), "approved": _l("approved")}
LEAD_STATUSES = {"pending": _l("waiting for decision"), "qualified": _l("qualified"), "rejected": _l("rejected")}

labels.register("settlement.line", LINE_TYPES)
labels.register("settlement.status", LINE_STATUSES)
labels.register("settlement.state", SETTLEMENT_STATES)
labels.register("settlement.base", REWARD_BASES)
labels.register("partner.flag", PARTNER_FLAGS)
labels.register("customer.flag", CUSTOMER_FLAGS)
labels.register("lead.status", LEAD_STATUSES)


def _lead_section(key: str) -> list:
    return labels.definition().get("lead", {}).get(key, [])


@labels.resolver("lead.family")
def _family(code: str) -> str | None:
    return labels.named_in_definition(_lead_section("families"), code)


@labels.resolver("lead.billing")
def _billing(code: str) -> str | None:
    return labels.named_in_definition(_lead_section("billing_models"), code)


def _exclusion_reason(stored: str) -> str | None:
    """L-05: the stored ``reason_en`` (or code) of a customer exclusion, in the reader's language."""
    for definition in labels.all_definitions():
        for exclusion in definition.get("lead", {}).get("customer_exclusions", []):
            if stored in (exclusion.get("reason_en"), exclusion.get("code")):
                return localised(exclusion, "reason") or None
    return None


def _flags(text: str) -> str:
    return ", ".join(label(flag.strip().replace(" ", "_"), "partner.flag") for flag in text.split(","))


def _base(text: str) -> str:
    return label(text.strip().replace(" ", "_"), "settlement.base")


def _reward_rule(m: re.Match) -> str:
    said = _rule_said(m)
    if m["months"]:  # SPEC §7: how the first year's value was worked out
        said += "; " + _("first year: %(months)s × %(fee)s a month, less a term discount of %(discount)s",
                         months=m["months"], fee=money(m["fee"]), discount=percent(m["discount"]))
    return said


def _rule_said(m: re.Match) -> str:
    params = {"position": m["position"], "code": m["code"], "rate": percent(m["rate"]), "base": _base(m["base"])}
    if m["cap"] and _counts_contacts():
        return _("rule %(position)s (%(code)s): %(rate)s of the %(base)s, the base capped at %(cap)s contacts",
                 cap=m["cap"], **params)
    if m["cap"]:
        return _("rule %(position)s (%(code)s): %(rate)s of the %(base)s, the base capped at %(cap)s licences",
                 cap=m["cap"], **params)
    return _("rule %(position)s (%(code)s): %(rate)s of the %(base)s", **params)


def _no_rate(m: re.Match) -> str:
    params = {"family": label(m["family"], "lead.family"), "billing": label(m["billing"], "lead.billing"), "n": m["n"]}
    if _counts_contacts():
        return _("no reward rate for %(family)s, %(billing)s, at %(n)s contacts", **params)
    return _("no reward rate for %(family)s, %(billing)s, at %(n)s licences", **params)


def _too_few(m: re.Match) -> str:
    if _counts_contacts():
        return _("%(n)s contacts signed for; at least %(needed)s are needed", n=m["n"], needed=m["needed"])
    return _("%(n)s licences bought; at least %(needed)s are needed", n=m["n"], needed=m["needed"])


# the shapes of ``portal.leads.service.settlement`` (and ``partners.ineligibility``), most specific first
REASONS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [(re.compile(p), f) for p, f in (
    (r"the lead was rejected", lambda m: _("the lead was rejected")),
    (r"the lead has not been qualified", lambda m: _("the lead has not been qualified")),
    (r"the partner was removed from the programme", lambda m: _("the partner was removed from the programme")),
    (r"the customer is already registered with the vendor",
     lambda m: _("the customer is already registered with the vendor")),
    (r"direct CSP partners and their capital group are not eligible",
     lambda m: _("direct CSP partners and their capital group are not eligible")),
    (r"companies of the organiser's capital group are not eligible",
     lambda m: _("companies of the organiser's capital group are not eligible")),
    (r"the partner's flag (?P<flag>\S+) keeps it out of the programme",
     lambda m: _("the partner's flag keeps it out of the programme: %(flag)s", flag=flag_label(m["flag"]))),
    (r"L-05: (?P<reason>.+)", lambda m: _exclusion_reason(m["reason"])),
    # L-11: one part of a lead bought in several families or licensing models, with its amount when paid
    (r"(?P<family>[A-Z][A-Z0-9_]*) (?P<billing>[a-z]+): (?P<reason>.+?)(?: = (?P<amount>-?[0-9]+\.[0-9]{2}))?",
     lambda m: _part(m)),
    (r"no reward rate for (?P<family>\S+) (?P<billing>\S+) with (?P<n>\d+) (?:licences|contacts)", _no_rate),
    (r"(?P<months>\d+) months? of active consumption; rule (?P<position>\d+) needs (?P<needed>\d+)",
     lambda m: ngettext("%(num)d month of active consumption; rule %(position)s needs %(needed)s",
                        "%(num)d months of active consumption; rule %(position)s needs %(needed)s",
                        int(m["months"]), position=m["position"], needed=m["needed"])),
    (r"the signed order gives no contract term in months",
     lambda m: _("the signed order gives no contract term in months")),
    (r"no price tier for this contact count", lambda m: _("no price tier for this contact count")),
    (r"rule (?P<position>\d+) \((?P<code>[^)]*)\): (?P<rate>[0-9.]+) of (?P<base>[a-z ]+?)"
     r"(?:, base capped at (?P<cap>\d+) (?:licences|contacts))?"
     r"(?:; first year: (?P<months>\d+) × (?P<fee>[0-9.]+) a month less (?P<discount>[0-9.]+) term discount)?",
     _reward_rule),
    (r"the sale is outside the campaign dates", lambda m: _("the sale is outside the campaign dates")),
    (r"the sale on (?P<sold>\S+) came after the campaign ended on (?P<ended>\S+)",
     lambda m: _("the sale on %(sold)s came after the campaign ended on %(ended)s", sold=m["sold"], ended=m["ended"])),
    (r"the sale on (?P<sold>\S+) came before the qualification on (?P<qualified>\S+)",
     lambda m: _("the sale on %(sold)s came before the qualification on %(qualified)s",
                 sold=m["sold"], qualified=m["qualified"])),
    (r"(?P<n>\d+) (?:licences bought|contacts signed for); at least (?P<needed>\d+) are needed", _too_few),
    (r"the service was not started on a new tenant|the customer is not new: it had an active contract with the "
     r"organiser before", lambda m: _("the customer is not new: it had an active contract with the organiser before")
     if _counts_contacts() else _("the service was not started on a new tenant")),
    (r"licensing model (?P<billing>\S+) is not covered",
     lambda m: _("licensing model %(billing)s is not covered", billing=label(m["billing"], "lead.billing"))),
    (r"more than (?P<limit>\d+) realised leads in (?P<month>\d{4}-\d{2}); the earliest transactions are paid",
     lambda m: _("more than %(limit)s realised leads in %(month)s; the earliest transactions are paid",
                 limit=m["limit"], month=m["month"])),
    (r"withheld: (?P<flags>.+)", lambda m: _("payout withheld: %(flags)s", flags=_flags(m["flags"]))),
    (r"correction: the vendor's report for period (?P<period>\d+) was reduced after its approval "
     r"\(paid (?P<paid>-?[0-9.]+), now (?P<now>-?[0-9.]+)\)",
     lambda m: _("correction: the vendor's report for period %(period)s was reduced after its approval "
                 "(paid %(paid)s, now %(now)s)", period=m["period"], paid=money(m["paid"]), now=money(m["now"]))),
    (r"correction: the vendor's report no longer shows a realised lead of the partner \(bonus paid (?P<paid>[0-9.]+)\)",
     lambda m: _("correction: the vendor's report no longer shows a realised lead of the partner (bonus paid "
                 "%(paid)s)", paid=money(m["paid"]))),
    (r"the vendor's report no longer shows a realised lead of the partner",
     lambda m: _("the vendor's report no longer shows a realised lead of the partner")),
    (r"more sold after period (?P<period>\d+) paid this lead \(paid (?P<paid>-?[0-9.]+), now (?P<now>-?[0-9.]+)\)",
     lambda m: _("more sold after period %(period)s paid this lead (paid %(paid)s, now %(now)s)",
                 period=m["period"], paid=money(m["paid"]), now=money(m["now"]))),
    (r"first realised lead in the campaign \(withheld before, released\)",
     lambda m: _("first realised lead in the campaign (withheld before, now released)")),
    (r"first realised lead in the campaign", lambda m: _("first realised lead in the campaign")),
    (r"the partner is flagged (?P<flag>.+)",
     lambda m: _("the partner is flagged: %(flag)s", flag=flag_label(m["flag"].replace(" ", "_")))),
    (r"most realised leads in the campaign: (?P<n>\d+)",
     lambda m: _("most realised leads in the campaign: %(n)s", n=m["n"])),
    (r"tie: (?P<partners>\d+) partners with (?P<n>\d+) realised leads; the organiser decides",
     lambda m: _("tie between %(partners)s partners with %(n)s realised leads each; the organiser decides",
                 partners=m["partners"], n=m["n"])),
)]


def _part(m: re.Match) -> str | None:
    reason = _known_reason(m["reason"])
    if reason is None:
        return None
    params = {"family": label(m["family"], "lead.family"), "billing": label(m["billing"], "lead.billing"),
              "reason": reason}
    if m["amount"]:
        return _("%(family)s, %(billing)s: %(reason)s = %(amount)s", amount=money(m["amount"]), **params)
    return _("%(family)s, %(billing)s: %(reason)s", **params)


def _known_reason(text: str) -> str | None:
    for pattern, say in REASONS:
        match = pattern.fullmatch(text)
        if match:
            said = say(match)
            if said is not None:
                return said
    return _exclusion_reason(text)


def _known_reasons(text: str) -> str | None:
    """``text`` as a run of known reasons joined by "; " (some single reasons hold "; " too, so every cut is tried;
    the longest known first piece wins), in the reader's language; None when some piece is unknown."""
    known = _known_reason(text)
    if known is not None:
        return known
    cut = len(text)
    while (cut := text.rfind("; ", 0, cut)) >= 0:
        first = _known_reason(text[:cut])
        rest = _known_reasons(text[cut + 2:]) if first is not None else None
        if rest is not None:
            return f"{first}; {rest}"
    return None


def settlement_reason(stored: str | None) -> str:
    """A settlement line's stored reason in the reader's language; an unknown wording is returned as stored. A line
    holds several reasons joined by "; ": the parts of a lead bought in several families or licensing models (L-11),
    then what L-14 or L-18 decided (what computed it, then what decided it)."""
    text = (stored or "").strip()
    if not text:
        return ""
    known = _known_reasons(text)
    return text if known is None else known


def flag_label(flag: str, area: str = "partner.flag") -> str:
    """A partner's or customer's flag: its label, else the code made readable (``no_x`` → ``no x``)."""
    return label(flag, area, default=str(flag).replace("_", " "))


# L-02, SPEC §7: what a lead holds, in its programme's words. The engine keeps one quantity column (``licences``) and
# the optional columns a definition's ``lead.required_fields`` asks for (``LeadRules.asks``); every page that shows a
# lead names them through these, so a SaaS referral reads "contacts" and shows the person at the customer and the
# term, and a distributor's lead its plan, licences and PCs.
QUANTITY_HEADINGS = {"licences": _l("Licences"), "contacts": _l("Contacts")}
CUSTOMER_CONTACT = ("customer_contact_first_name", "customer_contact_last_name", "customer_contact_phone",
                    "customer_contact_email")


def _counts_contacts() -> bool:
    """Whether the current programme counts contacts (§7) rather than licences; a stored settlement reason names the
    unit too, but lines stored before it did say "licences" whatever the unit."""
    return labels.definition().get("lead", {}).get("quantity_unit") == "contacts"


def _unit(rules) -> str:
    unit = getattr(rules, "quantity_unit", None)
    return unit if unit in QUANTITY_HEADINGS else "licences"


def quantity_heading(rules) -> str:
    """The heading of a lead's quantity column: "Licences" or "Contacts"."""
    return str(QUANTITY_HEADINGS[_unit(rules)])


def quantity(n, rules) -> str:
    """A lead's quantity in its programme's unit: "licencje: 20" / "8000 kontaktów"."""
    if _unit(rules) == "contacts":
        return ngettext("%(num)d contact", "%(num)d contacts", int(n or 0))
    return _("%(n)s licences", n=n)


def lead_term(lead, rules) -> str:
    """The expected contract term (§7) when the programme asks for it, else ``""``."""
    if not rules.asks("term_months") or not lead.term_months:
        return ""
    return ngettext("%(num)d month", "%(num)d months", lead.term_months)


def customer_contact(lead, rules) -> str:
    """The contact person at the customer (§7) when the programme asks for one, else ``""``."""
    if not any(rules.asks(c) for c in CUSTOMER_CONTACT):
        return ""
    first, last, phone, email = (getattr(lead, c) or "" for c in CUSTOMER_CONTACT)
    return ", ".join(p for p in (f"{first} {last}".strip(), phone, email) if p)


def _bought(lead, rules, family: str, billing: str, *, with_quantity: bool = True) -> list[str]:
    bought = [f"{family} {lead.plan}" if rules.asks("plan") else family, billing]
    if with_quantity:
        bought.append(quantity(lead.licences, rules))
    if rules.asks("pcs"):
        bought.append(_("%(n)s PCs", n=lead.pcs))
    return bought


def lead_plan(lead, rules) -> str:
    """L-02, L-05: the service family and plan, the billing and the PCs of a lead, in the words of the programme in
    force (the review queue, whose quantity has its own column)."""
    return ", ".join(_bought(lead, rules, label(lead.family, "lead.family"), label(lead.billing, "lead.billing"),
                             with_quantity=False))


def lead_facts(lead, rules, names: dict[str, dict[str, str]], *, staff: bool = False) -> list[tuple[str, str]]:
    """The lead's page: (heading, text) of what the partner submitted, of the fields its programme asks for.
    ``names`` maps family and billing codes to the names of the programme version the lead was submitted under;
    ``staff``: the organiser reads it, to whom the contact person is the partner's."""
    family = names.get("family", {}).get(lead.family, lead.family)
    billing = names.get("billing", {}).get(lead.billing, lead.billing)
    bought = _bought(lead, rules, family, billing)
    facts = [(_("Customer"), f"{lead.customer_name}, {lead.customer_address}, NIP {lead.customer_nip}")]
    person = customer_contact(lead, rules)
    if person:
        facts.append((_("Contact person at the customer"), person))
    facts.append((_("Plan") if rules.asks("plan") else _("What the customer intends to buy"), ", ".join(bought)))
    term = lead_term(lead, rules)
    if term:
        facts.append((_("Expected contract term"), term))
    heading = _("The partner's contact person") if staff else _("Your contact person") if person else \
        _("Contact person")
    facts.append((heading,
                  f"{lead.contact_first_name} {lead.contact_last_name}, {lead.contact_phone}, {lead.contact_email}"))
    return facts


def line_label(line: str) -> str:
    """A statement line's kind in the reader's language; a referral programme (§7) pays a reward for a referral."""
    from portal.tenancy.guard import current_tenant_id
    from portal.tenancy.models import Tenant

    tenant_id = current_tenant_id()
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
    if line == "reward" and tenant is not None and tenant.refers:
        return _("reward for a referral")
    return label(line, "settlement.line")


FILTERS = {"settlement_reason": settlement_reason, "flag_label": flag_label, "line_label": line_label}
GLOBALS = {"lead_facts": lead_facts, "quantity_heading": quantity_heading, "customer_contact": customer_contact,
           "lead_term": lead_term, "lead_plan": lead_plan}
