"""Organisers' texts (terms, notices) are Markdown; rendered with raw HTML disabled, so nothing can be injected."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

# tables (a price list) and a line break where the text has one (numbered points written line by line)
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable("table")


def markdown(text: str) -> Markup:
    return Markup(_md.render(text))  # noqa: S704 - html is disabled in the parser, so the output is safe
