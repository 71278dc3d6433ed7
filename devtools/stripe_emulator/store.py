"""In-memory state of the emulator, its clock, and optional JSON persistence.

Everything lives behind one re-entrant lock: the server is threaded, and a
Stripe state change touches several objects (session, PaymentIntent, charge,
events) that must change together.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import not_found

STATE_VERSION = 1


class Clock:
    """Wall clock plus an offset, so tests can jump days ahead ("time travel")."""

    def __init__(self, offset: int = 0) -> None:
        self.offset = offset

    def now(self) -> int:
        return int(time.time()) + self.offset

    def advance(self, seconds: int) -> int:
        self.offset += seconds
        return self.now()


class Store:
    def __init__(self, state_file: str | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = Clock()
        self.state_file = state_file
        # id -> Stripe-shaped object; dict order is creation order, which lists
        # rely on (newest first = reversed).
        self.objects: dict[str, dict[str, Any]] = {}
        # id -> emulator-only data that must never leak into API responses
        # (page nonces, line items, voucher codes, ...).
        self.private: dict[str, dict[str, Any]] = {}
        # "api_key\0idempotency_key" -> stored first response
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.webhook_endpoints: list[dict[str, Any]] = []
        if state_file and os.path.exists(state_file):
            self._load()

    # --- objects ---------------------------------------------------------

    def add(self, obj: dict[str, Any], private: dict[str, Any] | None = None) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        if private is not None:
            self.private[obj["id"]] = private
        return obj

    def get(self, object_id: str, object_name: str | None = None) -> dict[str, Any] | None:
        obj = self.objects.get(object_id)
        if obj is None or (object_name and obj.get("object") != object_name):
            return None
        return obj

    def require(self, object_id: str, object_name: str, *, param: str = "id", status: int = 404) -> dict[str, Any]:
        obj = self.get(object_id, object_name)
        if obj is None:
            raise not_found(object_name, object_id, param=param, status=status)
        return obj

    def private_of(self, object_id: str) -> dict[str, Any]:
        return self.private.setdefault(object_id, {})

    def newest_first(self, object_name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [obj for obj in reversed(self.objects.values()) if obj.get("object") == object_name]

    def reset(self, *, keep_webhook_endpoints: bool = True) -> None:
        self.objects.clear()
        self.private.clear()
        self.idempotency.clear()
        self.clock.offset = 0
        if not keep_webhook_endpoints:
            self.webhook_endpoints.clear()

    # --- transactions and persistence -----------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock for a multi-object change and persist afterwards."""
        with self.lock:
            yield self
            self.save()

    def save(self) -> None:
        if not self.state_file:
            return
        with self.lock:
            snapshot = {
                "version": STATE_VERSION,
                "clock_offset": self.clock.offset,
                "objects": list(self.objects.values()),
                "private": self.private,
                "idempotency": self.idempotency,
                "webhook_endpoints": self.webhook_endpoints,
            }
            directory = os.path.dirname(os.path.abspath(self.state_file))
            os.makedirs(directory, exist_ok=True)
            # Write-then-rename so a crash mid-write never leaves half a file.
            fd, tmp_path = tempfile.mkstemp(dir=directory, prefix=".stripe-emulator-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(snapshot, handle, ensure_ascii=False)
                os.replace(tmp_path, self.state_file)
            except BaseException:
                if os.path.exists(tmp_path):
                    os.unlink(tmp_path)
                raise

    def _load(self) -> None:
        assert self.state_file
        with open(self.state_file, encoding="utf-8") as handle:
            try:
                snapshot = json.load(handle)
            except json.JSONDecodeError:
                # A corrupt dev state file should not stop `make run`.
                return
        if snapshot.get("version") != STATE_VERSION:
            return
        self.clock.offset = int(snapshot.get("clock_offset", 0))
        self.objects = {obj["id"]: obj for obj in snapshot.get("objects", [])}
        self.private = dict(snapshot.get("private", {}))
        self.idempotency = dict(snapshot.get("idempotency", {}))
        self.webhook_endpoints = list(snapshot.get("webhook_endpoints", []))
