"""README: API v1 messages follow Accept-Language. A problem's title, detail and every errors[].message are in the
language the client asks for, whoever wrote them (the API layer or a service), and whatever the organiser's own
locale is; the machine fields (type, field, rule, required_scope) are the same in every language."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import Api, make_token, partner_body, problem

# Words of an English sentence that no Polish message of the catalogue contains.
ENGLISH = re.compile(r"\b(the|this|that|must|is|not|no|such|your|send|field|required|allowed|found|with|was|"
                     r"does|have|whole|number|request|valid|unknown)\b", re.IGNORECASE)
# Letters only Polish has, and words every Polish problem here uses one of.
POLISH_LETTERS = re.compile(r"[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")
POLISH = re.compile(r"[ąćęłńóśźż]|\b(nie|jest|ma|musi|to|ten|ta)\b", re.IGNORECASE)


def _requests(client, distributor) -> dict:
    """Each refusal the audit named, as a function of the Accept-Language header."""
    token = make_token(distributor)
    reader = make_token(distributor, ["leads:read"])

    def api(language: str, plaintext: str | None = token) -> Api:
        return _Lang(client, plaintext, language)

    def reused_key(language: str):
        first = api(language).post("/participants", partner_body(1 if language == "pl" else 2), key=f"k-{language}")
        assert first.status_code == 201
        return api(language).post("/participants", partner_body(3 if language == "pl" else 4), key=f"k-{language}")

    return {
        "schema": lambda lang: api(lang).post("/customers/facts", {"customer_nip": 5, "colour": "red"}),
        "query": lambda lang: api(lang).get("/leads?limit=many"),
        "unknown lead": lambda lang: api(lang).get("/leads/NOPE"),
        "no token": lambda lang: api(lang, None).get("/participants"),
        "bad token": lambda lang: api(lang, "ppk_not-a-real-token").get("/participants"),
        "missing scope": lambda lang: api(lang, reader).post("/participants", partner_body(9)),
        "wrong method": lambda lang: client.put("/api/v1/leads", headers=api(lang)._headers(None, None)),
        "unknown path": lambda lang: api(lang).get("/no-such-thing"),
        "wrong content type": lambda lang: api(lang).post("/participants", data="nip=1",
                                                          content_type="application/x-www-form-urlencoded"),
        "malformed json": lambda lang: api(lang).post("/participants", data='{"nip": "1234",'),
        "unusable key": lambda lang: api(lang).post("/participants", partner_body(5), key="a key with spaces"),
        "reused key": reused_key,
    }


class _Lang(Api):
    def __init__(self, client, token, language: str):
        super().__init__(client, token)
        self.language = language

    def _headers(self, headers, key):
        return {**super()._headers(headers, key), "Accept-Language": self.language}


def _texts(body: dict) -> list[str]:
    return [body["title"], body["detail"], *(e["message"] for e in body.get("errors", []))]


def _machine(body: dict) -> dict:
    return {"type": body["type"], "status": body["status"], "rule": body.get("rule"),
            "required_scope": body.get("required_scope"),
            "errors": [(e["field"], e["rule"]) for e in body.get("errors", [])]}


@pytest.fixture
def refusals(client, distributor):
    """Every refusal answered once in Polish and once in English (the distributor's own locale is Polish)."""
    assert distributor.locale == "pl"
    answers = {}
    for name, send in _requests(client, distributor).items():
        answers[name] = (problem(send("pl")), problem(send("en")))
    return answers


def test_api_messages_follow_accept_language_pl(refusals):
    for name, (pl, en) in refusals.items():
        for polish, english in zip(_texts(pl), _texts(en), strict=True):
            assert polish != english, (name, polish)
            assert not ENGLISH.search(polish), (name, polish)
        assert POLISH.search(" ".join(_texts(pl))), (name, pl)


def test_api_messages_follow_accept_language_en(refusals):
    for name, (_, en) in refusals.items():
        for english in _texts(en):
            assert not POLISH_LETTERS.search(english), (name, english)
    schema = refusals["schema"][1]
    assert schema["title"] == "Your request is not valid"
    assert schema["detail"] == "The request body does not have the expected shape; see errors."
    assert {e["field"]: e["message"] for e in schema["errors"]} == {
        "customer_nip": "Must be a string.", "flag": "This field is required.", "colour": "Unknown field."}
    assert refusals["unknown lead"][1]["detail"] == "No such lead."
    assert refusals["unknown lead"][1]["title"] == "Not Found"
    assert refusals["missing scope"][1]["detail"] == "This API token does not have the scope 'participants:write'."
    assert refusals["query"][1]["errors"][0]["message"] == "Must be a whole number."


def test_api_messages_in_polish_read_as_the_catalogue_says(refusals):
    schema = refusals["schema"][0]
    assert schema["title"] == "Żądanie jest nieprawidłowe"
    assert {e["field"]: e["message"] for e in schema["errors"]} == {
        "customer_nip": "Musi być tekstem.", "flag": "To pole jest wymagane.", "colour": "Nieznane pole."}
    assert refusals["unknown lead"][0]["detail"] == "Nie ma takiego leada."
    assert refusals["query"][0]["errors"][0]["message"] == "Musi być liczbą całkowitą."


def test_only_the_words_change_with_the_language(refusals):
    for name, (pl, en) in refusals.items():
        assert _machine(pl) == _machine(en), name
    assert refusals["missing scope"][0]["required_scope"] == "participants:write"
    assert refusals["reused key"][0]["type"] == "/api/v1/problems/idempotency-key-reused"
    assert refusals["wrong method"][0]["type"] == "about:blank"


def test_an_explicit_accept_language_wins_over_the_organisers_locale(client, distributor):
    """The distributor's locale is Polish; a client that asks for English gets English, also for a service's
    message and a problem answered before the token is read (401, 404 of an unknown path)."""
    api = _Lang(client, make_token(distributor), "en-GB,en;q=0.9,pl;q=0.1")
    assert problem(api.get("/leads/NOPE"))["detail"] == "No such lead."
    assert problem(_Lang(client, None, "en").get("/participants"))["title"] == "Authentication required"
    assert problem(api.get("/no-such-thing"))["title"] == "Not Found"


def test_without_accept_language_the_api_speaks_the_organisers_language(client, distributor):
    """No Accept-Language: the token's organiser's locale (the distributor's is Polish); before a token is read
    (no organiser known yet) the platform's default, Polish."""
    api = Api(client, make_token(distributor))
    bare = {"Accept-Language": ""}
    response = api.get("/leads/NOPE", headers=bare)
    assert problem(response)["detail"] == "Nie ma takiego leada."
    assert problem(response)["title"] == "Nie znaleziono"
    assert problem(Api(client, None).get("/participants", headers=bare))["title"] == "Wymagane uwierzytelnienie"


def test_api_rate_limit_problem_follows_accept_language(make_app, distributor):
    """The 429 says the token's limit in the client's language ("600 na minutę"), not flask-limiter's English."""
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute")
    with app.app_context():
        from portal.tenancy import service as tenants

        token = make_token(tenants.by_slug("distributor"))
        client = app.test_client()
        for _ in range(2):
            assert _Lang(client, token, "pl").get("/leads").status_code == 200
        polish, english = (problem(_Lang(client, token, lang).get("/leads")) for lang in ("pl", "en"))
    assert polish["status"] == english["status"] == 429
    assert english["detail"] == "Too many requests for this token: the limit is 2 requests per minute."
    assert "2 żądania na minutę" in polish["detail"] and not ENGLISH.search(polish["detail"] + polish["title"])
