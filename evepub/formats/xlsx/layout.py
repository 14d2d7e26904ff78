"""Layout settings and cell-text safety of the Excel trackers (their cell styles are in styles.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evepub.errors import EvepubError

if TYPE_CHECKING:
    from openpyxl.styles import Font

    from evepub.templating import Templates

# openpyxl is imported only where a layout is checked or a font made, and the templates' module (Jinja, PyYAML)
# only where a layout file is read: the tracker reader imports this module, and those imports cost about 0.15 s
# and 0.05 s in every process of a verify that reads trackers with calamine
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # XML 1.0's, as openpyxl refuses them

LAYOUT_FILE = "xlsx/layout.yaml"
LISTS_SHEET = "Lists"  # hidden sheet read back by evepub.formats.xlsx.reader: keep its name and columns stable
ITEMS_TABLE = "Items"
COLUMN_KEYS = (
    "id", "release", "period", "area", "parent", "level", "kind", "list",
    "item", "status", "owner", "target", "notes", "links",
)  # fmt: skip
SUMMARY_KEYS = (
    "release", "period", "items", "done", "percent_done", "total", "chart_title", "status_error_title", "status_error",
    "target_error_title", "target_error", "source_error_title", "source_error", "start", "end", "area", "no_area",
    "timeline_sheet", "timeline_title",
)  # fmt: skip
# an older layout file takes these from the default one
LATER_SUMMARY_KEYS = (
    "target_error_title", "target_error", "source_error_title", "source_error", "start", "end", "area", "no_area",
    "timeline_sheet", "timeline_title",
)  # fmt: skip
HOW_TO_KEY = "how_to"  # the How to use sheet's settings, taken from the default layout when a layout file has none
ERROR_TITLE_LIMIT, ERROR_LIMIT = 32, 255  # characters of a data validation's error title and message (Excel's limits)
# Columns of the Lists sheet (1-based): the status vocabulary, the Items column titles, the document's sections.
LIST_STATUS, LIST_DONE, LIST_COLOUR = 1, 2, 3
LIST_KEY, LIST_TITLE = 5, 6
LIST_SECTION_KIND, LIST_SECTION_TEXT, LIST_SECTION_RELEASE, LIST_SECTION_PERIOD, LIST_SECTION_AREA = 8, 9, 10, 11, 12
ITEMS_SHEET_KEY = "sheet"  # the key row naming the Items sheet, next to the column titles

EXCEL_CELL_LIMIT = 32_767  # characters (UTF-16 code units) one cell can hold
MAX_INDENT = 15
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")
NON_CHARACTER_RE = re.compile("[\ud800-\udfff\ufffe\uffff]")  # XML 1.0 cannot carry these at all
OOXML_ESCAPE_RE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")  # Excel reads "_x000D_" in a cell as a carriage return
SHEET_NAME_RE = re.compile(r"[^\[\]:*?/\\']{1,31}")
TABLE_HEADER_FILL = "305496"
INPUT_FILL = "FFF2CC"  # light yellow: the cells a program manager types into
FONT_NAME, FONT_SIZE = "Calibri", 11  # named on every font: without a name LibreOffice falls back to a serif
TINT_SHARE = 0.25  # how much of a status colour its light tint keeps; the rest is white
SPAN_FILL = "B4C6E7"  # light blue: the quarters a release spans on the Timeline sheet
TEXT_FORMAT = "@"  # Excel's and LibreOffice's "Text" number format: what is typed stays as typed


@dataclass(frozen=True)
class Column:
    """One column of the Items sheet."""

    key: str
    title: str
    width: float
    printed: bool = True


@dataclass(frozen=True)
class HowTo:
    """The wording of the How to use sheet: its name, its title and its lines, with {key} for column titles."""

    sheet: str
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    """The settings of templates/xlsx/layout.yaml, checked."""

    summary_sheet: str
    items_sheet: str
    table_style: str
    date_format: str
    columns: tuple[Column, ...]
    summary: dict[str, str]
    how_to: HowTo

    @cached_property
    def _numbers(self) -> dict[str, int]:
        return {column.key: number for number, column in enumerate(self.columns, start=1)}

    def index(self, key: str) -> int:
        """The 1-based column number of a column key on the Items sheet."""
        return self._numbers[key]

    @property
    def printed_columns(self) -> int:
        """How many columns from the left the printout shows: up to the last printed one."""
        return max((n for n, column in enumerate(self.columns, start=1) if column.printed), default=len(self.columns))

    def width(self, key: str) -> float:
        """The width of a column key in character units."""
        return self.columns[self.index(key) - 1].width

    def title(self, key: str) -> str:
        """The header title of a column key."""
        return self.columns[self.index(key) - 1].title


def load_layout(templates: Templates) -> Layout:
    """The tracker layout from the template folder, falling back to the default one when it has none."""
    path = templates.folder / LAYOUT_FILE
    return load_layout_file(path if path.is_file() else default_layout_path())


def load_layout_file(path: Path) -> Layout:
    """The tracker layout of one YAML file, checked; EvepubError names the file when it is wrong."""
    data = _read_yaml(path)
    try:
        return _checked_layout(data)
    except KeyError as error:
        raise EvepubError(f"{path}: the setting {error.args[0]!r} is missing") from None
    except (TypeError, ValueError) as error:
        raise EvepubError(f"{path}: {error}") from error


def _checked_layout(data: Any) -> Layout:
    data = _with_later_settings(data)
    sheets = data["sheets"]
    how_to = _checked_how_to(data[HOW_TO_KEY])
    names = [str(sheets["summary"]), str(sheets["items"]), how_to.sheet, str(data["summary"]["timeline_sheet"])]
    for name in names:
        if not SHEET_NAME_RE.fullmatch(name) or name.lower() == LISTS_SHEET.lower():
            raise ValueError(f"'{name}' cannot be a sheet name (1-31 characters, none of []:*?/\\' , not Lists)")
    if len({name.lower() for name in names}) < len(names):
        raise ValueError("the Summary, Items, How to use and Timeline sheets need different names")
    columns = tuple(
        Column(str(c["key"]), str(c["title"]), float(c["width"]), bool(c.get("print", True))) for c in data["columns"]
    )
    keys = [column.key for column in columns]
    if sorted(keys) != sorted(COLUMN_KEYS):
        raise ValueError(f"columns must list each of {', '.join(COLUMN_KEYS)} exactly once")
    titles = [column.title.strip().lower() for column in columns]
    if len(set(titles)) != len(titles) or "" in titles:
        raise ValueError("column titles must be non-empty and differ (Excel tables ignore case)")
    from openpyxl.worksheet.table import TABLESTYLES

    style = str(data["items_table_style"])
    if style not in TABLESTYLES:
        raise ValueError(f"'{style}' is not an Excel table style such as TableStyleMedium2")
    summary = {key: str(data["summary"][key]) for key in SUMMARY_KEYS}
    for kind in ("status", "target", "source"):
        title, error = f"{kind}_error_title", f"{kind}_error"
        if len(summary[title]) > ERROR_TITLE_LIMIT or len(summary[error]) > ERROR_LIMIT:
            raise ValueError(f"{title} may have {ERROR_TITLE_LIMIT} characters, {error} {ERROR_LIMIT} (Excel's limits)")
    return Layout(names[0], names[1], style, str(data["date_format"]), columns, summary, how_to)


def _with_later_settings(data: Any) -> Any:
    """The layout data with the settings added since a layout file was written taken from the default layout."""
    summary = data.get("summary") if isinstance(data, dict) else None
    if not isinstance(summary, dict) or (HOW_TO_KEY in data and all(key in summary for key in LATER_SUMMARY_KEYS)):
        return data  # complete, or wrong in a way the checks name
    default = _read_yaml(default_layout_path())
    later = {key: default["summary"][key] for key in LATER_SUMMARY_KEYS}
    return {HOW_TO_KEY: default[HOW_TO_KEY], **data, "summary": {**later, **summary}}


def _checked_how_to(data: Any) -> HowTo:
    lines = data["lines"]
    if not isinstance(lines, list) or not lines:
        raise ValueError(f"{HOW_TO_KEY}: lines must be a list of texts")
    return HowTo(str(data["sheet"]), str(data["title"]), tuple(str(line) for line in lines))


def control_picture(match: re.Match[str]) -> str:
    """The visible Unicode 'control picture' of a control character, e.g. U+0001 -> U+2401 (␁)."""
    return chr(0x2400 + ord(match.group()))


def visible_text(text: str) -> str:
    """Text that an XML part can carry: control characters as control pictures, non-characters as U+FFFD."""
    if text.isprintable():  # no control character, surrogate or non-character: most texts, without a search
        return text
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub(control_picture, text)
    if NON_CHARACTER_RE.search(text):
        text = NON_CHARACTER_RE.sub("\ufffd", text)
    return text


def safe_text(text: str, where: str) -> str:
    """Text fit for a cell: as visible_text makes it; too long raises EvepubError."""
    text = visible_text(text)
    if len(text) > EXCEL_CELL_LIMIT // 2:
        units = len(text.encode("utf-16-le")) // 2
        if units > EXCEL_CELL_LIMIT:
            raise EvepubError(
                f"{where}: the text is {units:,} characters long; an Excel cell holds at most {EXCEL_CELL_LIMIT:,}"
            )
    return text


def cell_text(text: str, where: str) -> str:
    """Text as a string cell stores it: safe, with a literal "_x000D_" escaped so that Excel shows it as typed."""
    text = safe_text(text, where)
    if "_x" in text:
        text = OOXML_ESCAPE_RE.sub("_x005F_", text)  # "_x005F_" is the escaped "_", so the text shows as written
    return text


def item_style(level: int) -> str:
    """The name of the Item cell style of a level: wrapped text indented by the level, up to MAX_INDENT."""
    return f"evepub item level {min(level, MAX_INDENT)}"


def font(**parts: Any) -> Font:
    """A font with the tracker's face and size named, whatever else it sets."""
    from openpyxl.styles import Font

    return Font(**{"name": FONT_NAME, "size": FONT_SIZE, "family": 2, **parts})


def tint(colour: str, share: float = TINT_SHARE) -> str:
    """A light tint of an RGB hex colour: `share` of the colour mixed with white."""
    font_colour_on(colour)  # checks the colour
    channels = (int(colour[index : index + 2], 16) for index in (0, 2, 4))
    return "".join(f"{round(255 - (255 - value) * share):02X}" for value in channels)


def font_colour_on(fill: str) -> str:
    """Black or white, whichever reads better on a background colour given as RGB hex."""
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", fill):
        raise EvepubError(f"status colour '{fill}' is not an RGB hex colour such as 2E7D32")
    red, green, blue = (int(fill[index : index + 2], 16) for index in (0, 2, 4))
    return "000000" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "FFFFFF"


def _read_yaml(path: Path) -> Any:
    from evepub.templating import read_yaml_file  # here, not at the top: see the note on the imports

    return read_yaml_file(path)


def default_layout_path() -> Path:
    """The layout file shipped with evepub."""
    from evepub.templating import DEFAULT_TEMPLATES

    return DEFAULT_TEMPLATES / LAYOUT_FILE
