"""Facility booking with the database: holds, the lottery, groups, emails, staff and admin actions."""
