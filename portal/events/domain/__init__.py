"""Rules of event sign-up as plain functions over plain values (no Flask, no SQLAlchemy)."""
