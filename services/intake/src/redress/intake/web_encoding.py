"""A worker's form is read as UTF-8, or refused: never recorded garbled.

Starlette reads a form field that is not valid UTF-8 as Latin-1 (a field of a multipart
form) or with U+FFFD for the bytes it cannot read (an urlencoded one): "wages\\xff\\xfe" was
filed as "wagesÿþ", and a narrative of nothing but such bytes passed the check that it shows
something. The pages' forms are UTF-8 and browsers send them so; a body that is not came
from elsewhere, and is refused (400, a page in the worker's language) before anything is
recorded. The body is checked as it streams in, by the parser Starlette's forms use
(python-multipart): each field's name and value, never a file's content.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, QuerystringParser, parse_options_header
from starlette.requests import Request
from starlette.types import Message

from redress.kit.errors import Problem

_MULTIPART, _URLENCODED = b"multipart/form-data", b"application/x-www-form-urlencoded"


def _refused() -> Problem:
    return Problem(400, "not-utf-8", "the form is not UTF-8: send it as the page does")


def _check(data: bytes | bytearray) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise _refused() from None


class _Multipart:
    """Each part's headers, and a field's value, checked at the part's end."""

    def __init__(self) -> None:
        self.header, self.value, self.data = bytearray(), bytearray(), bytearray()
        self.file = False

    def part_begin(self) -> None:
        self.data.clear()
        self.file = False

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def header_end(self) -> None:
        if bytes(self.header).lower() == b"content-disposition":
            _, options = parse_options_header(bytes(self.value))
            self.file = b"filename" in options or b"filename*" in options
            _check(options.get(b"name", b""))
        self.header.clear()
        self.value.clear()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.file:
            self.data += data[start:end]

    def part_end(self) -> None:
        if not self.file:
            _check(self.data)

    def parser(self, boundary: bytes) -> MultipartParser:
        return MultipartParser(boundary, {
            "on_part_begin": self.part_begin, "on_header_field": self.header_field,
            "on_header_value": self.header_value, "on_header_end": self.header_end,
            "on_part_data": self.part_data, "on_part_end": self.part_end,
        })  # fmt: skip


class _Urlencoded:
    """Each name and value, percent-decoded, checked at the field's end."""

    def __init__(self) -> None:
        self.field = bytearray()

    def data(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def end(self) -> None:
        for part in bytes(self.field).replace(b"+", b" ").split(b"=", 1):
            _check(unquote_to_bytes(part))
        self.field.clear()

    def parser(self) -> QuerystringParser:
        # Name and value alike: "=" between them is kept, so that each is checked apart.
        return QuerystringParser({
            "on_field_start": self.field.clear, "on_field_name": self.data,
            "on_field_data": self.name_then_data, "on_field_end": self.end,
        })  # fmt: skip

    def name_then_data(self, data: bytes, start: int, end: int) -> None:
        if b"=" not in self.field:
            self.field += b"="
        self.data(data, start, end)


def utf8_forms(request: Request) -> Request:
    """The request, its form checked as it is read (any other body as it was)."""
    if request.method != "POST":
        return request
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    parser: MultipartParser | QuerystringParser
    if kind == _MULTIPART and options.get(b"boundary"):
        parser = _Multipart().parser(options[b"boundary"])
    elif kind == _URLENCODED:
        parser = _Urlencoded().parser()
    else:
        return request
    receive = request.receive
    checking, refused = True, False

    async def checked() -> Message:
        nonlocal checking, refused
        if refused:
            # The refusal's page may read the form again (its language): it is empty now,
            # never a wait for a body that the server has already handed over.
            return {"type": "http.request", "body": b"", "more_body": False}
        message = await receive()
        if checking and message["type"] == "http.request":
            try:
                parser.write(message.get("body", b""))
                if not message.get("more_body", False):
                    parser.finalize()
            except FormParserError:
                checking = False  # malformed: the form's own parser says so
            except Problem:
                refused = True
                raise
        return message

    return Request(request.scope, checked)
