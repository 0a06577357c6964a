"""E-03: the organisers' terms and information clauses read as written — the price list as a table, each numbered
point on its own line, a point after a list not folded into the list's last item — and raw HTML in them is not
rendered (nothing can be injected)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.core.text import markdown

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted((ROOT / "tenants").glob("*/*.md"))


def test_E03_a_table_renders_as_a_table_and_numbered_points_keep_their_lines():
    html = str(markdown("8.1. First point.\n8.2. Second point.\n\n"
                        "| contacts | fee |\n|---|---|\n| 1 – 5 000 | 1 490,00 zł |\n"))
    assert "<table>" in html and "<td>1 490,00 zł</td>" in html and "|---|" not in html
    assert re.search(r"First point\.<br\s*/?>\s*8\.2\.", html)


def test_E03_raw_html_in_a_text_is_shown_not_run():
    assert "<script>" not in str(markdown("<script>alert(1)</script>"))


@pytest.mark.parametrize("path", DOCUMENTS, ids=[f"{p.parent.name}/{p.name}" for p in DOCUMENTS])
def test_E03_no_numbered_point_of_a_preset_text_is_folded_into_a_list_item(path):
    html = str(markdown(path.read_text(encoding="utf-8")))
    for item in re.findall(r"<li>(.*?)</li>", html, flags=re.S):
        assert not re.search(r"<br\s*/?>\s*(\d+\.\d+\.|§)", item), (path, item[:200])
    assert "|---|" not in html, path
