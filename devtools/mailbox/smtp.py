"""The SMTP side: an aiosmtpd handler that hands every message to a callback."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from email import policy
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller

from .store import ENVELOPE_TO, MailStore, add_envelope_headers, header_text

log = logging.getLogger(__name__)

Deliver = Callable[[bytes], object]


class DeliveryHandler:
    """aiosmtpd handler: accept any sender/recipient, pass the message on.

    ``deliver`` gets the raw message bytes with the envelope prepended as
    ``X-Mailbox-Envelope-From`` / ``X-Mailbox-Envelope-To`` headers (so Bcc
    recipients stay visible).
    """

    def __init__(self, deliver: Deliver):
        self.deliver = deliver

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):  # only if someone sets decode_data=True
            data = data.encode("utf-8", "surrogateescape")
        try:
            self.deliver(add_envelope_headers(data, envelope.mail_from, envelope.rcpt_tos))
        except Exception:  # noqa: BLE001 - report to the client, keep serving
            log.exception("could not store message")
            return "451 Requested action aborted: could not store message"
        return "250 Message accepted for delivery"


def store_handler(store: MailStore) -> DeliveryHandler:
    """A handler that saves into ``store`` and logs one line per message."""

    def deliver(data: bytes) -> None:
        message_id = store.save(data)
        msg = BytesHeaderParser(policy=policy.default).parsebytes(data)
        log.info(
            "stored %s to=%s subject=%s",
            message_id,
            header_text(msg, "To") or header_text(msg, ENVELOPE_TO),
            header_text(msg, "Subject"),
        )

    return DeliveryHandler(deliver)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def make_controller(handler: DeliveryHandler, host: str, port: int) -> Controller:
    # server_hostname avoids a (possibly slow) FQDN lookup for the banner.
    return Controller(
        handler,
        hostname=host,
        port=port,
        server_hostname="mailbox.localhost",
        ready_timeout=10.0,
    )


def start_controller(
    handler: DeliveryHandler, host: str = "127.0.0.1", port: int | None = None
) -> Controller:
    """Start an SMTP server thread; with ``port=None`` pick a free port."""
    attempts = 1 if port is not None else 5
    last_error: Exception | None = None
    for _ in range(attempts):
        controller = make_controller(handler, host, port if port is not None else free_port(host))
        try:
            controller.start()
            return controller
        except (OSError, RuntimeError) as exc:  # port taken meanwhile: retry
            last_error = exc
            try:
                controller.stop(no_assert=True)
            except Exception:  # noqa: BLE001
                pass
    assert last_error is not None
    raise last_error
