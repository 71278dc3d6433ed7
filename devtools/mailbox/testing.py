"""An in-process SMTP sink for the project's tests.

Example::

    from devtools.mailbox.testing import MailSink

    with MailSink() as sink:
        app.config["MAIL_PORT"] = sink.port
        ...  # do something that sends mail
        msg = sink.wait_for(lambda m: "申請" in m["Subject"])
        assert "受付番号" in msg.get_content()

Messages are kept in memory, in the order received.  Each is an
:class:`email.message.EmailMessage` parsed with ``email.policy.default``, so
``msg["Subject"]`` is decoded text and ``msg.get_body(("plain",)).get_content()``
gives the decoded body (with ``\n`` line endings).  The SMTP envelope is available as the headers
``X-Mailbox-Envelope-From`` and ``X-Mailbox-Envelope-To``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email.message import EmailMessage

from .smtp import DeliveryHandler, start_controller
from .store import ENVELOPE_TO, header_text, parse_message

__all__ = ["MailSink", "MailTimeoutError"]


class MailTimeoutError(AssertionError, TimeoutError):
    """No matching message arrived in time (an AssertionError, for pytest)."""


class MailSink:
    host = "127.0.0.1"

    def __init__(self, port: int | None = None):
        self._requested_port = port
        self._raw: list[bytes] = []
        self._cleared = 0  # bumped by clear(), so wait_for() can rescan
        self._cond = threading.Condition()
        self._controller = None
        self.port: int | None = None

    # -- lifecycle --------------------------------------------------------
    def start(self) -> MailSink:
        if self._controller is not None:
            return self
        self._controller = start_controller(
            DeliveryHandler(self._deliver), self.host, self._requested_port
        )
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- messages ---------------------------------------------------------
    def _deliver(self, data: bytes) -> None:
        with self._cond:
            self._raw.append(data)
            self._cond.notify_all()

    def raw_messages(self) -> list[bytes]:
        with self._cond:
            return list(self._raw)

    def messages(self) -> list[EmailMessage]:
        """All messages received so far (oldest first), freshly parsed."""
        return [parse_message(data) for data in self.raw_messages()]

    def clear(self) -> None:
        with self._cond:
            self._raw.clear()
            self._cleared += 1

    def wait_for(
        self,
        predicate: Callable[[EmailMessage], bool] | None = None,
        timeout: float = 5,
    ) -> EmailMessage:
        """Return the first message (already received or arriving within
        ``timeout`` seconds) for which ``predicate`` is true; any message if
        ``predicate`` is None.  Raises :class:`MailTimeoutError` otherwise."""
        deadline = time.monotonic() + timeout
        checked = 0
        with self._cond:
            generation = self._cleared
            while True:
                if generation != self._cleared:
                    generation, checked = self._cleared, 0
                while checked < len(self._raw):
                    msg = parse_message(self._raw[checked])
                    checked += 1
                    if predicate is None or predicate(msg):
                        return msg
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            seen = [
                f"to={header_text(m, 'To') or header_text(m, ENVELOPE_TO)!r} "
                f"subject={header_text(m, 'Subject')!r}"
                for m in (parse_message(d) for d in self._raw)
            ]
        detail = "; ".join(seen) if seen else "no messages at all"
        raise MailTimeoutError(
            f"no matching message within {timeout}s (received: {detail})"
        )
