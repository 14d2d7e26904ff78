"""Real Word list numbering: one abstract definition per marker style, one numbering instance per list.

Every list gets its own w:num with a w:startOverride at its level, so each list restarts at its own
first number (ItemList.start) in Word, LibreOffice and pandoc. Word has nine list levels (ilvl 0-8);
lists nested deeper are clamped to level 8 and indented further by direct paragraph indentation, so
they still look nested, keep their marker style, and read back at depth 8.
"""

from __future__ import annotations

from lxml import etree

from evepub.formats.docx.contract import DEEPEST_LEVEL, FIRST_TEXT_INDENT, INDENT_STEP, WORD_LEVELS
from evepub.formats.docx.wordml import element, sub, w
from evepub.model import ListStyle

MARKER_WIDTH = 360  # twips between the marker and the text
NUMBER_FORMATS = {
    ListStyle.BULLET: "bullet",
    ListStyle.DECIMAL: "decimal",
    ListStyle.LOWER_ALPHA: "lowerLetter",
    ListStyle.UPPER_ALPHA: "upperLetter",
}
BULLET_GLYPHS = ("•", "◦", "▪")  # by level, repeating: round, hollow, square
BULLET_COLOUR = "2F6DB5"
NSID_BASE = 0x45564500  # "EVE\0": fixed list identifiers keep the output deterministic


def text_indent(depth: int) -> int:
    """Twips from the margin to the text of an item at this list depth."""
    return FIRST_TEXT_INDENT + INDENT_STEP * depth


class Numbering:
    """The numbering part of one document: adds our abstract definitions and a w:num per list."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        abstract_ids = [int(e.get(w("abstractNumId"), "0")) for e in root.iter(w("abstractNum"))]
        num_ids = [int(e.get(w("numId"), "0")) for e in root.iter(w("num"))]
        self.next_abstract_id = 1 + max(abstract_ids, default=-1)
        self.next_num_id = 1 + max(num_ids, default=0)
        self.abstract_ids: dict[ListStyle, int] = {}
        self.pending: list[etree._Element] = []

    def new_list(self, style: ListStyle, depth: int, start: int) -> int:
        """The numId of a fresh list of this style whose items sit at `depth` and count from `start`."""
        num_id = self.next_num_id
        self.next_num_id += 1
        num = element("num", numId=str(num_id))
        sub(num, "abstractNumId", val=str(self._abstract_id(style)))
        if style.numbered:
            override = sub(num, "lvlOverride", ilvl=str(min(depth, DEEPEST_LEVEL)))
            sub(override, "startOverride", val=str(start))
        self.pending.append(num)
        return num_id

    def finish(self) -> None:
        """Put the new w:num elements where the schema wants them: after all w:num, before cleanup."""
        cleanup = self.root.find(w("numIdMacAtCleanup"))
        if cleanup is None:
            self.root.extend(self.pending)
        else:
            for num in self.pending:
                cleanup.addprevious(num)
        self.pending = []

    def _abstract_id(self, style: ListStyle) -> int:
        if style not in self.abstract_ids:
            abstract_id = self.next_abstract_id
            self.next_abstract_id += 1
            self._insert_abstract(abstract_definition(style, abstract_id))
            self.abstract_ids[style] = abstract_id
        return self.abstract_ids[style]

    def _insert_abstract(self, abstract: etree._Element) -> None:
        existing = self.root.findall(w("abstractNum"))
        if existing:
            existing[-1].addnext(abstract)
            return
        first_num = self.root.find(w("num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self.root.insert(len(self.root.findall(w("numPicBullet"))), abstract)


def abstract_definition(style: ListStyle, abstract_id: int) -> etree._Element:
    """A w:abstractNum whose nine levels all use this style's marker, e.g. '1.' / 'a.' / '•'."""
    abstract = element("abstractNum", abstractNumId=str(abstract_id))
    sub(abstract, "nsid", val=f"{NSID_BASE + abstract_id:08X}")
    sub(abstract, "multiLevelType", val="hybridMultilevel")
    for level in range(WORD_LEVELS):
        _level(abstract, style, level)
    return abstract


def _level(abstract: etree._Element, style: ListStyle, level: int) -> None:
    lvl = sub(abstract, "lvl", ilvl=str(level))
    sub(lvl, "start", val="1")
    sub(lvl, "numFmt", val=NUMBER_FORMATS[style])
    marker = BULLET_GLYPHS[level % len(BULLET_GLYPHS)] if style is ListStyle.BULLET else f"%{level + 1}."
    sub(lvl, "lvlText", val=marker)
    sub(lvl, "lvlJc", val="left")
    sub(sub(lvl, "pPr"), "ind", left=str(text_indent(level)), hanging=str(MARKER_WIDTH))
    if style is ListStyle.BULLET:
        sub(sub(lvl, "rPr"), "color", val=BULLET_COLOUR)
