"""P-01 / FORMATS: the participants import checks what the registration form checks — an e-mail address, a first
and a last name of at most 100 characters — on its line, never a database error; --commit-valid keeps the good rows."""

from __future__ import annotations


def test_P01_an_import_row_is_checked_as_the_registration_form_checks_it(programme):
    result = programme.run("participants", "import", "manufacturer", "--commit-valid", programme.csv(
        "email,first_name,last_name,nip,business,status,registered_on,activated_on",
        ["ewa@,Ewa,Zięba,,no,installer,2024-01-10,2024-01-10",
         "ola@x.example,,Nowak,,no,installer,2024-01-10,2024-01-10",
         "ala@x.example,Ala," + "K" * 150 + ",,no,installer,2024-01-10,2024-01-10",
         "jan@x.example,Jan,Kowalski,,no,installer,2024-01-10,2024-01-10"]))
    assert result.exit_code == 1
    assert "line 2: P-01: ewa@ is not an e-mail address." in result.output
    assert "line 3: P-01: Give the participant's first_name." in result.output
    assert "line 4: P-01: last_name: at most 100 characters." in result.output
    assert "1 good row" in result.output
    assert programme.statement("jan@x.example", "2024-01-11")["status"] == "installer"


def test_P07_an_opening_balance_too_large_for_the_ledger_is_refused_on_its_line(programme):
    """99,999,999,999 points: a traceback on PostgreSQL (integer out of range) and 0 rows even with --commit-valid,
    an absurd balance on SQLite. Now its line is refused and the good rows go in."""
    programme.join("ala@example.com", registered_on="2024-01-10")
    programme.join("ola@example.com", registered_on="2024-01-10", nip="7740001454")
    path = programme.csv("email,points,earned_on", ["ala@example.com,100,2024-05-01",
                                                    "ola@example.com,99999999999,2024-05-01"])
    result = programme.run("points", "import-opening", "manufacturer", path, "--as-of", "2024-06-01",
                           "--commit-valid")
    assert result.exit_code == 1 and "line 3: P-07:" in result.output and "1 good row" in result.output
    assert programme.statement("ala@example.com", "2024-06-01")["balance"] == 100
    assert programme.statement("ola@example.com", "2024-06-01")["balance"] == 0


def test_P01_nobody_joins_before_the_programme_takes_registrations(programme):
    """Seed §1.4: registrations are accepted from 2016-01-01 — an import (or an API call) dated before is refused."""
    result = programme.participants("ewa@x.example,Ewa,Zięba,,no,installer,2015-09-01,2015-09-01")
    assert result.exit_code == 1 and "line 2: P-01:" in result.output and "2016-01-01" in result.output
    assert programme.participants("ewa@x.example,Ewa,Zięba,,no,installer,2016-01-01,2016-01-01").exit_code == 0


def test_FORMATS_a_participant_listed_twice_in_one_file_is_named_as_a_repeat_of_its_line(programme):
    result = programme.participants("ala@x.example,Ala,Nowak,,no,installer,2024-01-10,2024-01-10",
                                    "ALA@x.example,Ala,Nowak,,no,installer,2024-01-10,2024-01-10")
    assert result.exit_code == 1 and "line 3: the same e-mail address as line 2" in result.output


def test_P25_a_misspelt_optional_column_is_refused_not_silently_dropped(programme):
    """FORMATS: the import validates every row; a header column the import does not read ("delivery_adress" for
    delivery_address) would drop the addresses without a word — it is refused, and nothing is written."""
    path = programme.csv("email,first_name,last_name,nip,business,status,registered_on,activated_on,delivery_adress",
                         ["ala@example.com,Ala,Nowak,,no,installer,2024-01-10,2024-01-10,ul. Polna 1 00-001 Warszawa"])
    result = programme.run("participants", "import", "manufacturer", path)
    assert result.exit_code == 1 and "line 1" in result.output and "delivery_adress" in result.output, result.output
    assert "delivery_address" in result.output  # what it may have meant
    ok = programme.csv("email,first_name,last_name,nip,business,status,registered_on,activated_on,delivery_address,"
                       "employee", ["ala@example.com,Ala,Nowak,,no,installer,2024-01-10,2024-01-10,"
                                    "ul. Polna 1 00-001 Warszawa,no"])
    assert programme.run("participants", "import", "manufacturer", ok).exit_code == 0


def test_FORMATS_P29_a_nip_given_for_a_non_business_participant_is_refused_at_its_column(programme):
    """FORMATS: nip is empty for non-business participants. A value there was dropped without a word (even "12345"),
    though the organiser may have meant it for the PIT-8C form (P-29), which the participant gives on their page."""
    result = programme.run("participants", "import", "manufacturer", programme.csv(
        "email,first_name,last_name,nip,business,status,registered_on,activated_on",
        ["e1@x.example,Ola,Nowak,1000023757,no,installer,2024-01-10,2024-01-10"]))
    assert result.exit_code == 1 and "line 2: P-29:" in result.output and "business" in result.output
