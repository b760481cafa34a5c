"""Reading CSV as spreadsheet programs save it: separator and encoding, and saying which."""

from __future__ import annotations

import pytest

from bot.core.kernel import SpreadsheetError, delimiter_of, read_csv


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("key,text,owner", ","),
        ("key;text;owner", ";"),
        ("key\ttext\towner", "\t"),
        ("\n\nkey;text;owner\nA1;een, twee;x", ";"),  # commas in the rows do not count
        ("key", ","),  # one column: the standard's comma
        ("", ","),
    ],
)
def test_the_header_row_decides_the_separator(header: str, expected: str) -> None:
    assert delimiter_of(header) == expected


def test_encodings_are_recognised_and_named() -> None:
    text = "key;text\nE1;Ideeën voor het café\n"
    cp1252 = read_csv(text.encode("cp1252"))
    assert cp1252.text == text and cp1252.described == "semicolon-separated, Windows-1252"
    bom = read_csv(b"\xef\xbb\xbf" + text.replace(";", ",").encode())
    assert bom.text.startswith("key,") and bom.described == "comma-separated, UTF-8 with BOM"
    plain = read_csv(text.encode())
    assert plain.described == "semicolon-separated, UTF-8"


def test_bytes_no_spreadsheet_writes_are_refused_with_a_remedy() -> None:
    with pytest.raises(SpreadsheetError, match="save the spreadsheet as CSV"):
        read_csv(b"key,text\n\x81\x8d\x8f\x90\x9d\n")
