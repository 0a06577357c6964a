"""P-05 in the devices import (FORMATS.md): a serial number longer than the register keeps (60 characters, as the
API and the page allow) is refused with the rule, before anything is written."""

from __future__ import annotations


def test_P05_a_serial_longer_than_the_register_holds_is_refused_in_the_import(programme):
    programme.join("ala@example.com")
    long_serial = "SN" + "7" * 59  # 61 characters: the API and the page stop at 60
    result = programme.devices(f"ala@example.com,{long_serial},TV-KOND-24C,FD612,2024-02-01,2024-02-01")
    assert result.exit_code == 1 and "P-05" in result.output and "60" in result.output
    assert programme.statement("ala@example.com", "2024-02-05")["balance"] == 0
