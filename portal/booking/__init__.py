"""Public-facility booking (issue 5): the pure domain core.

Plain dataclasses and functions, no Flask and no SQLAlchemy, so views, jobs and benchmarks share one
implementation:

    calendar  — 祝日, 年末年始, weekday vs 土日祝, JST ↔ UTC
    slots     — opening hours, slot patterns, closures → concrete slots
    pricing   — fee per slot and per booking, cancellation terms
    rules     — booking rules (how far ahead, notice, monthly caps, …) and each slot's availability status
    lottery   — the lottery calendar of a target month and validation of applications
    draw      — the reproducible, auditable lottery draw

Times are aware datetimes in UTC, reasoned about in Asia/Tokyo; money is integer yen.
"""
