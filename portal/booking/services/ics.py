"""An iCalendar (RFC 5545) file for a confirmed booking: one VEVENT per slot, times in UTC."""
from __future__ import annotations

from datetime import UTC, datetime

from portal.booking.models import Reservation


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded (continuation lines start with a space), never inside a
    multi-byte character."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(reservation: Reservation, public_url: str) -> str:
    facility = reservation.facility
    host = public_url.split("://", 1)[-1].split("/", 1)[0]
    stamp = _utc(reservation.confirmed_at or reservation.created_at)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kakanai-portal//booking//JA", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    for row in reservation.live_slots:
        if not row.active:
            continue
        lines += [
            "BEGIN:VEVENT",
            f"UID:reservation-{reservation.id}-slot-{row.id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(row.starts_at)}",
            f"DTEND:{_utc(row.ends_at)}",
            f"SUMMARY:{_escape(f'{facility.name} {row.unit.name}')}",
            f"LOCATION:{_escape(facility.address)}",
            f"DESCRIPTION:{_escape(f'予約番号 {reservation.id} / {facility.municipality.name}')}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
