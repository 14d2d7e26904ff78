"""XML parts written a chunk of elements at a time: word/document.xml as its body is built.

The writer builds a few hundred paragraphs at a time in a plain lxml tree, then hands the chunk to an XmlStream,
which writes the text the part would have for those elements and drops them. The first chunk is moved into the
part's own element (the document's w:body) between two marker processing instructions, so that lxml gives its
elements the part's namespace declarations as it would give a whole body (and declares a picture's on the document
element, as Word does); the part is serialised as python-docx serialises a part and cut at the markers. That gives
the head (XML declaration, document element, w:body start tag), written before the first chunk; the tail (section
properties and end tags) is cut the same way after the last. A later chunk is serialised on its own, which is
faster, when its text is what the part would have: its container declares the part's namespaces with the part's
prefixes and no element in it declares any. So the part is byte for byte the serialisation of the whole tree, while
the tree never holds more than a chunk.
"""

from __future__ import annotations

from typing import Protocol

from lxml import etree

START, END = "evepub-chunks-start", "evepub-chunks-end"  # the markers' targets
MARKS = (f"<?{START} ?>".encode(), f"<?{END} ?>".encode())  # as lxml writes them


class Sink(Protocol):
    """Where a stream's bytes go: a StreamedPart (compressed as they come) or a BytesIO."""

    def write(self, data: bytes, /) -> object:
        """Take the next bytes."""
        ...


WIDE = 64  # children of an element that moves into another tree empty, then child by child


def move_into(parent: etree._Element, index: int, element: etree._Element) -> None:
    """Insert an element of another tree at parent[index]: one with many children (a table of hundreds of rows)
    moves empty and then takes its children back one by one, as lxml moves a large subtree across trees in a time
    that grows with the square of its size."""
    if len(element) < WIDE:
        parent.insert(index, element)
        return
    children = list(element)
    del element[:]
    parent.insert(index, element)
    for position, child in enumerate(children):
        move_into(element, position, child)


class XmlStream:
    """An XML part whose element `parent` of `root` gets its children a chunk at a time, written to `sink` in order."""

    def __init__(self, root: etree._Element, parent: etree._Element, sink: Sink) -> None:
        self.root = root
        self.parent = parent
        self.sink = sink
        self.marks = (etree.ProcessingInstruction(START), etree.ProcessingInstruction(END))
        self.parent[:0] = self.marks  # before anything parent holds after the stream (the section properties)
        self.top_namespaces: dict[str, str] = {}  # to declare on root with the next chunk (a picture's, as Word does)
        self.kept = [prefix for prefix in root.nsmap if prefix]  # prefixes cleanup keeps: also those only in values
        self.head: bytes | None = None

    def write(self, chunk: etree._Element) -> None:
        """Serialise the children of chunk as the next part of parent's content, and drop them from chunk."""
        if len(chunk) == 0:
            return
        content = self.alone(chunk) if self.settled() else None
        if content is None:
            content = self.moved(chunk)
        else:
            del chunk[:]
        self.sink.write(content)

    def takes_text(self, namespaces: dict[str, str]) -> bool:
        """Whether elements written as text with these prefixes, declaring none, may go to the sink as they are: as
        the faster path of `write` would serialise them, once the head is written and no declaration waits."""
        return self.settled() and self.same_prefixes(namespaces)

    def settled(self) -> bool:
        """Whether the head is written and no namespace declaration waits to go on the document element."""
        return self.head is not None and not self.top_namespaces

    def write_text(self, content: bytes) -> None:
        """Write elements as text (see takes_text) as the next part of parent's content."""
        self.sink.write(content)

    def same_prefixes(self, namespaces: dict[str, str]) -> bool:
        """Whether the part declares each of these namespaces with this one prefix and no other."""
        in_part = self.parent.nsmap
        return all(
            [known for known, known_uri in in_part.items() if known_uri == uri] == [prefix]
            for prefix, uri in namespaces.items()
        )

    def alone(self, chunk: etree._Element) -> bytes | None:
        """The children serialised in chunk itself, which is faster: None unless that is how the part has them.

        It is when chunk declares each of its namespaces with the one prefix the part declares it with, and no child
        declares any (else " xmlns" is in the text; so it is, rarely, in an item's text: then this is only slower).
        """
        if not self.same_prefixes(chunk.nsmap):
            return None
        data = etree.tostring(chunk, encoding="UTF-8")
        content = data[data.index(b">") + 1 : data.rindex(b"</")]
        return None if b" xmlns" in content else content

    def moved(self, chunk: etree._Element) -> bytes:
        """The children serialised in the part, where lxml gives them its namespace declarations; dropped from it."""
        children = list(chunk)
        count = len(children)
        for offset, child in enumerate(children):
            move_into(self.parent, 1 + offset, child)  # between the markers
        del children  # no proxies left: lxml frees each element as it leaves the tree
        if self.top_namespaces:  # once, with the first chunk after they are asked for, kept until a chunk uses them
            self.kept += list(self.top_namespaces)
            etree.cleanup_namespaces(self.root, top_nsmap=self.top_namespaces, keep_ns_prefixes=self.kept)
            self.top_namespaces = {}
        head, content, _ = self.pieces()
        del self.parent[1 : 1 + count]
        self.check_head(head)
        return content

    def close(self) -> None:
        """Write the tail, once every chunk is written and the rest of the part is final (no chunk: the whole part)."""
        if self.head is None:
            for mark in self.marks:
                self.parent.remove(mark)
            self.sink.write(serialised(self.root))
            return
        head, _, tail = self.pieces()
        self.check_head(head)
        self.sink.write(tail)

    def check_head(self, head: bytes) -> None:
        """Write the head before the first chunk; after it, make sure that it has not changed."""
        if self.head is None:
            self.head = head
            self.sink.write(head)
        elif head != self.head:
            raise RuntimeError("the start of an XML part changed while it was streamed")

    def pieces(self) -> tuple[bytes, bytes, bytes]:
        """The part as python-docx serialises one, cut at the markers: head, chunk, tail."""
        data = serialised(self.root)
        start, end = (data.index(mark) for mark in MARKS)
        return data[:start], data[start + len(MARKS[0]) : end], data[end + len(MARKS[1]) :]


def serialised(root: etree._Element) -> bytes:
    """An XML part as python-docx serialises one."""
    return etree.tostring(root, encoding="UTF-8", standalone=True)
