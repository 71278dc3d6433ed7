"""A local SMTP sink with a small web UI, for development and tests.

Run ``python -m devtools.mailbox --help``; in tests use
:class:`devtools.mailbox.testing.MailSink`.
"""
