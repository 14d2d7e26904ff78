"""The PDF's many small objects, each written in one step: the contents' links to headings and the outline's entries.

A roadmap of many releases has thousands of them (2,802 links and as many outline entries at 400 releases), and
ReportLab writes each through its generic dictionary formatting: a dict built, its keys sorted, every value
dispatched by type. These classes write the same bytes directly for the shapes evepub makes, and hand anything
else back to ReportLab; tests/test_pdf_objects.py holds them to ReportLab's own bytes.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfdoc import (
    Destination,
    LinkAnnotation,
    NoEncryption,
    OutlineEntryObject,
    PDFArray,
    PDFDestinationFitH,
    PDFDestinationXYZ,
    PDFDocument,
    PDFObjectReference,
    PDFOutlines,
    PDFString,
)
from reportlab.pdfgen.canvas import Canvas

NO_BORDER = (0, 0, 0)
OUTLINE_KEYS = ("Count", "Dest", "First", "Last", "Next", "Parent", "Prev", "Title")  # in the order ReportLab sorts
PER_LINE = 6  # ReportLab breaks a dictionary's entries onto a new line every six


def plain(document: PDFDocument) -> bool:
    """Whether the document is written without encryption, the only case written here."""
    return type(document.encrypt) is NoEncryption


def number(value: Any) -> bytes | None:
    """A number as ReportLab writes it; None for anything else."""
    if type(value) in (int, float):
        return fp_str(value).encode("ascii")
    return None


def destination_bytes(destination: Any, document: PDFDocument) -> bytes | None:
    """A heading's destination ([page /XYZ left top zoom] or [page /FitH top]); None for any other kind."""
    if type(destination) is not Destination or destination.page is None:
        return None
    target = destination.fmt
    if type(target) is PDFDestinationXYZ:
        values = [number(target.left), number(target.top), number(target.zoom)]
        kind = b"/XYZ"
    elif type(target) is PDFDestinationFitH:
        values, kind = [number(target.top)], b"/FitH"
    else:
        return None
    page = document.Reference(destination.page)
    if None in values or type(page) is not PDFObjectReference:
        return None
    target.page = destination.page  # as Destination.format leaves it
    return b"[ " + b" ".join([page.format(document), kind, *values]) + b" ]"  # type: ignore[list-item]


class HeadingLink(LinkAnnotation):
    """A link without a border to a heading's destination, as canvas.linkRect makes it."""

    def format(self, document: PDFDocument) -> bytes:
        """The annotation's dictionary, as ReportLab's Annotation.format writes it."""
        dest = destination_bytes(self.Destination, document) if plain(document) and not self.otherkw else None
        rect = [number(value) for value in self.Rect] if len(self.Rect) == 4 else [None]
        if dest is None or None in rect or self.Contents != "":
            self.Border = PDFArray(NO_BORDER)
            return super().format(document)
        return (
            b"<<\n/Border [ 0 0 0 ] /Contents () /Dest "
            + dest
            + b" /Rect [ "
            + b" ".join(rect)  # type: ignore[arg-type]
            + b" ] /Subtype /Link /Type /Annot\n>>"
        )


def link_to_heading(canvas: Canvas, key: str, rect: tuple[float, float, float, float]) -> None:
    """What canvas.linkRect("", key, rect, relative=1) adds to the page, written by HeadingLink."""
    destination = canvas._bookmarkReference(key)
    link = HeadingLink(canvas._absRect(rect, 1), "", destination, Border=NO_BORDER)
    canvas._addAnnotation(link)


class OutlineEntry(OutlineEntryObject):
    """One outline entry (bookmark): title, destination and its place among the others."""

    def format(self, document: PDFDocument) -> bytes:
        """The entry's dictionary, as OutlineEntryObject.format writes it."""
        parts = self._parts(document) if plain(document) else None
        if parts is None:
            return super().format(document)
        for at in reversed(range(PER_LINE, len(parts), PER_LINE)):
            parts.insert(at, b"\n ")
        return b"<<\n" + b" ".join(parts) + b"\n>>"

    def _parts(self, document: PDFDocument) -> list[bytes] | None:
        values = {"Parent": self.Parent, "Dest": self.Dest, "Title": self.Title}
        for name in ("Prev", "Next", "First", "Last", "Count"):
            value = getattr(self, name)
            if value is not None:
                values[name] = value
        parts = []
        for name in OUTLINE_KEYS:
            if name not in values:
                continue
            value = values[name]
            if name == "Title":
                written = PDFString(value).format(document)
            elif name == "Dest":
                written = destination_bytes(value, document)
            elif name == "Count":
                written = number(value)
            else:
                written = value.format(document) if type(value) is PDFObjectReference else None
            if written is None:
                return None
            parts.append(b"/" + name.encode("ascii") + b" " + written)
        return parts


class Outline(PDFOutlines):
    """The document's outline, whose entries are written by OutlineEntry."""

    def prepare(self, document: PDFDocument, canvas: Canvas) -> None:
        """Make the entries as ReportLab does, then let OutlineEntry write each."""
        super().prepare(document, canvas)
        for entry in document.idToObject.values():
            if type(entry) is OutlineEntryObject:
                entry.__class__ = OutlineEntry


def use_quick_outline(canvas: Canvas) -> None:
    """Have the canvas's outline (bookmarks) written by OutlineEntry."""
    outline = canvas._doc.outline
    if type(outline) is PDFOutlines:
        outline.__class__ = Outline
