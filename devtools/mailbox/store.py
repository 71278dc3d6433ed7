"""Storage and decoding of received messages.

Every message is kept as one ``.eml`` file (the bytes exactly as received,
preceded by two ``X-Mailbox-Envelope-*`` headers) in a directory.  Files are
written atomically: a hidden temporary file in the same directory is renamed
into place, so a reader never sees a half-written message.

The decoding helpers here are shared with the web UI and the test helper and
are deliberately forgiving: a broken message from the application under test
should still be viewable.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

ENVELOPE_FROM = "X-Mailbox-Envelope-From"
ENVELOPE_TO = "X-Mailbox-Envelope-To"

# Message ids are file stems.  Only allow characters that can never form a
# path (no separators, no leading dot), so an id from a URL is safe to join.
_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}$")

# Japanese mail is sometimes labelled with a charset whose codec lacks the
# characters actually used (NEC/IBM extensions such as ① or 髙).  Try these
# supersets before giving up and replacing undecodable bytes.
_CHARSET_FALLBACKS = {
    "iso-2022-jp": ["iso2022_jp_2004", "iso2022_jp_ext", "x-cp50220"],
    "shift_jis": ["cp932", "shift_jis_2004"],
    "shift-jis": ["cp932", "shift_jis_2004"],
    "sjis": ["cp932", "shift_jis_2004"],
    "x-sjis": ["cp932", "shift_jis_2004"],
    "euc-jp": ["euc_jis_2004", "cp932"],
    "us-ascii": ["utf-8"],
    "ascii": ["utf-8"],
}


_ISO2022_ESC = re.compile(rb"\x1b(\$[@B]|\([BJI])")


def decode_cp50220(data: bytes) -> str:
    """Decode ISO-2022-JP the way Windows mailers write it (CP50220/CP50221):
    JIS X 0208 plus the NEC and IBM extension rows (①, Ⅰ, ㈱, 髙, ...), which
    Python's iso2022 codecs reject.  Each two-byte JIS code is mapped to
    Shift_JIS and decoded as CP932.  Raises UnicodeDecodeError on junk."""
    out: list[str] = []
    mode = b"(B"
    pos = 0
    for match in [*_ISO2022_ESC.finditer(data), None]:
        end = match.start() if match else len(data)
        chunk = data[pos:end]
        if mode in (b"$@", b"$B"):
            if len(chunk) % 2:
                raise UnicodeDecodeError("x-cp50220", data, pos, end, "odd byte count")
            sjis = bytearray()
            for i in range(0, len(chunk), 2):
                j1, j2 = chunk[i], chunk[i + 1]
                if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
                    raise UnicodeDecodeError("x-cp50220", data, pos + i, pos + i + 2, "not JIS")
                s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
                if j1 % 2:
                    s2 = j2 + 0x1F + (1 if j2 >= 0x60 else 0)
                else:
                    s2 = j2 + 0x7E
                sjis += bytes((s1, s2))
            out.append(sjis.decode("cp932"))
        elif mode == b"(I":  # JIS X 0201 half-width katakana
            out.append(bytes(b + 0x80 for b in chunk).decode("cp932"))
        else:
            out.append(chunk.decode("ascii"))
        if match:
            mode = match.group(1)
            pos = match.end()
    return "".join(out)


def _decode(payload: bytes, codec: str) -> str:
    if codec == "x-cp50220":
        return decode_cp50220(payload)
    return payload.decode(codec)


def add_envelope_headers(data: bytes, mail_from: str, rcpt_tos: list[str]) -> bytes:
    """Prepend the SMTP envelope (sender, all recipients incl. Bcc) as headers."""
    lines = [
        f"{ENVELOPE_FROM}: {_header_safe(mail_from)}",
        f"{ENVELOPE_TO}: {', '.join(_header_safe(r) for r in rcpt_tos)}",
    ]
    # Keep the message's own line ending style.
    eol = b"\r\n" if b"\r\n" in data[:4096] or not data else b"\n"
    prefix = eol.join(line.encode("utf-8") for line in lines) + eol
    return prefix + data


def _header_safe(value: str) -> str:
    return re.sub(r"[\r\n]+", " ", value or "")


def parse_message(data: bytes) -> EmailMessage:
    """Parse raw bytes into an :class:`EmailMessage` (``policy.default``).

    Wire line endings (CRLF) are turned into ``\n`` first, so that
    ``msg.get_content()`` returns text with ordinary newlines."""
    return BytesParser(policy=policy.default).parsebytes(data.replace(b"\r\n", b"\n"))


def header_text(msg, name: str) -> str:
    """Return a header as readable text ('' if missing), never raising.

    Encoded words (``=?ISO-2022-JP?B?...?=``) are decoded by the email
    package; raw ISO-2022-JP escape sequences, which some old mailers put into
    headers without encoding, are decoded here.
    """
    values = msg.get_all(name)
    if not values:
        return ""
    parts = []
    for value in values:
        try:
            text = str(value)
        except Exception:  # noqa: BLE001 - a defective header must not break the UI
            text = value if isinstance(value, str) else repr(value)
        if "\x1b$" in text or "\x1b(" in text:
            raw = text.encode("latin-1", "replace")
            for codec in ("iso2022_jp_2004", "x-cp50220"):
                try:
                    text = _decode(raw, codec)
                    break
                except (UnicodeError, LookupError):
                    continue
        parts.append(" ".join(text.split()) if "\n" in text else text)
    return ", ".join(parts)


def decode_part(part) -> str:
    """Decode a text part to ``str`` with charset fallbacks, never raising."""
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = b""
    charset = (part.get_content_charset() or "us-ascii").lower()
    for candidate in [charset, *_CHARSET_FALLBACKS.get(charset, [])]:
        try:
            text = _decode(payload, candidate)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        try:
            text = payload.decode(charset, errors="replace")
        except LookupError:
            text = payload.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass
class Body:
    """The part of a message a person wants to read."""

    text: str
    content_type: str  # "text/plain", "text/html" (shown as source) or ""
    attachments: list[Attachment] = field(default_factory=list)


def extract_body(msg: EmailMessage) -> Body:
    """Pick the text/plain body (falling back to HTML source) and list attachments."""
    plain = html = None
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        is_body = (
            ctype in ("text/plain", "text/html")
            and part.get_content_disposition() != "attachment"
            and not _safe_filename(part)
        )
        if not is_body:
            raw = part.get_payload(decode=True) or b""
            attachments.append(
                Attachment(
                    filename=_safe_filename(part),
                    content_type=ctype,
                    size=len(raw),
                )
            )
            continue
        if ctype == "text/plain" and plain is None:
            plain = decode_part(part)
        elif ctype == "text/html" and html is None:
            html = decode_part(part)
    if plain is not None:
        return Body(plain, "text/plain", attachments)
    if html is not None:
        return Body(html, "text/html", attachments)
    return Body("", "", attachments)


def _safe_filename(part) -> str:
    try:
        return part.get_filename() or ""
    except Exception:  # noqa: BLE001
        return ""


@dataclass
class MessageSummary:
    id: str
    received: datetime
    date: datetime | None
    sender: str
    to: str
    subject: str

    @property
    def display_date(self) -> datetime:
        return self.date or self.received


def parse_date(msg) -> datetime | None:
    raw = msg.get("Date")
    if not raw:
        return None
    try:
        value = raw.datetime if hasattr(raw, "datetime") else parsedate_to_datetime(str(raw))
    except (TypeError, ValueError, IndexError):
        return None
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


class MailStore:
    """A directory of ``.eml`` files, newest first."""

    suffix = ".eml"

    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    # -- writing ----------------------------------------------------------
    def save(self, data: bytes) -> str:
        """Store raw message bytes atomically; return the new message id."""
        message_id = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        fd, tmp_name = tempfile.mkstemp(
            dir=self.directory, prefix=".incoming-", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, self.directory / f"{message_id}{self.suffix}")
        except BaseException:
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass
            raise
        return message_id

    def delete_all(self) -> int:
        """Delete every stored message; return how many were deleted."""
        count = 0
        for path in self._paths():
            try:
                path.unlink()
                count += 1
            except FileNotFoundError:
                pass
        return count

    # -- reading ----------------------------------------------------------
    def _paths(self) -> list[Path]:
        paths = []
        for path in self.directory.glob(f"*{self.suffix}"):
            if _ID_RE.match(path.stem) and path.is_file():
                paths.append(path)
        return paths

    def _path(self, message_id: str) -> Path:
        if not _ID_RE.match(message_id or ""):
            raise KeyError(message_id)
        path = self.directory / f"{message_id}{self.suffix}"
        if not path.is_file():
            raise KeyError(message_id)
        return path

    def ids(self) -> list[str]:
        """Message ids, newest first."""
        entries = []
        for path in self._paths():
            try:
                mtime = path.stat().st_mtime_ns
            except FileNotFoundError:
                continue
            entries.append((mtime, path.stem))
        entries.sort(reverse=True)
        return [stem for _, stem in entries]

    def raw(self, message_id: str) -> bytes:
        try:
            return self._path(message_id).read_bytes()
        except FileNotFoundError:
            raise KeyError(message_id) from None

    def get(self, message_id: str) -> EmailMessage:
        return parse_message(self.raw(message_id))

    def summaries(self) -> list[MessageSummary]:
        """Header summaries of all messages, newest first."""
        parser = BytesHeaderParser(policy=policy.default)
        result = []
        for message_id in self.ids():
            try:
                path = self._path(message_id)
                with path.open("rb") as fh:
                    msg = parser.parse(fh)
                received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            except (KeyError, FileNotFoundError):
                continue  # deleted meanwhile
            result.append(
                MessageSummary(
                    id=message_id,
                    received=received,
                    date=parse_date(msg),
                    sender=header_text(msg, "From"),
                    to=header_text(msg, "To") or header_text(msg, ENVELOPE_TO),
                    subject=header_text(msg, "Subject"),
                )
            )
        return result

    def __len__(self) -> int:
        return len(self._paths())
