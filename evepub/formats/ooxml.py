"""What .docx and .xlsx share: namespaces, deterministic zip packing, and limits for packages from other hands.

Zip bombs, oversized packages and XML with a DTD are refused before any part is parsed.

Declared sizes are a real bound: Python's zipfile (which python-docx and openpyxl read through) never
unpacks more than a part's declared size, and fails on a part that claims less than it holds. A DTD has
no place in an Office package (Open Packaging Conventions forbid it), so any part that declares one is
refused before a parser sees it: no entity is ever defined, let alone expanded ("billion laughs").
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO

from evepub.errors import EvepubError

# The Open XML namespaces evepub writes and reads
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_R_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_XML_NS = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

MAX_ENTRIES = 10_000
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # one uncompressed part
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # all parts together
MAX_RATIO = 250  # uncompressed / compressed, for parts larger than SMALL_PART
SMALL_PART = 1024 * 1024
EMPTY_ROWS_TO_STOP = 1000
MAX_COLUMNS = 256  # columns a reader looks at, whatever a sheet's used range claims
PROLOG_BYTES = 64 * 1024  # an XML part's declaration, comments and processing instructions fit in this
# what may stand before the root element, besides a DTD: white space, the XML declaration, PIs and comments
PROLOG_ITEM_RE = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
# how an XML part's first bytes give away its encoding (XML 1.0, appendix F); UTF-32 before UTF-16 (same start)
ENCODING_SIGNATURES = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)


ATTRIBUTE_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
ATTRIBUTE_RE = re.compile('[&<>"\n\r\t]')


def xml_text(text: str) -> str:
    """Text as an XML text node, escaped as lxml writes it (UTF-8: only &, <, > and carriage returns)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def xml_attribute(value: str) -> str:
    """An attribute value as lxml writes it, in double quotes."""
    return ATTRIBUTE_RE.sub(lambda match: ATTRIBUTE_ESCAPES[match.group(0)], value)


def check_package(path: Path, kind: str = "Office file") -> None:
    """Refuse a .docx or .xlsx that is no zip, is a zip bomb, or holds an XML part with a DTD."""
    try:
        with zipfile.ZipFile(path) as package:
            infos = package.infolist()
            check_sizes(path, infos)
            for info in infos:
                if not info.is_dir() and info.file_size:
                    with package.open(info) as part:
                        check_prolog(path, info.filename, part)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as error:
        raise unreadable(path, kind, error) from None


def unreadable(path: Path, kind: str, error: BaseException) -> EvepubError:
    """The one-line error for a file a reader cannot parse, naming the first cause (libraries wrap it)."""
    seen = {id(error)}
    while (cause := error.__cause__ or error.__context__) is not None and id(cause) not in seen:
        seen.add(id(cause))
        error = cause
    message = " ".join(str(error).split()) or type(error).__name__
    return EvepubError(f"{path}: not a readable {kind}: {message}")


def check_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse too many parts, too large parts, and compression ratios only a zip bomb has."""
    if len(infos) > MAX_ENTRIES:
        raise EvepubError(f"{path}: {len(infos)} parts; an Office file from evepub has far fewer")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_ENTRY_BYTES:
            raise EvepubError(f"{path}: part {info.filename} would unpack to {info.file_size:,} bytes; refused")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > SMALL_PART and ratio > MAX_RATIO:
            raise EvepubError(f"{path}: part {info.filename} is compressed {ratio:.0f} to 1, like a zip bomb; refused")
    if total > MAX_TOTAL_BYTES:
        raise EvepubError(f"{path}: would unpack to {total:,} bytes; refused")


def check_prolog(path: Path, name: str, part: IO[bytes]) -> None:
    """Refuse an XML part whose prolog declares a DTD (where entities are defined), or is too long to check."""
    head = part.read(PROLOG_BYTES)
    encoding = next((name for start, name in ENCODING_SIGNATURES if head.startswith(start)), "utf-8-sig")
    text = head.decode(encoding, errors="replace")
    position = 0
    while match := PROLOG_ITEM_RE.match(text, position):
        position = match.end()
    rest = text[position : position + 9].upper()
    if rest.startswith(("<!DOCTYPE", "<!ENTITY")):
        raise EvepubError(f"{path}: part {name} declares a DTD (<!DOCTYPE ...>), which no Office file has; refused")
    unfinished = rest.startswith(("<?", "<!--")) or (not rest and len(head) == PROLOG_BYTES)
    if unfinished:  # a prolog longer than we read could hide a DTD after it
        raise EvepubError(f"{path}: part {name} has an XML prolog longer than {PROLOG_BYTES:,} bytes; refused")


# Deterministic packing: fixed entry order, fixed times, fixed attributes
FIRST_ENTRIES = ("[Content_Types].xml", "_rels/.rels")  # where Office and most readers look first
ZIP_EPOCH = dt.datetime(1980, 1, 1)  # the zip format cannot store earlier times
ZIP_END = dt.datetime(2107, 12, 31, 23, 59, 58)  # nor later ones
COMPRESS_LEVEL = 3  # deflate: at 20,000 items about 12 % larger parts than at 6, compressed in half the time
# pack_streamed writes the records zipfile writes for pack's entries: no extra fields, no comments, no zip64
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")
END_RECORD = struct.Struct("<4s4H2LH")
ZIP_VERSION = 20  # made by and needed to extract, as zipfile writes them for deflated entries
UTF8_NAME = 0x800  # the flag of an entry name that is not ASCII
READ_WRITE = 0o600 << 16  # the attributes zipfile gives an entry that has none (rw-------)
ZIP_LIMIT = (1 << 31) - 1  # sizes and offsets past this would need zip64, which pack_streamed does not write


def zip_time(timestamp: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """The zip entry time for a timestamp: its UTC wall clock, clamped to what zip can store."""
    if timestamp.tzinfo is not None:
        timestamp = timestamp.astimezone(dt.UTC).replace(tzinfo=None)
    clamped = min(max(timestamp, ZIP_EPOCH), ZIP_END)
    return (clamped.year, clamped.month, clamped.day, clamped.hour, clamped.minute, clamped.second)


def ordered(names: Iterable[str]) -> list[str]:
    """Entry names in the fixed order: content types, package relationships, then by name."""
    names = list(names)
    first = [name for name in FIRST_ENTRIES if name in names]
    return first + sorted(name for name in names if name not in FIRST_ENTRIES)


def pack(entries: dict[str, bytes], timestamp: dt.datetime) -> bytes:
    """A zip holding the entries, byte-identical for the same entries and timestamp."""
    when = zip_time(timestamp)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ordered(entries):
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            archive.writestr(info, entries[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def unpack(package: bytes) -> dict[str, bytes]:
    """Every entry of a zip, by name."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def repack(package: bytes, timestamp: dt.datetime) -> bytes:
    """Re-pack a zip (as saved by python-docx with the current time) deterministically."""
    return pack(unpack(package), timestamp)


class StreamedPart:
    """A part compressed as it is written, piece by piece, exactly as pack compresses it whole."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        self.compressed: list[bytes] = []
        self.crc = 0
        self.size = 0

    def write(self, data: bytes) -> None:
        """Compress the next piece of the part."""
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        if piece := self._compressor.compress(data):
            self.compressed.append(piece)

    def close(self) -> StreamedPart:
        """End the compressed stream; returns the part."""
        self.compressed.append(self._compressor.flush())
        return self

    @classmethod
    def of(cls, data: bytes) -> StreamedPart:
        """A part compressed in one piece."""
        part = cls()
        part.write(data)
        return part.close()

    @classmethod
    def compressed_before(cls, data: bytes, compressed: bytes) -> StreamedPart:
        """A part whose compressed form was made earlier by `deflated(data)` (and kept, say, in a cache)."""
        part = cls()
        part.crc, part.size, part.compressed = zlib.crc32(data), len(data), [compressed]
        return part


def deflated(data: bytes) -> bytes:
    """The compressed form of a part, as StreamedPart.of and pack compress it."""
    return b"".join(StreamedPart.of(data).compressed)


def pack_streamed(entries: Mapping[str, bytes | StreamedPart], timestamp: dt.datetime) -> bytes:
    """What pack makes of the same entries, where any entry may be compressed already (a closed StreamedPart)."""
    date, time = dos_date_time(zip_time(timestamp))
    buffer = io.BytesIO()
    directory: list[bytes] = []
    for name in ordered(entries):
        entry = entries[name]
        part = entry if isinstance(entry, StreamedPart) else StreamedPart.of(entry)
        encoded, flags = zip_name(name)
        compressed_size = sum(len(piece) for piece in part.compressed)
        if max(part.size * 1.05, compressed_size) > ZIP_LIMIT:  # where zipfile would write zip64 records
            raise EvepubError(f"part {name} is too large for a package without zip64 ({part.size:,} bytes)")
        offset = buffer.tell()
        fields = (flags, zipfile.ZIP_DEFLATED, time, date, part.crc, compressed_size, part.size, len(encoded))
        buffer.write(LOCAL_HEADER.pack(b"PK\x03\x04", ZIP_VERSION, 0, *fields, 0) + encoded)
        buffer.writelines(part.compressed)
        directory.append(
            CENTRAL_HEADER.pack(b"PK\x01\x02", ZIP_VERSION, 0, ZIP_VERSION, 0, *fields, 0, 0, 0, 0, READ_WRITE, offset)
            + encoded
        )
    start = buffer.tell()
    if start > ZIP_LIMIT:
        raise EvepubError(f"a package of {start:,} bytes would need zip64")
    buffer.writelines(directory)
    end = END_RECORD.pack(b"PK\x05\x06", 0, 0, len(directory), len(directory), buffer.tell() - start, start, 0)
    buffer.write(end)
    return buffer.getvalue()


def dos_date_time(when: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    """A zip entry's date and time fields (MS-DOS format, two-second steps)."""
    year, month, day, hour, minute, second = when
    return (year - 1980) << 9 | month << 5 | day, hour << 11 | minute << 5 | second // 2


def zip_name(name: str) -> tuple[bytes, int]:
    """An entry name as zipfile stores it, with its flag bits: ASCII as is, anything else as UTF-8 with its flag."""
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), UTF8_NAME
