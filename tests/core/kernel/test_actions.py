"""Compact action ids: strict shape, 64 bytes at most, refused politely when wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.kernel.actions import (
    MAX_ACTION_BYTES,
    Action,
    InvalidAction,
    database_id,
    decode_action,
    encode_action,
)

KNOWN = frozenset({"endorse", "checkin", "pulse"})

VERBS = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
ARGS = st.lists(st.from_regex(r"[A-Za-z0-9_\-]{1,40}", fullmatch=True), max_size=4)


# -- round trip ----------------------------------------------------------------------------


def test_encode_then_decode_gives_the_action_back() -> None:
    encoded = encode_action("endorse", 12, "yes")

    assert encoded == "endorse:12:yes"
    assert decode_action(encoded) == Action("endorse", ("12", "yes"))
    assert decode_action(encoded, known_verbs=KNOWN) == Action("endorse", ("12", "yes"))


def test_an_action_without_arguments() -> None:
    assert encode_action("pulse") == "pulse"
    assert decode_action("pulse") == Action("pulse")


def test_bytes_from_a_platform_are_decoded() -> None:
    assert decode_action(b"checkin:7:on_track") == Action("checkin", ("7", "on_track"))


@settings(max_examples=300, deadline=None)
@given(VERBS, ARGS)
def test_round_trip_for_every_well_formed_action(verb: str, args: list[str]) -> None:
    try:
        encoded = encode_action(verb, *args)
    except InvalidAction:
        assert len(":".join((verb, *args)).encode()) > MAX_ACTION_BYTES
        return
    assert len(encoded.encode()) <= MAX_ACTION_BYTES
    assert decode_action(encoded) == Action(verb, tuple(args))
    assert decode_action(encoded.encode()) == Action(verb, tuple(args))


# -- length --------------------------------------------------------------------------------


def test_exactly_64_bytes_is_allowed() -> None:
    action = "v:" + "a" * 40 + ":" + "b" * 21
    assert len(action.encode()) == MAX_ACTION_BYTES == 64

    assert encode_action("v", "a" * 40, "b" * 21) == action
    assert decode_action(action) == Action("v", ("a" * 40, "b" * 21))


def test_more_than_64_bytes_is_refused_both_ways() -> None:
    action = "v:" + "a" * 40 + ":" + "b" * 22
    assert len(action.encode()) == 65

    with pytest.raises(InvalidAction, match="64"):
        encode_action("v", "a" * 40, "b" * 22)
    with pytest.raises(InvalidAction):
        decode_action(action)
    with pytest.raises(InvalidAction):
        decode_action(action.encode())


# -- malformed -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "a::b",
        "A:b",
        "x:a b",
        "",
        ":",
        "a:",
        ":a",
        "1a:b",
        "endorse:12:ja!",
        "ＡＢ",  # fullwidth letters are not ASCII letters
        "a:１",  # nor fullwidth digits
        "endorse:" + "x" * 41,  # an argument longer than 40 characters
        "v" * 17,  # a verb longer than 16 characters
        b"\xff\xfe\x00",
        b"endorse:\xc3",
        None,
    ],
)
def test_malformed_action_ids_are_refused(data: str | bytes | None) -> None:
    with pytest.raises(InvalidAction):
        decode_action(data)


def test_an_unknown_verb_is_refused_when_the_verbs_are_known() -> None:
    assert decode_action("house") == Action("house")  # well formed: fine without a list

    with pytest.raises(InvalidAction, match="house"):
        decode_action("house", known_verbs=KNOWN)


@pytest.mark.parametrize(
    ("verb", "args"),
    [("Endorse", ("1",)), ("endorse", ("a b",)), ("endorse", ("",)), ("endorse", ("a:b",))],
)
def test_encode_refuses_what_decode_would_refuse(verb: str, args: tuple[str, ...]) -> None:
    with pytest.raises(InvalidAction):
        encode_action(verb, *args)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.binary(), st.none()), st.booleans())
def test_decode_never_raises_anything_but_invalid_action(
    data: str | bytes | None, with_known_verbs: bool
) -> None:
    try:
        action = decode_action(data, known_verbs=KNOWN if with_known_verbs else None)
    except InvalidAction:
        return
    # Whatever is accepted fits the limits and encodes back to the same id.
    assert isinstance(action, Action)
    raw = data.decode() if isinstance(data, bytes) else data
    assert raw is not None
    assert len(raw.encode()) <= MAX_ACTION_BYTES
    assert action.encode() == raw


# -- known bugs ----------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["pulse\n", "endorse:12\n", b"checkin:7\n"])
def test_a_trailing_newline_is_refused(data: str | bytes) -> None:
    with pytest.raises(InvalidAction):
        decode_action(data)


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("1", 1),
        ("0042", 42),
        (str(2**31 - 1), 2**31 - 1),
        (str(2**31), None),  # one past PostgreSQL's INTEGER id columns
        (str(2**63), None),  # one past SQLite's
        ("9" * 40, None),
        ("0", None),
        ("", None),
        ("-1", None),
        ("1a", None),
        ("²", None),  # a digit to str.isdigit, not to int()
        ("١٢", None),  # Arabic-Indic digits: int() takes them, an action never carries them
    ],
)
def test_an_action_argument_becomes_a_database_id_or_none(
    argument: str, expected: int | None
) -> None:
    assert database_id(argument) == expected
