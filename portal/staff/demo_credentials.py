"""The demo staff accounts' published secrets (in the README): ``demo`` creates accounts with them, and ``auth``
refuses the password for any real account."""

DEMO_PASSWORD = "demo-pass-1234"
DEMO_TOTP_SECRET = "KAKANAIDEMOADMINONLYFORDEVELOPMT"
