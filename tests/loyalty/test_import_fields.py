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
