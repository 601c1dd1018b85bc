"""The input boundary: every file copro reads comes in through here.

One place for what any reader must not trust: how big a file is and what kind of file it is,
how long a field may be, which text encoding it is in, what an XLSX zip really unpacks to and
which of its sheets are hidden, whether an XML document carries a DTD, and how a value from a
file may be echoed in a message.

Rules (the README's "Bad input" section says the same):

- an input must be a regular file (not a device, FIFO or folder) no larger than its kind's
  limit (:data:`LIMITS`);
- text is UTF-8 with or without a byte-order mark, or UTF-16 (detected by its BOM, or by its
  zero bytes); anything else is read as Windows-1252, the encoding Excel writes "CSV" in on
  Windows, with the five bytes it leaves undefined shown as U+FFFD (never a crash);
- a CSV field longer than :data:`MAX_FIELD` characters stops the read, naming the line;
- an XLSX workbook is refused if its parts would unpack to more than
  :data:`MAX_XLSX_UNPACKED` bytes, or any part is compressed more than
  :data:`MAX_XLSX_RATIO` times (a zip bomb), or any XML part declares a DTD; hidden and very
  hidden sheets are never read (a hidden first sheet or a hidden draft is skipped);
- an XML document is refused if it declares a document type anywhere before its root
  (internal subset, entities or an external DTD), however far into the file and in whatever
  encoding: copro reads the prolog's bytes itself, so no parser sees the DTD (and none can
  expand an entity); the parser is then asked again, as a second line of defence;
- a value from a file is echoed in a message only through :func:`shown`: printable
  characters only, cut to a length; and only from fields that cannot hold personal data
  (callers never pass a personal field's value: they name the field instead).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

from copro.errors import CoproError, InputError

MiB = 1 << 20
#: Largest file of each kind read into memory (SEN2 XML is streamed, so only its kind is
#: checked). The full DfE open-data file, all years and breakdowns, is about 40 MB.
LIMITS = {"dfe": 512 * MiB, "cases": 512 * MiB, "foi": 32 * MiB, "tracker": 2048 * MiB,
          "neighbours": 4 * MiB, "tribunal": 16 * MiB}
MAX_FIELD = 64 * 1024  # characters in one CSV field
MAX_XLSX_UNPACKED = 1024 * MiB
MAX_XLSX_RATIO = 200
MAX_XLSX_PART_SMALL = 4 * MiB  # parts smaller than this may be compressed any amount
MAX_SHOWN = 40

#: Every input file read in this process (by device and inode), so that no output replaces one.
_read: set[tuple[int, int]] = set()


# --- messages -----------------------------------------------------------------------------

def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A value from a file, safe to put in a one-line message: control characters (newlines,
    ANSI escapes, bidirectional overrides) become '?', runs of spaces one space, and it is cut
    to ``limit`` characters. Never call it with a personal field's value."""
    text = str(value)
    if len(text) > 4 * limit:
        text = text[:4 * limit]
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in " \t\r\n":
            ch = " "
        elif category[0] == "C" or category in ("Zl", "Zp"):
            ch = "?"
        out.append(ch)
    text = " ".join("".join(out).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def one_line(message: str, limit: int = 2000) -> str:
    """A whole message on one printable line (the CLI's last guard before printing)."""
    return shown(message, limit)


def shown_code(value: str) -> str:
    """A code-list value for a warning: shown only if it is shaped like a code (one or two
    letters or digits), since a value in the wrong field may be a name or a pupil number."""
    text = value.strip()
    if is_code_shaped(text):
        return text
    return (f"a value of {len(text)} characters (not shown: only one- or two-character codes "
            "are echoed, as a longer value may be personal data)")


def is_code_shaped(text: str) -> bool:
    return 0 < len(text) <= 2 and text.isascii() and text.isalnum()


# --- files --------------------------------------------------------------------------------

def check_input_file(path: Path, kind: str) -> os.stat_result:
    """The file's status, if it is a regular file copro may read; else a one-line error."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise CoproError(f"{path}: no such file") from None
    except OSError as exc:
        raise CoproError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise CoproError(f"{path}: is a folder; expected a file")
    if not stat.S_ISREG(st.st_mode):
        raise CoproError(f"{path}: is not a regular file (a device, pipe or socket); "
                         "expected a data file")
    limit = LIMITS.get(kind)
    if limit is not None and st.st_size > limit:
        raise CoproError(f"{path}: {st.st_size / MiB:,.0f} MB is larger than the "
                         f"{limit // MiB:,} MB copro reads for this kind of file")
    _read.add((st.st_dev, st.st_ino))
    return st


def read_bytes(path: Path, kind: str) -> bytes:
    """The bytes of an input file of ``kind`` (see :data:`LIMITS`), or a one-line error."""
    path = Path(path)
    check_input_file(path, kind)
    limit = LIMITS.get(kind, 0)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1) if limit else fh.read()
    except OSError as exc:
        raise CoproError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if limit and len(data) > limit:
        raise CoproError(f"{path}: larger than the {limit // MiB:,} MB copro reads for this "
                         "kind of file")
    return data


def forget_inputs() -> None:
    """Start a new command: no file has been read yet."""
    _read.clear()


def is_input(path: Path) -> bool:
    """Whether ``path`` is a file this process has read as input."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) in _read


# --- text ---------------------------------------------------------------------------------

def decode_text(raw: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read as (see the module's rule)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(raw, "utf-16"), "UTF-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            return _decode(raw[3:], "cp1252"), "Windows-1252"
    head = raw[:256]
    if len(head) >= 4 and head.count(0) * 3 >= len(head):  # UTF-16 without a BOM
        le = head[1::2].count(0) > head[0::2].count(0)
        return _decode(raw, "utf-16-le" if le else "utf-16-be"), "UTF-16"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return _decode(raw, "cp1252"), "Windows-1252"


def _decode(raw: bytes, encoding: str) -> str:
    return raw.decode(encoding, errors="replace")


def csv_rows(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each CSV record, with the field-length limit enforced."""
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        start = reader.line_num + 1  # a record may span lines: named by its first
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = (f"a field longer than {MAX_FIELD:,} characters"
                       if "field larger" in str(exc) else "not valid CSV")
            raise InputError(path, problem, line=start) from None
        yield start, fields


def header_index(path: Path, header: list[str], wanted) -> dict[str, int]:
    """Column positions of the ``wanted`` names in a header (already normalised); a name that
    appears twice is an error, never resolved silently."""
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in wanted:
            if name in index:
                raise InputError(path, f"column '{name}' appears twice in the header "
                                       f"(columns {index[name] + 1} and {i + 1}); keep one",
                                 line=1)
            index[name] = i
    return index


# --- XML ----------------------------------------------------------------------------------

_DTD_REFUSED = ("the document declares a DTD (DOCTYPE, entities or an external DTD), which "
                "copro never needs: refused for safety")
_PROLOG_CHUNK = 64 * 1024
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _prolog_encoding(head: bytes) -> str | None:
    """The encoding to read an XML document's prolog in, from its first bytes (a byte-order
    mark, the zero bytes of UTF-16/32 around '<', or the XML declaration's ``encoding``), as
    XML 1.0 appendix F describes; None where Python has no such codec (the parser decides)."""
    if head.startswith(_UTF32_BOMS) or head[:4] in (b"<\0\0\0", b"\0\0\0<"):
        return "utf-32"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head[:2] == b"<\0":
        return "utf-16-le"
    if head[:2] == b"\0<":
        return "utf-16-be"
    declared = re.match(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", head)
    name = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    # A declaration may name UTF-16 in a file that an ASCII-compatible read got this far in.
    return "utf-8" if name.lower().replace("_", "-") in ("utf-16", "utf-32") else name


_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
#: Longest prolog (XML declaration, comments, processing instructions) copro reads through.
MAX_PROLOG = 16 * MiB


def declares_dtd(path: Path, source) -> bool:
    """Whether the XML document's prolog (what comes before its root element) holds a
    document type declaration, found by reading the bytes ourselves, so that no parser ever
    sees a DTD copro will refuse (a parser may expand entities, or stop on a billion-laughs
    file with its own wording, before it reports the DOCTYPE). Reads only up to the root
    element, in chunks; ``source`` is a path or a binary file object. Anything that is not
    whitespace, a comment, a processing instruction or a DOCTYPE before the root ends the scan
    (the parser then says what is wrong)."""
    stream = open(source, "rb") if isinstance(source, (str, Path)) else source
    try:
        head = stream.read(_PROLOG_CHUNK)
        encoding = _prolog_encoding(head)
        if encoding is None:
            return b"<!DOCTYPE" in head.upper()
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        text, pos, ended = decoder.decode(head, final=not head), 0, not head
        while True:
            item = _PROLOG_ITEM.match(text, pos)
            if item:
                pos = item.end()
                continue
            rest = text[pos:pos + 9].upper()
            if rest.startswith("<!DOCTYPE"):
                return True
            incomplete = (rest == "" or "<!DOCTYPE".startswith(rest) or "<!--".startswith(rest)
                          or rest.startswith(("<?", "<!--")))
            if ended or not incomplete:
                return False
            if len(text) - pos > MAX_PROLOG:
                raise InputError(path, f"more than {MAX_PROLOG // MiB} MB before the root "
                                       "element (comments or processing instructions); "
                                       "expected an XML document")
            chunk = stream.read(_PROLOG_CHUNK)
            ended = not chunk
            text, pos = text[pos:] + decoder.decode(chunk, final=ended), 0
    finally:
        if stream is not source:
            stream.close()


def check_xml_prolog(path: Path, source, root: str | None = None) -> None:
    """Refuse a document that declares a DTD (internal subset, entities or an external DTD)
    anywhere before its root, before any parser reads it (:func:`declares_dtd`); then ask the
    parser what the root element is (and, as a second line of defence, about a DTD).
    ``source``: a path or a binary file object (read only up to the root element)."""
    from lxml import etree

    if hasattr(source, "read") and not source.seekable():
        source = io.BytesIO(source.read())  # scanned, then parsed from the start again
    if declares_dtd(path, source):
        raise InputError(path, _DTD_REFUSED)
    if hasattr(source, "seek"):
        source.seek(0)
    context = etree.iterparse(source, events=("start",), resolve_entities=False,
                              no_network=True, load_dtd=False, huge_tree=False)
    try:
        _, el = next(context)
    except StopIteration:
        raise InputError(path, "the file is empty; expected an XML document") from None
    except etree.XMLSyntaxError as exc:
        where = f"line {exc.lineno}: " if exc.lineno and exc.lineno > 0 else ""
        raise InputError(path, f"{where}not well-formed XML "
                               f"({shown(exc.msg.split(',')[0], 80)})") from None
    info = el.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.system_url or info.public_id:
        raise InputError(path, _DTD_REFUSED)
    name = etree.QName(el).localname
    if root is not None and name != root:
        raise InputError(path, f"line {el.sourceline}: the root element is "
                               f"'{shown(name)}'; expected '{root}'")


# --- XLSX ---------------------------------------------------------------------------------

def open_xlsx(path: Path, raw: bytes):
    """An openpyxl workbook (read-only, values only) after the zip has been checked: sizes
    within the limits, no part a zip bomb, no XML part with a DTD."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InputError(path, "not a readable Excel workbook (not a valid .xlsx zip)") \
            from None
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNPACKED:
        raise InputError(path, f"the workbook unpacks to {total / MiB:,.0f} MB, more than "
                               f"the {MAX_XLSX_UNPACKED // MiB:,} MB copro reads")
    for info in infos:
        if info.file_size > MAX_XLSX_PART_SMALL and \
                info.file_size > MAX_XLSX_RATIO * max(info.compress_size, 1):
            raise InputError(path, f"part {shown(info.filename)} is compressed "
                                   f"{info.file_size // max(info.compress_size, 1):,} times: "
                                   "refused as a zip bomb")
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            try:
                with zf.open(info) as part:
                    check_xml_prolog(path, part)
            except InputError as exc:
                raise InputError(path, f"part {shown(info.filename)}: "
                                       f"{exc.message}") from None
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
                raise InputError(path, f"part {shown(info.filename)} is damaged: not a "
                                       "readable Excel workbook") from None
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(path, f"not a readable Excel workbook ({type(exc).__name__})") \
            from None


def visible_sheets(wb) -> list:
    """The workbook's sheets that are not hidden or very hidden, in order."""
    return [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]


def sheet_rows(path: Path, ws) -> Iterator[tuple[int, tuple]]:
    """(row number, cell objects) of a sheet; a damaged sheet is a one-line error naming it."""
    rows = ws.iter_rows()
    number = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a truncated sheet, an entity, a bad cell: openpyxl's kinds
            raise InputError(path, f"sheet {shown(ws.title)}, row {number + 1}: a cell "
                                   "cannot be read (not a number, text or date Excel "
                                   f"writes), or the sheet is damaged ({type(exc).__name__})"
                             ) from None
        number = next((c.row for c in row if getattr(c, "row", None)), number + 1)
        yield number, row


def cell_text(value: object) -> str | None:
    """A cell's value as text (dates as YYYY-MM-DD; NaN and infinities as text, never as a
    number)."""
    from datetime import date, datetime

    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
