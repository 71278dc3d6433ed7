"""Recording Events and handing them to the webhook dispatcher."""

from __future__ import annotations

import json
from typing import Any

from . import objects
from .store import Store
from .webhooks import WebhookDispatcher, endpoint_wants


class EventRecorder:
    def __init__(self, store: Store, dispatcher: WebhookDispatcher, api_version: str) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.api_version = api_version

    def emit(
        self,
        event_type: str,
        data_object: dict[str, Any],
        *,
        previous_attributes: dict[str, Any] | None = None,
        request: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a snapshot Event and queue its webhooks.

        Must be called with the store lock held, right after the change it
        describes, so the snapshot is exactly the state that caused it.
        """
        endpoints = [dict(ep) for ep in self.store.webhook_endpoints if endpoint_wants(ep, event_type)]
        event = objects.event(
            event_type=event_type,
            created=self.store.clock.now(),
            data_object=data_object,
            previous_attributes=previous_attributes,
            api_version=self.api_version,
            request=request,
            pending_webhooks=len(endpoints),
        )
        self.store.add(event)
        # Serialise once: every delivery and retry sends the same bytes, as
        # Stripe does, and the signature covers exactly these bytes.
        payload = json.dumps(event, indent=2, ensure_ascii=False)
        self.dispatcher.submit(event, payload, endpoints)
        return event

    def resend(self, event_id: str) -> dict[str, Any]:
        event = self.store.require(event_id, "event", param="event")
        payload = json.dumps(event, indent=2, ensure_ascii=False)
        self.dispatcher.submit(event, payload, [dict(ep) for ep in self.store.webhook_endpoints])
        return event
