"""CSV files as Excel in Japan opens them: UTF-8 with a byte order mark (without one Excel reads Shift_JIS and
garbles every kanji) and CRLF line ends. A download is streamed a row at a time, so an export of every
submission never sits in memory whole."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context

BOM = "\ufeff"


def chunks(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The file's text: the BOM and the header first, then one chunk per row, each row read only when its chunk
    is wanted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    yield _taken(buffer)
    for row in rows:
        writer.writerow(row)
        yield _taken(buffer)


def text(header: Iterable, rows: Iterable[Iterable]) -> str:
    return "".join(chunks(header, rows))


def encoded(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """The whole file, for a command that writes it to disk."""
    return text(header, rows).encode("utf-8")


def download(filename: str, file_chunks: Iterable[str], headers: dict[str, str] | None = None) -> Response:
    """An attachment sent as its chunks come; they are made inside the request's context, so rows may still be
    read from the request's database session."""
    return Response(stream_with_context(file_chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})})


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
