"""Escaping text for ReportLab's paragraph markup and the timeline's SVG.

The same as xml.sax.saxutils' escape and quoteattr, without importing xml.sax.saxutils: that module
imports urllib.request, and with it http, email and ssl, which cost a PDF build more than its fonts.
"""

from __future__ import annotations

ATTRIBUTE_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def escape(text: str) -> str:
    """Text with &, < and > written as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An attribute value in double quotes, with every character that could end or bend it escaped."""
    escaped = escape(text)
    for char, entity in ATTRIBUTE_ENTITIES.items():
        escaped = escaped.replace(char, entity)
    return f'"{escaped}"'
