"""Facility booking's pages, by audience: residents, staff, admins, registered groups."""
