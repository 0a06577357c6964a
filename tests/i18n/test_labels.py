"""The label maps behind every page (``portal.core.labels``): each code has a Polish label, a code in no map is
shown as it is, and every English reason or outcome the platform stores is recognised and said in Polish."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from portal.core import labels

# labels that read the same in both languages
SAME_IN_POLISH = {"API", "import", "system", "lead", "partner", "Partner", "Status", "NIP", "Plan", "administrator"}

# every shape ``portal.leads.service.settlement`` (and ``partners.ineligibility``) stores, with its Polish reading
SETTLEMENT_REASONS = [
    ("the lead was rejected", "lead został odrzucony"),
    ("the lead has not been qualified", "lead nie został zakwalifikowany"),
    ("the partner was removed from the programme", "partner został wykluczony z programu"),
    ("direct CSP partners and their capital group are not eligible",
     "bezpośredni partnerzy CSP i ich grupa kapitałowa nie mogą brać udziału w programie"),
    ("no reward rate for M365 annual with 900 licences",
     "brak stawki nagrody dla: M365, annual, liczba licencji: 900"),
    ("2 months of active consumption; rule 3 needs 3",
     "aktywne zużycie przez 2 mies.; reguła 3 wymaga co najmniej 3 mies."),
    ("1 month of active consumption; rule 3 needs 3",
     "aktywne zużycie przez 1 mies.; reguła 3 wymaga co najmniej 3 mies."),
    ("the signed order gives no contract term in months",
     "podpisane zamówienie nie określa okresu umowy w miesiącach"),
    ("no price tier for this contact count", "brak progu cenowego dla tej liczby kontaktów"),
    ("rule 2 (o365-annual-upto150): 0.12 of sale value",
     "reguła 2 (o365-annual-upto150): 12%, podstawa: wartość sprzedaży"),
    ("rule 1 (engage-first-year): 0.125 of first year subscription value, base capped at 500000 licences",
     "reguła 1 (engage-first-year): 12,5%, podstawa: wartość subskrypcji za pierwszy rok, ograniczona do wartości "
     "500000 licencji"),
    ("the sale is outside the campaign dates", "sprzedaż poza terminem kampanii"),
    ("the sale on 2018-08-10 came before the qualification on 2018-08-13",
     "sprzedaż z dnia 2018-08-10 nastąpiła przed kwalifikacją leada (2018-08-13)"),
    ("2 licences bought; at least 3 are needed", "liczba kupionych licencji: 2; wymagane co najmniej 3"),
    ("the service was not started on a new tenant", "usługa nie została uruchomiona w nowej dzierżawie (tenancie)"),
    ("licensing model perpetual is not covered", "model licencjonowania „perpetual” nie jest objęty kampanią"),
    ("more than 5 realised leads in 2018-08; the earliest transactions are paid",
     "przekroczony miesięczny limit zrealizowanych leadów (5) w 2018-08; wypłacane są leady z najwcześniejszymi "
     "transakcjami"),
    ("withheld: arrears, no cloud agreement",
     "wypłata wstrzymana: zaległości w płatnościach faktur organizatora, brak aktywnej umowy odsprzedaży usług "
     "chmurowych"),
    ("correction: the vendor's report for period 1 was reduced after its approval (paid 120.00, now 48.00)",
     "korekta: raport dostawcy za okres 1 został pomniejszony po zatwierdzeniu rozliczenia (wypłacono 120,00\u00a0zł, "
     "obecnie należy się 48,00\u00a0zł)"),
    ("first realised lead in the campaign (withheld before, released)",
     "pierwszy zrealizowany lead w kampanii (premia wcześniej wstrzymana, teraz zwolniona)"),
    ("first realised lead in the campaign", "pierwszy zrealizowany lead w kampanii"),
    ("the vendor's report no longer shows a realised lead of the partner",
     "raport dostawcy nie wykazuje już żadnego zrealizowanego leada partnera"),
    ("most realised leads in the campaign: 4", "najwięcej zrealizowanych leadów w kampanii: 4"),
    ("tie: 2 partners with 3 realised leads; the organiser decides",
     "remis między 2 partnerami (zrealizowane leady: po 3); decyduje organizator"),
    ("the partner is flagged prior realised lead",
     "partner ma oznaczenie: zrealizowany lead we wcześniejszej edycji"),
    ("companies of the organiser's capital group are not eligible",
     "spółki z grupy kapitałowej organizatora nie mogą brać udziału w programie"),
    # L-11: a lead bought in several families or licensing models, each part with its rule and amount
    ("M365 annual: rule 1 (m365-d365-annual-upto150): 0.15 of sale value = 150.00; SQL_SERVER monthly: "
     "no reward rate for SQL_SERVER monthly with 10 licences",
     "M365, annual: reguła 1 (m365-d365-annual-upto150): 15%, podstawa: wartość sprzedaży = 150,00\u00a0zł; "
     "SQL_SERVER, monthly: brak stawki nagrody dla: SQL_SERVER, monthly, liczba licencji: 10"),
    ("M365 annual: rule 1 (m365-d365-annual-upto150): 0.15 of sale value = 150.00; M365 monthly: 1 month of "
     "active consumption; rule 4 needs 3; withheld: arrears",
     "M365, annual: reguła 1 (m365-d365-annual-upto150): 15%, podstawa: wartość sprzedaży = 150,00\u00a0zł; "
     "M365, monthly: aktywne zużycie przez 1 mies.; reguła 4 wymaga co najmniej 3 mies.; wypłata wstrzymana: "
     "zaległości w płatnościach faktur organizatora"),
]

# a line that L-14 or L-18 decided keeps the reason that computed it: both parts read in Polish
SETTLEMENT_REASONS += [
    (f"{first}; {then}", f"{first_pl}; {then_pl}")
    for first, first_pl in SETTLEMENT_REASONS
    if first.startswith(("rule ", "first realised", "2 months"))
    for then, then_pl in SETTLEMENT_REASONS if then.startswith(("withheld:", "more than 5"))
]

REQUEST_OUTCOMES = [
    ("no account or data of this person is held in this programme",
     "w tym programie nie ma konta ani danych tej osoby"),
    ("bundle ready until 2026-03-09", "paczka z danymi jest gotowa do pobrania do 2026-03-09"),
    ("erased, but the scan found 2 residue(s): the request stays open",
     "dane usunięto, ale skanowanie wykryło 2 pozostałości: wniosek pozostaje otwarty"),
    ("erased; kept for legal obligation: installers (tax_id, home_address) until 2031-12-31",
     "dane usunięto; zachowano ze względu na obowiązek prawny: dane uczestnika do PIT-8C (NIP lub PESEL, adres "
     "zamieszkania) do 2031-12-31"),
    ("erased; kept for legal obligation: settlement_lines (partner_nip) until 2023-12-31; subject_requests "
     "(requester_email, requester_name, details) until 2029-03-02",
     "dane usunięto; zachowano ze względu na obowiązek prawny: zestawienia rozliczeń (NIP partnera) do 2023-12-31; "
     "zachowano w celu wykazania rozliczalności, jak obsłużono żądania (art. 5 ust. 2 RODO): żądania dotyczące "
     "danych osobowych (adres e-mail, imię i nazwisko, treść żądania) do 2029-03-02"),  # G-05: each its own reason
    ("erased; kept for legal obligation: nothing", "dane usunięto; zachowano ze względu na obowiązek prawny: nic"),
    ("objection to marketing contact recorded and honoured",
     "sprzeciw wobec kontaktu marketingowego został zapisany i uwzględniony"),
    ("1 consent(s) withdrawn", "wycofano 1 zgodę"),
    ("2 consent(s) withdrawn", "wycofano 2 zgody"),
    ("5 consent(s) withdrawn", "wycofano 5 zgód"),
    ("to be corrected by the DPO", "do sprostowania przez IOD"),
    ("corrected: first_name, phone", "sprostowano: Imię, Telefon"),
    ("Dane poprawiono zgodnie z wnioskiem.", "Dane poprawiono zgodnie z wnioskiem."),  # the DPO's own answer
]


@pytest.fixture
def polish(app):
    with app.test_request_context("/"), force_locale("pl"):
        yield


def test_every_code_of_every_area_has_a_polish_label(polish):
    untranslated = [(area, code, str(text)) for area, mapping in labels._MAPS.items()
                    for code, text in mapping.items()
                    if str(text) == text._args[0] and str(text) not in SAME_IN_POLISH]
    assert untranslated == []


def test_a_code_in_no_map_is_shown_as_it_is(polish):
    assert labels.label("some_new_state", "order.state") == "some_new_state"
    assert labels.label(None, "order.state") == ""
    assert labels.label("shipped", "order.state") == "wysłane"
    assert labels.label("x", "no.such.area", "fallback") == "fallback"


def test_api_scopes_page_labels_cover_every_scope():
    from portal.api.labels import SCOPES as LABELLED
    from portal.api.tokens import SCOPES

    assert set(LABELLED) == set(SCOPES)


@pytest.mark.parametrize(("stored", "polish_text"), SETTLEMENT_REASONS, ids=[r[0][:40] for r in SETTLEMENT_REASONS])
def test_L19_every_stored_settlement_reason_reads_in_polish(polish, stored, polish_text):
    from portal.leads.labels import settlement_reason

    assert settlement_reason(stored) == polish_text


def test_L19_an_unknown_reason_is_shown_as_stored(polish):
    from portal.leads.labels import settlement_reason

    assert settlement_reason("a wording from an older release") == "a wording from an older release"
    assert settlement_reason(None) == ""


@pytest.mark.parametrize(("stored", "polish_text"), REQUEST_OUTCOMES, ids=[r[0][:40] for r in REQUEST_OUTCOMES])
def test_G07_every_outcome_the_platform_writes_reads_in_polish(polish, stored, polish_text):
    from portal.privacy.labels import request_outcome

    assert request_outcome(stored) == polish_text


def test_P03_status_reasons_read_in_polish(polish):
    from portal.loyalty.labels import status_reason

    assert status_reason("criteria met: sales_activity, training") == \
        "spełnione kryteria: aktywność sprzedażowa; szkolenie „Autoryzowany Instalator”"
    assert status_reason("the authorisation (training) was withdrawn") == "cofnięto autoryzację (szkolenie)"


def test_reward_name_follows_the_language_with_a_fallback(app):
    from types import SimpleNamespace

    from portal.loyalty.labels import reward_name

    both = SimpleNamespace(code="R-1", name_pl="Kurtka", name_en="Jacket")  # a Reward row's names
    polish_only = SimpleNamespace(code="R-2", name_pl="Buty", name_en="")
    with app.test_request_context("/"):
        with force_locale("en"):
            assert (reward_name(both), reward_name(polish_only)) == ("Jacket", "Buty")
        with force_locale("pl"):
            assert reward_name(both) == "Kurtka"
