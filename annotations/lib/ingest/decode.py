"""Bytes to text: byte-order marks, declared and guessed charsets, and refusing binary data."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from annotations.lib.ingest.normalise import IngestError

# --------------------------------------------------------------------------------------------
# Decoding bytes
# --------------------------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


# Magic numbers of formats people rename to .txt by mistake (PDF, Office, images, archives).
# Only long, distinctive ones: a text may well start with "MZ" or "ID3"; other binary formats
# are caught by their NUL and control bytes.
_BINARY_SIGNATURES = (
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x1f\x8b",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\x7fELF",
    b"{\\rtf",
    b"SQLite format 3\x00",
)


# HTML, per the WHATWG encoding standard, treats these labels as windows-1252; browsers do
# the same, and a page saying iso-8859-1 almost always contains cp1252 quotes.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}


_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)


def _bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def looks_binary(data: bytes) -> bool:
    if _bom_encoding(data):
        return False  # UTF-16/32 text legitimately contains NUL bytes
    if data.startswith(_BINARY_SIGNATURES):
        return True
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    # Text has almost no C0 control bytes besides tab, newlines, form feed and escape.
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > len(sample) * 0.05


def _python_codec(label: str) -> str | None:
    label = label.strip().strip("\"'").lower()
    if not label:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        if encoding == "cp1252":
            # cp1252 leaves five bytes undefined; latin-1 maps them and everything else alike
            return data.decode("latin-1")
        return None


def _guess_decode(data: bytes) -> str | None:
    """charset-normalizer's best guess, only when it is confident."""
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is None or best.percent_chaos > 15:
        return None
    return _try_decode(data, best.encoding)


def decode_text_bytes(data: bytes, declared: str = "") -> str:
    """Bytes of a text or Markdown document to str: BOM, UTF-8, declared charset, guess."""
    bom = _bom_encoding(data)
    if bom:
        decoded = _try_decode(data, bom)
        if decoded is not None:
            return decoded
    decoded = _try_decode(data, "utf-8")
    if decoded is not None:
        return decoded
    codec = _python_codec(declared)
    if codec:
        decoded = _try_decode(data, codec)
        if decoded is not None:
            return decoded
    decoded = _guess_decode(data)
    if decoded is None:
        raise IngestError(
            "The file's characters could not be decoded. Save it as UTF-8 and upload it again.",
            code="undecodable",
        )
    return decoded


def decode_html_bytes(data: bytes, declared: str = "") -> str:
    """HTML bytes to str.

    Valid UTF-8 wins over any declaration: text in a legacy 8-bit charset essentially never
    forms valid multi-byte UTF-8, while pages that are UTF-8 but declare iso-8859-1 are common.
    """
    bom = _bom_encoding(data)
    if bom:
        decoded = _try_decode(data, bom)
        if decoded is not None:
            return decoded
    decoded = _try_decode(data, "utf-8")
    if decoded is not None:
        return decoded
    candidates = [declared]
    match = _META_CHARSET_RE.search(data[:16384])
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    for label in candidates:
        codec = _python_codec(label or "")
        if codec and codec not in ("utf-8", "utf-16", "utf-32"):
            decoded = _try_decode(data, codec)
            if decoded is not None:
                return decoded
    decoded = _guess_decode(data)
    if decoded is not None:
        return decoded
    # A page that is UTF-8 apart from a few broken bytes is still worth reading.
    decoded = data.decode("utf-8", errors="replace")
    if decoded.count("\ufffd") <= max(10, len(decoded) // 1000):
        return decoded
    raise IngestError(
        "The page's characters could not be decoded (unknown character set).", code="undecodable"
    )
