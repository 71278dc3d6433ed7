"""Signed webhook delivery in a background thread, with retries and faults.

Signing matches Stripe: ``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
"<t>.<payload>" keyed with the endpoint secret>``. ``t`` is *real* wall-clock
time, not the emulated clock: the SDK rejects signatures older than 5 minutes
by comparing ``t`` with ``time.time()``, so time travel must not leak in here.

Fault modes exist so the portal's webhook handler can be tested against what
Stripe actually does in production: events lost (drop), delivered twice
(duplicate), late (hold until flush) and out of order (reorder).
"""

from __future__ import annotations

import heapq
import hmac
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

import requests

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.{payload}".encode(), sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def endpoint_wants(endpoint: dict[str, Any], event_type: str) -> bool:
    enabled = endpoint.get("enabled_events") or ["*"]
    for pattern in enabled:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


@dataclass
class Delivery:
    event_id: str
    event_type: str
    payload: str
    endpoint_id: str
    url: str
    secret: str
    attempt: int = 0
    seq: int = 0
    tags: list[str] = field(default_factory=list)


@dataclass
class Faults:
    drop: int = 0  # next N events are never delivered
    duplicate: int = 0  # next N events are delivered twice
    hold: bool = False  # keep deliveries until flush()
    reorder: bool = False  # like hold, and flush() delivers newest first

    def as_dict(self) -> dict[str, Any]:
        return {"drop": self.drop, "duplicate": self.duplicate, "hold": self.hold, "reorder": self.reorder}


class WebhookDispatcher:
    def __init__(self, retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0), timeout: float = 5.0) -> None:
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self.faults = Faults()
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, Delivery]] = []  # heap by due time
        self._held: list[Delivery] = []
        self._in_flight = 0
        self._seq = itertools.count()
        self._log: deque[dict[str, Any]] = deque(maxlen=2000)
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._http = requests.Session()
        # Never send local webhooks through a corporate proxy from the env.
        self._http.trust_env = False

    # --- lifecycle -------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="stripe-emulator-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 1)
            self._thread = None
        self._http.close()

    def clear(self) -> None:
        """Forget queued/held deliveries, the log and fault settings (reset)."""
        with self._cond:
            self._queue.clear()
            self._held.clear()
            self._log.clear()
            self.faults = Faults()
            self._cond.notify_all()

    # --- submission and faults ----------------------------------------------

    def submit(self, event: dict[str, Any], payload: str, endpoints: list[dict[str, Any]]) -> None:
        """Queue one event for every endpoint; never blocks on the network."""
        targets = [ep for ep in endpoints if endpoint_wants(ep, event["type"])]
        if not targets:
            return
        with self._cond:
            if self.faults.drop > 0:
                self.faults.drop -= 1
                for ep in targets:
                    self._record(Delivery(event["id"], event["type"], payload, ep["id"], ep["url"], ep["secret"]),
                                 "dropped")
                return
            copies = 1
            if self.faults.duplicate > 0:
                self.faults.duplicate -= 1
                copies = 2
            for _ in range(copies):
                for ep in targets:
                    delivery = Delivery(event["id"], event["type"], payload, ep["id"], ep["url"], ep["secret"],
                                        seq=next(self._seq))
                    if self.faults.hold or self.faults.reorder:
                        self._held.append(delivery)
                        self._record(delivery, "held")
                    else:
                        heapq.heappush(self._queue, (time.monotonic(), delivery.seq, delivery))
            self._cond.notify_all()

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        with self._cond:
            for key, value in changes.items():
                if value is not None and hasattr(self.faults, key):
                    setattr(self.faults, key, value)
            return self.faults.as_dict()

    def flush(self, order: str | None = None) -> int:
        """Release held deliveries; reverse order when reordering is on."""
        with self._cond:
            held, self._held = self._held, []
            reverse = order == "reverse" or (order is None and self.faults.reorder)
            if reverse:
                held.reverse()
            now = time.monotonic()
            for delivery in held:
                # Fresh sequence numbers make the heap honour the flush order.
                delivery.seq = next(self._seq)
                heapq.heappush(self._queue, (now, delivery.seq, delivery))
            self.faults.hold = False
            self.faults.reorder = False
            self._cond.notify_all()
            return len(held)

    def held_count(self) -> int:
        with self._cond:
            return len(self._held)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is queued, retrying or in flight (held excluded)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def log(self) -> list[dict[str, Any]]:
        with self._cond:
            return list(self._log)

    # --- worker --------------------------------------------------------------

    def _record(self, delivery: Delivery, status: str, **details: Any) -> None:
        self._log.append(
            {
                "event": delivery.event_id,
                "type": delivery.event_type,
                "endpoint": delivery.endpoint_id,
                "url": delivery.url,
                "attempt": delivery.attempt,
                "status": status,
                "at": time.time(),
                **details,
            }
        )

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    if self._queue:
                        wait = self._queue[0][0] - time.monotonic()
                        if wait <= 0:
                            break
                        self._cond.wait(wait)
                    else:
                        self._cond.wait()
                if self._stopping:
                    return
                _, _, delivery = heapq.heappop(self._queue)
                self._in_flight += 1
            try:
                self._attempt(delivery)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _attempt(self, delivery: Delivery) -> None:
        delivery.attempt += 1
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": sign_payload(delivery.payload, delivery.secret),
        }
        http_status: int | None = None
        error: str | None = None
        try:
            response = self._http.post(
                delivery.url, data=delivery.payload.encode("utf-8"), headers=headers, timeout=self.timeout,
                allow_redirects=False
            )
            http_status = response.status_code
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        with self._cond:
            if http_status is not None and 200 <= http_status < 300:
                self._record(delivery, "delivered", http_status=http_status)
                return
            if delivery.attempt <= len(self.retry_delays):
                delay = self.retry_delays[delivery.attempt - 1]
                self._record(delivery, "retrying", http_status=http_status, error=error, retry_in=delay)
                heapq.heappush(self._queue, (time.monotonic() + delay, delivery.seq, delivery))
            else:
                self._record(delivery, "failed", http_status=http_status, error=error)
