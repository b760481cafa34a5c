"""Reading a CSV file as a spreadsheet program saved it.

Advisers keep their lists in Excel. Dutch Excel saves "CSV" separated by semicolons (the
comma is the decimal sign there), in Windows-1252 unless one picks "CSV UTF-8", which then
starts with a byte-order mark. Refusing those as "missing columns" sent people hunting for
a setting; so every CSV import reads them here and says what it found, so that a file
that was read wrongly is easy to recognise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.kernel.texts import _

DELIMITERS = {",": _("comma-separated"), ";": _("semicolon-separated"), "\t": _("tab-separated")}
ENCODINGS = {"utf-8-sig": _("UTF-8 with BOM"), "utf-8": "UTF-8", "cp1252": "Windows-1252"}


class SpreadsheetError(ValueError):
    """The bytes are no text a spreadsheet writes; the message says what to do."""


@dataclass(frozen=True)
class CsvText:
    text: str
    encoding: str  # a key of ENCODINGS
    delimiter: str  # a key of DELIMITERS

    @property
    def described(self) -> str:
        """`semicolon-separated, Windows-1252`: what the import tells the user it read."""
        return self.described_in(lambda message: message)

    def described_in(self, gettext: Callable[[str], str]) -> str:
        """The same in the reader's language (`gettext` of their texts)."""
        return f"{gettext(DELIMITERS[self.delimiter])}, {gettext(ENCODINGS[self.encoding])}"


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (with or without a byte-order mark), else
    Windows-1252, the encoding of Excel's plain "CSV" on Dutch and English Windows."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise SpreadsheetError(
            "not text in UTF-8 or Windows-1252; save the spreadsheet as CSV (or CSV UTF-8)"
        ) from error


def delimiter_of(text: str) -> str:
    """The separator of the header row: whichever of `,` `;` and tab it holds most of
    (column names hold none of them; a comma wins a tie, as in the CSV standard)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def read_csv(data: bytes) -> CsvText:
    """Decode and find the separator; raises `SpreadsheetError` for what is no text."""
    text, encoding = decode(data)
    return CsvText(text.removeprefix("\ufeff"), encoding, delimiter_of(text))
