"""The events' pages by audience: resident (blueprint ``events``: list, calendar, event page, applying, a
registration, its ticket), staff (``events_staff``: participants, check-in), admin (``events_admin``: events and
their sessions), opendata (``events_opendata``: イベント一覧)."""
