"""Facility administration (blueprint ``booking_admin``)."""
