"""Reading files from other hands: zip bombs, XML entity bombs, blown-up sheets and non-zip files."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evepub.cli import main
from evepub.errors import EvepubError
from evepub.formats.docx import reader as docx_reader
from evepub.formats.ooxml import EMPTY_ROWS_TO_STOP, MAX_ENTRY_BYTES, PROLOG_BYTES
from evepub.formats.xlsx import reader as xlsx_reader
from evepub.formats.xlsx.table import read_table
from evepub.formats.xlsx.values import SHEET_NS, every_position_within_bounds, plainly_within_bounds
from evepub.model import outline
from evepub.source import load

from conftest import ROOT

SOURCE = ROOT / "source" / "roadmap.yaml"
ITEMS_SHEET = "xl/worksheets/sheet2.xml"  # the writer's Items sheet
LISTS_SHEET = "xl/worksheets/sheet3.xml"
FIRST_TEXT = "Introduction of CAN Bus support"
ENTITIES = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
LAUGHS = "<!DOCTYPE lolz [" + "".join(ENTITIES).replace("&lol0;", "&lol;") + "]>"  # 10^9 "lol" if expanded


def rewrite(path: Path, parts: dict[str, bytes]) -> None:
    """The package with some parts replaced or added, as any zip tool would write it."""
    with zipfile.ZipFile(path) as package:
        contents = {info.filename: package.read(info) for info in package.infolist()}
    contents.update(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in contents.items():
            package.writestr(name, data)


def declare_size(path: Path, name: str, size: int) -> None:
    """Make the central directory claim another uncompressed size for one part."""
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    position = struct.unpack_from("<I", data, end + 16)[0]
    while data[position : position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        if data[position + 46 : position + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, position + 24, size)
            path.write_bytes(bytes(data))
            return
        position += 46 + name_length + extra_length + comment_length
    raise AssertionError(f"no part {name}")


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read(name)


def with_laughs(xml: bytes) -> bytes:
    """The XML with a 'billion laughs' DTD and the first item's text replaced by the entity that expands."""
    assert FIRST_TEXT.encode() in xml
    xml = xml.replace(FIRST_TEXT.encode(), b"&lol9;", 1)
    if xml.startswith(b"<?xml"):
        declaration, rest = xml.split(b"?>", 1)
        return declaration + b"?>" + LAUGHS.encode() + rest
    return LAUGHS.encode() + xml


def verify(capsys: pytest.CaptureFixture[str], outdir: Path) -> tuple[int, str, str]:
    status = main(["verify", str(SOURCE), "-o", str(outdir)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ---------------------------------------------------------------- zip bombs


@pytest.mark.parametrize("output", ["roadmap.docx", "roadmap-tracker.xlsx"])
def test_a_part_compressed_like_a_zip_bomb_is_refused(
    capsys: pytest.CaptureFixture[str], outdir: Path, output: str
) -> None:
    path = outdir / output
    rewrite(path, {"docProps/padding.bin": bytes(20 * 1024 * 1024)})  # 20 MB of zeros: about 1000 to 1
    status, out, err = verify(capsys, outdir)
    assert (status, out) == (2, "")
    assert err.startswith(f"evepub: {path}: part docProps/padding.bin is compressed ")
    assert err.endswith(" to 1, like a zip bomb; refused\n")


@pytest.mark.parametrize("output", ["roadmap.docx", "roadmap-tracker.xlsx"])
def test_a_part_declaring_a_huge_size_is_refused_before_anything_is_unpacked(
    capsys: pytest.CaptureFixture[str], outdir: Path, output: str
) -> None:
    path = outdir / output
    rewrite(path, {"docProps/huge.bin": b"small"})
    declare_size(path, "docProps/huge.bin", 0xFFFF_FFF0)  # 4 GB, as a crafted zip bomb claims
    status, out, err = verify(capsys, outdir)
    assert (status, out) == (2, "")
    assert err == f"evepub: {path}: part docProps/huge.bin would unpack to 4,294,967,280 bytes; refused\n"
    assert MAX_ENTRY_BYTES < 0xFFFF_FFF0


def test_a_non_zip_file_named_xlsx_is_a_clear_error(capsys: pytest.CaptureFixture[str], outdir: Path) -> None:
    path = outdir / "roadmap-tracker.xlsx"
    path.write_text("ID,Item\nk-one,An item\n", encoding="utf-8")  # a CSV saved under the tracker's name
    status, out, err = verify(capsys, outdir)
    assert (status, out) == (2, "")
    assert err == f"evepub: {path}: not a readable Excel workbook: File is not a zip file\n"


def test_a_truncated_word_document_is_a_clear_error(capsys: pytest.CaptureFixture[str], outdir: Path) -> None:
    path = outdir / "roadmap.docx"
    path.write_bytes(path.read_bytes()[:2000])
    status, _, err = verify(capsys, outdir)
    assert status == 2
    assert err.startswith(f"evepub: {path}: not a readable Word document: ")
    assert err.count("\n") == 1


# ---------------------------------------------------------------- XML entity expansion


@pytest.mark.parametrize(
    ("output", "name"),
    [("roadmap-tracker.xlsx", ITEMS_SHEET), ("roadmap.docx", "word/document.xml")],
)
def test_billion_laughs_in_a_part_is_refused(
    capsys: pytest.CaptureFixture[str], outdir: Path, output: str, name: str
) -> None:
    path = outdir / output
    rewrite(path, {name: with_laughs(part(path, name))})
    status, out, err = verify(capsys, outdir)
    assert (status, out) == (2, "")
    assert err == (f"evepub: {path}: part {name} declares a DTD (<!DOCTYPE ...>), which no Office file has; refused\n")


def test_a_dtd_in_a_utf16_part_is_refused(outdir: Path) -> None:
    path = outdir / "roadmap.docx"
    xml = with_laughs(part(path, "word/styles.xml").replace(b"<w:styles", FIRST_TEXT.encode() + b"<w:styles", 1))
    text = xml.decode("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'").replace('encoding="UTF-8"', "")
    rewrite(path, {"word/styles.xml": text.encode("utf-16")})
    with pytest.raises(EvepubError, match=r"part word/styles\.xml declares a DTD"):
        docx_reader.read(path)


def test_a_dtd_hidden_after_a_long_prolog_is_refused(outdir: Path) -> None:
    path = outdir / "roadmap-tracker.xlsx"
    padding = b"<!--" + b"x" * PROLOG_BYTES + b"-->"
    rewrite(path, {ITEMS_SHEET: padding + with_laughs(part(path, ITEMS_SHEET))})
    with pytest.raises(EvepubError, match=r"has an XML prolog longer than 65,536 bytes; refused"):
        xlsx_reader.read(path)


def test_both_tracker_libraries_refuse_entities_even_without_the_package_check(
    outdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = outdir / "roadmap-tracker.xlsx"
    rewrite(path, {ITEMS_SHEET: with_laughs(part(path, ITEMS_SHEET))})
    monkeypatch.setattr("evepub.formats.xlsx.table.check_package", lambda path, kind: None)
    monkeypatch.setattr("evepub.formats.xlsx.values.check_package", lambda path, kind: None)
    with pytest.raises(EvepubError, match=r"not a readable Excel workbook: EntitiesForbidden\(name='lol'"):
        read_table(path)  # what sync reads: defusedxml refused it inside openpyxl
    with pytest.raises(EvepubError, match=r"not a readable Excel workbook: .*(amplification|unrecognized entity)"):
        xlsx_reader.read(path)  # what verify reads: libxml2 (the bounds check) and calamine expand no such entity


def test_word_xml_entities_stay_unexpanded_even_without_the_package_check(
    outdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = outdir / "roadmap.docx"
    rewrite(path, {"word/document.xml": with_laughs(part(path, "word/document.xml"))})
    monkeypatch.setattr(docx_reader, "check_package", lambda path, kind: None)
    try:
        entries = docx_reader.read(path).entries
    except EvepubError as error:  # refused by the parser: as good
        assert "not a readable Word document" in str(error)
    else:
        assert not any("lol" in entry.text for entry in entries)  # never expanded
        assert len(entries) == len(outline(load(SOURCE)))


# ---------------------------------------------------------------- blown-up sheets


def blown_up(xml: bytes, far_away: bool) -> bytes:
    """A sheet claiming the whole grid as its used range, optionally with one cell in its very last row."""
    start = xml.index(b"<dimension ref=")
    end = xml.index(b"/>", start) + 2
    xml = xml[:start] + b'<dimension ref="A1:XFD1048576"/>' + xml[end:]
    if far_away:
        last = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far away</t></is></c></row>'
        xml = xml.replace(b"</sheetData>", last + b"</sheetData>")
    return xml


def test_a_blown_up_used_range_reads_correctly(outdir: Path) -> None:
    path = outdir / "roadmap-tracker.xlsx"
    rewrite(path, {name: blown_up(part(path, name), far_away=False) for name in (ITEMS_SHEET, LISTS_SHEET)})
    back = xlsx_reader.read(path)
    assert back.entries == outline(load(SOURCE))
    assert back.unrecoverable == []


def test_a_cell_a_million_rows_down_stops_the_read_after_a_run_of_empty_rows(outdir: Path) -> None:
    path = outdir / "roadmap-tracker.xlsx"
    rewrite(path, {name: blown_up(part(path, name), far_away=True) for name in (ITEMS_SHEET, LISTS_SHEET)})
    back = xlsx_reader.read(path)
    assert back.entries == outline(load(SOURCE))
    assert back.unrecoverable == [
        f"rows after a run of {EMPTY_ROWS_TO_STOP:,} empty rows of the Items sheet",
        f"rows after a run of {EMPTY_ROWS_TO_STOP:,} empty rows of the Lists sheet",
    ]


def test_a_far_cell_before_a_near_one_in_its_row_cannot_crash_verify(outdir: Path) -> None:
    # the row's last cell is near, its first is 16,384 columns across and 240,000 rows down: a range calamine
    # would hold whole (125 GB), which aborts the process; the sheet must be read row by row instead
    path = outdir / "roadmap-tracker.xlsx"
    far = b'<row r="240000"><c r="XFD240000" t="inlineStr"><is><t>far</t></is></c><c r="A240000"/></row>'
    rewrite(path, {ITEMS_SHEET: part(path, ITEMS_SHEET).replace(b"</sheetData>", far + b"</sheetData>")})
    script = (
        "import sys; from pathlib import Path; from evepub.formats.xlsx.reader import read; "
        "print(len(read(Path(sys.argv[1])).entries))"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout) == len(outline(load(SOURCE)))


def test_the_byte_scan_proves_evepubs_own_sheets_close_by(published: Path) -> None:
    # the fast path of the bounds check: a tracker evepub wrote is never walked element by element
    with zipfile.ZipFile(published / "roadmap-tracker.xlsx") as package:
        for name in (ITEMS_SHEET, LISTS_SHEET):
            assert plainly_within_bounds(package.read(name)), name


NEAR_POSITIONS = ["A1", "B7", "Z99999"]
POSITIONS = st.sampled_from(NEAR_POSITIONS * 16 + ["AA1", "A100000", "XFD1048576", "a5", "7", "", "A 1", "&#65;1"])
ROW_NUMBERS = st.sampled_from(["1", "7", "99999"] * 12 + ["100000", "1048576", "0007"])
POSITION_SPELLINGS = st.sampled_from([' r="{}"'] * 40 + [" r='{}'", ' r = "{}"', '\tr="{}"', ' x:r="{}"', ' xr="{}"'])
OTHER_ATTRIBUTES = st.sampled_from(["", ' s="2"', ' t="inlineStr"', ' xr="AA1"', ' xmlns:r="http://x"'])


def rarely(draw: st.DrawFn, usual: str, unusual: st.SearchStrategy[str]) -> str:
    """Mostly what evepub and LibreOffice write, now and then something else."""
    return draw(unusual) if draw(st.integers(0, 29)) == 0 else usual


@st.composite
def sheet_element(draw: st.DrawFn, name: str, values: st.SearchStrategy[str], inside: str = "") -> str:
    """A cell or row as spreadsheets write it (its position first), or now and then otherwise: prefixed, its
    position spelled otherwise, after other attributes or twice, or missing."""
    tag = rarely(draw, name, st.just(f"x:{name}"))
    position = draw(POSITION_SPELLINGS).format(draw(values))
    others = draw(OTHER_ATTRIBUTES)
    attributes = rarely(draw, position + others, st.sampled_from([others, others + position]))
    return f"<{tag}{attributes}>{inside}</{tag}>"


@st.composite
def sheet_data(draw: st.DrawFn) -> str:
    """Rows of cells, now and then a comment, another element with an r attribute, or hundreds of cells with none."""
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        cells = [draw(sheet_element("c", POSITIONS, "<v>1</v>")) for _ in range(draw(st.integers(0, 4)))]
        odd = ["<!-- <c> -->", '<v r="XFD1">1</v>', '<is r="A1"/>', "<x:c><v>1</v></x:c>" * 300, "<c/>" * 300]
        cells.append(rarely(draw, "", st.sampled_from(odd)))  # hundreds of cells placed by counting: a wide row
        rows.append(draw(sheet_element("row", ROW_NUMBERS, "".join(cells))))
    return "".join(rows)


def sheet(body: str) -> bytes:
    """A worksheet part around some sheet data, its namespace also bound to the prefix x."""
    return f'<worksheet xmlns="{SHEET_NS}" xmlns:x="{SHEET_NS}"><sheetData>{body}</sheetData></worksheet>'.encode()


@pytest.mark.parametrize(
    "body",
    [
        '<row r="1">' + "<x:c><v>1</v></x:c>" * 300 + "</row>",  # 300 columns counted, the cells prefixed
        '<row r="1">' + "<c><v>1</v></c>" * 300 + "</row>",  # 300 columns counted
        '<row r="1">' + "<c\n><v>1</v></c>" * 300 + "</row>",
        '<row r="240000"><c r="XFD240000"><v>1</v></c><c r="A240000"/></row>',  # far first, near last
        '<x:row r="1048576"><c r="A1048576"><v>1</v></c></x:row>',
        "<row r='7'><c r='XFD7'><v>1</v></c></row>",
    ],
)
def test_the_byte_scan_leaves_every_far_sheet_to_the_walk(body: str) -> None:
    assert not plainly_within_bounds(sheet(body))
    assert not every_position_within_bounds(io.BytesIO(sheet(body)))


@given(sheet_data())
def test_the_byte_scan_proves_close_by_only_what_the_walk_finds_close_by(body: str) -> None:
    # the scan may leave a near sheet to the walk, never pass a far one: the walk looks at every cell and row
    if plainly_within_bounds(sheet(body)):
        assert every_position_within_bounds(io.BytesIO(sheet(body))), body
