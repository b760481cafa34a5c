"""`text_then_image`: the order every sender keeps, so a failed image never resends the text."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.senders import PermanentSendError, TransientSendError, text_then_image


class Calls:
    def __init__(self, image_error: Exception | None = None) -> None:
        self.made: list[str] = []
        self.image_error = image_error

    async def text(self) -> str:
        self.made.append("text")
        return "t1,t2"

    async def image(self) -> str:
        self.made.append("image")
        if self.image_error is not None:
            raise self.image_error
        return "i1"


def test_text_first_then_the_image() -> None:
    calls = Calls()
    assert asyncio.run(text_then_image(calls.text, calls.image, None)) == "t1,t2,i1"
    assert calls.made == ["text", "image"]


def test_no_image_is_just_the_text() -> None:
    calls = Calls()
    assert asyncio.run(text_then_image(calls.text, None, None)) == "t1,t2"
    assert calls.made == ["text"]


def test_a_retry_after_the_text_went_sends_only_the_image() -> None:
    calls = Calls()
    assert asyncio.run(text_then_image(calls.text, calls.image, "t1,t2")) == "t1,t2,i1"
    assert calls.made == ["image"]


@pytest.mark.parametrize(
    "error",
    [
        TransientSendError("slack: ratelimited", retry_after=3),
        PermanentSendError("slack: not_in_channel", recipient_gone=True),
    ],
)
def test_an_image_failure_says_what_was_sent(
    error: TransientSendError | PermanentSendError,
) -> None:
    calls = Calls(error)
    with pytest.raises(type(error)) as raised:
        asyncio.run(text_then_image(calls.text, calls.image, None))
    assert raised.value is error
    assert raised.value.sent == "t1,t2"


def test_an_unexpected_image_error_is_retried_without_the_text() -> None:
    calls = Calls(KeyError("file"))
    with pytest.raises(TransientSendError) as raised:
        asyncio.run(text_then_image(calls.text, calls.image, None))
    assert raised.value.sent == "t1,t2" and "KeyError" in str(raised.value)


def test_a_text_failure_has_nothing_sent() -> None:
    async def text() -> str:
        raise TransientSendError("slack: internal_error")

    calls = Calls()
    with pytest.raises(TransientSendError) as raised:
        asyncio.run(text_then_image(text, calls.image, None))
    assert raised.value.sent is None and calls.made == []
